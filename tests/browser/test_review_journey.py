"""Journey 4: a periodic review (定期精査) of a patient group. The round is started, the group's
leader works the worksheet (継続, 解除 or 要確認 for every member, with reasons), completes it
(the removals are applied and become MCS tasks), and the 定期精査報告書 is printed.

A group like the one journey 3 set up, since when the care manager's office has stopped using
MCS (利用停止) and nobody is sure whether the physiotherapist still visits.
"""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from core.wareki import wareki
from facilities.models import Facility, FacilityStatus, JobType
from groups import services as group_services
from groups.models import EndReason, GroupKind, McsTask, Membership, MembershipStatus, ReviewStatus, TaskKind
from tests.browser.helpers import link_in, mail_to, said, sign_in
from tests.browser.network import care_network, download, pdf_text, staff
from tests.consent.factories import ConsentRecordFactory, PatientFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

GROUP = "山本 和子さんのグループ"
THERAPIST = "小林 翔"
LEFT = "事業所がMCSの利用をやめたため"
UNSURE = "訪問リハビリが終わったか、ステーションに確認中"


def group_under_care(net):
    """山本 和子's group, led by the coordinator, with the people who cared for her when it began."""
    if net.association_admin is not None:
        group_services.association_admin_designate(program=net.program, by=net.secretary, staff=net.association_admin)
    leads = "group_leader" in net.policy.group_manager_roles
    patient = PatientFactory(
        origin_facility=net.clinic, full_name="山本 和子", full_name_kana="ヤマモト カズコ", primary_doctor=net.doctor,
        group_leader=net.leader if leads else None,
    )
    ConsentRecordFactory(patient=patient, obtained_by=net.coordinator, by_group_leader=leads)
    group = group_services.group_create(
        program=net.program, by=net.coordinator, kind=GroupKind.PATIENT, patient=patient, leader=net.leader,
    )
    therapist = staff(net.nursing, THERAPIST, "コバヤシ ショウ", JobType.PT)
    for person in (net.nurse, net.care_manager, therapist):
        group_services.member_add(group=group, by=net.coordinator, staff=person)
    for seat in group.memberships.filter(status=MembershipStatus.INVITED):  # everyone accepted in MCS
        group_services.member_respond(membership=seat, by=net.coordinator, accepted=True)
    # No portal page suspends a facility yet (the admin site does), so the journey starts after it.
    Facility.objects.filter(pk=net.care_office.pk).update(status=FacilityStatus.SUSPENDED)
    return group


def start_campaign(page, *, scope, due_on):
    page.get_by_role("link", name="定期精査を始める").click()
    page.get_by_label("名称").fill("上期の定期精査")
    page.get_by_label(scope, exact=True).check()
    page.get_by_label("期限").fill(due_on.isoformat())
    page.steps.shot("start-campaign")
    page.get_by_role("button", name="始める").click()
    expect(said(page, "定期精査を始めました。1グループのリーダーに精査を依頼しました。")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text("上期の定期精査")
    page.steps.shot("campaign")


def decide(page, name, decision, reason=""):
    page.get_by_label(f"{name}さんの判断", exact=True).select_option(label=decision)
    page.get_by_label(f"{name}さんの判断の理由").fill(reason)


def save_decisions(page):
    page.get_by_role("button", name="判断を保存する").click()
    expect(said(page, "判断を保存しました")).to_be_visible()


def work_worksheet(page, net):
    """Every member gets an answer; the worksheet already says who cannot stay."""
    page.get_by_role("link", name=GROUP).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"精査表: {GROUP}")
    expect(page.get_by_text("担当を外れた人や利用をやめた人が1人残っています")).to_be_visible()
    expect(page.get_by_role("row", name=re.compile("^佐々木 由美"))).to_contain_text("所属事業所が利用停止です")
    page.steps.shot("worksheet")
    for name in ("連携 花子", "高橋 美咲"):
        decide(page, name, "継続")
    decide(page, "佐々木 由美", "解除", LEFT)
    decide(page, THERAPIST, "要確認", UNSURE)
    page.get_by_label("所見（グループ全体について）").fill("訪問リハビリの継続は次回のカンファレンスで確かめる。")
    admin = net.association_admin
    if admin is not None:
        # The leader thinks the 医師会's member has no part in her care; the policy keeps them in.
        decide(page, admin.full_name, "解除", "患者の診療に関わっていないため")
        save_decisions(page)
        page.get_by_role("button", name="精査を完了する").click()
        label = net.policy.association_admin_label
        expect(said(page, f"メンバーに{label}がいません。{label}をメンバーに戻して")).to_be_visible()
        page.steps.shot("association-admin-kept")
        decide(page, admin.full_name, "継続")
    save_decisions(page)
    page.steps.shot("decided")
    page.get_by_role("button", name="精査を完了する").click()
    expect(said(page, "精査を完了しました。1人を外しました。MCSでもグループから外してください。")).to_be_visible()
    expect(page.get_by_role("row", name=re.compile("^状態"))).to_contain_text(ReviewStatus.COMPLETED.label)
    expect(page.get_by_role("button", name="精査を完了する")).to_have_count(0)
    page.steps.shot("completed")


def group_after_review(page):
    """On the group's page: she is out, with the reason, and taking her out of MCS is a task."""
    page.get_by_role("link", name=GROUP, exact=True).click()
    removed = page.get_by_role("row", name=re.compile(r"^佐々木 由美 解除"))
    expect(removed).to_contain_text(f"{EndReason.REVIEW.label}（{LEFT}）")
    task = page.get_by_role("row").filter(has_text=re.compile(rf"MCSで佐々木 由美さんを「{GROUP}」（グループ番号\d+）から外す"))
    expect(task).to_contain_text("MCSで対応済み")
    expect(page.get_by_role("row", name=re.compile("^最後の定期精査"))).to_contain_text(wareki(timezone.localdate()))
    page.steps.shot("group-after-review")


def report_reads(page, link_name):
    content, filename = download(page, link_name)
    assert filename.startswith("定期精査報告書_精査") and filename.endswith(".pdf")
    text = pdf_text(content)
    for expected in ("定期精査報告書", "上期の定期精査", "連携 花子", LEFT, UNSURE, "反映済"):
        assert expected.replace(" ", "") in text, f"{expected!r} not in the report"


# chuo: the group's 連携リーダー starts a round over the groups they lead, and reads its report;
# matsubara: the secretariat starts it over every group, mails the leader, reads the report, and
# its 医師会管理者 may not be taken out of a patient group by the review.
@pytest.mark.parametrize(("variant", "starter"), [("chuo", "leader"), ("matsubara", "secretariat")])
def test_a_review_is_started_worked_by_the_leader_and_reported(journey, variant, starter):
    net = care_network(variant)
    group = group_under_care(net)
    due_on = timezone.localdate() + datetime.timedelta(days=14)
    leader = journey.open("leader")

    if starter == "secretariat":
        secretariat = journey.open("secretariat")
        sign_in(secretariat, net.secretary)
        secretariat.get_by_role("link", name=re.compile("^次の定期精査の目安")).click()
        start_campaign(secretariat, scope="利用中のすべてのグループ", due_on=due_on)
        expect(secretariat.get_by_role("row").filter(has_text=GROUP)).to_contain_text("連携 花子")
        leader.goto(link_in(mail_to(net.coordinator.email, "定期精査のお願い"), "/reviews/"))
        sign_in(leader, net.coordinator)
    else:
        sign_in(leader, net.coordinator)
        menu = leader.get_by_role("navigation", name="メニュー")
        menu.get_by_role("link", name=f"患者グループ（{net.program.name}）").click()
        leader.get_by_role("link", name="定期精査").click()
        start_campaign(leader, scope="自分がリーダーのグループ", due_on=due_on)

    work_worksheet(leader, net)
    group_after_review(leader)

    if starter == "secretariat":
        secretariat.reload()
        expect(secretariat.get_by_role("row", name=re.compile("^進み具合"))).to_contain_text("完了 1")
        secretariat.steps.shot("campaign-done")
        report_reads(secretariat, "定期精査報告書（PDF）")  # the whole round
    else:
        leader.get_by_role("link", name="上期の定期精査").click()  # back to the worksheet, from the group's reviews
        report_reads(leader, "定期精査報告書（このグループ、PDF）")

    review = group.reviews.get()
    assert (review.status, review.removed_count) == (ReviewStatus.COMPLETED, 1)
    removed = Membership.objects.get(group=group, staff=net.care_manager)
    assert (removed.status, removed.end_reason, removed.end_note) == (MembershipStatus.REMOVED, EndReason.REVIEW, LEFT)
    assert McsTask.objects.open().filter(group=group, kind=TaskKind.REMOVE, membership=removed).exists()
    still = set(group.memberships.open().values_list("staff__full_name", flat=True))
    assert "佐々木 由美" not in still and {THERAPIST, "高橋 美咲", "連携 花子"} <= still
