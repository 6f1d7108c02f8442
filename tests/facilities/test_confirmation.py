"""The yearly confirmation (継続確認): campaigns, a facility's answer, reminders, in the variants
whose removals differ (the change notice first, or a removal at once)."""

import datetime

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from core.services import PolicyBlocked
from facilities import confirmation as svc
from facilities.confirmation import StaffAnswer
from facilities.models import (
    ChangeKind,
    ConfirmationAnswer,
    ConfirmationCampaign,
    ConfirmationReminder,
    DeviceReturn,
    FacilityConfirmation,
    FacilityStatus,
    Invitation,
    NoticeLine,
    RemovalReason,
    Role,
    RoleKind,
    StaffRemoval,
    StaffStatus,
)
from tests.conftest import make_world
from tests.facilities.helpers import NOTICE_FIRST_VARIANTS, NOTICE_VARIANTS, TODAY
from tests.factories import FacilityFactory, StaffFactory, UserFactory, admin_of
from tests.helpers import variants

pytestmark = pytest.mark.django_db

DIRECT_VARIANTS = [v for v in variants() if v not in NOTICE_FIRST_VARIANTS]
STAY = StaffAnswer(still_employed=True, still_admin=False, email_personal=True)
STAY_ADMIN = StaffAnswer(still_employed=True, still_admin=True, email_personal=True)
LEFT = StaffAnswer(
    still_employed=False, left_reason=RemovalReason.RETIRED, left_on=TODAY, devices=DeviceReturn.RETURNED
)


@pytest.fixture
def world(db):
    """Program A on matsubara, made on first use but for its two facilities (both to be asked)."""
    return _two_facilities(make_world(lazy=True))


@pytest.fixture
def vworld(db, variant):
    return _two_facilities(make_world(variant_a=variant, lazy=True))


def _two_facilities(world):
    assert world.facility_a != world.facility_a2
    return world


def ledger(world):
    """facility_a's ledger: its administrator (admin_a's line) and a nurse, both in use."""
    boss = StaffFactory(facility=world.facility_a, user=world.admin_a, email=world.admin_a.email, is_admin=True,
                        full_name="管理 一郎")
    nurse = StaffFactory(facility=world.facility_a, full_name="看護 花子", started_on=TODAY - datetime.timedelta(days=400))
    return boss, nurse


def start(world, **kwargs):
    data = {"title": "令和8年度 継続確認", "due_on": TODAY + datetime.timedelta(days=30)}
    data.update(kwargs)
    return svc.campaign_start(program=world.program_a, by=world.secretariat_a, **data)


def mine(campaign, world):
    return campaign.confirmations.get(facility=world.facility_a)


# --- Campaigns -------------------------------------------------------------------------------


def test_a_campaign_asks_every_active_facility_and_tells_its_administrators(
    world, django_capture_on_commit_callbacks
):
    ledger(world)
    FacilityFactory(program=world.program_a, status=FacilityStatus.WITHDRAWN)
    with django_capture_on_commit_callbacks(execute=True):
        campaign = start(world)
    facilities = set(campaign.confirmations.values_list("facility", flat=True))
    assert facilities == {world.facility_a.pk, world.facility_a2.pk}
    [message] = [m for m in mail.outbox if world.admin_a.email in m.to]
    assert "継続確認のお願い" in message.subject
    label = world.program_a.policy.admin_label  # m@tsuネット管理者, never a fixed MCS管理者
    assert message.body.startswith(f"{world.facility_a.name} {label} 様") and f"・{label}を続けるか" in message.body
    assert f"/confirmation-answers/{mine(campaign, world).pk}/" in message.body


def test_starting_a_campaign_closes_the_open_one_whose_unanswered_stay_recorded(world):
    first = start(world)
    second = start(world, title="令和9年度 継続確認", close_open=True)
    first.refresh_from_db()
    assert first.closed_at is not None and second.closed_at is None
    assert first.confirmations.unanswered().count() == 2
    assert FacilityConfirmation.objects.awaiting().filter(campaign=first).count() == 0


def test_an_open_campaign_is_closed_only_when_the_secretariat_says_so(world):
    first = start(world)
    with pytest.raises(ValidationError) as exc:
        start(world, title="令和9年度 継続確認")
    assert "受付中の「令和8年度 継続確認」があります" in str(exc.value) and "close_open" in exc.value.message_dict
    first.refresh_from_db()
    assert first.closed_at is None and ConfirmationCampaign.objects.count() == 1


def test_the_same_start_sent_twice_asks_nobody_twice(world, django_capture_on_commit_callbacks):
    """A double click or Back and send again: the open campaign of that name, marked repeated."""
    ledger(world)
    with django_capture_on_commit_callbacks(execute=True):
        first = start(world)
    sent = len(mail.outbox)
    for close_open in (False, True):  # with the box ticked (a double click on a restart) too
        with django_capture_on_commit_callbacks(execute=True):
            again = start(world, close_open=close_open)
        assert again.pk == first.pk and again.repeated
    first.refresh_from_db()
    assert first.closed_at is None and ConfirmationCampaign.objects.count() == 1 and len(mail.outbox) == sent


def test_the_start_counts_the_addresses_mailed_and_the_facilities_nobody_can_receive(
    world, django_capture_on_commit_callbacks
):
    ledger(world)  # facility_a: admin_a; facility_a2: nobody
    stopped = FacilityFactory(program=world.program_a)
    gone = admin_of(stopped)
    gone.is_active = False
    gone.save()
    with django_capture_on_commit_callbacks(execute=True):
        campaign = start(world)
    assert campaign.confirmations.count() == 3
    assert campaign.recipients == 1 == len(mail.outbox)
    assert {f.pk for f in campaign.unreachable} == {world.facility_a2.pk, stopped.pk}


def test_a_due_date_in_the_past_is_refused(world):
    with pytest.raises(ValidationError) as exc:
        start(world, due_on=TODAY - datetime.timedelta(days=1))
    assert "今日以降" in str(exc.value)


# --- Answering -------------------------------------------------------------------------------


@pytest.mark.parametrize("variant", NOTICE_FIRST_VARIANTS)
def test_a_leaver_goes_on_the_change_notice_where_it_comes_first(vworld):
    boss, nurse = ledger(vworld)
    confirmation = mine(start(vworld), vworld)
    svc.confirmation_submit(confirmation=confirmation, by=vworld.admin_a, answers={boss.pk: STAY_ADMIN, nurse.pk: LEFT})
    nurse.refresh_from_db()
    removal = StaffRemoval.objects.get(staff=nurse)
    assert nurse.status == StaffStatus.ACTIVE and removal.removed_at is None
    assert NoticeLine.objects.filter(staff=nurse, change=ChangeKind.REMOVE, notice__status="draft").exists()


@pytest.mark.parametrize("variant", DIRECT_VARIANTS)
def test_a_leaver_is_removed_at_once_elsewhere(vworld, variant):
    boss, nurse = ledger(vworld)
    confirmation = mine(start(vworld), vworld)
    svc.confirmation_submit(confirmation=confirmation, by=vworld.admin_a, answers={boss.pk: STAY_ADMIN, nurse.pk: LEFT})
    nurse.refresh_from_db()
    assert nurse.status == StaffStatus.REMOVED and nurse.ended_on == TODAY
    assert nurse.removal.removed_by == vworld.admin_a
    on_notice = NoticeLine.objects.filter(staff=nurse, change=ChangeKind.REMOVE).exists()
    assert on_notice == (variant in NOTICE_VARIANTS)


def test_the_answer_is_recorded_line_by_line_with_who_and_when(world):
    boss, nurse = ledger(world)
    confirmation = mine(start(world), world)
    shared = StaffAnswer(still_employed=True, still_admin=False, email_personal=False)
    svc.confirmation_submit(confirmation=confirmation, by=world.admin_a, answers={boss.pk: STAY_ADMIN, nurse.pk: shared})
    confirmation.refresh_from_db()
    assert confirmation.submitted_by == world.admin_a and confirmation.submitted_at is not None
    rows = {a.staff_id: a for a in confirmation.answers.all()}
    assert rows[boss.pk].was_admin and rows[boss.pk].still_admin and rows[boss.pk].email_personal
    assert rows[nurse.pk].email == nurse.email and rows[nurse.pk].email_personal is False
    assert confirmation.history.first().history_user == world.admin_a


def test_a_second_submission_changes_nothing(world):
    boss, nurse = ledger(world)
    confirmation = mine(start(world), world)
    answers = {boss.pk: STAY_ADMIN, nurse.pk: STAY}
    svc.confirmation_submit(confirmation=confirmation, by=world.admin_a, answers=answers)
    with pytest.raises(svc.AlreadyAnswered):
        svc.confirmation_submit(confirmation=confirmation, by=world.admin_a, answers={boss.pk: STAY_ADMIN, nurse.pk: LEFT})
    assert ConfirmationAnswer.objects.filter(confirmation=confirmation).count() == 2
    nurse.refresh_from_db()
    assert nurse.status == StaffStatus.ACTIVE and not StaffRemoval.objects.filter(staff=nurse).exists()


def test_a_ledger_changed_while_answering_is_refused(world):
    boss, nurse = ledger(world)
    confirmation = mine(start(world), world)
    StaffFactory(facility=world.facility_a)  # added after the page was drawn
    with pytest.raises(ValidationError) as exc:
        svc.confirmation_submit(confirmation=confirmation, by=world.admin_a, answers={boss.pk: STAY_ADMIN, nurse.pk: STAY})
    assert "台帳が変わりました" in str(exc.value)
    assert not ConfirmationAnswer.objects.exists()


def test_administrator_flags_follow_through_the_staff_services(world):
    boss, nurse = ledger(world)
    confirmation = mine(start(world), world)
    svc.confirmation_submit(
        confirmation=confirmation, by=world.admin_a, answers={boss.pk: STAY, nurse.pk: STAY_ADMIN}
    )
    boss.refresh_from_db()
    nurse.refresh_from_db()
    assert not boss.is_admin
    # The portal role follows the ledger: the one who stepped down no longer administers the facility.
    ended = Role.objects.get(user=world.admin_a, facility=world.facility_a, kind=RoleKind.FACILITY_ADMIN)
    assert not ended.is_active and ended.revoked_by == world.admin_a and "継続確認" in ended.revoke_reason
    assert nurse.is_admin and Role.objects.filter(
        user=nurse.user, facility=world.facility_a, kind=RoleKind.FACILITY_ADMIN, is_active=True
    ).exists()


def test_nobody_left_as_administrator_is_refused(world):
    boss, nurse = ledger(world)
    confirmation = mine(start(world), world)
    with pytest.raises(ValidationError) as exc:
        svc.confirmation_submit(confirmation=confirmation, by=world.admin_a, answers={boss.pk: LEFT, nurse.pk: STAY})
    assert f"{world.program_a.policy.admin_label}が1人もいなくなります" in str(exc.value)
    assert not StaffRemoval.objects.exists()


def test_a_non_administrator_made_one_gets_a_true_reason_and_an_invitation(
    world, django_capture_on_commit_callbacks
):
    boss, nurse = ledger(world)
    confirmation = mine(start(world), world)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        svc.confirmation_submit(confirmation=confirmation, by=world.admin_a, answers={boss.pk: STAY_ADMIN,
                                                                                       nurse.pk: STAY_ADMIN})
    nurse.refresh_from_db()
    role = Role.objects.get(user=nurse.user, facility=world.facility_a, kind=RoleKind.FACILITY_ADMIN)
    assert role.is_active and role.grant_reason == "継続確認で管理者に指定" and role.granted_by == world.admin_a
    assert not nurse.user.has_usable_password()
    invitation = Invitation.objects.get(role=role)  # as the 役割と招待 page invites
    assert invitation.created_by == world.admin_a and invitation.accepted_at is None
    [message] = [m for m in mail.outbox if nurse.email in m.to]
    assert f"{world.facility_a.name}のm@tsuネット管理者に登録されました" in message.subject
    assert "/invitation/" in message.body
    answer = confirmation.answers.get(staff=nurse)
    assert not answer.was_admin and answer.still_admin


def test_a_shared_address_is_not_made_an_administrator(world):
    boss, nurse = ledger(world)
    confirmation = mine(start(world), world)
    shared_admin = StaffAnswer(still_employed=True, still_admin=True, email_personal=False)
    with pytest.raises(ValidationError) as exc:
        svc.confirmation_submit(confirmation=confirmation, by=world.admin_a,
                                answers={boss.pk: STAY_ADMIN, nurse.pk: shared_admin})
    assert "看護 花子さん: " in str(exc.value) and "本人だけが使うメールアドレスにしか作れません" in str(exc.value)
    nurse.refresh_from_db()
    assert nurse.user is None and not nurse.is_admin and not ConfirmationAnswer.objects.exists()
    assert not User.objects.filter(email__iexact=nurse.email).exists()


def test_a_stopped_login_is_not_made_an_administrator(world):
    boss, nurse = ledger(world)
    nurse.user = UserFactory(email=nurse.email, is_active=False)
    nurse.save()
    confirmation = mine(start(world), world)
    with pytest.raises(ValidationError, match="看護 花子さん: このメールアドレスのアカウントは停止されています"):
        svc.confirmation_submit(confirmation=confirmation, by=world.admin_a,
                                answers={boss.pk: STAY_ADMIN, nurse.pk: STAY_ADMIN})
    assert not Role.objects.filter(user=nurse.user, kind=RoleKind.FACILITY_ADMIN).exists()


def test_an_administrator_is_who_people_counts_and_the_answer_leaves_mark_and_role_agreeing(world):
    """A role without the ledger's mark, and a mark without a role (登録内容を直す sets the mark
    alone), are both administrators here; after the answer the mark and the role agree."""
    boss, nurse = ledger(world)
    role_only = StaffFactory(facility=world.facility_a, user=admin_of(world.facility_a), full_name="役割 だけ")
    role_only.email = role_only.user.email
    role_only.save()
    mark_only = StaffFactory(facility=world.facility_a, is_admin=True, full_name="印 だけ")
    confirmation = mine(start(world), world)
    svc.confirmation_submit(confirmation=confirmation, by=world.admin_a, answers={
        boss.pk: STAY_ADMIN, nurse.pk: STAY, role_only.pk: STAY, mark_only.pk: STAY_ADMIN,
    })
    rows = {a.staff_id: a for a in confirmation.answers.all()}
    assert rows[role_only.pk].was_admin and rows[mark_only.pk].was_admin and not rows[nurse.pk].was_admin
    ended = Role.objects.get(user=role_only.user, facility=world.facility_a, kind=RoleKind.FACILITY_ADMIN)
    assert not ended.is_active and "継続確認" in ended.revoke_reason
    mark_only.refresh_from_db()
    kept = Role.objects.get(user=mark_only.user, facility=world.facility_a, kind=RoleKind.FACILITY_ADMIN)
    assert kept.is_active and kept.grant_reason.startswith("継続確認で管理者を続ける") and mark_only.is_admin


@pytest.mark.parametrize("variant", DIRECT_VARIANTS[:1])
def test_a_blocked_removal_rolls_the_whole_answer_back(vworld, registered):
    boss, nurse = ledger(vworld)
    confirmation = mine(start(vworld), vworld)
    registered(counter=lambda *, staff: 1)  # a group seat the removal could not end
    with pytest.raises(PolicyBlocked) as exc:
        svc.confirmation_submit(
            confirmation=confirmation, by=vworld.admin_a, answers={boss.pk: STAY_ADMIN, nurse.pk: LEFT}
        )
    assert str(exc.value).count("看護 花子さん: ") >= 1
    confirmation.refresh_from_db()
    nurse.refresh_from_db()
    assert confirmation.submitted_at is None and not confirmation.answers.exists()
    assert nurse.status == StaffStatus.ACTIVE


def test_a_closed_campaign_takes_no_answer(world):
    boss, nurse = ledger(world)
    confirmation = mine(start(world), world)
    start(world, title="次の継続確認", close_open=True)
    with pytest.raises(ValidationError, match="締め切られました"):
        svc.confirmation_submit(confirmation=confirmation, by=world.admin_a, answers={boss.pk: STAY_ADMIN, nurse.pk: STAY})


# --- Reminders -------------------------------------------------------------------------------


def test_the_reminder_button_writes_to_those_who_have_not_answered_once_a_day(
    world, django_capture_on_commit_callbacks
):
    boss, nurse = ledger(world)
    admin_a2 = admin_of(world.facility_a2)
    campaign = start(world)
    svc.confirmation_submit(confirmation=mine(campaign, world), by=world.admin_a,
                            answers={boss.pk: STAY_ADMIN, nurse.pk: STAY})
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert svc.campaign_remind(campaign=campaign, by=world.secretariat_a) == 1
        assert svc.campaign_remind(campaign=campaign, by=world.secretariat_a) == 0
    assert [m.to for m in mail.outbox] == [[admin_a2.email]]
    assert "まだです" in mail.outbox[0].subject
    reminder = ConfirmationReminder.objects.get()
    assert reminder.sent_by == world.secretariat_a and reminder.recipients == 1 and reminder.sent_on == TODAY
    tomorrow = TODAY + datetime.timedelta(days=1)
    assert svc.campaign_remind(campaign=campaign, by=world.secretariat_a, today=tomorrow) == 1


def _started_days_ago(campaign, days):
    type(campaign).objects.filter(pk=campaign.pk).update(started_at=timezone.now() - datetime.timedelta(days=days))


def test_reminders_fall_due_a_week_after_the_start_and_after_the_last_one(world):
    campaign = start(world)
    assert not svc.confirmation_reminders_due(TODAY).exists()
    _started_days_ago(campaign, svc.REMINDER_INTERVAL_DAYS)
    assert svc.confirmation_reminders_due(TODAY).count() == 2
    assert svc.send_due_confirmation_reminders(today=TODAY) == 2
    assert set(ConfirmationReminder.objects.values_list("sent_by", flat=True)) == {None}
    assert not svc.confirmation_reminders_due(TODAY + datetime.timedelta(days=6)).exists()
    assert svc.confirmation_reminders_due(TODAY + datetime.timedelta(days=7)).count() == 2
    assert svc.send_due_confirmation_reminders(today=TODAY) == 0  # idempotent within a day


def test_a_closed_campaign_is_never_due(world):
    campaign = start(world)
    _started_days_ago(campaign, 30)
    start(world, title="次の継続確認", close_open=True)
    assert not svc.confirmation_reminders_due(TODAY).filter(campaign=campaign).exists()


# --- The database's own guards (made directly: no service, no full_clean) -----------------------


def _answer(confirmation, staff, **kwargs):
    data = {"email": staff.email, "was_admin": False, "still_employed": True, "still_admin": False,
            "email_personal": True}
    data.update(kwargs)
    return ConfirmationAnswer.objects.create(confirmation=confirmation, staff=staff, **data)


DUPLICATES = {
    "confirmationcampaign_one_open": lambda w, c: ConfirmationCampaign.objects.create(
        program=w.program_a, title="二つめ", due_on=TODAY),
    "confirmation_once_per_facility": lambda w, c: FacilityConfirmation.objects.create(
        campaign=c.campaign, facility=c.facility),
    "confirmationreminder_once_a_day": lambda w, c: [
        ConfirmationReminder.objects.create(confirmation=c, sent_on=TODAY, recipients=1) for _ in range(2)],
    "confirmationanswer_once_per_staff": lambda w, c: [_answer(c, w.staff_a) for _ in range(2)],
    "confirmationanswer_leaver_or_stayer": lambda w, c: _answer(c, w.staff_a, still_employed=False),
}


@pytest.mark.parametrize("name", sorted(DUPLICATES))
def test_the_database_refuses_what_the_services_never_do(world, name):
    confirmation = mine(start(world), world)
    with pytest.raises(IntegrityError), transaction.atomic():
        DUPLICATES[name](world, confirmation)
