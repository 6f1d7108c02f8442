"""Reminders and recurring work from one idempotent command (`manage.py run_reminders`,
core.reminders): each reminder is recorded and sent once per due step, however often the
command runs, even two runs at once (PostgreSQL)."""

import datetime
import io

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from core.models import PreparedFile, Reminder
from core.reminders import SCHEDULER_EMAIL, Due, remind_once
from enrollment.models import ApplicationStatus
from facilities.models import NoticeStatus
from groups.models import CampaignScope, GroupReview, ReviewCampaign, ReviewStatus
from tests.concurrency import fire
from tests.enrollment.factories import ApplicationFactory
from tests.facilities.factories import ChangeNoticeFactory
from tests.factories import FacilityFactory, ProgramFactory, StaffFactory, UserFactory, admin_of
from tests.groups.factories import CampaignFactory, GroupFactory, GroupReviewFactory
from tests.oversight.factories import IncidentFactory

TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)


def run(capture):
    out = io.StringIO()
    with capture(execute=True):
        call_command("run_reminders", stdout=out)
    return out.getvalue()


@pytest.fixture
def facility(db):
    return FacilityFactory(program=ProgramFactory(variant="musashimurayama"))  # no periodic review


def test_every_kind_of_reminder_is_sent_once_and_recorded(facility, django_capture_on_commit_callbacks):
    application = ApplicationFactory(program=facility.program, status=ApplicationStatus.RETURNED,
                                     return_deadline=TODAY + 2 * DAY, contact_email="kanja@example.jp")
    ApplicationFactory(program=facility.program, status=ApplicationStatus.RETURNED,
                       return_deadline=TODAY + 10 * DAY)  # not yet
    admin = admin_of(facility)
    notice = ChangeNoticeFactory(facility=facility, status=NoticeStatus.DRAFT, due_on=TODAY + DAY)
    late_notice = ChangeNoticeFactory(facility=facility, status=NoticeStatus.CORRECTION, due_on=TODAY - DAY,
                                      filed_at=timezone.now())
    ChangeNoticeFactory(facility=facility, status=NoticeStatus.FILED, due_on=TODAY, filed_at=timezone.now())  # filed: nothing to say
    leader = StaffFactory(facility=facility, user=UserFactory(email="leader@example.jp"))
    campaign = CampaignFactory(program=facility.program, due_on=TODAY + 5 * DAY)
    for _ in range(2):  # two worksheets, one mail
        GroupReviewFactory(group=GroupFactory(origin_facility=facility, leader=leader), campaign=campaign)
    incident = IncidentFactory(facility=facility, discovered_on=TODAY - 3 * DAY)

    out = run(django_capture_on_commit_callbacks)
    sent = {(m.subject, tuple(m.to)) for m in mail.outbox}
    assert len(mail.outbox) == 5, sent
    assert any("再提出の期限が近づいています" in s and to == ("kanja@example.jp",) for s, to in sent)
    assert any("提出期限が近づいています" in s and to == (admin.email,) for s, to in sent)
    assert any("提出期限を過ぎています" in s and to == (admin.email,) for s, to in sent)
    assert any("定期精査の期限が近づいています" in s and to == ("leader@example.jp",) for s, to in sent)
    assert any(incident.title in s for s, _ in sent)
    review_mail = next(m for m in mail.outbox if "定期精査" in m.subject)
    assert "2件の精査" in review_mail.body
    keys = set(Reminder.objects.values_list("kind", "object_key"))
    assert keys == {
        ("application-return", f"enrollment.application:{application.pk}"),
        ("change-notice", f"facilities.changenotice:{notice.pk}"),
        ("change-notice", f"facilities.changenotice:{late_notice.pk}"),
        ("review-due", f"groups.reviewcampaign:{campaign.pk}"),
        ("incident-deadline", f"oversight.incident:{incident.pk}"),
    }
    assert Reminder.objects.get(kind="application-return").recipients == "kanja@example.jp"
    assert "change-notice: 2" in out and "review-due: 1" in out

    mail.outbox.clear()
    again = run(django_capture_on_commit_callbacks)
    assert mail.outbox == [] and Reminder.objects.count() == 5 and "change-notice" not in again


def test_a_changed_due_date_is_a_new_step(facility, django_capture_on_commit_callbacks):
    notice = ChangeNoticeFactory(facility=facility, status=NoticeStatus.DRAFT, due_on=TODAY + DAY)
    admin_of(facility)
    run(django_capture_on_commit_callbacks)
    notice.due_on = TODAY + 2 * DAY
    notice.save()
    run(django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 2
    assert sorted(Reminder.objects.values_list("step", flat=True)) == [
        f"before:{(TODAY + DAY).isoformat()}", f"before:{(TODAY + 2 * DAY).isoformat()}"]


def test_a_periodic_round_starts_on_the_programs_interval_where_the_policy_asks(
    db, django_capture_on_commit_callbacks
):
    periodic = FacilityFactory(program=ProgramFactory(variant="matsubara"))  # periodic_review
    assert periodic.program.policy.periodic_review
    quiet = FacilityFactory(program=ProgramFactory(variant="musashimurayama"))
    assert not quiet.program.policy.periodic_review
    long_ago = TODAY - 400 * DAY
    due = GroupFactory(origin_facility=periodic, created_on=long_ago)
    GroupFactory(origin_facility=periodic)  # created today: not due
    GroupFactory(origin_facility=quiet, created_on=long_ago)

    run(django_capture_on_commit_callbacks)
    campaign = ReviewCampaign.objects.get()
    assert campaign.program == periodic.program and campaign.scope == CampaignScope.DUE
    assert campaign.started_by.email == SCHEDULER_EMAIL and not campaign.started_by.is_active
    assert list(GroupReview.objects.values_list("group", flat=True)) == [due.pk]
    assert Reminder.objects.filter(kind="review-round").count() == 1

    run(django_capture_on_commit_callbacks)  # the same day, or any day before the interval ends
    assert ReviewCampaign.objects.count() == 1


def test_no_round_starts_when_no_group_is_due(db, django_capture_on_commit_callbacks):
    GroupFactory(origin_facility=FacilityFactory(program=ProgramFactory(variant="matsubara")))
    run(django_capture_on_commit_callbacks)
    assert not ReviewCampaign.objects.exists() and not Reminder.objects.exists()


def test_overdue_reviews_are_escalated_as_escalate_reviews_does(facility, django_capture_on_commit_callbacks):
    review = GroupReviewFactory(group=GroupFactory(origin_facility=facility))
    ReviewCampaign.objects.filter(pk=review.campaign_id).update(started_on=TODAY - 40 * DAY, due_on=TODAY - DAY)
    out = run(django_capture_on_commit_callbacks)
    review.refresh_from_db()
    assert review.status == ReviewStatus.ESCALATED and "escalate_overdue_reviews: 1" in out


def test_the_database_refuses_a_second_reminder_for_the_same_step(db):
    """reminder_once_per_step: what makes two runs at once send once."""
    Reminder.objects.create(kind="change-notice", object_key="facilities.changenotice:1", step="before:2026-04-01")
    Reminder.objects.create(kind="change-notice", object_key="facilities.changenotice:1", step="overdue:2026-04-01")
    with pytest.raises(IntegrityError), transaction.atomic():
        Reminder.objects.create(kind="change-notice", object_key="facilities.changenotice:1", step="before:2026-04-01")


def test_old_prepared_files_are_pruned(facility, django_capture_on_commit_callbacks):
    user = UserFactory()
    old = PreparedFile.objects.create(key="x", filename="old.pdf", requested_by=user)
    PreparedFile.objects.filter(pk=old.pk).update(requested_at=timezone.now() - 8 * DAY)
    fresh = PreparedFile.objects.create(key="x", filename="new.pdf", requested_by=user)
    out = run(django_capture_on_commit_callbacks)
    assert list(PreparedFile.objects.all()) == [fresh] and "prune_prepared_files: 1" in out


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_send_a_reminder_once():
    facility = FacilityFactory()
    sends = []

    def send():
        sends.append(1)
        return ["a@example.jp"]

    due = Due("test", facility, "before:2026-04-01", send)
    results = fire([lambda: remind_once(due)] * 4)
    assert sorted(results) == [False, False, False, True]
    assert len(sends) == 1 and Reminder.objects.count() == 1


def test_the_admin_lists_the_reminders_sent(client, world, facility, django_capture_on_commit_callbacks):
    ChangeNoticeFactory(facility=facility, status=NoticeStatus.DRAFT, due_on=TODAY + DAY)
    admin_of(facility)
    run(django_capture_on_commit_callbacks)
    client.force_login(world.superuser)
    page = client.get(reverse("admin:core_reminder_changelist")).content.decode()
    assert "change-notice" in page and f"before:{(TODAY + DAY).isoformat()}" in page


def test_the_yearly_confirmation_is_reminded_by_the_schedule_once_a_week(facility, django_capture_on_commit_callbacks):
    from facilities.confirmation import REMINDER_INTERVAL_DAYS, campaign_start
    from facilities.models import ConfirmationCampaign, ConfirmationReminder
    from tests.factories import secretariat_of

    admin = admin_of(facility)
    with django_capture_on_commit_callbacks(execute=True):
        campaign = campaign_start(program=facility.program, by=secretariat_of(facility.program),
                                  title="令和8年度 継続確認", due_on=TODAY + 30 * DAY)
    # The campaign began a week ago: the facility that has not answered hears once, not twice.
    ConfirmationCampaign.objects.filter(pk=campaign.pk).update(
        started_at=timezone.now() - datetime.timedelta(days=REMINDER_INTERVAL_DAYS))
    mail.outbox.clear()
    run(django_capture_on_commit_callbacks)
    run(django_capture_on_commit_callbacks)
    assert [m.to for m in mail.outbox] == [[admin.email]]
    reminder = ConfirmationReminder.objects.get()
    assert reminder.sent_by is None and reminder.sent_on == TODAY
