"""Reminders and recurring work of groups (core.reminders, `manage.py run_reminders`):
reviewers hear before their round's due date; where the policy asks for periodic review, a
round over the due groups starts on the program's interval; overdue worksheets go to the
secretariat (escalation, as `escalate_reviews` does)."""

import datetime
from collections import Counter

from django.core.exceptions import ValidationError

from core.reminders import Due, recurring_work, remind_once, reminder_source, scheduler_user
from facilities.models import Program

from . import emails
from .models import CampaignScope, GroupReview, ReviewCampaign, ReviewStatus
from .queries import dashboard_refresh, next_campaign_on
from .reviews import campaign_start, reviews_escalate

# Reviewers hear this many days before their round is due.
REVIEW_REMIND_DAYS = 7
# An automatic round gives its reviewers this long.
ROUND_DAYS = 30


@reminder_source
def reviews_due(today):
    """One reminder per reviewer and round due within REVIEW_REMIND_DAYS, however many groups."""
    open_reviews = GroupReview.objects.filter(
        status=ReviewStatus.OPEN, campaign__due_on__gte=today,
        campaign__due_on__lte=today + datetime.timedelta(days=REVIEW_REMIND_DAYS),
        reviewer__user__is_active=True,
    )
    per_reviewer = Counter(open_reviews.values_list("campaign_id", "reviewer__user__email"))
    campaigns = ReviewCampaign.objects.select_related("program").in_bulk({pk for pk, _ in per_reviewer})
    for (campaign_pk, email), count in sorted(per_reviewer.items()):
        campaign = campaigns[campaign_pk]
        yield Due("review-due", campaign, f"before:{campaign.due_on.isoformat()}:{email}",
                  lambda campaign=campaign, email=email, count=count: emails.review_reminder(campaign, email, count))


@recurring_work
def periodic_review_rounds(today):
    """Where the policy asks for periodic review, start a round over the due groups once the
    program's interval has passed since the last round. Once per program and due day (a
    core.Reminder row), and a round never takes a group already under review."""
    started = 0
    for program in Program.objects.order_by("pk"):
        if not program.policy.periodic_review or next_campaign_on(program, today=today) > today:
            continue
        due = Due("review-round", program, f"round:{today.isoformat()}", lambda program=program: _start_round(program, today))
        try:
            started += remind_once(due)
        except ValidationError:
            pass  # no group is due: nothing to start, nothing recorded
    return started


def _start_round(program, today):
    campaign_start(program=program, by=scheduler_user(), due_on=today + datetime.timedelta(days=ROUND_DAYS),
                   scope=CampaignScope.DUE)
    return []  # campaign_start mails the reviewers itself


@recurring_work
def escalate_overdue_reviews(today):
    return reviews_escalate(today=today)


@recurring_work
def refresh_dashboards(today):
    """Recount every program's groups dashboard: its due and overdue counts move with the date."""
    programs = list(Program.objects.order_by("pk"))
    for program in programs:
        dashboard_refresh(program, today=today)
    return len(programs)
