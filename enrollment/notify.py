"""The e-mails of the application workflow. Services call these through transaction.on_commit only,
so nobody is told about a change that was rolled back.
"""

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from accounts.models import User
from facilities.models import Facility

from .models import Application


def absolute(path):
    return settings.SITE_URL.rstrip("/") + path


def follow_url(application):
    return absolute(reverse("enrollment:follow", kwargs={"access_token": application.access_token}))


def _send(template, subject, to, context):
    if not to:
        return
    body = render_to_string(f"enrollment/email/{template}.txt", context)
    send_mail(subject, body, None, [to])


def _fresh(application_pk):
    return Application.objects.select_related("program", "facility", "decided_by").get(pk=application_pk)


def _context(application, **extra):
    return {
        "application": application, "program": application.program, "policy": application.program.policy,
        "follow_url": follow_url(application), **extra,
    }


def applicant_received(application_pk):
    """The applicant's receipt: number and the private link to follow, correct and print."""
    application = _fresh(application_pk)
    word = "届出" if application.is_registration else "申込"
    _send(
        "received", f"【{application.program.name}】利用{word}を受け付けました（受付番号 {application.receipt_number}）",
        application.contact_email, _context(application, word=word),
    )


def secretariat_received(application_pk, *, resubmitted=False):
    application = _fresh(application_pk)
    what = "再提出" if resubmitted else ("届出" if application.is_registration else "申込")
    review_url = absolute(
        reverse("enrollment:application-detail", args=[application.program.slug, application.pk])
    )
    _send(
        "secretariat_received", f"【{application.program.name}】利用{what}がありました（{application.receipt_number}）",
        application.program.secretariat_email, _context(application, what=what, review_url=review_url),
    )


def applicant_status(application_pk):
    """Returned, approved, rejected or withdrawn: the applicant hears what happened and what to do."""
    application = _fresh(application_pk)
    _send(
        f"status_{application.status}",
        f"【{application.program.name}】受付番号 {application.receipt_number}: {application.get_status_display()}",
        application.contact_email, _context(application),
    )


def admin_invitation(*, user_pk, facility_pk):
    """The designated administrator's way in: a link to set a password, or to log in if they have one."""
    user = User.objects.get(pk=user_pk)
    facility = Facility.objects.select_related("program").get(pk=facility_pk)
    set_password_url = ""
    if not user.has_usable_password():
        # Made here, after the commit: the token hashes the stored password and last login.
        set_password_url = absolute(
            reverse(
                "accounts:password-reset-confirm",
                kwargs={"uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
                        "token": default_token_generator.make_token(user)},
            )
        )
    _send(
        "invitation", f"【{facility.program.name}】{facility.program.policy.admin_label}に指定されました",
        user.email,
        {
            "user": user, "facility": facility, "program": facility.program, "policy": facility.program.policy,
            "set_password_url": set_password_url, "login_url": absolute(reverse("accounts:login")),
            "link_hours": max(1, settings.PASSWORD_RESET_TIMEOUT // 3600),
        },
    )
