from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from simple_history.admin import SimpleHistoryAdmin

from . import services
from .forms import AdminPasswordChangeForm
from .models import User


@admin.register(User)
class UserAdmin(SimpleHistoryAdmin, BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "full_name", "is_active", "is_staff", "is_superuser"]
    search_fields = ["email", "full_name", "full_name_kana"]
    list_filter = ["is_active", "is_staff", "is_superuser"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("氏名", {"fields": ["full_name", "full_name_kana"]}),
        ("権限", {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]}),
        ("日時", {"fields": ["last_login", "date_joined", "password_changed_at"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "full_name", "password1", "password2"]})]
    readonly_fields = ["last_login", "date_joined", "password_changed_at"]
    change_password_form = AdminPasswordChangeForm
    actions = ["deactivate", "reset_two_factor"]

    @admin.action(description="選択した利用者の利用を停止する（ログイン中の画面も終了）")
    def deactivate(self, request, queryset):
        for user in queryset.filter(is_active=True):
            services.user_deactivate(user=user)
        self.message_user(request, "利用を停止しました。", messages.SUCCESS)

    @admin.action(description="選択した利用者の二要素認証をリセットする（次のログインで設定し直し）")
    def reset_two_factor(self, request, queryset):
        for user in queryset:
            services.two_factor_reset(user=user)
        self.message_user(request, "二要素認証をリセットしました。", messages.SUCCESS)
