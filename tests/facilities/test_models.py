"""The ledger's invariants in the database, its transition tables, and its QuerySet reads."""

import datetime
import itertools

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from facilities import services
from facilities.models import (
    NOTICE_TRANSITIONS,
    STAFF_TRANSITIONS,
    Attendance,
    ChangeKind,
    ChangeNotice,
    DeviceReturn,
    NoticeStatus,
    Pledge,
    PledgeKind,
    RemovalReason,
    Staff,
    StaffRemoval,
    StaffStatus,
    TrainingKind,
)
from tests.facilities.factories import (
    ChangeNoticeFactory,
    ExemptPledgeFactory,
    NoticeLineFactory,
    TrainingSessionFactory,
)
from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db
TODAY = datetime.date.today()
NOW = datetime.datetime.now(datetime.UTC)


def integrity_error():
    return pytest.raises(IntegrityError)


# --- Transitions, pair by pair ------------------------------------------------------------


def _move_staff(staff, to, by):
    if to == StaffStatus.ACTIVE:
        services.staff_activate(staff=staff, by=by)
    elif to == StaffStatus.REMOVED:
        services.staff_remove(
            staff=staff, by=by, reason=RemovalReason.RETIRED, effective_date=TODAY,
            devices_returned=DeviceReturn.NONE_LENT,
        )
    else:
        raise ValidationError("no service moves staff back to pending")


@pytest.mark.parametrize("start, to", list(itertools.product(StaffStatus.values, repeat=2)))
def test_staff_transitions(world, start, to):
    staff = StaffFactory(facility=world.facility_a, status=start)
    ExemptPledgeFactory(staff=staff)  # so activation is not blocked by the missing pledge
    allowed = to in STAFF_TRANSITIONS[start]
    if allowed:
        _move_staff(staff, to, world.admin_a)
        assert Staff.objects.get(pk=staff.pk).status == to
    else:
        with pytest.raises(ValidationError):
            _move_staff(staff, to, world.admin_a)
        assert Staff.objects.get(pk=staff.pk).status == start


def _move_notice(notice, to, world):
    if to == NoticeStatus.FILED:
        return services.notice_file(notice=notice, by=world.admin_a)
    if to == NoticeStatus.ACKNOWLEDGED:
        return services.notice_acknowledge(notice=notice, by=world.secretariat_a)
    if to == NoticeStatus.CORRECTION:
        return services.notice_request_correction(notice=notice, by=world.secretariat_a, comment="確認してください")
    raise ValidationError("no service moves a notice back to draft")


@pytest.mark.parametrize("start, to", list(itertools.product(NoticeStatus.values, repeat=2)))
def test_notice_transitions(world, start, to):
    filed = {"filed_at": NOW} if start != NoticeStatus.DRAFT else {}
    notice = ChangeNoticeFactory(facility=world.facility_a, status=start, **filed)
    NoticeLineFactory(notice=notice)
    if to in NOTICE_TRANSITIONS[start]:
        assert _move_notice(notice, to, world).status == to
    else:
        with pytest.raises(ValidationError):
            _move_notice(notice, to, world)
        assert ChangeNotice.objects.get(pk=notice.pk).status == start


# --- Named constraints --------------------------------------------------------------------


def test_staff_email_is_unique_in_the_program_ignoring_case(world):
    StaffFactory(facility=world.facility_a, email="Same@example.jp")
    with integrity_error(), transaction.atomic():
        StaffFactory(facility=world.facility_a2, email="same@EXAMPLE.jp")


def test_one_draft_notice_per_facility(world):
    ChangeNoticeFactory(facility=world.facility_a)
    ChangeNoticeFactory(facility=world.facility_a, status=NoticeStatus.FILED, filed_at=NOW)
    with integrity_error(), transaction.atomic():
        ChangeNoticeFactory(facility=world.facility_a)


def test_a_sent_notice_has_a_filing_date(world):
    with integrity_error(), transaction.atomic():
        ChangeNoticeFactory(facility=world.facility_a, status=NoticeStatus.FILED)


def test_a_person_appears_once_per_kind_of_change(world):
    line = NoticeLineFactory(notice=ChangeNoticeFactory(facility=world.facility_a))
    other = ChangeNoticeFactory(facility=world.facility_a, status=NoticeStatus.FILED, filed_at=NOW)
    NoticeLineFactory(notice=other, staff=line.staff, change=ChangeKind.REMOVE)
    with integrity_error(), transaction.atomic():
        NoticeLineFactory(notice=other, staff=line.staff, change=ChangeKind.ADD)


@pytest.mark.parametrize("kind, with_text, existing", [
    (PledgeKind.SIGNED, False, ""),
    (PledgeKind.EXEMPT, True, "既存の誓約書"),
    (PledgeKind.EXEMPT, False, ""),
])
def test_a_pledge_is_signed_on_a_wording_or_exempt_by_an_existing_one(world, kind, with_text, existing):
    text = services.pledge_text_publish(program=world.program_a) if with_text else None
    with integrity_error(), transaction.atomic():
        Pledge.objects.create(
            staff=world.staff_a, kind=kind, text=text, signed_on=TODAY, existing_pledge=existing
        )


def test_nobody_is_removed_with_a_membership_still_open(world):
    with integrity_error(), transaction.atomic():
        StaffRemoval.objects.create(
            staff=world.staff_a, reason=RemovalReason.RETIRED, effective_date=TODAY,
            devices=DeviceReturn.RETURNED, removed_at=NOW, open_memberships_at_removal=1,
        )


def test_attendance_is_once_per_session(world):
    session = TrainingSessionFactory(facility=world.facility_a)
    Attendance.objects.create(session=session, staff=world.staff_a)
    with integrity_error(), transaction.atomic():
        Attendance.objects.create(session=session, staff=world.staff_a)


# --- Reads ----------------------------------------------------------------------------------


def test_with_ledger_reads_the_latest_pledge_and_training(world):
    staff = world.staff_a
    ExemptPledgeFactory(staff=staff, signed_on=datetime.date(2020, 1, 1))
    services.pledge_record(staff=staff, by=None, kind=PledgeKind.SIGNED, signed_on=datetime.date(2025, 5, 1))
    for held_on, kind in [(datetime.date(2024, 1, 1), TrainingKind.VIDEO), (datetime.date(2025, 1, 1),
                                                                            TrainingKind.EDUCATION)]:
        Attendance.objects.create(session=TrainingSessionFactory(facility=world.facility_a, kind=kind,
                                                                 held_on=held_on), staff=staff)
    row = Staff.objects.with_ledger().get(pk=staff.pk)
    assert (row.pledge_kind, row.pledge_on) == (PledgeKind.SIGNED, datetime.date(2025, 5, 1))
    assert row.last_training_on == datetime.date(2025, 1, 1) and row.training_done
    assert not row.removal_planned


def test_education_overdue_gives_newcomers_one_interval(world):
    old = datetime.date(2000, 1, 1)
    due = StaffFactory(facility=world.facility_a, started_on=old)
    trained_long_ago = StaffFactory(facility=world.facility_a, started_on=old)
    Attendance.objects.create(session=TrainingSessionFactory(facility=world.facility_a, held_on=old),
                              staff=trained_long_ago)
    trained = StaffFactory(facility=world.facility_a, started_on=old)
    Attendance.objects.create(session=TrainingSessionFactory(facility=world.facility_a), staff=trained)
    StaffFactory(facility=world.facility_a, started_on=TODAY)  # new: not yet due
    StaffFactory(facility=world.facility_a, started_on=old, status=StaffStatus.REMOVED)  # gone: not listed
    overdue = Staff.objects.filter(facility=world.facility_a).with_ledger().education_overdue(
        today=TODAY, interval_days=365
    )
    assert set(overdue) == {due, trained_long_ago}


def test_notices_are_visible_to_their_program_and_facility_only(world):
    notice = ChangeNoticeFactory(facility=world.facility_a)
    assert list(ChangeNotice.objects.visible_to(world.secretariat_a)) == [notice]
    assert list(ChangeNotice.objects.visible_to(world.admin_a)) == [notice]
    assert not ChangeNotice.objects.visible_to(world.secretariat_b).exists()
    assert not ChangeNotice.objects.visible_to(world.admin_b).exists()
