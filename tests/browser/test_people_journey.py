"""Journey: the secretariat runs its network's people without a superuser (issue 13).

1. The secretariat invites a coordinator at an approved clinic from the clinic's ledger; the
   coordinator sets a password from the e-mail, sets up two-factor and records a patient's consent.
2. The only administrator of a facility leaves: the secretariat revokes the role and names the
   successor in the same action (iwakuni: exactly one, 第15条; a second one is refused).
"""

import datetime
import re
from types import SimpleNamespace

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from consent.models import ConsentRecord
from facilities.models import FacilityKind, JobType, Role, RoleKind
from tests.browser.helpers import (
    code_for_secret,
    field,
    link_in,
    mail_to,
    program_run_by_secretariat,
    said,
    sign_in,
)
from tests.browser.network import staff
from tests.browser.test_patient_group_journey import record_consent, register_patient
from tests.factories import FacilityFactory, RoleFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

COORDINATOR_EMAIL = "renkei.hanako@aozora-clinic.example.jp"
NEW_PASSWORD = "Aozora-Renkei-2026!"


def secretariat_invites(page, program, clinic):
    page.get_by_role("navigation", name="メニュー").get_by_role("link", name=f"{program.name} 利用者と役割").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"{program.name} 利用者と役割")
    page.goto(f"/facilities/{clinic.pk}/people/")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"{clinic.name} 役割と招待")
    field(page, "役割").select_option(label="コーディネーター")
    field(page, "職員（管理台帳で利用中の人）").select_option(label=f"連携 花子 {COORDINATOR_EMAIL}")
    field(page, "理由").fill("4月から連携リーダーを担当")
    page.steps.shot("grant")
    page.get_by_role("button", name="付与する").click()
    expect(said(page, "連携 花子さんを「コーディネーター」にしました")).to_be_visible()
    expect(page.get_by_role("row").filter(has_text=COORDINATOR_EMAIL).last).to_contain_text("未使用")  # the invitation
    page.steps.shot("invited")


def coordinator_starts(page):
    invitation = mail_to(COORDINATOR_EMAIL, "コーディネーター")
    assert "7日間" in invitation.body
    page.goto(link_in(invitation, "/invitation/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("パスワードの設定")
    field(page, "新しいパスワード").fill(NEW_PASSWORD)
    field(page, "新しいパスワード(確認用)").fill(NEW_PASSWORD)
    page.steps.shot("set-password")
    page.get_by_role("button", name="設定する", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("二要素認証の設定")
    secret = page.locator(".secret").inner_text()
    field(page, "確認コード").fill(code_for_secret(secret))
    page.get_by_role("button", name="設定する", exact=True).click()
    expect(page.get_by_role("heading", name="バックアップコード")).to_be_visible()
    page.steps.shot("backup-codes")
    page.get_by_role("link", name="保管しました。続ける").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("ホーム")


@pytest.mark.parametrize("variant", ["matsubara", "chuo"])
def test_secretariat_invites_a_coordinator_who_records_a_consent(journey, variant):
    program, secretary = program_run_by_secretariat(variant)
    clinic = FacilityFactory(program=program, name="あおぞら在宅クリニック", kind=FacilityKind.CLINIC,
                             approved_on="2025-04-01")
    staff(clinic, "連携 花子", "レンケイ ハナコ", JobType.NURSE, email=COORDINATOR_EMAIL)
    staff(clinic, "青木 誠", "アオキ マコト", JobType.DOCTOR)
    net = SimpleNamespace(program=program, clinic=clinic, policy=program.policy)

    secretariat = journey.open("secretariat")
    sign_in(secretariat, secretary)
    secretariat_invites(secretariat, program, clinic)

    coordinator = journey.open("coordinator")
    coordinator_starts(coordinator)
    register_patient(coordinator, net)
    signed_on = timezone.localdate() - datetime.timedelta(days=1)
    record_consent(coordinator, net, signed_on)
    record = ConsentRecord.objects.get(patient__program=program)
    assert record.obtained_by.email == COORDINATOR_EMAIL

    # The secretariat's people page now shows her with two-factor set up and a last login.
    secretariat.goto(f"/programs/{program.slug}/people/")
    row = secretariat.get_by_role("row").filter(has_text=COORDINATOR_EMAIL)
    expect(row).to_contain_text("コーディネーター")
    expect(row).to_contain_text("設定済み")
    secretariat.steps.shot("people")

    # On a phone the rows are cards: the row's buttons are on the screen, not in a sideways scroll.
    secretariat.set_viewport_size({"width": 390, "height": 844})
    for name in ("停止", "リセット"):
        box = row.get_by_role("link", name=name).bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390, (name, box)
    secretariat.steps.shot("people-phone")


@pytest.mark.parametrize("variant", ["iwakuni", "kumagaya"])
def test_the_last_administrator_is_replaced_in_one_action(journey, variant):
    program, secretary = program_run_by_secretariat(variant)
    facility = FacilityFactory(program=program, name="いつつばし訪問看護ステーション", approved_on="2025-04-01")
    leaving = staff(facility, "山口 一郎", "ヤマグチ イチロウ", JobType.NURSE, is_admin=True,
                    email="yamaguchi@itsutsubashi.example.jp")
    leaving.user = UserFactory(email=leaving.email, full_name=leaving.full_name)
    leaving.save()
    RoleFactory(kind=RoleKind.FACILITY_ADMIN, program=program, facility=facility, user=leaving.user)
    successor = staff(facility, "岩国 花子", "イワクニ ハナコ", JobType.NURSE, email="iwakuni.hanako@itsutsubashi.example.jp")

    page = journey.open("secretariat")
    sign_in(page, secretary)
    page.goto(f"/facilities/{facility.pk}/people/")
    if program.policy.max_admins == 1:
        # A second administrator beside the first is refused, with the article.
        field(page, "役割").select_option(label=program.policy.admin_label)
        field(page, "職員（管理台帳で利用中の人）").select_option(label=f"岩国 花子 {successor.email}")
        field(page, "理由").fill("管理者を追加")
        page.get_by_role("button", name="付与する").click()
        expect(page.get_by_role("alert")).to_contain_text("第15条")
        page.steps.shot("second-admin-refused")

    page.get_by_role("row").filter(has_text=leaving.email).get_by_role("link", name=re.compile("取消")).click()
    expect(page.get_by_text("後任の")).not_to_have_count(0)
    field(page, "理由").fill("3月末で退職")
    page.get_by_role("button", name=re.compile("取り消す")).click()
    expect(page.get_by_role("alert")).to_contain_text("後任")  # alone it would leave none
    field(page, "後任の管理者").select_option(label=f"岩国 花子 {successor.email}")
    page.steps.shot("successor")
    page.get_by_role("button", name=re.compile("取り消す")).click()
    expect(said(page, f"山口 一郎さんの「{program.policy.admin_label}」を取り消しました")).to_be_visible()
    page.steps.shot("replaced")

    active = Role.objects.filter(facility=facility, kind=RoleKind.FACILITY_ADMIN, is_active=True)
    assert [r.user.email for r in active] == [successor.email]
    # Invited in the same action, under the policy's name for the role.
    assert "パスワードを設定" in mail_to(successor.email, program.policy.admin_label).body
