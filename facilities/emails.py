"""The staff ledger's e-mails: change notices filed, acknowledged, sent back for correction.

Sent after the commit through core.emails; text in templates/facilities/email/.
"""

from core import emails


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


def repledge_requested(facility, text, requests, recipients):
    """A facility's MCS administrators hear which of their staff should sign the new pledge version."""
    emails.send("facilities/email/repledge_requested", {
        "facility": facility, "text": text, "requests": requests,
        "url": emails.absolute_url("facilities:repledge-facility", facility_pk=facility.pk),
    }, recipients)
