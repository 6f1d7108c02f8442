"""Re-consent: after a new version of the consent form is published, the patients whose consent
is on an older one, asked again (one request each) until a consent on the new version is recorded.

The coordinators of the patients' facilities see the open requests on their home page.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Prefetch

from core.services import save_with_history

from .models import ConsentRecord, ConsentTemplate, Patient, PatientStatus, ReconsentRequest


def current_version(program):
    return ConsentTemplate.objects.published().filter(program=program).order_by("-version").first()


def patients_on_older_versions(program, user):
    """Active patients the user may see whose valid consent is all on older versions (or from
    before the portal), each with `open_request` and `signed_versions`."""
    current = current_version(program)
    if current is None:
        return []
    valid = ConsentRecord.objects.valid().filter(patient=OuterRef("pk"))
    patients = (
        Patient.objects.visible_to(user).filter(program=program, status=PatientStatus.ACTIVE)
        .filter(Exists(valid)).exclude(Exists(valid.filter(template__version__gte=current.version)))
        .select_related("origin_facility")
        .prefetch_related(
            Prefetch("consents", queryset=ConsentRecord.objects.valid().select_related("template"), to_attr="valid"),
            Prefetch("reconsent_requests", queryset=ReconsentRequest.objects.filter(closed_at__isnull=True),
                     to_attr="open_requests"),
        )
        .order_by("kana_key", "pk")
    )
    patients = list(patients)
    for patient in patients:
        patient.open_request = patient.open_requests[0] if patient.open_requests else None
        patient.signed_versions = sorted({r.template.version for r in patient.valid if r.template})
    return patients


@transaction.atomic
def reconsent_request(*, program, by, patients):
    """Ask for each patient's consent on the version in force: one open request per patient."""
    current = current_version(program)
    if current is None:
        raise ValidationError("公開された同意書の版がありません。")
    eligible = {p.pk: p for p in patients_on_older_versions(program, by)}
    chosen = [eligible.get(p.pk) for p in patients]
    if not patients or None in chosen:
        raise ValidationError({"patients": ["古い版で同意した、療養中の患者を選んでください。"]})
    return [
        save_with_history(ReconsentRequest(patient=patient, template=current, requested_by=by), by)
        for patient in chosen if patient.open_request is None
    ]


def reconsent_close(record):
    """Close the patient's open request once a consent on its version (or later) is recorded."""
    if record.template_id is None:
        return
    for request in ReconsentRequest.objects.select_for_update().filter(
        patient=record.patient, closed_at__isnull=True, template__version__lte=record.template.version,
    ):
        request.record, request.closed_at = record, record.recorded_at
        save_with_history(request, record.obtained_by)


def open_requests_for(user, program):
    """Open requests on the patients whose consent the user may record (their coordinator's to-do)."""
    return ReconsentRequest.objects.filter(
        closed_at__isnull=True, patient__program=program, patient__in=Patient.objects.actionable_by(user),
    )
