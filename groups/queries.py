"""Reads for worksheets and dashboards: what the portal already knows about each member and group.

Everything here is a fixed number of queries however many groups and members there are
(annotations and subqueries, no per-row lookups); tests pin the counts. Writes live in
services.py and reviews.py.
"""

import datetime
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone

from consent.models import ConsentRecord
from facilities.models import Facility, PledgeKind, StaffStatus
from policy.rules import check

from .models import (
    OPEN_STATUSES,
    PATIENT_KINDS,
    DashboardLine,
    Decision,
    Group,
    GroupKind,
    GroupReview,
    GroupStatus,
    McsTask,
    MemberDecision,
    Membership,
    ReviewCampaign,
    ReviewStatus,
)

GROUP_RELATED = ("program", "patient", "origin_facility", "leader")
# How far ahead the dashboard looks for groups coming due, and how many rows each list shows.
DUE_SOON_DAYS = 30
LIST_LIMIT = 50


def group_with_state(pk):
    """One group with what its pages show about it: consent state, patient, leader, program."""
    return Group.objects.with_state().select_related(*GROUP_RELATED).get(pk=pk)


@dataclass
class MemberRow:
    membership: object
    flags: list = field(default_factory=list)
    inactive: bool = False  # left the facility, or the facility is no longer approved (AUD-INACTIVE)
    decision: object = None


def member_flags(membership, policy):
    """(flags, inactive) for one membership annotated by Membership.objects.with_flags()."""
    flags = []
    if membership.left_facility:
        status = membership.staff.get_status_display()
        flags.append(f"所属事業所を離れています（台帳: {status}）")
    if membership.facility_unapproved:
        flags.append(f"所属事業所が{membership.staff.facility.get_status_display()}です")
    if membership.staff_id and policy.staff_pledge_required:
        pledge = membership.pledge_kind
        if pledge is None or (pledge == PledgeKind.EXEMPT and not policy.pledge_exemption_allowed):
            flags.append("誓約書がありません")
    if membership.staff_id and policy.training_required_before_use and not membership.training_done:
        flags.append("利用開始前の研修を受けていません")
    if membership.is_idle:
        flags.append(f"招待から{membership.days_invited}日、参加の返事がありません")
    return flags, bool(membership.left_facility or membership.facility_unapproved)


def group_flags(group, policy, *, has_association_admin):
    """What calls for attention in the group as a whole (the group needs Group.with_state())."""
    flags = []
    patient = group.patient
    if patient is not None and patient.status != "active":
        flags.append(f"患者が「{patient.get_status_display()}」です")
    if group.kind in PATIENT_KINDS and not group.has_valid_consent:
        flags.append("同意が撤回されています" if group.consent_withdrawn else "同意が記録されていません")
    if not has_association_admin:
        flags.append(f"{policy.association_admin_label}がメンバーにいません")
    if group.leader.status != StaffStatus.ACTIVE:
        flags.append("リーダーが所属事業所を離れています。リーダーを変更してください")
    return flags


def needs_association_admin(group):
    return group.program.policy.association_admin_in_group and group.kind in PATIENT_KINDS


def review_facts(group, rows, *, today, at_completion=False):
    """The review_group facts. At completion the decisions count: a member marked for removal
    no longer counts as inactive, and a 医師会管理者 marked for removal is missing."""

    def stays(row):
        return not (at_completion and row.decision is not None and row.decision.decision == "remove")

    open_rows = [row for row in rows if row.membership.status in OPEN_STATUSES]
    facts = {
        "inactive_members": sum(1 for row in open_rows if row.inactive and stays(row)),
        "group_archived": group.status == GroupStatus.ARCHIVED,
    }
    if needs_association_admin(group):
        facts["has_association_admin"] = any(
            row.membership.is_association_admin and stays(row) for row in open_rows
        )
    if group.patient_id:
        facts["patient_status"] = group.patient.status
    if not at_completion:
        since = group.last_reviewed_on or group.created_on
        facts["days_since_review"] = max((today - since).days, 0)
        facts["review_interval_days"] = group.program.review_interval_days
    return facts


def member_rows(group, *, today, review=None):
    """Every open member of the group (and, for a review, everyone it decided on) with their flags.

    Two queries: the memberships with the ledger's columns, and the review's decisions.
    """
    policy = group.program.policy
    members = Membership.objects.filter(group=group)
    if review is not None:
        decided = review.decisions.values("membership_id")
        members = members.filter(Q(status__in=OPEN_STATUSES) | Q(pk__in=decided))
    else:
        members = members.filter(status__in=OPEN_STATUSES)
    members = members.with_flags(today=today).select_related("staff__facility")
    members = members.order_by("-is_association_admin", "pk")
    decisions = {}
    if review is not None:
        decisions = {d.membership_id: d for d in review.decisions.select_related("decided_by")}
    rows = []
    for membership in members:
        membership.group = group  # already loaded: permission checks read it per row
        membership.days_invited = (today - membership.invited_on).days
        flags, inactive = member_flags(membership, policy)
        rows.append(MemberRow(membership, flags, inactive, decisions.get(membership.pk)))
    return rows


@dataclass
class Worksheet:
    review: object
    group: object
    rows: list
    group_flags: list
    violations: list
    unanswered: int


def worksheet(review, *, today=None):
    """The reviewer's page: members, what the portal knows, the engine's verdict on the group as it is.

    The group is read again with its consent state (one query), and set on the review.
    """
    today = today or timezone.localdate()
    group = review.group = group_with_state(review.group_id)
    rows = member_rows(group, today=today, review=review)
    facts = review_facts(group, rows, today=today)
    has_admin = facts.get("has_association_admin", True)
    variant = group.program.variant
    # What stops completion is judged with the decisions saved so far (as completion does);
    # warnings (review overdue, patient to archive) describe the group as it is now.
    at_completion = review_facts(group, rows, today=today, at_completion=True)
    violations = [v for v in check(variant, "review_group", at_completion) if v.severity == "block"]
    violations += [v for v in check(variant, "review_group", facts) if v.severity == "warn"]
    unanswered = sum(1 for row in rows if row.decision is None and row.membership.status in OPEN_STATUSES)
    flags = group_flags(group, group.program.policy, has_association_admin=has_admin)
    return Worksheet(review, group, rows, flags, violations, unanswered)


# --- Dashboards --------------------------------------------------------------------------


def _group_counts(groups, *, today, program):
    """{origin facility id: {column: count}} for the dashboard, in one query.

    One row per group with its flags, counted here: asking the database for COUNT(...) FILTER
    per column repeats each EXISTS subquery once per column that uses it (measured 2x slower
    at 10,000 groups, docs/performance.md).
    """
    archive_statuses = set(program.policy.archive_statuses)
    due_cutoff = today - datetime.timedelta(days=program.review_interval_days - DUE_SOON_DAYS)
    overdue_cutoff = today - datetime.timedelta(days=program.review_interval_days)
    rows = groups.values_list(
        "origin_facility_id", "status", "kind", "last_reviewed_on", "created_on", "in_review",
        "has_valid_consent", "consent_withdrawn", "patient__status", "leader__status",
    ).order_by()
    counts = {}
    for facility_id, status, kind, reviewed, created, in_review, valid, withdrawn, patient_status, leader in rows:
        line = counts.setdefault(facility_id, dict.fromkeys(
            ("active", "archived", "due", "overdue", "in_review", "no_consent", "to_archive", "leader_left"), 0))
        if status == GroupStatus.ARCHIVED:
            line["archived"] += 1
        if status != GroupStatus.ACTIVE:
            continue
        line["active"] += 1
        last = reviewed or created  # never reviewed: counted from creation
        if in_review:
            line["in_review"] += 1
        elif kind != GroupKind.ADMIN_NOTICE:  # checked against the ledger, never reviewed
            line["due"] += last < due_cutoff
            line["overdue"] += last < overdue_cutoff
        if kind in PATIENT_KINDS:
            line["no_consent"] += not valid
            line["to_archive"] += patient_status in archive_statuses or (withdrawn and not valid)
        line["leader_left"] += leader != StaffStatus.ACTIVE
    return counts


COLUMNS = (
    "active", "due", "overdue", "in_review", "no_consent", "to_archive", "leader_left", "tasks", "escalated",
)


@dataclass
class FacilityLine:
    facility: object
    counts: dict


# What needs someone's action, for putting those facilities first.
ATTENTION = ("overdue", "escalated", "to_archive", "no_consent", "leader_left", "tasks", "due")


def _lines(program, counts_by_facility):
    ids = [pk for pk in counts_by_facility if pk is not None]
    facilities = {f.pk: f for f in Facility.objects.filter(pk__in=ids).only("pk", "name", "number")}
    lines = [FacilityLine(facilities[pk], counts_by_facility[pk]) for pk in ids if pk in facilities]
    # Most to do first: a network has thousands of facilities and the page shows them 50 at a time.
    lines.sort(key=lambda line: (-sum(line.counts.get(c, 0) for c in ATTENTION), line.facility.number))
    totals = {column: sum(line.counts.get(column, 0) for line in lines) for column in COLUMNS}
    return lines, totals


def _live_counts(program, *, today, facility=None):
    """(groups of the dashboard, its open tasks, its escalated reviews, lines, totals), counted now."""
    groups = Group.objects.filter(program=program).live().with_state()
    tasks = McsTask.objects.open().filter(program=program)
    escalated = GroupReview.objects.filter(status=ReviewStatus.ESCALATED, group__program=program)
    if facility is not None:
        groups = groups.filter(origin_facility=facility)
        tasks = tasks.filter(Q(facility=facility) | Q(group__origin_facility=facility))
        escalated = escalated.filter(group__origin_facility=facility)
    counts = _group_counts(groups, today=today, program=program)
    for row in tasks.values("group__origin_facility_id").annotate(n=Count("pk")).order_by():
        counts.setdefault(row["group__origin_facility_id"], {})["tasks"] = row["n"]
    for row in escalated.values("group__origin_facility_id").annotate(n=Count("pk")).order_by():
        counts.setdefault(row["group__origin_facility_id"], {})["escalated"] = row["n"]
    lines, totals = _lines(program, counts)
    return groups, tasks, escalated, lines, totals


def dashboard_refresh(program, *, today=None):
    """Recount the program dashboard into its DashboardLine rows (groups.tasks.refresh_dashboard)."""
    today = today or timezone.localdate()
    *_, lines, totals = _live_counts(program, today=today)
    now = timezone.now()
    rows = [DashboardLine(program=program, facility=None, counts=totals, refreshed_at=now)]
    rows += [
        DashboardLine(program=program, facility=line.facility, counts=line.counts, number=line.facility.number,
                      attention=sum(line.counts.get(c, 0) for c in ATTENTION), refreshed_at=now)
        for line in lines
    ]
    with transaction.atomic():
        DashboardLine.objects.filter(program=program).delete()
        DashboardLine.objects.bulk_create(rows, batch_size=2000)
    return rows[0]


def dashboard(program, *, today=None, facility=None, summary=None):
    """Per origin facility: groups due or overdue for review, without consent, to archive, whose
    leader left, open MCS tasks and escalated reviews; and the first rows of each list.

    With `summary` (the program's totals row of DashboardLine) the per-facility counts are read
    from the stored rows, a page at a time, instead of counted over every group.
    A fixed number of queries (three counts or the stored rows, the facility names, five lists).
    """
    today = today or timezone.localdate()
    if summary is not None:
        tasks = McsTask.objects.open().filter(program=program)
        escalated = GroupReview.objects.filter(status=ReviewStatus.ESCALATED, group__program=program)
        lines = (DashboardLine.objects.filter(program=program, facility__isnull=False)
                 .select_related("facility").only("counts", "facility__id", "facility__name")
                 .order_by("-attention", "number", "pk"))
        totals = {column: summary.counts.get(column, 0) for column in COLUMNS}
    else:
        _groups, tasks, escalated, lines, totals = _live_counts(program, today=today, facility=facility)
    # The lists show no state column: filter on it without selecting it.
    listed = Group.objects.filter(program=program).live().with_state(columns=False)
    if facility is not None:
        listed = listed.filter(origin_facility=facility)
    listed = listed.select_related("patient", "origin_facility", "leader")
    overdue_groups = listed.review_due(today=today, interval_days=program.review_interval_days)
    overdue_groups = overdue_groups.filter(in_review=False)


    def first_rows(queryset, column):
        # The counts are known already: a list whose count is 0 costs no query (each such
        # query scans every group of the program to find nothing).
        return list(queryset[:LIST_LIMIT]) if totals[column] else []

    return {
        "lines": lines,
        "totals": totals,
        "to_archive": first_rows(listed.to_archive(program.policy.archive_statuses).order_by("pk"), "to_archive"),
        "no_consent": first_rows(listed.active().without_valid_consent().order_by("pk"), "no_consent"),
        "overdue": first_rows(overdue_groups.order_by("last_reviewed_on", "created_on", "pk"), "overdue"),
        "escalated": list(
            escalated.select_related("group__patient", "group__origin_facility", "reviewer", "campaign")
            .order_by("campaign__due_on", "pk")[:LIST_LIMIT]
        ),
        "tasks": list(
            tasks.select_related("group__patient", "facility").order_by("created_at", "pk")[:LIST_LIMIT]
        ),
        "next_review_on": next_campaign_on(program, today=today),
        "counted_at": summary.refreshed_at if summary is not None else None,
        "limit": LIST_LIMIT,
    }


def next_campaign_on(program, *, today):
    """When the next round is due: the program's interval after the last round started (today if none)."""
    campaigns = ReviewCampaign.objects.filter(program=program).order_by("-started_on")
    started = campaigns.values_list("started_on", flat=True).first()
    if started is None:
        return today
    return started + datetime.timedelta(days=program.review_interval_days)


def follow_ups_open():
    """要確認 answers of completed reviews that nobody has settled yet, for members still in the group."""
    return MemberDecision.objects.filter(
        decision=Decision.UNSURE, review__status=ReviewStatus.COMPLETED, settled_at__isnull=True,
        membership__status__in=OPEN_STATUSES,
    )


def sharing_stopped(group):
    """The engine's block on new members when the patient's information may no longer be shared
    (consent withdrawn, patient deceased or ended), or None."""
    if group.patient_id is None:
        return None
    facts = {"member_kind": "staff", **sharing_facts(group)}
    return next((v for v in check(group.program.variant, "add_member", facts) if v.rule == "MBR-CONSENT"), None)


def consent_state(patient):
    """The consent fact: "signed" (a consent in force), "prior" (only one given before the portal),
    "withdrawn" (none in force, one withdrawn) or "none"."""
    records = ConsentRecord.objects.filter(patient=patient)
    kinds = set(records.valid().values_list("is_prior", flat=True))
    if False in kinds:
        return "signed"
    if True in kinds:
        return "prior"
    return "withdrawn" if records.exists() else "none"


def sharing_facts(group):
    """Whether the group's patient's information may still be shared (create_group / add_member)."""
    if group.patient_id is None:
        return {"kind": group.kind}
    return {"kind": group.kind, "consent": consent_state(group.patient), "patient_status": group.patient.status}


def patient_group_links(*, patient, user):
    """The patient's groups `user` may open, for the patient's page: [(label, url)]."""
    groups = Group.objects.visible_to(user).filter(patient=patient).order_by("-created_on", "-pk")
    return [(f"患者グループ 番号{group.pk}（{group.get_status_display()}）",
             reverse("groups:group-detail", args=[group.pk])) for group in groups]
