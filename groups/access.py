"""Scoped getters of the groups app: outsiders get 404, insiders without the needed role 403.

Who may do what:
- the group's origin facility (its MCS管理者 and coordinators) and the group's leader manage
  the group: members, leader, archive, deletion requests, and they work its reviews;
- the MCS管理者 of a member's facility may also record the member's answer or take them out;
- the secretariat oversees: dashboard, campaigns, secretariat tasks, and escalated reviews.
"""

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from consent.access import log_access_many
from consent.models import AccessAction
from facilities.access import is_secretariat
from facilities.models import RoleKind, role_facility_ids, secretariat_program_ids

from .models import Group, GroupReview, McsTask, Membership, ReviewCampaign, ReviewStatus
from .queries import GROUP_RELATED, follow_ups_open


def can_manage_group(user, group):
    return group.origin_facility_id in role_facility_ids(user) or (
        group.leader.user_id is not None and group.leader.user_id == user.pk
    )


def can_edit_membership(user, membership):
    if can_manage_group(user, membership.group):
        return True
    staff = membership.staff
    return staff is not None and (
        staff.user_id == user.pk or staff.facility_id in role_facility_ids(user, RoleKind.FACILITY_ADMIN)
    )


def can_create_in(user, program):
    """Anyone with a facility role in the program may start a group (the engine then judges the role)."""
    return program.facilities.filter(pk__in=role_facility_ids(user)).exists()


def can_work_review(user, review):
    """The reviewer and the group's managers; the secretariat once the review was escalated to it."""
    if review.reviewer.user_id is not None and review.reviewer.user_id == user.pk:
        return True
    if can_manage_group(user, review.group):
        return True
    return review.status == ReviewStatus.ESCALATED and is_secretariat(user, review.group.program)


def can_confirm_task(user, task):
    if user.is_superuser or task.program_id in secretariat_program_ids(user):
        return True
    return not task.for_secretariat and task.facility_id in role_facility_ids(user)


def get_group_for_user(user, group_pk, *, manage=False):
    group = get_object_or_404(Group.objects.visible_to(user).select_related(*GROUP_RELATED), pk=group_pk)
    if manage and not can_manage_group(user, group):
        raise PermissionDenied
    return group


def get_follow_up_for_user(user, decision_pk, *, manage=False):
    """An open 要確認 of a completed review, in a group the user sees (settled: 404)."""
    item = get_object_or_404(
        follow_ups_open().filter(membership__group__in=Group.objects.visible_to(user))
        .select_related(*(f"membership__group__{name}" for name in GROUP_RELATED), "membership__staff"),
        pk=decision_pk,
    )
    if manage and not can_manage_group(user, item.membership.group):
        raise PermissionDenied
    return item


def get_membership_for_user(user, membership_pk, *, edit=False):
    membership = get_object_or_404(
        Membership.objects.visible_to(user).select_related(
            *(f"group__{name}" for name in GROUP_RELATED), "staff__facility"
        ),
        pk=membership_pk,
    )
    if edit and not can_edit_membership(user, membership):
        raise PermissionDenied
    return membership


def get_task_for_user(user, task_pk, *, confirm=False):
    task = get_object_or_404(
        McsTask.objects.visible_to(user).select_related("program", "group", "facility"), pk=task_pk
    )
    if confirm and not can_confirm_task(user, task):
        raise PermissionDenied
    return task


def get_campaign_for_user(user, campaign_pk):
    return get_object_or_404(
        ReviewCampaign.objects.visible_to(user).select_related("program", "started_by", "scope_facility"),
        pk=campaign_pk,
    )


def get_review_for_user(user, review_pk, *, work=False):
    reviews = GroupReview.objects.visible_to(user).select_related(
        *(f"group__{name}" for name in GROUP_RELATED), "campaign", "reviewer", "completed_by"
    )
    review = get_object_or_404(reviews, pk=review_pk)
    if work and not can_work_review(user, review):
        raise PermissionDenied
    return review


def log_group(request, group):
    """A page about a patient's group (its name is the patient's): logged as a view of the patient."""
    if group.patient_id:
        log_access_many(request, [group.patient_id], AccessAction.VIEW_GROUP)
