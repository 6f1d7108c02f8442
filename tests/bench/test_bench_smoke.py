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


@pytest.mark.django_db(transaction=True)
def test_http_load_counts_latencies_and_errors_over_concurrent_connections(live_server):
    # The load client of `make bench --http`, against a real server: a page that answers 200 and
    # one that refuses the anonymous client (302 to the login): the first counts, the second errs.
    from bench.http_load import load

    host = live_server.url.split("//")[1].split(":")[0]
    ok = load(live_server.url, "/healthz", host=host, connections=3, requests=9)
    assert ok["errors"] == 0 and ok["connections"] == 3
    assert 0 < ok["p50_ms"] <= ok["p95_ms"] and ok["per_second"] > 0
    refused = load(live_server.url, reverse("admin:index"), host=host, connections=2, requests=4)
    assert refused["errors"] == 4 and refused["error_kinds"] == ["302"]


def test_growth_table_puts_scales_side_by_side_with_the_admin_baseline():
    from bench.growth import growth_table, http_table

    def run(scale, ms, admin_ms):
        return {"scale": scale, "pages": {"patient_list": {"median_ms": ms, "admin_median_ms": admin_ms}}}

    table = growth_table([run(1.0, 30.0, 100.0), run(0.2, 20.0, 50.0)], pages=["patient_list"])
    header, _, row = table.splitlines()
    assert header.startswith("| page | ms at 0.2 | ms at 1 | admin ms at 0.2 | admin ms at 1 | growth 0.2→1")
    assert row == "| patient_list | 20.0 | 30.0 | 50.0 | 100.0 | 1.50 | 2.00 |"
    line = http_table({"patient_list": {"p50_ms": 5.0, "p95_ms": 9.0, "per_second": 12.0, "errors": 1}})
    assert line.splitlines()[-1] == "| patient_list | 5.0 | 9.0 | 12.0 | 1 |"


def test_consent_pdf_figure_compares_the_portal_with_bare_weasyprint():
    from bench.bench import consent_pdf_render

    world = load.load_foundation(0.001, VARIANTS)
    users = load.make_users(world["programs"], world["facility_ids"][0])
    load.load_patients(world["programs"], world["facility_ids"], 0.001, users["admin"])
    figure = consent_pdf_render(world["programs"][0], runs=2)
    assert figure["median_ms"] > 0 and figure["bare_weasyprint_median_ms"] > 0
    assert abs(figure["ratio_to_bare"] - figure["median_ms"] / figure["bare_weasyprint_median_ms"]) < 0.02
    assert figure["bytes"] > 10_000  # fonts embedded
