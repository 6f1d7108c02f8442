"""Programs (regional networks), facilities, people's roles and the staff ledger.

Every read a view makes goes through a `visible_to(user)` QuerySet method defined here:
secretariat staff see their program, facility roles see their facility, superusers all.
"""

import datetime
import re

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q, Subquery
from django.db.models.functions import Lower
from django.utils import timezone
from simple_history.models import HistoricalRecords

from policy.rules import PROFILES, profile


class RoleKind(models.TextChoices):
    SECRETARIAT = "secretariat", "事務局"
    SECRETARIAT_READONLY = "secretariat_readonly", "事務局（閲覧のみ）"
    FACILITY_ADMIN = "facility_admin", "MCS管理者"
    COORDINATOR = "coordinator", "コーディネーター"


# Roles of the whole program (no facility); the read-only one sees what the secretariat sees and
# changes nothing (accounts holding it are refused every write: facilities.middleware).
PROGRAM_ROLES = frozenset({RoleKind.SECRETARIAT, RoleKind.SECRETARIAT_READONLY})
FACILITY_ROLES = frozenset({RoleKind.FACILITY_ADMIN, RoleKind.COORDINATOR})


def _role_scope(user):
    """(program ids where user is secretariat, facility ids where user holds a facility role).

    Cached on the user object for the length of one request.
    """
    cached = getattr(user, "_portal_role_scope", None)
    if cached is None:
        rows = Role.objects.filter(user=user, is_active=True, program__is_active=True).values_list(
            "kind", "program_id", "facility_id"
        )
        programs, facilities, kinds = set(), set(), set()
        for kind, program_id, facility_id in rows:
            kinds.add(kind)
            if kind in PROGRAM_ROLES:
                programs.add(program_id)
            else:
                facilities.add(facility_id)
        cached = (frozenset(programs), frozenset(facilities))
        user._portal_role_scope = cached
        user._portal_read_only = RoleKind.SECRETARIAT_READONLY in kinds
    return cached


def is_read_only(user):
    """Whether the account holds a 閲覧のみ role (such an account holds no other: facilities.people).
    From the same cached query as the scope, so the check costs nothing more."""
    if not user.is_authenticated or user.is_superuser:
        return False
    _role_scope(user)
    return user._portal_read_only


def secretariat_program_ids(user):
    """Programs whose secretariat the user is, read-only members included: the one scoping path.
    Read-only members are kept from every write by facilities.middleware.ReadOnlyRoleMiddleware."""
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


class ScopedQuerySet(models.QuerySet):
    """Rows of the programs whose secretariat the user is, and of the facilities where they hold a
    role; all for a superuser, none for anyone else. The one shape most of the portal's records
    are scoped by: a subclass names the paths from its model to the program and to the facility."""

    program_path = "program"
    facility_path = "facility"

    def visible_to(self, user):
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self
        programs, facilities = _role_scope(user)
        return self.filter(
            Q(**{f"{self.program_path}_id__in": programs}) | Q(**{f"{self.facility_path}_id__in": facilities})
        )


def variant_choices():
    # A callable: the policy titles live in policy.rules and never get frozen into migrations.
    return [(key, p.policy_title) for key, p in PROFILES.items()]


class ProgramQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)

    def public_list(self):
        """[(name, slug)] of the active programs, each with a public application form (/p/<slug>/apply/)."""
        return list(self.active().order_by("name").values_list("name", "slug"))

    def visible_to(self, user):
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self
        programs, facilities = _role_scope(user)
        # A subquery, not a join: joining every facility of the network and DISTINCT-ing grew
        # with the network's size on every page (docs/performance.md).
        of_facilities = Facility.objects.filter(pk__in=facilities).values("program_id")
        return self.filter(Q(pk__in=programs) | Q(pk__in=of_facilities))

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
    # The policies that publish a list of facilities (profile.publishes_facility_list) do not
    # say what it shows: the network decides whether the phone numbers appear.
    public_list_shows_phone = models.BooleanField("公開する参加施設一覧に電話番号を載せる", default=True)
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


def programs_run_by(user):
    """The active programs whose secretariat the user belongs to (all for a superuser), for the
    menus: loaded once per request (cached on the user object), whichever app's menu asks first."""
    cached = getattr(user, "_portal_programs_run_by", None)
    if cached is None:
        cached = list(Program.objects.active().run_by(user).only("pk", "slug", "name", "variant"))
        user._portal_programs_run_by = cached
    return cached


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
    representative = models.CharField("代表者", max_length=100, blank=True)
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
        if not user.is_authenticated:
            return self.none()
        programs, facilities = _role_scope(user)
        return self.filter(Q(program_id__in=programs) | Q(user=user) | Q(facility_id__in=facilities))


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
    # The grant and the revocation as recorded actions (who, when, why); history keeps earlier ones.
    granted_at = models.DateTimeField("付与日時（最新）", null=True, blank=True)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name="付与した人",
    )
    grant_reason = models.TextField("付与の理由", blank=True)
    revoked_at = models.DateTimeField("取消日時", null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name="取り消した人",
    )
    revoke_reason = models.TextField("取消の理由", blank=True)

    history = HistoricalRecords()
    objects = RoleQuerySet.as_manager()

    class Meta:
        verbose_name = "役割"
        verbose_name_plural = "役割"
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(kind__in=sorted(PROGRAM_ROLES), facility__isnull=True)
                    | (~Q(kind__in=sorted(PROGRAM_ROLES)) & Q(facility__isnull=False))
                ),
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


# The ledger's allowed moves. Removed is final: someone who comes back is a new line.
STAFF_TRANSITIONS = {
    StaffStatus.PENDING: {StaffStatus.ACTIVE, StaffStatus.REMOVED},
    StaffStatus.ACTIVE: {StaffStatus.REMOVED},
    StaffStatus.REMOVED: set(),
}


class StaffQuerySet(ScopedQuerySet):
    def current(self):
        return self.exclude(status=StaffStatus.REMOVED)

    def active(self):
        return self.filter(status=StaffStatus.ACTIVE)

    def with_ledger(self):
        """The ledger's columns that live in other tables: pledge, training, planned removal.

        Subqueries rather than joins, so each row stays one row and the count stays one query.
        """
        latest_pledge = Pledge.objects.filter(staff=OuterRef("pk")).order_by("-recorded_at", "-pk")
        attended = Attendance.objects.filter(staff=OuterRef("pk"))
        return self.annotate(
            pledge_kind=Subquery(latest_pledge.values("kind")[:1]),
            pledge_on=Subquery(latest_pledge.values("signed_on")[:1]),
            last_training_on=Subquery(attended.order_by("-session__held_on").values("session__held_on")[:1]),
            training_done=Exists(attended.filter(session__kind__in=INITIAL_TRAINING)),
            removal_planned=Exists(
                StaffRemoval.objects.filter(staff=OuterRef("pk"), removed_at__isnull=True)
            ),
        )

    def education_overdue(self, *, today, interval_days):
        """Active staff whose last training or education (with none: their start) is older than the interval.

        Needs with_ledger(). Someone new is given one interval from their start before being listed.
        """
        cutoff = today - datetime.timedelta(days=interval_days)
        never = Q(last_training_on__isnull=True)
        return self.filter(status=StaffStatus.ACTIVE).filter(
            Q(last_training_on__lt=cutoff)
            | (never & Q(started_on__lt=cutoff))
            | (never & Q(started_on__isnull=True, created_at__date__lt=cutoff))
        )


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


# --- The staff ledger's records: removals, pledges, training, change notices -----------------


class RemovalReason(models.TextChoices):
    RETIRED = "retired", "退職"
    TRANSFERRED = "transferred", "異動"
    UNASSIGNED = "unassigned", "担当外れ"
    FACILITY_WITHDRAWN = "withdrawn", "施設の退会"


class DeviceReturn(models.TextChoices):
    RETURNED = "returned", "返却済み"
    NONE_LENT = "none_lent", "貸与なし"
    NOT_RETURNED = "not_returned", "未返却"


class StaffRemoval(models.Model):
    """Why and when someone left the ledger, and what their removal left behind.

    `removed_at` is empty while the removal waits for a change notice that the policy wants
    filed first; filing the notice completes it.
    """

    staff = models.OneToOneField(Staff, on_delete=models.PROTECT, related_name="removal", verbose_name="職員")
    reason = models.CharField("理由", max_length=20, choices=RemovalReason.choices)
    effective_date = models.DateField("削除日（異動・退職の日）")
    devices = models.CharField("貸与したIT機器", max_length=20, choices=DeviceReturn.choices)
    self_withdrawn = models.BooleanField("本人がすでにMCSを退会していた", null=True, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name="手続きした人",
    )
    requested_at = models.DateTimeField("手続きの日時", auto_now_add=True)
    removed_at = models.DateTimeField("削除した日時", null=True, blank=True)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name="削除した人",
    )
    memberships_ended = models.PositiveIntegerField("外した患者グループの数", default=0)
    open_memberships_at_removal = models.PositiveIntegerField("削除時に残っていた患者グループの数", null=True, blank=True)
    warnings = models.JSONField("注意事項", default=list, blank=True)
    note = models.TextField("記録", blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "職員の削除"
        verbose_name_plural = "職員の削除"
        constraints = [
            # The policies' main worry: nobody leaves while still sitting in a patient group.
            models.CheckConstraint(
                condition=Q(removed_at__isnull=True) | Q(open_memberships_at_removal=0),
                name="staffremoval_leaves_no_open_membership",
            ),
        ]

    def __str__(self):
        return f"{self.staff.full_name}: {self.get_reason_display()}"

    @property
    def devices_returned(self):
        return self.devices != DeviceReturn.NOT_RETURNED


class PledgeTextKind(models.TextChoices):
    STAFF = "staff_pledge", "従事者の誓約書"
    FACILITY = "facility_pledge", "施設の誓約書"


class PledgeTextQuerySet(models.QuerySet):
    def latest_for(self, program, kind=PledgeTextKind.STAFF):
        return self.filter(program=program, kind=kind).order_by("-version").first()


class PledgeText(models.Model):
    """A published version of a pledge's wording. Never edited: a new wording is a new version."""

    program = models.ForeignKey(
        Program, on_delete=models.PROTECT, related_name="pledge_texts", verbose_name="ネットワーク"
    )
    kind = models.CharField("種類", max_length=20, choices=PledgeTextKind.choices)
    version = models.PositiveIntegerField("版")
    form_number = models.CharField("様式番号", max_length=20)
    title = models.CharField("表題", max_length=200)
    clauses = models.JSONField("条文")
    published_at = models.DateTimeField("公開日時", auto_now_add=True)
    # Empty: the wording the portal published from the policy profile (version 1, or a code change).
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name="公開した人",
    )

    history = HistoricalRecords()
    objects = PledgeTextQuerySet.as_manager()

    class Meta:
        verbose_name = "誓約書の文面"
        verbose_name_plural = "誓約書の文面"
        ordering = ["program", "kind", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["program", "kind", "version"], name="pledgetext_version_unique"),
            models.CheckConstraint(condition=Q(version__gte=1), name="pledgetext_version_positive"),
        ]

    def __str__(self):
        return f"{self.title}（{self.form_number}）第{self.version}版"

    def save(self, *args, **kwargs):
        # A guard, not a side effect: people have signed this wording, so it must stay as it was.
        if not self._state.adding:
            raise ValueError("a published pledge text is never edited; publish a new version")
        super().save(*args, **kwargs)

    def matches(self, form, clauses):
        """Whether this version is the given form and wording (a profile's, say)."""
        return (self.form_number, self.title, list(self.clauses)) == (form.number, form.title, list(clauses))


class PledgeKind(models.TextChoices):
    SIGNED = "signed", "署名済み"
    EXEMPT = "exempt", "省略（既存の誓約書あり）"


class Pledge(models.Model):
    """A staff member's pledge: signed on a given version, or exempt through an existing pledge."""

    staff = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="pledges", verbose_name="職員")
    kind = models.CharField("種類", max_length=10, choices=PledgeKind.choices)
    text = models.ForeignKey(
        PledgeText, on_delete=models.PROTECT, null=True, blank=True, related_name="pledges",
        verbose_name="署名した文面",
    )
    signed_on = models.DateField("署名日（省略のときは既存の誓約書の日付）")
    existing_pledge = models.CharField("既存の誓約書", max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name="記録した人",
    )
    recorded_at = models.DateTimeField("記録日時", auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "従事者の誓約"
        verbose_name_plural = "従事者の誓約"
        ordering = ["-recorded_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind=PledgeKind.SIGNED, text__isnull=False)
                | Q(kind=PledgeKind.EXEMPT, text__isnull=True) & ~Q(existing_pledge=""),
                name="pledge_signed_has_text_exempt_names_existing",
            ),
        ]

    def __str__(self):
        return f"{self.staff.full_name}: {self.get_kind_display()}"


class TrainingKind(models.TextChoices):
    LECTURE = "lecture", "研修会（利用開始前）"
    VIDEO = "video", "講習会ビデオの視聴（利用開始前）"
    EDUCATION = "education", "定期の職員教育"


# Either counts as the training some policies ask for before first use.
INITIAL_TRAINING = (TrainingKind.LECTURE, TrainingKind.VIDEO)


class TrainingSession(models.Model):
    """A training or education session held for (or attended by) staff of one facility."""

    facility = models.ForeignKey(
        Facility, on_delete=models.PROTECT, related_name="training_sessions", verbose_name="施設"
    )
    kind = models.CharField("種類", max_length=20, choices=TrainingKind.choices)
    held_on = models.DateField("実施日")
    title = models.CharField("内容", max_length=200, blank=True)
    note = models.TextField("メモ", blank=True)
    attendees = models.ManyToManyField(Staff, through="Attendance", related_name="training_sessions")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name="記録した人",
    )
    recorded_at = models.DateTimeField("記録日時", auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "研修・職員教育"
        verbose_name_plural = "研修・職員教育"
        ordering = ["-held_on", "-pk"]
        indexes = [models.Index(fields=["facility", "held_on"], name="training_facility_held")]

    def __str__(self):
        return f"{self.held_on} {self.get_kind_display()}"


class Attendance(models.Model):
    session = models.ForeignKey(
        TrainingSession, on_delete=models.PROTECT, related_name="attendances", verbose_name="研修・教育"
    )
    staff = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="attendances", verbose_name="職員")

    history = HistoricalRecords()

    class Meta:
        verbose_name = "受講"
        verbose_name_plural = "受講"
        constraints = [
            models.UniqueConstraint(fields=["session", "staff"], name="attendance_once_per_session"),
        ]

    def __str__(self):
        return f"{self.staff.full_name}: {self.session}"


class NoticeStatus(models.TextChoices):
    DRAFT = "draft", "作成中"
    FILED = "filed", "提出済み（確認待ち）"
    CORRECTION = "correction_requested", "差戻し"
    ACKNOWLEDGED = "acknowledged", "確認済み"


# The allowed moves, and who makes them: the facility files, the secretariat decides.
NOTICE_TRANSITIONS = {
    NoticeStatus.DRAFT: {NoticeStatus.FILED},
    NoticeStatus.FILED: {NoticeStatus.ACKNOWLEDGED, NoticeStatus.CORRECTION},
    NoticeStatus.CORRECTION: {NoticeStatus.FILED},
    NoticeStatus.ACKNOWLEDGED: set(),
}
# Statuses in which the secretariat has been told of a notice's changes.
NOTICE_SENT = (NoticeStatus.FILED, NoticeStatus.CORRECTION, NoticeStatus.ACKNOWLEDGED)
# "Promptly" (速やかに) in one policy and "afterwards" (その後) in another, read as within a week of
# the change: the portal's own choice, the texts give no number.
NOTICE_DUE_DAYS = 7


class ChangeNoticeQuerySet(ScopedQuerySet):
    def awaiting_decision(self):
        return self.filter(status=NoticeStatus.FILED)

    def overdue(self, *, today):
        """Filed late and not yet acknowledged, or still unfiled after its due date."""
        return self.filter(
            Q(status=NoticeStatus.FILED, filed_late=True)
            | Q(status=NoticeStatus.DRAFT, due_on__lt=today)
        )


class ChangeNotice(models.Model):
    """A facility's notice of staff added and removed, filed to the secretariat on the variant's form."""

    program = models.ForeignKey(
        Program, on_delete=models.PROTECT, related_name="change_notices", verbose_name="ネットワーク"
    )
    facility = models.ForeignKey(
        Facility, on_delete=models.PROTECT, related_name="change_notices", verbose_name="施設"
    )
    status = models.CharField("状態", max_length=30, choices=NoticeStatus.choices, default=NoticeStatus.DRAFT)
    due_on = models.DateField("提出期限", null=True, blank=True)
    created_at = models.DateTimeField("作成日時", auto_now_add=True)
    filed_at = models.DateTimeField("提出日時", null=True, blank=True)
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name="提出した人",
    )
    filed_late = models.BooleanField("期限後の提出", default=False)
    decided_at = models.DateTimeField("事務局の対応日時", null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name="対応した事務局の人",
    )
    comment = models.TextField("事務局からのコメント", blank=True)

    history = HistoricalRecords()
    objects = ChangeNoticeQuerySet.as_manager()

    class Meta:
        verbose_name = "変更届"
        verbose_name_plural = "変更届"
        ordering = ["-created_at", "-pk"]
        constraints = [
            # Every change waiting to be filed goes onto the one draft of its facility.
            models.UniqueConstraint(
                fields=["facility"], condition=Q(status="draft"), name="changenotice_one_draft_per_facility"
            ),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(filed_at__isnull=False), name="changenotice_sent_has_filed_at"
            ),
        ]
        indexes = [models.Index(fields=["program", "status"], name="changenotice_program_status")]

    def __str__(self):
        return f"{self.facility.name} 変更届（{self.get_status_display()}）"


class ChangeKind(models.TextChoices):
    ADD = "add", "追加"
    REMOVE = "remove", "削除"
    CHANGE = "change", "変更"


class NoticeLine(models.Model):
    """One line of a change notice: a person added or removed, or a change of the facility's or a
    person's registered details (`record`), and the day of the change."""

    notice = models.ForeignKey(
        ChangeNotice, on_delete=models.PROTECT, related_name="lines", verbose_name="変更届"
    )
    staff = models.ForeignKey(
        Staff, on_delete=models.PROTECT, null=True, blank=True, related_name="notice_lines", verbose_name="職員"
    )
    change = models.CharField("変更", max_length=10, choices=ChangeKind.choices)
    changed_on = models.DateField("変更日")
    record = models.ForeignKey(
        "DetailsChange", on_delete=models.PROTECT, null=True, blank=True, related_name="notice_lines",
        verbose_name="変更の記録",
    )
    note = models.CharField("理由・備考", max_length=200, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "変更届の明細"
        verbose_name_plural = "変更届の明細"
        ordering = ["change", "changed_on", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["staff", "change"], condition=Q(change__in=["add", "remove"]), name="noticeline_once_per_change"
            ),
            # Only a change of the facility's own details is about nobody in particular.
            models.CheckConstraint(
                condition=Q(staff__isnull=False) | Q(change="change"), name="noticeline_staff_unless_change"
            ),
        ]

    def __str__(self):
        return f"{self.get_change_display()}: {self.subject}"

    @property
    def subject(self):
        """Whom the line is about: the person, or the facility itself."""
        return self.staff.full_name if self.staff_id else "施設の登録事項"


class DetailsChangeQuerySet(ScopedQuerySet):
    """The secretariat sees its program's changes; a facility's roles their facility's."""


class DetailsChange(models.Model):
    """A change of a facility's registered details (name, address, 代表者, MCS管理者...) or of a
    person's line in the ledger (name, e-mail, 職種, administrator), as made: applied at once and
    kept with its before and after, for the secretariat's list and, where the policy makes
    changes a notice, for the 変更 line that carries it (docs/decisions/0015)."""

    program = models.ForeignKey(
        Program, on_delete=models.PROTECT, related_name="details_changes", verbose_name="ネットワーク"
    )
    facility = models.ForeignKey(
        Facility, on_delete=models.PROTECT, related_name="details_changes", verbose_name="施設"
    )
    staff = models.ForeignKey(
        Staff, on_delete=models.PROTECT, null=True, blank=True, related_name="details_changes", verbose_name="職員"
    )
    details = models.JSONField("変更した項目")  # [{"field", "label", "before", "after"}]
    changed_on = models.DateField("変更日")
    note = models.CharField("理由・備考", max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name="変更した人",
    )
    recorded_at = models.DateTimeField("記録日時", auto_now_add=True)

    history = HistoricalRecords()
    objects = DetailsChangeQuerySet.as_manager()

    class Meta:
        verbose_name = "登録事項の変更"
        verbose_name_plural = "登録事項の変更"
        ordering = ["-recorded_at", "-pk"]
        indexes = [models.Index(fields=["program", "recorded_at"], name="detailschange_program_at")]

    def __str__(self):
        return f"{self.facility.name}: {self.summary}"

    @property
    def summary(self):
        """「施設名: 旧 → 新」, one item after the other."""
        return "、".join(f"{d['label']}: {d['before'] or '（なし）'} → {d['after'] or '（なし）'}" for d in self.details)


class NoticeFiling(models.Model):
    """What a change notice said each time it was filed: its lines as they stood, so a notice
    sent back and corrected shows what changed since (the lines themselves are edited)."""

    notice = models.ForeignKey(
        ChangeNotice, on_delete=models.PROTECT, related_name="filings", verbose_name="変更届"
    )
    number = models.PositiveIntegerField("提出の回")
    filed_at = models.DateTimeField("提出日時")
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name="提出した人",
    )
    lines = models.JSONField("提出した明細")

    history = HistoricalRecords()

    class Meta:
        verbose_name = "変更届の提出"
        verbose_name_plural = "変更届の提出"
        ordering = ["notice", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["notice", "number"], name="noticefiling_number_unique"),
        ]

    def __str__(self):
        return f"{self.notice} 第{self.number}回の提出"


# --- Invitations: the way in for someone granted a role before they had a login ---------------


class InvitationQuerySet(ScopedQuerySet):
    """The secretariat sees its program's; a facility's roles those to their facility."""

    program_path, facility_path = "role__program", "role__facility"

    def open(self, *, now):
        return self.filter(accepted_at__isnull=True, cancelled_at__isnull=True, expires_at__gt=now)


class Invitation(models.Model):
    """A link to set a password, sent with a role to someone without a login (docs/decisions/0013).

    Only the token's SHA-256 is stored; resending makes a new token (the old link stops working)
    and a new expiry. Accepted or cancelled invitations are kept, never deleted.
    """

    role = models.ForeignKey(Role, on_delete=models.PROTECT, related_name="invitations", verbose_name="役割")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="招待した人"
    )
    token_hash = models.CharField("トークンのハッシュ", max_length=64, unique=True)
    sent_at = models.DateTimeField("送信日時")
    send_count = models.PositiveIntegerField("送信回数", default=1)
    expires_at = models.DateTimeField("有効期限")
    accepted_at = models.DateTimeField("パスワード設定日時", null=True, blank=True)
    cancelled_at = models.DateTimeField("取消日時", null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name="取り消した人",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name="送った人",
    )

    history = HistoricalRecords(excluded_fields=["token_hash"])
    objects = InvitationQuerySet.as_manager()

    class Meta:
        verbose_name = "招待"
        verbose_name_plural = "招待"
        ordering = ["-sent_at"]

    def __str__(self):
        return f"{self.user.email} への招待"

    def state(self, now):
        if self.accepted_at:
            return "設定済み"
        if self.cancelled_at:
            return "取消済み"
        if self.expires_at <= now:
            return "期限切れ"
        return "未使用"




# --- Yearly confirmation (継続確認): each facility confirms its ledger once a year ------------


class ConfirmationCampaignQuerySet(models.QuerySet):
    def visible_to(self, user):
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self
        return self.filter(program_id__in=secretariat_program_ids(user))

    def open(self):
        return self.filter(closed_at__isnull=True)


class ConfirmationCampaign(models.Model):
    """The secretariat asks every active facility of its program to confirm its ledger by a date.

    A program has one open campaign at a time: starting the next closes the previous one, whose
    unanswered confirmations stay recorded as unanswered.
    """

    program = models.ForeignKey(
        Program, on_delete=models.PROTECT, related_name="confirmation_campaigns", verbose_name="ネットワーク"
    )
    title = models.CharField("名称", max_length=100)
    due_on = models.DateField("回答期限")
    started_at = models.DateTimeField("開始日時", auto_now_add=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name="開始した人",
    )
    closed_at = models.DateTimeField("終了日時", null=True, blank=True)

    history = HistoricalRecords()
    objects = ConfirmationCampaignQuerySet.as_manager()

    class Meta:
        verbose_name = "継続確認"
        verbose_name_plural = "継続確認"
        ordering = ["-started_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["program"], condition=Q(closed_at__isnull=True), name="confirmationcampaign_one_open"
            ),
        ]

    def __str__(self):
        return f"{self.program.name} {self.title}"


class FacilityConfirmationQuerySet(ScopedQuerySet):
    program_path = "campaign__program"

    def unanswered(self):
        return self.filter(submitted_at__isnull=True)

    def awaiting(self):
        """Asked in an open campaign and not yet answered: what the facility still owes."""
        return self.unanswered().filter(campaign__closed_at__isnull=True)


class FacilityConfirmation(models.Model):
    """One facility's answer to a campaign: who confirmed the ledger and when. Never deleted."""

    campaign = models.ForeignKey(
        ConfirmationCampaign, on_delete=models.PROTECT, related_name="confirmations", verbose_name="継続確認"
    )
    facility = models.ForeignKey(
        Facility, on_delete=models.PROTECT, related_name="confirmations", verbose_name="施設"
    )
    submitted_at = models.DateTimeField("回答日時", null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name="回答した人",
    )

    history = HistoricalRecords()
    objects = FacilityConfirmationQuerySet.as_manager()

    class Meta:
        verbose_name = "施設の継続確認"
        verbose_name_plural = "施設の継続確認"
        ordering = ["campaign", "facility"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "facility"], name="confirmation_once_per_facility"),
        ]

    def __str__(self):
        return f"{self.facility.name}: {self.campaign.title}"


class ConfirmationAnswer(models.Model):
    """What the administrator said about one line of the ledger, as it stood when they answered."""

    confirmation = models.ForeignKey(
        FacilityConfirmation, on_delete=models.PROTECT, related_name="answers", verbose_name="施設の継続確認"
    )
    staff = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="confirmation_answers",
                              verbose_name="職員")
    email = models.EmailField("確認したメールアドレス", max_length=254)
    was_admin = models.BooleanField("回答前のMCS管理者")
    still_employed = models.BooleanField("在籍している")
    still_admin = models.BooleanField("MCS管理者を続ける", null=True, blank=True)
    email_personal = models.BooleanField("本人だけが使うメールアドレス", null=True, blank=True)
    left_reason = models.CharField("離れた理由", max_length=20, choices=RemovalReason.choices, blank=True)
    left_on = models.DateField("離れた日", null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "継続確認の回答"
        verbose_name_plural = "継続確認の回答"
        ordering = ["confirmation", "staff__full_name_kana", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["confirmation", "staff"], name="confirmationanswer_once_per_staff"),
            # A leaver says why and when; someone staying answers the other two questions.
            models.CheckConstraint(
                condition=Q(still_employed=False, left_on__isnull=False) & ~Q(left_reason="")
                | Q(still_employed=True, still_admin__isnull=False, email_personal__isnull=False, left_on__isnull=True),
                name="confirmationanswer_leaver_or_stayer",
            ),
        ]

    def __str__(self):
        return f"{self.staff.full_name}: {'在籍' if self.still_employed else '離職'}"


class ConfirmationReminder(models.Model):
    """A reminder sent to a facility that has not answered: at most one a day."""

    confirmation = models.ForeignKey(
        FacilityConfirmation, on_delete=models.PROTECT, related_name="reminders", verbose_name="施設の継続確認"
    )
    sent_on = models.DateField("送った日")
    sent_at = models.DateTimeField("送った日時", auto_now_add=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name="送った人（空: 自動）",
    )
    recipients = models.PositiveIntegerField("宛先の数")

    history = HistoricalRecords()

    class Meta:
        verbose_name = "継続確認の催促"
        verbose_name_plural = "継続確認の催促"
        ordering = ["-sent_on", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["confirmation", "sent_on"], name="confirmationreminder_once_a_day"),
        ]

    def __str__(self):
        return f"{self.confirmation}: {self.sent_on}"


class AccountActionKind(models.TextChoices):
    TWO_FACTOR_RESET = "two_factor_reset", "二要素認証のリセット"
    DEACTIVATE = "deactivate", "利用停止"
    REACTIVATE = "reactivate", "利用再開"


class AccountAction(models.Model):
    """What the secretariat did to a person's login, with who, when and why (docs/decisions/0013).

    The login itself (accounts.User) is never deleted; these rows are appended, never changed.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="account_actions", verbose_name="利用者"
    )
    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="+", verbose_name="ネットワーク")
    kind = models.CharField("操作", max_length=20, choices=AccountActionKind.choices)
    reason = models.TextField("理由")
    at = models.DateTimeField("日時", default=timezone.now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name="操作した人",
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = "アカウント操作"
        verbose_name_plural = "アカウント操作"
        ordering = ["-at", "-pk"]

    def __str__(self):
        return f"{self.user.full_name}: {self.get_kind_display()}"


class RepledgeRequest(models.Model):
    """A request that a staff member sign the pledge again on a newer version; it closes itself
    when a pledge on that version (or a later one) is recorded. Never deleted."""

    staff = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="repledge_requests", verbose_name="職員")
    text = models.ForeignKey(PledgeText, on_delete=models.PROTECT, related_name="+", verbose_name="署名をお願いする版")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="依頼した人",
    )
    requested_at = models.DateTimeField("依頼日時", auto_now_add=True)
    pledge = models.ForeignKey(
        Pledge, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="記録された誓約",
    )
    closed_at = models.DateTimeField("完了日時", null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "誓約書の再署名依頼"
        verbose_name_plural = "誓約書の再署名依頼"
        ordering = ["-requested_at"]
        constraints = [
            # One open request per person: asking twice would only send a second e-mail.
            models.UniqueConstraint(fields=["staff"], condition=Q(closed_at__isnull=True),
                                    name="repledge_one_open_per_staff"),
        ]

    def __str__(self):
        return f"{self.staff.full_name}: 第{self.text.version}版への再署名"


# Suspension and withdrawal live in their own module (facilities/life_models.py); importing them
# here registers them with the app.
from .life_models import Suspension, Withdrawal  # noqa: E402, F401
