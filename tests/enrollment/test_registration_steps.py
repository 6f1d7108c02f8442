"""Registration-only variants (no approval): nobody gets a login from the anonymous form until the
contact confirmed the address and the secretariat acknowledged (docs/decisions/0019-registration-human-step.md)."""

import pytest
from django.core import mail
from django.urls import reverse

from accounts.models import User
from enrollment import services
from enrollment.models import ApplicationStatus, EventKind
from facilities.models import Role, RoleKind
from tests.enrollment.factories import ApplicationFactory
from tests.enrollment.helpers import row, service_data
from tests.factories import ProgramFactory, secretariat_of
from tests.helpers import variants

pytestmark = pytest.mark.django_db

RECORDING = variants(secretariat_approves=False)
ADMIN = "kanri@example.jp"


def register(program):
    return services.application_submit(
        program=program, data=service_data(program), registrants=[row(1, admin=True, email=ADMIN), row(2)]
    )


def confirm_url(application):
    return reverse("enrollment:confirm-email", args=[application.access_token, application.email_confirm_key()])


@pytest.mark.parametrize("variant", RECORDING)
def test_a_registration_gives_no_login_until_both_human_steps(variant, client, django_capture_on_commit_callbacks):
    program = ProgramFactory(variant=variant, secretariat_email="office@example.jp")
    with django_capture_on_commit_callbacks(execute=True):
        application = register(program)
    assert application.status == ApplicationStatus.APPROVED and application.facility is not None
    assert not User.objects.filter(email=ADMIN).exists()
    assert not Role.objects.filter(facility=application.facility).exists()
    assert [m.to for m in mail.outbox] == [["contact@example.jp"]]
    assert confirm_url(application) in mail.outbox[0].body

    secretary = secretariat_of(program)
    with pytest.raises(services.ValidationError, match="まだメールアドレスを確認していません"):
        services.application_acknowledge(application=application, by=secretary)

    assert client.get(confirm_url(application)).status_code == 200
    application.refresh_from_db()
    assert application.email_confirmed_at is None  # GET changes nothing
    with django_capture_on_commit_callbacks(execute=True):
        client.post(confirm_url(application))
        client.post(confirm_url(application))  # twice: one record
    assert application.events.filter(kind=EventKind.EMAIL_CONFIRMED).count() == 1
    assert any("office@example.jp" in m.to for m in mail.outbox)
    assert not User.objects.filter(email=ADMIN).exists()

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.application_acknowledge(application=application, by=secretary)
    user = User.objects.get(email=ADMIN)
    assert Role.objects.filter(user=user, facility=application.facility, kind=RoleKind.FACILITY_ADMIN,
                               is_active=True).exists()
    assert [m.to for m in mail.outbox] == [[ADMIN]]
    event = application.events.get(kind=EventKind.ACKNOWLEDGED)
    assert event.actor == secretary
    with pytest.raises(services.TransitionError, match="受付確認"):
        services.application_acknowledge(application=application, by=secretariat_of(program))


def test_a_wrong_confirmation_key_is_not_found(client):
    application = register(ProgramFactory(variant=RECORDING[0]))
    wrong = reverse("enrollment:confirm-email", args=[application.access_token, "0" * 40])
    assert client.get(wrong).status_code == 404
    assert client.post(wrong).status_code == 404
    application.refresh_from_db()
    assert application.email_confirmed_at is None


def test_the_secretariat_cannot_acknowledge_a_registration_that_names_her():
    program = ProgramFactory(variant=RECORDING[0])
    application = register(program)
    services.application_confirm_email(application=application)
    with pytest.raises(services.ValidationError, match="自分が関わる申込"):
        services.application_acknowledge(application=application, by=secretariat_of(program, user__email=ADMIN))
    assert not Role.objects.filter(facility=application.facility).exists()


def test_the_queue_and_the_page_show_a_registration_awaiting_acknowledgement(client):
    program = ProgramFactory(variant=RECORDING[0])
    application = register(program)
    client.force_login(secretariat_of(program))
    queue = client.get(reverse("enrollment:application-list", args=[program.slug])).content.decode()
    assert "受付確認待ち" in queue
    page = client.get(reverse("enrollment:application-detail", args=[program.slug, application.pk])).content.decode()
    assert "未確認" in page and "受付確認して管理者を有効にする" not in page
    services.application_confirm_email(application=application)
    page = client.get(reverse("enrollment:application-detail", args=[program.slug, application.pk])).content.decode()
    assert "受付確認して管理者を有効にする" in page
    invite = client.post(reverse("enrollment:application-invite", args=[program.slug, application.pk]), follow=True)
    assert "受付確認の前は" in invite.content.decode()


def test_a_registration_held_for_the_secretariat_and_then_approved_waits_for_nothing_more():
    """Held because it named an address in use (resolved since): the member's approval is the human step."""
    program = ProgramFactory(variant=RECORDING[0])
    application = ApplicationFactory(program=program)
    secretary = secretariat_of(program)
    services.application_approve(application=application, by=secretary)
    application.refresh_from_db()
    assert not application.awaits_acknowledgement and application.acknowledged_by == secretary
    assert Role.objects.filter(facility=application.facility, kind=RoleKind.FACILITY_ADMIN, is_active=True).exists()
