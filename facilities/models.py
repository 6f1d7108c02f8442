"""Programs (regional networks), facilities, people's roles and the staff ledger.

Every read a view makes goes through a `visible_to(user)` QuerySet method defined here:
secretariat staff see their program, facility roles see their facility, superusers all.
"""

import re

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from simple_history.models import HistoricalRecords

from policy.rules import PROFILES, profile


class RoleKind(models.TextChoices):
    SECRETARIAT = "secretariat", "事務局"
    FACILITY_ADMIN = "facility_admin", "MCS管理者"
    COORDINATOR = "coordinator", "コーディネーター"


def _role_scope(user):
    """(program ids where user is secretariat, facility ids where user holds a facility role).

    Cached on the user object for the length of one request.
    """
    cached = getattr(user, "_portal_role_scope", None)
    if cached is None:
        rows = Role.objects.filter(user=user, is_active=True, program__is_active=True).values_list(
            "kind", "program_id", "facility_id"
        )
        programs, facilities = set(), set()
        for kind, program_id, facility_id in rows:
            if kind == RoleKind.SECRETARIAT:
                programs.add(program_id)
            else:
                facilities.add(facility_id)
        cached = (frozenset(programs), frozenset(facilities))
        user._portal_role_scope = cached
    return cached


def secretariat_program_ids(user):
    if not user.is_authenticated:
        return frozenset()
    return _role_scope(user)[0]


def role_facility_ids(user, *kinds):
    """Facilities where the user holds any of `kinds` (all facility roles when none given)."""
    if not user.is_authenticated:
        return frozenset()
    if not kinds:
        return _role_scope(user)[1]
    return frozenset(
        Role.objects.filter(user=user, is_active=True, kind__in=kinds, facility__isnull=False).values_list(
            "facility_id", flat=True
        )
    )


def variant_choices():
    # A callable: the policy titles live in policy.rules and never get frozen into migrations.
    return [(key, p.policy_title) for key, p in PROFILES.items()]


class ProgramQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)

    def visible_to(self, user):
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self
        programs, facilities = _role_scope(user)
        return self.filter(Q(pk__in=programs) | Q(facilities__pk__in=facilities)).distinct()

    def run_by(self, user):
        """Programs whose secretariat the user belongs to."""
        if user.is_superuser:
            return self
        return self.filter(pk__in=secretariat_program_ids(user))


class Program(models.Model):
    """One regional MCS network, running under one of the policy variants."""

    name = models.CharField("ネットワーク名", max_length=100)
    slug = models.SlugField("スラッグ", max_length=40, unique=True)
    code = models.CharField(
        "受付番号の接頭辞", max_length=5, unique=True, help_text="受付番号 (例: KMG-2026-0007) の先頭に付く英字"
    )
    variant = models.CharField("運用ポリシー", max_length=30, choices=variant_choices)
    secretariat_name = models.CharField("事務局名", max_length=200)
    secretariat_contact = models.TextField("事務局連絡先", blank=True)
    secretariat_email = models.EmailField("事務局メールアドレス", blank=True)
    area_municipalities = models.JSONField("対象地域（市区町村）", default=list, blank=True)
    area_postal_prefixes = models.JSONField("対象地域（郵便番号の先頭）", default=list, blank=True)
    review_interval_days = models.PositiveIntegerField("メンバー定期精査の間隔（日）", default=180)
    education_interval_days = models.PositiveIntegerField("職員教育の間隔（日）", default=365)
    is_active = models.BooleanField("運用中", default=True)
    created_at = models.DateTimeField("作成日時", auto_now_add=True)

    history = HistoricalRecords()
    objects = ProgramQuerySet.as_manager()

    class Meta:
        verbose_name = "ネットワーク"
        verbose_name_plural = "ネットワーク"
        ordering = ["name"]

    def __str__(self):
        return self.name

    @property
    def policy(self):
        """The variant's standing data (forms, who approves, intervals)."""
        return profile(self.variant)

    def is_in_area(self, *, postal_code="", address=""):
        digits = "".join(ch for ch in postal_code if ch.isdigit())
        if any(digits.startswith(p) for p in self.area_postal_prefixes if p):
            return True
        return any(m and m in address for m in self.area_municipalities)


class FacilityKind(models.TextChoices):
    HOSPITAL = "hospital", "病院"
    CLINIC = "clinic", "診療所"
    DENTAL = "dental", "歯科診療所"
    PHARMACY = "pharmacy", "薬局"
    HOME_NURSING = "home_nursing", "訪問看護ステーション"
    CARE_MANAGEMENT = "care_management", "居宅介護支援事業所"
    COMMUNITY_CENTER = "community_center", "地域包括支援センター"
    CARE_SERVICE = "care_service", "介護サービス事業所"
    GOVERNMENT = "government", "行政機関"
    ASSOCIATION = "association", "医師会等の団体"
    OTHER = "other", "その他"


class FacilityStatus(models.TextChoices):
    ACTIVE = "active", "利用中"
    SUSPENDED = "suspended", "利用停止"
    WITHDRAWN = "withdrawn", "退会"


class FacilityQuerySet(models.QuerySet):
    def visible_to(self, user):
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self
        programs, facilities = _role_scope(user)
        return self.filter(Q(program_id__in=programs) | Q(pk__in=facilities))

    def administered_by(self, user):
        """Facilities whose ledger the user may change: their MCS管理者 role, or the secretariat."""
        if user.is_superuser:
            return self
        return self.filter(
            Q(program_id__in=secretariat_program_ids(user))
            | Q(pk__in=role_facility_ids(user, RoleKind.FACILITY_ADMIN))
        )

    def approved(self):
        return self.filter(status=FacilityStatus.ACTIVE)


class Facility(models.Model):
    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="facilities", verbose_name="ネットワーク")
    number = models.CharField("施設番号", max_length=20)
    name = models.CharField("施設名", max_length=200)
    name_kana = models.CharField("施設名カナ", max_length=200, blank=True)
    kind = models.CharField("施設の種類", max_length=30, choices=FacilityKind.choices)
    postal_code = models.CharField("郵便番号", max_length=8, blank=True)
    address = models.CharField("住所", max_length=300, blank=True)
    phone = models.CharField("電話番号", max_length=20, blank=True)
    fax = models.CharField("FAX番号", max_length=20, blank=True)
    status = models.CharField("状態", max_length=20, choices=FacilityStatus.choices, default=FacilityStatus.ACTIVE)
    approved_on = models.DateField("承認日", null=True, blank=True)
    created_at = models.DateTimeField("登録日時", auto_now_add=True)

    history = HistoricalRecords()
    objects = FacilityQuerySet.as_manager()

    class Meta:
        verbose_name = "施設"
        verbose_name_plural = "施設"
        ordering = ["program", "number"]
        constraints = [
            models.UniqueConstraint(fields=["program", "number"], name="facility_number_unique_in_program"),
        ]
        indexes = [models.Index(fields=["program", "status", "kind"], name="facility_prog_status_kind")]

    def __str__(self):
        return self.name

    @property
    def town_address(self):
        """The address down to the town (町名), for public lists: no block or house number."""
        match = re.match(r"^(.*?[都道府県]?.*?[市区町村郡].*?[町村丁目]?)[0-9０-９一二三四五六七八九十-]", self.address)
        return match.group(1) if match else self.address


class RoleQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)

    def visible_to(self, user):
        if user.is_superuser:
            return self
        return self.filter(program_id__in=secretariat_program_ids(user)) | self.filter(user=user)


class Role(models.Model):
    """What a person may do, and where: secretariat of a program, or a role at one facility."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="roles", verbose_name="利用者")
    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="roles", verbose_name="ネットワーク")
    facility = models.ForeignKey(
        Facility, on_delete=models.CASCADE, null=True, blank=True, related_name="roles", verbose_name="施設"
    )
    kind = models.CharField("役割", max_length=20, choices=RoleKind.choices)
    is_active = models.BooleanField("有効", default=True)
    created_at = models.DateTimeField("付与日時", auto_now_add=True)

    history = HistoricalRecords()
    objects = RoleQuerySet.as_manager()

    class Meta:
        verbose_name = "役割"
        verbose_name_plural = "役割"
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind=RoleKind.SECRETARIAT, facility__isnull=True) | (~Q(kind=RoleKind.SECRETARIAT) & Q(facility__isnull=False))),
                name="role_facility_matches_kind",
            ),
            models.UniqueConstraint(fields=["user", "program", "kind"], condition=Q(facility__isnull=True), name="role_unique_program"),
            models.UniqueConstraint(fields=["user", "facility", "kind"], condition=Q(facility__isnull=False), name="role_unique_facility"),
        ]

    def __str__(self):
        where = self.facility or self.program
        return f"{self.user.full_name}: {where} {self.get_kind_display()}"


class JobType(models.TextChoices):
    DOCTOR = "doctor", "医師"
    DENTIST = "dentist", "歯科医師"
    PHARMACIST = "pharmacist", "薬剤師"
    NURSE = "nurse", "看護師"
    PUBLIC_HEALTH_NURSE = "phn", "保健師"
    PT = "pt", "理学療法士"
    OT = "ot", "作業療法士"
    ST = "st", "言語聴覚士"
    DIETITIAN = "dietitian", "管理栄養士"
    CARE_MANAGER = "care_manager", "介護支援専門員"
    SOCIAL_WORKER = "social_worker", "社会福祉士・MSW"
    CARE_WORKER = "care_worker", "介護福祉士・ヘルパー"
    CLERK = "clerk", "事務職員"
    OTHER = "other", "その他"


class StaffStatus(models.TextChoices):
    PENDING = "pending", "登録準備中"
    ACTIVE = "active", "利用中"
    REMOVED = "removed", "削除済"


class StaffQuerySet(models.QuerySet):
    def visible_to(self, user):
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self
        programs, facilities = _role_scope(user)
        return self.filter(Q(program_id__in=programs) | Q(facility_id__in=facilities))

    def current(self):
        return self.exclude(status=StaffStatus.REMOVED)

    def active(self):
        return self.filter(status=StaffStatus.ACTIVE)


class Staff(models.Model):
    """One line of a facility's 管理台帳: a person who uses MCS through the facility."""

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="staff", verbose_name="ネットワーク")
    facility = models.ForeignKey(Facility, on_delete=models.PROTECT, related_name="staff", verbose_name="施設")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="staff_records",
        verbose_name="ポータルのアカウント",
    )
    full_name = models.CharField("氏名", max_length=100)
    full_name_kana = models.CharField("カナ", max_length=100, blank=True)
    gender = models.CharField("性別", max_length=10, blank=True)
    job = models.CharField("職種", max_length=20, choices=JobType.choices)
    email = models.EmailField("登録メールアドレス（MCS ID）", max_length=254)
    is_admin = models.BooleanField("MCS管理者", default=False)
    status = models.CharField("状態", max_length=20, choices=StaffStatus.choices, default=StaffStatus.PENDING)
    started_on = models.DateField("利用開始日", null=True, blank=True)
    ended_on = models.DateField("利用終了日", null=True, blank=True)
    created_at = models.DateTimeField("登録日時", auto_now_add=True)

    history = HistoricalRecords()
    objects = StaffQuerySet.as_manager()

    class Meta:
        verbose_name = "職員"
        verbose_name_plural = "職員"
        ordering = ["facility", "full_name_kana"]
        constraints = [
            # One MCS ID per person across the program, among people not removed.
            models.UniqueConstraint(
                Lower("email"), "program", condition=~Q(status="removed"), name="staff_email_unique_in_program"
            ),
        ]
        indexes = [models.Index(fields=["facility", "status"], name="staff_facility_status")]

    def __str__(self):
        return f"{self.full_name}（{self.facility}）"

    def save(self, *args, **kwargs):
        if self.facility_id and not self.program_id:
            self.program_id = self.facility.program_id
        super().save(*args, **kwargs)
