"""Change notices: the facility files them, the secretariat acknowledges or asks for a correction."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, F, Prefetch
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from core.views import show_errors

from . import pdfs
from .access import (
    can_manage,
    get_facility_for_user,
    get_notice_for_user,
    get_program_for_user,
    is_secretariat,
)
from .changes import EDITABLE
from .forms import CorrectionForm, NoticeFilterForm
from .models import ChangeNotice, NoticeLine, NoticeStatus, RoleKind, role_facility_ids
from .notice_diff import notice_changes
from .services import notice_acknowledge, notice_file, notice_request_correction


def _with_lines(notices):
    lines = Prefetch("lines", queryset=NoticeLine.objects.select_related("staff"))
    notices = notices.select_related("facility", "filed_by").annotate(line_count=Count("lines"))
    return notices.prefetch_related(lines)


def notice_inbox(request, slug):
    """The secretariat's inbox of change notices, overdue ones flagged."""
    program = get_program_for_user(request.user, slug, secretariat=True)
    filters = NoticeFilterForm(request.GET or None)
    data = filters.cleaned_data if filters.is_valid() else {}
    today = timezone.localdate()
    notices = ChangeNotice.objects.visible_to(request.user).filter(program=program)
    if data.get("overdue"):
        notices = notices.overdue(today=today)
    status = data.get("status", "")
    if status in NoticeStatus.values:
        notices = notices.filter(status=status)
    elif status != "all" and not data.get("overdue"):
        notices = notices.filter(status__in=[NoticeStatus.FILED, NoticeStatus.CORRECTION])
    notices = _with_lines(notices).order_by(F("filed_at").desc(nulls_last=True), "-pk")
    page = Paginator(notices, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "facilities/notice_inbox.html",
        {
            "program": program, "policy": program.policy, "filters": filters, "page": page, "today": today,
            "form": program.policy.form("change_notice"),
        },
    )


def facility_notices(request, facility_pk):
    facility = get_facility_for_user(request.user, facility_pk)
    notices = _with_lines(ChangeNotice.objects.visible_to(request.user).filter(facility=facility)).order_by("-pk")
    page = Paginator(notices, 30).get_page(request.GET.get("page"))
    return render(
        request,
        "facilities/notice_list.html",
        {
            "facility": facility, "policy": facility.program.policy, "page": page,
            "today": timezone.localdate(), "form": facility.program.policy.form("change_notice"),
        },
    )


def notice_detail(request, notice_pk):
    notice = get_notice_for_user(request.user, notice_pk)
    lines = list(notice.lines.select_related("staff", "staff__removal", "record"))
    compared_with, diff = notice_changes(notice, lines)
    return render(
        request,
        "facilities/notice_detail.html",
        {
            "notice": notice, "facility": notice.facility, "policy": notice.program.policy,
            "form": notice.program.policy.form("change_notice"),
            "lines": lines, "editable": notice.status in EDITABLE, "compared_with": compared_with, "diff": diff,
            "manage": can_manage(request.user, notice.facility),
            # Filing is the facility's act: the secretariat may correct a draft, not send it to itself.
            "files": notice.facility_id in role_facility_ids(request.user, RoleKind.FACILITY_ADMIN),
            "secretariat": is_secretariat(request.user, notice.program),
            "correction_form": CorrectionForm(), "today": timezone.localdate(),
        },
    )


def notice_pdf(request, notice_pk):
    notice = get_notice_for_user(request.user, notice_pk)
    back = reverse("facilities:notice-detail", args=[notice.pk])
    form = notice.program.policy.form("change_notice")
    if form is None:
        messages.error(request, "このネットワークには変更届の様式がありません。")
        return redirect(back)
    names = [notice.facility.name]
    for line in notice.lines.select_related("staff", "record"):
        if line.staff_id:
            names += [line.staff.full_name, line.staff.full_name_kana]
        names += [line.note, line.record.summary if line.record_id else ""]
    return pdfs.pdf_or_back(
        request, lambda: pdfs.change_notice_pdf(program=notice.program, notice=notice),
        f"{form.title}_{notice.facility.name}.pdf", back, names=names,
    )


def _act(request, notice, action, success, **kwargs):
    try:
        action(notice=notice, by=request.user, **kwargs)
    except ValidationError as exc:
        show_errors(request, exc)
    else:
        messages.success(request, success)
    return redirect("facilities:notice-detail", notice_pk=notice.pk)


@require_POST
def notice_file_view(request, notice_pk):
    notice = get_notice_for_user(request.user, notice_pk, manage=True)
    return _act(request, notice, notice_file, f"{notice.program.secretariat_name}へ提出しました。")


@require_POST
def notice_acknowledge_view(request, notice_pk):
    notice = get_notice_for_user(request.user, notice_pk, secretariat=True)
    return _act(request, notice, notice_acknowledge, "確認済みにしました。施設に知らせます。")


@require_POST
def notice_request_correction_view(request, notice_pk):
    notice = get_notice_for_user(request.user, notice_pk, secretariat=True)
    form = CorrectionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "直してほしいところを書いてください。")
        return redirect("facilities:notice-detail", notice_pk=notice.pk)
    return _act(
        request, notice, notice_request_correction, "差戻しました。施設に知らせます。", comment=form.cleaned_data["comment"]
    )
