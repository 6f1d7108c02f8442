"""Races the database must settle: two people at two screens at once (PostgreSQL, real connections)."""

import datetime
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction

from facilities import services
from facilities.models import ChangeNotice, DeviceReturn, NoticeStatus, RemovalReason, Staff, StaffRemoval
from tests.conftest import make_world

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
TODAY = datetime.date.today()


def in_thread(fn, results, key):
    def run():
        try:
            results[key] = fn()
        except Exception as exc:
            results[key] = exc
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def add(world, email, name="同時 登録"):
    return services.staff_add(
        facility=world.facility_a, by=world.admin_a, full_name=name, full_name_kana="ドウジ", job="nurse",
        email=email,
    )


def test_a_lost_email_race_is_a_form_error_not_a_500():
    world = make_world()
    inserted, results = threading.Event(), {}

    def first():
        # Holds the address uncommitted while the second one checks (and finds it free) and inserts.
        with transaction.atomic():
            Staff.objects.create(
                facility=world.facility_a2, full_name="先着", job="nurse", email="race@example.jp"
            )
            inserted.set()
            threading.Event().wait(0.8)
        return "committed"

    def second():
        inserted.wait(5)
        return add(world, "RACE@example.jp")

    threads = [in_thread(first, results, "first"), in_thread(second, results, "second")]
    for thread in threads:
        thread.join(15)
    assert results["first"] == "committed"
    assert isinstance(results["second"], ValidationError)
    # The constraint's answer, not the pre-check's: the second one really did lose the race.
    assert results["second"].message_dict["email"] == [services.EMAIL_TAKEN]
    assert Staff.objects.filter(email__iexact="race@example.jp").count() == 1


def test_two_removals_of_one_person_remove_them_once():
    world = make_world()
    barrier, results = threading.Barrier(2), {}

    def remove():
        barrier.wait(5)
        return services.staff_remove(
            staff=world.staff_a, by=world.admin_a, reason=RemovalReason.RETIRED, effective_date=TODAY,
            devices_returned=DeviceReturn.RETURNED,
        )

    threads = [in_thread(remove, results, n) for n in range(2)]
    for thread in threads:
        thread.join(15)
    outcomes = sorted(type(r).__name__ for r in results.values())
    assert outcomes == ["StaffRemoval", "ValidationError"]
    assert StaffRemoval.objects.count() == 1


def test_simultaneous_changes_share_one_draft_notice():
    world = make_world(variant_a="musashimurayama")
    barrier, results = threading.Barrier(2), {}

    def add_one(n):
        def run():
            barrier.wait(5)
            return add(world, f"same-time{n}@example.jp", name=f"同時{n}")

        return run

    threads = [in_thread(add_one(n), results, n) for n in range(2)]
    for thread in threads:
        thread.join(15)
    assert all(isinstance(r, Staff) for r in results.values()), results
    draft = ChangeNotice.objects.get(facility=world.facility_a, status=NoticeStatus.DRAFT)
    assert draft.lines.count() == 2


def test_two_presses_of_the_confirmation_record_one_answer():
    from facilities import confirmation
    from facilities.models import ConfirmationAnswer

    world = make_world(lazy=True)
    boss = Staff.objects.create(facility=world.facility_a, full_name="管理", job="nurse", email="boss@example.jp",
                                user=world.admin_a, is_admin=True, status="active")
    leaver = Staff.objects.create(facility=world.facility_a, full_name="退職", job="nurse", email="gone@example.jp",
                                  status="active")
    campaign = confirmation.campaign_start(program=world.program_a, by=world.secretariat_a, title="継続確認",
                                           due_on=TODAY + datetime.timedelta(days=30))
    answers = {
        boss.pk: confirmation.StaffAnswer(still_employed=True, still_admin=True, email_personal=True),
        leaver.pk: confirmation.StaffAnswer(still_employed=False, left_reason=RemovalReason.RETIRED, left_on=TODAY,
                                            devices=DeviceReturn.RETURNED),
    }
    barrier, results = threading.Barrier(2), {}

    def press():
        barrier.wait(5)
        return confirmation.confirmation_submit(
            confirmation=campaign.confirmations.get(), by=world.admin_a, answers=answers
        )

    threads = [in_thread(press, results, n) for n in range(2)]
    for thread in threads:
        thread.join(15)
    outcomes = sorted(type(r).__name__ for r in results.values())
    assert outcomes == ["AlreadyAnswered", "FacilityConfirmation"]
    assert ConfirmationAnswer.objects.count() == 2 and StaffRemoval.objects.filter(staff=leaver).count() == 1


def test_two_presses_of_start_open_one_campaign():
    """A double click on 始める: the second waits for the program's lock, then finds the first."""
    from facilities import confirmation
    from facilities.models import ConfirmationCampaign
    from tests.concurrency import fire

    world = make_world(lazy=True)
    assert world.facility_a.pk

    def press():
        campaign = confirmation.campaign_start(program=world.program_a, by=world.secretariat_a, title="継続確認",
                                               due_on=TODAY + datetime.timedelta(days=30))
        return "repeated" if getattr(campaign, "repeated", False) else "started"

    assert sorted(fire([press, press])) == ["repeated", "started"]
    assert ConfirmationCampaign.objects.filter(program=world.program_a).count() == 1
