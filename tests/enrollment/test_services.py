import datetime

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.models import User
from core.services import PolicyBlocked
from enrollment import services
from enrollment.models import ApplicationEvent, ApplicationStatus, EventKind
from facilities.models import Facility, FacilityStatus, Role, RoleKind, Staff, StaffStatus
from policy.rules import VARIANTS
from tests.enrollment.factories import ApplicationFactory, RegistrantFactory
from tests.enrollment.helpers import STAFF_STATUS_ON_APPROVAL, row, service_data
from tests.factories import FacilityFactory, ProgramFactory, StaffFactory, UserFactory
from tests.helpers import variants

pytestmark = pytest.mark.django_db

S = ApplicationStatus
APPROVING = variants(secretariat_approves=True)
RECORDING = variants(secretariat_approves=False)
WITH_PLEDGE = variants(lambda p: p.facility_pledge_text is not None)


def submit(program, rows=None, **overrides):
    rows = rows if rows is not None else [row(1, admin=True), row(2)]
    return services.application_submit(program=program, data=service_data(program, **overrides), registrants=rows)


@pytest.mark.parametrize("variant", APPROVING)
def test_submit_gives_a_receipt_number_per_program_and_year(variant, django_capture_on_commit_callbacks):
    program = ProgramFactory(variant=variant, code="MTB", secretariat_email="office@example.jp")
    with django_capture_on_commit_callbacks(execute=True):
        first = submit(program)
    second = submit(program, rows=[row(3, admin=True)])
    year = timezone.localdate().year
    assert first.receipt_number == f"MTB-{year}-0001" and second.receipt_number == f"MTB-{year}-0002"
    assert first.status == S.SUBMITTED and first.submitted_at is not None
    assert [r.full_name for r in first.registrants.all()] == ["登録 花子1", "登録 花子2"]
    assert list(first.events.values_list("kind", "from_status", "to_status")) == [
        (EventKind.SUBMITTED, S.DRAFT, S.SUBMITTED)
    ]
    assert len(first.access_token) >= 40
    to = sorted(m.to[0] for m in mail.outbox)
    assert to == ["contact@example.jp", "office@example.jp"]
    receipt = next(m for m in mail.outbox if m.to == ["contact@example.jp"])
    assert first.receipt_number in receipt.subject and f"/p/applications/{first.access_token}/" in receipt.body
    # Another program counts from 1 again.
    assert submit(ProgramFactory(variant=variant, code="OTH")).receipt_number == f"OTH-{year}-0001"


@pytest.mark.parametrize("variant", WITH_PLEDGE)
def test_no_pledge_blocks_with_the_article_and_saves_nothing(variant):
    program = ProgramFactory(variant=variant)
    with pytest.raises(PolicyBlocked) as blocked:
        submit(program, pledge_agreed=False)
    assert [v.rule for v in blocked.value.violations] == ["APP-PLEDGE"]
    article = blocked.value.violations[0].article
    assert article in blocked.value.messages[0] and program.policy.policy_title in blocked.value.messages[0]
    assert not program.applications.exists()


@pytest.mark.parametrize("variant", VARIANTS)
def test_no_administrator_blocks_in_every_variant(variant):
    program = ProgramFactory(variant=variant)
    with pytest.raises(PolicyBlocked) as blocked:
        submit(program, rows=[row(1), row(2)])
    assert "APP-ADMIN" in [v.rule for v in blocked.value.violations]


@pytest.mark.parametrize("variant", VARIANTS)
def test_an_address_twice_or_already_in_use_blocks(variant):
    program = ProgramFactory(variant=variant)
    with pytest.raises(PolicyBlocked):
        submit(program, rows=[row(1, admin=True, email="same@example.jp"), row(2, email="SAME@example.jp")])
    StaffFactory(facility=FacilityFactory(program=program), email="Taken@example.jp")
    # An address already in use does not stop the applicant (who must not learn it): the
    # secretariat finds it on the application, and the approval refuses it until resolved.
    application = submit(program, rows=[row(1, admin=True, email="taken@example.jp")])
    assert application.status == S.SUBMITTED and application.facility is None
    assert [f["rule"] for f in application.blocks] == ["APP-EMAIL-DUP"]
    assert "taken@example.jp" in application.blocks[0]["message"]
    with pytest.raises(PolicyBlocked, match=r"taken@example\.jp"):
        services.application_approve(application=application, by=UserFactory())


def test_an_address_of_removed_staff_or_another_program_is_free():
    program = ProgramFactory(variant="matsubara")
    StaffFactory(facility=FacilityFactory(program=program), email="gone@example.jp", status=StaffStatus.REMOVED)
    StaffFactory(email="elsewhere@example.jp")
    submit(program, rows=[row(1, admin=True, email="gone@example.jp"), row(2, email="elsewhere@example.jp")])


def test_warnings_are_recorded_on_the_application():
    program = ProgramFactory(variant="iwakuni")
    application = submit(program, rows=[row(1, admin=True), row(2, admin=True, email="info@example.jp")])
    rules = [f["rule"] for f in application.findings]
    assert rules == ["APP-ADMIN-ONE", "APP-EMAIL-SHARED"]
    assert all(f["severity"] == "warn" and f["article"] and f["message"] for f in application.findings)


@pytest.mark.parametrize(
    ("variant", "without_reason"),
    [("musashimurayama", "block"), ("iwakuni", "block"), ("matsubara", "warn"), ("kumagaya", None), ("chuo", None)],
)
def test_out_of_area_follows_the_variant(variant, without_reason):
    program = ProgramFactory(variant=variant)
    far = {"postal_code": "100-0001", "address": "東京都千代田区千代田1-1"}
    if without_reason == "block":
        with pytest.raises(PolicyBlocked) as blocked:
            submit(program, **far)
        assert blocked.value.violations[0].rule == "APP-AREA"
        submit(program, out_of_area_reason="区内の利用者を訪問しています", **far)
        return
    application = submit(program, **far)
    expected = ["APP-AREA"] if without_reason == "warn" else []
    assert [f["rule"] for f in application.findings] == expected


def test_kumagaya_records_who_invited_and_warns_when_nobody_did():
    program = ProgramFactory(variant="kumagaya")
    invited = submit(program)
    assert invited.invited_by and invited.findings == []
    assert [f["rule"] for f in submit(program, rows=[row(9, admin=True)], invited_by="").findings] == ["APP-INVITE"]


@pytest.mark.parametrize("variant", WITH_PLEDGE)
def test_the_pledge_agreed_is_kept_word_for_word(variant):
    program = ProgramFactory(variant=variant)
    application = submit(program)
    assert application.pledge_agreed and application.pledge_text == list(program.policy.facility_pledge_text)


@pytest.mark.parametrize("variant", APPROVING)
def test_approval_enrolls_the_facility_its_staff_and_invites_the_administrator(
    variant, django_capture_on_commit_callbacks
):
    program = ProgramFactory(variant=variant, code="KMG")
    FacilityFactory(program=program, number="KMG-0007")
    FacilityFactory(program=program, number="KMG-OLD")
    application = submit(program)
    secretary = UserFactory()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.application_approve(application=application, by=secretary)
    application.refresh_from_db()
    facility = application.facility
    assert application.status == S.APPROVED and application.decided_by == secretary
    assert facility.number == "KMG-0008" and facility.status == FacilityStatus.ACTIVE
    assert facility.approved_on == timezone.localdate() and facility.name == "みらい在宅クリニック"
    staff = list(Staff.objects.filter(facility=facility).order_by("email"))
    status = STAFF_STATUS_ON_APPROVAL[variant]
    assert [(s.email, s.is_admin, s.status) for s in staff] == [
        ("hanako1@example.jp", True, status), ("hanako2@example.jp", False, status)
    ]
    admin = User.objects.get(email="hanako1@example.jp")
    assert not admin.has_usable_password() and staff[0].user == admin
    assert Role.objects.filter(user=admin, facility=facility, kind=RoleKind.FACILITY_ADMIN, is_active=True).exists()
    assert not User.objects.filter(email="hanako2@example.jp").exists()
    invitation = next(m for m in mail.outbox if m.to == ["hanako1@example.jp"])
    assert "/accounts/password/reset/" in invitation.body and facility.number in invitation.body
    assert any(m.to == ["contact@example.jp"] and "承認" in m.subject for m in mail.outbox)
    event = application.events.get(kind=EventKind.APPROVED)
    assert (event.actor, event.from_status) == (secretary, S.SUBMITTED)


def test_an_existing_account_is_reused_and_told_to_log_in(django_capture_on_commit_callbacks):
    program = ProgramFactory(variant="matsubara")
    existing = UserFactory(email="hanako1@example.jp")
    application = submit(program)
    with django_capture_on_commit_callbacks(execute=True):
        services.application_approve(application=application, by=UserFactory())
    assert User.objects.filter(email__iexact="hanako1@example.jp").count() == 1
    existing.refresh_from_db()
    assert existing.has_usable_password()
    invitation = next(m for m in mail.outbox if m.to == ["hanako1@example.jp"])
    assert "/accounts/password/reset/" not in invitation.body and "/accounts/login/" in invitation.body


def test_a_second_approval_is_refused_clearly():
    application = ApplicationFactory(program=ProgramFactory(variant="matsubara"))
    services.application_approve(application=application, by=UserFactory())
    with pytest.raises(services.TransitionError, match="「承認」したため、いまは「承認済み」です。承認できません"):
        services.application_approve(application=application, by=UserFactory())
    assert Facility.objects.filter(application=application).count() == 1
    assert application.events.filter(to_status=S.APPROVED).count() == 1


def test_approval_asks_the_policy_again_about_addresses_taken_since():
    program = ProgramFactory(variant="matsubara")
    application = ApplicationFactory(program=program)
    email = application.registrants.get().email
    StaffFactory(facility=FacilityFactory(program=program), email=email)
    facilities = Facility.objects.count()
    with pytest.raises(PolicyBlocked, match=email):
        services.application_approve(application=application, by=UserFactory())
    application.refresh_from_db()
    assert application.status == S.SUBMITTED and Facility.objects.count() == facilities


@pytest.mark.parametrize("variant", RECORDING)
def test_where_nobody_approves_the_registration_is_recorded_at_once(variant, django_capture_on_commit_callbacks):
    program = ProgramFactory(variant=variant, secretariat_email="office@example.jp")
    with django_capture_on_commit_callbacks(execute=True):
        application = submit(program)
    application.refresh_from_db()
    assert application.status == S.APPROVED and application.decided_by is None
    assert application.facility.status == FacilityStatus.ACTIVE
    assert list(application.events.values_list("kind", flat=True)) == [EventKind.SUBMITTED, EventKind.REGISTERED]
    assert application.events.get(kind=EventKind.REGISTERED).actor is None
    # Nobody gets a login from an anonymous form: the administrators wait for the human steps.
    assert {m.to[0] for m in mail.outbox} == {"contact@example.jp"}
    assert application.awaits_acknowledgement
    assert not Role.objects.filter(facility=application.facility).exists()
    assert application.pledge_text == [] and not application.pledge_agreed  # no pledge in this variant


def test_return_needs_a_comment_and_a_deadline_not_in_the_past():
    application = ApplicationFactory()
    by = UserFactory()
    with pytest.raises(ValidationError):
        services.application_return(application=application, by=by, comment=" ", deadline=timezone.localdate())
    with pytest.raises(ValidationError):
        services.application_return(
            application=application, by=by, comment="直してください", deadline=timezone.localdate() - datetime.timedelta(1)
        )
    application.refresh_from_db()
    assert application.status == S.SUBMITTED


def test_resubmission_replaces_the_rows_and_keeps_the_history(django_capture_on_commit_callbacks):
    program = ProgramFactory(variant="matsubara", secretariat_email="office@example.jp")
    application = submit(program)
    by = UserFactory()
    deadline = timezone.localdate() + datetime.timedelta(days=7)
    with django_capture_on_commit_callbacks(execute=True):
        services.application_return(application=application, by=by, comment="職種を直してください", deadline=deadline)
    assert any("職種を直してください" in m.body and m.to == ["contact@example.jp"] for m in mail.outbox)
    services.application_resubmit(
        application=application, data=service_data(program, facility_name="みらい在宅クリニック本院"),
        registrants=[row(1, admin=True, job="doctor")],
    )
    application.refresh_from_db()
    assert application.status == S.RESUBMITTED and application.facility_name == "みらい在宅クリニック本院"
    assert [r.job for r in application.registrants.all()] == ["doctor"]
    assert application.history.count() >= 3
    kinds = list(application.events.values_list("kind", flat=True))
    assert kinds == [EventKind.SUBMITTED, EventKind.RETURNED, EventKind.RESUBMITTED]
    assert application.events.get(kind=EventKind.RETURNED).deadline == deadline


def test_reject_and_withdraw_record_their_reasons():
    rejected = ApplicationFactory()
    services.application_reject(application=rejected, by=UserFactory(), reason="対象地域外のため")
    rejected.refresh_from_db()
    assert rejected.status == S.REJECTED and rejected.decision_reason == "対象地域外のため"
    with pytest.raises(ValidationError):
        services.application_reject(application=ApplicationFactory(), by=UserFactory(), reason="")
    withdrawn = ApplicationFactory()
    services.application_withdraw(application=withdrawn, reason="重複")
    withdrawn.refresh_from_db()
    assert withdrawn.status == S.WITHDRAWN and withdrawn.events.get().actor is None


def _act(action, application):
    by = UserFactory()
    if action == S.RETURNED:
        services.application_return(
            application=application, by=by, comment="c", deadline=timezone.localdate() + datetime.timedelta(days=3)
        )
    elif action == S.REJECTED:
        services.application_reject(application=application, by=by, reason="r")
    elif action == S.WITHDRAWN:
        services.application_withdraw(application=application, by=by)
    elif action == S.APPROVED:
        services.application_approve(application=application, by=by)
    elif action == S.RESUBMITTED:
        program = application.program
        services.application_resubmit(
            application=application, data=service_data(program), registrants=[row(1, admin=True)]
        )


ACTIONS = (S.RETURNED, S.REJECTED, S.WITHDRAWN, S.APPROVED, S.RESUBMITTED)


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("start", [s for s in S.values if s != S.DRAFT])
def test_each_service_moves_only_where_the_table_allows(start, action):
    from enrollment.models import can_move

    program = ProgramFactory(variant="matsubara")
    extra = {}
    if start == S.APPROVED:
        extra["facility"] = FacilityFactory(program=program)
    if start == S.RETURNED:
        extra["return_deadline"] = timezone.localdate()
    application = ApplicationFactory(program=program, status=start, **extra)
    if can_move(start, action):
        _act(action, application)
        application.refresh_from_db()
        assert application.status == action
        assert ApplicationEvent.objects.filter(application=application, from_status=start, to_status=action).exists()
    else:
        with pytest.raises(services.TransitionError):
            _act(action, application)
        application.refresh_from_db()
        assert application.status == start and not application.events.exists()


def test_resend_invitations_only_after_approval(django_capture_on_commit_callbacks):
    application = ApplicationFactory(program=ProgramFactory(variant="matsubara"))
    with pytest.raises(services.TransitionError):
        services.application_resend_invitations(application=application, by=UserFactory())
    services.application_approve(application=application, by=UserFactory())
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert services.application_resend_invitations(application=application, by=UserFactory()) == 1
    assert len(mail.outbox) == 1 and "/accounts/password/reset/" in mail.outbox[0].body
    assert application.events.filter(kind=EventKind.INVITED).exists()


def test_only_designated_administrators_get_an_account_and_a_role():
    program = ProgramFactory(variant="matsubara")
    application = ApplicationFactory(program=program)
    RegistrantFactory(application=application, position=2, email="second@example.jp")
    services.application_approve(application=application, by=UserFactory())
    facility = Facility.objects.get(application=application)
    assert Staff.objects.filter(facility=facility).count() == 2
    assert Role.objects.filter(facility=facility).count() == 1
    assert not User.objects.filter(email="second@example.jp").exists()


def test_mails_are_plain_text_a_name_with_an_ampersand_arrives_as_typed(django_capture_on_commit_callbacks):
    # Mails render through the text engine: "&" and "<" must not arrive as "&amp;" and "&lt;".
    program = ProgramFactory(variant="matsubara", name="松原＆羽曳野ネット")
    name = "A&B在宅クリニック <本院>"
    with django_capture_on_commit_callbacks(execute=True):
        application = submit(program, facility_name=name)
    with django_capture_on_commit_callbacks(execute=True):
        services.application_approve(application=application, by=UserFactory())
    receipt = next(m for m in mail.outbox if m.to == ["contact@example.jp"])
    invitation = next(m for m in mail.outbox if m.to == ["hanako1@example.jp"])
    for message in (receipt, invitation):
        assert name in message.body and "&amp;" not in message.body and "&lt;" not in message.body
        assert "松原＆羽曳野ネット" in message.subject


def test_an_invitation_is_resent_to_each_active_administrator_with_one_event(django_capture_on_commit_callbacks):
    program = ProgramFactory(variant="matsubara")
    application = submit(program)
    services.application_approve(application=application, by=UserFactory())
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert services.application_resend_invitations(application=application, by=UserFactory()) == 1
    assert [m.to for m in mail.outbox] == [["hanako1@example.jp"]] and "/accounts/password/reset/" in mail.outbox[0].body
    assert application.events.filter(kind=EventKind.INVITED, comment="1名に送信").count() == 1


@pytest.mark.parametrize("variant", APPROVING)
def test_approval_puts_no_line_on_a_change_notice(variant):
    # The first staff come with the application: facilities' staff_add(on_notice=False).
    from facilities.models import NoticeLine

    program = ProgramFactory(variant=variant)
    application = services.application_approve(application=submit(program), by=UserFactory())
    assert application.facility.staff.count() == 2
    assert not NoticeLine.objects.filter(notice__facility=application.facility).exists()
