"""Reminders of the application workflow (core.reminders, `manage.py run_reminders`)."""

import datetime

from core.reminders import Due, reminder_source

from . import emails
from .models import Application, ApplicationStatus

# The applicant hears this many days before the deadline of a return (差戻し) to answer it.
RETURN_REMIND_DAYS = 3


@reminder_source
def returned_applications(today):
    """A returned application not yet resubmitted, its deadline within RETURN_REMIND_DAYS."""
    due = Application.objects.filter(
        status=ApplicationStatus.RETURNED, return_deadline__gte=today,
        return_deadline__lte=today + datetime.timedelta(days=RETURN_REMIND_DAYS),
    ).select_related("program")
    for application in due:
        yield Due("application-return", application, f"before:{application.return_deadline.isoformat()}",
                  lambda application=application: emails.return_reminder(application))
