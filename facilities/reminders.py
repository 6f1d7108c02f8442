"""Reminders of the staff ledger (core.reminders, `manage.py run_reminders`): change notices
not yet filed (or sent back for correction) as their due date nears or passes."""

import datetime

from core.reminders import Due, recurring_work, reminder_source

from . import emails
from .confirmation import send_due_confirmation_reminders
from .models import ChangeNotice, NoticeStatus

# The facility's administrators hear this many days before a change notice is due.
NOTICE_REMIND_DAYS = 3


@reminder_source
def change_notices(today):
    """Unfiled notices due within NOTICE_REMIND_DAYS ("before"), and once more when overdue."""
    due = ChangeNotice.objects.filter(
        status__in=[NoticeStatus.DRAFT, NoticeStatus.CORRECTION],
        due_on__lte=today + datetime.timedelta(days=NOTICE_REMIND_DAYS),
    ).select_related("program", "facility")
    for notice in due:
        step = "overdue" if notice.due_on < today else "before"
        yield Due("change-notice", notice, f"{step}:{notice.due_on.isoformat()}",
                  lambda notice=notice, late=step == "overdue": emails.notice_reminder(notice, overdue=late))


@recurring_work
def yearly_confirmation_reminders(today):
    """Facilities that have not answered the yearly confirmation (継続確認) hear again every
    REMINDER_INTERVAL_DAYS; each reminder is a ConfirmationReminder row, one per facility and day."""
    return send_due_confirmation_reminders(today=today)
