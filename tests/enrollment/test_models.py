import datetime

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from enrollment.models import (
    TRANSITIONS,
    Application,
    ApplicationEvent,
    ApplicationStatus,
    EventKind,
    can_move,
)
from tests.enrollment.factories import ApplicationFactory

pytestmark = pytest.mark.django_db

S = ApplicationStatus

# Written out again by hand, so that a change to the table must be a change to this test too.
ALLOWED = {
    ("draft", "submitted"), ("draft", "withdrawn"),
    ("submitted", "returned"), ("submitted", "approved"), ("submitted", "rejected"), ("submitted", "withdrawn"),
    ("returned", "resubmitted"), ("returned", "rejected"), ("returned", "withdrawn"),
    ("resubmitted", "returned"), ("resubmitted", "approved"), ("resubmitted", "rejected"),
    ("resubmitted", "withdrawn"),
}
PAIRS = [(a, b) for a in S.values for b in S.values]


@pytest.mark.parametrize(("from_status", "to_status"), PAIRS)
def test_every_transition_pair(from_status, to_status):
    assert can_move(from_status, to_status) == ((from_status, to_status) in ALLOWED)


def test_the_table_covers_every_state_and_final_states_are_final():
    assert set(TRANSITIONS) == set(S.values)
    for final in (S.APPROVED, S.REJECTED, S.WITHDRAWN):
        assert TRANSITIONS[final] == frozenset()


def test_receipt_sequence_is_unique_per_program_and_year():
    first = ApplicationFactory(receipt_year=2026, receipt_sequence=7)
    ApplicationFactory(program=first.program, receipt_year=2027, receipt_sequence=7)  # another year: fine
    ApplicationFactory(receipt_year=2026, receipt_sequence=7)  # another program: fine
    with pytest.raises(IntegrityError), transaction.atomic():
        ApplicationFactory(program=first.program, receipt_year=2026, receipt_sequence=7, receipt_number="X-1")


def test_an_approved_application_must_name_its_facility():
    with pytest.raises(IntegrityError), transaction.atomic():
        ApplicationFactory(status=S.APPROVED, facility=None)


def test_a_returned_application_must_have_a_deadline():
    with pytest.raises(IntegrityError), transaction.atomic():
        ApplicationFactory(status=S.RETURNED, return_deadline=None)


def test_the_database_refuses_a_second_approval_record():
    application = ApplicationFactory()
    ApplicationEvent.objects.create(application=application, kind=EventKind.APPROVED, to_status=S.APPROVED)
    with pytest.raises(IntegrityError), transaction.atomic():
        ApplicationEvent.objects.create(application=application, kind=EventKind.REGISTERED, to_status=S.APPROVED)


def test_visible_to_is_the_users_programs(world):
    mine = ApplicationFactory(program=world.program_a)
    theirs = ApplicationFactory(program=world.program_b)
    assert list(Application.objects.visible_to(world.secretariat_a)) == [mine]
    # Facility roles see their program's applications at the query level; the getter answers 403.
    assert list(Application.objects.visible_to(world.admin_a)) == [mine]
    assert set(Application.objects.visible_to(world.superuser)) == {mine, theirs}
    from django.contrib.auth.models import AnonymousUser

    assert not Application.objects.visible_to(AnonymousUser()).exists()


def test_overdue_returns_and_findings_split():
    today = timezone.localdate()
    late = ApplicationFactory(status=S.RETURNED, return_deadline=today - datetime.timedelta(days=1))
    ApplicationFactory(status=S.RETURNED, return_deadline=today)
    assert list(Application.objects.overdue_returns()) == [late]
    assert late.return_overdue
    late.findings = [{"rule": "A", "severity": "block", "article": "1", "message": "m"},
                     {"rule": "B", "severity": "warn", "article": "2", "message": "n"}]
    assert [f["rule"] for f in late.blocks] == ["A"] and [f["rule"] for f in late.warnings] == ["B"]
