"""Patient groups, their members, the MCS tasks they leave, and periodic membership reviews.

MCS has no API, so this register is the record of who belongs to which group; every change
that must also be made in MCS leaves an `McsTask` until someone confirms it was done there.
Reads go through `visible_to(user)`; writes through groups/services.py and groups/reviews.py.
Nothing that records a membership, a decision or a group is deleted: rows change status.
"""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Exists, OuterRef, Q, Subquery
from django.db.models.functions import TruncDate
from simple_history.models import HistoricalRecords

from consent.models import CareTeam, ConsentRecord, Patient
from facilities.models import (
    INITIAL_TRAINING,
    Attendance,
    Facility,
    FacilityStatus,
    Pledge,
    Program,
    Staff,
    StaffStatus,
    role_facility_ids,
    secretariat_program_ids,
)

# An invitation nobody accepted in this many days marks the member as idle on the worksheet:
# the portal records no MCS activity, so an unanswered invitation is the only idleness it sees.
IDLE_AFTER_DAYS = 30


class GroupKind(models.TextChoices):
    PATIENT = "patient", "患者グループ"
    FAMILY = "family", "家族も参加する患者グループ"
    FREE = "free", "自由グループ"
    # The network's group of every facility administrator, for its notices (施設管理者連絡網):
    # only where the policy keeps one (profile.admin_notice_group); groups/admin_notice.py.
    ADMIN_NOTICE = "admin_notice", "施設管理者連絡網"


PATIENT_KINDS = (GroupKind.PATIENT, GroupKind.FAMILY)
NO_PATIENT_KINDS = (GroupKind.FREE, GroupKind.ADMIN_NOTICE)


class GroupStatus(models.TextChoices):
    ACTIVE = "active", "利用中"
    ARCHIVED = "archived", "保管"
    DELETED = "deleted", "削除済み（MCS）"


# Deletion happens in MCS; the portal marks it when the deletion task is confirmed.
GROUP_TRANSITIONS = {
    GroupStatus.ACTIVE: {GroupStatus.ARCHIVED, GroupStatus.DELETED},
    GroupStatus.ARCHIVED: {GroupStatus.ACTIVE, GroupStatus.DELETED},
    GroupStatus.DELETED: set(),
}


def _user_scope(user):
    """(program ids run by the user, facility ids where the user holds a role)."""
    return secretariat_program_ids(user), role_facility_ids(user)


class GroupQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The secretariat sees its program's groups; a facility role sees the groups its facility
        started and the active ones where one of its staff is a member (an archived group is left
        to its origin: docs/decisions/0012-when-care-ends.md)."""
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self
        programs, facilities = _user_scope(user)
        members = Membership.objects.open().filter(group=OuterRef("pk"), staff__facility_id__in=facilities)
        # A member facility sees a patient's group only while it is involved in the patient's care:
        # when the patient leaves 療養中 its group reason ends at once (consent.care), and with it
        # the group page, which names the patient.
        involved = CareTeam.objects.current().filter(patient=OuterRef("patient_id"), facility_id__in=facilities)
        return self.filter(
            Q(program_id__in=programs) | Q(origin_facility_id__in=facilities)
            | Q(status=GroupStatus.ACTIVE) & Exists(members) & (Q(patient__isnull=True) | Exists(involved))
        )

    def live(self):
        return self.exclude(status=GroupStatus.DELETED)

    def active(self):
        return self.filter(status=GroupStatus.ACTIVE)

    def with_state(self, *, columns=True):
        """Consent and review state as columns, one row per group (subqueries, not joins).

        columns=False names them for filtering only (alias): a short list that filters on them
        then costs a semi-join per row shown, where selecting them let PostgreSQL hash every
        unfinished review of the network first (the dashboard's lists, docs/performance.md)."""
        consents = ConsentRecord.objects.filter(patient=OuterRef("patient_id"))
        reviews = GroupReview.objects.unfinished().filter(group=OuterRef("pk"))
        return (self.annotate if columns else self.alias)(
            has_valid_consent=Exists(consents.valid()),
            consent_withdrawn=Exists(consents.filter(withdrawn_on__isnull=False)),
            in_review=Exists(reviews),
        )

    def without_valid_consent(self):
        """Patient groups whose patient has no consent in force (needs with_state())."""
        return self.filter(kind__in=PATIENT_KINDS, has_valid_consent=False)

    def to_archive(self, archive_statuses):
        """Active patient groups that should go to 保管: the patient's status calls for it (per
        the policy), or the consent was withdrawn and none is left in force (needs with_state())."""
        return self.filter(status=GroupStatus.ACTIVE, kind__in=PATIENT_KINDS).filter(
            Q(patient__status__in=archive_statuses) | Q(consent_withdrawn=True, has_valid_consent=False)
        )

    def reviewable(self):
        """Groups whose members a periodic review looks at: not the 施設管理者連絡網, whose
        membership the portal checks against the staff ledger (groups/admin_notice.py)."""
        return self.exclude(kind=GroupKind.ADMIN_NOTICE)

    def review_due(self, *, today, interval_days, within_days=0):
        """Active groups whose last review (or, never reviewed, creation) is older than the interval,
        or will be within `within_days`."""
        cutoff = today - datetime.timedelta(days=interval_days - within_days)
        return self.reviewable().filter(status=GroupStatus.ACTIVE).filter(
            Q(last_reviewed_on__lt=cutoff) | Q(last_reviewed_on__isnull=True, created_on__lt=cutoff)
        )


class Group(models.Model):
    """One MCS group as the network's register knows it."""

    program = models.ForeignKey(
        Program, on_delete=models.PROTECT, related_name="groups", verbose_name="ネットワーク"
    )
    kind = models.CharField("種類", max_length=20, choices=GroupKind.choices)
    patient = models.ForeignKey(
        Patient, on_delete=models.PROTECT, null=True, blank=True, related_name="groups", verbose_name="患者"
    )
    title = models.CharField("グループ名", max_length=100, blank=True, help_text="自由グループの名前")
    origin_facility = models.ForeignKey(
        Facility, on_delete=models.PROTECT, related_name="groups_originated", verbose_name="連携元事業所"
    )
    leader = models.ForeignKey(
        Staff, on_delete=models.PROTECT, related_name="groups_led", verbose_name="リーダー（精査する人）"
    )
    status = models.CharField("状態", max_length=10, choices=GroupStatus.choices, default=GroupStatus.ACTIVE)
    consent_basis = models.CharField("作成時の同意", max_length=10, blank=True)
    archived_on = models.DateField("保管日", null=True, blank=True)
    archive_reason = models.CharField("保管の理由", max_length=200, blank=True)
    deleted_on = models.DateField("削除日（MCS）", null=True, blank=True)
    last_reviewed_on = models.DateField("最後の定期精査", null=True, blank=True)
    warnings = models.JSONField("作成時の注意", default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="作成した人"
    )
    created_on = models.DateField("作成日")
    created_at = models.DateTimeField("作成日時", auto_now_add=True)

    history = HistoricalRecords()
    objects = GroupQuerySet.as_manager()

    class Meta:
        verbose_name = "グループ"
        verbose_name_plural = "グループ"
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["free", "admin_notice"], patient__isnull=True)
                | (~Q(kind__in=["free", "admin_notice"]) & Q(patient__isnull=False)),
                name="group_patient_matches_kind",
            ),
            models.CheckConstraint(
                condition=~Q(kind__in=["free", "admin_notice"]) | ~Q(title=""), name="group_free_has_title"
            ),
            # One 施設管理者連絡網 per network (a deleted one may be replaced).
            models.UniqueConstraint(
                fields=["program"], condition=Q(kind="admin_notice") & ~Q(status="deleted"),
                name="group_one_admin_notice_per_program",
            ),
            models.CheckConstraint(
                condition=~Q(status="archived") | Q(archived_on__isnull=False), name="group_archived_has_date"
            ),
            models.CheckConstraint(
                condition=~Q(status="deleted") | Q(deleted_on__isnull=False), name="group_deleted_has_date"
            ),
        ]
        indexes = [
            models.Index(fields=["program", "status", "origin_facility"], name="group_prog_status_facility"),
            models.Index(fields=["patient", "status"], name="group_patient_status"),
        ]

    def __str__(self):
        return self.name

    @property
    def name(self):
        if self.kind in NO_PATIENT_KINDS:
            return self.title
        return f"{self.patient.full_name}さんのグループ" if self.patient_id else self.title

    @property
    def mcs_name(self):
        """The group as MCS tasks name it: its name and number, so tasks about two groups of one
        patient (or two tries at one) can be told apart."""
        return f"「{self.name}」（グループ番号{self.pk}）"

    @property
    def code(self):
        """What printed evidence calls the group: numbers, not the patient's name."""
        if self.patient_id:
            return f"グループ{self.pk}（患者番号{self.patient_id}）"
        return f"グループ{self.pk}（{self.title}）"

    def clean(self):
        super().clean()
        errors = {}
        if self.origin_facility_id and self.origin_facility.program_id != self.program_id:
            errors["origin_facility"] = "このネットワークの事業所を選んでください。"
        if self.leader_id and self.leader.program_id != self.program_id:
            errors["leader"] = "このネットワークの職員を選んでください。"
        if self.patient_id and self.patient.program_id != self.program_id:
            errors["patient"] = "このネットワークの患者を選んでください。"
        if self.kind in NO_PATIENT_KINDS and self.patient_id:
            errors["patient"] = f"{self.get_kind_display()}には患者を結び付けられません。"
        if errors:
            raise ValidationError(errors)


class MemberKind(models.TextChoices):
    STAFF = "staff", "職員"
    PATIENT = "patient", "患者本人"
    FAMILY = "family", "家族"


class MembershipStatus(models.TextChoices):
    INVITED = "invited", "招待中"
    ACCEPTED = "accepted", "参加中"
    DECLINED = "declined", "辞退"
    REMOVED = "removed", "解除"


OPEN_STATUSES = (MembershipStatus.INVITED, MembershipStatus.ACCEPTED)

MEMBERSHIP_TRANSITIONS = {
    MembershipStatus.INVITED: {
        MembershipStatus.ACCEPTED, MembershipStatus.DECLINED, MembershipStatus.REMOVED,
    },
    MembershipStatus.ACCEPTED: {MembershipStatus.REMOVED},
    MembershipStatus.DECLINED: set(),
    MembershipStatus.REMOVED: set(),
}


class EndReason(models.TextChoices):
    RETIRED = "retired", "退職"
    TRANSFERRED = "transferred", "異動"
    UNASSIGNED = "unassigned", "担当外れ"
    WITHDRAWN = "withdrawn", "施設の退会"
    REVIEW = "review", "定期精査で解除"
    PATIENT_ERASED = "patient_erased", "患者情報の削除"
    GROUP_DELETED = "group_deleted", "グループの削除"
    OTHER = "other", "その他"


class MembershipQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(group__in=Group.objects.visible_to(user))

    def open(self):
        return self.filter(status__in=OPEN_STATUSES)

    def with_flags(self, *, today):
        """What the portal knows about each member, as columns: the worksheet's warnings.

        Subqueries against the staff ledger, so the list stays one query however long it is.
        """
        pledges = Pledge.objects.filter(staff=OuterRef("staff_id")).order_by("-recorded_at", "-pk")
        trained = Attendance.objects.filter(staff=OuterRef("staff_id"), session__kind__in=INITIAL_TRAINING)
        idle_before = today - datetime.timedelta(days=IDLE_AFTER_DAYS)
        return self.annotate(
            pledge_kind=Subquery(pledges.values("kind")[:1]),
            training_done=Exists(trained),
            is_idle=models.ExpressionWrapper(
                Q(status=MembershipStatus.INVITED, invited_on__lt=idle_before),
                output_field=models.BooleanField(),
            ),
            left_facility=models.ExpressionWrapper(
                Q(member_kind=MemberKind.STAFF) & ~Q(staff__status=StaffStatus.ACTIVE),
                output_field=models.BooleanField(),
            ),
            facility_unapproved=models.ExpressionWrapper(
                Q(member_kind=MemberKind.STAFF) & ~Q(staff__facility__status=FacilityStatus.ACTIVE),
                output_field=models.BooleanField(),
            ),
        )


class Membership(models.Model):
    """Someone in a group: invited, then accepted or declined, and in the end perhaps removed."""

    group = models.ForeignKey(
        Group, on_delete=models.PROTECT, related_name="memberships", verbose_name="グループ"
    )
    member_kind = models.CharField("メンバーの種類", max_length=10, choices=MemberKind.choices)
    staff = models.ForeignKey(
        Staff, on_delete=models.PROTECT, null=True, blank=True, related_name="memberships", verbose_name="職員"
    )
    person_name = models.CharField("氏名（患者・家族）", max_length=100, blank=True)
    relationship = models.CharField("続柄", max_length=50, blank=True)
    is_association_admin = models.BooleanField("医師会管理者として参加", default=False)
    status = models.CharField(
        "状態", max_length=10, choices=MembershipStatus.choices, default=MembershipStatus.INVITED
    )
    invited_on = models.DateField("招待日")
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="招待した人"
    )
    responded_on = models.DateField("返答日", null=True, blank=True)
    ended_on = models.DateField("解除日", null=True, blank=True)
    end_reason = models.CharField("解除の理由", max_length=20, choices=EndReason.choices, blank=True)
    end_note = models.CharField("解除の補足", max_length=200, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name="解除した人",
    )
    warnings = models.JSONField("招待時の注意", default=list, blank=True)

    history = HistoricalRecords()
    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = "グループのメンバー"
        verbose_name_plural = "グループのメンバー"
        ordering = ["group", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(member_kind="staff", staff__isnull=False, person_name="")
                | (~Q(member_kind="staff") & Q(staff__isnull=True) & ~Q(person_name="")),
                name="membership_staff_or_person",
            ),
            models.CheckConstraint(
                condition=Q(status="removed", ended_on__isnull=False) & ~Q(end_reason="")
                | (~Q(status="removed") & Q(ended_on__isnull=True)),
                name="membership_removed_has_end",
            ),
            # One open seat per person and group: a second invitation is a form error, not a duplicate.
            models.UniqueConstraint(
                fields=["group", "staff"], condition=Q(status__in=["invited", "accepted"]),
                name="membership_one_open_per_staff",
            ),
        ]
        indexes = [
            models.Index(fields=["staff", "status"], name="membership_staff_status"),
            models.Index(fields=["group", "status"], name="membership_group_status"),
        ]

    def __str__(self):
        return f"{self.display_name}（{self.get_status_display()}）"

    @property
    def display_name(self):
        return self.staff.full_name if self.staff_id else self.person_name

    @property
    def is_open(self):
        return self.status in OPEN_STATUSES


class TaskKind(models.TextChoices):
    CREATE = "create", "グループを作成"
    INVITE = "invite", "メンバーを招待"
    REMOVE = "remove", "メンバーを外す"
    ARCHIVE = "archive", "保管する"
    RESTORE = "restore", "保管から戻す"
    DELETE = "delete", "グループを削除"
    LEADER = "leader", "管理者を変更"
    RESTRICT = "restrict", "利用停止中の人の参加を止める"
    RELEASE = "release", "スタッフ解除"


class TaskStatus(models.TextChoices):
    OPEN = "open", "未対応"
    DONE = "done", "MCSで対応済み"
    NOT_NEEDED = "not_needed", "不要"


# The order in which MCS needs things done on one day: a group exists before anyone is invited.
TASK_STEPS = (TaskKind.CREATE, TaskKind.RESTORE, TaskKind.LEADER, TaskKind.INVITE, TaskKind.REMOVE,
              TaskKind.RESTRICT, TaskKind.ARCHIVE, TaskKind.DELETE, TaskKind.RELEASE)


class McsTaskQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The secretariat sees its program's tasks; a facility role, its facility's tasks and those
        about the groups its facility started."""
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self
        programs, facilities = _user_scope(user)
        return self.filter(
            Q(program_id__in=programs)
            | Q(facility_id__in=facilities)
            | Q(group__origin_facility_id__in=facilities)
        )

    def open(self):
        return self.filter(status=TaskStatus.OPEN)

    def in_mcs_order(self):
        """Day by day, and within a day in the order MCS needs them (create before invite)."""
        step = models.Case(
            *(models.When(kind=kind, then=models.Value(n)) for n, kind in enumerate(TASK_STEPS)),
            output_field=models.IntegerField(),
        )
        return self.annotate(day=TruncDate("created_at"), step=step).order_by("day", "step", "pk")


class McsTask(models.Model):
    """Something to do in MCS by hand, open until someone confirms it was done there."""

    program = models.ForeignKey(
        Program, on_delete=models.PROTECT, related_name="mcs_tasks", verbose_name="ネットワーク"
    )
    # Empty for a task about an account rather than a group (スタッフ解除 when a facility withdraws).
    group = models.ForeignKey(
        Group, on_delete=models.PROTECT, null=True, blank=True, related_name="tasks", verbose_name="グループ"
    )
    staff = models.ForeignKey(
        Staff, on_delete=models.PROTECT, null=True, blank=True, related_name="mcs_tasks", verbose_name="対象の職員"
    )
    membership = models.ForeignKey(
        Membership, on_delete=models.PROTECT, null=True, blank=True, related_name="tasks", verbose_name="メンバー"
    )
    kind = models.CharField("作業", max_length=10, choices=TaskKind.choices)
    title = models.CharField("内容", max_length=200)
    detail = models.TextField("補足", blank=True)
    facility = models.ForeignKey(
        Facility, on_delete=models.PROTECT, null=True, blank=True, related_name="mcs_tasks",
        verbose_name="対応する事業所",
    )
    for_secretariat = models.BooleanField("事務局が対応", default=False)
    status = models.CharField("状態", max_length=10, choices=TaskStatus.choices, default=TaskStatus.OPEN)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name="作成した人",
    )
    created_at = models.DateTimeField("作成日時", auto_now_add=True)
    done_at = models.DateTimeField("対応日時", null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name="対応を確認した人",
    )
    done_note = models.CharField("対応のメモ", max_length=200, blank=True)
    not_needed_reason = models.CharField("不要になった理由", max_length=200, blank=True)

    history = HistoricalRecords()
    objects = McsTaskQuerySet.as_manager()

    class Meta:
        verbose_name = "MCSでの作業"
        verbose_name_plural = "MCSでの作業"
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="open", done_at__isnull=True, done_by__isnull=True)
                | Q(status="done", done_at__isnull=False)
                | Q(status="not_needed", done_at__isnull=False) & ~Q(not_needed_reason=""),
                name="mcstask_done_has_when",
            ),
            models.CheckConstraint(
                condition=Q(facility__isnull=False) | Q(for_secretariat=True), name="mcstask_has_assignee"
            ),
            models.CheckConstraint(
                condition=Q(group__isnull=False) | Q(staff__isnull=False), name="mcstask_about_group_or_staff"
            ),
            models.UniqueConstraint(
                fields=["group"], condition=Q(kind="delete", status="open"), name="mcstask_one_open_deletion"
            ),
        ]
        indexes = [
            models.Index(fields=["program", "status"], name="mcstask_program_status"),
            models.Index(fields=["facility", "status"], name="mcstask_facility_status"),
        ]

    def __str__(self):
        return self.title


class AssociationAdmin(models.Model):
    """The person the portal puts in every patient group where the policy wants the 医師会管理者 there.

    One per program, designated by the secretariat from the program's staff ledger (usually
    someone at the 医師会 itself), so that groups hold them like any other member.
    """

    program = models.OneToOneField(
        Program, on_delete=models.PROTECT, related_name="association_admin", verbose_name="ネットワーク"
    )
    staff = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="+", verbose_name="医師会管理者")
    designated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="指定した人"
    )
    designated_at = models.DateTimeField("指定日時", auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "医師会管理者の指定"
        verbose_name_plural = "医師会管理者の指定"

    def __str__(self):
        return f"{self.program}: {self.staff.full_name}"


# --- Periodic reviews --------------------------------------------------------------------


class CampaignScope(models.TextChoices):
    DUE = "due", "精査の時期が来たグループ"
    ALL = "all", "利用中のすべてのグループ"
    FACILITY = "facility", "1つの事業所のグループ"
    LED = "led", "自分がリーダーのグループ"


class ReviewCampaignQuerySet(models.QuerySet):
    def visible_to(self, user):
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self
        mine = GroupReview.objects.filter(campaign=OuterRef("pk"), group__in=Group.objects.visible_to(user))
        return self.filter(Q(program_id__in=secretariat_program_ids(user)) | Exists(mine))


class ReviewCampaign(models.Model):
    """One round of 定期精査 over a set of groups, with a due date."""

    program = models.ForeignKey(
        Program, on_delete=models.PROTECT, related_name="review_campaigns", verbose_name="ネットワーク"
    )
    title = models.CharField("名称", max_length=100)
    scope = models.CharField("対象", max_length=10, choices=CampaignScope.choices)
    scope_facility = models.ForeignKey(
        Facility, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="対象の事業所"
    )
    due_on = models.DateField("期限")
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="開始した人"
    )
    started_on = models.DateField("開始日")
    started_at = models.DateTimeField("開始日時", auto_now_add=True)

    history = HistoricalRecords()
    objects = ReviewCampaignQuerySet.as_manager()

    class Meta:
        verbose_name = "定期精査"
        verbose_name_plural = "定期精査"
        ordering = ["-started_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(due_on__gte=models.F("started_on")), name="campaign_due_after_start"
            ),
            models.CheckConstraint(
                condition=~Q(scope="facility") | Q(scope_facility__isnull=False),
                name="campaign_facility_scope",
            ),
        ]

    def __str__(self):
        return self.title


class ReviewStatus(models.TextChoices):
    OPEN = "open", "精査中"
    ESCALATED = "escalated", "期限切れ（事務局へ）"
    COMPLETED = "completed", "完了"


UNFINISHED = (ReviewStatus.OPEN, ReviewStatus.ESCALATED)

REVIEW_TRANSITIONS = {
    ReviewStatus.OPEN: {ReviewStatus.COMPLETED, ReviewStatus.ESCALATED},
    ReviewStatus.ESCALATED: {ReviewStatus.COMPLETED},
    ReviewStatus.COMPLETED: set(),
}


class GroupReviewQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(group__in=Group.objects.visible_to(user))

    def unfinished(self):
        return self.filter(status__in=UNFINISHED)

    def overdue(self, *, today):
        return self.filter(status=ReviewStatus.OPEN, campaign__due_on__lt=today)

    def for_reviewer(self, user):
        """Reviews the user should work: they lead the group, or hold a role at its facility."""
        return self.filter(Q(reviewer__user=user) | Q(group__origin_facility_id__in=role_facility_ids(user)))


class GroupReview(models.Model):
    """One group's worksheet in a campaign: its reviewer decides on every member."""

    campaign = models.ForeignKey(
        ReviewCampaign, on_delete=models.PROTECT, related_name="reviews", verbose_name="定期精査"
    )
    group = models.ForeignKey(Group, on_delete=models.PROTECT, related_name="reviews", verbose_name="グループ")
    reviewer = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="+", verbose_name="精査する人")
    status = models.CharField("状態", max_length=10, choices=ReviewStatus.choices, default=ReviewStatus.OPEN)
    escalated_at = models.DateTimeField("事務局へ回した日時", null=True, blank=True)
    completed_at = models.DateTimeField("完了日時", null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name="完了した人",
    )
    removed_count = models.PositiveIntegerField("解除した人数", default=0)
    findings = models.JSONField("完了時の注意", default=list, blank=True)
    note = models.TextField("所見", blank=True)

    history = HistoricalRecords()
    objects = GroupReviewQuerySet.as_manager()

    class Meta:
        verbose_name = "グループの精査"
        verbose_name_plural = "グループの精査"
        ordering = ["campaign", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "group"], name="groupreview_once_per_campaign"),
            # A group is in at most one unfinished review, whichever campaign started it.
            models.UniqueConstraint(
                fields=["group"], condition=Q(status__in=["open", "escalated"]),
                name="groupreview_one_unfinished",
            ),
            models.CheckConstraint(
                condition=~Q(status="completed") | Q(completed_at__isnull=False),
                name="groupreview_completed_has_when",
            ),
            models.CheckConstraint(
                condition=~Q(status="escalated") | Q(escalated_at__isnull=False),
                name="groupreview_escalated_has_when",
            ),
        ]
        indexes = [models.Index(fields=["status", "campaign"], name="groupreview_status_campaign")]

    def __str__(self):
        return f"{self.campaign}: {self.group_id}"

    @property
    def is_finished(self):
        return self.status == ReviewStatus.COMPLETED


class Decision(models.TextChoices):
    KEEP = "keep", "継続"
    REMOVE = "remove", "解除"
    UNSURE = "unsure", "要確認"


class MemberDecision(models.Model):
    """The reviewer's answer for one member. Removals are applied when the review is completed."""

    review = models.ForeignKey(
        GroupReview, on_delete=models.PROTECT, related_name="decisions", verbose_name="精査"
    )
    membership = models.ForeignKey(
        Membership, on_delete=models.PROTECT, related_name="decisions", verbose_name="メンバー"
    )
    decision = models.CharField("判断", max_length=10, choices=Decision.choices)
    reason = models.CharField("理由", max_length=200, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="判断した人"
    )
    decided_at = models.DateTimeField("判断日時")
    applied_at = models.DateTimeField("解除を反映した日時", null=True, blank=True)
    # A 要確認 stays an open item after the review is completed, until someone settles it.
    settled_as = models.CharField(
        "確認の結果", max_length=10, choices=[(Decision.KEEP, "継続"), (Decision.REMOVE, "解除")], blank=True
    )
    settled_reason = models.CharField("確認の理由", max_length=200, blank=True)
    settled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name="確認した人",
    )
    settled_at = models.DateTimeField("確認した日時", null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "メンバーごとの判断"
        verbose_name_plural = "メンバーごとの判断"
        ordering = ["review", "membership"]
        constraints = [
            models.UniqueConstraint(fields=["review", "membership"], name="memberdecision_once_per_review"),
            models.CheckConstraint(
                condition=Q(decision="keep") | ~Q(reason=""), name="memberdecision_reason_unless_keep"
            ),
            models.CheckConstraint(
                condition=Q(applied_at__isnull=True) | Q(decision="remove") | Q(settled_as="remove"),
                name="memberdecision_applied_only_removal",
            ),
            models.CheckConstraint(
                condition=Q(settled_as="", settled_at__isnull=True)
                | Q(decision="unsure", settled_at__isnull=False) & ~Q(settled_reason=""),
                name="memberdecision_settled_unsure_with_reason",
            ),
        ]

    def __str__(self):
        return f"{self.membership}: {self.get_decision_display()}"


class DashboardLine(models.Model):
    """The program dashboard's counts for one origin facility (facility None: the program's
    totals), as of `refreshed_at`. Counting every group of a network took seconds at scale
    and grew with it (docs/performance.md); the page reads these rows instead, and a
    background job (groups.tasks.refresh_dashboard) recounts them. Derived data: no history."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="+")
    facility = models.ForeignKey(Facility, on_delete=models.CASCADE, null=True, related_name="+")
    counts = models.JSONField(default=dict)
    attention = models.PositiveIntegerField(default=0)  # what needs action: the page puts these first
    number = models.CharField(max_length=20, blank=True)  # the facility's number, the tie-break
    refreshed_at = models.DateTimeField()

    class Meta:
        verbose_name = "グループの点検（集計）"
        verbose_name_plural = "グループの点検（集計）"
        constraints = [
            models.UniqueConstraint(fields=["program", "facility"], name="dashboardline_one_per_facility"),
            models.UniqueConstraint(fields=["program"], condition=Q(facility__isnull=True),
                                    name="dashboardline_one_total_per_program"),
        ]
        indexes = [models.Index(fields=["program", "-attention", "number"], name="dashboardline_page")]

    def __str__(self):
        return f"{self.program_id}/{self.facility_id}"
