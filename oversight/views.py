"""Incident reports, guidance and notices: thin views (scoped getter -> form -> service -> redirect)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Exists, OuterRef, Q
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from core.csv import csv_response
from core.forms import add_service_errors
from core.pdf import pdf_view
from core.views import show_repeated
from facilities.access import get_program_for_user, is_secretariat
from facilities.models import Role, RoleKind, role_facility_ids

from . import reports, services
from .access import (
    administers_in,
    can_work_incident,
    get_guidance_for_user,
    get_incident_for_user,
    get_notice_for_user,
    notice_facilities_of,
)
from .forms import (
    ActionForm,
    AssessForm,
    CloseForm,
    GuidanceForm,
    IncidentFilterForm,
    IncidentForm,
    NoticeForm,
    ReopenForm,
    StepForm,
    facilities_for,
)
from .models import AdminNotice, Guidance, Incident, IncidentKind, IncidentStatus, NoticeRecipient
from .pdfs import incident_report_filename, incident_report_pdf

PAGE_SIZE = 50
PPC_NOTE = (
    "個人情報保護委員会への報告（速報・確報）と本人への通知は、施設（個人情報を取り扱う事業者）が行います。"
    "このポータルは期限と実施日を記録するだけで、委員会には何も送りません。"
)


# --- Trouble and incident reports ----------------------------------------------------------


def _filtered(incidents, form, today):
    show = form.cleaned_data.get("show") or "open"
    incidents = {
        "open": lambda qs: qs.open(),
        "overdue": lambda qs: qs.overdue(today=today),
        "soon": lambda qs: qs.due_soon(today=today),
        "closed": lambda qs: qs.filter(status=IncidentStatus.CLOSED),
        "all": lambda qs: qs,
    }[show](incidents)
    if form.cleaned_data.get("kind"):
        incidents = incidents.filter(kind=form.cleaned_data["kind"])
    if form.cleaned_data.get("facility"):
        incidents = incidents.filter(facility_id=form.cleaned_data["facility"])
    return show, incidents


def incident_list(request, slug):
    program = get_program_for_user(request.user, slug)
    today = timezone.localdate()
    form = IncidentFilterForm(request.GET)
    form.is_valid()
    base = Incident.objects.visible_to(request.user).filter(program=program)
    show, incidents = _filtered(base, form, today)
    incidents = incidents.select_related("program", "facility").order_by("-discovered_on", "-pk")
    page = Paginator(incidents, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [(incident, incident.steps(today)) for incident in page]
    return render(request, "oversight/incident_list.html", {
        "program": program, "page": page, "rows": rows, "shown": show, "filters": IncidentFilterForm.SHOW,
        "kind": form.cleaned_data.get("kind") or "", "kinds": IncidentKind.choices,
        "is_secretariat": is_secretariat(request.user, program), "ppc_note": PPC_NOTE,
    })


def incident_create(request, slug):
    program = get_program_for_user(request.user, slug)
    if not facilities_for(request.user, program).exists():
        raise PermissionDenied
    form = IncidentForm(request.POST or None, program=program, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            incident = services.incident_report(program=program, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if not show_repeated(request, f"この報告（受付番号 {incident.number}）", incident, incident.created_at,
                                 incident.reported_by):
                messages.success(request, f"報告を受け付けました（受付番号 {incident.number}）。施設の管理者と事務局に連絡しました。")
            return redirect("oversight:incident-detail", incident_pk=incident.pk)
    return render(request, "oversight/incident_form.html", {"program": program, "form": form, "ppc_note": PPC_NOTE})


def incident_summary(request, slug):
    program = get_program_for_user(request.user, slug, secretariat=True)
    totals, by_facility, by_kind = reports.counts(
        Incident.objects.filter(program=program), today=timezone.localdate()
    )
    return render(request, "oversight/incident_summary.html", {
        "program": program, "totals": totals, "by_facility": by_facility, "by_kind": by_kind, "ppc_note": PPC_NOTE,
    })


def incident_csv(request, slug):
    program = get_program_for_user(request.user, slug, secretariat=True)
    rows = reports.csv_rows(Incident.objects.filter(program=program))
    return csv_response(reports.CSV_HEADER, rows, f"トラブル報告_{program.slug}_{timezone.localdate():%Y%m%d}.csv")


def incident_detail(request, incident_pk):
    incident = get_incident_for_user(request.user, incident_pk)
    today = timezone.localdate()
    can_work = can_work_incident(request.user, incident)
    return render(request, "oversight/incident_detail.html", {
        "incident": incident, "program": incident.program, "steps": incident.steps(today),
        "actions": incident.actions.select_related("by"), "can_work": can_work,
        "program_secretariat": is_secretariat(request.user, incident.program),
        "guidance": Guidance.objects.for_admin(request.user).filter(incident=incident).select_related(
            "facility", "staff") if can_work else (),
        "ppc_note": PPC_NOTE,
    })


def _incident_form(request, incident, form, act, *, title, submit, note="", success, danger=False):
    if request.method == "POST" and form.is_valid():
        try:
            done = act(form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if getattr(done, "repeated", False):  # an action log line sent twice
                show_repeated(request, "この対応", done, done.at, done.by)
            else:
                messages.success(request, success)
            return redirect("oversight:incident-detail", incident_pk=incident.pk)
    return render(request, "oversight/incident_form_page.html", {
        "incident": incident, "program": incident.program, "form": form, "title": title, "submit": submit,
        "note": note, "danger": danger,
    })


def incident_action(request, incident_pk):
    incident = get_incident_for_user(request.user, incident_pk, work=True)
    form = ActionForm(request.POST or None)
    return _incident_form(
        request, incident, form,
        lambda data: services.incident_action_add(incident=incident, by=request.user, **data),
        title="対応を記録する", submit="記録する", success="対応を記録しました。",
    )


def incident_step(request, incident_pk):
    incident = get_incident_for_user(request.user, incident_pk, work=True)
    form = StepForm(request.POST or None, incident=incident)
    return _incident_form(
        request, incident, form,
        lambda data: services.incident_step_done(incident=incident, by=request.user, **data),
        title="報告・通知をした日を記録する", submit="記録する", note=PPC_NOTE, success="実施日を記録しました。",
    )


def incident_assess(request, incident_pk):
    incident = get_incident_for_user(request.user, incident_pk, work=True)
    form = AssessForm(request.POST or None, instance=incident)

    def act(data):
        services.incident_assess(incident=incident, by=request.user, note=data["note"], **form.service_kwargs())

    return _incident_form(
        request, incident, form, act, title="報告内容・報告の要否を見直す", submit="保存する",
        note="個人情報保護委員会の報告様式の項目です。分かったことから書き足してください。" + PPC_NOTE,
        success="報告内容を保存しました。",
    )


def incident_close(request, incident_pk):
    incident = get_incident_for_user(request.user, incident_pk, work=True)
    form = CloseForm(request.POST or None)
    return _incident_form(
        request, incident, form,
        lambda data: services.incident_close(incident=incident, by=request.user, **data),
        title="対応を完了にする", submit="完了にする", success="報告を完了にしました。施設の管理者と事務局に連絡しました。",
    )


def incident_reopen(request, incident_pk):
    incident = get_incident_for_user(request.user, incident_pk, work=True)
    form = ReopenForm(request.POST or None)
    return _incident_form(
        request, incident, form,
        lambda data: services.incident_reopen(incident=incident, by=request.user, **data),
        title="報告を再開する", submit="再開する", success="報告を再開しました。",
    )


def incident_pdf(request, incident_pk):
    incident = get_incident_for_user(request.user, incident_pk, work=True)
    return pdf_view(request, lambda: incident_report_pdf(incident), incident_report_filename(incident))


# --- Guidance and restriction -------------------------------------------------------------


def guidance_list(request, slug):
    program = get_program_for_user(request.user, slug)
    if not administers_in(request.user, program):
        raise PermissionDenied
    guidance = Guidance.objects.for_admin(request.user).filter(program=program).select_related("facility", "staff", "incident__program").order_by("-given_on", "-pk")
    page = Paginator(guidance, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "oversight/guidance_list.html", {
        "program": program, "page": page, "is_secretariat": is_secretariat(request.user, program),
        "policy": program.policy,
    })


def guidance_create(request, slug):
    program = get_program_for_user(request.user, slug, secretariat=True)
    initial = {"given_on": timezone.localdate()}
    incident_pk = request.GET.get("incident", "")
    if incident_pk.isdigit():
        incident = Incident.objects.filter(program=program, pk=int(incident_pk)).select_related("facility").first()
        if incident is not None:
            initial.update(incident=incident, facility=incident.facility)
    form = GuidanceForm(request.POST or None, program=program, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            guidance = services.guidance_record(program=program, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if not show_repeated(request, f"この{guidance.get_kind_display()}", guidance, guidance.created_at,
                                 guidance.recorded_by):
                messages.success(request, f"{guidance.get_kind_display()}を記録しました。施設の管理者に知らせました。")
            return redirect("oversight:guidance-detail", guidance_pk=guidance.pk)
    return render(request, "oversight/guidance_form.html", {"program": program, "form": form})


def guidance_detail(request, guidance_pk):
    guidance = get_guidance_for_user(request.user, guidance_pk)
    return render(request, "oversight/guidance_detail.html", {
        "guidance": guidance, "program": guidance.program,
        "can_see_incident": guidance.incident is not None
        and Incident.objects.visible_to(request.user).filter(pk=guidance.incident_id).exists(),
    })


# --- Notices to facility administrators ---------------------------------------------------


def notice_list(request, slug):
    program = get_program_for_user(request.user, slug)
    if not administers_in(request.user, program):
        raise PermissionDenied
    secretariat = is_secretariat(request.user, program)
    notices = AdminNotice.objects.filter(program=program)
    mine = role_facility_ids(request.user, RoleKind.FACILITY_ADMIN)
    if secretariat:
        notices = notices.annotate(
            addressed=Count("recipients"), read=Count("recipients", filter=Q(recipients__read_at__isnull=False))
        )
    else:
        notices = notices.filter(
            Exists(NoticeRecipient.objects.filter(notice=OuterRef("pk"), facility_id__in=mine))
        ).annotate(unread_mine=Count("recipients", filter=Q(recipients__facility_id__in=mine,
                                                            recipients__read_at__isnull=True)))
    page = Paginator(notices.select_related("sent_by").order_by("-sent_at", "-pk"), PAGE_SIZE).get_page(
        request.GET.get("page"))
    return render(request, "oversight/notice_list.html", {
        "program": program, "page": page, "is_secretariat": secretariat, "policy": program.policy,
    })


def notice_create(request, slug):
    program = get_program_for_user(request.user, slug, secretariat=True)
    form = NoticeForm(request.POST or None, program=program)
    if request.method == "POST" and form.is_valid():
        try:
            notice = services.notice_send(program=program, by=request.user, **form.service_kwargs())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if not show_repeated(request, "このお知らせ", notice, notice.sent_at, notice.sent_by):
                messages.success(request, f"お知らせを{notice.recipients.count()}施設の管理者に送りました。")
            return redirect("oversight:notice-detail", admin_notice_pk=notice.pk)
    return render(request, "oversight/notice_form.html", {"program": program, "form": form})


def notice_detail(request, admin_notice_pk):
    notice = get_notice_for_user(request.user, admin_notice_pk)
    secretariat = is_secretariat(request.user, notice.program)
    recipients, admins = [], {}
    if secretariat:
        recipients = list(notice.recipients.select_related("facility", "read_by"))
        unread = [r.facility_id for r in recipients if r.read_at is None]
        for role in Role.objects.active().filter(kind=RoleKind.FACILITY_ADMIN, facility_id__in=unread).select_related(
                "user").order_by("user__full_name_kana"):
            admins.setdefault(role.facility_id, []).append(role.user.full_name)
    mine = notice.recipients.filter(facility_id__in=notice_facilities_of(request.user, notice)).select_related(
        "facility", "read_by")
    return render(request, "oversight/notice_detail.html", {
        "notice": notice, "program": notice.program, "is_secretariat": secretariat, "mine": mine,
        "to_confirm": any(r.read_at is None for r in mine),
        "read": [r for r in recipients if r.read_at], "unread": [(r, admins.get(r.facility_id, [])) for r in recipients
                                                                 if r.read_at is None],
    })


@require_POST
def notice_confirm(request, admin_notice_pk):
    notice = get_notice_for_user(request.user, admin_notice_pk, confirm=True)
    if services.notice_confirm_read(notice=notice, by=request.user):
        messages.success(request, "確認したことを事務局に伝えました。")
    return redirect("oversight:notice-detail", admin_notice_pk=notice.pk)


def admin_roster_csv(request, slug):
    """Every current MCS管理者 of the facilities in use: the membership the MCS group of the
    facility administrators' network (施設管理者連絡網) should have."""
    program = get_program_for_user(request.user, slug, secretariat=True)
    roles = (
        Role.objects.active().filter(kind=RoleKind.FACILITY_ADMIN, program=program, facility__status="active")
        .select_related("facility", "user").order_by("facility__number", "user__full_name_kana")
    )
    rows = ((r.facility.number, r.facility.name, r.user.full_name, r.user.email) for r in roles.iterator(chunk_size=500))
    return csv_response(("施設番号", "施設", "管理者", "メールアドレス"), rows,
                        f"施設管理者名簿_{program.slug}_{timezone.localdate():%Y%m%d}.csv")
