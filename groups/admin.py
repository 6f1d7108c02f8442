from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from consent.admin import PatientViewLogged

from .models import AssociationAdmin, Group, GroupReview, McsTask, MemberDecision, Membership, ReviewCampaign


class NoDeleteMixin:
    # Memberships, decisions and tasks are the register's evidence: they change status, never vanish.
    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Group)
class GroupAdmin(PatientViewLogged, NoDeleteMixin, SimpleHistoryAdmin):
    list_display = ("pk", "program", "kind", "origin_facility", "leader", "status", "last_reviewed_on")
    list_filter = ("program", "kind", "status")
    raw_id_fields = ("patient", "origin_facility", "leader", "created_by")
    list_select_related = ("program", "origin_facility", "leader__facility")


@admin.register(Membership)
class MembershipAdmin(PatientViewLogged, NoDeleteMixin, SimpleHistoryAdmin):
    patient_field = "group__patient"
    list_display = ("pk", "group", "member_kind", "staff", "person_name", "status", "invited_on", "ended_on")
    list_filter = ("status", "member_kind", "group__program")
    raw_id_fields = ("group", "staff", "invited_by", "ended_by")
    list_select_related = ("group__patient", "staff__facility")


@admin.register(McsTask)
class McsTaskAdmin(PatientViewLogged, NoDeleteMixin, SimpleHistoryAdmin):
    patient_field = "group__patient"  # the titles name the patient
    list_display = ("pk", "program", "kind", "title", "facility", "for_secretariat", "status", "created_at")
    list_filter = ("program", "kind", "status", "for_secretariat")
    raw_id_fields = ("group", "membership", "facility", "created_by", "done_by")
    list_select_related = ("program", "facility", "group")


@admin.register(AssociationAdmin)
class AssociationAdminAdmin(SimpleHistoryAdmin):
    list_display = ("program", "staff", "designated_by", "designated_at")
    raw_id_fields = ("staff", "designated_by")


@admin.register(ReviewCampaign)
class ReviewCampaignAdmin(NoDeleteMixin, SimpleHistoryAdmin):
    list_display = ("pk", "program", "title", "scope", "started_on", "due_on")
    list_filter = ("program", "scope")
    raw_id_fields = ("started_by", "scope_facility")


@admin.register(GroupReview)
class GroupReviewAdmin(PatientViewLogged, NoDeleteMixin, SimpleHistoryAdmin):
    patient_field = "group__patient"
    list_display = ("pk", "campaign", "group", "reviewer", "status", "completed_at", "removed_count")
    list_filter = ("status", "campaign__program")
    raw_id_fields = ("campaign", "group", "reviewer", "completed_by")
    list_select_related = ("campaign", "group__patient", "reviewer")


@admin.register(MemberDecision)
class MemberDecisionAdmin(PatientViewLogged, NoDeleteMixin, SimpleHistoryAdmin):
    patient_field = "membership__group__patient"
    list_display = ("pk", "review", "membership", "decision", "decided_by", "decided_at", "applied_at")
    list_filter = ("decision",)
    raw_id_fields = ("review", "membership", "decided_by")
    list_select_related = ("review", "membership__group", "decided_by")
