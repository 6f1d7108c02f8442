"""facilities.hooks.admin_changed: every place that makes or unmakes an administrator calls it, in its
transaction, after saving (the receiver reads the ledger). groups keeps its MCS group with it."""

import datetime

import pytest

from facilities import hooks, services
from facilities.models import DeviceReturn, RemovalReason
from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def calls():
    seen = []

    def receiver(*, staff, facility, by, became_admin):
        staff.refresh_from_db()
        seen.append((staff.pk, facility.pk, by.pk, became_admin, staff.is_admin))
        return 0

    undo = hooks.admin_changed.connect(receiver)
    yield seen
    undo()


def test_granting_calls_it_after_saving(world, calls):
    staff = StaffFactory(facility=world.facility_a)
    services.facility_admin_grant(staff=staff, by=world.secretariat_a)
    assert calls == [(staff.pk, world.facility_a.pk, world.secretariat_a.pk, True, True)]


def test_changing_the_ledger_flag_calls_it_only_when_it_changes(world, calls):
    staff = StaffFactory(facility=world.facility_a)
    services.staff_update(staff=staff, by=world.admin_a, full_name="名前 変更")
    assert calls == []
    services.staff_update(staff=staff, by=world.admin_a, is_admin=True)
    services.staff_update(staff=staff, by=world.admin_a, is_admin=False)
    assert [c[3:] for c in calls] == [(True, True), (False, False)]


def test_removing_an_administrator_calls_it(world, calls):
    staff = StaffFactory(facility=world.facility_a, is_admin=True)
    services.staff_remove(
        staff=staff, by=world.admin_a, reason=RemovalReason.RETIRED, effective_date=datetime.date.today(),
        devices_returned=DeviceReturn.RETURNED,
    )
    assert [c[3] for c in calls] == [False]
    other = StaffFactory(facility=world.facility_a)
    services.staff_remove(
        staff=other, by=world.admin_a, reason=RemovalReason.RETIRED, effective_date=datetime.date.today(),
        devices_returned=DeviceReturn.RETURNED,
    )
    assert len(calls) == 1  # not an administrator: nothing to say


def test_a_failing_receiver_rolls_the_grant_back(world):
    staff = StaffFactory(facility=world.facility_a)

    def broken(**kwargs):
        raise RuntimeError("receiver failed")

    undo = hooks.admin_changed.connect(broken)
    try:
        with pytest.raises(RuntimeError):
            services.facility_admin_grant(staff=staff, by=world.secretariat_a)
    finally:
        undo()
    staff.refresh_from_db()
    assert not staff.is_admin
