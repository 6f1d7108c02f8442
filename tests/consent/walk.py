"""The consent app's part of the access table (tests/walk.py).

Patients and consent: the secretariat reads; the facilities on the care team act; the consent
form's versions and the access log are the secretariat's.
"""

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile

from consent.care import care_team_add, care_team_end_facility
from consent.models import CareTeamReason, ConsentRecord
from tests.consent.factories import ConsentRecordFactory, ConsentTemplateFactory, PatientFactory
from tests.walk import CARE, FACILITY, GET, POST, SECRETARIAT, Access, Kwarg

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 32


def _patient(s, facility):
    return s.once(("patient", facility.pk), lambda: PatientFactory(origin_facility=facility))


def _record(s, facility):
    """A consent record of the facility's patient, with its scan."""
    def make():
        record = ConsentRecordFactory(patient=_patient(s, facility), obtained_by=s.world.coordinator_a)
        record.scan.save("walk.png", ContentFile(PNG), save=False)
        record.scan_content_type = "image/png"
        record.save()
        return record
    return s.once(("record", facility.pk), make)


def _record_b(s):
    return s.once("record_b", lambda: ConsentRecordFactory(patient=_patient(s, s.world.facility_b),
                                                           obtained_by=s.world.coordinator_b))


def _draft(s, program):
    # A draft: the most an outsider could try to change or publish.
    return s.once(("draft", program.pk), lambda: ConsentTemplateFactory(program=program, published_at=None, version=99))


def _scan(s):
    return {"scan": SimpleUploadedFile("x.png", PNG)}


def _without_scan(s):
    ConsentRecord.objects.filter(pk=_record(s, s.world.facility_a).pk).update(scan="")


ACCESS = {
    "consent:patient-list": Access(GET, FACILITY),
    "consent:patient-create": Access(GET, CARE),
    "consent:patient-detail": Access(GET, FACILITY),
    "consent:patient-update": Access(GET, CARE),
    "consent:care-team-end": Access(POST, SECRETARIAT, status=302, data=lambda s: {"note": "担当終了"}),
    "consent:patient-consent-pdf": Access(GET, FACILITY),
    "consent:consent-create": Access(GET, CARE),
    "consent:consent-detail": Access(GET, FACILITY),
    "consent:consent-pdf": Access(GET, FACILITY),
    "consent:consent-scan": Access(GET, FACILITY),
    "consent:consent-scan-attach": Access(POST, CARE, status=302, data=_scan, ready=_without_scan),
    "consent:consent-withdraw": Access(GET, CARE),
    "consent:template-list": Access(GET, FACILITY),
    "consent:reconsent": Access(GET, FACILITY),
    "consent:template-draft": Access(POST, SECRETARIAT, status=302),
    "consent:program-blank-pdf": Access(GET, FACILITY),
    "consent:template-detail": Access(GET, FACILITY),
    "consent:template-pdf": Access(GET, FACILITY),
    "consent:template-edit": Access(GET, SECRETARIAT),
    "consent:template-publish": Access(POST, SECRETARIAT, status=302),
    "consent:access-log": Access(GET, SECRETARIAT),
    "consent:user-access-log": Access(GET, SECRETARIAT),
    "consent:patient-access-log": Access(GET, SECRETARIAT),
    "consent:erasure-list": Access(GET, SECRETARIAT),
    "consent:patient-erase": Access(GET, SECRETARIAT),
}

KWARGS = {
    "patient_pk": Kwarg("facility", own=lambda s: _patient(s, s.world.facility_a).pk,
                        sibling=lambda s: _patient(s, s.world.facility_a2).pk,
                        other=lambda s: _patient(s, s.world.facility_b).pk),
    "consent_pk": Kwarg("facility", own=lambda s: _record(s, s.world.facility_a).pk,
                        sibling=lambda s: _record(s, s.world.facility_a2).pk,
                        other=lambda s: _record_b(s).pk),
    "consent_template_pk": Kwarg("program", own=lambda s: _draft(s, s.world.program_a).pk,
                                 other=lambda s: _draft(s, s.world.program_b).pk),
    "log_user_pk": Kwarg("program", own=lambda s: s.world.coordinator_a.pk, other=lambda s: s.world.coordinator_b.pk),
}


def _ended(w):
    """A patient of program A whose care facility_a was involved in (a group member, a consent
    recorded) until the secretariat ended it: admin_a and coordinator_a must now get 404."""
    if not hasattr(w, "_consent_ended"):
        patient = PatientFactory(origin_facility=w.facility_a2)
        care_team_add(patient=patient, facility_id=w.facility_a.pk, reason=CareTeamReason.GROUP)
        record = ConsentRecordFactory(patient=patient, obtained_by=w.coordinator_a, obtainer_facility=w.facility_a)
        care_team_end_facility(patient=patient, facility=w.facility_a, by=w.secretariat_a, note="担当終了")
        w._consent_ended = (patient, record)
    return w._consent_ended


# The case "facility whose involvement ended" (tests/consent/test_walk_ended.py): every URL
# about one patient, built for a patient whose care the users' facility has left.
ENDED_PROVIDERS = {
    "patient_pk": lambda w: _ended(w)[0].pk,
    "consent_pk": lambda w: _ended(w)[1].pk,
}

