"""Periodic reviews: campaigns, the reviewer's worksheet, completion and the report (PDF, CSV)."""


from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from consent.access import log_access_many
from core.csv import csv_response
from core.forms import add_service_errors
from core.jobs import prepare_file
from core.models import PreparedFile
from core.pdf import pdf_view
from core.services import already_done
from core.views import prepared_file_page, show_errors, show_warnings
from facilities.access import get_program_for_user, is_secretariat

from . import pdfs, queries, reports, reviews, tasks
from .access import can_work_review, get_campaign_for_user, get_review_for_user, log_group
from .forms import CampaignForm, WorksheetForm
from .models import Group, GroupReview, McsTask, ReviewCampaign, ReviewStatus, TaskKind

PAGE_SIZE = 100


def _status_counts(reviews_qs):
    return reviews_qs.aggregate(
        total=Count("pk"),
        completed=Count("pk", filter=Q(status=ReviewStatus.COMPLETED)),
        escalated=Count("pk", filter=Q(status=ReviewStatus.ESCALATED)),
        open=Count("pk", filter=Q(status=ReviewStatus.OPEN)),
    )


def campaign_list(request, slug):
    program = get_program_for_user(request.user, slug)
    campaigns = (
        ReviewCampaign.objects.visible_to(request.user).filter(program=program).select_related("started_by")
        .annotate(
            total=Count("reviews"),
            completed=Count("reviews", filter=Q(reviews__status=ReviewStatus.COMPLETED)),
            escalated=Count("reviews", filter=Q(reviews__status=ReviewStatus.ESCALATED)),
        ).order_by("-started_at", "-pk")
    )
    page = Paginator(campaigns, 30).get_page(request.GET.get("page"))
    today = timezone.localdate()
    return render(request, "groups/campaign_list.html", {
        "program": program, "page": page, "policy": program.policy,
        "next_review_on": queries.next_campaign_on(program, today=today),
        "can_start": _may_start(request.user, program),
        "mine": _my_reviews(request.user, program)[:50],
    })


def _my_reviews(user, program):
    reviews_qs = GroupReview.objects.visible_to(user).unfinished().for_reviewer(user)
    reviews_qs = reviews_qs.filter(group__program=program).select_related("group__patient", "campaign")
    return reviews_qs.order_by("campaign__due_on", "pk")


def _may_start(user, program):
    if is_secretariat(user, program):
        return True
    return Group.objects.active().filter(program=program, leader__user=user).exists()


def campaign_create(request, slug):
    program = get_program_for_user(request.user, slug)
    if not _may_start(request.user, program):
        raise PermissionDenied
    secretariat = is_secretariat(request.user, program)
    form = CampaignForm(request.POST or None, program=program, secretariat=secretariat)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        big = reviews.campaign_groups(program=program, scope=data["scope"], by=request.user,
                                      facility=data.get("facility")).count() > settings.CAMPAIGN_JOB_THRESHOLD
        if big:
            # One bulk operation still, but seconds long past the threshold: a job runs it.
            tasks.start_campaign.enqueue(
                program_pk=program.pk, by_pk=request.user.pk, due_on=data["due_on"].isoformat(),
                scope=data["scope"], title=data["title"],
                facility_pk=data["facility"].pk if data.get("facility") else None,
            )
            messages.success(request, "対象のグループが多いため、裏で開始しています。数分で下の一覧に表示され、"
                                      "リーダーに精査の依頼が届きます。")
            return redirect("groups:campaign-list", slug=program.slug)
        try:
            campaign, count = reviews.campaign_start(
                program=program, by=request.user, due_on=data["due_on"], scope=data["scope"],
                title=data["title"], facility=data.get("facility"),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"定期精査を始めました。{count}グループのリーダーに精査を依頼しました。")
            return redirect("groups:campaign-detail", campaign_pk=campaign.pk)
    return render(request, "groups/campaign_form.html", {
        "program": program, "form": form, "policy": program.policy,
        "due_count": Group.objects.filter(program=program).review_due(
            today=timezone.localdate(), interval_days=program.review_interval_days
        ).count() if secretariat else None,
    })


def _may_report(user, campaign):
    return is_secretariat(user, campaign.program) or campaign.started_by_id == user.pk


def campaign_detail(request, campaign_pk):
    campaign = get_campaign_for_user(request.user, campaign_pk)
    mine = GroupReview.objects.visible_to(request.user).filter(campaign=campaign)
    status = request.GET.get("status", "")
    listed = mine.filter(status=status) if status in ReviewStatus.values else mine
    listed = (
        listed.select_related("group__patient", "group__origin_facility", "reviewer", "completed_by")
        .annotate(decided=Count("decisions")).order_by("group__origin_facility__number", "group_id")
    )
    page = Paginator(listed, PAGE_SIZE).get_page(request.GET.get("page"))
    log_access_many(request, [review.group.patient_id for review in page.object_list])
    return render(request, "groups/campaign_detail.html", {
        "campaign": campaign, "program": campaign.program, "page": page, "status": status,
        "statuses": ReviewStatus.choices, "counts": _status_counts(mine),
        "can_report": _may_report(request.user, campaign),
        "overdue": campaign.due_on < timezone.localdate(),
    })


def _report_key(campaign):
    return f"campaign-report:{campaign.pk}"


def campaign_report_pdf(request, campaign_pk):
    """The campaign's report: rendered here when small, else made by a job (a "ready" page)."""
    campaign = get_campaign_for_user(request.user, campaign_pk)
    if not _may_report(request.user, campaign):
        raise PermissionDenied
    if campaign.reviews.count() > settings.REPORT_JOB_THRESHOLD:
        prepared = prepare_file(
            task=tasks.campaign_report, key=_report_key(campaign), filename=pdfs.report_filename(campaign=campaign),
            by=request.user, campaign_pk=campaign.pk,
        )
        return redirect("groups:campaign-report-ready", campaign_pk=campaign.pk, file_pk=prepared.pk)
    return pdf_view(
        request, lambda: pdfs.review_report_pdf(campaign=campaign), pdfs.report_filename(campaign=campaign)
    )


def campaign_report_ready(request, campaign_pk, file_pk):
    campaign = get_campaign_for_user(request.user, campaign_pk)
    if not _may_report(request.user, campaign):
        raise PermissionDenied
    prepared = get_object_or_404(PreparedFile.objects.select_related("requested_by"), pk=file_pk,
                                 key=_report_key(campaign))
    return prepared_file_page(request, prepared, title="定期精査報告書（PDF）",
                              back=reverse("groups:campaign-detail", args=[campaign.pk]))


def campaign_report_csv(request, campaign_pk):
    campaign = get_campaign_for_user(request.user, campaign_pk)
    if not _may_report(request.user, campaign):
        raise PermissionDenied
    return _csv_response(campaign=campaign)


def _csv_response(**which):
    return csv_response(reports.CSV_HEADER, reports.report_rows(**which), pdfs.report_filename(**which, extension="csv"))


def review_worksheet(request, review_pk):
    """The reviewer's worksheet: every member, what the portal knows, a decision and reason each."""
    review = get_review_for_user(request.user, review_pk)
    if request.method == "POST" and review.status == ReviewStatus.COMPLETED:
        # Completed in another tab or by someone else meanwhile: say so, never 「権限がありません」.
        show_errors(request, already_done("この精査", review.completed_at, review.completed_by,
                                          "完了しています。今回の入力は保存していません"))
        return redirect("groups:review-worksheet", review_pk=review.pk)
    can_work = can_work_review(request.user, review) and review.status != ReviewStatus.COMPLETED
    if request.method == "POST" and not can_work:
        raise PermissionDenied
    sheet = queries.worksheet(review)
    form = WorksheetForm(request.POST if request.method == "POST" else None, rows=sheet.rows,
                         initial={"note": review.note})
    if request.method == "POST" and form.is_valid():
        try:
            reviews.decisions_save(review=review, by=request.user, decisions=form.decisions(),
                                   note=form.cleaned_data["note"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "判断を保存しました。全員の判断がそろったら「精査を完了する」を押してください。")
            return redirect("groups:review-worksheet", review_pk=review.pk)
    log_group(request, review.group)
    created_tasks = []
    if review.status == ReviewStatus.COMPLETED:
        # The removals it applied (at completion or when a 要確認 was settled), each a task in MCS.
        created_tasks = McsTask.objects.filter(
            kind=TaskKind.REMOVE, membership__decisions__review=review, membership__decisions__applied_at__isnull=False,
        ).distinct().order_by("pk")
    return render(request, "groups/worksheet.html", {
        "created_tasks": created_tasks,
        "review": review, "group": review.group, "program": review.group.program,
        "policy": review.group.program.policy, "sheet": sheet, "form": form, "can_work": can_work,
    })


@require_POST
def review_complete(request, review_pk):
    review = get_review_for_user(request.user, review_pk, work=True)
    try:
        done = reviews.review_complete(review=review, by=request.user)
    except ValidationError as error:
        show_errors(request, error)
    else:
        show_warnings(request, done.findings)
        removed = f"{done.removed_count}人を外しました。MCSでもグループから外してください。" if done.removed_count else ""
        messages.success(request, f"精査を完了しました。{removed}")
    return redirect("groups:review-worksheet", review_pk=review.pk)


def _reportable_review(request, review_pk):
    review = get_review_for_user(request.user, review_pk)
    if not (can_work_review(request.user, review) or is_secretariat(request.user, review.group.program)):
        raise PermissionDenied
    return review


def review_report_pdf(request, review_pk):
    review = _reportable_review(request, review_pk)
    return pdf_view(
        request, lambda: pdfs.review_report_pdf(review=review), pdfs.report_filename(review=review)
    )


def review_report_csv(request, review_pk):
    return _csv_response(review=_reportable_review(request, review_pk))
