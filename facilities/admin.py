from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .forms import FacilityForm
from .models import (
    Attendance,
    ChangeNotice,
    ConfirmationAnswer,
    ConfirmationCampaign,
    ConfirmationReminder,
    DetailsChange,
    Facility,
    FacilityConfirmation,
    NoticeFiling,
    NoticeLine,
    Pledge,
    PledgeText,
    Program,
    Role,
    Staff,
    StaffRemoval,
    Suspension,
    TrainingSession,
    Withdrawal,
)


@admin.register(Program)
class ProgramAdmin(SimpleHistoryAdmin):
    list_display = ["name", "slug", "variant", "secretariat_name", "is_active"]
    prepopulated_fields = {"slug": ["name"]}


class FacilityAdminForm(FacilityForm):
    """Every field for the admin, names, reading, postal code and phones checked as everywhere."""

    class Meta(FacilityForm.Meta):
        fields = "__all__"


@admin.register(Facility)
class FacilityAdmin(SimpleHistoryAdmin):
    form = FacilityAdminForm
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

    def has_delete_permission(self, request, obj=None):
        return False  # someone who leaves stays in the ledger as removed (staff_remove)


class RecordAdmin(SimpleHistoryAdmin):
    """Records of pledges, removals, training and notices: kept for good, never deleted here."""

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(StaffRemoval)
class StaffRemovalAdmin(RecordAdmin):
    list_display = [
        "staff", "reason", "effective_date", "devices", "removed_at", "open_memberships_at_removal",
    ]
    list_filter = ["reason", "devices"]
    raw_id_fields = ["staff", "requested_by", "removed_by"]
    list_select_related = ["staff"]


@admin.register(PledgeText)
class PledgeTextAdmin(RecordAdmin):
    list_display = ["program", "kind", "version", "form_number", "title", "published_at"]
    list_filter = ["program", "kind"]

    def has_change_permission(self, request, obj=None):
        return obj is None  # a published wording is never edited


@admin.register(Pledge)
class PledgeAdmin(RecordAdmin):
    list_display = ["staff", "kind", "signed_on", "text", "recorded_at"]
    list_filter = ["kind"]
    raw_id_fields = ["staff", "text", "recorded_by"]
    list_select_related = ["staff", "text"]


class RecordInline(admin.TabularInline):
    raw_id_fields = ["staff"]
    extra = 0
    can_delete = False


class AttendanceInline(RecordInline):
    model = Attendance


@admin.register(TrainingSession)
class TrainingSessionAdmin(RecordAdmin):
    list_display = ["facility", "kind", "held_on", "title"]
    list_filter = ["kind"]
    raw_id_fields = ["facility", "recorded_by"]
    inlines = [AttendanceInline]
    list_select_related = ["facility"]


@admin.register(Attendance)
class AttendanceAdmin(RecordAdmin):
    list_display = ["session", "staff"]
    raw_id_fields = ["session", "staff"]


class NoticeLineInline(RecordInline):
    model = NoticeLine
    raw_id_fields = ["staff", "record"]


@admin.register(ChangeNotice)
class ChangeNoticeAdmin(RecordAdmin):
    list_display = ["facility", "program", "status", "due_on", "filed_at", "filed_late"]
    list_filter = ["program", "status", "filed_late"]
    raw_id_fields = ["facility", "filed_by", "decided_by"]
    inlines = [NoticeLineInline]
    list_select_related = ["facility", "program"]


@admin.register(NoticeLine)
class NoticeLineAdmin(RecordAdmin):
    list_display = ["notice", "staff", "change", "changed_on"]
    list_filter = ["change"]
    raw_id_fields = ["notice", "staff", "record"]


@admin.register(DetailsChange)
class DetailsChangeAdmin(RecordAdmin):
    list_display = ["facility", "staff", "changed_on", "recorded_at"]
    list_filter = ["program"]
    raw_id_fields = ["program", "facility", "staff", "recorded_by"]
    list_select_related = ["facility", "staff"]


@admin.register(NoticeFiling)
class NoticeFilingAdmin(RecordAdmin):
    list_display = ["notice", "number", "filed_at"]
    raw_id_fields = ["notice", "filed_by"]
    list_select_related = ["notice__facility"]

    def has_change_permission(self, request, obj=None):
        return obj is None  # what was filed stays as it was filed




# Suspension and withdrawal (facilities/life_models.py): read in the admin; recorded from the portal's
# pages (groups/life_views.py), which run the cascade the admin would skip.
@admin.register(Suspension)
class SuspensionAdmin(SimpleHistoryAdmin):
    list_display = ["facility", "staff", "starts_on", "ends_on", "lifted_on"]
    list_filter = ["program"]
    list_select_related = ["facility", "staff"]
    readonly_fields = ["created_by", "lifted_by", "memberships_listed"]


@admin.register(Withdrawal)
class WithdrawalAdmin(SimpleHistoryAdmin):
    list_display = ["facility", "withdrawn_on", "staff_removed", "release_tasks"]
    list_filter = ["program"]
    list_select_related = ["facility"]
    readonly_fields = ["recorded_by", "patients", "warnings"]


@admin.register(ConfirmationCampaign)
class ConfirmationCampaignAdmin(RecordAdmin):
    list_display = ["program", "title", "due_on", "started_at", "closed_at"]
    list_filter = ["program"]
    raw_id_fields = ["started_by"]


class ConfirmationAnswerInline(RecordInline):
    model = ConfirmationAnswer


@admin.register(FacilityConfirmation)
class FacilityConfirmationAdmin(RecordAdmin):
    list_display = ["campaign", "facility", "submitted_at", "submitted_by"]
    list_filter = ["campaign__program"]
    raw_id_fields = ["campaign", "facility", "submitted_by"]
    inlines = [ConfirmationAnswerInline]
    list_select_related = ["campaign", "facility", "submitted_by"]

    def has_change_permission(self, request, obj=None):
        return obj is None  # an answer is a record: never edited


@admin.register(ConfirmationReminder)
class ConfirmationReminderAdmin(RecordAdmin):
    list_display = ["confirmation", "sent_on", "sent_by", "recipients"]
    raw_id_fields = ["confirmation", "sent_by"]
