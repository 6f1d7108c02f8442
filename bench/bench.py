"""make bench: load a national-scale data set into PostgreSQL and print one JSON line of figures.

Scale 1.0 = 5 programs, 10,000 facilities, 100,000 staff (and, as the apps provide loaders,
50,000 patients and groups, 400,000 memberships). BENCH_SCALE=0.01 for a quick run.
"""

import json
import os
import platform
import sys
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

from django.db import connection  # noqa: E402
from django.urls import reverse  # noqa: E402

from bench import load  # noqa: E402
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
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    figures["load_s"] = round(time.perf_counter() - started, 1)
    figures["rows"] = {"facilities": len(world["facility_ids"]),
                       "staff": load.Staff.objects.count()}

    secretariat = verified_client(users["secretariat"])
    admin = verified_client(users["admin"])
    root = verified_client(users["superuser"])
    program = world["programs"][0]
    pages = {
        "facility_list": (secretariat, reverse("facilities:facility-list", args=[program.slug]),
                          reverse("admin:facilities_facility_changelist")),
        "staff_ledger": (admin, reverse("facilities:facility-detail", args=[users["facility"].pk]),
                         reverse("admin:facilities_staff_changelist")),
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
    figures["total_s"] = round(time.perf_counter() - started, 1)
    print(json.dumps(figures, ensure_ascii=False))


if __name__ == "__main__":
    main()
