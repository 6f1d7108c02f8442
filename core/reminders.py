"""Reminders and recurring work, from one idempotent scheduled command: `manage.py run_reminders`
(docs/operations.md: a systemd timer or cron, daily).

Each app that has something to remind of keeps a `<app>/reminders.py` (found by
autodiscovery, as the admin finds `admin.py`, so core imports no app) and registers:

- `@reminder_source`: a function `(today) -> iterable of Due`; each Due is sent at most once,
  recorded as a `core.Reminder` row whose unique (kind, object, step) the database enforces;
- `@recurring_work`: a function `(today) -> int` doing idempotent work of its own (starting a
  periodic review round, escalating overdue reviews) and saying how much it did.

The yearly confirmation (継続確認) is recurring work of facilities' (its reminders keep their own
per-day record, facilities.ConfirmationReminder).
"""

import datetime
import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.module_loading import autodiscover_modules

from .models import PreparedFile, Reminder

logger = logging.getLogger(__name__)

SOURCES: list[Callable] = []
RECURRING: list[Callable] = []


@dataclass(frozen=True)
class Due:
    """A reminder that is due: `send()` enqueues its e-mail(s) (core.emails) and returns the addresses."""

    kind: str
    obj: Any
    step: str
    send: Callable[[], list]

    @property
    def object_key(self):
        return f"{self.obj._meta.label_lower}:{self.obj.pk}"


SCHEDULER_EMAIL = "scheduler@portal.invalid"


def scheduler_user():
    """Who the history names for work the schedule started (a periodic review round): an
    account that cannot log in (inactive, no usable password)."""
    user, _ = get_user_model().objects.get_or_create(
        email=SCHEDULER_EMAIL,
        defaults={"full_name": "自動実行（定期処理）", "is_active": False, "password": make_password(None)},
    )
    return user


def reminder_source(function):
    SOURCES.append(function)
    return function


def recurring_work(function):
    RECURRING.append(function)
    return function


# A report a job made is kept this long for its download, then deleted (it can be made again).
PREPARED_FILE_DAYS = 7


@recurring_work
def prune_prepared_files(today):
    cutoff = timezone.now() - datetime.timedelta(days=PREPARED_FILE_DAYS)
    deleted, _ = PreparedFile.objects.filter(requested_at__lt=cutoff).delete()
    return deleted


def remind_once(due):
    """Record and send `due`, unless it was recorded before; True when sent now.

    The row and the e-mail are one transaction, and the mail is enqueued only when it commits:
    when two runs race, the second insert waits for the first and then fails on the unique
    constraint, so it sends nothing.
    """
    try:
        with transaction.atomic():
            reminder = Reminder.objects.create(kind=due.kind, object_key=due.object_key, step=due.step)
            recipients = due.send()
            reminder.recipients = ", ".join(recipients)
            reminder.save(update_fields=["recipients"])
    except IntegrityError:
        return False
    return True


def discover():
    autodiscover_modules("reminders")


def run(*, today):
    """Do the recurring work, then send what is due; {kind or work name: how many}."""
    discover()
    done = Counter()
    for work in RECURRING:
        done[work.__name__] += work(today)
    for source in SOURCES:
        dues = list(source(today))
        sent = _sent_before(dues)
        for due in dues:
            if (due.kind, due.object_key, due.step) in sent:
                continue  # sent before: skip the insert that would fail
            if remind_once(due):
                done[due.kind] += 1
    return done


def _sent_before(dues, chunk=500):
    """{(kind, object_key, step)} of these dues already recorded, in a query per `chunk`."""
    sent = set()
    for start in range(0, len(dues), chunk):
        part = dues[start:start + chunk]
        sent.update(Reminder.objects.filter(
            kind__in={d.kind for d in part}, object_key__in={d.object_key for d in part},
        ).values_list("kind", "object_key", "step"))
    return sent
