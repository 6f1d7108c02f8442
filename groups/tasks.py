"""The jobs `groups` runs in the background (core.jobs): reports too big for a request."""

from django_tasks import task

from core.jobs import fill_file
from facilities.models import Program

from . import pdfs, queries
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
