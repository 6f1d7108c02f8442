"""Reminders before due dates and the recurring work, once a day from a systemd timer or cron
(docs/operations.md). Idempotent: a reminder is sent once per due step (core.Reminder), a
second run the same day sends nothing."""

from django.core.management.base import BaseCommand
from django.utils import timezone

from core import reminders


class Command(BaseCommand):
    help = "Send due reminders and do recurring work (periodic review rounds, escalation); idempotent."

    def handle(self, *args, **options):
        done = reminders.run(today=timezone.localdate())
        for name, count in sorted(done.items()):
            self.stdout.write(f"{name}: {count}")
        self.stdout.write(f"Done: {sum(done.values())} in all.")
