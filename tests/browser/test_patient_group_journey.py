"""Journey 3: a coordinator registers a patient, prints the consent form with the patient's name
on it, records the consent once it is signed, registers the patient's group and invites the
people who care for the patient, found by name among the staff of approved facilities.
"""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from consent.models import AccessAction, AccessLog, CareTeam, ConsentRecord, Patient
from core.wareki import wareki
from facilities.models import RoleKind
from groups.models import Group, MembershipStatus
from tests.browser.helpers import field, said, sign_in, with_app
from tests.browser.network import care_network, download, pdf_text
from tests.factories import RoleFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PATIENT = "山本 和子"
BIRTH = datetime.date(1938, 5, 20)
LEADER_LABEL = "リーダー（MCSでグループを管理し、定期精査をする人）"


def register_patient(page, net):
    page.get_by_role("navigation", name="メニュー").get_by_role("link", name="患者", exact=True).click()
    page.get_by_role("link", name="患者を登録する").click()
    field(page, "氏名").fill(PATIENT)
    field(page, "カナ").fill("やまもと かずこ")  # hiragana as typed; the portal keeps katakana
    field(page, "生年月日").fill(BIRTH.isoformat())
    page.get_by_label("女", exact=True).check()
    field(page, "郵便番号").fill("５８０００４３")
    field(page, "住所").fill("大阪府松原市阿保３丁目５－１")
    field(page, "電話").fill("０７２－３３４－５６７８")
    field(page, "連携元事業所").select_option(label=net.clinic.name)
    field(page, "主治医").select_option(label=f"青木 誠（{net.clinic.name}）")
    leader = field(page, "患者グループ連携リーダー")
    if "group_leader" in net.policy.consent_obtainer_roles:  # the leader obtains consent: named now
        leader.select_option(label=f"連携 花子（{net.clinic.name}）")  # herself
    else:
        expect(leader).to_have_count(0)
    page.get_by_label("訪問診療・往診を受けている").check()
    page.steps.shot("register-patient")
    page.get_by_role("button", name="登録する").click()
    expect(said(page, "患者を登録しました")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"{PATIENT}（ヤマモト カズコ）")
    page.steps.shot("patient")


def print_consent_form(page, net, patient):
    content, filename = download(page, "同意書を印刷（氏名・住所入り）")
    assert filename == f"同意書_患者{patient.pk}.pdf"  # ids, not the patient's name, in file names
    text = pdf_text(content)
    form = net.policy.form("consent")
    for expected in (form.number, form.title, PATIENT.replace(" ", ""), "大阪府松原市阿保3丁目5-1", wareki(BIRTH)):
        assert expected in text, f"{expected!r} not in the consent PDF"


def record_consent(page, net, signed_on):
    page.get_by_role("link", name="署名済みの同意を記録する").click()
    expect(page.get_by_text(f"同意を取得できるのは{net.policy.consent_obtainer_label}です。")).to_be_visible()
    prior = page.get_by_label("ポータル導入前に交わした同意を記録する")
    expect(prior).to_have_count(1 if net.policy.prior_consent_counts else 0)
    field(page, "同意日").fill(signed_on.isoformat())
    expect(page.get_by_label("患者本人が署名した")).to_be_checked()
    # She lives alone: nobody from the family signed with her.
    expect(field(page, "家族1 氏名")).to_have_value("")
    page.get_by_label("同意書の控え（写し）を患者・家族に渡した").check()
    expect(field(page, "原本の保管場所")).to_have_value(net.clinic.name)  # the obtainer's facility
    field(page, "原本の保管場所").fill(f"{net.clinic.name} 事務室の鍵付き書庫")
    page.steps.shot("record-consent")
    page.get_by_role("button", name="記録する").click()
    expect(said(page, "同意を記録しました")).to_be_visible()

    detail = page.get_by_role("row")
    expect(detail.filter(has_text=re.compile("^状態"))).to_contain_text("有効")
    expect(detail.filter(has_text=re.compile("^同意日"))).to_contain_text(wareki(signed_on))
    obtained = detail.filter(has_text=re.compile("^取得した人"))
    expect(obtained).to_contain_text(f"連携 花子（{net.clinic.name}）")
    role = "連携リーダー" if "group_leader" in net.policy.consent_obtainer_roles else "連携元事業所"
    expect(obtained).to_contain_text(role)
    expect(detail.filter(has_text=re.compile("^原本の保管場所"))).to_contain_text("鍵付き書庫")
    family_warning = said(page, "同意書に家族の記入がありません")
    if net.policy.consent_min_family_signers:  # the variant's form asks for a family member
        expect(family_warning).to_contain_text(net.policy.form("consent").number)
    else:
        expect(family_warning).to_have_count(0)
    page.steps.shot("consent-recorded")


def open_group_form(page, net):
    menu = page.get_by_role("navigation", name="メニュー")
    menu.get_by_role("link", name=f"患者グループ（{net.program.name}）").click()
    page.get_by_role("link", name="グループを登録する").click()
    expect(page.get_by_label("患者グループ", exact=True)).to_be_checked()
    field(page, "患者").select_option(label=f"{PATIENT}（{wareki(BIRTH)}生）")
    field(page, LEADER_LABEL).select_option(label=f"連携 花子（{net.clinic.name}・看護師）")
    page.steps.shot("group-form")


def designate_association_admin(secretariat, net):
    """The secretariat names its own member, whom the portal then adds to every patient group."""
    sign_in(secretariat, net.secretary)
    label = net.policy.association_admin_label
    secretariat.get_by_role("link", name=f"{label}が指定されていません").click()
    expect(secretariat.get_by_text("まだ指定されていません")).to_be_visible()
    admin = net.association_admin
    field(secretariat, label).select_option(label=f"{admin.full_name}（{admin.facility.name}・医師）")
    secretariat.get_by_role("button", name="指定する").click()
    expect(said(secretariat, f"{label}を指定しました")).to_be_visible()
    secretariat.steps.shot("association-admin")


def invite(page, search, name):
    """Search the network's staff by name as typed, and invite the one person found."""
    page.get_by_role("link", name="職員を招待する").click()
    page.get_by_label("氏名・カナ").fill(search)
    page.get_by_role("button", name="検索").click()
    rows = page.get_by_role("row").filter(has=page.get_by_role("button", name="招待する"))
    expect(rows).to_have_count(1)
    expect(rows).to_contain_text(name)
    page.steps.shot(f"search-{search}")
    rows.get_by_role("button", name="招待する").click()
    expect(said(page, f"{name}さんを招待しました")).to_be_visible()


def member(page, name):
    """The person's row in the group's member list (its first cell is their name)."""
    return page.get_by_role("row", name=re.compile(rf"^{re.escape(name)}\s"))


# matsubara: the origin facility obtains consent, its 様式3 asks for a family member, and every
# patient group has the 医師会管理者 (whom the secretariat must designate first); chuo: the
# patient's 連携リーダー obtains consent and runs the group, and an earlier consent would count.
@pytest.mark.parametrize("variant", ["matsubara", "chuo"])
def test_a_coordinator_registers_a_patient_and_sets_up_the_group(journey, variant):
    net = care_network(variant)
    policy = net.policy
    coordinator = journey.open("coordinator")
    sign_in(coordinator, net.coordinator)

    register_patient(coordinator, net)
    patient = Patient.objects.get(program=net.program)
    assert (patient.full_name_kana, patient.postal_code, patient.phone) == ("ヤマモト カズコ", "580-0043", "072-334-5678")
    print_consent_form(coordinator, net, patient)
    assert AccessLog.objects.filter(patient=patient, user=net.coordinator, action=AccessAction.VIEW_PDF).exists()
    signed_on = timezone.localdate() - datetime.timedelta(days=1)  # signed at yesterday's visit
    record_consent(coordinator, net, signed_on)
    record = ConsentRecord.objects.get(patient=patient)
    assert (record.signed_on, record.copy_given, record.pdf_snapshot is not None) == (signed_on, True, True)

    open_group_form(coordinator, net)
    coordinator.get_by_role("button", name="登録する").click()
    if policy.association_admin_in_group:
        label = policy.association_admin_label
        expect(coordinator.get_by_role("alert")).to_contain_text(f"メンバーに{label}が入っていません")
        assert not Group.objects.exists()
        coordinator.steps.shot("needs-association-admin")
        designate_association_admin(journey.open("secretariat"), net)
        coordinator.get_by_role("button", name="登録する").click()  # the form kept what was chosen
    expect(said(coordinator, "グループを登録しました")).to_be_visible()
    expect(coordinator.get_by_role("heading", level=1)).to_have_text(f"{PATIENT}さんのグループ")
    expect(member(coordinator, "連携 花子")).to_contain_text("リーダー")
    if policy.association_admin_in_group:
        added = member(coordinator, net.association_admin.full_name)
        expect(added).to_contain_text(policy.association_admin_label)
        expect(added).to_contain_text(MembershipStatus.INVITED.label)
    coordinator.steps.shot("group")

    invite(coordinator, "ささき", "佐々木 由美")  # hiragana finds the katakana reading
    invite(coordinator, "高橋", "高橋 美咲")
    member(coordinator, "高橋 美咲").get_by_role("button", name="参加した").click()  # as MCS shows
    expect(said(coordinator, "高橋 美咲さんの参加を記録しました")).to_be_visible()
    expect(member(coordinator, "高橋 美咲")).to_contain_text(MembershipStatus.ACCEPTED.label)
    expect(member(coordinator, "佐々木 由美")).to_contain_text(MembershipStatus.INVITED.label)
    expect(coordinator.get_by_role("row").filter(has_text="佐々木 健")).to_have_count(0)
    tasks = coordinator.get_by_role("row")
    expect(tasks.filter(has_text=re.compile(rf"MCSで「{PATIENT}さんのグループ」（グループ番号\d+）を作成する"))).to_have_count(1)
    expect(tasks.filter(has_text="MCSで佐々木 由美さんを")).to_contain_text("招待する")
    coordinator.steps.shot("members")

    # The invited people's facilities now care for the patient, and may see her page.
    coordinator.get_by_role("link", name=PATIENT, exact=True).click()
    for facility in (net.nursing, net.care_office):
        involved = coordinator.get_by_role("row").filter(has_text=facility.name)
        expect(involved).to_contain_text("グループのメンバー")
        expect(involved).to_contain_text("関わっている")
    coordinator.steps.shot("care-team")

    group = Group.objects.get(patient=patient)
    people = {m.staff.full_name: m.status for m in group.memberships.select_related("staff")}
    expected = {"連携 花子": MembershipStatus.ACCEPTED, "高橋 美咲": MembershipStatus.ACCEPTED,
                "佐々木 由美": MembershipStatus.INVITED}
    if policy.association_admin_in_group:
        expected[net.association_admin.full_name] = MembershipStatus.INVITED
    assert people == expected
    involved = {net.clinic, net.nursing, net.care_office}
    if policy.association_admin_in_group:
        involved.add(net.association_admin.facility)
    assert {care.facility for care in CareTeam.objects.filter(patient=patient)} == involved

    care_ends(journey, net, coordinator, patient, group)


def care_ends(journey, net, coordinator, patient, group):
    """The nurse's care ends and she is taken out; then the patient withdraws consent: nobody new
    may be invited (the engine's article is shown), the group is to be archived in MCS, and the
    nursing station no longer sees the patient at all."""
    nursing_admin = with_app(UserFactory(full_name="看護 管理", email="kanri@midori-kango.example.jp"))
    RoleFactory(kind=RoleKind.FACILITY_ADMIN, program=net.program, facility=net.nursing, user=nursing_admin)
    nursing = journey.open("nursing")
    sign_in(nursing, nursing_admin)
    patient_url = reverse("consent:patient-detail", args=[patient.pk])
    assert nursing.context.request.get(patient_url).status == 200  # a member's facility: involved

    coordinator.goto(reverse("groups:group-detail", args=[group.pk]))
    coordinator.get_by_role("link", name="高橋 美咲さんを外す").click()
    coordinator.get_by_label("担当外れ").check()
    coordinator.get_by_role("button", name="外す").click()
    expect(said(coordinator, "高橋 美咲さんを外しました")).to_be_visible()
    coordinator.steps.shot("member-removed")
    for url in (patient_url, reverse("consent:patient-consent-pdf", args=[patient.pk])):
        assert nursing.context.request.get(url).status == 404, url  # involvement ended with her seat
    nursing.goto(reverse("consent:patient-list", args=[net.program.slug]))
    expect(nursing.get_by_text(PATIENT)).to_have_count(0)
    nursing.steps.shot("patient-gone")

    coordinator.goto(reverse("consent:consent-detail", args=[patient.consents.get().pk]))
    coordinator.get_by_role("link", name="同意の撤回を記録する").click()
    field(coordinator, "申出の内容").fill("長女から電話で申出。今後の情報共有を希望しない。")
    coordinator.get_by_role("button", name="撤回を記録する").click()
    expect(said(coordinator, "同意の撤回を記録しました")).to_be_visible()
    expect(said(coordinator, "MCS")).to_be_visible()  # the tasks the withdrawal opened
    coordinator.steps.shot("consent-withdrawn")

    coordinator.goto(reverse("groups:group-detail", args=[group.pk]))
    stopped = coordinator.get_by_role("status").filter(has_text="撤回")
    expect(stopped).to_contain_text(net.policy.policy_title)  # the article the engine cites
    expect(coordinator.get_by_role("link", name="職員を招待する")).to_have_count(0)
    tasks = coordinator.get_by_role("row").filter(has_text="保管する（同意撤回）")
    expect(tasks).to_have_count(1)
    coordinator.steps.shot("sharing-stopped")
    # Trying anyway (an old bookmark): the engine refuses with the article.
    coordinator.goto(reverse("groups:member-add", args=[group.pk]))
    coordinator.get_by_label("氏名・カナ").fill("たかはし")
    coordinator.get_by_role("button", name="検索").click()
    coordinator.get_by_role("row").filter(has_text="高橋 美咲").get_by_role("button", name="招待する").click()
    refused = coordinator.get_by_role("alert").or_(coordinator.get_by_role("status")).filter(has_text="撤回")
    expect(refused.first).to_contain_text(net.policy.policy_title)
    coordinator.steps.shot("invite-refused")
    assert not group.memberships.filter(staff=net.nurse, status__in=["invited", "accepted"]).exists()
