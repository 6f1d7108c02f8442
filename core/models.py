import uuid

from django.conf import settings
from django.db import models


class PreparedFile(models.Model):
    """A file a background job makes for someone (a big report): waiting, ready or failed.

    The bytes live in the database, so a page served by any machine can hand over what a worker
    on another machine made. `key` says what the file is of ("campaign-report:12"): the app's
    view fetches the file only under the key of an object the person may see.
    """

    class Status(models.TextChoices):
        WAITING = "waiting", "作成中"
        READY = "ready", "できあがり"
        FAILED = "failed", "失敗"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    key = models.CharField(max_length=100, db_index=True)
    filename = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100, default="application/pdf")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.WAITING)
    content = models.BinaryField(null=True, editable=False)
    error = models.TextField(blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "作成したファイル"
        verbose_name_plural = "作成したファイル"

    def __str__(self):
        return f"{self.filename}（{self.get_status_display()}）"


class Reminder(models.Model):
    """One reminder sent, or one piece of recurring work done, by `manage.py run_reminders`.

    At most one row per (kind, object, step), enforced by the database: a second run, or two runs
    at once, find the row and send nothing. `step` names the due step ("before:2026-04-01",
    "overdue:2026-04-01"), so a reminder comes again only when there is something new to say.
    """

    kind = models.CharField("種類", max_length=50)
    object_key = models.CharField("対象", max_length=100)  # "<app_label>.<model>:<pk>"
    step = models.CharField("段階", max_length=100)
    recipients = models.TextField("宛先", blank=True)
    sent_at = models.DateTimeField("送った日時", auto_now_add=True)

    class Meta:
        verbose_name = "リマインダー"
        verbose_name_plural = "リマインダー"
        constraints = [
            models.UniqueConstraint(fields=["kind", "object_key", "step"], name="reminder_once_per_step"),
        ]

    def __str__(self):
        return f"{self.kind} {self.object_key} {self.step}"
