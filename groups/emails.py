"""The groups app's e-mails (core.emails: plain text, absolute links, sent after the commit)."""

from collections import defaultdict

from core import emails
from core.wareki import wareki


def review_started(campaign, addresses):
    """A campaign started: one mail per reviewer address (one per group reviewed), however many groups."""
    per_email = defaultdict(int)
    for email in addresses:
        per_email[email] += 1
    if not per_email:
        return
    url = emails.absolute_url("groups:campaign-detail", campaign.pk)
    emails.send_after_commit(*(
        emails.message("groups/email/review_started", {
            "campaign": campaign, "count": count, "url": url, "due_on": wareki(campaign.due_on),
        }, [email])
        for email, count in per_email.items()
    ))


def reviews_escalated(per_program):
    """Overdue worksheets went to the secretariat: one mail per program, {program: count}."""
    emails.send_after_commit(*(
        emails.message("groups/email/reviews_escalated", {
            "program": program, "count": count, "url": emails.absolute_url("groups:dashboard", program.slug),
        }, [program.secretariat_email])
        for program, count in per_program.items()
    ))



def review_reminder(campaign, email, count):
    """A reviewer's round is due soon and `count` of their worksheets are still open."""
    emails.send("groups/email/review_reminder", {
        "campaign": campaign, "count": count, "url": emails.absolute_url("groups:campaign-detail", campaign.pk),
        "due_on": wareki(campaign.due_on),
    }, [email])
    return [email]
