"""The e-mails of the application workflow, sent after the commit through core.emails (text in
templates/enrollment/email/<name>.txt, subject in <name>_subject.txt)."""

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from core import emails


def _context(application, **extra):
    return {
        "application": application, "program": application.program, "policy": application.program.policy,
        "follow_url": emails.absolute_url("enrollment:follow", access_token=application.access_token), **extra,
    }


def applicant_received(application):
    """The applicant's receipt: number and the private link to follow, correct and print; for a
    registration, the link that confirms the address (before the administrators can log in)."""
    word = "届出" if application.is_registration else "申込"
    confirm_url = ""
    if application.awaits_acknowledgement:
        confirm_url = emails.absolute_url(
            "enrollment:confirm-email", access_token=application.access_token, key=application.email_confirm_key()
        )
    emails.send(
        "enrollment/email/received", _context(application, word=word, confirm_url=confirm_url),
        [application.contact_email],
    )


def secretariat_received(application, *, resubmitted=False, confirmed=False):
    if confirmed:
        what = "届出（申込者のメールアドレス確認済み・受付確認待ち）"
    else:
        what = "再提出" if resubmitted else ("届出" if application.is_registration else "申込")
    review_url = emails.absolute_url("enrollment:application-detail", application.program.slug, application.pk)
    emails.send(
        "enrollment/email/secretariat_received", _context(application, what=what, review_url=review_url),
        [application.program.secretariat_email],
    )


def applicant_status(application):
    """Returned, approved or rejected: the applicant hears what happened and what to do."""
    emails.send(f"enrollment/email/status_{application.status}", _context(application), [application.contact_email])


def admin_invitation(*, user, facility):
    """The designated administrator's way in: a link to set a password, or to log in if they have one."""
    set_password_url = ""
    if not user.has_usable_password():
        # The token hashes the stored password and last login: the state this transaction commits.
        set_password_url = emails.absolute_url(
            "accounts:password-reset-confirm",
            uidb64=urlsafe_base64_encode(force_bytes(user.pk)), token=default_token_generator.make_token(user),
        )
    program = facility.program
    emails.send(
        "enrollment/email/invitation",
        {
            "user": user, "facility": facility, "program": program, "policy": program.policy,
            "set_password_url": set_password_url, "login_url": emails.absolute_url("accounts:login"),
            "link_hours": max(1, settings.PASSWORD_RESET_TIMEOUT // 3600),
        },
        [user.email],
    )


def return_reminder(application):
    """The deadline of a return is near and the application has not come back (core.reminders)."""
    to = [application.contact_email]
    emails.send("enrollment/email/return_reminder", _context(application), to)
    return to
