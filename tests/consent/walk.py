"""URL kwargs of the consent app for the URL walk: objects of program B, made on first use."""

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
