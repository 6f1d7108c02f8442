"""The secretariat's oversight: trouble and incident reports with the APPI clock, guidance and
restriction records, and notices to facility administrators.

Reads go through the `visible_to(user)` QuerySet methods here: the secretariat sees its
program, a facility's people see their facility's reports, the facility administrator sees
the guidance given to the facility's people. Nothing here is hard-deleted: reports close,
guidance and notices stay as the record of what was said.
"""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from facilities.models import Facility, Program, RoleKind, Staff, role_facility_ids, secretariat_program_ids

from . import clock


def _scope(user):
    return secretariat_program_ids(user), role_facility_ids(user)


# --- Trouble and incident reports (トラブル・インシデント報告) ----------------------------


class IncidentKind(models.TextChoices):
    LOST_DEVICE = "lost_device", "端末の紛失・盗難"
    UNAUTHORISED = "unauthorised", "不正アクセス（の疑い）"
    MISSENT = "missent", "誤送信・誤ったグループへの投稿"
    SYSTEM = "system", "システムの異常"
    OTHER = "other", "その他"


class IncidentStatus(models.TextChoices):
    OPEN = "open", "対応中"
    CLOSED = "closed", "完了"


INCIDENT_TRANSITIONS = {
    IncidentStatus.OPEN: {IncidentStatus.CLOSED},
    IncidentStatus.CLOSED: {IncidentStatus.OPEN},
}


class IncidentQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The secretariat: its program's reports; a facility role: its facility's; anyone: their own."""
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self
        programs, facilities = _scope(user)
        return self.filter(Q(program_id__in=programs) | Q(facility_id__in=facilities) | Q(reported_by=user))

    def open(self):
        return self.filter(status=IncidentStatus.OPEN)

    def _pending(self, step, before):
        return Q(**{f"{step}_due_on__lt": before, f"{step}_done_on__isnull": True})

    def overdue(self, *, today):
        """Open reports with a legal step past its limit and not done."""
        pending = Q()
        for step in clock.STEPS:
            pending |= self._pending(step, today)
        return self.open().filter(pending)

    def due_soon(self, *, today):
        """Open reports with a legal step in its reminder window (and none overdue)."""
        soon = Q()
        for step in clock.STEPS:
            soon |= self._pending(step, today + datetime.timedelta(days=clock.REMIND_BEFORE[step] + 1))
        return self.open().filter(soon).exclude(pk__in=self.overdue(today=today).values("pk"))


class Incident(models.Model):
    """A trouble or incident reported to the facility's administrator and the secretariat.

    Patients appear by number only (`affected_patient_numbers`); the title is made from the kind
    and the facility, so no name can reach a list, an e-mail subject or a file name.
    """

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="incidents", verbose_name="ネットワーク")
    facility = models.ForeignKey(Facility, on_delete=models.PROTECT, related_name="incidents", verbose_name="施設")
    kind = models.CharField("種類", max_length=20, choices=IncidentKind.choices)
    status = models.CharField("状態", max_length=10, choices=IncidentStatus.choices, default=IncidentStatus.OPEN)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="報告した人"
    )
    on_behalf_of = models.CharField("本人に代わって報告した場合の本人（氏名・職種）", max_length=100, blank=True)
    occurred_on = models.DateField("発生日", null=True, blank=True)
    discovered_on = models.DateField("発覚日（気づいた日）")
    what_happened = models.TextField("何が起きたか")
    first_response = models.TextField("すでに行った対応", blank=True)
    affected_patient_numbers = models.CharField("影響を受けたおそれのある患者（患者番号）", max_length=500, blank=True)
    affected_count = models.PositiveIntegerField("影響を受けたおそれのある人数", default=0)
    sensitive_data = models.BooleanField("要配慮個人情報（病歴・心身の状態など）が漏えいした（おそれがある）", default=True)
    malicious = models.BooleanField("不正の目的による（おそれがある）", default=False)
    # The items of the PPC's 漏えい等報告 form, filled in as the facility learns more.
    data_items = models.TextField("漏えい等した個人データの項目", blank=True)
    cause = models.TextField("原因", blank=True)
    secondary_harm = models.TextField("二次被害又はそのおそれの有無及びその内容", blank=True)
    person_response = models.TextField("本人への対応の実施状況", blank=True)
    publication = models.TextField("公表の実施状況", blank=True)
    prevention = models.TextField("再発防止のための措置", blank=True)
    other_notes = models.TextField("その他参考となる事項", blank=True)
    # The legal clock: limits counted from discovered_on (oversight.clock); empty when no report is due.
    prompt_due_on = models.DateField("速報の期限", null=True, blank=True)
    final_due_on = models.DateField("確報の期限", null=True, blank=True)
    person_due_on = models.DateField("本人通知の目安", null=True, blank=True)
    prompt_done_on = models.DateField("速報をした日", null=True, blank=True)
    final_done_on = models.DateField("確報をした日", null=True, blank=True)
    person_done_on = models.DateField("本人に通知した日", null=True, blank=True)
    closed_at = models.DateTimeField("完了日時", null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name="完了にした人",
    )
    closing_note = models.TextField("完了のメモ", blank=True)
    created_at = models.DateTimeField("報告日時", auto_now_add=True)

    history = HistoricalRecords()
    objects = IncidentQuerySet.as_manager()

    class Meta:
        verbose_name = "トラブル・インシデント報告"
        verbose_name_plural = "トラブル・インシデント報告"
        ordering = ["-discovered_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="open", closed_at__isnull=True) | Q(status="closed", closed_at__isnull=False),
                name="incident_closed_has_when",
            ),
            models.CheckConstraint(
                condition=Q(occurred_on__isnull=True) | Q(occurred_on__lte=models.F("discovered_on")),
                name="incident_occurred_before_discovered",
            ),
            models.CheckConstraint(
                condition=(Q(prompt_due_on__isnull=True) & Q(final_due_on__isnull=True) & Q(person_due_on__isnull=True))
                | (Q(prompt_due_on__isnull=False) & Q(final_due_on__isnull=False) & Q(person_due_on__isnull=False)),
                name="incident_clock_all_or_none",
            ),
        ]
        indexes = [
            models.Index(fields=["program", "status"], name="incident_program_status"),
            models.Index(fields=["facility", "status"], name="incident_facility_status"),
        ]

    def __str__(self):
        return self.title

    @property
    def number(self):
        """受付番号, e.g. MSM-T00012: what people quote instead of any name."""
        return f"{self.program.code}-T{self.pk:05d}" if self.pk else ""

    @property
    def title(self):
        return f"{self.number} {self.get_kind_display()}（{self.facility.name}）"

    @property
    def report_required(self):
        return self.prompt_due_on is not None

    @property
    def prompt_target_on(self):
        return clock.prompt_target(self.discovered_on) if self.report_required else None

    def steps(self, today):
        """The legal steps with their limits, done dates and state (done, overdue, soon, waiting)."""
        if not self.report_required:
            return []
        return [
            clock.step_state(step, getattr(self, f"{step}_due_on"), getattr(self, f"{step}_done_on"), today)
            for step in clock.STEPS
        ]

    def steps_missing(self):
        return [clock.STEP_LABELS[s] for s in clock.STEPS if self.report_required and not getattr(self, f"{s}_done_on")]


class ActionKind(models.TextChoices):
    REMOTE_WIPE = "remote_wipe", "遠隔消去（リモートワイプ）"
    LINE_STOP = "line_stop", "回線の停止"
    PASSWORD = "password", "MCSのパスワード変更"
    MEMBER_REMOVED = "member_removed", "グループのメンバーから解除"
    ID_STOPPED = "id_stopped", "MCSのIDの停止"
    POLICE = "police", "警察への届出"
    PROMPT = "prompt", "個人情報保護委員会への速報"
    FINAL = "final", "個人情報保護委員会への確報"
    PERSON = "person", "本人への通知"
    ASSESSED = "assessed", "報告内容・要否の見直し"
    CLOSED = "closed", "完了"
    REOPENED = "reopened", "再開"
    OTHER = "other", "その他"


# The kinds a person may add by hand; the others are written by the services.
MANUAL_ACTIONS = (
    ActionKind.REMOTE_WIPE, ActionKind.LINE_STOP, ActionKind.PASSWORD, ActionKind.MEMBER_REMOVED,
    ActionKind.ID_STOPPED, ActionKind.POLICE, ActionKind.OTHER,
)


class IncidentAction(models.Model):
    """One line of a report's action log (対応の記録): appended, never changed or deleted."""

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="actions", verbose_name="報告")
    kind = models.CharField("対応", max_length=20, choices=ActionKind.choices)
    done_on = models.DateField("実施日")
    note = models.TextField("内容", blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="記録した人")
    at = models.DateTimeField("記録日時", auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "対応の記録"
        verbose_name_plural = "対応の記録"
        ordering = ["done_on", "pk"]

    def __str__(self):
        return f"{self.get_kind_display()} {self.done_on}"


# --- Guidance and restriction (注意・指導, 利用制限) --------------------------------------


class GuidanceKind(models.TextChoices):
    CAUTION = "caution", "注意"
    GUIDANCE = "guidance", "指導"
    RESTRICTION = "restriction", "利用制限"


class GuidanceQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The secretariat: its program's; a facility's roles: their facility's (the getter lets
        only its MCS管理者 read them)."""
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self
        programs, facilities = _scope(user)
        return self.filter(Q(program_id__in=programs) | Q(facility_id__in=facilities))

    def for_admin(self, user):
        """What the user may read: the program's (secretariat) or their facilities' as MCS管理者."""
        if user.is_superuser:
            return self
        return self.filter(
            Q(program_id__in=secretariat_program_ids(user))
            | Q(facility_id__in=role_facility_ids(user, RoleKind.FACILITY_ADMIN))
        )


class Guidance(models.Model):
    """Guidance given by the secretariat (or its committee) to a user or a facility."""

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="guidance", verbose_name="ネットワーク")
    facility = models.ForeignKey(Facility, on_delete=models.PROTECT, related_name="guidance", verbose_name="施設")
    staff = models.ForeignKey(
        Staff, on_delete=models.PROTECT, null=True, blank=True, related_name="guidance",
        verbose_name="対象の利用者（施設全体のときは空欄）",
    )
    incident = models.ForeignKey(
        Incident, on_delete=models.PROTECT, null=True, blank=True, related_name="guidance",
        verbose_name="もとになった報告",
    )
    kind = models.CharField("種類", max_length=20, choices=GuidanceKind.choices)
    given_on = models.DateField("実施日")
    given_by_body = models.CharField("行った機関", max_length=100)
    content = models.TextField("内容")
    restriction_until = models.DateField("利用制限の終了予定日", null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="記録した人"
    )
    created_at = models.DateTimeField("記録日時", auto_now_add=True)

    history = HistoricalRecords()
    objects = GuidanceQuerySet.as_manager()

    class Meta:
        verbose_name = "注意・指導の記録"
        verbose_name_plural = "注意・指導の記録"
        ordering = ["-given_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="restriction") | Q(restriction_until__isnull=True),
                name="guidance_until_only_for_restriction",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.facility} {self.given_on}"


# --- Notices to facility administrators (施設管理者連絡網) --------------------------------


class NoticeQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The secretariat: its program's notices; a facility role: those addressed to its facility."""
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self
        programs, facilities = _scope(user)
        return self.filter(Q(program_id__in=programs) | Q(recipients__facility_id__in=facilities)).distinct()


class AdminNotice(models.Model):
    """A notice from the secretariat to the administrators of all or some facilities."""

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="admin_notices", verbose_name="ネットワーク")
    title = models.CharField("件名", max_length=100)
    body = models.TextField("本文")
    to_all = models.BooleanField("すべての施設へ", default=True)
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="送信した人")
    sent_at = models.DateTimeField("送信日時", auto_now_add=True)

    history = HistoricalRecords()
    objects = NoticeQuerySet.as_manager()

    class Meta:
        verbose_name = "施設管理者へのお知らせ"
        verbose_name_plural = "施設管理者へのお知らせ"
        ordering = ["-sent_at", "-pk"]

    def __str__(self):
        return self.title


class NoticeRecipient(models.Model):
    """A facility a notice was sent to, and (once) who of its administrators confirmed reading it."""

    notice = models.ForeignKey(AdminNotice, on_delete=models.PROTECT, related_name="recipients", verbose_name="お知らせ")
    facility = models.ForeignKey(Facility, on_delete=models.PROTECT, related_name="+", verbose_name="施設")
    read_at = models.DateTimeField("確認日時", null=True, blank=True)
    read_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name="確認した人",
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = "お知らせの宛先"
        verbose_name_plural = "お知らせの宛先"
        ordering = ["facility__number"]
        constraints = [
            models.UniqueConstraint(fields=["notice", "facility"], name="notice_recipient_unique"),
            models.CheckConstraint(
                condition=Q(read_at__isnull=True, read_by__isnull=True) | Q(read_at__isnull=False, read_by__isnull=False),
                name="notice_recipient_read_has_who",
            ),
        ]

    def __str__(self):
        return f"{self.notice} → {self.facility}"
