"""The secretariat's side: the queue, one application with its findings and history, the
decisions (POST only), the printed forms and the facility ledger export.

Read views take no method decorator: the scoped getter answers first (404 to outsiders,
whatever the method), and reading changes nothing.
"""

from itertools import pairwise

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from core.csv import DateColumn, TextColumn, csv_response
from core.views import show_errors
from facilities.access import get_program_for_user
from facilities.models import Facility, FacilityKind, StaffStatus

from . import pdfs, services
from .access import get_application_for_user
from .forms import QueueFilterForm, RejectForm, ReturnForm
from .models import REGISTRATION_RARE, Application, ApplicationStatus, EventKind, status_label
from .stale import stale_response

QUEUE_PAGE_SIZE = 50


def application_list(request, slug):
    program = get_program_for_user(request.user, slug, secretariat=True)
    applications = Application.objects.visible_to(request.user).filter(program=program)
    counts = dict(applications.order_by().values_list("status").annotate(n=Count("pk")))
    registration = not program.policy.secretariat_approves
    tabs = _status_counts(counts, registration=registration)
    filters = QueueFilterForm(request.GET or None, registration=registration, statuses=[t[0] for t in tabs])
    page = Paginator(
        filters.filter(applications).select_related("program").with_duplicate_count()
        .order_by("-submitted_at", "-pk"),
        QUEUE_PAGE_SIZE,
    ).get_page(request.GET.get("page"))
    return render(
        request, "enrollment/application_list.html",
        {
            "program": program, "policy": program.policy, "page": page, "filters": filters,
            "counts": tabs,
            "total": sum(counts.values()),
            "apply_url": request.build_absolute_uri(reverse("enrollment:apply", args=[program.slug])),
        },
    )


def _status_counts(counts, *, registration):
    """The queue's tabs in the variant's words; a registration's rare states only when some are."""
    return [
        (value, status_label(value, registration=registration), counts.get(value, 0))
        for value in ApplicationStatus.values
        if not (registration and value in REGISTRATION_RARE and not counts.get(value))
    ]


def application_detail(request, slug, application_pk):
    application = get_application_for_user(request.user, application_pk, slug=slug)
    return _render_detail(request, application)


def _render_detail(request, application, *, return_form=None, reject_form=None, status=200):
    events = application.events.select_related("actor").order_by("created_at", "pk")
    return render(
        request, "enrollment/application_detail.html",
        {
            "application": application, "program": application.program, "policy": application.program.policy,
            "registrants": application.registrants.select_related("staff").order_by("position"),
            "events": events, "changes": _field_changes(application),
            "duplicates": application.possible_duplicates.order_by("submitted_at", "pk"),
            "return_form": return_form or ReturnForm(), "reject_form": reject_form or RejectForm(),
            "statuses": ApplicationStatus, "staff_note": approval_staff_note(application.program.policy),
        },
        status=status,
    )


def approval_staff_note(policy):
    """What approving does to the registrants, as the ledger will show it: they start at once
    where the variant asks nothing more of a person (facilities.services.staff_try_activate);
    else they wait, pending, for what it asks."""
    needs = []
    if policy.staff_pledge_required:
        form = policy.form("staff_pledge")
        needs.append(f"{form.title if form else '誓約書'}の提出")
    if policy.training_required_before_use:
        needs.append("利用開始前の研修の受講")
    if needs:
        return f"登録者を管理台帳に「登録準備中」で載せ（{'と'.join(needs)}を記録すると「利用中」になります）"
    return "登録者を管理台帳に「利用中」で載せ（利用開始日は承認した日です）"


def _field_changes(application):
    """What the applicant's data changed between versions (from simple-history), newest first."""
    records = list(application.history.select_related("history_user").order_by("history_date", "history_id"))
    changes = []
    for older, newer in pairwise(records):
        fields = [
            Application._meta.get_field(c.field).verbose_name
            for c in newer.diff_against(older, included_fields=services.APPLICATION_FIELDS).changes
        ]
        if fields:
            changes.append(
                {"when": timezone.localtime(newer.history_date), "who": newer.history_user, "fields": fields}
            )
    return list(reversed(changes))


def _decide(request, application, act, done, *, what, kind=None):
    """Run one decision; its refusal (policy, separation of duties) comes back as a message.

    A decision asked for on a page older than the application's last step gets the stale page
    (what happened, when, by whom, with a link); the same person's same decision sent twice
    (double click) is simply done already.
    """
    try:
        act(application)
    except services.TransitionError as error:
        event = getattr(error, "event", None)
        if event is None:
            show_errors(request, error)
        elif kind is not None and event.kind == kind and event.actor_id == request.user.pk:
            messages.info(request, f"この申込は{what}済みです（二重には行っていません）。")
        else:
            application.refresh_from_db()
            return stale_response(request, application, what)
    except ValidationError as error:
        show_errors(request, error, prefix="実行できませんでした: ")
    else:
        messages.success(request, done)
    return redirect("enrollment:application-detail", application.program.slug, application.pk)


@require_POST
def application_approve(request, slug, application_pk):
    application = get_application_for_user(request.user, application_pk, slug=slug)
    return _decide(
        request, application,
        lambda a: services.application_approve(application=a, by=request.user),
        "承認しました。施設を登録し、管理者にパスワード設定の案内を送りました。",
        what="承認", kind=EventKind.APPROVED,
    )


@require_POST
def application_acknowledge(request, slug, application_pk):
    application = get_application_for_user(request.user, application_pk, slug=slug)
    return _decide(
        request, application,
        lambda a: services.application_acknowledge(application=a, by=request.user),
        "受付確認をしました。管理者のログインを有効にし、パスワード設定の案内を送りました。",
        what="受付確認", kind=EventKind.ACKNOWLEDGED,
    )


@require_POST
def application_resend_invitations(request, slug, application_pk):
    application = get_application_for_user(request.user, application_pk, slug=slug)
    return _decide(
        request, application,
        lambda a: services.application_resend_invitations(application=a, by=request.user),
        "管理者にパスワード設定の案内を送り直しました。",
        what="案内の再送",
    )


@require_POST
def application_return(request, slug, application_pk):
    application = get_application_for_user(request.user, application_pk, slug=slug)
    form = ReturnForm(request.POST)
    if not form.is_valid():
        return _render_detail(request, application, return_form=form, status=400)
    return _decide(
        request, application,
        lambda a: services.application_return(application=a, by=request.user, **form.cleaned_data),
        "差し戻しました。申込者にメールでお知らせしました。",
        what="差戻し", kind=EventKind.RETURNED,
    )


@require_POST
def application_reject(request, slug, application_pk):
    application = get_application_for_user(request.user, application_pk, slug=slug)
    form = RejectForm(request.POST)
    if not form.is_valid():
        return _render_detail(request, application, reject_form=form, status=400)
    return _decide(
        request, application,
        lambda a: services.application_reject(application=a, by=request.user, reason=form.cleaned_data["reason"]),
        "却下しました。申込者にメールでお知らせしました。",
        what="却下", kind=EventKind.REJECTED,
    )


def application_document(request, slug, application_pk, document):
    application = get_application_for_user(request.user, application_pk, slug=slug)
    return pdfs.document_response(request, application, document)


LEDGER_HEADER = (
    "施設番号", "施設名", "施設名カナ", "施設の種類", TextColumn("郵便番号"), "住所", TextColumn("電話番号"),
    TextColumn("FAX番号"), "状態", DateColumn("承認日"), "利用中の職員数",
)


def _ledger_row(facility, kinds, statuses):
    approved_on = facility["approved_on"]
    return (
        facility["number"], facility["name"], facility["name_kana"], kinds.get(facility["kind"], facility["kind"]),
        facility["postal_code"], facility["address"], facility["phone"], facility["fax"],
        statuses.get(facility["status"], facility["status"]),
        approved_on, facility["active_staff"],
    )


def facility_ledger_csv(request, slug):
    program = get_program_for_user(request.user, slug, secretariat=True)
    facilities = (
        Facility.objects.visible_to(request.user).filter(program=program)
        .annotate(active_staff=Count("staff", filter=Q(staff__status=StaffStatus.ACTIVE)))
        .order_by("number")
        .values("number", "name", "name_kana", "kind", "postal_code", "address", "phone", "fax", "status",
                "approved_on", "active_staff")
        .iterator(chunk_size=2000)
    )
    kinds, statuses = dict(FacilityKind.choices), dict(Facility._meta.get_field("status").choices)
    rows = (_ledger_row(f, kinds, statuses) for f in facilities)
    return csv_response(LEDGER_HEADER, rows, f"{program.slug}_facilities.csv")
