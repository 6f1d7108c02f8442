"""When care ends, access ends (groups side): no sharing after withdrawal or death, duplicates
cannot get round GRP-DUP, MCS tasks stay true, facilities leave with their last seat, who
archives follows the variant, and a 要確認 has a follow-up."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db.models import Q

from consent import services as consent_services
from consent.models import CareTeam, CareTeamReason, Patient, PatientStatus
from core.services import PolicyBlocked
from groups import reviews, services
from groups.models import (
    Decision,
    Group,
    GroupStatus,
    McsTask,
    MembershipStatus,
    ReviewStatus,
    TaskKind,
    TaskStatus,
)
from groups.queries import follow_ups_open
from policy.rules import VARIANTS, check
from tests.consent.factories import ConsentRecordFactory, PatientFactory
from tests.groups.helpers import TODAY, made_earlier
from tests.helpers import variants

pytestmark = pytest.mark.django_db


def _withdraw(site):
    record = site.patient.consents.get()
    return consent_services.consent_withdraw(record=record, by=site.coordinator, withdrawn_on=TODAY)


def _open_tasks(group, kind):
    return list(McsTask.objects.open().filter(group=group, kind=kind))


def test_after_withdrawal_nobody_new_is_invited_and_the_group_is_to_be_archived(site):
    group = site.group()
    withdrawn = _withdraw(site)
    assert withdrawn.sharing_tasks == 1
    [task] = _open_tasks(group, TaskKind.ARCHIVE)
    assert "同意撤回" in task.title and task.facility == group.origin_facility
    with pytest.raises(PolicyBlocked) as blocked:
        services.member_add(group=group, by=site.creator, staff=site.nurse)
    [violation] = blocked.value.violations
    assert violation.rule == "MBR-CONSENT" and "撤回" in violation.message and violation.article in violation.message
    assert not group.memberships.filter(staff=site.nurse).exists()
    # A new group, not the first form sent again: ask after the repeat window.
    made_earlier(group)
    with pytest.raises(PolicyBlocked) as blocked:
        site.group()
    assert "GRP-CONSENT" in [v.rule for v in blocked.value.violations]
    # Archiving it then reuses the task the withdrawal opened.
    archiver = site.secretariat
    services.group_archive(group=group, by=archiver, reason="同意撤回", archived_on=TODAY)
    assert len(_open_tasks(group, TaskKind.ARCHIVE)) == 1


@pytest.mark.parametrize("status", [PatientStatus.DECEASED, PatientStatus.ENDED])
def test_a_death_or_end_of_care_stops_new_members_with_the_article(site, status):
    group = site.group()
    updated = consent_services.patient_update(patient=site.patient, by=site.coordinator, status=status, status_on=TODAY)
    assert updated.sharing_tasks == 1 and len(_open_tasks(group, TaskKind.ARCHIVE)) == 1
    group.refresh_from_db()
    with pytest.raises(PolicyBlocked) as blocked:
        services.member_add(group=group, by=site.creator, staff=site.nurse)
    assert blocked.value.violations[0].rule == "MBR-CONSENT"


@pytest.mark.parametrize("variant", variants(lambda p: p.one_group_per_patient))
def test_a_duplicate_registration_cannot_get_round_one_group_per_patient(site):
    site.group()
    twin = PatientFactory(
        origin_facility=site.clinic, primary_doctor=site.doctor, group_leader=site.leader,
        full_name=site.patient.full_name, full_name_kana=site.patient.full_name_kana,
        birth_date=site.patient.birth_date,
    )
    ConsentRecordFactory(patient=twin, obtained_by=site.coordinator)
    with pytest.raises(PolicyBlocked) as blocked:
        site.group(patient=twin)
    assert [v.rule for v in blocked.value.violations] == ["GRP-DUP"]


def test_archiving_closes_pending_invitations_as_not_needed_and_restoring_reopens_them(site):
    group = site.group()
    services.task_confirm(task=group.tasks.get(kind=TaskKind.CREATE), by=site.creator)
    seat = site.invite(group, accepted=False)
    [invite] = _open_tasks(group, TaskKind.INVITE) if site.association_admin is None else [
        t for t in _open_tasks(group, TaskKind.INVITE) if t.membership_id == seat.pk
    ]
    services.group_archive(group=group, by=site.secretariat, reason="利用終了", archived_on=TODAY)
    invite.refresh_from_db()
    assert (invite.status, invite.not_needed_reason) == (TaskStatus.NOT_NEEDED, "グループを保管したため")
    assert McsTask.objects.filter(pk=invite.pk).exists()  # never deleted
    with pytest.raises(ValidationError, match="不要"):
        services.task_confirm(task=invite, by=site.creator)
    services.group_restore(group=group, by=site.secretariat)
    invite.refresh_from_db()
    assert invite.status == TaskStatus.OPEN
    # Never archived in MCS: the archive task is not needed any more, and there is nothing to restore.
    assert not _open_tasks(group, TaskKind.ARCHIVE) and not _open_tasks(group, TaskKind.RESTORE)


def test_declining_then_inviting_again_leaves_one_open_invitation(site):
    group = site.group()
    seat = site.invite(group, accepted=False)
    services.member_respond(membership=seat, by=site.creator, accepted=False)
    assert not McsTask.objects.open().filter(group=group, kind=TaskKind.INVITE, membership__staff=site.nurse).exists()
    again = services.member_add(group=group, by=site.creator, staff=site.nurse)
    services.member_remove(membership=again, by=site.creator, reason="other", note="誤って招待")
    third = services.member_add(group=group, by=site.creator, staff=site.nurse)
    open_invites = McsTask.objects.open().filter(group=group, kind=TaskKind.INVITE, membership__staff=site.nurse)
    assert [t.membership_id for t in open_invites] == [third.pk]


def test_the_same_day_tasks_list_in_the_order_mcs_needs(site):
    group = site.group()
    site.invite(group, accepted=False)
    kinds = list(McsTask.objects.filter(group=group).in_mcs_order().values_list("kind", flat=True))
    assert kinds[0] == TaskKind.CREATE and set(kinds[1:]) == {TaskKind.INVITE}


def test_a_removed_members_facility_leaves_the_care_team_with_its_last_seat(site):
    group = site.group()
    seat = site.invite(group)
    assert Patient.objects.visible_to(site.nursing_admin).filter(pk=site.patient.pk).exists()
    services.member_remove(membership=seat, by=site.creator, reason="other", note="担当終了")
    assert not Patient.objects.visible_to(site.nursing_admin).filter(pk=site.patient.pk).exists()
    ended = CareTeam.objects.get(patient=site.patient, facility=site.nursing, reason=CareTeamReason.GROUP)
    assert ended.ended_at is not None and ended.end_reason == "member_removed"
    # The origin facility keeps the patient.
    assert Patient.objects.visible_to(site.coordinator).filter(pk=site.patient.pk).exists()


def test_archiving_leaves_the_origin_only(site):
    group = site.group()
    site.invite(group)
    services.group_archive(group=group, by=site.secretariat, reason="利用終了", archived_on=TODAY)
    assert not Patient.objects.visible_to(site.nursing_admin).filter(pk=site.patient.pk).exists()
    assert Patient.objects.visible_to(site.doctor_user).filter(pk=site.patient.pk).exists()
    services.group_restore(group=group, by=site.secretariat)
    assert Patient.objects.visible_to(site.nursing_admin).filter(pk=site.patient.pk).exists()


@pytest.mark.parametrize("variant", VARIANTS)
def test_who_archives_follows_the_variant(site_for, variant):
    site = site_for(variant)
    group = site.group()
    allowed = site.policy.archive_roles
    outsider = site.nursing_admin  # the MCS管理者 of another facility: never the archiver
    services.member_add(group=group, by=site.creator, staff=site.nurse)
    if allowed:
        with pytest.raises(PolicyBlocked) as blocked:
            services.group_archive(group=group, by=outsider, reason="利用終了", archived_on=TODAY)
        assert blocked.value.violations[0].rule == "GRP-ARCHIVER"
        assert site.policy.archive_label in blocked.value.messages[0]
    people = {"primary_doctor": site.doctor_user, "group_leader": site.coordinator,
              "facility_admin": site.doctor_user, "origin_facility": site.coordinator}
    archiver = people[allowed[0]] if allowed else site.creator
    services.group_archive(group=group, by=archiver, reason="利用終了", archived_on=TODAY)
    group.refresh_from_db()
    assert group.status == GroupStatus.ARCHIVED


def test_an_unsure_answer_stays_open_until_someone_settles_it(site):
    group = site.group()
    seat = site.invite(group)
    campaign, _ = reviews.campaign_start(program=site.program, by=site.secretariat,
                                         due_on=TODAY + datetime.timedelta(days=14), scope="all")
    review = campaign.reviews.get(group=group)
    answers = {m.pk: (Decision.KEEP, "") for m in group.memberships.open()}
    answers[seat.pk] = (Decision.UNSURE, "主治医に確認中")
    reviews.decisions_save(review=review, by=site.coordinator, decisions=answers)
    reviews.review_complete(review=review, by=site.coordinator)
    [item] = follow_ups_open()
    assert item.membership == seat and item.review.status == ReviewStatus.COMPLETED
    with pytest.raises(ValidationError):
        reviews.follow_up_settle(decision=item, by=site.coordinator, settled_as=Decision.REMOVE, reason=" ")
    reviews.follow_up_settle(decision=item, by=site.coordinator, settled_as=Decision.REMOVE, reason="訪問看護終了")
    seat.refresh_from_db()
    assert seat.status == MembershipStatus.REMOVED and not follow_ups_open().exists()
    assert McsTask.objects.open().filter(membership=seat, kind=TaskKind.REMOVE).exists()
    with pytest.raises(ValidationError, match="確認済み"):
        reviews.follow_up_settle(decision=item, by=site.coordinator, settled_as=Decision.KEEP, reason="再確認")


def test_the_engine_blocks_invitations_on_the_same_basis_as_creation():
    for variant in VARIANTS:
        made = check(variant, "create_group", {"kind": "patient", "consent": "withdrawn"})
        invited = check(variant, "add_member", {"member_kind": "staff", "kind": "patient", "consent": "withdrawn"})
        assert [v.article for v in made if v.rule == "GRP-CONSENT"] == [v.article for v in invited]


def test_a_deleted_groups_open_tasks_are_closed_as_not_needed(site):
    group = site.group()
    site.invite(group, accepted=False)
    task = services.group_request_deletion(group=group, by=site.secretariat, reason="家族の申出", via_secretariat=True)
    services.task_confirm(task=task, by=site.secretariat)
    left = McsTask.objects.filter(group=group).filter(~Q(pk=task.pk))
    assert not left.filter(status=TaskStatus.OPEN).exclude(kind=TaskKind.REMOVE).exists()
    assert left.filter(status=TaskStatus.NOT_NEEDED, not_needed_reason="グループを削除したため").exists()


@pytest.mark.parametrize(("status", "note"), [
    (PatientStatus.DECEASED, "患者が死亡したため"), (PatientStatus.ENDED, "利用終了のため"),
    (PatientStatus.TRANSFERRED, "転院・転居のため"),
])
def test_when_care_ends_invitations_still_to_be_made_are_not_needed(site, status, note):
    group = site.group()
    seat = site.invite(group, accepted=False)
    consent_services.patient_update(patient=site.patient, by=site.coordinator, status=status, status_on=TODAY)
    invite = McsTask.objects.get(membership=seat, kind=TaskKind.INVITE)
    assert (invite.status, invite.not_needed_reason) == (TaskStatus.NOT_NEEDED, note)
    assert not McsTask.objects.open().filter(group=group, kind=TaskKind.INVITE).exists()
    with pytest.raises(ValidationError, match="参加は記録できません"):
        services.member_respond(membership=seat, by=site.creator, accepted=True)
    declined = services.member_respond(membership=seat, by=site.creator, accepted=False)
    assert declined.status == MembershipStatus.DECLINED  # declining stays possible


def test_after_withdrawal_invitations_come_back_only_with_the_group(site):
    group = site.group()
    services.task_confirm(task=group.tasks.get(kind=TaskKind.CREATE), by=site.creator)
    seat = site.invite(group, accepted=False)
    _withdraw(site)
    invite = McsTask.objects.get(membership=seat, kind=TaskKind.INVITE)
    assert (invite.status, invite.not_needed_reason) == (TaskStatus.NOT_NEEDED, "同意が撤回されたため")
    services.group_archive(group=group, by=site.secretariat, reason="同意撤回", archived_on=TODAY)
    ConsentRecordFactory(patient=site.patient, obtained_by=site.coordinator)  # consent given again
    services.group_restore(group=group, by=site.secretariat)
    invite.refresh_from_db()
    assert invite.status == TaskStatus.OPEN


def test_restoring_the_group_of_a_deceased_patient_is_refused_in_words_about_restoring(site):
    group = site.group()
    consent_services.patient_update(patient=site.patient, by=site.coordinator, status=PatientStatus.DECEASED,
                                    status_on=TODAY)
    services.group_archive(group=group, by=site.secretariat, reason="死亡", archived_on=TODAY)
    group = Group.objects.get(pk=group.pk)
    [why] = services.restore_blocks(group)
    assert why.startswith("保管から戻せません: ")
    with pytest.raises(PolicyBlocked) as blocked:
        services.group_restore(group=group, by=site.secretariat)
    assert blocked.value.messages == [why]
