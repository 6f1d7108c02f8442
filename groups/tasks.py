"""The jobs `groups` runs in the background (core.jobs): reports too big for a request."""

from django_tasks import task

from core.jobs import fill_file

from . import pdfs
from .models import ReviewCampaign


@task()
def campaign_report(file_id, campaign_pk):
    """The 定期精査報告書 of a whole campaign (46 s over 10,000 reviews: docs/performance.md)."""
    campaign = ReviewCampaign.objects.select_related("program").get(pk=campaign_pk)
    fill_file(file_id, lambda: pdfs.review_report_pdf(campaign=campaign))
