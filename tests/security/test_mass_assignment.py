"""POSTs that try to set another program, facility, status or author are ignored, on every
create and update form: the URL and the signed-in person decide those, never the posted fields.

Each test posts a valid form plus `extra()` fields, then checks that the object landed where the
URL said, in the state the workflow gives it, and that nothing of program B moved.
"""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from consent.models import ConsentRecord, ConsentTemplate, ErasureRecord, Patient, PatientStatus
from enrollment.models import Application, ApplicationStatus
from facilities.models import (
    ChangeNotice,
    Facility,
    NoticeStatus,
    Pledge,
    Program,
    Staff,
    StaffRemoval,
    StaffStatus,
    TrainingSession,
)
from tests.consent.factories import ConsentRecordFactory, ConsentTemplateFactory, PatientFactory
from tests.enrollment.factories import ApplicationFactory
from tests.enrollment.helpers import post_data
from tests.facilities.factories import NoticeLineFactory

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


def extra(world, **more):
    """Fields no form of ours has, naming program B's objects and a finished state."""
    return {
        "program": world.program_b.pk, "program_id": world.program_b.pk, "facility": world.facility_b.pk,
        "facility_id": world.facility_b.pk, "status": "approved", "user": world.secretariat_b.pk,
        "registered_by": world.secretariat_b.pk, "recorded_by": world.secretariat_b.pk,
        "decided_by": world.secretariat_b.pk, "created_at": "2000-01-01T00:00", **more,
    }


@pytest.fixture
def untouched(world):
    """Asserts, after the test, that nothing of program B changed or was added to it."""
    program = world.program_b

    def of_b():
        return {
            "program": list(Program.history.filter(id=program.pk).values_list()),
            "facilities": list(Facility.history.filter(program_id=program.pk).values_list()),
            "staff": list(Staff.history.filter(program_id=program.pk).values_list()),
            "patients": list(Patient.history.filter(program_id=program.pk).values_list()),
            "applications": list(Application.history.filter(program_id=program.pk).values_list()),
            "notices": list(ChangeNotice.history.filter(program_id=program.pk).values_list()),
            "consent versions": list(ConsentTemplate.history.filter(program_id=program.pk).values_list()),
        }

    before = of_b()
    yield
    assert of_b() == before


# --- The staff ledger ----------------------------------------------------------------------------

STAFF = {"full_name": "山田 花子", "full_name_kana": "ヤマダ ハナコ", "job": "nurse", "email": "hanako@example.jp"}


def test_adding_staff_ignores_program_facility_status_and_account(client, world, untouched):
    client.force_login(world.admin_a)
    response = client.post(reverse("facilities:staff-add", args=[world.facility_a.pk]),
                           {**STAFF, **extra(world, status=StaffStatus.REMOVED)})
    staff = Staff.objects.get(email="hanako@example.jp")
    assert response.status_code == 302
    assert (staff.program, staff.facility, staff.user) == (world.program_a, world.facility_a, None)
    assert staff.status != StaffStatus.REMOVED


def test_editing_staff_ignores_program_facility_and_status(client, world, untouched):
    client.force_login(world.admin_a)
    response = client.post(reverse("facilities:staff-edit", args=[world.staff_a.pk]), {
        **STAFF, "email": world.staff_a.email,
        **extra(world, facility=world.facility_a2.pk, status=StaffStatus.REMOVED, ended_on="2025-01-01"),
    })
    world.staff_a.refresh_from_db()
    assert response.status_code == 302 and world.staff_a.full_name == "山田 花子"
    assert (world.staff_a.program, world.staff_a.facility, world.staff_a.status, world.staff_a.ended_on) == (
        world.program_a, world.facility_a, StaffStatus.ACTIVE, None)


def test_training_is_recorded_for_the_facility_in_the_url(client, world, untouched):
    client.force_login(world.admin_a)
    response = client.post(reverse("facilities:training-add", args=[world.facility_a.pk]), {
        "kind": "education", "held_on": TODAY.isoformat(), "staff": [world.staff_a.pk],
        **extra(world, facility=world.facility_a2.pk),
    })
    session = TrainingSession.objects.get()
    assert response.status_code == 302
    assert (session.facility, session.recorded_by) == (world.facility_a, world.admin_a)


def test_a_pledge_is_recorded_for_the_staff_in_the_url(client, world, untouched):
    client.force_login(world.admin_a)
    response = client.post(reverse("facilities:staff-pledge", args=[world.staff_a.pk]), {
        "kind": "exempt", "signed_on": "2024-04-01", "existing_pledge": "入職時の誓約書",
        **extra(world, staff=world.staff_b.pk, text=""),
    })
    pledge = Pledge.objects.get()
    assert response.status_code == 302
    assert (pledge.staff, pledge.recorded_by) == (world.staff_a, world.admin_a)


def test_a_removal_removes_the_staff_in_the_url_only(client, world, untouched):
    client.force_login(world.admin_a)
    response = client.post(reverse("facilities:staff-remove", args=[world.staff_a.pk]), {
        "reason": "retired", "effective_date": TODAY.isoformat(), "devices": "returned",
        **extra(world, staff=world.staff_b.pk, status=StaffStatus.ACTIVE, removed_by=world.secretariat_b.pk),
    })
    removal = StaffRemoval.objects.get()
    assert response.status_code == 302
    assert (removal.staff, removal.requested_by) == (world.staff_a, world.admin_a)
    world.staff_b.refresh_from_db()
    assert world.staff_b.status == StaffStatus.ACTIVE


def test_a_correction_request_moves_the_notice_only_along_the_workflow(client, world, untouched):
    notice = NoticeLineFactory(notice__facility=world.facility_a).notice
    ChangeNotice.objects.filter(pk=notice.pk).update(status=NoticeStatus.FILED, filed_at=timezone.now())
    client.force_login(world.secretariat_a)
    client.post(reverse("facilities:notice-request-correction", args=[notice.pk]),
                {"comment": "日付を確認してください", **extra(world, status=NoticeStatus.ACKNOWLEDGED)})
    notice.refresh_from_db()
    assert (notice.status, notice.decided_by, notice.facility) == (
        NoticeStatus.CORRECTION, world.secretariat_a, world.facility_a)


# --- Patients and consent ------------------------------------------------------------------------

PATIENT = {
    "full_name": "見本 花子", "full_name_kana": "ミホン ハナコ", "birth_date": "1941-03-03", "gender": "female",
    "postal_code": "", "address": "大阪府松原市阿保9-9-9", "phone": "", "doctor_visits_home": "on",
}


def test_registering_a_patient_ignores_program_status_and_registrar(client, world, untouched):
    client.force_login(world.coordinator_a)
    response = client.post(reverse("consent:patient-create", args=[world.program_a.slug]), {
        **PATIENT, "origin_facility": world.facility_a.pk, **extra(world, status=PatientStatus.DECEASED,
                                                                      status_on="2025-01-01", kana_key="X"),
    })
    patient = Patient.objects.get()
    assert response.status_code == 302
    assert (patient.program, patient.status, patient.status_on, patient.registered_by, patient.kana_key) == (
        world.program_a, PatientStatus.ACTIVE, None, world.coordinator_a, "ミホンハナコ")


def test_a_facility_of_another_program_is_refused_on_the_patient_form(client, world, untouched):
    client.force_login(world.coordinator_a)
    response = client.post(reverse("consent:patient-create", args=[world.program_a.slug]),
                           {**PATIENT, "origin_facility": world.facility_b.pk})
    assert response.status_code == 200 and "正しく選択してください" in response.content.decode()
    assert not Patient.objects.exists()


def test_updating_a_patient_keeps_the_program_and_the_registrar(client, world, untouched):
    patient = PatientFactory(origin_facility=world.facility_a, registered_by=world.coordinator_a)
    client.force_login(world.coordinator_a)
    response = client.post(reverse("consent:patient-update", args=[patient.pk]), {
        **PATIENT, "origin_facility": world.facility_a.pk, "status": "active", **extra(world, status="active"),
    })
    patient.refresh_from_db()
    assert response.status_code == 302 and patient.full_name == "見本 花子"
    assert (patient.program, patient.registered_by, patient.origin_facility) == (
        world.program_a, world.coordinator_a, world.facility_a)


CONSENT = {
    "signed_on": "2025-04-01", "patient_signed": "on", "family_1_name": "見本 次郎", "family_1_relationship": "長男",
    "family_1_address": "大阪府松原市阿保9-9-9", "original_kept_at": "連携元事業所", "copy_given": "on",
}


def test_recording_consent_ignores_patient_author_facility_and_withdrawal(client, world, untouched):
    patient = PatientFactory(origin_facility=world.facility_a)
    elsewhere = PatientFactory(origin_facility=world.facility_a)
    client.force_login(world.coordinator_a)
    response = client.post(reverse("consent:consent-create", args=[patient.pk]), {
        **CONSENT, **extra(world, patient=elsewhere.pk, obtained_by=world.secretariat_b.pk,
                           obtainer_facility=world.facility_b.pk, withdrawn_on=TODAY.isoformat(),
                           withdrawal_received_by=world.secretariat_b.pk, pdf_sha256="0" * 64),
    })
    record = ConsentRecord.objects.get()
    assert response.status_code == 302, response.content.decode()
    assert (record.patient, record.obtained_by, record.obtainer_facility, record.withdrawn_on) == (
        patient, world.coordinator_a, world.facility_a, None)
    assert record.template.program == world.program_a and record.pdf_sha256 != "0" * 64


def test_a_consent_version_of_another_program_is_refused(client, world):
    patient = PatientFactory(origin_facility=world.facility_a)
    theirs = ConsentTemplateFactory(program=world.program_b)
    client.force_login(world.coordinator_a)
    response = client.post(reverse("consent:consent-create", args=[patient.pk]), {**CONSENT, "template": theirs.pk})
    assert response.status_code == 200 and "正しく選択してください" in response.content.decode()
    assert not ConsentRecord.objects.exists()


def test_a_withdrawal_is_received_by_whoever_records_it(client, world, untouched):
    record = ConsentRecordFactory(patient=PatientFactory(origin_facility=world.facility_a),
                                  obtained_by=world.coordinator_a)
    client.force_login(world.coordinator_a)
    client.post(reverse("consent:consent-withdraw", args=[record.pk]), {
        "withdrawn_on": TODAY.isoformat(), "note": "電話で申出",
        **extra(world, withdrawal_received_by=world.secretariat_b.pk, patient=PatientFactory().pk),
    })
    record.refresh_from_db()
    assert (record.withdrawn_on, record.withdrawal_received_by) == (TODAY, world.coordinator_a)


def test_editing_a_draft_version_keeps_its_program_version_and_draft_state(client, world, untouched):
    draft = ConsentTemplateFactory(program=world.program_a, published_at=None, version=2)
    client.force_login(world.secretariat_a)
    response = client.post(reverse("consent:template-edit", args=[draft.pk]), {
        "preamble": "新しい前文", "clauses": "説明1", "purposes": "【見出し】\n項目", "agreement": "同意します。",
        **extra(world, version=1, published_at="2020-01-01T00:00", published_by=world.secretariat_b.pk),
    })
    draft.refresh_from_db()
    assert response.status_code == 302 and draft.preamble == "新しい前文"
    assert (draft.program, draft.version, draft.published_at, draft.published_by) == (world.program_a, 2, None, None)
    assert ConsentTemplate.objects.count() == 1


def test_an_erasure_erases_the_patient_in_the_url_only(client, world, untouched):
    patient = PatientFactory(origin_facility=world.facility_a)
    other = PatientFactory(origin_facility=world.facility_a)
    client.force_login(world.secretariat_a)
    client.post(reverse("consent:patient-erase", args=[patient.pk]), {
        "requested_on": TODAY.isoformat(), "reason": "本人から申出", "confirm_number": patient.pk,
        **extra(world, patient=other.pk, erased_by=world.secretariat_b.pk),
    })
    erasure = ErasureRecord.objects.get()
    assert (erasure.patient, erasure.program, erasure.erased_by) == (patient, world.program_a, world.secretariat_a)
    other.refresh_from_db()
    assert other.full_name.startswith("見本")


# --- Applications --------------------------------------------------------------------------------

APPLICATION_EXTRA = {
    "receipt_number": "FAKE-2026-0001", "receipt_year": "1999", "receipt_sequence": "1", "access_token": "a" * 43,
    "findings": "[]", "submitted_at": "2000-01-01T00:00", "decided_at": "2000-01-01T00:00",
    "return_deadline": "2099-01-01",
}


def test_an_application_lands_in_the_program_of_the_url_awaiting_review(client, world, untouched):
    client.logout()
    response = client.post(reverse("enrollment:apply", args=[world.program_a.slug]), {
        **post_data(world.program_a), **extra(world), **APPLICATION_EXTRA,
    })
    application = Application.objects.get()
    assert response.status_code == 302
    assert (application.program, application.status, application.facility, application.decided_by) == (
        world.program_a, ApplicationStatus.SUBMITTED, None, None)
    assert application.receipt_number.startswith(world.program_a.code) and application.access_token != "a" * 43
    assert application.submitted_at.year > 2000


def test_a_correction_is_a_resubmission_nothing_more(client, world, untouched):
    application = ApplicationFactory(program=world.program_a, status=ApplicationStatus.RETURNED,
                                     return_deadline=TODAY + datetime.timedelta(days=7))
    client.logout()
    response = client.post(reverse("enrollment:correct", args=[application.access_token]), {
        **post_data(world.program_a), **extra(world), **APPLICATION_EXTRA,
    })
    application.refresh_from_db()
    assert response.status_code == 302
    assert (application.program, application.status, application.facility) == (
        world.program_a, ApplicationStatus.RESUBMITTED, None)


@pytest.mark.parametrize(("name", "data", "status"), [
    ("application-return", {"comment": "住所を確認してください", "deadline": "2099-12-31"}, ApplicationStatus.RETURNED),
    ("application-reject", {"reason": "対象地域外のため"}, ApplicationStatus.REJECTED),
])
def test_a_decision_cannot_be_turned_into_an_approval(client, world, untouched, name, data, status):
    application = ApplicationFactory(program=world.program_a)
    client.force_login(world.secretariat_a)
    client.post(reverse(f"enrollment:{name}", args=[world.program_a.slug, application.pk]),
                {**data, **extra(world), **APPLICATION_EXTRA})
    application.refresh_from_db()
    assert (application.status, application.facility, application.program) == (status, None, world.program_a)
