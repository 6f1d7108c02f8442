"""The staff ledger's e-mails: change notices filed, acknowledged, sent back for correction;
the yearly confirmation asked for and reminded.

Sent after the commit through core.emails; text in templates/facilities/email/.
"""

from core import emails

from .models import Role, RoleKind


def _context(notice):
    return {
        "notice": notice, "form": notice.program.policy.form("change_notice"),
        "url": emails.absolute_url("facilities:notice-detail", notice.pk),
    }


def notice_filed(notice):
    """The secretariat hears that a facility filed its change notice."""
    emails.send("facilities/email/notice_filed", _context(notice), [notice.program.secretariat_email])


def notice_acknowledged(notice, recipients):
    emails.send("facilities/email/notice_acknowledged", _context(notice), recipients)


def notice_correction(notice, recipients):
    emails.send("facilities/email/notice_correction", _context(notice), recipients)


def _confirmation_context(confirmation):
    return {
        "confirmation": confirmation, "campaign": confirmation.campaign, "facility": confirmation.facility,
        "program": confirmation.campaign.program, "policy": confirmation.campaign.program.policy,
        "url": emails.absolute_url("facilities:confirmation-answer", confirmation.pk),
    }


def confirmation_requested(confirmation, recipients):
    """A facility's administrators are asked to confirm their ledger (継続確認)."""
    emails.send("facilities/email/confirmation_requested", _confirmation_context(confirmation), recipients)


def confirmation_reminder(confirmation, recipients):
    emails.send("facilities/email/confirmation_reminder", _confirmation_context(confirmation), recipients)


def notice_reminder(notice, *, overdue):
    """A change notice is due soon (or overdue) and not filed: its facility's administrators hear."""
    to = sorted(set(
        Role.objects.active().filter(kind=RoleKind.FACILITY_ADMIN, facility=notice.facility, user__is_active=True)
        .values_list("user__email", flat=True)
    ))
    emails.send("facilities/email/notice_reminder", {**_context(notice), "overdue": overdue}, to)
    return to


def repledge_requested(facility, text, requests, recipients):
    """A facility's administrators hear which of their staff should sign the new pledge version."""
    emails.send("facilities/email/repledge_requested", {
        "facility": facility, "policy": facility.program.policy, "text": text, "requests": requests,
        "url": emails.absolute_url("facilities:repledge-facility", facility_pk=facility.pk),
    }, recipients)
