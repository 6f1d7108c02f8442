"""Consent forms as A4 PDFs: blank, prefilled for a patient, or as recorded.

Rendering goes through core.pdf (one FontConfiguration and stylesheet per process);
this module only builds the context. A recorded consent is never re-rendered: its
snapshot bytes are served (see ConsentRecord.pdf_snapshot).
"""

from django.utils import timezone

from core.pdf import render_pdf
from core.wareki import era_year, wareki

from .defaults import default_template_fields
from .models import ConsentTemplate

TEMPLATE = "consent/pdf/consent.html"
MIN_FAMILY_ROWS = 2


def current_or_default_template(program):
    """The newest published version; before any exists, the default version 1 (unsaved: reading never writes)."""
    template = ConsentTemplate.objects.published().filter(program=program).order_by("-version").first()
    if template is None:
        template = ConsentTemplate(program=program, version=1, **default_template_fields(program))
    return template


def family_rows(program, signers=()):
    rows = max(MIN_FAMILY_ROWS, program.policy.consent_min_family_signers, len(signers))
    signers = list(signers)
    return signers + [{}] * (rows - len(signers))


def family_note(program):
    minimum = program.policy.consent_min_family_signers
    if minimum:
        return f"在宅療養を支えるご家族を{minimum}名以上ご記入ください。"
    return "ご家族も同意される場合にご記入ください。"


def _blank_date():
    era, _ = era_year(timezone.localdate())
    return f"{era}　　年　　月　　日"


def _local_date(moment):
    return timezone.localdate(moment) if moment else None


def consent_context(*, program, template=None, patient=None, record=None):
    if record is not None:
        template, patient = record.template, record.patient
    template = template or current_or_default_template(program)
    form_number = template.form_number
    return {
        "program": program,
        "template": template,
        "form_number": form_number,
        "form_title": template.form_title,
        "patient": patient,
        "record": record,
        "signed_on": wareki(record.signed_on) if record else _blank_date(),
        "family": family_rows(program, record.family_signers if record else ()),
        "family_note": family_note(program),
        "custody": program.policy.consent_custody_for_patient,
        "published_on": template.published_on,
        "recorded_on": _local_date(record.recorded_at) if record else None,
    }


def consent_pdf(*, program, template=None, patient=None, record=None):
    """PDF bytes of the consent form: blank (no patient), prefilled for `patient`, or filled from `record`."""
    return render_pdf(TEMPLATE, consent_context(program=program, template=template, patient=patient, record=record))


def blank_filename(template):
    return f"{template.form_number}{template.form_title}_第{template.version}版.pdf"


def patient_filename(patient):
    # Ids, not names: downloads folders and mail attachments outlive the need to know.
    return f"同意書_患者{patient.pk}.pdf"


def record_filename(record):
    return f"同意書_患者{record.patient_id}_記録{record.pk}.pdf"
