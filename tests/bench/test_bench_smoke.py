"""The benchmark's loader and measurement run (tiny scale), and query counts do not grow with rows."""

import pytest
from django.urls import reverse

from bench import load
from bench.measure import time_get, verified_client
from policy.rules import VARIANTS

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def test_bulk_loader_and_query_counts_stay_flat():
    world = load.load_foundation(0.001, VARIANTS)
    users = load.make_users(world["programs"], world["facility_ids"][0])
    assert load.Staff.objects.count() == len(world["facility_ids"]) * 10
    secretariat = verified_client(users["secretariat"])
    url = reverse("facilities:facility-list", args=[world["programs"][0].slug])
    small = time_get(secretariat, url, runs=2, warmup=1)
    more = load.load_foundation(0.003, VARIANTS)  # three times the rows
    assert len(more["facility_ids"]) > len(world["facility_ids"])
    large = time_get(secretariat, url, runs=2, warmup=1)
    assert large["queries"] == small["queries"]
    assert small["median_ms"] > 0


def test_application_and_patient_loaders_and_flat_queue_queries():
    world = load.load_foundation(0.001, VARIANTS)
    users = load.make_users(world["programs"], world["facility_ids"][0])
    assert load.load_applications(world["programs"], 0.003, world["facility_ids"]) > 0
    assert load.load_patients(world["programs"], world["facility_ids"], 0.001, users["admin"]) > 0
    secretariat = verified_client(users["secretariat"])
    url = reverse("enrollment:application-list", args=[world["programs"][0].slug])
    small = time_get(secretariat, url, runs=1, warmup=1)
    load.load_applications(world["programs"], 0.01, world["facility_ids"])
    assert time_get(secretariat, url, runs=1, warmup=1)["queries"] == small["queries"]
