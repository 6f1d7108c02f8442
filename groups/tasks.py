"""The jobs `groups` runs in the background (core.jobs): reports too big for a request."""

import datetime

from django.contrib.auth import get_user_model
from django_tasks import task

from core.jobs import fill_file
from facilities.models import Facility, Program

from . import pdfs, queries, reviews
from .models import ReviewCampaign


@task()
def campaign_report(file_id, campaign_pk):
    """The 定期精査報告書 of a whole campaign (46 s over 10,000 reviews: docs/performance.md)."""
    campaign = ReviewCampaign.objects.select_related("program").get(pk=campaign_pk)
    fill_file(file_id, lambda: pdfs.review_report_pdf(campaign=campaign))


@task()
def refresh_dashboard(program_pk):
    """Recount a program's dashboard (groups.queries.dashboard_refresh)."""
    queries.dashboard_refresh(Program.objects.get(pk=program_pk))


@task()
def start_campaign(*, program_pk, by_pk, due_on, scope, title, facility_pk):
    """A review round over more groups than CAMPAIGN_JOB_THRESHOLD (reviews.campaign_start, one
    bulk operation). A ValidationError (another round took the groups meanwhile) fails the job,
    recorded with the job's result."""
    reviews.campaign_start(
        program=Program.objects.get(pk=program_pk), by=get_user_model().objects.get(pk=by_pk),
        due_on=datetime.date.fromisoformat(due_on), scope=scope, title=title,
        facility=Facility.objects.get(pk=facility_pk) if facility_pk else None,
    )
