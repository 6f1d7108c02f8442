"""One line of the ledger: the person's page, corrections, activation, removal and pledge."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from core.views import show_errors, show_repeated, show_warnings

from . import pdfs
from .access import can_manage, get_staff_for_user
from .changes import staff_details_change
from .forms import PledgeForm, RemovalForm, StaffForm
from .ledger import activation_blocks, pledge_text_for_print, staff_with_ledger
from .models import ChangeKind, StaffStatus
from .services import notice_comes_first, pledge_record, staff_activate, staff_request_removal


def staff_detail(request, staff_pk):
    staff = get_staff_for_user(request.user, staff_pk)
    person = staff_with_ledger(staff)
    pending = staff.status == StaffStatus.PENDING
    missing = activation_blocks(person, facility=staff.facility) if pending else []
    return render(
        request,
        "facilities/staff_detail.html",
        {
            "staff": person, "facility": staff.facility, "policy": staff.program.policy, "missing": missing,
            "manage": can_manage(request.user, staff.facility),
            "pledges": staff.pledges.select_related("text", "recorded_by"),
            "attendances": staff.attendances.select_related("session").order_by("-session__held_on"),
            "removal": getattr(staff, "removal", None),
            "notice_lines": staff.notice_lines.select_related("notice"),
            "history": staff.history.select_related("history_user")[:30],
        },
    )


def staff_edit(request, staff_pk):
    staff = get_staff_for_user(request.user, staff_pk, manage=True)
    if staff.status == StaffStatus.REMOVED:
        messages.error(request, "削除済の職員は変更できません。")
        return redirect("facilities:staff-detail", staff_pk=staff.pk)
    form = StaffForm(request.POST or None, program=staff.program, instance=staff)
    if request.method == "POST" and form.is_valid():
        try:
            staff_details_change(staff=staff, by=request.user, changed_on=timezone.localdate(), **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "変更しました。")
            return redirect("facilities:staff-detail", staff_pk=staff.pk)
    context = {"facility": staff.facility, "form": form, "staff": staff}
    return render(request, "facilities/staff_form.html", context)


@require_POST
def staff_activate_view(request, staff_pk):
    staff = get_staff_for_user(request.user, staff_pk, manage=True)
    try:
        staff_activate(staff=staff, by=request.user)
    except ValidationError as exc:
        show_errors(request, exc)
    else:
        messages.success(request, f"{staff.full_name}さんを利用中にしました。")
    return redirect("facilities:staff-detail", staff_pk=staff.pk)


def staff_remove_view(request, staff_pk):
    staff = get_staff_for_user(request.user, staff_pk, manage=True)
    form = RemovalForm(request.POST or None, staff=staff)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            removal = staff_request_removal(
                staff=staff, by=request.user, reason=data["reason"], effective_date=data["effective_date"],
                devices_returned=data["devices"], self_withdrawn=data["self_withdrawn"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            line = staff.notice_lines.filter(change=ChangeKind.REMOVE).select_related("notice").first()
            if removal.removed_at is None:
                messages.success(
                    request, f"{staff.full_name}さんの削除を変更届に載せました。変更届を提出すると削除が完了します。"
                )
                show_warnings(request, removal.warnings)
                return redirect("facilities:notice-detail", notice_pk=line.notice.pk)
            # What was done first, then what is left to do (a device to collect); the groups it
            # ended only when there were any.
            ended = removal.note if removal.memberships_ended else ""
            messages.success(request, f"{staff.full_name}さんを削除しました。{ended}")
            show_warnings(request, removal.warnings)
            if line is not None and line.notice.status == "draft":
                messages.info(request, "変更届に載せました。提出を忘れないでください。")
                return redirect("facilities:notice-detail", notice_pk=line.notice.pk)
            return redirect("facilities:facility-detail", facility_pk=staff.facility_id)
    return render(
        request,
        "facilities/staff_remove.html",
        {
            "staff": staff, "facility": staff.facility, "form": form, "policy": staff.program.policy,
            "notice_first": notice_comes_first(staff.program),
        },
    )


def staff_pledge(request, staff_pk):
    staff = get_staff_for_user(request.user, staff_pk, manage=True)
    policy = staff.program.policy
    form = PledgeForm(request.POST or None, policy=policy) if policy.staff_pledge_required else None
    if form is not None and request.method == "POST" and form.is_valid():
        try:
            pledge = pledge_record(staff=staff, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            if show_repeated(request, "この誓約書", pledge, pledge.recorded_at, pledge.recorded_by):
                return redirect("facilities:staff-detail", staff_pk=staff.pk)
            staff.refresh_from_db()
            done = "利用中になりました。" if staff.status == StaffStatus.ACTIVE else ""
            messages.success(request, f"誓約書を記録しました。{done}")
            return redirect("facilities:staff-detail", staff_pk=staff.pk)
    return render(
        request,
        "facilities/pledge_form.html",
        {
            "staff": staff, "facility": staff.facility, "form": form, "policy": policy,
            "pledge_form": policy.form("staff_pledge"), "text": pledge_text_for_print(staff.program),
        },
    )


def staff_pledge_pdf(request, staff_pk):
    staff = get_staff_for_user(request.user, staff_pk)
    back = reverse("facilities:staff-detail", args=[staff.pk])
    if staff.program.policy.form("staff_pledge") is None:
        messages.error(request, "このネットワークには職員ごとの誓約書の様式がありません。")
        return redirect(back)
    return pdfs.pdf_or_back(
        request, lambda: pdfs.staff_pledge_pdf(program=staff.program, staff=staff),
        f"誓約書_{staff.full_name}.pdf", back,
        names=[staff.full_name, staff.full_name_kana, staff.facility.name],
    )
