"""The 施設管理者連絡網: the network's MCS group of every facility administrator, for its notices.

Two policies (profile.admin_notice_group, with its article) have the network keep a group of
the facility administrators in MCS, for notices from the secretariat (and its committee). The portal
keeps its membership true: every current administrator of every facility in use is invited,
anyone who stops being one is taken out, each change an MCS task for the secretariat (which runs
the group: groups.services.task_open).

"Current administrator" is the staff ledger's: a line marked 管理者 (`Staff.is_admin`) that is
利用中 at a facility in use; the MCS group holds MCS IDs, which are the ledger's lines. Where the
engine refuses someone for now (no pledge yet, say), they are left out and listed on the page;
the next check (a change of administrators, or the page's 照合 button) tries again.

facilities cannot import this app, so it calls `facilities.hooks.admin_changed`, connected to
`admin_changed` below in groups/apps.py.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from core.services import PolicyBlocked, save_with_history
from facilities.models import FacilityStatus, Program, Staff, StaffStatus

from .models import EndReason, Group, GroupKind, GroupStatus, Membership, TaskKind
from .services import _add_staff, _locked_group, membership_end, task_open

STEPPED_DOWN = "施設管理者でなくなったため"


def admin_notice_group(program):
    """The program's 施設管理者連絡網 in the register (not deleted), or None."""
    groups = Group.objects.filter(program=program, kind=GroupKind.ADMIN_NOTICE).exclude(status=GroupStatus.DELETED)
    return groups.select_related("leader__facility").first()


def current_admins(program):
    """Every current facility administrator of the program: the group's membership as it should be."""
    return Staff.objects.filter(
        program=program, is_admin=True, status=StaffStatus.ACTIVE, facility__status=FacilityStatus.ACTIVE
    )


def _join(group, staff, by):
    """Invite one administrator; None when they are in already, the engine's blocks when it refuses."""
    if group.memberships.open().filter(staff=staff).exists():
        return None
    try:
        with transaction.atomic():  # a savepoint: a refusal leaves the caller's work intact
            _add_staff(group=group, staff=staff, by=by)
    except PolicyBlocked as blocked:
        return blocked.messages
    return []


def _leave(membership, by):
    membership_end(
        membership=membership, by=by, reason=EndReason.UNASSIGNED, ended_on=timezone.localdate(), note=STEPPED_DOWN
    )


def _sync(group, by, *, staff=None, facility=None):
    """Bring the group's membership in line with the ledger, for one person, one facility or all.

    Returns (invited, removed, refused): staff lists, `refused` as (staff, messages) pairs.
    """
    admins = current_admins(group.program).select_related("facility")
    seats = group.memberships.open().filter(staff__isnull=False).exclude(staff_id=group.leader_id)
    if staff is not None:
        admins, seats = admins.filter(pk=staff.pk), seats.filter(staff=staff)
    elif facility is not None:
        admins, seats = admins.filter(facility=facility), seats.filter(staff__facility=facility)
    invited, removed, refused = [], [], []
    admin_ids = set()
    for person in admins.order_by("facility__number", "full_name_kana", "pk"):
        admin_ids.add(person.pk)
        outcome = _join(group, person, by)
        if outcome == []:
            invited.append(person)
        elif outcome:
            refused.append((person, outcome))
    for membership in seats.exclude(staff_id__in=admin_ids).select_related("staff", "group").select_for_update(
        of=("self",)
    ):
        _leave(membership, by)
        removed.append(membership.staff)
    return invited, removed, refused


@transaction.atomic
def admin_notice_group_register(*, program, by, leader):
    """Record the 施設管理者連絡網 (as MCS will have it) with the secretariat's person who runs it
    (`leader`, an active staff member, usually at the 医師会 or the secretariat's office), and invite
    every current administrator. Creating it in MCS and each invitation become the secretariat's tasks.
    Returns (group, refused)."""
    policy = program.policy
    if not policy.admin_notice_group:
        raise ValidationError(f"「{policy.policy_title}」には施設管理者のグループ（施設管理者連絡網）の定めがありません。")
    Program.objects.select_for_update().filter(pk=program.pk).first()  # one registration at a time
    if admin_notice_group(program) is not None:
        raise ValidationError("施設管理者連絡網はすでに登録されています。")
    if leader.program_id != program.pk or leader.status != StaffStatus.ACTIVE:
        raise ValidationError({"leader": "このネットワークの利用中の職員を選んでください。"})
    if leader.facility.status != FacilityStatus.ACTIVE:
        raise ValidationError({"leader": "利用中の事業所の職員を選んでください。"})
    group = Group(
        program=program, kind=GroupKind.ADMIN_NOTICE, title=policy.admin_notice_group_name,
        origin_facility=leader.facility, leader=leader, created_by=by, created_on=timezone.localdate(),
    )
    save_with_history(group, by)
    task_open(
        group=group, kind=TaskKind.CREATE, by=by, title=f"MCSで「{group.name}」グループを作成する",
        detail=f"運営からの通知用です（{policy.policy_title}{policy.admin_notice_article}）。",
    )
    _add_staff(group=group, staff=leader, by=by, accepted=True)
    _invited, _removed, refused = _sync(group, by)
    return group, refused


@transaction.atomic
def admin_notice_group_sync(*, program, by):
    """Check the whole group against the ledger (the page's 照合 button): invite the administrators
    who are missing, take out those who are no longer administrators. Returns (invited, removed, refused)."""
    group = admin_notice_group(program)
    if group is None:
        raise ValidationError("施設管理者連絡網がまだ登録されていません。先に登録してください。")
    group = _locked_group(group)
    if group.status != GroupStatus.ACTIVE:
        raise ValidationError("施設管理者連絡網が保管されています。保管から戻してから照合してください。")
    return _sync(group, by)


def admin_changed(*, staff, facility, by, became_admin):
    """Receiver of facilities.hooks.admin_changed: someone became or stopped being an administrator
    (or, with staff=None, a facility's administrators changed together: it was suspended, withdrew
    or came back). Runs in the caller's transaction; the ledger, already saved, decides, so
    `became_admin` only says what the caller did. Returns how many memberships changed."""
    program = (staff or facility).program
    if not program.policy.admin_notice_group:
        return 0
    group = admin_notice_group(program)
    if group is None or group.status != GroupStatus.ACTIVE:
        return 0
    group = _locked_group(group)
    if staff is not None:
        staff = Staff.objects.select_related("program", "facility").get(pk=staff.pk)
    invited, removed, _refused = _sync(group, by, staff=staff, facility=None if staff else facility)
    return len(invited) + len(removed)


def admin_notice_roster(program, group):
    """The page's comparison: each current administrator with their seat in the group (or None), and
    the open seats of people who are no longer administrators. Three queries whatever the size."""
    seats = {}
    if group is not None:
        open_seats = Membership.objects.open().filter(group=group, staff__isnull=False).select_related(
            "staff__facility"
        )
        seats = {m.staff_id: m for m in open_seats}
    admins = list(current_admins(program).select_related("facility").order_by("facility__number", "full_name_kana"))
    rows = [(person, seats.pop(person.pk, None)) for person in admins]
    leader_id = group.leader_id if group is not None else None
    strays = [m for staff_id, m in seats.items() if staff_id != leader_id]
    return rows, strays
