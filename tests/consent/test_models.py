import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, IntegrityError, connection, transaction

from consent.models import (
    STATUS_TRANSITIONS,
    AccessLog,
    CareTeam,
    CareTeamReason,
    ConsentRecord,
    Patient,
    PatientStatus,
)
from tests.consent.factories import ConsentRecordFactory, ConsentTemplateFactory, PatientFactory
from tests.factories import UserFactory, coordinator_of

pytestmark = pytest.mark.django_db


def test_patients_are_visible_to_the_involved_facilities_and_the_secretariat_only(world):
    patient = PatientFactory(origin_facility=world.facility_a)
    visible = {
        user: Patient.objects.visible_to(user).filter(pk=patient.pk).exists()
        for user in (world.coordinator_a, world.admin_a, world.secretariat_a, world.superuser)
    }
    assert all(visible.values())
    stranger_same_program = coordinator_of(world.facility_a2)
    for user in (stranger_same_program, world.secretariat_b, world.coordinator_b):
        assert not Patient.objects.visible_to(user).filter(pk=patient.pk).exists()


def test_a_facility_added_to_the_care_team_sees_the_patient(world):
    patient = PatientFactory(origin_facility=world.facility_a)
    joining = coordinator_of(world.facility_a2)
    CareTeam.objects.create(patient=patient, facility=world.facility_a2, reason=CareTeamReason.GROUP)
    assert Patient.objects.visible_to(joining).filter(pk=patient.pk).exists()
    assert Patient.objects.actionable_by(joining).filter(pk=patient.pk).exists()
    assert not Patient.objects.actionable_by(world.secretariat_a).exists()


def test_search_by_kana_ignores_spaces_and_by_birth_date(world):
    patient = PatientFactory(origin_facility=world.facility_a, full_name_kana="ヤマダ タロウ")
    PatientFactory(origin_facility=world.facility_a, full_name_kana="スズキ ハナコ", birth_date=datetime.date(1950, 1, 1))
    assert list(Patient.objects.search(kana="ヤマダタロウ")) == [patient]
    assert list(Patient.objects.search(kana="ヤマダ", birth_date=datetime.date(1940, 2, 11))) == [patient]
    assert not Patient.objects.search(kana="ヤマダ", birth_date=datetime.date(1950, 1, 1)).exists()


def test_consent_state_counts_only_records_not_withdrawn(world):
    record = ConsentRecordFactory(patient__origin_facility=world.facility_a)
    assert Patient.objects.with_consent_state().get(pk=record.patient_id).has_valid_consent
    ConsentRecord.objects.filter(pk=record.pk).update(
        withdrawn_on=datetime.date(2025, 5, 1), withdrawal_received_by=world.coordinator_a
    )
    # A withdrawn consent is its own state, not counted with patients who never consented.
    assert not Patient.objects.without_valid_consent().filter(pk=record.patient_id).exists()
    assert list(Patient.objects.withdrawn_consent()) == [record.patient]


def test_a_status_other_than_active_needs_its_date(world):
    patient = PatientFactory(origin_facility=world.facility_a)
    patient.status = PatientStatus.DECEASED
    with pytest.raises(ValidationError) as raised:
        patient.full_clean()
    assert "status_on" in raised.value.message_dict
    with pytest.raises(IntegrityError), transaction.atomic():
        patient.save()


def test_status_transitions_death_is_final():
    assert STATUS_TRANSITIONS[PatientStatus.DECEASED] == set()
    assert PatientStatus.ACTIVE in STATUS_TRANSITIONS[PatientStatus.TRANSFERRED]
    assert set(STATUS_TRANSITIONS) == set(PatientStatus)


def test_staff_of_another_program_cannot_be_the_doctor(world):
    from tests.consent.factories import doctor_at

    patient = PatientFactory.build(
        origin_facility=world.facility_a, program=world.program_a, registered_by=world.coordinator_a,
        primary_doctor=doctor_at(world.facility_b),
    )
    with pytest.raises(ValidationError) as raised:
        patient.full_clean()
    assert "primary_doctor" in raised.value.message_dict


def test_the_doctor_must_be_a_doctor(world):
    patient = PatientFactory.build(
        origin_facility=world.facility_a, program=world.program_a, registered_by=world.coordinator_a,
        primary_doctor=world.staff_a,  # a nurse
    )
    with pytest.raises(ValidationError):
        patient.full_clean()


def test_published_template_cannot_be_saved_or_deleted(world):
    template = ConsentTemplateFactory(program=world.program_a)
    template.clauses = ["書き換え"]
    with pytest.raises(ValidationError):
        template.save()
    with pytest.raises(ValidationError):
        template.full_clean()
    with pytest.raises(ValidationError):
        template.delete()


def test_a_draft_can_be_changed(world):
    draft = ConsentTemplateFactory(program=world.program_a, published_at=None)
    draft.clauses = ["書き換え"]
    draft.full_clean()
    draft.save()


def test_one_draft_per_program_and_unique_versions(world):
    ConsentTemplateFactory(program=world.program_a, published_at=None, version=5)
    with pytest.raises(IntegrityError), transaction.atomic():
        ConsentTemplateFactory(program=world.program_a, published_at=None, version=6)
    with pytest.raises(IntegrityError), transaction.atomic():
        ConsentTemplateFactory(program=world.program_a, version=5)


@pytest.mark.parametrize(
    ("changes", "constraint"),
    [
        ({"withdrawn_on": datetime.date(2025, 5, 1)}, "consent_withdrawal_complete"),
        ({"patient_signed": False}, "consent_signed_by_patient_or_proxy"),
        ({"proxy_name": "代理 人"}, "consent_proxy_has_relationship"),
        ({"template": None}, "consent_template_unless_prior"),
    ],
)
def test_record_constraints_hold_in_the_database(world, changes, constraint):
    record = ConsentRecordFactory(patient__origin_facility=world.facility_a)
    with pytest.raises(IntegrityError) as raised, transaction.atomic():
        ConsentRecord.objects.filter(pk=record.pk).update(**changes)
    if connection.vendor == "postgresql":
        assert constraint in str(raised.value)


def test_withdrawal_cannot_predate_the_consent(world):
    record = ConsentRecordFactory(patient__origin_facility=world.facility_a, signed_on=datetime.date(2025, 4, 1))
    with pytest.raises(IntegrityError), transaction.atomic():
        ConsentRecord.objects.filter(pk=record.pk).update(
            withdrawn_on=datetime.date(2025, 3, 1), withdrawal_received_by=world.coordinator_a
        )


def test_prior_consent_needs_no_template_nor_named_signer(world):
    record = ConsentRecordFactory(
        patient__origin_facility=world.facility_a, template=None, is_prior=True, patient_signed=False
    )
    assert record.pk


def test_access_log_rows_are_never_changed_nor_deleted_by_the_app(world):
    patient = PatientFactory(origin_facility=world.facility_a)
    row = AccessLog.objects.create(user=UserFactory(), patient=patient, action="view_page")
    row.action = "view_pdf"
    with pytest.raises(ValidationError):
        row.save()
    with pytest.raises(ValidationError):
        row.delete()
    assert AccessLog.objects.get(pk=row.pk).action == "view_page"


@pytest.mark.postgres
def test_postgresql_refuses_update_and_delete_on_the_access_log(world):
    patient = PatientFactory(origin_facility=world.facility_a)
    row = AccessLog.objects.create(user=world.coordinator_a, patient=patient, action="view_page")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AccessLog.objects.filter(pk=row.pk).update(action="view_pdf")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AccessLog.objects.filter(pk=row.pk).delete()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM consent_accesslog")
    assert AccessLog.objects.filter(pk=row.pk, action="view_page").exists()
