"""A facility's life after approval: suspensions (of a facility or one person) and withdrawal.

Imported at the end of facilities/models.py so that Django registers the models with the app.
Nothing here is deleted: a suspension is lifted (and keeps who lifted it, when and why), a
withdrawal is a record next to the facility, whose staff stay in the ledger as removed.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from .models import DeviceReturn, Facility, Program, ScopedQuerySet, Staff


class SuspensionQuerySet(ScopedQuerySet):
    def current(self, *, today):
        """In force: started and not lifted. The planned end does not lift it: lifting is recorded."""
        return self.filter(starts_on__lte=today, lifted_at__isnull=True)

    def not_lifted(self):
        return self.filter(lifted_at__isnull=True)


class Suspension(models.Model):
    """利用停止 of a whole facility (staff empty) or of one person on its ledger."""

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="suspensions", verbose_name="ネットワーク")
    facility = models.ForeignKey(Facility, on_delete=models.PROTECT, related_name="suspensions", verbose_name="施設")
    staff = models.ForeignKey(
        Staff, on_delete=models.PROTECT, null=True, blank=True, related_name="suspensions",
        verbose_name="対象の利用者（施設全体のときは空欄）",
    )
    reason = models.TextField("理由")
    article = models.CharField("根拠の条項", max_length=100)
    starts_on = models.DateField("開始日")
    ends_on = models.DateField("終了予定日", null=True, blank=True)
    by_facility_admin = models.BooleanField("施設のMCS管理者による停止", default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="停止した人"
    )
    created_at = models.DateTimeField("記録日時", auto_now_add=True)
    memberships_listed = models.PositiveIntegerField("停止時に参加していたグループの数", default=0)
    lifted_on = models.DateField("解除日", null=True, blank=True)
    lifted_at = models.DateTimeField("解除を記録した日時", null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name="解除した人",
    )
    lift_note = models.TextField("解除の理由", blank=True)

    history = HistoricalRecords()
    objects = SuspensionQuerySet.as_manager()

    class Meta:
        verbose_name = "利用停止"
        verbose_name_plural = "利用停止"
        ordering = ["-starts_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                name="suspension_ends_after_start",
            ),
            models.CheckConstraint(
                condition=Q(lifted_at__isnull=True, lifted_on__isnull=True, lifted_by__isnull=True)
                | Q(lifted_at__isnull=False, lifted_on__isnull=False) & ~Q(lift_note=""),
                name="suspension_lifted_has_when_and_why",
            ),
            models.CheckConstraint(
                condition=Q(lifted_on__isnull=True) | Q(lifted_on__gte=models.F("starts_on")),
                name="suspension_lifted_after_start",
            ),
            # One suspension not yet lifted per target: a second is refused, not stacked.
            models.UniqueConstraint(
                fields=["facility"], condition=Q(staff__isnull=True, lifted_at__isnull=True),
                name="suspension_one_open_per_facility",
            ),
            models.UniqueConstraint(
                fields=["staff"], condition=Q(staff__isnull=False, lifted_at__isnull=True),
                name="suspension_one_open_per_staff",
            ),
        ]
        indexes = [models.Index(fields=["facility", "lifted_at"], name="suspension_facility_lifted")]

    def __str__(self):
        return f"利用停止: {self.target_label}（{self.starts_on}〜）"

    @property
    def target_label(self):
        return f"{self.staff.full_name}さん" if self.staff_id else f"{self.facility.name}（施設全体）"

    @property
    def is_lifted(self):
        return self.lifted_at is not None


def suspension_facts(*, facility, staff=None, today):
    """The engine's facts `facility_suspended` and `staff_suspended` (MBR-SUSPENDED, ROLE-SUSPENDED)."""
    current = Suspension.objects.current(today=today).filter(facility=facility)
    return {
        "facility_suspended": current.filter(staff__isnull=True).exists(),
        "staff_suspended": staff is not None and current.filter(staff=staff).exists(),
    }


class Withdrawal(models.Model):
    """退会: the record of a facility leaving the network, kept for printing and history.

    `patients` lists what happened to each patient whose 連携元 the facility was, by number
    (never by name): {"patient": id, "to": facility id or None, "to_name": ..., "groups": n}.
    """

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="withdrawals", verbose_name="ネットワーク")
    facility = models.OneToOneField(
        Facility, on_delete=models.PROTECT, related_name="withdrawal", verbose_name="施設"
    )
    withdrawn_on = models.DateField("退会日")
    reason = models.TextField("退会の理由")
    # The answer on the checklist, kept here so 未返却 can be followed up ("" before it was kept).
    devices = models.CharField("施設が貸与したIT機器", max_length=20, choices=DeviceReturn.choices, blank=True)
    staff_removed = models.PositiveIntegerField("削除した職員の数", default=0)
    memberships_ended = models.PositiveIntegerField("外した患者グループの席の数", default=0)
    release_tasks = models.PositiveIntegerField("MCSのスタッフ解除の作業の数", default=0)
    patients = models.JSONField("連携元だった患者の引継ぎ・保管", default=list, blank=True)
    warnings = models.JSONField("注意事項", default=list, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="手続きした人"
    )
    recorded_at = models.DateTimeField("手続きの日時", auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "退会"
        verbose_name_plural = "退会"
        ordering = ["-withdrawn_on", "-pk"]

    def __str__(self):
        return f"{self.facility.name} 退会（{self.withdrawn_on}）"

    @property
    def handed_over(self):
        return [p for p in self.patients if p.get("to")]

    @property
    def archived(self):
        return [p for p in self.patients if not p.get("to")]
