from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Application, ApplicationEvent, Registrant


class RegistrantInline(admin.TabularInline):
    model = Registrant
    extra = 0
    raw_id_fields = ["staff"]


class EventInline(admin.TabularInline):
    # Decision records are read-only here too: nobody rewrites who decided what.
    model = ApplicationEvent
    extra = 0
    can_delete = False
    readonly_fields = ["kind", "from_status", "to_status", "actor", "comment", "deadline", "created_at"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Application)
class ApplicationAdmin(SimpleHistoryAdmin):
    list_display = ["receipt_number", "facility_name", "facility_kind", "program", "status", "submitted_at"]
    list_filter = ["program", "status", "facility_kind"]
    search_fields = ["receipt_number", "facility_name", "facility_name_kana", "contact_email"]
    readonly_fields = ["access_token", "receipt_number", "receipt_year", "receipt_sequence", "findings", "pledge_text"]
    raw_id_fields = ["decided_by", "facility", "acknowledged_by", "possible_duplicates"]
    list_select_related = ["program"]
    inlines = [RegistrantInline, EventInline]

    def has_delete_permission(self, request, obj=None):
        return False  # applications hold pledges and decisions: never deleted


@admin.register(Registrant)
class RegistrantAdmin(SimpleHistoryAdmin):
    list_display = ["full_name", "email", "job", "is_admin", "application"]
    search_fields = ["full_name", "full_name_kana", "email"]
    raw_id_fields = ["application", "staff"]
    list_select_related = ["application"]


@admin.register(ApplicationEvent)
class ApplicationEventAdmin(SimpleHistoryAdmin):
    list_display = ["application", "kind", "from_status", "to_status", "actor", "created_at"]
    list_filter = ["kind"]
    raw_id_fields = ["application", "actor"]
    list_select_related = ["application", "actor"]

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False
