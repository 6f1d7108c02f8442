"""The evidence of a periodic review (定期精査報告書): rows shared by the PDF and the CSV.

Printed evidence names groups and patients by number (Group.code), not by the patient's
name: the committee and the auditors need to see that the check was done and why people
were kept or removed, not who the patient is. Staff are named: they are what is checked.
"""

from collections import Counter
from dataclasses import dataclass

from core.csv import DateColumn
from core.wareki import wareki

from .models import OPEN_STATUSES, GroupReview, MemberDecision, Membership, ReviewStatus

UNANSWERED = "未回答"
CSV_HEADER = (
    "定期精査", "グループ", "連携元事業所", "精査した人", "精査の状態", DateColumn("完了日"), "メンバー", "所属事業所",
    "職種", "判断", "理由", "判断した人", DateColumn("判断日"), "解除の反映",
)


@dataclass
class DecisionLine:
    member: str
    facility: str
    job: str
    decision: str
    reason: str
    decided_by: str
    decided_on: str
    applied: bool
    decided_at: object = None


def _date(moment):
    return wareki(moment) if moment else ""


def _line(membership, decision):
    staff = membership.staff
    return DecisionLine(
        member=membership.display_name,
        facility=staff.facility.name if staff else membership.get_member_kind_display(),
        job=staff.get_job_display() if staff else membership.relationship,
        decision=decision.get_decision_display() if decision else UNANSWERED,
        reason=decision.reason if decision else "",
        decided_by=decision.decided_by.full_name if decision else "",
        decided_on=_date(decision.decided_at) if decision else "",
        applied=bool(decision and decision.applied_at),
        decided_at=decision.decided_at if decision else None,
    )


def _reviews(campaign=None, review=None):
    reviews = GroupReview.objects.select_related(
        "campaign", "group__origin_facility", "group__program", "reviewer__facility", "completed_by"
    ).order_by("group__origin_facility__number", "group_id")
    return reviews.filter(pk=review.pk) if review is not None else reviews.filter(campaign=campaign)


def report_lines(*, campaign=None, review=None):
    """[(review, [DecisionLine])]: every decision, and for unfinished reviews every member not yet
    answered. Three queries whatever the size of the campaign."""
    reviews = list(_reviews(campaign, review))
    ids = [r.pk for r in reviews]
    decisions = (
        MemberDecision.objects.filter(review_id__in=ids)
        .select_related("membership__staff__facility", "decided_by").order_by("membership_id")
    )
    by_review = {r.pk: [] for r in reviews}
    decided = set()
    for decision in decisions:
        by_review[decision.review_id].append(_line(decision.membership, decision))
        decided.add((decision.review_id, decision.membership_id))
    unfinished = {r.group_id: r.pk for r in reviews if r.status != ReviewStatus.COMPLETED}
    if unfinished:
        open_members = (
            Membership.objects.filter(group_id__in=list(unfinished), status__in=OPEN_STATUSES)
            .select_related("staff__facility").order_by("pk")
        )
        for membership in open_members:
            review_pk = unfinished[membership.group_id]
            if (review_pk, membership.pk) not in decided:
                by_review[review_pk].append(_line(membership, None))
    return [(r, by_review[r.pk]) for r in reviews]


def summary(lines):
    """Counts for the report's first page: reviews by status, decisions by kind."""
    statuses = Counter(review.get_status_display() for review, _ in lines)
    decisions = Counter(line.decision for _, rows in lines for line in rows)
    return {"statuses": dict(statuses), "decisions": dict(decisions), "groups": len(lines)}


def report_rows(*, campaign=None, review=None):
    """The CSV's rows (under CSV_HEADER): one per decision, or one per review without any."""
    for item, rows in report_lines(campaign=campaign, review=review):
        head = [
            item.campaign.title, item.group.code, item.group.origin_facility.name, item.reviewer.full_name,
            item.get_status_display(), item.completed_at,
        ]
        if not rows:
            yield [*head, "", "", "", "", "", "", "", ""]
        for line in rows:
            yield [
                *head, line.member, line.facility, line.job, line.decision, line.reason, line.decided_by,
                line.decided_at, "済" if line.applied else "",
            ]

