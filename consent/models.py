"""Patients, the facilities involved in their care, consent templates and records, the access log.

Reads go through `visible_to(user)`: the program's secretariat, superusers, and people
holding a facility role at a facility involved in the patient's care (`CareTeam`).
Writes go through consent/services.py.
"""

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from facilities.models import Facility, JobType, Program, Staff, role_facility_ids, secretariat_program_ids


class PatientStatus(models.TextChoices):
    ACTIVE = "active", "療養中"
    DECEASED = "deceased", "死亡"
    ENDED = "ended", "利用終了"
    TRANSFERRED = "transferred", "転院・転居"


# Which status may follow which. A death is final; an ended or transferred patient may come back.
STATUS_TRANSITIONS = {
    PatientStatus.ACTIVE: {PatientStatus.DECEASED, PatientStatus.ENDED, PatientStatus.TRANSFERRED},
    PatientStatus.ENDED: {PatientStatus.ACTIVE},
    PatientStatus.TRANSFERRED: {PatientStatus.ACTIVE},
    PatientStatus.DECEASED: set(),
}


class Gender(models.TextChoices):
    FEMALE = "female", "女"
    MALE = "male", "男"
    OTHER = "other", "その他・記載しない"


def kana_key(value):
    """A reading without spaces or middle dots, so 'ヤマダ タロウ' and 'ヤマダタロウ' find each other."""
    return re.sub(r"[\s・]", "", value or "")


def care_team_patient_ids(facility_ids):
    """Patients in whose care one of these facilities is involved *now* (ended involvement hides them)."""
    return CareTeam.objects.current().filter(facility_id__in=facility_ids).values("patient_id")


class PatientQuerySet(models.QuerySet):
    def visible_to(self, user):
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self
        return self.filter(
            Q(program_id__in=secretariat_program_ids(user)) | Q(pk__in=care_team_patient_ids(role_facility_ids(user)))
        )

    def actionable_by(self, user):
        """Patients whose consent the user may record: a facility role at an involved facility."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(pk__in=care_team_patient_ids(role_facility_ids(user)))

    def search(self, *, kana="", birth_date=None):
        qs = self
        if kana:
            qs = qs.filter(kana_key__contains=kana_key(kana))
        if birth_date:
            qs = qs.filter(birth_date=birth_date)
        return qs

    def with_consent_state(self):
        records = ConsentRecord.objects.filter(patient=OuterRef("pk"))
        return self.annotate(
            has_valid_consent=Exists(records.valid()), has_withdrawn_consent=Exists(records.filter(withdrawn_on__isnull=False))
        )

    def without_valid_consent(self):
        """Patients who never consented (a withdrawn consent is counted apart: `withdrawn_consent`)."""
        return self.with_consent_state().filter(has_valid_consent=False, has_withdrawn_consent=False)

    def withdrawn_consent(self):
        return self.with_consent_state().filter(has_valid_consent=False, has_withdrawn_consent=True)

    def same_person_as(self, *, program, full_name="", kana="", birth_date):
        """Patients of the program who may be this person: the same カナ (or 氏名) and 生年月日."""
        same = Q(kana_key=kana_key(kana)) if kana else Q()
        if full_name:
            same |= Q(full_name=full_name)
        return self.filter(same, program=program, birth_date=birth_date).exclude(erasure__isnull=False)


class Patient(models.Model):
    """As little about a patient as the consent work needs."""

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="patients", verbose_name="ネットワーク")
    full_name = models.CharField("氏名", max_length=100)
    full_name_kana = models.CharField("カナ", max_length=100)
    kana_key = models.CharField("検索用カナ", max_length=100, editable=False)
    birth_date = models.DateField("生年月日")
    gender = models.CharField("性別", max_length=10, choices=Gender.choices)
    postal_code = models.CharField("郵便番号", max_length=8, blank=True)
    address = models.CharField("住所", max_length=300)
    phone = models.CharField("電話", max_length=20, blank=True)
    primary_doctor = models.ForeignKey(
        Staff, on_delete=models.PROTECT, null=True, blank=True, related_name="patients_as_doctor",
        verbose_name="主治医", help_text="MCSに登録されている医師から選びます。",
    )
    origin_facility = models.ForeignKey(
        Facility, on_delete=models.PROTECT, related_name="patients_originated", verbose_name="連携元事業所"
    )
    group_leader = models.ForeignKey(
        Staff, on_delete=models.PROTECT, null=True, blank=True, related_name="patients_as_leader",
        verbose_name="患者グループ連携リーダー",
    )
    doctor_visits_home = models.BooleanField("訪問診療・往診を受けている", default=False)
    status = models.CharField("状態", max_length=20, choices=PatientStatus.choices, default=PatientStatus.ACTIVE)
    status_on = models.DateField("状態が変わった日", null=True, blank=True)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="登録した人"
    )
    created_at = models.DateTimeField("登録日時", auto_now_add=True)
    distinct_reason = models.CharField(
        "別の人として登録した理由", max_length=200, blank=True,
        help_text="同じカナ・生年月日の患者がすでにいるのに、別の人として登録したときの理由",
    )

    history = HistoricalRecords()
    objects = PatientQuerySet.as_manager()

    class Meta:
        verbose_name = "患者"
        verbose_name_plural = "患者"
        ordering = ["kana_key", "birth_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status=PatientStatus.ACTIVE) | Q(status_on__isnull=False),
                name="patient_status_date_unless_active",
            ),
        ]
        indexes = [
            # The patient list's page: program, in カナ order, LIMIT 50 read straight from the index
            # (without birth_date and id in it, PostgreSQL sorted every patient of the program).
            models.Index(fields=["program", "kana_key", "birth_date", "id"], name="patient_prog_kana_page"),
            models.Index(fields=["program", "birth_date"], name="patient_prog_birth"),
        ]

    def __str__(self):
        return self.full_name

    def save(self, *args, **kwargs):
        self.kana_key = kana_key(self.full_name_kana)
        super().save(*args, **kwargs)

    def clean(self):
        super().clean()
        errors = {}
        program_id = self.program_id
        if self.origin_facility_id and self.origin_facility.program_id != program_id:
            errors["origin_facility"] = "このネットワークの事業所を選んでください。"
        doctor, leader = self.primary_doctor, self.group_leader
        if doctor and (doctor.program_id != program_id or doctor.job != JobType.DOCTOR):
            errors["primary_doctor"] = "このネットワークに登録されている医師を選んでください。"
        if leader and leader.program_id != program_id:
            errors["group_leader"] = "このネットワークの職員を選んでください。"
        if self.status != PatientStatus.ACTIVE and not self.status_on:
            errors["status_on"] = "状態が変わった日を入力してください。"
        if errors:
            raise ValidationError(errors)

    def involved_facility_ids(self):
        """Facilities that registration puts on the care team."""
        ids = [self.origin_facility_id]
        for staff in (self.primary_doctor, self.group_leader):
            if staff is not None:
                ids.append(staff.facility_id)
        return list(dict.fromkeys(ids))


class CareTeamReason(models.TextChoices):
    ORIGIN = "origin", "連携元事業所"
    DOCTOR = "doctor", "主治医の所属"
    LEADER = "leader", "連携リーダーの所属"
    GROUP = "group", "グループのメンバー"


class CareTeamEnd(models.TextChoices):
    MEMBER_REMOVED = "member_removed", "グループのメンバーでなくなった"
    GROUP_CLOSED = "group_closed", "グループが保管・削除された"
    ROLE_CHANGED = "role_changed", "連携元・主治医・連携リーダーが変わった"
    SECRETARIAT = "secretariat", "事務局が関わりを終えた"
    CARE_ENDED = "care_ended", "患者が療養中でなくなった"
    ERASED = "erased", "患者情報を消去した"


class CareTeamQuerySet(models.QuerySet):
    def current(self):
        return self.filter(ended_at__isnull=True)


class CareTeam(models.Model):
    """One reason a facility is involved in a patient's care, from when to when.

    A facility's coordinators and administrators may see the patient while at least one of
    its reasons is current; when the last one ends, the patient leaves their lists and pages
    (404). Rows are never deleted: ended rows are the history of who was involved and why.
    """

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="care_team", verbose_name="患者")
    facility = models.ForeignKey(Facility, on_delete=models.PROTECT, related_name="care_team", verbose_name="事業所")
    reason = models.CharField("関わり", max_length=20, choices=CareTeamReason.choices)
    added_at = models.DateTimeField("始まった日時", auto_now_add=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name="始めた人",
    )
    ended_at = models.DateTimeField("終わった日時", null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name="終えた人",
    )
    end_reason = models.CharField("終わった理由", max_length=20, choices=CareTeamEnd.choices, blank=True)
    end_note = models.CharField("補足", max_length=200, blank=True)

    history = HistoricalRecords()
    objects = CareTeamQuerySet.as_manager()

    class Meta:
        verbose_name = "関わる事業所"
        verbose_name_plural = "関わる事業所"
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "facility", "reason"], condition=Q(ended_at__isnull=True),
                name="care_team_one_current_reason",
            ),
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True, end_reason="") | Q(ended_at__isnull=False) & ~Q(end_reason=""),
                name="care_team_end_has_reason",
            ),
        ]
        indexes = [models.Index(fields=["facility", "patient"], name="care_team_facility_patient")]

    def __str__(self):
        return f"{self.patient_id}: {self.facility}"


class ConsentTemplateQuerySet(models.QuerySet):
    def published(self):
        return self.filter(published_at__isnull=False)

    def drafts(self):
        return self.filter(published_at__isnull=True)


class ConsentTemplate(models.Model):
    """One version of a program's consent form. Published versions are never changed."""

    program = models.ForeignKey(
        Program, on_delete=models.PROTECT, related_name="consent_templates", verbose_name="ネットワーク"
    )
    version = models.PositiveIntegerField("版")
    form_number = models.CharField("様式番号", max_length=20, blank=True)
    form_title = models.CharField("様式の表題", max_length=200)
    preamble = models.TextField("前文")
    clauses = models.JSONField("説明事項", default=list, help_text="番号を振って印刷する説明事項（1行に1項目）")
    purposes = models.JSONField(
        "個人情報の利用目的", default=list, help_text='[{"heading": 見出し, "items": [項目, ...]}, ...]'
    )
    agreement = models.CharField("同意の文言", max_length=300)
    published_at = models.DateTimeField("公開日時", null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name="公開した人",
    )
    created_at = models.DateTimeField("作成日時", auto_now_add=True)

    history = HistoricalRecords()
    objects = ConsentTemplateQuerySet.as_manager()

    class Meta:
        verbose_name = "同意書の様式"
        verbose_name_plural = "同意書の様式"
        ordering = ["program", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["program", "version"], name="consent_template_version_unique"),
            # One draft at a time, so two secretaries cannot publish diverging next versions.
            models.UniqueConstraint(
                fields=["program"], condition=Q(published_at__isnull=True), name="consent_template_one_draft"
            ),
            models.CheckConstraint(condition=Q(version__gte=1), name="consent_template_version_positive"),
        ]

    def __str__(self):
        return f"{self.form_title} 第{self.version}版"

    def save(self, *args, **kwargs):
        # A guard, not a side effect: whatever path writes, a published version stays as signed.
        if self._stored_published():
            raise ValidationError("公開済みの版は変更できません。新しい版を作ってください。")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self._stored_published():
            raise ValidationError("公開済みの版は削除できません。")
        return super().delete(*args, **kwargs)

    @property
    def is_published(self):
        return self.published_at is not None

    @property
    def published_on(self):
        return timezone.localdate(self.published_at) if self.published_at else None

    def _stored_published(self):
        return (
            self.pk is not None
            and type(self).objects.filter(pk=self.pk, published_at__isnull=False).exists()
        )

    def clean(self):
        super().clean()
        if self._stored_published():
            raise ValidationError("公開済みの版は変更できません。新しい版を作ってください。")
        if not self.clauses or not all(isinstance(c, str) and c.strip() for c in self.clauses):
            raise ValidationError({"clauses": "説明事項を1つ以上入力してください。"})
        for purpose in self.purposes:
            if not (isinstance(purpose, dict) and purpose.get("heading") and purpose.get("items")):
                raise ValidationError({"purposes": "利用目的は見出しと項目の組で入力してください。"})


class ConsentRecordQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(patient__in=Patient.objects.visible_to(user))

    def valid(self):
        return self.filter(withdrawn_on__isnull=True)

    def withdrawn_since(self, date):
        return self.filter(withdrawn_on__gte=date)


# Signed paper scans live under MEDIA_ROOT, which no URL serves: only the scan view reads them.
scan_storage = FileSystemStorage(file_permissions_mode=0o600, directory_permissions_mode=0o700)


class ConsentRecord(models.Model):
    """What was agreed, by whom, on which version: kept for good, marked when withdrawn."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="consents", verbose_name="患者")
    template = models.ForeignKey(
        ConsentTemplate, on_delete=models.PROTECT, null=True, blank=True, related_name="records",
        verbose_name="同意書の版", help_text="ポータル導入前の同意では空欄",
    )
    signed_on = models.DateField("同意日")
    is_prior = models.BooleanField("ポータル導入前の同意", default=False)
    patient_signed = models.BooleanField("患者本人が署名", default=True)
    family_signers = models.JSONField("家族", default=list, blank=True, help_text='[{"name", "relationship", "address"}]')
    proxy_name = models.CharField("代理人の氏名", max_length=100, blank=True)
    proxy_relationship = models.CharField("代理人と患者の関係", max_length=50, blank=True)
    obtained_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="取得した人"
    )
    obtainer_facility = models.ForeignKey(
        Facility, on_delete=models.PROTECT, related_name="+", verbose_name="取得した事業所"
    )
    by_primary_doctor = models.BooleanField("主治医として取得", default=False)
    by_doctor_delegate = models.BooleanField("主治医の指示を受けて取得", default=False)
    by_origin_facility = models.BooleanField("連携元事業所として取得", default=False)
    by_group_leader = models.BooleanField("連携リーダーとして取得", default=False)
    doctor_deems_necessary = models.BooleanField("主治医が情報共有を必要と認めた", default=False)
    original_kept_at = models.CharField("原本の保管場所", max_length=200)
    copy_given = models.BooleanField("控え（写し）を渡した", default=False)
    scan = models.FileField("署名済み同意書のスキャン", storage=scan_storage, upload_to="consent-scans/%Y/", blank=True)
    scan_content_type = models.CharField("スキャンの種類", max_length=40, blank=True)
    scan_sha256 = models.CharField("スキャンのSHA-256", max_length=64, blank=True)
    pdf_snapshot = models.BinaryField("記録時のPDF", blank=True, editable=False)
    pdf_sha256 = models.CharField("PDFのSHA-256", max_length=64, blank=True, editable=False)
    warnings = models.JSONField("記録時の注意", default=list, blank=True)
    withdrawn_on = models.DateField("撤回日", null=True, blank=True)
    withdrawal_received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name="撤回を受け付けた人",
    )
    withdrawal_note = models.CharField("撤回の申出の内容", max_length=300, blank=True)
    recorded_at = models.DateTimeField("記録日時", default=timezone.now, editable=False)

    # The PDF bytes never change after recording; the history keeps their hash, not a copy per change.
    history = HistoricalRecords(excluded_fields=["pdf_snapshot"])
    objects = ConsentRecordQuerySet.as_manager()

    class Meta:
        verbose_name = "同意の記録"
        verbose_name_plural = "同意の記録"
        ordering = ["-signed_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(withdrawn_on__isnull=True, withdrawal_received_by__isnull=True)
                | Q(withdrawn_on__isnull=False, withdrawal_received_by__isnull=False),
                name="consent_withdrawal_complete",
            ),
            models.CheckConstraint(
                condition=Q(withdrawn_on__isnull=True) | Q(withdrawn_on__gte=models.F("signed_on")),
                name="consent_withdrawn_after_signed",
            ),
            models.CheckConstraint(
                # An earlier paper (is_prior) says on itself who signed it.
                condition=Q(patient_signed=True) | ~Q(proxy_name="") | Q(is_prior=True),
                name="consent_signed_by_patient_or_proxy",
            ),
            models.CheckConstraint(
                condition=Q(proxy_name="") | ~Q(proxy_relationship=""), name="consent_proxy_has_relationship"
            ),
            models.CheckConstraint(
                condition=Q(is_prior=True) | Q(template__isnull=False), name="consent_template_unless_prior"
            ),
        ]
        indexes = [models.Index(fields=["patient", "withdrawn_on"], name="consent_patient_withdrawn")]

    def __str__(self):
        return f"同意 {self.pk}（患者 {self.patient_id}）"

    @property
    def is_withdrawn(self):
        return self.withdrawn_on is not None

    @property
    def obtainer_roles(self):
        labels = []
        for field in ("by_primary_doctor", "by_doctor_delegate", "by_origin_facility", "by_group_leader"):
            if getattr(self, field):
                labels.append(self._meta.get_field(field).verbose_name.removesuffix("として取得"))
        return labels

    def clean(self):
        super().clean()
        if self.template_id and self.template.program_id != self.patient.program_id:
            raise ValidationError({"template": "この患者のネットワークの同意書を使ってください。"})
        if self.template_id and not self.template.is_published:
            raise ValidationError({"template": "公開前の版では同意を記録できません。"})


class AccessAction(models.TextChoices):
    VIEW_PAGE = "view_page", "患者ページの閲覧"
    VIEW_CONSENT = "view_consent", "同意の記録の閲覧"
    VIEW_PDF = "view_pdf", "同意書PDFの表示"
    DOWNLOAD_SCAN = "download_scan", "スキャンのダウンロード"
    CHANGE = "change", "患者情報の変更"
    VIEW_GROUP = "view_group", "患者グループ・精査表の閲覧"
    VIEW_LIST = "view_list", "一覧・ダッシュボードでの表示"
    VIEW_ADMIN = "view_admin", "管理サイトでの閲覧"


class AccessLogQuerySet(models.QuerySet):
    def for_program(self, program):
        return self.filter(patient__program=program)


class AccessLog(models.Model):
    """Who looked at which patient, when and from where. Rows are only ever added.

    No history table: the log is itself the history, and on PostgreSQL a trigger
    (migration 0002) refuses UPDATE and DELETE on it. It keeps ids, not names.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="利用者")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="access_log", verbose_name="患者")
    consent = models.ForeignKey(
        ConsentRecord, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="同意の記録"
    )
    action = models.CharField("操作", max_length=20, choices=AccessAction.choices)
    # A default in the database too: rows are appended from outside Django as well (the log is append-only).
    fields = models.CharField(
        "変更した項目", max_length=300, blank=True, default="", db_default="", help_text="項目名だけ（値は残さない）"
    )
    at = models.DateTimeField("日時", default=timezone.now, db_index=True)
    ip = models.GenericIPAddressField("接続元IPアドレス", null=True, blank=True)
    user_agent = models.CharField("ブラウザ", max_length=200, blank=True)

    objects = AccessLogQuerySet.as_manager()

    class Meta:
        verbose_name = "閲覧記録"
        verbose_name_plural = "閲覧記録"
        ordering = ["-at", "-pk"]
        indexes = [
            models.Index(fields=["patient", "-at"], name="accesslog_patient_at"),
            models.Index(fields=["user", "-at"], name="accesslog_user_at"),
        ]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} user {self.user_id} patient {self.patient_id} {self.action}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not kwargs.get("force_insert"):
            raise ValidationError("閲覧記録は追記のみです。")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError("閲覧記録は削除できません。")


class ErasureRecord(models.Model):
    """A patient's personal data was erased on request: who did it, when and why, by ids only.

    Kept for good (the decision itself is a record); the patient row stays, scrubbed, so that
    the consent records and the access log keep pointing at a number. One per patient.
    """

    patient = models.OneToOneField(Patient, on_delete=models.PROTECT, related_name="erasure", verbose_name="患者")
    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="+", verbose_name="ネットワーク")
    requested_on = models.DateField("消去の申出を受けた日")
    reason = models.TextField("申出の内容・消去の理由")
    erased_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="消去した人"
    )
    erased_at = models.DateTimeField("消去した日時", default=timezone.now)
    consents_scrubbed = models.PositiveIntegerField("消去した同意の記録", default=0)
    history_rows_scrubbed = models.PositiveIntegerField("消去した変更履歴の行", default=0)
    files_deleted = models.PositiveIntegerField("削除したスキャン", default=0)
    memberships_ended = models.PositiveIntegerField("外した患者グループ", default=0)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "患者情報の消去"
        verbose_name_plural = "患者情報の消去"
        ordering = ["-erased_at", "-pk"]

    def __str__(self):
        return f"患者 {self.patient_id} の消去（{self.erased_on}）"

    @property
    def erased_on(self):
        return timezone.localdate(self.erased_at)


class ReconsentRequest(models.Model):
    """A request that a patient's consent be taken again on a newer version of the form; it closes
    itself when a consent on that version (or a later one) is recorded. Never deleted."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="reconsent_requests",
                                verbose_name="患者")
    template = models.ForeignKey(ConsentTemplate, on_delete=models.PROTECT, related_name="+",
                                 verbose_name="取り直す版")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                     verbose_name="依頼した人")
    requested_at = models.DateTimeField("依頼日時", auto_now_add=True)
    record = models.ForeignKey(ConsentRecord, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                               verbose_name="記録された同意")
    closed_at = models.DateTimeField("完了日時", null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "同意の取り直し依頼"
        verbose_name_plural = "同意の取り直し依頼"
        ordering = ["-requested_at"]
        constraints = [
            models.UniqueConstraint(fields=["patient"], condition=Q(closed_at__isnull=True),
                                    name="reconsent_one_open_per_patient"),
        ]

    def __str__(self):
        return f"{self.patient}: 第{self.template.version}版での同意の取り直し"
