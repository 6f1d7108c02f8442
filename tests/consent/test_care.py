"""When care ends, access ends: involvement with a life, who may change a patient's care,
the change log, no silent duplicates, and sharing that stops with consent or care."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from consent import care, hooks, services
from consent.models import (
    AccessAction,
    AccessLog,
    CareTeam,
    CareTeamEnd,
    CareTeamReason,
    Patient,
    PatientStatus,
)
from core.services import PolicyBlocked
from facilities.models import RoleKind
from policy.rules import VARIANTS
from tests.consent.factories import ConsentRecordFactory, doctor_at
from tests.factories import FacilityFactory, RoleFactory

pytestmark = pytest.mark.django_db


def _member_facility(site, patient):
    """A facility involved only because its staff joined the patient's group (reason: group)."""
    facility = FacilityFactory(program=site.program)
    care.care_team_add(patient=patient, facility_id=facility.pk, reason=CareTeamReason.GROUP)
    admin = RoleFactory(kind=RoleKind.FACILITY_ADMIN, facility=facility).user
    return facility, admin


def test_when_the_last_reason_ends_the_facility_no_longer_sees_the_patient(site_for):
    site = site_for("matsubara")
    patient = site.patient()
    facility, admin = _member_facility(site, patient)
    assert Patient.objects.visible_to(admin).filter(pk=patient.pk).exists()
    assert care.care_team_end(patient=patient, facility_id=facility.pk, reason=CareTeamReason.GROUP,
                              by=site.coordinator, why=CareTeamEnd.MEMBER_REMOVED)
    assert not Patient.objects.visible_to(admin).filter(pk=patient.pk).exists()
    assert not care.is_involved(admin, patient)
    ended = CareTeam.objects.get(patient=patient, facility=facility)
    assert (ended.end_reason, ended.ended_by) == (CareTeamEnd.MEMBER_REMOVED, site.coordinator)
    # Involved again later: a new row, the old one kept as history.
    care.care_team_add(patient=patient, facility_id=facility.pk, reason=CareTeamReason.GROUP)
    assert CareTeam.objects.filter(patient=patient, facility=facility).count() == 2
    assert Patient.objects.visible_to(admin).filter(pk=patient.pk).exists()


def test_a_facility_with_two_reasons_keeps_access_until_both_end(site_for):
    site = site_for("iwakuni")
    patient = site.patient()
    facility, admin = _member_facility(site, patient)
    care.care_team_add(patient=patient, facility_id=facility.pk, reason=CareTeamReason.LEADER)
    care.care_team_end(patient=patient, facility_id=facility.pk, reason=CareTeamReason.GROUP,
                       by=site.coordinator, why=CareTeamEnd.GROUP_CLOSED)
    assert Patient.objects.visible_to(admin).filter(pk=patient.pk).exists()


def test_changing_the_origin_moves_the_origin_reason(site_for):
    site = site_for("chuo")
    patient = site.patient(primary_doctor=None)
    services.patient_update(patient=patient, by=site.coordinator, origin_facility=site.other)
    current = set(CareTeam.objects.current().filter(patient=patient).values_list("facility_id", "reason"))
    assert current == {(site.other.pk, CareTeamReason.ORIGIN)}
    assert not Patient.objects.visible_to(site.coordinator).filter(pk=patient.pk).exists()
    assert Patient.objects.visible_to(site.stranger).filter(pk=patient.pk).exists()


@pytest.mark.parametrize("variant", VARIANTS)
def test_only_the_origin_the_manager_or_the_secretariat_change_a_patients_care(site_for, variant):
    site = site_for(variant)
    patient = site.patient()
    facility, admin = _member_facility(site, patient)
    with pytest.raises(PolicyBlocked) as blocked:
        services.patient_update(patient=patient, by=admin, origin_facility=facility)
    article = blocked.value.violations[0].article
    assert blocked.value.violations[0].rule == "PAT-CARE-CHANGE" and article in blocked.value.messages[0]
    assert Patient.objects.get(pk=patient.pk).origin_facility == site.clinic
    # Other details: any involved facility may correct them.
    services.patient_update(patient=patient, by=admin, phone="0827-22-0000")
    services.patient_update(patient=patient, by=site.secretariat, origin_facility=facility)
    assert Patient.objects.get(pk=patient.pk).origin_facility == facility


def test_every_change_is_logged_with_the_fields_not_the_values(site_for):
    site = site_for("matsubara")
    patient = site.patient()
    services.patient_update(patient=patient, by=site.coordinator, phone="072-111-2222", address="大阪府松原市上田1-1")
    services.patient_update(patient=patient, by=site.coordinator, phone="072-111-2222")  # nothing changed
    rows = list(AccessLog.objects.filter(patient=patient, action=AccessAction.CHANGE))
    assert [(r.user, r.fields) for r in rows] == [(site.coordinator, "住所、電話")]
    assert "072-111-2222" not in rows[0].fields


def _register(site, **fields):
    values = {
        "full_name": "岩国 太郎", "full_name_kana": "イワクニ タロウ", "birth_date": datetime.date(1938, 5, 3),
        "gender": "male", "postal_code": "", "address": "山口県岩国市今津町1-1", "phone": "",
        "origin_facility": site.clinic, "primary_doctor": site.doctor, "group_leader": None,
        "doctor_visits_home": True,
    }
    values.update(fields)
    return services.patient_register(program=site.program, by=site.coordinator, **values)


def test_a_possible_duplicate_is_shown_and_needs_a_deliberate_reason(site_for):
    site = site_for("iwakuni")
    first = _register(site)
    with pytest.raises(services.PossibleDuplicate) as caught:
        _register(site, full_name_kana="いわくに たろう")  # the same reading, typed otherwise
    assert caught.value.visible == [first] and caught.value.hidden == 0
    assert "別の人として登録する" in caught.value.message_dict["distinct_reason"][0]
    second = _register(site, distinct_reason="同姓同名・同じ生年月日の別人（住所が違う）")
    assert second.pk != first.pk and second.distinct_reason.startswith("同姓同名")


def test_a_duplicate_the_user_cannot_see_is_announced_without_its_data(site_for):
    site = site_for("iwakuni")
    elsewhere = site.patient(origin_facility=site.other, full_name="岩国 太郎", full_name_kana="イワクニ タロウ",
                             birth_date=datetime.date(1938, 5, 3), primary_doctor=None)
    with pytest.raises(services.PossibleDuplicate) as caught:
        _register(site)
    assert caught.value.visible == [] and caught.value.hidden == 1
    message = caught.value.message_dict["distinct_reason"][0]
    assert "見られない記録が1件" in message and elsewhere.address not in message


def test_the_secretariat_ends_a_facilitys_involvement_but_not_the_origins(site_for):
    site = site_for("matsubara")
    patient = site.patient()
    facility, admin = _member_facility(site, patient)
    with pytest.raises(ValidationError, match="連携元事業所"):
        care.care_team_end_facility(patient=patient, facility=site.clinic, by=site.secretariat, note="転院")
    assert care.care_team_end_facility(patient=patient, facility=facility, by=site.secretariat, note="担当終了") == 1
    assert not Patient.objects.visible_to(admin).filter(pk=patient.pk).exists()


@pytest.fixture
def stopped():
    calls = []

    def receiver(*, patient, by, why):
        calls.append((patient.pk, why))
        return 2

    undo = hooks.sharing_stopped.connect(receiver)
    yield calls
    undo()


def test_withdrawing_the_last_consent_stops_sharing(site_for, stopped):
    site = site_for("matsubara")
    record = ConsentRecordFactory(patient=site.patient(), obtained_by=site.coordinator, signed_on=datetime.date(2025, 4, 1))
    withdrawn = services.consent_withdraw(record=record, by=site.coordinator, withdrawn_on=datetime.date(2025, 6, 1))
    assert stopped == [(record.patient_id, "同意撤回")] and withdrawn.sharing_tasks >= 2


@pytest.mark.parametrize("status", [PatientStatus.DECEASED, PatientStatus.ENDED])
def test_a_death_or_the_end_of_care_stops_sharing(site_for, stopped, status):
    site = site_for("musashimurayama")
    patient = site.patient()
    updated = services.patient_update(patient=patient, by=site.coordinator, status=status,
                                      status_on=datetime.date(2025, 6, 1))
    assert stopped == [(patient.pk, PatientStatus(status).label)] and updated.sharing_tasks >= 2


def test_a_doctor_change_moves_the_doctor_reason(site_for):
    site = site_for("kumagaya")
    hospital = FacilityFactory(program=site.program)
    patient = _register(site)
    services.patient_update(patient=patient, by=site.coordinator, primary_doctor=doctor_at(hospital))
    current = set(CareTeam.objects.current().filter(patient=patient).values_list("facility_id", "reason"))
    assert (hospital.pk, CareTeamReason.DOCTOR) in current and (site.clinic.pk, CareTeamReason.DOCTOR) not in current
