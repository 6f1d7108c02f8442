"""What a suspension (facilities.life) means for the group register: every membership the
suspended person (or every person of the suspended facility) holds gets an MCS task to stop it,
assigned like any member task to the group's origin facility; lifting closes those still open.

Receivers of facilities.hooks.suspension_started / suspension_lifted (connected in apps.py).
"""

from .models import McsTask, Membership, TaskKind
from .services import task_open, tasks_not_needed


def memberships_of(suspension):
    """The open memberships a suspension concerns: the person's, or the facility's staff's."""
    seats = Membership.objects.open()
    if suspension.staff_id:
        seats = seats.filter(staff_id=suspension.staff_id)
    else:
        seats = seats.filter(staff__facility_id=suspension.facility_id)
    return seats.select_related("group__patient", "group__origin_facility", "staff")


def restriction_tasks(suspension):
    """The tasks opened for a suspension (found by the memberships' people and the kind)."""
    tasks = McsTask.objects.filter(kind=TaskKind.RESTRICT, created_at__gte=suspension.created_at)
    if suspension.staff_id:
        return tasks.filter(membership__staff_id=suspension.staff_id)
    return tasks.filter(membership__staff__facility_id=suspension.facility_id)


def restrict_memberships(*, suspension, by):
    """Receiver of facilities.hooks.suspension_started: one RESTRICT task per open membership."""
    listed = 0
    for membership in memberships_of(suspension):
        group = membership.group
        task_open(
            group=group, kind=TaskKind.RESTRICT, by=by, membership=membership,
            title=f"MCSで{membership.display_name}さんの{group.mcs_name}への参加を止める（利用停止）",
            detail=f"利用停止（{suspension.article}）: {suspension.reason}"[:1000],
        )
        listed += 1
    return listed


def restrictions_not_needed(*, suspension, by):
    """Receiver of facilities.hooks.suspension_lifted: restriction tasks still open become 不要."""
    return tasks_not_needed(restriction_tasks(suspension), by=by, reason="利用停止を解除したため")

