"""定期精査報告書 as an A4 PDF, per group review or per campaign (rendering goes through core.pdf).

Per review: every member with the decision, its reason, who decided and when. Per campaign:
the counts by facility and the decisions a committee reads (removals and 要確認); the full
list of 継続 decisions is in the CSV, so a round over thousands of groups stays a short PDF.
"""

from collections import defaultdict

from django.utils import timezone

from core.pdf import render_pdf

from .models import Decision, ReviewStatus
from .reports import report_lines

TEMPLATE = "groups/pdf/review_report.html"


def _by_facility(lines):
    table = defaultdict(lambda: defaultdict(int))
    for review, rows in lines:
        counts = table[review.group.origin_facility.name]
        counts["groups"] += 1
        counts[review.status] += 1
        counts["removed"] += sum(1 for line in rows if line.applied)
        counts["unsure"] += sum(1 for line in rows if line.decision == Decision.UNSURE.label)
    return sorted((name, dict(counts)) for name, counts in table.items())


def review_report_context(*, campaign=None, review=None):
    if (campaign is None) == (review is None):
        raise TypeError("give a campaign or a review")
    lines = report_lines(campaign=campaign, review=review)
    campaign = campaign or review.campaign
    program = campaign.program
    noted = [Decision.REMOVE.label, Decision.UNSURE.label]
    picked = [] if review is not None else [
        (r, [line for line in rows if line.decision in noted]) for r, rows in lines
    ]
    return {
        "program": program,
        "policy": program.policy,
        "campaign": campaign,
        "review": review,
        "lines": lines,
        "facilities": _by_facility(lines) if review is None else [],
        "noted": [(r, rows) for r, rows in picked if rows],
        "statuses": ReviewStatus,
        "made_on": timezone.localdate(),
        "form_title": "定期精査報告書",
        "form_number": "",
    }


def review_report_pdf(*, campaign=None, review=None):
    """PDF bytes of the report for one group's review, or for a whole campaign."""
    return render_pdf(TEMPLATE, review_report_context(campaign=campaign, review=review))


def report_filename(*, campaign=None, review=None, extension="pdf"):
    if review is not None:
        return f"定期精査報告書_精査{review.campaign_id}_グループ{review.group_id}.{extension}"
    return f"定期精査報告書_精査{campaign.pk}.{extension}"
