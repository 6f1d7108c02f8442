"""make bench: load a national-scale data set into PostgreSQL and print one JSON line of figures.

Scale 1.0 = 5 programs, 10,000 facilities, 100,000 staff (and, as the apps provide loaders,
50,000 patients and groups, 400,000 memberships). BENCH_SCALE=0.01 for a quick run.
"""

import json
import os
import platform
import statistics
import sys
import time
import tracemalloc

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

from django.db import connection  # noqa: E402
from django.urls import reverse  # noqa: E402

from bench import ledger_import, load  # noqa: E402
from bench.measure import time_get, verified_client  # noqa: E402
from policy.rules import VARIANTS  # noqa: E402


def main():
    if connection.vendor != "postgresql":
        sys.exit("make bench needs PostgreSQL (bench/run.sh sets DATABASE_URL)")
    scale = float(os.environ.get("BENCH_SCALE", "1.0"))
    figures = {"scale": scale, "machine": f"{platform.machine()} {os.cpu_count()} cores, {platform.python_version()}"}

    started = time.perf_counter()
    world = load.load_foundation(scale, VARIANTS)
    users = load.make_users(world["programs"], world["facility_ids"][len(world["facility_ids"]) // 2])
    figures_rows = {"applications": load.load_applications(world["programs"], scale, world["facility_ids"]),
                    "patients": load.load_patients(world["programs"], world["facility_ids"], scale, users["admin"])}
    group_rows = load.load_groups(world["programs"], users["superuser"])
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    figures["load_s"] = round(time.perf_counter() - started, 1)
    figures["rows"] = {"facilities": len(world["facility_ids"]), "staff": load.Staff.objects.count(), **figures_rows,
                       "groups": group_rows["groups"], "memberships": group_rows["memberships"]}
    review = start_review_campaign(world["programs"], users["secretariat"], group_rows["big_group"], figures)
    # As a running portal would be: the daily job has counted the dashboard (run_reminders) and
    # autovacuum has analysed the tables the round and the count just wrote.
    from groups.queries import dashboard_refresh

    dashboard_refresh(world["programs"][0])
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")

    secretariat = verified_client(users["secretariat"])
    admin = verified_client(users["admin"])
    root = verified_client(users["superuser"])
    program = world["programs"][0]
    pages = {
        "facility_list": (secretariat, reverse("facilities:facility-list", args=[program.slug]),
                          reverse("admin:facilities_facility_changelist")),
        "staff_ledger": (admin, reverse("facilities:facility-detail", args=[users["facility"].pk]),
                         reverse("admin:facilities_staff_changelist")),
        "application_queue": (secretariat, reverse("enrollment:application-list", args=[program.slug]),
                              reverse("admin:enrollment_application_changelist")),
        "patient_list": (secretariat, reverse("consent:patient-list", args=[program.slug]),
                         reverse("admin:consent_patient_changelist")),
        "review_worksheet": (secretariat, reverse("groups:review-worksheet", args=[review.pk]),
                             reverse("admin:groups_membership_changelist")),
        "groups_dashboard": (secretariat, reverse("groups:dashboard", args=[program.slug]),
                             reverse("admin:groups_group_changelist")),
    }
    results = {}
    for name, (client, url, admin_url) in pages.items():
        ours = time_get(client, url)
        baseline = time_get(root, admin_url)
        ours["admin_median_ms"] = baseline["median_ms"]
        ours["admin_queries"] = baseline["queries"]
        ours["ratio_to_admin"] = round(ours["median_ms"] / baseline["median_ms"], 2)
        results[name] = ours
    figures["pages"] = results
    if os.environ.get("BENCH_TARGETS"):
        write_http_targets(os.environ["BENCH_TARGETS"], pages, root)
    if not os.environ.get("BENCH_PAGES_ONLY"):  # the growth table's extra scales time the pages only
        figures["consent_pdf"] = consent_pdf_render(program)
        figures["staff_csv"] = staff_csv_export(secretariat, program)
        figures["ledger_import"] = ledger_import.import_figures(scale)
    figures["total_s"] = round(time.perf_counter() - started, 1)
    print(json.dumps(figures, ensure_ascii=False))


HTTP_PAGES = ("groups_dashboard", "patient_list", "facility_list", "application_queue")


def write_http_targets(path, pages, root):
    """For bench.http_load: each main page and its admin changelist, with a verified session cookie."""
    from django.conf import settings

    targets = {}
    for name in HTTP_PAGES:
        client, url, admin_url = pages[name]
        cookie = settings.SESSION_COOKIE_NAME
        targets[name] = {"url": url, "cookie": _cookie(client, cookie)}
        targets[f"{name} (admin)"] = {"url": admin_url, "cookie": _cookie(root, cookie)}
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(targets, handle, ensure_ascii=False)


def _cookie(client, name):
    return f"{name}={client.cookies[name].value}"


def start_review_campaign(programs, secretariat_user, big_group_pk, figures):
    """Start a review round over every active group of the first program (10,000 at scale 1), timed."""
    import datetime

    from groups.models import CampaignScope, GroupReview
    from groups.reviews import campaign_start

    start = time.perf_counter()
    campaign, count = campaign_start(program=programs[0], by=secretariat_user, scope=CampaignScope.ALL,
                                     due_on=datetime.date.today() + datetime.timedelta(days=30))
    figures["review_campaign_start"] = {"groups": count, "seconds": round(time.perf_counter() - start, 2)}
    return GroupReview.objects.get(campaign=campaign, group_id=big_group_pk)


def _median_ms(make, runs):
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        make()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples), max(samples)


def consent_pdf_render(program, runs=30):
    """A warm prefilled consent form, as printed at the bedside, against bare WeasyPrint on the same HTML.

    Medians of `runs` renders in one process, the two interleaved in halves so that load from
    other processes on the machine falls on both. Bare = `HTML(string=html).write_pdf()`.
    """
    from django.template.loader import render_to_string
    from weasyprint import HTML

    from consent.models import Patient
    from consent.pdfs import TEMPLATE, consent_context, consent_pdf

    patient = Patient.objects.filter(program=program).first()
    html = render_to_string(TEMPLATE, consent_context(program=program, patient=patient))

    def portal():
        return consent_pdf(program=program, patient=patient)

    def bare():
        return HTML(string=html).write_pdf()

    for _ in range(2):
        content = portal()
        bare()
    ours, bare_ms = [], []
    for _ in range(2):
        ours.append(_median_ms(portal, runs // 2))
        bare_ms.append(_median_ms(bare, runs // 2))
    median = statistics.mean(m for m, _ in ours)
    bare_median = statistics.mean(m for m, _ in bare_ms)
    return {"median_ms": round(median, 1), "max_ms": round(max(x for _, x in ours), 1),
            "bare_weasyprint_median_ms": round(bare_median, 1), "ratio_to_bare": round(median / bare_median, 2),
            "bytes": len(content)}


def _consume(client, url):
    size = rows = 0
    for chunk in client.get(url).streaming_content:
        size += len(chunk)
        rows += chunk.count(b"\n")
    return size, rows


def staff_csv_export(client, program):
    """The secretariat's CSV of every staff member of the program: time, then peak Python memory.

    Two passes: tracemalloc slows Python several times over, so it must not be in the timed one.
    """
    url = reverse("facilities:program-staff-csv", args=[program.slug])
    start = time.perf_counter()
    size, rows = _consume(client, url)
    elapsed = time.perf_counter() - start
    tracemalloc.start()
    _consume(client, url)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {"rows": rows - 1, "seconds": round(elapsed, 2), "mib": round(size / 2**20, 1),
            "peak_python_mib": round(peak / 2**20, 1)}


if __name__ == "__main__":
    main()
