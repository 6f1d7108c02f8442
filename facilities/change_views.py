"""Changes after approval: the facility's registered details, the lists of changes the
secretariat and the facility see, and the line-by-line correction of a change notice."""

import datetime

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from core.forms import add_service_errors
from core.views import show_errors

from .access import (
    get_facility_for_user,
    get_notice_for_user,
    get_notice_line_for_user,
    get_program_for_user,
    is_secretariat,
)
from .changes import (
    EDITABLE,
    NOT_EDITABLE,
    facility_details_change,
    notice_line_add,
    notice_line_drop,
    notice_line_update,
)
from .forms import FacilityDetailsForm, NoticeLineAddForm, NoticeLineForm
from .models import DetailsChange

# The secretariat's list goes back this far by default (older ones: the facility's own list).
RECENT_DAYS = 90


def facility_details_edit(request, facility_pk):
    facility = get_facility_for_user(request.user, facility_pk, manage=True)
    policy = facility.program.policy
    form = FacilityDetailsForm(request.POST or None, instance=facility)
    if request.method == "POST" and form.is_valid():
        try:
            facility_details_change(facility=facility, by=request.user, **form.service_kwargs())
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            if is_secretariat(request.user, facility.program):
                messages.success(request, "変更しました。事務局による変更として「登録事項の変更」に記録しました"
                                          "（施設からの変更届は要りません）。")
            elif policy.details_change_on_notice:
                notice = policy.form("change_notice")
                messages.success(request, f"変更しました。変更届（{notice.number}）に載せました。提出してください。")
            else:
                messages.success(request, "変更しました。事務局の「登録事項の変更」にも載ります。")
            return redirect("facilities:facility-detail", facility_pk=facility.pk)
    facility.refresh_from_db()  # the form wrote the typed values onto it; the page shows the stored ones
    return render(
        request, "facilities/facility_details_form.html",
        {"facility": facility, "form": form, "policy": policy,
         "is_secretariat": is_secretariat(request.user, facility.program)},
    )


def _changes(queryset):
    return queryset.select_related("facility", "staff", "recorded_by").prefetch_related("notice_lines__notice")


def facility_changes(request, facility_pk):
    facility = get_facility_for_user(request.user, facility_pk)
    changes = _changes(DetailsChange.objects.visible_to(request.user).filter(facility=facility))
    page = Paginator(changes, 50).get_page(request.GET.get("page"))
    return render(
        request, "facilities/details_changes.html",
        {"facility": facility, "program": facility.program, "page": page, "policy": facility.program.policy},
    )


def program_changes(request, slug):
    """The secretariat sees every change the facilities made, whether or not it came on a notice."""
    program = get_program_for_user(request.user, slug, secretariat=True)
    since = timezone.now() - datetime.timedelta(days=RECENT_DAYS)
    changes = DetailsChange.objects.visible_to(request.user).filter(program=program, recorded_at__gte=since)
    page = Paginator(_changes(changes), 50).get_page(request.GET.get("page"))
    return render(
        request, "facilities/details_changes.html",
        {"program": program, "page": page, "policy": program.policy, "recent_days": RECENT_DAYS},
    )


def _not_editable(request, notice):
    messages.error(request, NOT_EDITABLE)
    return redirect("facilities:notice-detail", notice_pk=notice.pk)


def notice_line_edit(request, line_pk):
    line = get_notice_line_for_user(request.user, line_pk, manage=True)
    notice = line.notice
    if notice.status not in EDITABLE:
        return _not_editable(request, notice)
    initial = {"changed_on": line.changed_on, "note": line.note}
    form = NoticeLineForm(request.POST or None, line=line, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            notice_line_update(line=line, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"{line.get_change_display()}（{line.subject}）の行を直しました。")
            return redirect("facilities:notice-detail", notice_pk=notice.pk)
    return render(
        request, "facilities/notice_line_form.html",
        {"notice": notice, "facility": notice.facility, "line": line, "form": form},
    )


def notice_line_add_view(request, notice_pk):
    notice = get_notice_for_user(request.user, notice_pk, manage=True)
    if notice.status not in EDITABLE:
        return _not_editable(request, notice)
    form = NoticeLineAddForm(request.POST or None, notice=notice)
    if request.method == "POST" and form.is_valid():
        try:
            notice_line_add(notice=notice, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "行を加えました。")
            return redirect("facilities:notice-detail", notice_pk=notice.pk)
    return render(
        request, "facilities/notice_line_form.html", {"notice": notice, "facility": notice.facility, "form": form}
    )


@require_POST
def notice_line_drop_view(request, line_pk):
    line = get_notice_line_for_user(request.user, line_pk, manage=True)
    try:
        notice_line_drop(line=line, by=request.user)
    except ValidationError as exc:
        show_errors(request, exc)
    else:
        messages.success(request, f"{line.get_change_display()}（{line.subject}）の行を変更届から外しました。")
    return redirect("facilities:notice-detail", notice_pk=line.notice_id)
