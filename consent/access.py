"""Scoped getters of the consent app: outsiders get 404, insiders without the needed role 403; and
the access log every page showing a patient's data writes."""

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from facilities.access import is_secretariat
from facilities.models import Facility, Program, role_facility_ids

from . import services
from .care import is_involved
from .models import AccessAction, ConsentRecord, ConsentTemplate, Patient


def can_act_for(user, patient, *, current_facility_ids=None):
    """Record consent, edit the patient: a facility role at a facility involved in the patient's care now.
    `current_facility_ids`: the involved facilities when the page has loaded them already."""
    if current_facility_ids is not None:
        return bool(set(current_facility_ids) & role_facility_ids(user))
    return is_involved(user, patient)


def can_register_in(user, program):
    return Facility.objects.filter(program=program, pk__in=role_facility_ids(user)).exists()


def get_patient_for_user(user, patient_pk, *, act=False, secretariat=False):
    patient = get_object_or_404(
        # The erasure too (None when there is none), so pages can say 「（消去済み）」 at no extra query.
        Patient.objects.visible_to(user).select_related(
            "program", "origin_facility", "primary_doctor__facility", "group_leader__facility",
            "erasure__erased_by",
        ),
        pk=patient_pk,
    )
    if act and not can_act_for(user, patient):
        raise PermissionDenied
    if secretariat and not is_secretariat(user, patient.program):
        raise PermissionDenied
    return patient


def get_consent_for_user(user, consent_pk, *, act=False, with_pdf=False):
    records = ConsentRecord.objects.visible_to(user).select_related(
        "patient__program", "patient__origin_facility", "patient__primary_doctor", "template", "obtained_by",
        "obtainer_facility", "withdrawal_received_by",
    )
    if not with_pdf:
        records = records.defer("pdf_snapshot")
    record = get_object_or_404(records, pk=consent_pk)
    if act and not can_act_for(user, record.patient):
        raise PermissionDenied
    return record


def get_template_for_user(user, template_pk, *, secretariat=False):
    template = get_object_or_404(
        ConsentTemplate.objects.filter(program__in=Program.objects.visible_to(user)).select_related(
            "program", "published_by"
        ),
        pk=template_pk,
    )
    if secretariat and not is_secretariat(user, template.program):
        raise PermissionDenied
    return template


def log_access_many(request, patient_ids, action=AccessAction.VIEW_LIST):
    """Record that this request showed these patients (by name) in a list, a dashboard or a group's page."""
    services.access_log_append_many(
        user=request.user, patient_ids=patient_ids, action=action,
        ip=request.META.get("REMOTE_ADDR"), user_agent=request.META.get("HTTP_USER_AGENT", ""),
    )


def log_access(request, patient, action, consent=None):
    """Record that this request showed the patient's data (services.access_log_append)."""
    services.access_log_append(
        user=request.user, patient=patient, action=action, consent=consent,
        ip=request.META.get("REMOTE_ADDR"), user_agent=request.META.get("HTTP_USER_AGENT", ""),
    )
