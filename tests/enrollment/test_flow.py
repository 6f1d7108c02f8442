"""The whole road, in every variant: public form -> (return -> correction) -> approval ->
the invited administrator sets a password from the e-mail and logs in."""

import datetime

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from enrollment.models import Application, ApplicationStatus
from facilities.models import RoleKind, Staff
from tests.enrollment.helpers import STAFF_STATUS_ON_APPROVAL, post_data, row
from tests.factories import ProgramFactory, secretariat_of
from tests.helpers import variants

pytestmark = pytest.mark.django_db

S = ApplicationStatus
NEW_PASSWORD = "Brand-New-Pass-2026!"


def link_in(message, fragment):
    """The path of the first absolute link in the mail that contains `fragment`."""
    line = next(line for line in message.body.splitlines() if fragment in line and "://" in line)
    return "/" + line.strip().split("://", 1)[1].split("/", 1)[1]


def mail_to(address, subject_part=""):
    found = [m for m in mail.outbox if address in m.to and subject_part in m.subject]
    assert found, f"no mail to {address} about {subject_part!r}: {[(m.to, m.subject) for m in mail.outbox]}"
    return found[-1]


def first_login(email):
    """The administrator follows the e-mailed link, sets a password and logs in."""
    invitation = mail_to(email, "指定されました")
    visitor = Client()
    confirm = visitor.get(link_in(invitation, "/accounts/password/reset/"), follow=True)
    assert confirm.context["validlink"]
    done = visitor.post(confirm.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done.status_code == 302
    user = User.objects.get(email=email)
    assert user.check_password(NEW_PASSWORD)
    fresh = Client()
    login = fresh.post(reverse("accounts:login"), {"username": email, "password": NEW_PASSWORD})
    assert login.status_code == 302
    assert fresh.session["_auth_user_id"] == str(user.pk)
    # Signed in; the portal may still ask for the second factor before the first page.
    assert fresh.get(login.url).status_code == 200
    return user


def returned_corrected_and_approved(client, applicant, program, application, rows, follow, capture):
    """The secretariat's part where it approves: a return, the applicant's correction, approval."""
    assert application.status == S.SUBMITTED
    assert mail_to("office@example.jp").body.count(application.receipt_number) >= 1
    secretary = secretariat_of(program)
    client.force_login(secretary)
    deadline = timezone.localdate() + datetime.timedelta(days=14)
    with capture(execute=True):
        client.post(reverse("enrollment:application-return", args=[program.slug, application.pk]),
                    {"comment": "FAX番号を書いてください", "deadline": deadline.isoformat()})
    returned = mail_to("contact@example.jp", "差戻し")
    assert "FAX番号を書いてください" in returned.body
    correct = reverse("enrollment:correct", args=[application.access_token])
    assert link_in(returned, "/p/applications/") == follow
    assert "FAX番号を書いてください" in applicant.get(correct).content.decode()
    with capture(execute=True):
        resent = applicant.post(correct, post_data(program, rows=rows, fax="072-123-9999"))
    assert resent.status_code == 302
    application.refresh_from_db()
    assert application.status == S.RESUBMITTED and application.fax == "072-123-9999"
    with capture(execute=True):
        client.post(reverse("enrollment:application-approve", args=[program.slug, application.pk]))
    mail_to("contact@example.jp", "承認済み")
    return secretary


def recorded_confirmed_and_acknowledged(client, applicant, program, application, rows, follow, capture):
    """Where nobody approves, the registration is recorded as it arrives; the administrators log
    in only after the contact confirmed the address and the secretariat acknowledged."""
    application.refresh_from_db()
    assert application.status == S.APPROVED and application.awaits_acknowledgement
    assert not User.objects.filter(email="kanri@example.jp").exists()
    assert not [m for m in mail.outbox if "kanri@example.jp" in m.to]
    secretary = secretariat_of(program)
    client.force_login(secretary)
    acknowledge = reverse("enrollment:application-acknowledge", args=[program.slug, application.pk])
    early = client.post(acknowledge, follow=True)
    assert "まだメールアドレスを確認していません" in early.content.decode()
    confirm = link_in(mail_to("contact@example.jp", application.receipt_number), "/confirm/")
    assert "確認する" in applicant.get(confirm).content.decode()
    application.refresh_from_db()
    assert application.email_confirmed_at is None  # opening the link (a mail scanner) confirms nothing
    with capture(execute=True):
        assert applicant.post(confirm).status_code == 302
    assert "受付確認" in mail_to("office@example.jp", "").body
    with capture(execute=True):
        done = client.post(acknowledge, follow=True)
    assert "受付確認をしました" in done.content.decode()
    application.refresh_from_db()
    assert application.acknowledged_by == secretary and not application.awaits_acknowledgement
    return None


@pytest.mark.parametrize(("variant", "secretariat_part"), [
    *[(v, returned_corrected_and_approved) for v in variants(secretariat_approves=True)],
    *[(v, recorded_confirmed_and_acknowledged) for v in variants(secretariat_approves=False)],
])
def test_from_the_public_form_to_the_administrators_first_login(
    client, variant, secretariat_part, django_capture_on_commit_callbacks
):
    program = ProgramFactory(variant=variant, secretariat_email="office@example.jp")
    applicant = Client()
    admin_email = "kanri@example.jp"
    rows = [row(1, admin=True, email=admin_email, full_name="管理 一郎"), row(2, full_name="職員 二郎")]
    with django_capture_on_commit_callbacks(execute=True):
        sent = applicant.post(reverse("enrollment:apply", args=[program.slug]), post_data(program, rows=rows))
    assert sent.status_code == 302, sent.content.decode()[:2000]
    application = Application.objects.get(program=program)
    receipt = mail_to("contact@example.jp", application.receipt_number)
    follow = link_in(receipt, "/p/applications/")
    assert applicant.get(follow).status_code == 200

    decided_by = secretariat_part(client, applicant, program, application, rows, follow,
                                  django_capture_on_commit_callbacks)
    application.refresh_from_db()
    assert application.status == S.APPROVED
    assert application.decided_by == decided_by
    facility = application.facility
    staff = {s.full_name: s for s in Staff.objects.filter(facility=facility)}
    assert set(staff) == {"管理 一郎", "職員 二郎"}
    # Active at once where the variant asks nothing of each person first; else pending on the ledger.
    assert all(s.status == STAFF_STATUS_ON_APPROVAL[variant] for s in staff.values())

    user = first_login(admin_email)
    assert user.roles.filter(kind=RoleKind.FACILITY_ADMIN, facility=facility).exists()
    assert staff["管理 一郎"].user == user
    notice = applicant.get(reverse("enrollment:follow-notice-pdf", args=[application.access_token]))
    assert notice.status_code == 200 and notice["Content-Type"] == "application/pdf"
