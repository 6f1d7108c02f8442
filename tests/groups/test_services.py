"""Groups and members obey the policy engine in every variant; every MCS change leaves a task."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from consent.models import CareTeam, CareTeamReason, PatientStatus
from core.services import PolicyBlocked
from facilities.models import FacilityStatus, Pledge, StaffStatus
from groups import services
from groups.models import (
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
from policy.rules import check
from tests.groups.helpers import TODAY, involve, made_earlier, person
from tests.helpers import variants_split

pytestmark = pytest.mark.django_db

# Variant subsets, from the policies: each test runs where its rule holds (and its twin where not).
ASSOCIATION_ADMIN, NO_ASSOCIATION_ADMIN = variants_split(lambda p: p.association_admin_in_group)
PRIOR_COUNTS, PRIOR_REFUSED = variants_split(lambda p: p.prior_consent_counts)
ONE_PER_PATIENT, SEVERAL_PER_PATIENT = variants_split(lambda p: p.one_group_per_patient)
FREE_GROUPS, NO_FREE_GROUPS = variants_split(lambda p: p.free_groups_allowed)
FREE_GROUP_PATIENT_FORBIDDEN, _ = variants_split(lambda p: p.free_groups_allowed and p.free_group_patient_forbidden)
FREE_GROUP_PATIENT_UNSAID, _ = variants_split(lambda p: p.free_groups_allowed and not p.free_group_patient_forbidden)
FAMILY, _ = variants_split(lambda p: p.family_members_allowed and not p.one_group_per_patient)
NO_FAMILY, _ = variants_split(lambda p: not p.family_members_allowed)
FAMILY_AGREEMENT_FIRST = tuple(
    v for v in FAMILY
    if "MBR-FAMILY" in {x.rule for x in check(v, "add_member", {"member_kind": "family", "family_agreed": False})}
)
PLEDGE_REQUIRED, NO_PLEDGE_REQUIRED = variants_split(lambda p: p.staff_pledge_required)
TRAINING_REQUIRED, NO_TRAINING_REQUIRED = variants_split(lambda p: p.training_required_before_use)
VIA_SECRETARIAT, VIA_FACILITY = variants_split(lambda p: p.deletion_via_secretariat)
DELEGATE_MAY_CREATE, _ = variants_split(lambda p: "doctor_delegate" in p.group_manager_roles)
NEITHER_DELEGATE_NOR_ORIGIN, _ = variants_split(
    lambda p: not {"doctor_delegate", "origin_facility"} & set(p.group_manager_roles)
)


def rules(error):
    return [v.rule for v in error.violations]


def task_kinds(group):
    return sorted(McsTask.objects.filter(group=group).values_list("kind", flat=True))


# --- Creating groups ---------------------------------------------------------------------


@pytest.mark.parametrize("variant", NO_ASSOCIATION_ADMIN)
def test_a_patient_group_starts_with_its_leader_and_a_task_in_mcs(site):
    group = site.group()
    assert [(m.staff, m.status) for m in group.memberships.all()] == [(site.leader, MembershipStatus.ACCEPTED)]
    assert group.status == GroupStatus.ACTIVE and group.consent_basis == "signed"
    assert group.origin_facility == site.clinic and group.created_on == TODAY
    assert task_kinds(group) == [TaskKind.CREATE]
    assert McsTask.objects.get(group=group, kind=TaskKind.CREATE).facility == site.clinic


@pytest.mark.parametrize("variant", ASSOCIATION_ADMIN)
def test_the_portal_invites_the_association_admin_into_a_new_patient_group(site):
    group = site.group()
    members = {m.staff: m for m in group.memberships.all()}
    assert members[site.leader].status == MembershipStatus.ACCEPTED
    # The portal adds the 医師会管理者 itself; inviting them in MCS is a task too.
    assert members[site.association_admin].is_association_admin
    assert members[site.association_admin].status == MembershipStatus.INVITED
    assert task_kinds(group) == sorted([TaskKind.CREATE, TaskKind.INVITE])


def test_no_consent_no_group(site):
    patient = site.patient_like()
    patient.consents.all().delete()
    with pytest.raises(PolicyBlocked) as caught:
        site.group(patient=patient)
    assert rules(caught.value) == ["GRP-CONSENT"]
    assert not Group.objects.filter(patient=patient).exists()


def test_a_withdrawn_consent_does_not_count(site):
    patient = site.patient_like()
    patient.consents.update(withdrawn_on=TODAY, withdrawal_received_by=site.coordinator)
    with pytest.raises(PolicyBlocked):
        site.group(patient=patient)


@pytest.mark.parametrize("variant", PRIOR_COUNTS)
def test_consent_given_before_the_portal_counts_where_the_policy_says(site):
    patient = site.patient_like()
    patient.consents.update(is_prior=True, template=None)
    assert site.group(patient=patient).consent_basis == "prior"


@pytest.mark.parametrize("variant", PRIOR_REFUSED)
def test_consent_given_before_the_portal_does_not_count_elsewhere(site):
    patient = site.patient_like()
    patient.consents.update(is_prior=True, template=None)
    with pytest.raises(PolicyBlocked) as caught:
        site.group(patient=patient)
    assert rules(caught.value) == ["GRP-CONSENT"]


def test_only_those_the_policy_names_may_create_a_patient_group(site):
    # The nursing station's MCS管理者 is on the care team, but neither doctor, origin nor leader.
    involve(site.patient, site.nursing)
    with pytest.raises(PolicyBlocked) as caught:
        services.group_create(program=site.program, by=site.nursing_admin, kind=GroupKind.PATIENT,
                              patient=site.patient, leader=site.nurse)
    assert rules(caught.value) == ["GRP-MANAGER"]


def _create_as_delegate(site):
    return services.group_create(program=site.program, by=site.coordinator, kind=GroupKind.PATIENT,
                                 patient=site.patient_like(group_leader=None), leader=site.leader,
                                 by_doctor_delegate=True)


@pytest.mark.parametrize("variant", DELEGATE_MAY_CREATE)
def test_a_doctors_delegate_may_create_where_the_policy_allows_it(site):
    assert _create_as_delegate(site).pk


@pytest.mark.parametrize("variant", NEITHER_DELEGATE_NOR_ORIGIN)
def test_a_doctors_delegate_may_not_create_elsewhere(site):
    with pytest.raises(PolicyBlocked):
        _create_as_delegate(site)


@pytest.mark.parametrize("variant", ONE_PER_PATIENT)
def test_one_group_per_patient_where_the_policy_says_so(site):
    made_earlier(site.group())
    with pytest.raises(PolicyBlocked) as caught:
        site.group()
    assert rules(caught.value) == ["GRP-DUP"]


@pytest.mark.parametrize("variant", SEVERAL_PER_PATIENT)
def test_several_groups_per_patient_elsewhere(site):
    made_earlier(site.group())
    site.group()
    assert Group.objects.filter(patient=site.patient).count() == 2


@pytest.mark.parametrize("variant", ASSOCIATION_ADMIN)
def test_without_a_designated_association_admin_no_patient_group(site_for, variant):
    site = site_for(variant)
    site.program.association_admin.delete()
    with pytest.raises(PolicyBlocked) as caught:
        site.group()
    assert rules(caught.value) == ["GRP-ASSOC-ADMIN"]


def _free_group(site, **kwargs):
    return services.group_create(**{
        "program": site.program, "by": site.coordinator, "kind": GroupKind.FREE, "leader": site.leader,
        "title": "多職種連絡会", "origin_facility": site.clinic, **kwargs,
    })


@pytest.mark.parametrize("variant", NO_FREE_GROUPS)
def test_no_free_groups_where_the_policy_has_none(site):
    with pytest.raises(ValidationError, match="自由グループの定めがありません"):
        _free_group(site)


@pytest.mark.parametrize("variant", FREE_GROUPS)
def test_free_groups_where_the_policy_has_them_run_from_the_creators_facility(site):
    group = _free_group(site)
    assert (group.kind, group.patient, group.name) == (GroupKind.FREE, None, "多職種連絡会")
    with pytest.raises(ValidationError, match="役割を持つ事業所"):
        _free_group(site, origin_facility=site.nursing)


@pytest.mark.parametrize("variant", FREE_GROUP_PATIENT_FORBIDDEN)
def test_a_free_group_with_a_patient_is_the_engines_block_where_the_policy_forbids_it(site):
    with pytest.raises(PolicyBlocked) as caught:
        _free_group(site, patient=site.patient)
    assert rules(caught.value) == ["GRP-FREE-PATIENT"]  # the engine's own message, with its article


@pytest.mark.parametrize("variant", FREE_GROUP_PATIENT_UNSAID)
def test_a_free_group_never_has_a_patient_even_where_the_policy_is_silent(site):
    with pytest.raises(ValidationError, match="自由グループには患者を結び付けられません"):
        _free_group(site, patient=site.patient)


@pytest.mark.parametrize("variant", NO_FAMILY)
def test_no_family_groups_where_patients_and_families_may_not_join(site):
    with pytest.raises(PolicyBlocked) as caught:
        site.group(kind=GroupKind.FAMILY)
    assert rules(caught.value) == ["MBR-STAFF-ONLY"]


def _add_family(site, group, **kwargs):
    return services.member_add_person(group=group, by=site.creator, member_kind=MemberKind.FAMILY,
                                      person_name="見本 次郎", relationship="長男", **kwargs)


@pytest.mark.parametrize("variant", FAMILY)
def test_family_groups_where_patients_and_families_may_join(site):
    group = site.group(kind=GroupKind.FAMILY)
    membership = _add_family(site, group, family_agreed=True)
    assert (membership.display_name, membership.status) == ("見本 次郎", MembershipStatus.INVITED)
    assert McsTask.objects.filter(membership=membership, kind=TaskKind.INVITE).exists()
    patient_group = site.group(patient=site.patient_like())
    with pytest.raises(ValidationError, match="家族も参加する患者グループ"):
        services.member_add_person(group=patient_group, by=site.creator, member_kind=MemberKind.PATIENT,
                                   person_name="見本 太郎", family_agreed=True)


@pytest.mark.parametrize("variant", FAMILY_AGREEMENT_FIRST)
def test_the_family_joins_only_after_the_agreement_where_the_policy_asks_it(site):
    group = site.group(kind=GroupKind.FAMILY)
    with pytest.raises(PolicyBlocked) as caught:
        _add_family(site, group, family_agreed=False)
    assert rules(caught.value) == ["MBR-FAMILY"]


# --- Members -----------------------------------------------------------------------------


def test_inviting_staff_of_another_facility_involves_it_in_the_patients_care(site):
    group = site.group()
    membership = services.member_add(group=group, by=site.creator, staff=site.nurse)
    assert membership.status == MembershipStatus.INVITED and membership.invited_on == TODAY
    task = McsTask.objects.get(membership=membership)
    assert task.kind == TaskKind.INVITE and task.facility == site.clinic
    assert task.title == f"MCSで{site.nurse.full_name}さんを「{group.name}」（グループ番号{group.pk}）に招待する"
    care = CareTeam.objects.get(patient=site.patient, facility=site.nursing)
    assert care.reason == CareTeamReason.GROUP
    with pytest.raises(ValidationError, match="すでにこのグループのメンバー"):
        services.member_add(group=group, by=site.creator, staff=site.nurse)


def test_invitations_are_answered_once(site):
    group = site.group()
    accepted = site.invite(group)
    assert accepted.status == MembershipStatus.ACCEPTED and accepted.responded_on == TODAY
    with pytest.raises(ValidationError):
        services.member_respond(membership=accepted, by=site.creator, accepted=False)
    other = person(site.nursing)
    invited = services.member_add(group=group, by=site.creator, staff=other)
    declined = services.member_respond(membership=invited, by=site.creator, accepted=False)
    assert declined.status == MembershipStatus.DECLINED and not declined.is_open
    # Declined is final; inviting again is a new line.
    again = services.member_add(group=group, by=site.creator, staff=other)
    assert again.pk != declined.pk


def _newcomer_without(site, what):
    newcomer = person(site.nursing)
    if what == "pledge":
        Pledge.objects.filter(staff=newcomer).delete()
    else:
        newcomer.attendances.all().delete()
    return newcomer


@pytest.mark.parametrize(("variant", "what", "rule"), [
    *((v, "pledge", "MBR-PLEDGE") for v in PLEDGE_REQUIRED),
    *((v, "training", "MBR-TRAINING") for v in TRAINING_REQUIRED),
])
def test_a_member_without_a_pledge_or_training_is_refused_where_it_is_required(site, what, rule):
    group = site.group()
    with pytest.raises(PolicyBlocked) as caught:
        services.member_add(group=group, by=site.creator, staff=_newcomer_without(site, what))
    assert rules(caught.value) == [rule]


@pytest.mark.parametrize(("variant", "what"), [
    *((v, "pledge") for v in NO_PLEDGE_REQUIRED), *((v, "training") for v in NO_TRAINING_REQUIRED),
])
def test_a_member_without_a_pledge_or_training_joins_where_none_is_required(site, what):
    group = site.group()
    assert services.member_add(group=group, by=site.creator, staff=_newcomer_without(site, what)).pk





@pytest.mark.parametrize("change", ["staff_pending", "facility_suspended"])
def test_only_active_staff_of_approved_facilities_join(site, change):
    group = site.group()
    newcomer = person(site.nursing)
    if change == "staff_pending":
        type(newcomer).objects.filter(pk=newcomer.pk).update(status=StaffStatus.PENDING)
    else:
        type(site.nursing).objects.filter(pk=site.nursing.pk).update(status=FacilityStatus.SUSPENDED)
    newcomer.refresh_from_db()
    with pytest.raises(PolicyBlocked) as caught:
        services.member_add(group=group, by=site.creator, staff=newcomer)
    assert rules(caught.value)[0] == "MBR-ACTIVE"


@pytest.mark.parametrize("variant", NO_FAMILY)
def test_patients_and_families_only_where_the_policy_lets_them(site_for, variant):
    site = site_for(variant)
    group = site.group()
    with pytest.raises(PolicyBlocked) as caught:
        services.member_add_person(group=group, by=site.creator, member_kind=MemberKind.PATIENT,
                                   person_name="見本 太郎", family_agreed=True)
    assert rules(caught.value) == ["MBR-STAFF-ONLY"]


def test_removing_a_member_keeps_the_line_and_opens_a_task(site):
    group = site.group()
    membership = site.invite(group)
    services.member_remove(membership=membership, by=site.creator, reason=EndReason.UNASSIGNED, note="担当交代")
    membership.refresh_from_db()
    assert (membership.status, membership.end_reason, membership.end_note, membership.ended_on) == (
        MembershipStatus.REMOVED, EndReason.UNASSIGNED, "担当交代", TODAY)
    assert Membership.objects.filter(pk=membership.pk).exists()
    task = McsTask.objects.get(membership=membership, kind=TaskKind.REMOVE)
    assert task.title == f"MCSで{site.nurse.full_name}さんを「{group.name}」（グループ番号{group.pk}）から外す"
    with pytest.raises(ValidationError):
        services.member_remove(membership=membership, by=site.creator, reason=EndReason.UNASSIGNED)


def test_the_leader_is_changed_not_removed(site):
    group = site.group()
    leader_seat = group.memberships.get(staff=site.leader)
    with pytest.raises(ValidationError, match="リーダーは外せません"):
        services.member_remove(membership=leader_seat, by=site.creator, reason=EndReason.UNASSIGNED)
    services.group_set_leader(group=group, by=site.creator, leader=site.nurse)
    group.refresh_from_db()
    assert group.leader == site.nurse
    assert group.memberships.get(staff=site.nurse).status == MembershipStatus.INVITED
    assert {TaskKind.INVITE, TaskKind.LEADER} <= set(task_kinds(group))
    services.member_remove(membership=leader_seat, by=site.creator, reason=EndReason.UNASSIGNED)


@pytest.mark.parametrize("variant", ASSOCIATION_ADMIN)
def test_the_association_admin_stays_where_the_policy_wants_them(site_for, variant):
    site = site_for(variant)
    group = site.group()
    seat = group.memberships.get(is_association_admin=True)
    with pytest.raises(PolicyBlocked) as caught:
        services.member_remove(membership=seat, by=site.creator, reason=EndReason.UNASSIGNED)
    assert rules(caught.value) == ["AUD-ASSOC-ADMIN"]


# --- Archive, restore, deletion, tasks ---------------------------------------------------


def test_archive_and_restore_leave_tasks_and_history(site):
    group = site.group()
    services.task_confirm(task=group.tasks.get(kind=TaskKind.CREATE), by=site.creator)  # it exists in MCS
    services.group_archive(group=group, by=site.creator, reason="死亡のため", archived_on=TODAY)
    services.task_confirm(task=group.tasks.get(kind=TaskKind.ARCHIVE), by=site.creator)
    group.refresh_from_db()
    assert (group.status, group.archived_on, group.archive_reason) == (GroupStatus.ARCHIVED, TODAY, "死亡のため")
    with pytest.raises(ValidationError, match="保管"):
        services.member_add(group=group, by=site.creator, staff=site.nurse)
    services.group_restore(group=group, by=site.creator)
    group.refresh_from_db()
    assert group.status == GroupStatus.ACTIVE and group.archived_on is None
    assert TaskKind.ARCHIVE in task_kinds(group) and TaskKind.RESTORE in task_kinds(group)
    assert group.history.count() >= 3


def test_a_group_comes_back_from_archive_only_if_it_could_be_created_again(site):
    group = site.group()
    services.group_archive(group=group, by=site.creator, reason="利用終了", archived_on=TODAY)
    site.patient.consents.update(withdrawn_on=TODAY, withdrawal_received_by=site.coordinator)
    with pytest.raises(PolicyBlocked) as caught:
        services.group_restore(group=group, by=site.creator)
    assert rules(caught.value) == ["GRP-CONSENT"]


def _archive_and_start_another(site):
    first = site.group()
    services.group_archive(group=first, by=site.creator, reason="担当外れ", archived_on=TODAY)
    site.group()
    return first


@pytest.mark.parametrize("variant", ONE_PER_PATIENT)
def test_restoring_beside_another_active_group_is_refused_with_one_group_per_patient(site):
    first = _archive_and_start_another(site)
    with pytest.raises(PolicyBlocked):
        services.group_restore(group=first, by=site.creator)


@pytest.mark.parametrize("variant", SEVERAL_PER_PATIENT)
def test_restoring_beside_another_active_group_elsewhere(site):
    first = _archive_and_start_another(site)
    assert services.group_restore(group=first, by=site.creator).status == GroupStatus.ACTIVE


def test_the_archive_date_is_not_in_the_future(site):
    group = site.group()
    with pytest.raises(ValidationError):
        services.group_archive(group=group, by=site.creator, reason="x",
                               archived_on=TODAY + datetime.timedelta(days=1))


def test_a_deletion_request_goes_where_the_policy_routes_it(site):
    group = site.group()
    site.invite(group)
    via = site.policy.deletion_via_secretariat
    task = services.group_request_deletion(group=group, by=site.creator, reason="家族から申出")
    assert task.for_secretariat == via and task.kind == TaskKind.DELETE and task.detail == "家族から申出"
    with pytest.raises(ValidationError, match="すでに依頼"):
        services.group_request_deletion(group=group, by=site.creator, reason="もう一度")
    services.task_confirm(task=task, by=site.secretariat)
    group.refresh_from_db()
    assert group.status == GroupStatus.DELETED and group.deleted_on == TODAY
    assert not group.memberships.open().exists()
    assert set(group.memberships.values_list("end_reason", flat=True)) == {EndReason.GROUP_DELETED}
    assert Group.objects.filter(pk=group.pk).exists()  # the register keeps it


@pytest.mark.parametrize("variant", VIA_SECRETARIAT)
def test_deleting_without_the_secretariat_is_refused_where_the_policy_routes_it_there(site):
    group = site.group()
    with pytest.raises(PolicyBlocked) as caught:
        services.group_request_deletion(group=group, by=site.creator, reason="申出", via_secretariat=False)
    assert rules(caught.value) == ["DEL-VIA-SECRETARIAT"]


@pytest.mark.parametrize("variant", VIA_FACILITY)
def test_the_origin_facility_may_delete_where_the_policy_lets_it(site):
    group = site.group()
    task = services.group_request_deletion(group=group, by=site.creator, reason="申出", via_secretariat=False)
    assert task.facility == site.clinic


def test_a_task_is_confirmed_once_with_who_and_when(site):
    group = site.group()
    task = McsTask.objects.get(group=group, kind=TaskKind.CREATE)
    done = services.task_confirm(task=task, by=site.coordinator, note="作成済み")
    assert (done.status, done.done_by, done.done_note) == (TaskStatus.DONE, site.coordinator, "作成済み")
    assert done.done_at is not None
    with pytest.raises(ValidationError, match="対応済みにしています"):
        services.task_confirm(task=task, by=site.coordinator)


@pytest.mark.parametrize("variant", ASSOCIATION_ADMIN)
def test_designating_the_association_admin_where_the_policy_has_one(site):
    staff = person(site.clinic)
    designation = services.association_admin_designate(program=site.program, by=site.secretariat, staff=staff)
    assert designation.staff == staff
    assert AssociationAdmin.objects.get(program=site.program).staff == staff


@pytest.mark.parametrize("variant", NO_ASSOCIATION_ADMIN)
def test_no_association_admin_to_designate_elsewhere(site):
    with pytest.raises(ValidationError):
        services.association_admin_designate(program=site.program, by=site.secretariat, staff=person(site.clinic))


def test_the_patients_status_is_kept_apart_from_the_group(site):
    group = site.group()
    patients = type(site.patient).objects.filter(pk=site.patient.pk)
    patients.update(status=PatientStatus.DECEASED, status_on=TODAY)
    flagged = Group.objects.with_state().to_archive(site.policy.archive_statuses)
    assert (group in flagged) == ("deceased" in site.policy.archive_statuses)


def test_a_withdrawn_consent_flags_the_group_for_archiving_in_every_variant(site):
    group = site.group()
    site.patient.consents.update(withdrawn_on=TODAY, withdrawal_received_by=site.coordinator)
    state = Group.objects.with_state()
    assert group in state.to_archive(site.policy.archive_statuses)
    assert group in state.without_valid_consent()
