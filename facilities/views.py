"""Programs, facilities and the facility's 管理台帳 (ledger, its CSV and PDF, training records)."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from core.forms import add_service_errors
from core.jobs import prepare_file
from core.models import PreparedFile
from core.views import prepared_file_page, show_repeated

from . import pdfs, tasks
from .access import can_manage, get_facility_for_user, get_program_for_user, is_secretariat
from .exports import ledger_csv_response, program_staff_csv_response
from .forms import LedgerFilterForm, ProgramSettingsForm, StaffForm, TrainingForm
from .ledger import ledger_staff, mark_missing
from .life_models import Suspension
from .models import (
    Attendance,
    ChangeNotice,
    Facility,
    FacilityKind,
    FacilityStatus,
    NoticeStatus,
    Program,
    Staff,
    TrainingSession,
)
from .services import one_line_ending, program_settings_update, staff_add, training_record

SETTINGS_HISTORY_SIZE = 30


def program_detail(request, slug):
    program = get_program_for_user(request.user, slug)
    secretariat = is_secretariat(request.user, program)
    public = {}
    if secretariat:  # the addresses it gives out: whole, to copy into a letter or a web page
        public["apply_url"] = request.build_absolute_uri(reverse("enrollment:apply", args=[program.slug]))
        if program.policy.publishes_facility_list:
            public["list_url"] = request.build_absolute_uri(
                reverse("enrollment:public-facilities", args=[program.slug])
            )
    return render(
        request,
        "facilities/program_detail.html",
        {"program": program, "policy": program.policy, "is_secretariat": secretariat, **public},
    )


def _setting_value(value):
    if isinstance(value, list):
        return "、".join(value) or "（なし）"
    if isinstance(value, bool):
        return "はい" if value else "いいえ"
    return value if value not in ("", None) else "（なし）"


def settings_history(program):
    """The latest changes to the program's settings, newest first: when, who, and each field's
    value before and after (one query for the history rows)."""
    fields = list(ProgramSettingsForm.Meta.fields)
    records = list(
        program.history.select_related("history_user").order_by("-history_date", "-history_id")[
            : SETTINGS_HISTORY_SIZE + 1
        ]
    )
    entries = []
    for i, record in enumerate(records[:SETTINGS_HISTORY_SIZE]):
        before = records[i + 1] if i + 1 < len(records) else None
        if before is None:  # the program's first row: it was set up
            entries.append({"record": record, "changes": None})
            continue
        changes = [
            {
                "label": Program._meta.get_field(c.field).verbose_name,
                "old": _setting_value(c.old), "new": _setting_value(c.new),
            }
            for c in record.diff_against(before, included_fields=fields).changes
            # Saved before line endings were normalised: the same text, not a change.
            if one_line_ending(c.old) != one_line_ending(c.new)
        ]
        if changes:  # rows that changed something else (運用中) are not settings
            entries.append({"record": record, "changes": changes})
    return entries


def program_settings(request, slug):
    """The secretariat's settings of its program, with the history of every change."""
    program = get_program_for_user(request.user, slug, secretariat=True)
    form = ProgramSettingsForm(request.POST or None, instance=program)
    if request.method == "POST" and form.is_valid():
        try:
            changed = program_settings_update(
                program=program, by=request.user, **{name: form.cleaned_data[name] for name in form.fields}
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            if changed:
                messages.success(request, "設定を保存しました。変更は下の履歴に残ります。")
            else:
                messages.info(request, "変更はありませんでした。")
            return redirect("facilities:program-settings", slug=program.slug)
    return render(
        request, "facilities/program_settings.html",
        {"program": program, "policy": program.policy, "form": form, "history": settings_history(program)},
    )


def facility_list(request, slug):
    program = get_program_for_user(request.user, slug, secretariat=True)
    facilities = Facility.objects.visible_to(request.user).filter(program=program).order_by("number")
    status = request.GET.get("status", "")
    kind = request.GET.get("kind", "")
    q = request.GET.get("q", "").strip()
    if status in FacilityStatus.values:
        facilities = facilities.filter(status=status)
    if kind in FacilityKind.values:
        facilities = facilities.filter(kind=kind)
    if q:
        facilities = facilities.filter(name__icontains=q) | facilities.filter(name_kana__icontains=q)
    page = Paginator(facilities, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "facilities/facility_list.html",
        {
            "program": program, "page": page, "statuses": FacilityStatus.choices, "kinds": FacilityKind.choices,
            "status": status, "kind": kind, "q": q,
        },
    )


def _ledger_filters(request):
    return LedgerFilterForm(request.GET or None).filters()


def facility_detail(request, facility_pk):
    """The facility's 管理台帳: every staff member, searchable and sortable, with what each one lacks."""
    facility = get_facility_for_user(request.user, facility_pk)
    filters = LedgerFilterForm(request.GET or None)
    staff = ledger_staff(request.user, facility, **filters.filters())
    page = Paginator(staff, 100).get_page(request.GET.get("page"))
    manage = can_manage(request.user, facility)
    draft = None
    if manage and facility.program.policy.change_notice_required:
        draft = ChangeNotice.objects.filter(facility=facility, status=NoticeStatus.DRAFT).first()
    suspension = None
    if facility.status == FacilityStatus.SUSPENDED:  # its status line says since when
        suspension = Suspension.objects.not_lifted().filter(facility=facility, staff__isnull=True).first()
    return render(
        request,
        "facilities/facility_detail.html",
        {
            "facility": facility, "policy": facility.program.policy, "filters": filters, "page": page,
            "rows": mark_missing(list(page), facility), "manage": manage, "draft": draft, "suspension": suspension,
            "is_secretariat": is_secretariat(request.user, facility.program),
        },
    )


def ledger_csv(request, facility_pk):
    facility = get_facility_for_user(request.user, facility_pk)
    return ledger_csv_response(facility, ledger_staff(request.user, facility, **_ledger_filters(request)))


def program_staff_csv(request, slug):
    """The secretariat's export of every staff member of the program (streamed: 100,000 rows in little memory)."""
    program = get_program_for_user(request.user, slug, secretariat=True)
    staff = (
        Staff.objects.visible_to(request.user).filter(program=program).with_ledger()
        .order_by("facility__number", "full_name_kana", "pk")
    )
    return program_staff_csv_response(program, staff)


def _ledger_key(facility):
    return f"ledger:{facility.pk}"


def ledger_pdf(request, facility_pk):
    """The facility's ledger: rendered here, or by a job past REPORT_JOB_THRESHOLD staff."""
    facility = get_facility_for_user(request.user, facility_pk)
    names = list(Staff.objects.filter(facility=facility).values_list("full_name", "full_name_kana"))
    filename = f"管理台帳_{facility.name}.pdf"

    def later():
        prepared = prepare_file(task=tasks.ledger, key=_ledger_key(facility), filename=filename,
                                by=request.user, facility_pk=facility.pk)
        return redirect("facilities:ledger-ready", facility_pk=facility.pk, ledger_file_pk=prepared.pk)

    return pdfs.pdf_or_back(
        request, lambda: pdfs.ledger_pdf(facility=facility), filename,
        reverse("facilities:facility-detail", args=[facility.pk]),
        names=[facility.name, *(name for pair in names for name in pair)],
        later=later if len(names) > settings.REPORT_JOB_THRESHOLD else None,
    )


def ledger_ready(request, facility_pk, ledger_file_pk):
    facility = get_facility_for_user(request.user, facility_pk)
    prepared = get_object_or_404(PreparedFile.objects.select_related("requested_by"), pk=ledger_file_pk,
                                 key=_ledger_key(facility))
    return prepared_file_page(request, prepared, title="管理台帳（PDF）",
                              back=reverse("facilities:facility-detail", args=[facility.pk]))


def staff_add_view(request, facility_pk):
    facility = get_facility_for_user(request.user, facility_pk, manage=True)
    blank = Staff(program=facility.program, facility=facility)
    form = StaffForm(request.POST or None, program=facility.program, instance=blank)
    duplicates = []
    if request.method == "POST" and form.is_valid():
        # Someone of the same 氏名 and カナ already on the ledger: ask before adding a second line
        # (a warning: 「別の人として登録する」 adds it; what was typed stays in the form).
        duplicates = [] if request.POST.get("as_distinct") else form.possible_duplicates()
        if not duplicates:
            try:
                staff = staff_add(facility=facility, by=request.user, **form.cleaned_data)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                if staff.status == "active":
                    messages.success(request, f"{staff.full_name}さんを登録しました。利用中になりました。")
                else:
                    messages.success(
                        request, f"{staff.full_name}さんを登録しました。足りないものがそろうと利用中になります。"
                    )
                return redirect("facilities:staff-detail", staff_pk=staff.pk)
    return render(
        request, "facilities/staff_form.html",
        {"facility": facility, "form": form, "adding": True, "duplicates": duplicates},
    )


def training_list(request, facility_pk):
    facility = get_facility_for_user(request.user, facility_pk)
    sessions = (
        TrainingSession.objects.filter(facility=facility)
        .annotate(attendee_count=Count("attendances"))
        .prefetch_related(Prefetch("attendances", queryset=Attendance.objects.select_related("staff")))
        .order_by("-held_on", "-pk")
    )
    page = Paginator(sessions, 30).get_page(request.GET.get("page"))
    return render(
        request, "facilities/training_list.html",
        {
            "facility": facility, "page": page, "manage": can_manage(request.user, facility),
            "policy": facility.program.policy,
        },
    )


def training_add(request, facility_pk):
    facility = get_facility_for_user(request.user, facility_pk, manage=True)
    attendees = Staff.objects.current().filter(facility=facility).order_by("full_name_kana")
    form = TrainingForm(request.POST or None, staff_queryset=attendees, policy=facility.program.policy)
    if request.method == "POST" and form.is_valid():
        try:
            session = training_record(facility=facility, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            if show_repeated(request, f"この{session.get_kind_display()}", session, session.recorded_at,
                             session.recorded_by):
                return redirect("facilities:training-list", facility_pk=facility.pk)
            messages.success(request, f"{session.get_kind_display()}（{session.attendances.count()}名）を記録しました。")
            return redirect("facilities:training-list", facility_pk=facility.pk)
    return render(request, "facilities/training_form.html", {"facility": facility, "form": form})
