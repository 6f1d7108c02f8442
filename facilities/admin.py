from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Facility, Program, Role, Staff


@admin.register(Program)
class ProgramAdmin(SimpleHistoryAdmin):
    list_display = ["name", "slug", "variant", "secretariat_name", "is_active"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Facility)
class FacilityAdmin(SimpleHistoryAdmin):
    list_display = ["number", "name", "kind", "program", "status"]
    list_filter = ["program", "status", "kind"]
    search_fields = ["name", "name_kana", "number"]
    list_select_related = ["program"]


@admin.register(Role)
class RoleAdmin(SimpleHistoryAdmin):
    list_display = ["user", "kind", "program", "facility", "is_active"]
    list_filter = ["kind", "program", "is_active"]
    raw_id_fields = ["user", "facility"]
    list_select_related = ["user", "program", "facility"]


@admin.register(Staff)
class StaffAdmin(SimpleHistoryAdmin):
    list_display = ["full_name", "facility", "job", "email", "is_admin", "status"]
    list_filter = ["program", "status", "job", "is_admin"]
    search_fields = ["full_name", "full_name_kana", "email"]
    raw_id_fields = ["facility", "user"]
    list_select_related = ["facility"]
