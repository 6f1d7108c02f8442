"""The yearly confirmation (継続確認): the secretariat starts it, the facility's administrator
confirms the ledger in one page and marks a leaver (removed at once where no change notice is
filed), and the campaign then shows every facility answered.
"""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from facilities.models import FacilityConfirmation, Staff, StaffStatus
from tests.browser.helpers import (
    facility_with_admin,
    field,
    link_in,
    mail_to,
    program_run_by_secretariat,
    sign_in,
)
from tests.factories import StaffFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LEAVER = "山田 次郎"
STAYER = "佐藤 恵子"


def test_the_secretariat_runs_the_yearly_confirmation(journey):
    program, secretary = program_run_by_secretariat("iwakuni")  # no change notices: the only signal
    facility, admin_user = facility_with_admin(program)
    StaffFactory(facility=facility, user=admin_user, email=admin_user.email, full_name="管理 太郎",
                 full_name_kana="カンリ タロウ", is_admin=True)
    StaffFactory(facility=facility, full_name=STAYER, full_name_kana="サトウ ケイコ",
                 email="sato.keiko@midori-houkan.example.jp")
    StaffFactory(facility=facility, full_name=LEAVER, full_name_kana="ヤマダ ジロウ",
                 email="yamada.jiro@midori-houkan.example.jp", started_on=datetime.date(2024, 4, 1))

    secretariat = journey.open("secretariat")
    sign_in(secretariat, secretary)
    secretariat.get_by_role("navigation", name="メニュー").get_by_role(
        "link", name=f"{program.name} 継続確認").click()
    expect(secretariat.get_by_text("この継続確認だけです")).to_be_visible()
    field(secretariat, "回答期限").fill((timezone.localdate() + datetime.timedelta(days=30)).isoformat())
    secretariat.steps.shot("start")
    secretariat.get_by_role("button", name="始める").click()
    assert secretariat.dialogs[-1].startswith("利用中のすべての施設の")
    expect(secretariat.get_by_role("status")).to_contain_text(
        f"1施設に確認をお願いし、1施設の{program.policy.admin_label}（1名）にお願いのメールを送りました")
    expect(secretariat.get_by_role("heading", name="未回答の施設（1）")).to_be_visible()
    secretariat.steps.shot("campaign-open")

    asked = mail_to(admin_user.email, "継続確認のお願い")
    admin = journey.open("admin")
    admin.goto(link_in(asked, "/confirmation-answers/"))
    sign_in(admin, admin_user)
    expect(admin.get_by_role("heading", level=1)).to_contain_text("継続確認")
    label = program.policy.admin_label
    # Nothing is chosen in advance: pressing 回答する at once names every line left unanswered.
    admin.get_by_role("button", name="回答する").click()
    summary = admin.get_by_role("alert")
    for name in ("管理 太郎", STAYER, LEAVER):
        expect(summary).to_contain_text(f"{name}さんの在籍")
    assert FacilityConfirmation.objects.get(facility=facility).submitted_at is None
    for name in ("管理 太郎", STAYER):
        line = admin.get_by_role("group", name=re.compile(f"^{name}"))
        line.get_by_label("今も在籍している").check()
        line.get_by_role("group", name=re.compile("^登録メールアドレスは")).get_by_label("はい").check()
    # Only the administrator is asked whether they stay one; the others may be made one, on purpose.
    expect(admin.get_by_role("group", name=re.compile("^管理 太郎")).get_by_label(f"{label}を続ける")).to_be_checked()
    stayer = admin.get_by_role("group", name=re.compile(f"^{STAYER}"))
    expect(stayer.get_by_label(f"{label}を続ける")).to_have_count(0)
    expect(stayer.get_by_label(f"{label}にする")).not_to_be_checked()
    leaver = admin.get_by_role("group", name=re.compile(f"^{LEAVER}"))
    leaver.get_by_label("退職・異動した（削除する）").check()
    expect(leaver.get_by_label("退職", exact=True)).to_be_visible()  # the leaver's questions open by themselves
    leaver.get_by_label("退職", exact=True).check()
    leaver.get_by_label(re.compile("^離れた日")).fill(timezone.localdate().isoformat())
    leaver.get_by_label("返却済み", exact=True).check()
    admin.steps.shot("answer")
    admin.get_by_role("button", name="回答する").click()
    assert admin.dialogs[-1].startswith("この内容で回答します")
    expect(admin.get_by_role("status").filter(has_text="継続確認の回答を記録しました")).to_be_visible()
    expect(admin.get_by_role("status").filter(has_text="退職・異動した1名を削除しました")).to_be_visible()
    expect(admin.get_by_role("row").filter(has_text=LEAVER)).to_contain_text("削除済")
    admin.steps.shot("answered")
    assert Staff.objects.get(full_name=LEAVER).status == StaffStatus.REMOVED
    assert Staff.objects.get(full_name=STAYER).status == StaffStatus.ACTIVE
    assert FacilityConfirmation.objects.get(facility=facility).submitted_by == admin_user

    secretariat.reload()
    expect(secretariat.get_by_text("すべての施設が回答しました。")).to_be_visible()
    expect(secretariat.get_by_role("row").filter(has_text=facility.name)).to_contain_text("1名")
    secretariat.steps.shot("campaign-answered")
