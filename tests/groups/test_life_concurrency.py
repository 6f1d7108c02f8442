"""Suspension races the database must settle (PostgreSQL, two real connections)."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from facilities import life
from facilities.models import Suspension
from groups import services
from groups.models import McsTask, Membership, TaskKind
from tests.groups.helpers import make_site
from tests.groups.test_concurrency import race

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _suspend(site, staff=None):
    facility = staff.facility if staff is not None else site.nursing
    return life.suspension_start(facility=facility, staff=staff, by=site.secretariat, reason="不正利用",
                                 article="第10条", starts_on=timezone.localdate())


def test_two_suspensions_of_one_person_at_once_make_one():
    site = make_site("iwakuni")
    outcomes = race(lambda: _suspend(site, site.nurse), lambda: _suspend(site, site.nurse))
    assert sum(isinstance(o, Suspension) for o in outcomes) == 1
    assert [o.messages[0] for o in outcomes if isinstance(o, ValidationError)] == [life.ALREADY_SUSPENDED]


@pytest.mark.parametrize("whole_facility", [False, True])
def test_an_invitation_racing_a_suspension_is_refused_or_listed(whole_facility):
    site = make_site("iwakuni")
    group = site.group()

    def invite():
        return services.member_add(group=group, by=site.creator, staff=site.nurse)

    outcomes = race(invite, lambda: _suspend(site, None if whole_facility else site.nurse))
    assert isinstance(outcomes[1], Suspension)
    seats = Membership.objects.open().filter(staff=site.nurse)
    if isinstance(outcomes[0], Membership):  # in first: the suspension lists it with a task
        assert McsTask.objects.filter(kind=TaskKind.RESTRICT, membership__in=seats).count() == seats.count() == 1
    else:  # after: the engine refused it
        assert "MBR-SUSPENDED" in [v.rule for v in getattr(outcomes[0], "violations", [outcomes[0]])] and not seats.exists()
