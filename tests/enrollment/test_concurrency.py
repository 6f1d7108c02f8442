"""Two secretaries at the same moment, on a real PostgreSQL with two connections."""

import threading
import time

import pytest
from django.db import connection, connections, transaction
from django.utils import timezone

from enrollment import services
from enrollment.models import ApplicationEvent, ApplicationStatus
from facilities.models import Facility
from tests.enrollment.factories import ApplicationFactory
from tests.enrollment.helpers import row, service_data
from tests.factories import ProgramFactory, UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _waiting_on_a_lock():
    """Whether another backend is blocked on a row lock right now."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
        )
        return cursor.fetchone()[0] > 0


def _in_thread(target, results):
    def run():
        try:
            results.append(target())
        except services.TransitionError as error:
            results.append(error.messages[0])
        except services.AlreadySubmitted as repeat:
            results.append(("again", repeat.application.pk))
        finally:
            connections.close_all()  # this thread's own connection

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def test_two_approvals_at_once_give_one_approval_and_one_clear_message():
    application = ApplicationFactory(program=ProgramFactory(variant="matsubara"))
    first_by, second_by = UserFactory(), UserFactory()
    holding, release = threading.Event(), threading.Event()
    results = []

    def first():
        # Approves, then keeps its transaction (and the row lock) open until told to commit.
        with transaction.atomic():
            services.application_approve(application=application, by=first_by)
            holding.set()
            release.wait(10)
        return "approved"

    def second():
        services.application_approve(application=application, by=second_by)
        return "approved"

    one = _in_thread(first, results)
    assert holding.wait(10)
    two = _in_thread(second, results)
    deadline = time.monotonic() + 10
    while not _waiting_on_a_lock():  # the second connection is blocked on the first one's lock
        assert time.monotonic() < deadline, "the second approval never waited for the first"
        time.sleep(0.05)
    release.set()
    one.join(10)
    two.join(10)
    refusal = next(r for r in results if r != "approved")
    assert results.count("approved") == 1
    assert f"{first_by.full_name}が「承認」したため、いまは「承認済み」です。承認できません" in refusal
    application.refresh_from_db()
    assert application.status == ApplicationStatus.APPROVED and application.decided_by == first_by
    assert Facility.objects.filter(application=application).count() == 1
    assert ApplicationEvent.objects.filter(application=application, to_status="approved").count() == 1


def test_receipt_numbers_stay_unique_when_applications_arrive_together():
    program = ProgramFactory(variant="matsubara", code="MTB")
    start = threading.Barrier(4)
    results = []

    def submit(n):
        def run():
            start.wait(10)
            return services.application_submit(
                program=program, data=service_data(program), registrants=[row(n, admin=True)]
            ).receipt_number
        return run

    threads = [_in_thread(submit(n), results) for n in range(4)]
    for thread in threads:
        thread.join(20)
    year = timezone.localdate().year
    assert sorted(results) == [f"MTB-{year}-{n:04d}" for n in range(1, 5)]


def test_one_form_sent_twice_at_the_same_moment_is_one_application():
    program = ProgramFactory(variant="matsubara")
    start = threading.Barrier(2)
    results = []

    def send():
        start.wait(10)
        return services.application_submit(
            program=program, data=service_data(program), registrants=[row(1, admin=True)], submission_key="k" * 32
        ).pk

    threads = [_in_thread(send, results) for _ in range(2)]
    for thread in threads:
        thread.join(20)
    made = [r for r in results if isinstance(r, int)]
    assert len(made) == 1 and results.count(("again", made[0])) == 1
    assert program.applications.count() == 1
