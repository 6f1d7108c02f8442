"""Periodic reviews: a campaign over many groups is started, worked, completed and reported; the removals
it decides are applied exactly once, and nobody is removed for want of an answer."""

import csv
import datetime
import io
import re

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from core.csv import csv_lines
from core.services import PolicyBlocked
from facilities.models import FacilityStatus
from groups import reviews
from groups.models import (
    CampaignScope,
    Decision,
    EndReason,
    Group,
    GroupReview,
    McsTask,
    MemberDecision,
    MembershipStatus,
    ReviewStatus,
    TaskKind,
)
from groups.pdfs import review_report_pdf
from groups.queries import worksheet
from groups.reports import CSV_HEADER, report_rows
from policy.rules import VARIANTS, profile
from tests.groups.factories import GroupFactory
from tests.groups.helpers import TODAY, person
from tests.helpers import csv_rows

pytestmark = pytest.mark.django_db
DUE = TODAY + datetime.timedelta(days=14)


def _report_csv(**which):
    return "".join(csv_lines(CSV_HEADER, report_rows(**which)))


def start(site, scope=CampaignScope.ALL, **kwargs):
    return reviews.campaign_start(
        program=site.program, by=site.secretariat, due_on=DUE, scope=scope, **kwargs
    )


def decide(review, by, **answers):
    """answers: {membership pk as "m<pk>": (decision, reason)}"""
    reviews.decisions_save(review=review, by=by, decisions={int(k[1:]): v for k, v in answers.items()})


def keep_all(review, by, **overrides):
    answers = {f"m{m.pk}": (Decision.KEEP, "") for m in review.group.memberships.open()}
    answers.update(overrides)
    decide(review, by, **answers)


def pdf_text(content):
    return re.sub(r"\s+", "", "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages))


def test_a_review_over_many_groups_is_started_worked_completed_and_reported(
    site, django_capture_on_commit_callbacks
):
    groups = [site.group(patient=site.patient_like()) if n else site.group() for n in range(3)]
    groups += [GroupFactory(origin_facility=site.clinic, leader=site.leader) for _ in range(12)]
    nurse_seats = [site.invite(group) for group in groups[:3]]
    with django_capture_on_commit_callbacks(execute=True):
        campaign, count = start(site, title="令和の定期精査")
    assert count == 15 and campaign.reviews.count() == 15
    assert set(campaign.reviews.values_list("reviewer", flat=True)) == {site.leader.pk}
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [site.coordinator.email]  # one mail per reviewer
    assert "15件" in mail.outbox[0].body

    review = campaign.reviews.get(group=groups[0])
    keep_all(review, site.coordinator, **{f"m{nurse_seats[0].pk}": (Decision.REMOVE, "訪問看護が終了")})
    done = reviews.review_complete(review=review, by=site.coordinator)
    assert (done.status, done.removed_count, done.completed_by) == (
        ReviewStatus.COMPLETED, 1, site.coordinator)
    nurse_seats[0].refresh_from_db()
    assert (nurse_seats[0].status, nurse_seats[0].end_reason, nurse_seats[0].end_note) == (
        MembershipStatus.REMOVED, EndReason.REVIEW, "訪問看護が終了")
    assert McsTask.objects.filter(membership=nurse_seats[0], kind=TaskKind.REMOVE).count() == 1
    assert Group.objects.get(pk=groups[0].pk).last_reviewed_on == TODAY

    second = campaign.reviews.get(group=groups[1])
    keep_all(second, site.coordinator, **{f"m{nurse_seats[1].pk}": (Decision.UNSURE, "主治医に確認中")})
    reviews.review_complete(review=second, by=site.coordinator)
    nurse_seats[1].refresh_from_db()
    assert nurse_seats[1].status == MembershipStatus.ACCEPTED  # 要確認 keeps them

    text = pdf_text(review_report_pdf(campaign=campaign))
    assert "定期精査報告書" in text and "令和" in text and site.program.policy.policy_title in text
    assert "訪問看護が終了" in text and "主治医に確認中" in text and site.nurse.full_name.replace(" ", "") in text
    assert site.patient.full_name.replace(" ", "") not in text  # evidence names groups by number
    one = pdf_text(review_report_pdf(review=review))
    assert "訪問看護が終了" in one and site.leader.full_name.replace(" ", "") in one and "反映済" in one

    rows = list(csv.reader(io.StringIO(_report_csv(campaign=campaign).lstrip("\ufeff"))))
    assert _report_csv(campaign=campaign).startswith("\ufeff")
    assert rows[0][0] == "定期精査" and len(rows) > 15
    removed = [r for r in rows if r[10] == "解除"]
    assert removed == [[campaign.title, groups[0].code, site.clinic.name, site.leader.full_name, "完了",
                        removed[0][5], removed[0][6], site.nurse.full_name, site.nursing.name, "看護師", "解除",
                        "訪問看護が終了", site.coordinator.full_name, removed[0][13], removed[0][14], "済"]]
    assert removed[0][5].startswith("令和") and removed[0][6].startswith("20")  # 和暦 and a sortable date
    assert any(r[10] == "未回答" for r in rows)  # unfinished reviews list their members as not answered
    one_csv = list(csv.reader(io.StringIO(_report_csv(review=review).lstrip("\ufeff"))))
    assert len(one_csv) == 1 + review.group.memberships.count() and one_csv[1][1] == groups[0].code


def test_the_removals_are_applied_exactly_once(site):
    group = site.group()
    seat = site.invite(group)
    campaign, _ = start(site)
    review = campaign.reviews.get()
    keep_all(review, site.coordinator, **{f"m{seat.pk}": (Decision.REMOVE, "担当外れ")})
    reviews.review_complete(review=review, by=site.coordinator)
    with pytest.raises(ValidationError, match="完了しています"):
        reviews.review_complete(review=review, by=site.secretariat)
    with pytest.raises(ValidationError, match="完了しています"):
        decide(review, site.coordinator, **{f"m{seat.pk}": (Decision.KEEP, "")})
    assert McsTask.objects.filter(membership=seat, kind=TaskKind.REMOVE).count() == 1
    assert MemberDecision.objects.get(membership=seat).applied_at is not None


def test_a_review_is_completed_only_when_everyone_has_an_answer(site):
    group = site.group()
    seat = site.invite(group)
    campaign, _ = start(site)
    review = campaign.reviews.get()
    decide(review, site.coordinator, **{f"m{seat.pk}": (Decision.REMOVE, "担当外れ")})
    with pytest.raises(ValidationError, match="まだ判断していないメンバー"):
        reviews.review_complete(review=review, by=site.coordinator)
    seat.refresh_from_db()
    assert seat.status == MembershipStatus.ACCEPTED  # nothing applied


def test_removals_and_doubts_need_a_reason(site):
    group = site.group()
    seat = site.invite(group)
    review = start(site)[0].reviews.get()
    for decision in (Decision.REMOVE, Decision.UNSURE):
        with pytest.raises(ValidationError, match="理由"):
            decide(review, site.coordinator, **{f"m{seat.pk}": (decision, " ")})


def test_answers_may_change_until_completion_and_keep_their_history(site):
    group = site.group()
    seat = site.invite(group)
    review = start(site)[0].reviews.get()
    decide(review, site.coordinator, **{f"m{seat.pk}": (Decision.UNSURE, "確認中")})
    decide(review, site.coordinator, **{f"m{seat.pk}": (Decision.KEEP, "")})
    answer = MemberDecision.objects.get(membership=seat)
    assert answer.decision == Decision.KEEP and answer.history.count() == 2


def test_someone_whose_facility_left_cannot_be_kept(site):
    group = site.group()
    seat = site.invite(group)
    type(site.nursing).objects.filter(pk=site.nursing.pk).update(status=FacilityStatus.WITHDRAWN)
    review = start(site)[0].reviews.get()
    sheet = worksheet(review)
    row = next(r for r in sheet.rows if r.membership.pk == seat.pk)
    assert row.inactive and any("退会" in flag for flag in row.flags)
    assert "AUD-INACTIVE" in [v.rule for v in sheet.violations]
    keep_all(review, site.coordinator)
    with pytest.raises(PolicyBlocked) as caught:
        reviews.review_complete(review=review, by=site.coordinator)
    assert [v.rule for v in caught.value.violations] == ["AUD-INACTIVE"]
    decide(review, site.coordinator, **{f"m{seat.pk}": (Decision.REMOVE, "事業所が退会")})
    assert reviews.review_complete(review=review, by=site.coordinator).removed_count == 1


@pytest.mark.parametrize("variant", [v for v in VARIANTS if profile(v).association_admin_in_group])
def test_a_review_cannot_drop_the_association_admin(site_for, variant):
    site = site_for(variant)
    group = site.group()
    review = start(site)[0].reviews.get()
    seat = group.memberships.get(is_association_admin=True)
    keep_all(review, site.coordinator, **{f"m{seat.pk}": (Decision.REMOVE, "不要")})
    with pytest.raises(PolicyBlocked) as caught:
        reviews.review_complete(review=review, by=site.coordinator)
    assert [v.rule for v in caught.value.violations] == ["AUD-ASSOC-ADMIN"]


def test_a_deceased_patients_group_is_flagged_for_archiving_on_completion(site):
    group = site.group()
    type(site.patient).objects.filter(pk=site.patient.pk).update(status="deceased", status_on=TODAY)
    review = start(site)[0].reviews.get()
    keep_all(review, site.coordinator)
    done = reviews.review_complete(review=review, by=site.coordinator)
    flagged = "AUD-ARCHIVE" in [f["rule"] for f in done.findings]
    assert flagged == ("deceased" in site.policy.archive_statuses)
    assert any("患者が「死亡」" in flag for flag in worksheet(done).group_flags)
    assert group.pk == done.group_id


def test_the_worksheet_knows_pledges_training_idleness_and_the_due_date(site):
    group = site.group()
    idle = site.invite(group, person(site.nursing), accepted=False)
    type(idle).objects.filter(pk=idle.pk).update(invited_on=TODAY - datetime.timedelta(days=45))
    type(group).objects.filter(pk=group.pk).update(created_on=TODAY - datetime.timedelta(days=400))
    idle.staff.pledges.all().delete()
    idle.staff.attendances.all().delete()
    review = start(site)[0].reviews.get()
    flags = next(r.flags for r in worksheet(review).rows if r.membership.pk == idle.pk)
    assert "招待から45日、参加の返事がありません" in flags
    assert ("誓約書がありません" in flags) == site.policy.staff_pledge_required
    assert ("利用開始前の研修を受けていません" in flags) == site.policy.training_required_before_use
    due = "AUD-DUE" in [v.rule for v in worksheet(review).violations]
    assert due == site.policy.periodic_review


def test_a_group_is_in_one_unfinished_review_at_a_time(site):
    site.group()
    start(site)
    with pytest.raises(ValidationError, match="対象になるグループがありません"):
        start(site)


def test_scopes_pick_their_groups(site):
    old = site.group()
    type(old).objects.filter(pk=old.pk).update(created_on=TODAY - datetime.timedelta(days=200))
    GroupFactory(origin_facility=site.nursing)
    recent = GroupFactory(origin_facility=site.clinic, leader=site.leader)
    campaign, count = start(site, CampaignScope.DUE)
    assert list(campaign.reviews.values_list("group", flat=True)) == [old.pk]
    campaign, count = start(site, CampaignScope.FACILITY, facility=site.nursing)
    assert count == 1
    campaign, count = reviews.campaign_start(program=site.program, by=site.coordinator, due_on=DUE,
                                             scope=CampaignScope.LED)
    assert list(campaign.reviews.values_list("group", flat=True)) == [recent.pk]


def test_starting_costs_the_same_queries_for_ten_or_forty_groups(site, django_assert_max_num_queries):
    # Forty keeps SQLite's bulk inserts in one statement; tests/groups/test_concurrency.py times 10,000
    # groups on PostgreSQL.
    for _ in range(10):
        GroupFactory(origin_facility=site.clinic, leader=site.leader)
    with django_assert_max_num_queries(20) as few:
        start(site)
    GroupReview.objects.update(status=ReviewStatus.COMPLETED, completed_at=timezone.now())
    for _ in range(30):
        GroupFactory(origin_facility=site.clinic, leader=site.leader)
    with django_assert_max_num_queries(len(few.captured_queries)):
        _, count = start(site)
    assert count == 40


def test_overdue_reviews_go_to_the_secretariat_and_nobody_is_removed(site, django_capture_on_commit_callbacks):
    type(site.program).objects.filter(pk=site.program.pk).update(secretariat_email="office@example.jp")
    group = site.group()
    seat = site.invite(group)
    campaign, _ = start(site)
    type(campaign).objects.filter(pk=campaign.pk).update(due_on=TODAY - datetime.timedelta(days=1),
                                                         started_on=TODAY - datetime.timedelta(days=30))
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("escalate_reviews", stdout=out)
    assert "Escalated 1" in out.getvalue()
    review = campaign.reviews.get()
    assert review.status == ReviewStatus.ESCALATED and review.escalated_at is not None
    assert [m.to for m in mail.outbox] == [["office@example.jp"]]
    assert "1件" in mail.outbox[0].subject
    seat.refresh_from_db()
    assert seat.status == MembershipStatus.ACCEPTED
    out = io.StringIO()
    call_command("escalate_reviews", stdout=out)  # idempotent
    assert "Escalated 0" in out.getvalue()
    # The secretariat (or the reviewer, late) can still finish it.
    keep_all(review, site.secretariat)
    assert reviews.review_complete(review=review, by=site.secretariat).status == ReviewStatus.COMPLETED



def test_the_worksheet_verdict_follows_the_decisions_saved_so_far(site):
    """Marking the inactive member for removal clears "このままでは完了できません" on the page,
    as it clears the block at completion; keeping them brings it back."""
    group = site.group()
    seat = site.invite(group)
    type(site.nursing).objects.filter(pk=site.nursing.pk).update(status=FacilityStatus.WITHDRAWN)
    review = start(site)[0].reviews.get()
    assert "AUD-INACTIVE" in [v.rule for v in worksheet(review).violations]
    decide(review, site.coordinator, **{f"m{seat.pk}": (Decision.REMOVE, "事業所が退会")})
    assert "AUD-INACTIVE" not in [v.rule for v in worksheet(review).violations]
    decide(review, site.coordinator, **{f"m{seat.pk}": (Decision.KEEP, "")})
    assert "AUD-INACTIVE" in [v.rule for v in worksheet(review).violations]


def test_the_report_csv_never_lets_a_formula_through(site, client):
    """A reason typed as a formula opens as text in Excel/LibreOffice, not as a live formula."""
    group = site.group()
    seat = site.invite(group)
    campaign, _ = start(site)
    review = campaign.reviews.get(group=group)
    keep_all(review, site.coordinator, **{f"m{seat.pk}": (Decision.UNSURE, '=HYPERLINK("http://x.example","確認")')})
    client.force_login(site.secretariat)
    rows = csv_rows(client.get(reverse("groups:campaign-report-csv", args=[campaign.pk])))
    reasons = [r[11] for r in rows[1:] if r[11]]
    assert reasons == ["'=HYPERLINK(\"http://x.example\",\"確認\")"]
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)


def test_review_mails_are_plain_text_not_html_escaped(site, django_capture_on_commit_callbacks):
    site.group()
    with django_capture_on_commit_callbacks(execute=True):
        start(site, title="訪問診療&訪問看護 <定期>")
    assert mail.outbox and "訪問診療&訪問看護 <定期>" in mail.outbox[0].body
    assert "&amp;" not in mail.outbox[0].body and "&lt;" not in mail.outbox[0].body
