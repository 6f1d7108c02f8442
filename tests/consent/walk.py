"""URL kwargs of the consent app for the URL walk: objects of program B, made on first use."""

from consent.care import care_team_add, care_team_end_facility
from consent.models import CareTeamReason
from tests.consent.factories import ConsentRecordFactory, ConsentTemplateFactory, PatientFactory


def _patient_b(w):
    if not hasattr(w, "_consent_patient_b"):
        w._consent_patient_b = PatientFactory(origin_facility=w.facility_b)
    return w._consent_patient_b


def _record_b(w):
    if not hasattr(w, "_consent_record_b"):
        w._consent_record_b = ConsentRecordFactory(patient=_patient_b(w), obtained_by=w.coordinator_b)
    return w._consent_record_b


def _draft_b(w):
    if not hasattr(w, "_consent_draft_b"):
        # A draft: the most an outsider could try to change or publish.
        w._consent_draft_b = ConsentTemplateFactory(program=w.program_b, published_at=None)
    return w._consent_draft_b


PROVIDERS = {
    "patient_pk": lambda w: _patient_b(w).pk,
    "consent_pk": lambda w: _record_b(w).pk,
    "consent_template_pk": lambda w: _draft_b(w).pk,
    "log_user_pk": lambda w: w.coordinator_b.pk,
}

PUBLIC = {}


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


# --- The role walk (tests/security/roles.py): URLs added after its own table ------------------

MATRIX = {
    # The secretariat ends a facility's involvement from the patient page (POST only).
    "consent:care-team-end": ("POST", frozenset({"secretariat"})),
}
