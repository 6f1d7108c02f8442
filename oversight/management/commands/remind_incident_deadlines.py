"""Remind the facility's administrators and the secretariat of the APPI deadlines of open trouble
reports (速報, 確報, 本人への通知) that are near or past. Idempotent: run it daily from cron; a
report is reminded at most once a day.
"""

from django.core.management.base import BaseCommand
from django.utils import timezone

from oversight.services import incidents_remind


class Command(BaseCommand):
    help = "E-mail reminders of the legal deadlines of open trouble reports (once a day per report)."

    def handle(self, *args, **options):
        count = incidents_remind(today=timezone.localdate())
        self.stdout.write(f"Reminded {count} trouble report(s) of their deadlines.")
