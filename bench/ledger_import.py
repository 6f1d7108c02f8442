"""make bench: importing one program's Excel ledger, 2,000 facilities and 20,000 staff at scale 1.

Times the dry run (read, normalise, plan) and the commit (through facilities.bulk) at full
size, then the same file again (all unchanged). Peak Python memory is measured in separate,
untimed passes (tracemalloc slows Python several times over): the dry run again, and a
commit inside a transaction that is rolled back, before the timed one.
"""

import io
import resource
import time
import tracemalloc

import openpyxl
from django.db import transaction

from facilities.models import Program
from ledger_import.planning import plan_file
from ledger_import.reading import BY_KEY, TEMPLATE_KEYS
from ledger_import.services import ledger_import
from policy.rules import VARIANTS, profile

STAFF_PER_FACILITY = 10
KINDS = ("診療所", "病院", "薬局", "訪問看護ステーション", "居宅介護支援事業所")
JOBS = ("医師", "看護師", "薬剤師", "介護支援専門員", "理学療法士", "事務職員")


def ledger_xlsx(facilities, staff_per_facility=STAFF_PER_FACILITY):
    """A ledger as secretariats keep it: facility cells on the first row of each facility only."""
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("台帳")
    sheet.append(["令和7年度 参加施設・職員名簿"])
    sheet.append([BY_KEY[key].label for key in TEMPLATE_KEYS])
    for f in range(facilities):
        for s in range(staff_per_facility):
            first = s == 0
            sheet.append([
                "", f"ベンチ取込施設{f}" if first else "", "ベンチトリコミシセツ" if first else "",
                KINDS[f % len(KINDS)] if first else "", "580-0001" if first else "",
                f"大阪府松原市阿保{f % 9 + 1}-{f % 30 + 1}-{f}" if first else "", "072-000-0000" if first else "", "",
                f"取込 {f}-{s}", "トリコミ", "女" if s % 2 else "男", JOBS[s % len(JOBS)],
                f"import{f}.{s}@example.jp", "○" if s == 0 else "", "R7.4.1", "令和7年4月1日", "2025/3/1",
            ])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def import_figures(scale):
    facilities = max(2, int(2_000 * scale))
    # A variant that asks for each person's pledge (so each gets one recorded) and no training before use.
    variant = next(v for v in VARIANTS if profile(v).staff_pledge_required and not profile(v).training_required_before_use)
    program, _ = Program.objects.get_or_create(
        slug="bench-import",
        defaults={"name": "ベンチ取込", "code": "BIM", "variant": variant, "secretariat_name": "事務局",
                  "area_municipalities": ["松原市"], "area_postal_prefixes": ["580"]},
    )
    content = ledger_xlsx(facilities)
    figures = {"facilities": facilities, "staff": facilities * STAFF_PER_FACILITY, "xlsx_mib": round(len(content) / 2**20, 2)}

    start = time.perf_counter()
    plan = plan_file(program, io.BytesIO(content), "bench.xlsx")
    figures["dry_run_s"] = round(time.perf_counter() - start, 2)
    assert plan.error_count == 0, plan.findings[:5]
    figures["dry_run_peak_python_mib"] = _peak_mib(lambda: plan_file(program, io.BytesIO(content), "bench.xlsx"))

    def commit_rolled_back():
        with transaction.atomic():
            ledger_import(program=program, by=None, file=io.BytesIO(content), filename="bench.xlsx")
            transaction.set_rollback(True)

    figures["commit_peak_python_mib"] = _peak_mib(commit_rolled_back)
    start = time.perf_counter()
    plan = ledger_import(program=program, by=None, file=io.BytesIO(content), filename="bench.xlsx")
    figures["commit_s"] = round(time.perf_counter() - start, 2)
    figures["commit"] = plan.summary()
    start = time.perf_counter()
    again = ledger_import(program=program, by=None, file=io.BytesIO(content), filename="bench.xlsx")
    figures["reimport_unchanged_s"] = round(time.perf_counter() - start, 2)
    figures["reimport"] = again.summary()
    figures["process_peak_rss_mib"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    return figures


def _peak_mib(work):
    tracemalloc.start()
    try:
        work()
        return round(tracemalloc.get_traced_memory()[1] / 2**20, 1)
    finally:
        tracemalloc.stop()
