"""The program's groups dashboard reads stored counts (groups.DashboardLine) instead of counting
every group of the network on each visit; a background job recounts them when they are older
than DASHBOARD_MAX_AGE (docs/performance.md)."""

import datetime

import pytest
from django.db import IntegrityError, transaction
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from groups.models import DashboardLine
from tests.factories import FacilityFactory, secretariat_of
from tests.groups.factories import GroupFactory

LONG_AGO = timezone.localdate() - datetime.timedelta(days=400)


@pytest.fixture
def program(db):
    facility = FacilityFactory()
    GroupFactory(origin_facility=facility, created_on=LONG_AGO)
    return facility.program


def _visit(client, program):
    client.force_login(secretariat_of(program))
    return client.get(reverse("groups:dashboard", args=[program.slug])).context


@override_settings(DASHBOARD_MAX_AGE=300)
def test_the_first_visit_counts_then_the_stored_counts_are_shown(client, program):
    board = _visit(client, program)
    assert board["totals"]["active"] == 1 and board["totals"]["overdue"] == 1
    assert DashboardLine.objects.filter(program=program).count() == 2  # the totals and one facility
    GroupFactory(origin_facility=FacilityFactory(program=program), created_on=LONG_AGO)
    board = _visit(client, program)
    assert board["totals"]["active"] == 1 and board["page"].paginator.count == 1  # still the stored count
    assert board["counted_at"] is not None


@override_settings(DASHBOARD_MAX_AGE=300)
def test_stale_counts_are_recounted_by_a_job(client, program):
    _visit(client, program)
    late = FacilityFactory(program=program)
    for _ in range(2):
        GroupFactory(origin_facility=late, created_on=LONG_AGO)
    DashboardLine.objects.filter(program=program).update(refreshed_at=timezone.now() - datetime.timedelta(minutes=6))
    board = _visit(client, program)  # the immediate backend runs the recount in the request
    assert board["totals"]["active"] == 3
    lines = list(board["page"])
    assert lines[0].facility == late and lines[0].counts["overdue"] == 2  # most to do first


@override_settings(DASHBOARD_MAX_AGE=300)
def test_the_page_costs_the_same_queries_for_few_or_many_facilities(
    client, program, django_assert_max_num_queries
):
    client.force_login(secretariat_of(program))
    url = reverse("groups:dashboard", args=[program.slug])
    client.get(url)
    with django_assert_max_num_queries(30) as few:
        assert client.get(url).status_code == 200
    counted = len(few)
    for _ in range(30):
        GroupFactory(origin_facility=FacilityFactory(program=program), created_on=LONG_AGO)
    DashboardLine.objects.filter(program=program).delete()
    client.get(url)  # counted again, now 31 facilities
    with django_assert_max_num_queries(counted):
        board = client.get(url).context
    assert board["page"].paginator.count == 31


@pytest.mark.parametrize("constraint", ["dashboardline_one_per_facility", "dashboardline_one_total_per_program"])
def test_the_database_keeps_one_stored_line_per_facility_and_one_total(program, constraint):
    facility = FacilityFactory(program=program) if constraint == "dashboardline_one_per_facility" else None
    DashboardLine.objects.create(program=program, facility=facility, refreshed_at=timezone.now())
    with pytest.raises(IntegrityError), transaction.atomic():
        DashboardLine.objects.create(program=program, facility=facility, refreshed_at=timezone.now())
