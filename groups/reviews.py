"""Every write of the periodic membership review (定期精査): start, decide, complete, escalate.

A campaign gives each group's leader a worksheet. Decisions are saved as the reviewer goes;
completing applies the removals in one transaction, exactly once (the review row is locked
and its status checked). Nothing is removed because nobody answered: an overdue review goes
to the secretariat instead.
"""

from collections import defaultdict

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from core.services import already_done, move_status, policy_check, save_with_history
from core.wareki import wareki
from facilities.models import Program

from . import emails
from .models import (
    OPEN_STATUSES,
    REVIEW_TRANSITIONS,
    CampaignScope,
    Decision,
    EndReason,
    Group,
    GroupReview,
    MemberDecision,
    Membership,
    ReviewCampaign,
    ReviewStatus,
)
from .queries import member_rows, review_facts
from .services import membership_end

BATCH = 2000


def campaign_groups(*, program, scope, by=None, facility=None, today=None):
    """The active groups a campaign of this scope covers, leaving out those already under review."""
    today = today or timezone.localdate()
    groups = Group.objects.filter(program=program).active().reviewable()
    if scope == CampaignScope.DUE:
        groups = groups.review_due(today=today, interval_days=program.review_interval_days)
    elif scope == CampaignScope.FACILITY:
        groups = groups.filter(origin_facility=facility)
    elif scope == CampaignScope.LED:
        groups = groups.filter(leader__user=by)
    return groups.exclude(reviews__status__in=[ReviewStatus.OPEN, ReviewStatus.ESCALATED])


@transaction.atomic
def campaign_start(*, program, by, due_on, scope, title="", facility=None):
    """Start a round over a set of groups: one worksheet per group, for its leader.

    Bulk inserts (with their history rows), so 10,000 groups take seconds. Groups already
    under review elsewhere are left out; returns (campaign, how many groups it covers).
    """
    # One campaign start at a time per program, so two rounds cannot claim the same group.
    Program.objects.select_for_update().filter(pk=program.pk).first()
    today = timezone.localdate()
    if due_on < today:
        raise ValidationError({"due_on": "期限は今日以降の日付にしてください。"})
    if scope == CampaignScope.FACILITY and facility is None:
        raise ValidationError({"facility": "事業所を選んでください。"})
    targets = list(
        campaign_groups(program=program, scope=scope, by=by, facility=facility, today=today)
        .values_list("pk", "leader_id", "leader__user__email", "leader__user__is_active")
    )
    if not targets:
        raise ValidationError("対象になるグループがありません（精査中のグループは除きます）。")
    campaign = ReviewCampaign(
        program=program, title=title.strip() or f"{wareki(today)}開始の定期精査", scope=scope,
        scope_facility=facility if scope == CampaignScope.FACILITY else None, due_on=due_on, started_by=by,
        started_on=today,
    )
    save_with_history(campaign, by)
    reviews = [GroupReview(campaign=campaign, group_id=pk, reviewer_id=leader)
               for pk, leader, _, _ in targets]
    try:
        with transaction.atomic():
            bulk_create_with_history(reviews, GroupReview, batch_size=BATCH, default_user=by)
    except IntegrityError as exc:
        raise ValidationError("別の定期精査が同時に始まりました。もう一度開始してください。") from exc
    emails.review_started(campaign, [email for _, _, email, active in targets if email and active])
    return campaign, len(reviews)


def _locked_review(review):
    return (
        GroupReview.objects.select_for_update(of=("self",))
        .select_related("group__program", "group__patient", "group__leader", "campaign", "completed_by")
        .get(pk=review.pk)
    )


def _require_unfinished(review):
    if review.status == ReviewStatus.COMPLETED:
        raise already_done("この精査", review.completed_at, review.completed_by,
                           "完了しています。解除はそのときに反映済みです")


@transaction.atomic
def decisions_save(*, review, by, decisions, note=None):
    """Save the reviewer's answers so far: {membership pk: (decision, reason)}. Answers may change
    until the review is completed; members not in `decisions` keep what they had."""
    review = _locked_review(review)
    _require_unfinished(review)
    # The open members, and anyone this review already decided on (who may have left since).
    members = Membership.objects.filter(group=review.group_id, pk__in=list(decisions)).filter(
        Q(status__in=OPEN_STATUSES) | Q(decisions__review=review)
    )
    known = {m.pk: m for m in members.distinct()}
    unknown = set(decisions) - set(known)
    if unknown:
        raise ValidationError("このグループのメンバーではない人が含まれています。")
    existing = {d.membership_id: d for d in review.decisions.filter(membership_id__in=list(known))}
    now = timezone.now()
    for pk, (decision, reason) in decisions.items():
        if not decision:
            continue
        reason = (reason or "").strip()
        if decision != Decision.KEEP and not reason:
            label = Decision(decision).label
            raise ValidationError(f"{known[pk].display_name}さん: 「{label}」の理由を書いてください。")
        row = existing.get(pk) or MemberDecision(review=review, membership=known[pk])
        if row.pk and (row.decision, row.reason) == (decision, reason):
            continue
        row.decision, row.reason, row.decided_by, row.decided_at = decision, reason, by, now
        save_with_history(row, by, validate_constraints=False)
    if note is not None:
        review.note = note.strip()
        save_with_history(review, by)
    return review


@transaction.atomic
def review_complete(*, review, by):
    """Close the worksheet: every open member needs an answer; the engine checks the group as it will
    be (nobody who left kept, the 医師会管理者 still there); removals are applied now, each one a
    task in MCS. A second completion, at the same moment or later, changes nothing and says so."""
    review = _locked_review(review)
    _require_unfinished(review)
    group = review.group
    today = timezone.localdate()
    # Lock the open memberships too, so a removal elsewhere cannot interleave with ours.
    seats = Membership.objects.select_for_update().filter(group=group, status__in=OPEN_STATUSES)
    list(seats.values_list("pk"))
    rows = member_rows(group, today=today, review=review)
    missing = [row.membership.display_name for row in rows
               if row.decision is None and row.membership.status in OPEN_STATUSES]
    if missing:
        raise ValidationError(f"まだ判断していないメンバーがいます: {'、'.join(missing)}。全員について判断してください。")
    facts = review_facts(group, rows, today=today, at_completion=True)
    findings = policy_check(group.program, "review_group", facts)
    now, removed = timezone.now(), 0
    for row in rows:
        decision = row.decision
        if decision.decision != Decision.REMOVE or decision.applied_at is not None:
            continue
        if row.membership.status in OPEN_STATUSES:
            membership_end(membership=row.membership, by=by, reason=EndReason.REVIEW, ended_on=today,
                           note=decision.reason)
            removed += 1
        decision.applied_at = now
        save_with_history(decision, by, validate_constraints=False)
    move_status(review, ReviewStatus.COMPLETED, REVIEW_TRANSITIONS, "精査")
    review.completed_at, review.completed_by = now, by
    review.removed_count, review.findings = removed, findings
    save_with_history(review, by)
    group.last_reviewed_on = today
    save_with_history(group, by)
    return review


@transaction.atomic
def follow_up_settle(*, decision, by, settled_as, reason):
    """Settle a 要確認: keep the member, or remove them now (a task in MCS), with a reason. Once only."""
    decision = MemberDecision.objects.select_for_update().select_related("membership__group", "review").get(
        pk=decision.pk
    )
    if decision.settled_at is not None:
        raise already_done("この要確認", decision.settled_at, decision.settled_by,
                           f"「{decision.get_settled_as_display()}」で確認済みです")
    if decision.decision != Decision.UNSURE or decision.review.status != ReviewStatus.COMPLETED:
        raise ValidationError("完了した精査の「要確認」だけを確認できます。")
    if settled_as not in (Decision.KEEP, Decision.REMOVE):
        raise ValidationError({"settled_as": "継続か解除を選んでください。"})
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": "理由を入力してください。"})
    now = timezone.now()
    decision.settled_as, decision.settled_reason, decision.settled_by, decision.settled_at = settled_as, reason, by, now
    if settled_as == Decision.REMOVE and decision.membership.is_open:
        membership_end(membership=decision.membership, by=by, reason=EndReason.REVIEW,
                       ended_on=timezone.localdate(), note=reason)
        decision.applied_at = now
    return save_with_history(decision, by, validate_constraints=False)


@transaction.atomic
def reviews_escalate(*, today=None):
    """Overdue worksheets go to the secretariat (escalated), never to automatic removal.

    Idempotent: only reviews still open and past their campaign's due date move. Returns how many.
    """
    today = today or timezone.localdate()
    overdue = list(
        GroupReview.objects.overdue(today=today).select_for_update(of=("self",))
        .select_related("campaign__program").order_by("pk")
    )
    if not overdue:
        return 0
    now = timezone.now()
    for review in overdue:
        review.status, review.escalated_at = ReviewStatus.ESCALATED, now
    bulk_update_with_history(overdue, GroupReview, ["status", "escalated_at"], batch_size=BATCH)
    per_program = defaultdict(int)
    for review in overdue:
        per_program[review.campaign.program] += 1
    emails.reviews_escalated(per_program)
    return len(overdue)
