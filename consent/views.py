"""Patients and their consent: thin views (scoped getter -> form -> service -> redirect/render).

Every page that shows one patient's data (the patient page and the forms about the patient,
a consent record, a PDF, a scan) appends an AccessLog row each time it is shown. Lists do
not: they show many patients at once and are reached before anyone opens a patient.
"""

from functools import partial

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from core.forms import add_service_errors
from core.pdf import JapaneseFontMissing, pdf_response, pdf_view
from core.services import when_and_who
from core.uploads import upload_limit
from core.views import private_search, show_errors, show_repeated, show_warnings
from facilities.access import get_program_for_user, is_secretariat

from . import care, hooks, pdfs, scans, services
from .access import (
    can_act_for,
    can_register_in,
    get_consent_for_user,
    get_patient_for_user,
    log_access,
    log_access_many,
)
from .forms import (
    CareTeamEndForm,
    ConsentForm,
    PatientForm,
    PatientSearchForm,
    PatientUpdateForm,
    ScanForm,
    WithdrawForm,
)
from .models import AccessAction, AccessLog, ConsentTemplate, ErasureRecord, Patient, PatientStatus

PAGE_SIZE = 50
CHANGES_SHOWN = 20

# ?consent= on the patient list: which consent state to show.
CONSENT_FILTERS = {
    "valid": {"has_valid_consent": True},
    "missing": {"has_valid_consent": False, "has_withdrawn_consent": False},
    "withdrawn": {"has_valid_consent": False, "has_withdrawn_consent": True},
}


def _request_origin(request):
    return {"ip": request.META.get("REMOTE_ADDR"), "user_agent": request.META.get("HTTP_USER_AGENT", "")}


def _sharing_message(count):
    """What recording a withdrawal or the end of care planned in MCS (groups' stop_sharing receiver)."""
    if not count:
        return ""
    return f"MCSでの作業を{count}件作りました（グループの保管・情報共有の停止）。「MCSでの作業」から進めてください。"


def _care_ended_message(patient):
    """The patient left 療養中: the group members' facilities no longer see them."""
    return (
        f"患者が「{patient.get_status_display()}」になったため、グループのメンバーとして関わっていた"
        f"{patient.care_team_ended}事業所からは、この患者が見えなくなりました。"
    )


def endable_facilities(patient, care_team):
    """Facilities the secretariat may end on the patient page: current, and not the 連携元・主治医・
    リーダー's (those change with the patient's details). `care_team`: the rows, with facility."""
    keep = set(patient.involved_facility_ids())
    found = {m.facility_id: m.facility for m in care_team if m.ended_at is None and m.facility_id not in keep}
    return list(found.values())


def erasure_of(patient):
    """The patient's ErasureRecord or None (get_patient_for_user loads it with the patient)."""
    return getattr(patient, "erasure", None)


# --- Patients ----------------------------------------------------------------------------


def patient_list(request, slug):
    program = get_program_for_user(request.user, slug)
    response, query = private_search(request, ("kana", "birth_date"))
    if response:
        return response
    search = PatientSearchForm(query or None)
    patients = (
        Patient.objects.visible_to(request.user).filter(program=program).with_consent_state()
        .annotate(is_erased=Exists(ErasureRecord.objects.filter(patient=OuterRef("pk"))))
        .select_related("origin_facility", "primary_doctor")
        .order_by("kana_key", "birth_date", "pk")  # the index patient_prog_kana_page; pk: stable pages
    )
    if search.is_valid():
        patients = patients.search(kana=search.cleaned_data["kana"], birth_date=search.cleaned_data["birth_date"])
    status = query.get("status", "")
    if status in PatientStatus.values:
        patients = patients.filter(status=status)
    consent = query.get("consent", "")
    if consent in CONSENT_FILTERS:
        patients = patients.filter(**CONSENT_FILTERS[consent])
    page = Paginator(patients, PAGE_SIZE).get_page(request.GET.get("page"))
    log_access_many(request, [p.pk for p in page.object_list])
    return render(request, "consent/patient_list.html", {
        "program": program, "page": page, "search": search, "status": status, "statuses": PatientStatus.choices,
        "consent": consent,
        "consent_states": (("valid", "同意あり"), ("missing", "同意が未記録"), ("withdrawn", "同意撤回")),
        "can_register": can_register_in(request.user, program),
        "is_secretariat": is_secretariat(request.user, program),
    })


def patient_create(request, slug):
    program = get_program_for_user(request.user, slug)
    if not can_register_in(request.user, program):
        raise PermissionDenied
    form = PatientForm(request.POST or None, program=program)
    duplicate = None
    if request.method == "POST" and form.is_valid():
        try:
            patient = services.patient_register(program=program, by=request.user, **form.cleaned_data)
        except services.PossibleDuplicate as error:
            # Its own section on the page (the records the user may see, or whom to ask); what
            # was typed stays in the form.
            duplicate = error
            if form.as_distinct:
                form.add_error("distinct_reason", "別の人として登録する理由を入力してください。")
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "患者を登録しました。同意書を印刷して、署名をもらってください。")
            return redirect("consent:patient-detail", patient_pk=patient.pk)
    return render(request, "consent/patient_form.html", {
        "program": program, "form": form, "duplicate": duplicate,
        "duplicates": Patient.objects.filter(pk__in=[p.pk for p in duplicate.visible]).select_related(
            "origin_facility"
        ) if duplicate else [],
    })


def patient_detail(request, patient_pk):
    patient = get_patient_for_user(request.user, patient_pk)
    consents = list(patient.consents.defer("pdf_snapshot").select_related(
        "template", "obtained_by", "obtainer_facility", "withdrawal_received_by"
    ))
    # Current involvement first, then what ended, latest first: the history stays visible.
    care_team = list(patient.care_team.select_related("facility", "added_by", "ended_by").order_by(
        "-ended_at", "facility__name", "pk"
    ))
    changes = AccessLog.objects.filter(patient=patient, action=AccessAction.CHANGE).select_related("user")
    secretariat = is_secretariat(request.user, patient.program)
    erasure = erasure_of(patient)
    log_access(request, patient, AccessAction.VIEW_PAGE)
    has_valid = any(not c.is_withdrawn for c in consents)
    current_ids = {m.facility_id for m in care_team if m.ended_at is None}
    endable = endable_facilities(patient, care_team) if secretariat and erasure is None else []
    return render(request, "consent/patient_detail.html", {
        "patient": patient, "program": patient.program, "consents": consents, "care_team": care_team,
        "changes": changes[:CHANGES_SHOWN], "can_act": can_act_for(request.user, patient, current_facility_ids=current_ids) and erasure is None,
        "is_secretariat": secretariat, "erasure": erasure,
        "has_valid_consent": has_valid, "consent_withdrawn": not has_valid and bool(consents),
        "end_form": CareTeamEndForm(facilities=endable) if endable else None,
        "links": [link for links in hooks.patient_links.call(patient=patient, user=request.user) for link in links],
    })


@require_POST
def care_team_end(request, patient_pk):
    """The secretariat ends a facility's involvement: its users lose the patient (404) from now on."""
    patient = get_patient_for_user(request.user, patient_pk, secretariat=True)
    care_team = patient.care_team.current().select_related("facility")
    form = CareTeamEndForm(request.POST, facilities=endable_facilities(patient, care_team))
    if form.is_valid():
        facility = form.cleaned_data["facility"]
        try:
            care.care_team_end_facility(patient=patient, facility=facility, by=request.user,
                                        note=form.cleaned_data["note"])
        except ValidationError as error:
            show_errors(request, error)
        else:
            messages.success(request, f"{facility.name}の関わりを終えました。この事業所からはこの患者が見えなくなります。")
    else:
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    return redirect("consent:patient-detail", patient_pk=patient.pk)


def patient_update(request, patient_pk):
    patient = get_patient_for_user(request.user, patient_pk, act=True)
    if erasure_of(patient):
        messages.info(request, "この患者の個人情報は消去されています。変更できません。")
        return redirect("consent:patient-detail", patient_pk=patient.pk)
    form = PatientUpdateForm(request.POST or None, instance=patient, program=patient.program)
    if request.method == "POST" and form.is_valid():
        try:
            updated = services.patient_update(
                patient=patient, by=request.user, **_request_origin(request), **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "患者の情報を更新しました。")
            if getattr(updated, "care_team_ended", 0):
                messages.info(request, _care_ended_message(updated))
            if getattr(updated, "sharing_tasks", 0):
                messages.warning(request, _sharing_message(updated.sharing_tasks))
            if not Patient.objects.visible_to(request.user).filter(pk=patient.pk).exists():
                # A group member recorded the end of care: their own facility no longer sees the patient.
                return redirect("consent:patient-list", slug=patient.program.slug)
            return redirect("consent:patient-detail", patient_pk=patient.pk)
    log_access(request, patient, AccessAction.VIEW_PAGE)  # the form shows the patient's details
    return render(request, "consent/patient_form.html", {"program": patient.program, "form": form, "patient": patient})


def patient_consent_pdf(request, patient_pk):
    """The current version of the consent form, with the patient's name and address printed in."""
    patient = get_patient_for_user(request.user, patient_pk)
    if erasure_of(patient):
        raise Http404("the patient's name and address were erased: nothing to print")
    make = partial(pdfs.consent_pdf, program=patient.program, patient=patient)
    response = pdf_view(request, make, pdfs.patient_filename(patient))
    if response.status_code == 200:
        log_access(request, patient, AccessAction.VIEW_PDF)
    return response


# --- Consent records ---------------------------------------------------------------------


@upload_limit(scans.MAX_SCAN_BYTES)
def consent_create(request, patient_pk):
    patient = get_patient_for_user(request.user, patient_pk, act=True)
    if erasure_of(patient):
        messages.info(request, "この患者の個人情報は消去されています。同意は記録できません。")
        return redirect("consent:patient-detail", patient_pk=patient.pk)
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
            if not show_repeated(request, "この同意", record, record.recorded_at, record.obtained_by):
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


@upload_limit(scans.MAX_SCAN_BYTES)
@require_POST
def consent_scan_attach(request, consent_pk):
    record = get_consent_for_user(request.user, consent_pk, act=True)
    form = ScanForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.consent_scan_attach(record=record, by=request.user, scan=form.cleaned_data["scan"])
        except ValidationError as error:
            show_errors(request, error)
        else:
            messages.success(request, "スキャンを添付しました。")
    else:
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    return redirect("consent:consent-detail", consent_pk=record.pk)


def consent_withdraw(request, consent_pk):
    record = get_consent_for_user(request.user, consent_pk, act=True)
    if record.is_withdrawn:
        messages.info(request, f"この同意は{when_and_who(record.withdrawn_on, record.withdrawal_received_by)}"
                               "撤回を受け付けています。")
        return redirect("consent:consent-detail", consent_pk=record.pk)
    form = WithdrawForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            withdrawn = services.consent_withdraw(
                record=record, by=request.user, withdrawn_on=form.cleaned_data["withdrawn_on"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "同意の撤回を記録しました。記録は撤回済みとして残ります。")
            if withdrawn.sharing_tasks:
                messages.warning(request, _sharing_message(withdrawn.sharing_tasks))
            return redirect("consent:consent-detail", consent_pk=record.pk)
    log_access(request, record.patient, AccessAction.VIEW_CONSENT, consent=record)
    return render(request, "consent/consent_withdraw.html", {
        "record": record, "patient": record.patient, "form": form,
    })
