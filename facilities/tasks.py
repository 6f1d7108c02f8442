"""The jobs `facilities` runs in the background (core.jobs): ledgers too big for a request."""

from django_tasks import task

from core.jobs import fill_file

from . import pdfs
from .models import Facility


@task()
def ledger(file_id, facility_pk):
    """A facility's 管理台帳 over thousands of staff."""
    facility = Facility.objects.select_related("program").get(pk=facility_pk)
    fill_file(file_id, lambda: pdfs.ledger_pdf(facility=facility))
