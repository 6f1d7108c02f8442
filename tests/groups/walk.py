"""The groups app's part of the access table (tests/walk.py).

Program A's groups live at facility_a (the roles' own) and facility_a2 (the sibling facility):
each with an invited member of its own facility, an open MCS task and an open review. Beside
them, made only for the rows that name them:
- the seat: an invitation to a nurse of a member facility (another facility of program A),
  whose MCS管理者 and coordinator are `member_admin` and `member_coordinator`;
- a task for the secretariat (a deletion to carry out in MCS).
The walk's roles lead no group, which the campaign rows rely on.
"""

import datetime

from core.models import PreparedFile
from facilities.models import Suspension, Withdrawal
from groups.models import MembershipStatus, TaskKind
from tests.factories import FacilityFactory, StaffFactory, UserFactory, admin_of, coordinator_of
from tests.groups.factories import (
    GroupFactory,
    GroupReviewFactory,
    McsTaskFactory,
    MembershipFactory,
    follow_up,
)
from tests.walk import CARE, FACILITY, GET, MANAGERS, POST, SECRETARIAT, Access, Kwarg


def _at(s, facility):
    """A group of `facility` with an invited member, an open MCS task and an open review (made once)."""
    def make():
        group = GroupFactory(origin_facility=facility)
        return {
            "group": group,
            "membership": MembershipFactory(group=group, status=MembershipStatus.INVITED),
            "task": McsTaskFactory(group=group),
            "review": GroupReviewFactory(group=group),
            "decision": follow_up(group),  # an open 要確認 of a completed review
        }
    return s.once(("groups", facility.pk), make)


def _member_facility(s):
    return s.once("member_facility", lambda: FacilityFactory(program=s.world.program_a))


def _seat(s):
    """The own group's invitation to someone of the member facility."""
    return s.once("seat", lambda: MembershipFactory(
        group=_at(s, s.world.facility_a)["group"], staff=StaffFactory(facility=_member_facility(s)),
        status=MembershipStatus.INVITED))


def _member(role_of):
    def make(s):
        _seat(s)  # they know the group through the seat
        return role_of(_member_facility(s))
    return make


def _secretariat_task(s):
    group = _at(s, s.world.facility_a)["group"]
    return s.once("secretariat_task", lambda: McsTaskFactory(group=group, for_secretariat=True, facility=None,
                                                             kind=TaskKind.DELETE))


def _report_file(s, facility):
    """A waiting report of the campaign of `facility`'s review (core.jobs.prepare_file's row)."""
    def make():
        campaign_pk = _at(s, facility)["review"].campaign_id
        return PreparedFile.objects.create(key=f"campaign-report:{campaign_pk}", filename="report.pdf",
                                           requested_by=UserFactory()).pk
    return s.once(("report_file", facility.pk), make)


def _own(kind):
    return lambda s: _at(s, s.world.facility_a)[kind].pk


def _sibling(kind):
    return lambda s: _at(s, s.world.facility_a2)[kind].pk


def _other(kind):
    return lambda s: _at(s, s.world.facility_b)[kind].pk


def _suspension(s, facility):
    """A suspension of the whole facility, in force (made once; lifted again by the lift row's ready)."""
    return s.once(("suspension", facility.pk), lambda: Suspension.objects.create(
        program=facility.program, facility=facility, reason="不適切な投稿", article="第11条",
        starts_on=datetime.date(2026, 4, 1), created_by=s.world.secretariat_a))


def _unlifted(s):
    suspension = _suspension(s, s.world.facility_a)
    Suspension.objects.filter(pk=suspension.pk).update(lifted_on=None, lifted_at=None, lifted_by=None, lift_note="")


def _lift(s):
    return {"lifted_on": "2026-04-02", "note": "指導により改善を確認"}


def _withdrawal(s, facility):
    """A withdrawal record of the facility (the record only: the walk's roles keep their facility)."""
    return s.once(("withdrawal", facility.pk), lambda: Withdrawal.objects.create(
        program=facility.program, facility=facility, withdrawn_on=datetime.date(2026, 4, 1), reason="閉院",
        recorded_by=s.world.secretariat_a))


PEOPLE = {
    "member_admin": _member(admin_of),
    "member_coordinator": _member(coordinator_of),
}

SEAT = {"membership_pk": lambda s: _seat(s).pk}
STRANGER = {"sibling_coordinator": 404}  # a campaign is the program's, yet a2 has no group in this one

ACCESS = {
    "groups:group-list": Access(GET, FACILITY),
    "groups:group-create": Access(GET, CARE),
    "groups:dashboard": Access(GET, SECRETARIAT),
    "groups:task-list": Access(GET, FACILITY),
    "groups:association-admin": Access(GET, SECRETARIAT),
    "groups:admin-notice-group": Access(GET, SECRETARIAT),
    "groups:admin-notice-sync": Access(POST, SECRETARIAT, status=302),
    "groups:campaign-list": Access(GET, FACILITY),
    "groups:campaign-create": Access(GET, SECRETARIAT),  # and the leaders of groups; the walk's roles lead none
    "groups:facility-dashboard": Access(GET, FACILITY),
    "groups:group-detail": Access(GET, FACILITY, people={"member_coordinator": 200}),
    "groups:member-add": Access(GET, CARE, people={"member_admin": 403}),
    "groups:person-add": Access(GET, CARE),
    "groups:association-admin-add": Access(POST, CARE, status=302),
    "groups:group-leader": Access(GET, CARE),
    "groups:group-archive": Access(GET, CARE, people={"member_admin": 403}),
    "groups:group-restore": Access(POST, CARE, status=302),
    "groups:group-deletion": Access(GET, CARE),
    "groups:member-respond": (
        Access(POST, CARE),
        # The member's own facility answers for its people; the group's secretariat does not.
        Access(POST, None, objects=SEAT, label="seat", status=302, people={
            "secretariat_a": 403, "member_coordinator": 403, "member_admin": 302}),
    ),
    "groups:follow-up-settle": Access(POST, CARE, status=302, people={"member_admin": 403}),
    "groups:member-remove": (
        Access(GET, CARE),
        Access(GET, None, objects=SEAT, label="seat", people={
            "secretariat_a": 403, "member_coordinator": 403, "member_admin": 200}),
    ),
    "groups:task-confirm": (
        Access(POST, FACILITY),
        Access(POST, None, objects={"task_pk": lambda s: _secretariat_task(s).pk}, label="secretariat-task",
               status=302, people={"coordinator_a": 403, "secretariat_a": 302}),
    ),
    "groups:campaign-detail": Access(GET, FACILITY, people=STRANGER),
    "groups:campaign-report-pdf": Access(GET, SECRETARIAT, people=STRANGER),  # and whoever started the campaign
    "groups:campaign-report-csv": Access(GET, SECRETARIAT, people=STRANGER),
    "groups:campaign-report-ready": Access(GET, SECRETARIAT, people=STRANGER),  # a big report's "ready" page
    "groups:review-worksheet": Access(GET, FACILITY, people={"member_coordinator": 200}),
    # The secretariat only once the review is escalated.
    "groups:review-complete": Access(POST, CARE, status=302, people={"member_admin": 403}),
    "groups:review-report-pdf": Access(GET, FACILITY, people={"member_coordinator": 403}),
    "groups:review-report-csv": Access(GET, FACILITY, people={"member_coordinator": 403}),
    # A facility's suspension and withdrawal: program A (musashimurayama) gives the power to suspend
    # to the secretariat only (no 「利用を制限もしくは禁止する権限」 for the MCS管理者).
    "groups:facility-life": Access(GET, MANAGERS),
    "groups:suspension-add": Access(GET, SECRETARIAT),
    "groups:facility-withdraw": Access(GET, SECRETARIAT),
    "groups:suspension-detail": Access(GET, MANAGERS),
    "groups:suspension-lift": Access(POST, SECRETARIAT, status=302, data=_lift, ready=_unlifted),
    "groups:withdrawal-pdf": Access(GET, SECRETARIAT),
}

KWARGS = {
    "group_pk": Kwarg("facility", own=_own("group"), sibling=_sibling("group"), other=_other("group")),
    "membership_pk": Kwarg("facility", own=_own("membership"), sibling=_sibling("membership"),
                           other=_other("membership")),
    "task_pk": Kwarg("facility", own=_own("task"), sibling=_sibling("task"), other=_other("task")),
    "review_pk": Kwarg("facility", own=_own("review"), sibling=_sibling("review"), other=_other("review")),
    # A round over the program; each facility sees its own groups in it.
    "campaign_pk": Kwarg("program", own=lambda s: _at(s, s.world.facility_a)["review"].campaign_id,
                         other=lambda s: _at(s, s.world.facility_b)["review"].campaign_id),
    "file_pk": Kwarg("program", own=lambda s: _report_file(s, s.world.facility_a),
                     other=lambda s: _report_file(s, s.world.facility_b)),
    "decision_pk": Kwarg("facility", own=_own("decision"), sibling=_sibling("decision"), other=_other("decision")),
    "suspension_pk": Kwarg("facility", own=lambda s: _suspension(s, s.world.facility_a).pk,
                           sibling=lambda s: _suspension(s, s.world.facility_a2).pk,
                           other=lambda s: _suspension(s, s.world.facility_b).pk),
    "withdrawal_pk": Kwarg("facility", own=lambda s: _withdrawal(s, s.world.facility_a).pk,
                           sibling=lambda s: _withdrawal(s, s.world.facility_a2).pk,
                           other=lambda s: _withdrawal(s, s.world.facility_b).pk),
}
