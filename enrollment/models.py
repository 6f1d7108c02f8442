"""Facility applications (利用申込書): what a facility sent, its registrants and every decision on it.

An application is received from the public form, reviewed by the program's secretariat
and, when approved, enrolls the facility (see services.py). Where the variant has no
approval (`policy.secretariat_approves` is False) the same record is kept as a
registration (届出), approved at once without a decider.
"""

from django.conf import settings
from django.db import models
from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.crypto import salted_hmac
from simple_history.models import HistoricalRecords

from facilities.models import Facility, FacilityKind, JobType, Program, Staff


class ApplicationStatus(models.TextChoices):
    DRAFT = "draft", "下書き"
    SUBMITTED = "submitted", "審査待ち"
    RETURNED = "returned", "差戻し中"
    RESUBMITTED = "resubmitted", "再提出（審査待ち）"
    APPROVED = "approved", "承認済み"
    REJECTED = "rejected", "却下"
    WITHDRAWN = "withdrawn", "取下げ"


S = ApplicationStatus

# Where the secretariat does not approve (届出): a registration is recorded at once; the queue
# holds only one that names an address already in use, which it then takes or refuses.
REGISTRATION_LABELS = {
    S.SUBMITTED: "確認待ち", S.RESUBMITTED: "再提出（確認待ち）", S.APPROVED: "記録済み", S.REJECTED: "受け付けない",
}
# The states a registration never reaches unless the secretariat held it (shown only when some are).
REGISTRATION_RARE = (S.RETURNED, S.RESUBMITTED, S.REJECTED)


def status_label(status, *, registration):
    """The state in the variant's words (registration: the policy's 届出, nobody approves)."""
    if not status:
        return ""
    if registration and status in REGISTRATION_LABELS:
        return REGISTRATION_LABELS[status]
    return S(status).label

# Every move an application may make; anything not listed is refused (tests walk every pair).
TRANSITIONS = {
    S.DRAFT: frozenset({S.SUBMITTED, S.WITHDRAWN}),
    S.SUBMITTED: frozenset({S.RETURNED, S.APPROVED, S.REJECTED, S.WITHDRAWN}),
    S.RETURNED: frozenset({S.RESUBMITTED, S.REJECTED, S.WITHDRAWN}),
    S.RESUBMITTED: frozenset({S.RETURNED, S.APPROVED, S.REJECTED, S.WITHDRAWN}),
    S.APPROVED: frozenset(),
    S.REJECTED: frozenset(),
    S.WITHDRAWN: frozenset(),
}

AWAITING_REVIEW = (S.SUBMITTED, S.RESUBMITTED)
OPEN = (S.SUBMITTED, S.RETURNED, S.RESUBMITTED)


def can_move(from_status, to_status):
    return to_status in TRANSITIONS.get(from_status, ())


def local_date(moment):
    # core's wareki filter takes .date() of a datetime as given (UTC here): hand it the local day.
    return timezone.localdate(moment) if moment else None


class Gender(models.TextChoices):
    MALE = "男", "男"
    FEMALE = "女", "女"


class ApplicationQuerySet(models.QuerySet):
    def with_duplicate_count(self):
        """`duplicates`: how many other applications look like the same facility. A subquery per
        row shown, not a join grouped over every application of the network (docs/performance.md)."""
        links = Application.possible_duplicates.through.objects.filter(from_application=OuterRef("pk"))
        count = links.order_by().values("from_application").annotate(n=Count("pk")).values("n")
        return self.annotate(duplicates=Coalesce(Subquery(count), 0))

    def visible_to(self, user):
        """Applications of the programs the user belongs to (the getter lets only the secretariat in)."""
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self
        return self.filter(program__in=Program.objects.visible_to(user).values("pk"))

    def awaiting_review(self):
        return self.filter(status__in=AWAITING_REVIEW)

    def overdue_returns(self, today=None):
        return self.filter(status=S.RETURNED, return_deadline__lt=today or timezone.localdate())


class Application(models.Model):
    program = models.ForeignKey(
        Program, on_delete=models.PROTECT, related_name="applications", verbose_name="ネットワーク"
    )
    receipt_number = models.CharField("受付番号", max_length=24, unique=True)
    receipt_year = models.PositiveSmallIntegerField("受付年")
    receipt_sequence = models.PositiveIntegerField("受付連番")
    # The applicant has no account: this long random token in the e-mailed link is their key.
    access_token = models.CharField("確認用リンクの鍵", max_length=64, unique=True, editable=False)
    status = models.CharField("状態", max_length=20, choices=ApplicationStatus.choices, default=S.DRAFT)

    facility_name = models.CharField("施設名", max_length=200)
    facility_name_kana = models.CharField("施設名カナ", max_length=200)
    facility_kind = models.CharField("施設の種類", max_length=30, choices=FacilityKind.choices)
    postal_code = models.CharField("郵便番号", max_length=8)
    address = models.CharField("住所", max_length=300)
    phone = models.CharField("電話番号", max_length=20)
    fax = models.CharField("FAX番号", max_length=20, blank=True)
    contact_name = models.CharField("ご担当者の氏名", max_length=100)
    contact_email = models.EmailField("ご担当者のメールアドレス", max_length=254)
    out_of_area_reason = models.TextField("対象地域外の事業所が参加する理由", blank=True)
    invited_by = models.CharField("招待した主治医・事業所", max_length=200, blank=True)

    pledge_agreed = models.BooleanField("誓約書に同意", default=False)
    pledge_signer_name = models.CharField("誓約者（管理者）の氏名", max_length=100, blank=True)
    pledge_signed_on = models.DateField("誓約日", null=True, blank=True)
    # The clauses as shown when the applicant agreed: the record stays true if the policy changes.
    pledge_text = models.JSONField("同意した誓約書の条文", default=list, blank=True)

    findings = models.JSONField("ポリシーの確認結果", default=list, blank=True)
    return_comment = models.TextField("差戻しの内容", blank=True)
    return_deadline = models.DateField("再提出の期限", null=True, blank=True)
    decision_reason = models.TextField("却下・取下げの理由", blank=True)

    submitted_at = models.DateTimeField("受付日時", null=True, blank=True)
    decided_at = models.DateTimeField("決定日時", null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name="決定した人",
    )
    facility = models.OneToOneField(
        Facility, on_delete=models.PROTECT, null=True, blank=True, related_name="application",
        verbose_name="登録された施設",
    )
    # The public form's one-time key: the same form posted twice (double click, Back and send) is
    # one application.
    submission_key = models.CharField(
        "送信キー", max_length=64, unique=True, null=True, blank=True, editable=False
    )
    # Another application that looks like the same facility (same name or カナ, and the same phone
    # or contact address): the secretariat decides which one stands.
    possible_duplicates = models.ManyToManyField(
        "self", symmetrical=True, blank=True, verbose_name="同じ施設からと思われる申込"
    )
    # Where nobody approves (registration only), the administrators' logins wait for these two
    # human steps: the contact confirms their address from the e-mail, the secretariat
    # acknowledges the registration (docs/decisions/0019-registration-human-step.md).
    email_confirmed_at = models.DateTimeField("メールアドレスの確認日時", null=True, blank=True)
    acknowledged_at = models.DateTimeField("事務局の受付確認日時", null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name="受付確認した人",
    )
    created_at = models.DateTimeField("作成日時", auto_now_add=True)
    updated_at = models.DateTimeField("更新日時", auto_now=True)

    history = HistoricalRecords()
    objects = ApplicationQuerySet.as_manager()

    class Meta:
        verbose_name = "利用申込"
        verbose_name_plural = "利用申込"
        ordering = ["-submitted_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["program", "receipt_year", "receipt_sequence"], name="application_receipt_unique_in_program"
            ),
            models.CheckConstraint(
                condition=~Q(status="approved") | Q(facility__isnull=False), name="application_approved_has_facility"
            ),
            models.CheckConstraint(
                condition=~Q(status="returned") | Q(return_deadline__isnull=False),
                name="application_returned_has_deadline",
            ),
        ]
        indexes = [
            models.Index(fields=["program", "status", "submitted_at"], name="application_queue"),
            # The queue's first page, newest first, read off the index (no sort of the network's rows).
            models.Index(fields=["program", "-submitted_at", "-id"], name="application_queue_newest"),
        ]

    def __str__(self):
        return f"{self.receipt_number} {self.facility_name}"

    @property
    def submitted_on(self):
        return local_date(self.submitted_at)

    @property
    def decided_on(self):
        return local_date(self.decided_at)

    @property
    def is_registration(self):
        """Recorded without approval (the variant's secretariat does not approve)."""
        return not self.program.policy.secretariat_approves

    @property
    def status_label(self):
        return status_label(self.status, registration=self.is_registration)

    @property
    def awaits_acknowledgement(self):
        """A registration recorded without approval whose administrators cannot log in yet."""
        return self.is_registration and self.status == S.APPROVED and self.acknowledged_at is None

    @property
    def is_open(self):
        return self.status in OPEN

    @property
    def return_overdue(self):
        return (
            self.status == S.RETURNED
            and self.return_deadline is not None
            and self.return_deadline < timezone.localdate()
        )

    def email_confirm_key(self):
        """The key in the confirmation link e-mailed to the contact (derived from the private
        token with the site's secret: the follow page, which the browser saw, does not show it)."""
        return salted_hmac("enrollment.email-confirm", self.access_token).hexdigest()[:40]

    def can_move_to(self, status):
        return can_move(self.status, status)

    @property
    def blocks(self):
        """Stored findings (core.services.findings) that blocked; their messages cite the article."""
        return [f for f in self.findings if f.get("severity") == "block"]

    @property
    def warnings(self):
        return [f for f in self.findings if f.get("severity") == "warn"]


class Registrant(models.Model):
    """One row of the application's 登録者情報: a person who will use MCS through the facility."""

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="registrants", verbose_name="利用申込"
    )
    position = models.PositiveSmallIntegerField("行")
    full_name = models.CharField("氏名", max_length=100)
    full_name_kana = models.CharField("カナ", max_length=100)
    gender = models.CharField("性別", max_length=10, choices=Gender.choices, blank=True)
    email = models.EmailField("登録メールアドレス", max_length=254)
    job = models.CharField("職種", max_length=20, choices=JobType.choices)
    is_admin = models.BooleanField("管理者に指定", default=False)
    staff = models.OneToOneField(
        Staff, on_delete=models.SET_NULL, null=True, blank=True, related_name="registrant",
        verbose_name="管理台帳の行",
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = "登録者"
        verbose_name_plural = "登録者"
        ordering = ["application", "position"]
        constraints = [
            models.UniqueConstraint(fields=["application", "position"], name="registrant_position_unique"),
        ]

    def __str__(self):
        return f"{self.full_name}（{self.application.receipt_number}）"


class EventKind(models.TextChoices):
    SUBMITTED = "submitted", "申込を受付"
    REGISTERED = "registered", "届出として記録"
    RETURNED = "returned", "差戻し"
    RESUBMITTED = "resubmitted", "再提出"
    APPROVED = "approved", "承認"
    REJECTED = "rejected", "却下"
    WITHDRAWN = "withdrawn", "取下げ"
    INVITED = "invited", "管理者へ案内を再送"
    EMAIL_CONFIRMED = "email_confirmed", "メールアドレスを確認"
    ACKNOWLEDGED = "acknowledged", "受付確認（管理者のログインを有効化）"


class ApplicationEvent(models.Model):
    """A decision record: who moved the application, when, from what to what, and why."""

    application = models.ForeignKey(
        Application, on_delete=models.PROTECT, related_name="events", verbose_name="利用申込"
    )
    kind = models.CharField("内容", max_length=20, choices=EventKind.choices)
    from_status = models.CharField("前の状態", max_length=20, choices=ApplicationStatus.choices, blank=True)
    to_status = models.CharField("後の状態", max_length=20, choices=ApplicationStatus.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name="操作した人",
    )
    comment = models.TextField("コメント", blank=True)
    deadline = models.DateField("期限", null=True, blank=True)
    created_at = models.DateTimeField("日時", default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "申込の経過"
        verbose_name_plural = "申込の経過"
        ordering = ["application", "created_at", "pk"]
        constraints = [
            # The database itself refuses a second approval of one application.
            models.UniqueConstraint(
                fields=["application"], condition=Q(kind__in=["approved", "registered"]),
                name="application_event_one_approval",
            ),
        ]

    def __str__(self):
        return f"{self.application.receipt_number} {self.get_kind_display()}"

    @property
    def created_on(self):
        return local_date(self.created_at)

    @property
    def actor_label(self):
        if self.actor_id:
            return self.actor.full_name
        if self.kind in (EventKind.SUBMITTED, EventKind.RESUBMITTED, EventKind.WITHDRAWN, EventKind.EMAIL_CONFIRMED):
            return "申込者"
        return "システム"
