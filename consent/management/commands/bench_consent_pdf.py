"""Measure how long a consent PDF takes to render, warm, as at the bedside (`make bench`).

Renders a prefilled consent form for a fictional patient in memory (no database rows),
once cold and then --runs times warm in the same process, and prints the median and
the slowest warm render. With --max-ms it exits non-zero when the median is slower.
"""

import datetime
import statistics
import time

from django.core.management.base import BaseCommand, CommandError

from consent.defaults import default_template_fields
from consent.models import ConsentTemplate, Gender, Patient
from consent.pdfs import consent_pdf
from core.pdf import JapaneseFontMissing
from facilities.models import Facility, Program
from policy.rules import PROFILES


class Command(BaseCommand):
    help = "Render a prefilled consent PDF repeatedly and print the warm render time."

    def add_arguments(self, parser):
        parser.add_argument("--variant", default=next(iter(PROFILES)), choices=sorted(PROFILES))
        parser.add_argument("--runs", type=int, default=20)
        parser.add_argument("--max-ms", type=float, default=None, help="fail when the warm median is slower")

    def handle(self, *args, variant, runs, max_ms, **options):
        program = Program(name="ベンチ用ネットワーク", slug="bench", variant=variant)
        template = ConsentTemplate(program=program, version=1, **default_template_fields(program))
        patient = Patient(
            program=program, full_name="見本 太郎", full_name_kana="ミホン タロウ", birth_date=datetime.date(1940, 2, 11),
            gender=Gender.MALE, address="架空県見本市見本町1-2-3", phone="000-0000-0000",
            origin_facility=Facility(program=program, name="見本在宅クリニック"),
        )

        def render():
            started = time.perf_counter()
            content = consent_pdf(program=program, template=template, patient=patient)
            return (time.perf_counter() - started) * 1000, len(content)

        try:
            cold, size = render()
        except JapaneseFontMissing as error:
            raise CommandError(str(error)) from error
        warm = [render()[0] for _ in range(max(runs, 1))]
        median = statistics.median(warm)
        self.stdout.write(
            f"consent PDF ({variant}, {size / 1024:.0f} KiB): cold {cold:.0f} ms, "
            f"warm median {median:.0f} ms, slowest {max(warm):.0f} ms over {len(warm)} runs"
        )
        if max_ms is not None and median > max_ms:
            raise CommandError(f"warm median {median:.0f} ms is over the limit of {max_ms:.0f} ms")
