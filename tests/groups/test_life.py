"""Suspension (利用停止) and withdrawal (退会) of a facility, in every variant (issue 15).

Services: facilities/life.py (suspension, the facility's withdrawal) and groups/withdrawal.py (its
patients first); the group side through facilities/hooks.py (groups/suspension.py).
"""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from consent.models import CareTeam, CareTeamReason
from core.services import PolicyBlocked
from facilities import life
from facilities.models import (
    ChangeNotice,
    DeviceReturn,
    Facility,
    FacilityStatus,
    NoticeStatus,
    Role,
    StaffStatus,
    Suspension,
    Withdrawal,
)
from facilities.services import facility_admin_grant
from groups import services
from groups.models import GroupStatus, McsTask, MembershipStatus, TaskKind, TaskStatus
from groups.withdrawal import ARCHIVE, facility_withdraw_with_patients
from oversight.models import GuidanceKind
from oversight.services import guidance_record
from tests.groups.helpers import TODAY, person

ADMIN_MAY_RESTRICT = {"chuo", "matsubara", "iwakuni"}  # 留意事項: 「利用を制限もしくは禁止する権限」
YESTERDAY = TODAY - datetime.timedelta(days=1)


def _suspend(site, *, by=None, staff=None, **kwargs):
    kwargs.setdefault("reason", "患者の情報を目的外に転送した")
    kwargs.setdefault("article", site.policy.suspension_article)
    kwargs.setdefault("starts_on", TODAY)
    facility = staff.facility if staff is not None else site.nursing
    return life.suspension_start(facility=facility, by=by or site.secretariat, staff=staff, **kwargs)


def _rules(error):
    return [v.rule for v in error.value.violations]


# --- Suspension --------------------------------------------------------------------------


def test_a_suspended_person_is_not_invited_and_their_groups_get_restriction_tasks(site):
    group = site.group()
    seat = site.invite(group)
    suspension = _suspend(site, staff=site.nurse)

    assert suspension.memberships_listed == 1
    task = McsTask.objects.get(kind=TaskKind.RESTRICT)
    assert task.membership == seat and task.facility == site.clinic and task.status == TaskStatus.OPEN
    # Existing memberships are listed, not ended: restricting them is done in MCS.
    seat.refresh_from_db()
    assert seat.status == MembershipStatus.ACCEPTED
    other = site.group(patient=site.patient_like(full_name="別 患者", full_name_kana="ベツ カンジャ"))
    with pytest.raises(PolicyBlocked) as blocked:
        services.member_add(group=other, by=site.creator, staff=site.nurse)
    assert "MBR-SUSPENDED" in _rules(blocked)
    assert site.policy.policy_title in str(blocked.value)


def test_lifting_is_recorded_and_the_person_may_be_invited_again(site):
    group = site.group()
    site.invite(group)
    suspension = _suspend(site, staff=site.nurse)
    services.member_remove(membership=group.memberships.get(staff=site.nurse), by=site.creator, reason="other")

    life.suspension_lift(suspension=suspension, by=site.secretariat, lifted_on=TODAY, note="指導により改善を確認")

    suspension.refresh_from_db()
    assert suspension.lifted_by == site.secretariat and suspension.lift_note == "指導により改善を確認"
    restrict = McsTask.objects.get(kind=TaskKind.RESTRICT)
    assert restrict.status == TaskStatus.NOT_NEEDED and restrict.not_needed_reason == "利用停止を解除したため"
    assert services.member_add(group=group, by=site.creator, staff=site.nurse).status == MembershipStatus.INVITED
    with pytest.raises(ValidationError, match="すでに解除"):
        life.suspension_lift(suspension=suspension, by=site.secretariat, lifted_on=TODAY, note="二度目")


def test_a_facility_suspension_stops_invitations_and_roles_until_lifted(site):
    group = site.group()
    suspension = _suspend(site)
    site.nursing.refresh_from_db()
    assert site.nursing.status == FacilityStatus.SUSPENDED

    with pytest.raises(PolicyBlocked) as blocked:
        services.member_add(group=group, by=site.creator, staff=site.nurse)
    assert "MBR-SUSPENDED" in _rules(blocked)
    with pytest.raises(PolicyBlocked) as blocked:
        facility_admin_grant(staff=site.nurse, by=site.secretariat)
    assert _rules(blocked) == ["ROLE-SUSPENDED"]

    life.suspension_lift(suspension=suspension, by=site.secretariat, lifted_on=TODAY, note="再発防止策を確認")
    site.nursing.refresh_from_db()
    assert site.nursing.status == FacilityStatus.ACTIVE
    assert facility_admin_grant(staff=site.nurse, by=site.secretariat).roles.filter(is_active=True).exists()


def test_a_suspended_person_gets_no_role(site):
    _suspend(site, staff=site.nurse)
    with pytest.raises(PolicyBlocked) as blocked:
        facility_admin_grant(staff=site.nurse, by=site.secretariat)
    assert _rules(blocked) == ["ROLE-SUSPENDED"]
    assert not Role.objects.filter(facility=site.nursing, user__email=site.nurse.email).exists()


def test_the_facility_administrator_suspends_a_person_where_the_policy_gives_the_power(site):
    suspend = life.may_suspend_staff(site.nursing_admin, site.nursing)
    assert suspend == (site.variant in ADMIN_MAY_RESTRICT)
    if suspend:
        suspension = _suspend(site, by=site.nursing_admin, staff=site.nurse,
                              article=life.default_article(site.nursing_admin, site.nursing))
        assert suspension.by_facility_admin and suspension.article == site.policy.admin_restricts_staff_article
        assert suspension.article.startswith("留意事項")
    else:
        with pytest.raises(ValidationError, match="権限がありません"):
            _suspend(site, by=site.nursing_admin, staff=site.nurse)
        assert not Suspension.objects.exists()
    # Never the whole facility, and never another facility's people.
    with pytest.raises(ValidationError, match="事務局だけ"):
        _suspend(site, by=site.nursing_admin)
    assert not life.may_suspend_staff(site.nursing_admin, site.clinic)


@pytest.mark.parametrize("variant", ["iwakuni"])
def test_dates_and_a_second_suspension_are_refused_with_a_japanese_message(site):
    site.nursing.approved_on = datetime.date(2025, 4, 1)
    site.nursing.save()
    tomorrow = TODAY + datetime.timedelta(days=1)
    with pytest.raises(ValidationError) as error:
        _suspend(site, staff=site.nurse, starts_on=tomorrow)
    assert "未来の日付" in str(error.value.message_dict["starts_on"])
    with pytest.raises(ValidationError) as error:
        _suspend(site, staff=site.nurse, starts_on=datetime.date(2025, 3, 31))
    assert "承認日より前" in str(error.value.message_dict["starts_on"])
    with pytest.raises(ValidationError) as error:
        _suspend(site, staff=site.nurse, ends_on=YESTERDAY)
    assert "終了予定日" in str(error.value.message_dict["ends_on"])
    _suspend(site, staff=site.nurse)
    with pytest.raises(ValidationError, match="すでに利用停止中"):
        _suspend(site, staff=site.nurse)
    assert Suspension.objects.count() == 1


@pytest.mark.parametrize("variant", ["musashimurayama", "iwakuni"])
def test_a_restriction_given_as_guidance_is_a_suspension(site):
    guidance = guidance_record(
        program=site.program, by=site.secretariat, facility=site.nursing, staff=site.nurse,
        kind=GuidanceKind.RESTRICTION, given_on=TODAY, content="同意のない患者の情報を投稿した",
        given_by_body=site.policy.guidance_body, restriction_until=TODAY + datetime.timedelta(days=30),
    )
    suspension = guidance.suspension
    assert suspension.staff == site.nurse and suspension.ends_on == TODAY + datetime.timedelta(days=30)
    assert suspension.article == site.policy.suspension_article
    # A second restriction while the first is in force links the same suspension.
    again = guidance_record(
        program=site.program, by=site.secretariat, facility=site.nursing, staff=site.nurse,
        kind=GuidanceKind.RESTRICTION, given_on=TODAY, content="再度の投稿", given_by_body="協議会",
        restriction_until=TODAY + datetime.timedelta(days=60),
    )
    assert again.suspension == suspension
    caution = guidance_record(
        program=site.program, by=site.secretariat, facility=site.nursing, staff=site.nurse,
        kind=GuidanceKind.CAUTION, given_on=TODAY, content="注意", given_by_body="協議会",
    )
    assert caution.suspension is None


# --- Withdrawal --------------------------------------------------------------------------


def _withdraw(site, facility, choices, **kwargs):
    kwargs.setdefault("withdrawn_on", TODAY)
    kwargs.setdefault("reason", "閉院のため")
    kwargs.setdefault("devices", DeviceReturn.RETURNED)
    return facility_withdraw_with_patients(facility=facility, by=site.secretariat, choices=choices, **kwargs)


def test_withdrawal_hands_a_patient_over_removes_every_staff_member_and_opens_release_tasks(site):
    group = site.group()
    site.invite(group)
    pending = person(site.clinic, status=StaffStatus.PENDING)

    withdrawal = _withdraw(site, site.clinic, {site.patient.pk: site.nursing.pk})

    site.clinic.refresh_from_db()
    assert site.clinic.status == FacilityStatus.WITHDRAWN
    assert withdrawal.withdrawn_on == TODAY and withdrawal.reason == "閉院のため"
    # The patient: a new 連携元, the leaving facility's doctor and leader cleared, the group moved.
    site.patient.refresh_from_db()
    assert site.patient.origin_facility == site.nursing
    assert site.patient.primary_doctor is None and site.patient.group_leader is None
    group.refresh_from_db()
    assert group.origin_facility == site.nursing and group.status == GroupStatus.ACTIVE
    leader_task = McsTask.objects.get(group=group, kind=TaskKind.LEADER)
    assert leader_task.facility == site.nursing and "引継ぎ" in leader_task.title
    assert CareTeam.objects.current().filter(patient=site.patient, facility=site.nursing,
                                             reason=CareTeamReason.ORIGIN).exists()
    assert withdrawal.patients == [{"patient": site.patient.pk, "to": site.nursing.pk,
                                    "to_name": site.nursing.name, "groups": 1}]
    # Every staff member removed through the ordinary removal: nothing deleted, memberships ended.
    people = site.clinic.staff.all()
    assert people.count() == 3 and all(s.status == StaffStatus.REMOVED for s in people)
    assert all(s.removal.reason == "withdrawn" for s in people)
    assert not group.memberships.open().filter(staff__facility=site.clinic).exists()
    assert not Role.objects.filter(facility=site.clinic, is_active=True).exists()
    assert withdrawal.staff_removed == 3
    # スタッフ解除 in MCS for each account that was in use (the pending one never had one).
    release = McsTask.objects.filter(kind=TaskKind.RELEASE)
    assert {t.staff for t in release} == {site.doctor, site.leader}
    assert pending not in {t.staff for t in release} and withdrawal.release_tasks == 2
    assert all(t.for_secretariat and t.group is None for t in release)
    # The public list shows only facilities in use.
    assert site.clinic not in Facility.objects.approved()


def test_withdrawal_archives_a_patient_when_asked(site):
    group = site.group()
    withdrawal = _withdraw(site, site.clinic, {site.patient.pk: ARCHIVE})
    group.refresh_from_db()
    assert group.status == GroupStatus.ARCHIVED and group.archive_reason == "連携元事業所の退会"
    site.patient.refresh_from_db()
    assert site.patient.origin_facility == site.clinic  # the record of who it was stays
    assert withdrawal.archived == [{"patient": site.patient.pk, "to": None, "to_name": "", "groups": 1}]


@pytest.mark.parametrize("variant", ["kumagaya"])
def test_where_removals_wait_for_a_notice_withdrawal_records_it_as_received(site, mailoutbox,
                                                                             django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        withdrawal = _withdraw(site, site.clinic, {site.patient.pk: ARCHIVE})
    notice = ChangeNotice.objects.get(facility=site.clinic)
    # The secretariat's own procedure: received as it is recorded, not "filed by the facility".
    assert notice.status == NoticeStatus.ACKNOWLEDGED and notice.decided_by == site.secretariat
    assert notice.lines.filter(change="remove").count() == withdrawal.staff_removed == 2
    assert not [m for m in mailoutbox if "提出されました" in m.body or "提出されました" in m.subject]


@pytest.mark.parametrize("variant", ["kumagaya"])
def test_the_withdrawal_keeps_the_devices_answer(site):
    withdrawal = _withdraw(site, site.clinic, {site.patient.pk: ARCHIVE}, devices=DeviceReturn.NOT_RETURNED)
    assert withdrawal.devices == DeviceReturn.NOT_RETURNED


def test_the_suspension_form_is_prefilled_only_with_an_article_the_policy_gives(site):
    article = life.default_article(site.secretariat, site.nursing)
    # Only musashimurayama (第11条) and iwakuni (第10条) name an article for cautioning users.
    assert article == site.policy.guidance_article
    assert article == {"musashimurayama": "第11条", "iwakuni": "第10条"}.get(site.variant, "")


@pytest.mark.parametrize("variant", ["iwakuni"])
def test_withdrawal_is_all_or_nothing(site):
    site.group()
    with pytest.raises(ValidationError, match="引継ぎ先（または保管）が選ばれていません"):
        _withdraw(site, site.clinic, {})
    with pytest.raises(ValidationError, match="利用中の別の事業所"):
        _withdraw(site, site.clinic, {site.patient.pk: site.clinic.pk})
    with pytest.raises(ValidationError) as error:
        _withdraw(site, site.clinic, {site.patient.pk: site.nursing.pk}, withdrawn_on=TODAY + datetime.timedelta(days=1))
    assert "未来の日付" in str(error.value)
    site.clinic.refresh_from_db()
    site.patient.refresh_from_db()
    assert site.clinic.status == FacilityStatus.ACTIVE and site.patient.origin_facility == site.clinic
    assert site.clinic.staff.filter(status=StaffStatus.ACTIVE).count() == 2
    assert not Withdrawal.objects.exists() and not McsTask.objects.filter(kind=TaskKind.RELEASE).exists()


@pytest.mark.parametrize("variant", ["iwakuni"])
def test_only_the_secretariat_withdraws_and_only_once(site):
    with pytest.raises(ValidationError, match="事務局だけ"):
        facility_withdraw_with_patients(facility=site.clinic, by=site.doctor_user, withdrawn_on=TODAY, reason="閉院",
                                        devices=DeviceReturn.NONE_LENT, choices={site.patient.pk: ARCHIVE})
    _withdraw(site, site.clinic, {site.patient.pk: ARCHIVE})
    with pytest.raises(ValidationError, match="すでに退会"):
        _withdraw(site, site.clinic, {site.patient.pk: ARCHIVE})


@pytest.mark.parametrize("variant", ["matsubara"])
def test_a_suspended_facility_may_withdraw_and_its_suspension_ends_with_it(site):
    suspension = _suspend(site)
    _withdraw(site, site.nursing, {})
    suspension.refresh_from_db()
    assert suspension.is_lifted and suspension.lift_note == "施設の退会により終了"
    site.nursing.refresh_from_db()
    assert site.nursing.status == FacilityStatus.WITHDRAWN
    with pytest.raises(ValidationError, match="退会した施設"):
        _suspend(site)


# --- The database's own refusals (tests/security/test_constraints.py lists every uniqueness) ---


def _suspension_row(site, staff=None):
    return Suspension.objects.create(program=site.program, facility=site.nursing, staff=staff, reason="不正",
                                     article="第10条", starts_on=TODAY, created_by=site.secretariat)


CONSTRAINTS = {
    "suspension_one_open_per_facility": lambda site: [_suspension_row(site), _suspension_row(site)],
    "suspension_one_open_per_staff": lambda site: [_suspension_row(site, site.nurse) for _ in range(2)],
    "facilities.Withdrawal.facility": lambda site: [
        Withdrawal.objects.create(program=site.program, facility=site.nursing, withdrawn_on=TODAY, reason="閉院",
                                  recorded_by=site.secretariat) for _ in range(2)],
}


@pytest.mark.parametrize("variant", ["iwakuni"])
@pytest.mark.parametrize("name", sorted(CONSTRAINTS))
def test_the_database_refuses_a_second_open_suspension_or_withdrawal(site, name):
    with pytest.raises(IntegrityError), transaction.atomic():
        CONSTRAINTS[name](site)


@pytest.mark.parametrize("variant", ["iwakuni"])
def test_a_lifted_suspension_leaves_room_for_a_new_one(site):
    first = _suspend(site, staff=site.nurse)
    life.suspension_lift(suspension=first, by=site.secretariat, lifted_on=TODAY, note="改善")
    assert _suspend(site, staff=site.nurse).pk != first.pk


def test_a_suspended_person_gets_no_role_on_the_people_page_either(site):
    from facilities import people
    from facilities.models import RoleKind

    _suspend(site, staff=site.nurse)
    with pytest.raises(PolicyBlocked) as blocked:
        people.facility_role_grant(facility=site.nursing, by=site.secretariat, kind=RoleKind.COORDINATOR,
                                   staff=site.nurse, reason="連携の担当")
    assert _rules(blocked) == ["ROLE-SUSPENDED"]
    assert not Role.objects.filter(facility=site.nursing, user__email=site.nurse.email).exists()
