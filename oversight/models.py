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

from facilities.models import (
    Facility,
    Program,
    RoleKind,
    ScopedQuerySet,
    Staff,
    Suspension,
    role_facility_ids,
    secretariat_program_ids,
)

from . import clock


def _scope(user):
    return secretariat_program_ids(user), role_facility_ids(user)


# The secretariat: its program's rows; a facility's roles: their facility's.
FacilityScopedQuerySet = ScopedQuerySet


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

    @staticmethod
    def _pending(step, before):
        return Q(**{f"{step}_due_on__lt": before, f"{step}_done_on__isnull": True})

    @classmethod
    def overdue_q(cls, today):
        """Open, with a legal step past its limit and not done."""
        pending = Q()
        for step in clock.STEPS:
            pending |= cls._pending(step, today)
        return Q(status=IncidentStatus.OPEN) & pending

    @classmethod
    def due_soon_q(cls, today):
        """Open, with a legal step in its reminder window, and none overdue."""
        soon = Q()
        for step in clock.STEPS:
            soon |= cls._pending(step, today + datetime.timedelta(days=clock.REMIND_BEFORE[step] + 1))
        return Q(status=IncidentStatus.OPEN) & soon & ~cls.overdue_q(today)

    def overdue(self, *, today):
        return self.filter(self.overdue_q(today))

    def due_soon(self, *, today):
        return self.filter(self.due_soon_q(today))


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
    reminded_on = models.DateField("最後に期限を知らせた日", null=True, blank=True)
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


class GuidanceQuerySet(FacilityScopedQuerySet):
    # visible_to: the facility's roles too, so that its coordinators get 403, not 404.
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
    suspension = models.ForeignKey(
        Suspension, on_delete=models.PROTECT, null=True, blank=True, related_name="guidance",
        verbose_name="利用制限による利用停止",
    )
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
            models.CheckConstraint(
                condition=Q(kind="restriction") | Q(suspension__isnull=True),
                name="guidance_suspension_only_for_restriction",
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


# --- Devices, taking out, personal devices, disasters (IT機器) ----------------------------


class DisasterPeriodQuerySet(models.QuerySet):
    def open(self):
        return self.filter(ended_at__isnull=True)


class DisasterPeriod(models.Model):
    """A disaster the secretariat declared (where the policy allows it: `disaster_article`): while it is open,
    devices not in a facility's register may be used for MCS, and are recorded as such."""

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="disasters", verbose_name="ネットワーク")
    title = models.CharField("災害の名称", max_length=100)
    started_at = models.DateTimeField("開始日時")
    ended_at = models.DateTimeField("終了日時", null=True, blank=True)
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                  verbose_name="開始した人")
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="+", verbose_name="終了した人")

    history = HistoricalRecords()
    objects = DisasterPeriodQuerySet.as_manager()

    class Meta:
        verbose_name = "災害時の特例期間"
        verbose_name_plural = "災害時の特例期間"
        ordering = ["-started_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["program"], condition=Q(ended_at__isnull=True),
                                    name="disaster_one_open_per_program"),
            models.CheckConstraint(condition=Q(ended_at__isnull=True) | Q(ended_at__gte=models.F("started_at")),
                                   name="disaster_ends_after_start"),
        ]

    def __str__(self):
        return self.title


class DeviceKind(models.TextChoices):
    SMARTPHONE = "smartphone", "スマートフォン"
    TABLET = "tablet", "タブレット"
    PC = "pc", "パソコン"
    OTHER = "other", "その他"


class Ownership(models.TextChoices):
    LENT = "lent", "施設の端末（貸与）"
    PERSONAL = "personal", "個人所有の端末"


class DeviceQuerySet(FacilityScopedQuerySet):
    def in_use(self):
        return self.filter(retired_on__isnull=True)


class Device(models.Model):
    """A line of a facility's IT device register (IT機器の管理台帳), kept by its MCS管理者."""

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="devices", verbose_name="ネットワーク")
    facility = models.ForeignKey(Facility, on_delete=models.PROTECT, related_name="devices", verbose_name="施設")
    label = models.CharField("端末の名称・管理番号", max_length=100)
    kind = models.CharField("種類", max_length=20, choices=DeviceKind.choices)
    ownership = models.CharField("所有", max_length=20, choices=Ownership.choices)
    holder = models.ForeignKey(Staff, on_delete=models.PROTECT, null=True, blank=True, related_name="devices",
                               verbose_name="使う人（貸与先・所有者）")
    safeguards = models.JSONField("安全対策", default=list, blank=True)
    approved_on = models.DateField("書面で承認した日（個人所有の端末）", null=True, blank=True)
    disaster = models.ForeignKey(DisasterPeriod, on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="devices", verbose_name="災害時の特例で登録")
    registered_on = models.DateField("登録日")
    retired_on = models.DateField("使用をやめた日", null=True, blank=True)
    warnings = models.JSONField("登録時の注意", default=list, blank=True)
    registered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                      verbose_name="登録した人")

    history = HistoricalRecords()
    objects = DeviceQuerySet.as_manager()

    class Meta:
        verbose_name = "IT機器"
        verbose_name_plural = "IT機器"
        ordering = ["facility", "label", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(retired_on__isnull=True) | Q(retired_on__gte=models.F("registered_on")),
                                   name="device_retired_after_registered"),
        ]

    def __str__(self):
        return self.label


class RequestKind(models.TextChoices):
    TAKEOUT = "takeout", "情報・機器の持ち出し"
    BYOD = "byod", "個人所有の端末の利用"


class RequestStatus(models.TextChoices):
    REQUESTED = "requested", "申請中"
    APPROVED = "approved", "承認"
    REFUSED = "refused", "不承認"


REQUEST_TRANSITIONS = {
    RequestStatus.REQUESTED: {RequestStatus.APPROVED, RequestStatus.REFUSED},
    RequestStatus.APPROVED: set(),
    RequestStatus.REFUSED: set(),
}


class DeviceRequestQuerySet(FacilityScopedQuerySet):
    def awaiting(self):
        return self.filter(status=RequestStatus.REQUESTED)


class DeviceRequest(models.Model):
    """A request to take information or a device out, or to use a personal device, decided in
    writing by the facility's MCS管理者."""

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="device_requests",
                                verbose_name="ネットワーク")
    facility = models.ForeignKey(Facility, on_delete=models.PROTECT, related_name="device_requests",
                                 verbose_name="施設")
    kind = models.CharField("申請", max_length=20, choices=RequestKind.choices)
    status = models.CharField("状態", max_length=20, choices=RequestStatus.choices, default=RequestStatus.REQUESTED)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                     verbose_name="申請した人")
    device = models.ForeignKey(Device, on_delete=models.PROTECT, null=True, blank=True, related_name="requests",
                               verbose_name="端末")
    device_label = models.CharField("端末（個人所有の端末の名称・機種）", max_length=100, blank=True)
    device_kind = models.CharField("端末の種類", max_length=20, choices=DeviceKind.choices, blank=True)
    safeguards = models.JSONField("端末の安全対策", default=list, blank=True)
    information = models.TextField("持ち出す情報の内容", blank=True)
    medium = models.CharField("格納する媒体", max_length=100, blank=True)
    purpose = models.TextField("目的")
    period_from = models.DateField("期間（から）")
    period_to = models.DateField("期間（まで）")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name="判断した人")
    decided_on = models.DateField("判断した日", null=True, blank=True)
    written_on = models.DateField("書面で承認した日", null=True, blank=True)
    decision_note = models.TextField("判断のメモ", blank=True)
    warnings = models.JSONField("判断時の注意", default=list, blank=True)
    created_at = models.DateTimeField("申請日時", auto_now_add=True)

    history = HistoricalRecords()
    objects = DeviceRequestQuerySet.as_manager()

    class Meta:
        verbose_name = "持ち出し・個人端末の申請"
        verbose_name_plural = "持ち出し・個人端末の申請"
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(period_to__gte=models.F("period_from")), name="devicerequest_period"),
            models.CheckConstraint(
                condition=Q(status="requested", decided_on__isnull=True) | (~Q(status="requested")
                                                                           & Q(decided_on__isnull=False)),
                name="devicerequest_decided_has_when",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()}（{self.facility}）"


class UsePurpose(models.TextChoices):
    CARE = "care", "患者のケアに直接使う（記録に残す、職員に伝える、患者・家族への説明）"
    OTHER = "other", "ケアに直接関係しない（勉強会・学会発表など）"


class SecondaryUse(models.Model):
    """A request to use MCS content outside MCS (二次利用), as the engine allowed it, with its warnings."""

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="secondary_uses",
                                verbose_name="ネットワーク")
    facility = models.ForeignKey(Facility, on_delete=models.PROTECT, related_name="secondary_uses",
                                 verbose_name="施設")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                     verbose_name="申請した人")
    purpose = models.CharField("目的", max_length=10, choices=UsePurpose.choices)
    content = models.TextField("使う内容（どのグループの、どの書き込み・画像か。患者は番号で）")
    use = models.TextField("使い方")
    provider_permission = models.BooleanField("内容の提供者の許可を得た", default=False)
    manager_permission = models.BooleanField("患者タイムライン（グループ）の管理者の許可を得た", default=False)
    anonymized = models.BooleanField("個人が分からないよう抜粋・加工した", default=False)
    document_from_other_facility = models.BooleanField("他の施設からの情報提供書などの文書を含む", default=False)
    warnings = models.JSONField("注意", default=list, blank=True)
    created_at = models.DateTimeField("記録日時", auto_now_add=True)

    history = HistoricalRecords()
    objects = FacilityScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "二次利用の記録"
        verbose_name_plural = "二次利用の記録"
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"二次利用（{self.facility}）"
