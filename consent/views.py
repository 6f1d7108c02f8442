"""Patients and their consent: thin views (scoped getter -> form -> service -> redirect/render).

Every page that shows one patient's data (the patient page and the forms about the patient,
a consent record, a PDF, a scan) appends an AccessLog row each time it is shown. Lists do
not: they show many patients at once and are reached before anyone opens a patient.
"""

from functools import partial

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from core.forms import add_service_errors
from core.pdf import JapaneseFontMissing, pdf_response, pdf_view
from core.views import show_warnings
from facilities.access import get_program_for_user, is_secretariat

from . import pdfs, services
from .access import can_act_for, can_register_in, get_consent_for_user, get_patient_for_user, log_access
from .forms import ConsentForm, PatientForm, PatientSearchForm, PatientUpdateForm, ScanForm, WithdrawForm
from .models import AccessAction, ConsentTemplate, Patient, PatientStatus

PAGE_SIZE = 50


# --- Patients ----------------------------------------------------------------------------


def patient_list(request, slug):
    program = get_program_for_user(request.user, slug)
    search = PatientSearchForm(request.GET or None)
    patients = (
        Patient.objects.visible_to(request.user).filter(program=program).with_consent_state()
        .select_related("origin_facility", "primary_doctor")
    )
    if search.is_valid():
        patients = patients.search(kana=search.cleaned_data["kana"], birth_date=search.cleaned_data["birth_date"])
    status = request.GET.get("status", "")
    if status in PatientStatus.values:
        patients = patients.filter(status=status)
    missing = request.GET.get("consent") == "missing"
    if missing:
        patients = patients.filter(has_valid_consent=False)
    page = Paginator(patients, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "consent/patient_list.html", {
        "program": program, "page": page, "search": search, "status": status, "statuses": PatientStatus.choices,
        "missing": missing,
        "can_register": can_register_in(request.user, program),
        "is_secretariat": is_secretariat(request.user, program),
    })


def patient_create(request, slug):
    program = get_program_for_user(request.user, slug)
    if not can_register_in(request.user, program):
        raise PermissionDenied
    form = PatientForm(request.POST or None, program=program)
    if request.method == "POST" and form.is_valid():
        try:
            patient = services.patient_register(program=program, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "患者を登録しました。同意書を印刷して、署名をもらってください。")
            return redirect("consent:patient-detail", patient_pk=patient.pk)
    return render(request, "consent/patient_form.html", {"program": program, "form": form})


def patient_detail(request, patient_pk):
    patient = get_patient_for_user(request.user, patient_pk)
    consents = patient.consents.defer("pdf_snapshot").select_related(
        "template", "obtained_by", "obtainer_facility", "withdrawal_received_by"
    )
    care_team = patient.care_team.select_related("facility").order_by("pk")
    log_access(request, patient, AccessAction.VIEW_PAGE)
    return render(request, "consent/patient_detail.html", {
        "patient": patient, "program": patient.program, "consents": consents, "care_team": care_team,
        "can_act": can_act_for(request.user, patient),
        "is_secretariat": is_secretariat(request.user, patient.program),
        "has_valid_consent": any(not c.is_withdrawn for c in consents),
    })


def patient_update(request, patient_pk):
    patient = get_patient_for_user(request.user, patient_pk, act=True)
    form = PatientUpdateForm(request.POST or None, instance=patient, program=patient.program)
    if request.method == "POST" and form.is_valid():
        try:
            services.patient_update(patient=patient, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "患者の情報を更新しました。")
            return redirect("consent:patient-detail", patient_pk=patient.pk)
    log_access(request, patient, AccessAction.VIEW_PAGE)  # the form shows the patient's details
    return render(request, "consent/patient_form.html", {"program": patient.program, "form": form, "patient": patient})


def patient_consent_pdf(request, patient_pk):
    """The current version of the consent form, with the patient's name and address printed in."""
    patient = get_patient_for_user(request.user, patient_pk)
    make = partial(pdfs.consent_pdf, program=patient.program, patient=patient)
    response = pdf_view(request, make, pdfs.patient_filename(patient))
    if response.status_code == 200:
        log_access(request, patient, AccessAction.VIEW_PDF)
    return response


# --- Consent records ---------------------------------------------------------------------


def consent_create(request, patient_pk):
    patient = get_patient_for_user(request.user, patient_pk, act=True)
    program = patient.program
    templates = ConsentTemplate.objects.published().filter(program=program).order_by("-version")
    facility_id = services.obtainer_facility_id(patient=patient, user=request.user)
    kept_at = next((t.facility.name for t in patient.care_team.select_related("facility")
                    if t.facility_id == facility_id), "")
    form = ConsentForm(
        request.POST or None, request.FILES or None, patient=patient, templates=templates,
        current=templates.first(), kept_at=kept_at,
    )
    if request.method == "POST" and form.is_valid():
        try:
            record = services.consent_record(patient=patient, by=request.user, **form.service_kwargs())
        except ValidationError as error:
            add_service_errors(form, error)
        except JapaneseFontMissing as error:
            form.add_error(None, str(error))
        else:
            show_warnings(request, record.warnings)
            messages.success(request, "同意を記録しました。")
            return redirect("consent:consent-detail", consent_pk=record.pk)
    log_access(request, patient, AccessAction.VIEW_PAGE)
    return render(request, "consent/consent_form.html", {
        "patient": patient, "program": program, "form": form, "policy": program.policy,
    })


def consent_detail(request, consent_pk):
    record = get_consent_for_user(request.user, consent_pk)
    log_access(request, record.patient, AccessAction.VIEW_CONSENT, consent=record)
    return render(request, "consent/consent_detail.html", {
        "record": record, "patient": record.patient, "program": record.patient.program,
        "can_act": can_act_for(request.user, record.patient), "scan_form": ScanForm(),
    })


def consent_pdf(request, consent_pk):
    """The PDF kept when the consent was recorded: the same bytes every time."""
    record = get_consent_for_user(request.user, consent_pk, with_pdf=True)
    if not record.pdf_snapshot:
        raise Http404("no PDF for a consent given before the portal")
    log_access(request, record.patient, AccessAction.VIEW_PDF, consent=record)
    response = pdf_response(bytes(record.pdf_snapshot), pdfs.record_filename(record))
    response["ETag"] = f'"{record.pdf_sha256}"'
    return response


def consent_scan(request, consent_pk):
    record = get_consent_for_user(request.user, consent_pk)
    if not record.scan:
        raise Http404("no scan attached")
    log_access(request, record.patient, AccessAction.DOWNLOAD_SCAN, consent=record)
    extension = record.scan.name.rsplit(".", 1)[-1]
    response = FileResponse(
        record.scan.open("rb"), content_type=record.scan_content_type, as_attachment=True,
        filename=f"同意書スキャン_記録{record.pk}.{extension}",
    )
    response["Cache-Control"] = "no-store"
    return response


@require_POST
def consent_scan_attach(request, consent_pk):
    record = get_consent_for_user(request.user, consent_pk, act=True)
    form = ScanForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.consent_scan_attach(record=record, by=request.user, scan=form.cleaned_data["scan"])
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, "スキャンを添付しました。")
    else:
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    return redirect("consent:consent-detail", consent_pk=record.pk)


def consent_withdraw(request, consent_pk):
    record = get_consent_for_user(request.user, consent_pk, act=True)
    if record.is_withdrawn:
        messages.info(request, "この同意はすでに撤回されています。")
        return redirect("consent:consent-detail", consent_pk=record.pk)
    form = WithdrawForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.consent_withdraw(
                record=record, by=request.user, withdrawn_on=form.cleaned_data["withdrawn_on"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "同意の撤回を記録しました。記録は撤回済みとして残ります。")
            return redirect("consent:consent-detail", consent_pk=record.pk)
    log_access(request, record.patient, AccessAction.VIEW_CONSENT, consent=record)
    return render(request, "consent/consent_withdraw.html", {
        "record": record, "patient": record.patient, "form": form,
    })
