"""Work that leaves the request (docs/decisions/0019-background-jobs.md): django-tasks, whose
backend settings.TASKS names (the database by default, Redis through RQ, or immediate).

A job is enqueued only after the transaction commits, so a worker never looks for rows that
are not there yet (or were rolled back). Big files are made by `prepare_file`: a PreparedFile
row now, its bytes when the job has run; the app's "ready" page shows which.
"""

import logging

from django.db import transaction
from django.utils import timezone

from .models import PreparedFile

logger = logging.getLogger(__name__)


def enqueue_after_commit(task, *args, **kwargs):
    """Enqueue `task` once the current transaction commits (at once outside one)."""
    transaction.on_commit(lambda: task.enqueue(*args, **kwargs))


def prepare_file(*, task, key, filename, by, **params):
    """A PreparedFile waiting for `task(file_id, **params)`, which fills it via `fill_file`."""
    prepared = PreparedFile.objects.create(key=key, filename=filename, requested_by=by)
    enqueue_after_commit(task, str(prepared.pk), **params)
    return prepared


def fill_file(file_id, make):
    """Inside a job: store `make()`'s bytes on the PreparedFile, or why it failed."""
    prepared = PreparedFile.objects.get(pk=file_id)
    try:
        content = make()
    except Exception as error:
        logger.exception("job for %s failed", prepared.key)
        prepared.status, prepared.error = PreparedFile.Status.FAILED, str(error)[:2000]
        prepared.finished_at = timezone.now()
        prepared.save(update_fields=["status", "error", "finished_at"])
        raise
    prepared.status, prepared.content, prepared.finished_at = PreparedFile.Status.READY, content, timezone.now()
    prepared.save(update_fields=["status", "content", "finished_at"])
