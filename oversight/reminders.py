"""Reminders of oversight (core.reminders, `manage.py run_reminders`): the APPI deadlines of
open trouble reports (oversight/clock.py)."""

from core.reminders import reminder_source

from .services import incident_dues

reminder_source(incident_dues)
