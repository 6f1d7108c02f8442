"""Every write to the group register: groups, members, archive and deletion, MCS tasks.

Keyword-only functions, one transaction each, the policy engine asked before acting:
blocks raise `PolicyBlocked` (rolling everything back), warnings are recorded. Every change
that must also be made in MCS opens an McsTask in the same transaction. Periodic reviews
live in groups/reviews.py; `membership_end` and `task_open` are the pieces they and
groups/erasure.py share with this module.
"""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from consent.care import care_team_add, care_team_end
from consent.models import CareTeam, CareTeamEnd, CareTeamReason, Patient, PatientStatus
from consent.services import obtainer_roles
from core.services import (
    PolicyBlocked,
    already_done,
    move_status,
    policy_check,
    repeat_of,
    save_with_history,
)
from facilities.access import is_secretariat
from facilities.ledger import staff_with_ledger
from facilities.life_models import suspension_facts
from facilities.models import FacilityStatus, Program, RoleKind, Staff, StaffStatus, role_facility_ids

from .models import (
    GROUP_TRANSITIONS,
    MEMBERSHIP_TRANSITIONS,
    OPEN_STATUSES,
    PATIENT_KINDS,
    AssociationAdmin,
    EndReason,
    Group,
    GroupKind,
    GroupStatus,
    McsTask,
    MemberKind,
    Membership,
    MembershipStatus,
    TaskKind,
    TaskStatus,
)
from .queries import consent_state, sharing_facts, sharing_stopped

ALREADY_MEMBER = "この人はすでにこのグループのメンバー（招待中を含む）です。"
NOT_ACTIVE = "保管・削除されたグループは変更できません。先に保管から戻してください。"


def _locked_group(group):
    groups = Group.objects.select_for_update(of=("self",))
    return groups.select_related("program", "patient", "origin_facility").get(pk=group.pk)


def _require_active(group):
    """A page of a group archived or deleted meanwhile (another tab, someone else): says when and by whom."""
    if group.status == GroupStatus.ACTIVE:
        return
    change = None
    for record in group.history.select_related("history_user").order_by("-history_date")[:50]:
        if record.status != group.status:
            break
        change = record
    if change is None:
        raise ValidationError(NOT_ACTIVE)
    raise already_done("このグループ", change.history_date, change.history_user,
                       f"「{group.get_status_display()}」にしています。{NOT_ACTIVE}")


# --- MCS tasks ---------------------------------------------------------------------------


@transaction.atomic
def task_open(*, group, kind, title, by, membership=None, for_secretariat=False, detail=""):
    """Open a task for whoever runs the group in MCS: its origin facility, or the secretariat (always
    for the 施設管理者連絡網, which the secretariat runs)."""
    for_secretariat = for_secretariat or group.kind == GroupKind.ADMIN_NOTICE
    task = McsTask(
        program_id=group.program_id, group=group, membership=membership, kind=kind, title=title,
        detail=detail, facility_id=None if for_secretariat else group.origin_facility_id,
        for_secretariat=for_secretariat, created_by=by,
    )
    return save_with_history(task, by)


def _member_task(membership, kind, by, *, group_label=None):
    verb = {TaskKind.INVITE: "に招待する", TaskKind.REMOVE: "から外す"}[kind]
    where = f"「{group_label}」" if group_label else membership.group.mcs_name
    title = f"MCSで{membership.display_name}さんを{where}{verb}"
    if kind == TaskKind.INVITE and membership.staff_id:
        # Invited again (after declining, say): the invitation still to be made in MCS is the same one.
        pending = McsTask.objects.open().filter(group=membership.group, kind=kind, membership__staff=membership.staff_id)
        task = pending.select_for_update().first()
        if task is not None:
            task.membership = membership
            return save_with_history(task, by)
    return task_open(group=membership.group, kind=kind, title=title, by=by, membership=membership)


def tasks_not_needed(tasks, *, by, reason):
    """Open tasks that MCS no longer needs (the group was archived, deleted...): closed as 不要 with
    the reason, never deleted. Returns how many."""
    closed = 0
    for task in tasks.open().select_for_update(of=("self",)):
        task.status, task.done_at, task.done_by = TaskStatus.NOT_NEEDED, timezone.now(), by
        task.not_needed_reason = reason
        save_with_history(task, by)
        closed += 1
    return closed


def _tasks_reopen(tasks, *, by):
    for task in tasks.filter(status=TaskStatus.NOT_NEEDED).select_for_update(of=("self",)):
        task.status, task.done_at, task.done_by, task.not_needed_reason = TaskStatus.OPEN, None, None, ""
        save_with_history(task, by)


@transaction.atomic
def task_confirm(*, task, by, note=""):
    """Someone confirms the task was done in MCS. A confirmed deletion marks the group deleted."""
    task = McsTask.objects.select_for_update(of=("self",)).select_related("group").get(pk=task.pk)
    if task.status == TaskStatus.DONE:
        raise already_done("この作業", task.done_at, task.done_by, "対応済みにしています")
    if task.status == TaskStatus.NOT_NEEDED:
        raise ValidationError(f"この作業は不要になっています（{task.not_needed_reason}）。")
    task.status, task.done_at, task.done_by = TaskStatus.DONE, timezone.now(), by
    task.done_note = note.strip()
    save_with_history(task, by)
    if task.kind == TaskKind.DELETE:
        _mark_deleted(task.group, by)
    return task


# --- Facts -------------------------------------------------------------------------------


def member_facts(staff):
    """The add_member facts of a staff member, from the staff ledger (pledge, training, status)."""
    person = staff_with_ledger(staff)
    return {
        "member_kind": MemberKind.STAFF.value,
        "member_active": person.status == StaffStatus.ACTIVE,
        "member_facility_approved": person.facility.status == FacilityStatus.ACTIVE,
        "member_pledge": person.pledge_kind or "none",
        "member_training_done": bool(person.training_done),
        **suspension_facts(facility=person.facility, staff=person, today=timezone.localdate()),
    }


def family_blocks(program):
    """Why patients and families may not join groups in this program ([] where they may)."""
    facts = {"member_kind": MemberKind.FAMILY.value, "family_agreed": True}
    try:
        policy_check(program, "add_member", facts)
    except PolicyBlocked as blocked:
        return blocked.violations
    return []


def designated_association_admin(program):
    """The staff member the portal adds as 医師会管理者, if the secretariat designated one who may join."""
    designation = AssociationAdmin.objects.filter(program=program).select_related("staff__facility").first()
    if designation is None:
        return None
    staff = designation.staff
    if staff.status != StaffStatus.ACTIVE or staff.facility.status != FacilityStatus.ACTIVE:
        return None
    return staff


def _involve(group, facility_id, by=None):
    """A facility whose staff join a patient's group becomes involved in the patient's care."""
    if group.patient_id and facility_id:
        care_team_add(patient=group.patient, facility_id=facility_id, reason=CareTeamReason.GROUP, by=by)


def _uninvolve(group, facility_ids, *, by, why):
    """Facilities that no longer have anyone in an active group of the patient stop being involved
    for that reason (the 連携元 and the doctor's and leader's facilities keep their own reasons)."""
    if group.patient_id is None:
        return
    seated = set(
        Membership.objects.open().filter(
            group__patient_id=group.patient_id, group__status=GroupStatus.ACTIVE, staff__facility_id__in=facility_ids
        ).values_list("staff__facility_id", flat=True)
    )
    for facility_id in set(facility_ids) - seated - {None}:
        care_team_end(patient=group.patient, facility_id=facility_id, reason=CareTeamReason.GROUP, by=by, why=why)


def _member_facility_ids(group):
    return set(group.memberships.filter(staff__isnull=False).values_list("staff__facility_id", flat=True))


# --- Groups ------------------------------------------------------------------------------


def _creation_facts(*, program, by, kind, patient, origin_facility, by_doctor_delegate):
    facts = {"kind": kind, "patient_linked": patient is not None}
    if program.policy.association_admin_in_group:
        facts["includes_association_admin"] = designated_association_admin(program) is not None
    if patient is None:
        facts["by_origin_facility"] = origin_facility.pk in role_facility_ids(by)
        return facts
    facts.update(obtainer_roles(patient=patient, user=by, by_doctor_delegate=by_doctor_delegate))
    if kind != GroupKind.FREE:
        facts["consent"] = consent_state(patient)
        facts["patient_status"] = patient.status
        facts["active_groups_for_patient"] = active_groups_of_person(patient).count()
    return facts


def active_groups_of_person(patient, *, exclude=None):
    """Active groups of this patient, and of any record of the program that may be the same person
    (same カナ or 氏名 and 生年月日): a duplicate registration must not get round GRP-DUP."""
    same = Patient.objects.same_person_as(
        program=patient.program, full_name=patient.full_name, kana=patient.full_name_kana,
        birth_date=patient.birth_date,
    )
    groups = Group.objects.active().filter(Q(patient=patient) | Q(patient__in=same.values("pk")))
    return groups.exclude(pk=exclude.pk) if exclude is not None else groups


def _origin_for(*, by, patient, origin_facility):
    """The facility the group is run from: one where the creator holds a role (for a patient, the
    origin facility if they work there, else another facility on the patient's care team)."""
    mine = role_facility_ids(by)
    if origin_facility is not None:
        if origin_facility.pk not in mine:
            raise ValidationError({"origin_facility": "あなたが役割を持つ事業所を選んでください。"})
        return origin_facility
    if patient is None:
        raise ValidationError({"origin_facility": "連携元事業所を選んでください。"})
    if patient.origin_facility_id in mine:
        return patient.origin_facility
    involved = CareTeam.objects.current().filter(patient=patient, facility_id__in=mine).select_related("facility")
    care = involved.order_by("pk").first()
    if care is None:
        raise ValidationError("この患者に関わる事業所の職員だけがグループを作れます。")
    return care.facility


def _same_group(*, program, by, kind, patient, title, origin):
    """The form sent twice (a double tap, a retry, Back and send again): the active group this
    creator registered for the same patient (a free group: of the same name and facility) and kind
    within REPEAT_WINDOW, marked `repeated`; None when there is none."""
    groups = Group.objects.active().filter(program=program, created_by=by, kind=kind, patient=patient)
    if patient is None:
        groups = groups.filter(title=title.strip(), origin_facility=origin)
    return repeat_of(groups.select_related("created_by"), "created_at")


@transaction.atomic
def group_create(
    *, program, by, kind, leader, patient=None, title="", origin_facility=None, by_doctor_delegate=False
):
    """Register a new group: the engine decides (consent, role, one per patient, 医師会管理者),
    the leader joins at once, the 医師会管理者 is invited where the policy wants them, and the
    group's creation in MCS becomes a task. The same form sent twice returns the first group,
    marked `repeated` (core.views.show_repeated), under the patient's lock."""
    policy = program.policy
    if kind == GroupKind.ADMIN_NOTICE:
        raise ValueError("the 施設管理者連絡網 is registered by groups.admin_notice.admin_notice_group_register")
    if kind == GroupKind.FREE and not policy.free_groups_allowed:
        raise ValidationError({"kind": f"「{policy.policy_title}」には自由グループの定めがありません。"})
    if kind == GroupKind.FAMILY and (blocks := family_blocks(program)):
        raise PolicyBlocked(blocks)
    if patient is not None:
        # Lock the patient so two groups for one patient cannot slip past GRP-DUP (or the repeat
        # check below) together.
        patients = Patient.objects.select_for_update(of=("self",))
        patient = patients.select_related("primary_doctor", "group_leader").get(pk=patient.pk)
        if patient.program_id != program.pk:
            raise ValidationError({"patient": "このネットワークの患者を選んでください。"})
    else:
        # A free group has no patient to lock: the creator's row keeps their two sendings apart.
        get_user_model().objects.select_for_update().filter(pk=by.pk).first()
    if kind != GroupKind.FREE and patient is None:
        raise ValidationError({"patient": "患者を選んでください。"})
    origin = _origin_for(by=by, patient=patient, origin_facility=origin_facility)
    same = _same_group(program=program, by=by, kind=kind, patient=patient, title=title, origin=origin)
    if same is not None:
        return same
    facts = _creation_facts(
        program=program, by=by, kind=kind, patient=patient, origin_facility=origin,
        by_doctor_delegate=by_doctor_delegate,
    )
    warnings = policy_check(program, "create_group", facts)
    today = timezone.localdate()
    group = Group(
        program=program, kind=kind, patient=patient, title=title.strip(), origin_facility=origin,
        leader=leader, consent_basis=facts.get("consent", ""), warnings=warnings, created_by=by,
        created_on=today,
    )
    save_with_history(group, by)
    task_open(group=group, kind=TaskKind.CREATE, title=f"MCSで{group.mcs_name}を作成する", by=by)
    _add_staff(group=group, staff=leader, by=by, accepted=True)
    if kind in PATIENT_KINDS and policy.association_admin_in_group:
        admin = designated_association_admin(program)
        if admin is not None and admin.pk != leader.pk:
            _add_staff(group=group, staff=admin, by=by, association_admin=True)
    return group


# Open tasks that lose their point when a group is archived (and come back when it is restored).
PAUSED_BY_ARCHIVE = (TaskKind.CREATE, TaskKind.INVITE, TaskKind.LEADER, TaskKind.RESTORE)
ARCHIVED_NOTE = "グループを保管したため"


def archive_facts(*, group, user):
    """The archive_group facts: who the user is to the group's patient (or, for a free group, its origin)."""
    facts = {"by_secretariat": is_secretariat(user, group.program)}
    admin_of = set(user.roles.filter(kind=RoleKind.FACILITY_ADMIN, is_active=True).values_list("facility_id", flat=True))
    facts["by_facility_admin"] = group.origin_facility_id in admin_of
    if group.patient_id is not None:
        facts.update(obtainer_roles(patient=group.patient, user=user))
    else:
        facts["by_origin_facility"] = group.origin_facility_id in role_facility_ids(user)
    return facts


@transaction.atomic
def group_archive(*, group, by, reason, archived_on):
    """保管: the group stays in the register (and in MCS's 保管リスト), its members with it. Who may
    archive is the engine's question; invitations still to be made become 不要, and facilities whose
    only link to the patient was this group stop being involved (docs: consent/care.py)."""
    group = _locked_group(group)
    _require_active(group)
    policy_check(group.program, "archive_group", archive_facts(group=group, user=by))
    if archived_on > timezone.localdate():
        raise ValidationError({"archived_on": "保管日に未来の日付は入れられません。"})
    move_status(group, GroupStatus.ARCHIVED, GROUP_TRANSITIONS, "グループ")
    group.archived_on, group.archive_reason = archived_on, reason.strip()
    save_with_history(group, by)
    never_made = group.tasks.open().filter(kind=TaskKind.CREATE).exists()
    tasks_not_needed(group.tasks.filter(kind__in=PAUSED_BY_ARCHIVE), by=by, reason=ARCHIVED_NOTE)
    # A group MCS never had needs no 保管 there; one already asked for (consent withdrawn) is reused.
    if not never_made and not group.tasks.open().filter(kind=TaskKind.ARCHIVE).exists():
        task_open(group=group, kind=TaskKind.ARCHIVE, title=f"MCSで{group.mcs_name}を保管する", by=by,
                  detail=group.archive_reason)
    _uninvolve(group, _member_facility_ids(group), by=by, why=CareTeamEnd.GROUP_CLOSED)
    return group


RESTORE_REFUSED = "保管から戻せません: "


def _restore_check(group):
    """Back from 保管 only if the rules for a new group would still let it exist (consent, one per patient)."""
    if group.kind in PATIENT_KINDS:
        facts = {**sharing_facts(group), "active_groups_for_patient": active_groups_of_person(group.patient).count()}
        policy_check(group.program, "create_group", facts, prefix=RESTORE_REFUSED)


def restore_blocks(group):
    """Why this archived group cannot be brought back now (messages for its page); [] when it can."""
    try:
        _restore_check(group)
    except PolicyBlocked as blocked:
        return blocked.messages
    return []


@transaction.atomic
def group_restore(*, group, by):
    """Back from 保管, if the rules for a new group would still let it exist (consent, one per patient)."""
    group = _locked_group(group)
    _restore_check(group)
    move_status(group, GroupStatus.ACTIVE, GROUP_TRANSITIONS, "グループ")
    group.archived_on, group.archive_reason = None, ""
    save_with_history(group, by)
    # Invitations stopped with the sharing come back with it: restoring needs sharing allowed again.
    stopped = Q(kind=TaskKind.INVITE, not_needed_reason__in=_sharing_stopped_notes())
    paused = group.tasks.filter(Q(not_needed_reason=ARCHIVED_NOTE) | stopped).filter(
        Q(membership__isnull=True) | Q(membership__status__in=OPEN_STATUSES)
    )
    _tasks_reopen(paused, by=by)
    pending_archive = group.tasks.open().filter(kind=TaskKind.ARCHIVE)
    if pending_archive.exists():  # never archived in MCS: nothing to restore there either
        tasks_not_needed(pending_archive, by=by, reason="保管から戻したため")
    elif not group.tasks.open().filter(kind=TaskKind.CREATE).exists():
        task_open(group=group, kind=TaskKind.RESTORE, title=f"MCSで{group.mcs_name}を保管から戻す", by=by)
    seated = group.memberships.open().filter(staff__isnull=False).values_list("staff__facility_id", flat=True)
    for facility_id in set(seated):
        _involve(group, facility_id, by)
    return group


@transaction.atomic
def group_request_deletion(*, group, by, reason, via_secretariat=None):
    """A patient or family asked for the content to be erased. The portal never deletes: it opens the
    deletion as a task, for the secretariat where the policy routes it there."""
    group = _locked_group(group)
    if group.status == GroupStatus.DELETED:
        raise ValidationError("このグループはすでに削除されています。")
    if via_secretariat is None:
        via_secretariat = group.program.policy.deletion_via_secretariat
    policy_check(group.program, "request_deletion", {"via_secretariat": via_secretariat})
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": "削除の申出の内容を書いてください。"})
    if McsTask.objects.open().filter(group=group, kind=TaskKind.DELETE).exists():
        raise ValidationError("このグループの削除はすでに依頼されています。")
    try:
        with transaction.atomic():
            return task_open(
                group=group, kind=TaskKind.DELETE, title=f"MCSで{group.mcs_name}を削除する（患者・家族の申出）",
                by=by, for_secretariat=via_secretariat, detail=reason,
            )
    except IntegrityError as exc:
        raise ValidationError("このグループの削除はすでに依頼されています。") from exc


def _mark_deleted(group, by):
    group = _locked_group(group)
    move_status(group, GroupStatus.DELETED, GROUP_TRANSITIONS, "グループ")
    group.deleted_on = timezone.localdate()
    save_with_history(group, by)
    tasks_not_needed(group.tasks.all(), by=by, reason="グループを削除したため")
    # The group is gone in MCS, so its members are too: nothing left to do there.
    for membership in group.memberships.open().select_related("staff"):
        membership_end(
            membership=membership, by=by, reason=EndReason.GROUP_DELETED, ended_on=group.deleted_on, task=False
        )
    return group


@transaction.atomic
def group_set_leader(*, group, by, leader):
    """A new leader (and reviewer), who must be able to join the group; invited first if not in it yet."""
    group = _locked_group(group)
    _require_active(group)
    if leader.pk == group.leader_id:
        return group
    if not group.memberships.open().filter(staff=leader).exists():
        _add_staff(group=group, staff=leader, by=by)
    else:
        policy_check(group.program, "add_member", {**member_facts(leader), **sharing_facts(group)})
    group.leader = leader
    save_with_history(group, by)
    task_open(group=group, kind=TaskKind.LEADER, by=by,
              title=f"MCSで{group.mcs_name}の管理者を{leader.full_name}さんにする")
    return group


# --- Members -----------------------------------------------------------------------------


def _add_staff(*, group, staff, by, accepted=False, association_admin=False):
    if staff.program_id != group.program_id:
        raise ValidationError("このネットワークの職員だけを招待できます。")
    if group.memberships.open().filter(staff=staff).exists():
        raise ValidationError(ALREADY_MEMBER)
    # The person's row is the lock a suspension takes too (facilities.life): an invitation and a
    # suspension of the same person happen one after the other, never both unseen.
    Staff.objects.select_for_update().filter(pk=staff.pk).first()
    warnings = policy_check(group.program, "add_member", {**member_facts(staff), **sharing_facts(group)})
    today = timezone.localdate()
    membership = Membership(
        group=group, member_kind=MemberKind.STAFF, staff=staff, is_association_admin=association_admin,
        status=MembershipStatus.ACCEPTED if accepted else MembershipStatus.INVITED, invited_on=today,
        responded_on=today if accepted else None, invited_by=by, warnings=warnings,
    )
    try:
        with transaction.atomic():  # a savepoint: a lost race is a form error, the outer work goes on
            save_with_history(membership, by, validate_constraints=False)
    except IntegrityError as exc:
        if "membership_one_open_per_staff" in str(exc) or "UNIQUE" in str(exc):
            raise ValidationError(ALREADY_MEMBER) from exc
        raise
    if not accepted:
        _member_task(membership, TaskKind.INVITE, by)
    _involve(group, staff.facility_id)
    return membership


@transaction.atomic
def member_add(*, group, by, staff):
    """Invite a staff member of the program into the group; the invitation in MCS becomes a task."""
    group = _locked_group(group)
    _require_active(group)
    return _add_staff(group=group, staff=staff, by=by)


@transaction.atomic
def member_add_person(*, group, by, member_kind, person_name, relationship="", family_agreed=False):
    """The patient or a family member joins, where the policy lets them (and after the agreement it asks)."""
    group = _locked_group(group)
    _require_active(group)
    if member_kind not in (MemberKind.PATIENT, MemberKind.FAMILY):
        raise ValueError(f"not a patient or family member kind: {member_kind!r}")
    facts = {"member_kind": str(member_kind), "family_agreed": bool(family_agreed), **sharing_facts(group)}
    warnings = policy_check(group.program, "add_member", facts)
    if group.kind != GroupKind.FAMILY:
        raise ValidationError("患者・家族は「家族も参加する患者グループ」にだけ招待できます。")
    membership = Membership(
        group=group, member_kind=member_kind, person_name=person_name.strip(),
        relationship=relationship.strip(), invited_on=timezone.localdate(), invited_by=by, warnings=warnings,
    )
    save_with_history(membership, by)
    _member_task(membership, TaskKind.INVITE, by)
    return membership


@transaction.atomic
def association_admin_add(*, group, by):
    """Put the designated 医師会管理者 (back) into a patient group."""
    group = _locked_group(group)
    _require_active(group)
    admin = designated_association_admin(group.program)
    if admin is None:
        raise ValidationError(
            f"{group.program.policy.association_admin_label or '医師会管理者'}が指定されていません。事務局に指定を依頼してください。"
        )
    return _add_staff(group=group, staff=admin, by=by, association_admin=True)


@transaction.atomic
def member_respond(*, membership, by, accepted, responded_on=None):
    """Record the answer to an invitation as MCS shows it: accepted or declined."""
    seats = Membership.objects.select_for_update(of=("self", "group"))
    membership = seats.select_related("group__program", "group__patient").get(pk=membership.pk)
    _require_active(membership.group)
    if accepted and (stopped := sharing_stopped(membership.group)) is not None:
        # Joining now would share the patient's information with someone new (MBR-CONSENT).
        raise ValidationError(f"参加は記録できません。{stopped.message}")
    to = MembershipStatus.ACCEPTED if accepted else MembershipStatus.DECLINED
    move_status(membership, to, MEMBERSHIP_TRANSITIONS, "招待")
    membership.responded_on = responded_on or timezone.localdate()
    save_with_history(membership, by)
    if not accepted:
        tasks_not_needed(membership.tasks.filter(kind=TaskKind.INVITE), by=by, reason="招待が断られたため")
        facility_ids = {membership.staff.facility_id} if membership.staff_id else set()
        _uninvolve(membership.group, facility_ids, by=by, why=CareTeamEnd.MEMBER_REMOVED)
    return membership


@transaction.atomic
def membership_end(*, membership, by, reason, ended_on, note="", task=True, group_label=None):
    """End a membership (an EndReason, the day, a note); removing the person in MCS becomes a task
    unless `task` is False (the group is gone there too). `group_label` names the group in the
    task where its name must not be written (an erased patient's)."""
    move_status(membership, MembershipStatus.REMOVED, MEMBERSHIP_TRANSITIONS, "メンバー")
    membership.ended_on, membership.end_reason, membership.end_note = ended_on, reason, note
    membership.ended_by = by
    save_with_history(membership, by)
    # An invitation still to be made is no longer needed. The removal task stays even then: the
    # invitation may have been made in MCS without being confirmed here, and access must end.
    tasks_not_needed(membership.tasks.filter(kind=TaskKind.INVITE), by=by, reason="メンバーから外したため")
    if task:
        _member_task(membership, TaskKind.REMOVE, by, group_label=group_label)
    why = CareTeamEnd.GROUP_CLOSED if reason == EndReason.GROUP_DELETED else CareTeamEnd.MEMBER_REMOVED
    _uninvolve(membership.group, {membership.staff.facility_id} if membership.staff_id else set(), by=by, why=why)
    return membership


@transaction.atomic
def member_remove(*, membership, by, reason, note="", ended_on=None):
    """Take someone out of a group (担当外れ and the like); removing them in MCS becomes a task."""
    seats = Membership.objects.select_for_update(of=("self",)).select_related("group__program", "staff")
    membership = seats.get(pk=membership.pk)
    group = membership.group
    if membership.staff_id and membership.staff_id == group.leader_id:
        raise ValidationError("リーダーは外せません。先にリーダーを別の人に変更してください。")
    if membership.is_association_admin and membership.is_open:
        # The engine says whether a group may be left without its 医師会管理者.
        policy_check(group.program, "review_group", {"has_association_admin": False})
    ended_on = ended_on or timezone.localdate()
    if ended_on > timezone.localdate():
        raise ValidationError({"ended_on": "解除日に未来の日付は入れられません。"})
    return membership_end(membership=membership, by=by, reason=reason, ended_on=ended_on, note=note.strip())


# --- The 医師会管理者 ----------------------------------------------------------------------


@transaction.atomic
def association_admin_designate(*, program, by, staff):
    """The secretariat names who the portal adds to patient groups as 医師会管理者."""
    if not program.policy.association_admin_in_group:
        raise ValidationError("このネットワークの運用ポリシーでは、医師会管理者をグループに入れる定めはありません。")
    if staff.program_id != program.pk or staff.status != StaffStatus.ACTIVE:
        raise ValidationError({"staff": "このネットワークの利用中の職員を選んでください。"})
    Program.objects.select_for_update().filter(pk=program.pk).first()
    designation = AssociationAdmin.objects.filter(program=program).first()
    designation = designation or AssociationAdmin(program=program)
    designation.staff, designation.designated_by = staff, by
    return save_with_history(designation, by, validate_unique=False)


# --- Hooks for other apps ----------------------------------------------------------------


def memberships_end_for_removed_staff(*, staff, by, reason, effective_date):
    """Receiver of facilities.hooks.staff_removed: the person leaves every group, each removal a task
    in MCS; returns how many memberships it ended.

    Runs inside facilities.services.staff_remove's transaction, so the removal and this
    happen together or not at all. `reason` is the removal's (退職, 異動, 担当外れ).
    """
    reason = reason if reason in EndReason.values else EndReason.OTHER
    note = "" if reason != EndReason.OTHER else "職員の削除（退職・異動など）"
    memberships = Membership.objects.open().filter(staff=staff).select_for_update(of=("self",))
    ended = 0
    for membership in memberships.select_related("group", "staff"):
        membership_end(membership=membership, by=by, reason=reason, ended_on=effective_date, note=note)
        ended += 1
    return ended


def open_membership_count(*, staff):
    """Receiver of facilities.hooks.open_memberships: the memberships the person still holds."""
    return Membership.objects.open().filter(staff=staff).count()


# Why invitations still to be made stopped being needed, by the `why` sharing_stopped brings (the
# patient's new status label or 同意撤回); any other status label reads 「<label>のため」.
SHARING_STOPPED_NOTES = {"同意撤回": "同意が撤回されたため", "死亡": "患者が死亡したため"}


def sharing_stopped_note(why):
    return SHARING_STOPPED_NOTES.get(why, f"{why}のため")


def _sharing_stopped_notes():
    return {sharing_stopped_note(why) for why in ("同意撤回", *PatientStatus.labels)}


def stop_sharing(*, patient, by, why):
    """Receiver of consent.care.sharing_stopped (consent withdrawn, or the patient died, ended care or
    moved): for each of the patient's active groups, the facility that runs it gets an MCS task to
    保管 it (stop sharing), unless one is open already, and invitations still to be made in MCS
    become 不要 (nobody new may see the patient's information). Returns how many tasks it opened."""
    opened = 0
    groups = Group.objects.active().filter(patient=patient).select_related("program", "patient", "origin_facility")
    for group in groups:
        tasks_not_needed(group.tasks.filter(kind=TaskKind.INVITE), by=by, reason=sharing_stopped_note(why))
        if group.tasks.open().filter(kind=TaskKind.ARCHIVE).exists():
            continue
        rule = group.program.policy.archive_rule
        task_open(group=group, kind=TaskKind.ARCHIVE, by=by, title=f"MCSで{group.mcs_name}を保管する（{why}）",
                  detail=f"{why}のため、この患者の情報の共有をやめます。{rule}")
        opened += 1
    return opened
