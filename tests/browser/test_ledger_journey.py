"""Journey 2: the administrator adds a staff member and records what the variant asks before
they may start (a pledge, the training before first use), removes another one (reason, date,
devices returned); where the variant wants a change notice it reaches the secretariat, who
acknowledges it, and the administrator hears so.
"""

import datetime
import re

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone
from playwright.sync_api import expect

from facilities import services
from facilities.models import ChangeKind, ChangeNotice, NoticeStatus, Staff, StaffStatus
from facilities.services import notice_comes_first
from tests.browser.helpers import (
    SECRETARIAT_EMAIL,
    facility_with_admin,
    field,
    link_in,
    mail_to,
    program_run_by_secretariat,
    sign_in,
)
from tests.factories import StaffFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NEWCOMER = "高橋 美咲"
NEWCOMER_EMAIL = "takahashi.misaki@midori-houkan.example.jp"
LEAVER = "山田 次郎"


def status_of(page):
    """The 状態 line of the person's (or the notice's) page."""
    return page.get_by_role("row", name=re.compile(r"^状態 "))


def add_newcomer(admin, facility):
    admin.get_by_role("link", name="職員を追加").click()
    field(admin, "氏名").fill(NEWCOMER)
    field(admin, "カナ").fill("たかはし みさき")  # hiragana as typed; the ledger keeps katakana
    field(admin, "性別").select_option(label="女")
    field(admin, "職種").select_option(label="看護師")
    field(admin, "登録メールアドレス（MCS ID）").fill(NEWCOMER_EMAIL)
    field(admin, "利用開始日").fill(timezone.localdate().isoformat())
    admin.steps.shot("add-staff")
    admin.get_by_role("button", name="追加する").click()
    expect(admin.get_by_role("status")).to_contain_text(f"{NEWCOMER}さんを登録しました")
    admin.steps.shot("added")


def record_pledge(admin):
    admin.get_by_role("link", name="誓約書を記録").click()
    expect(admin.get_by_role("heading", level=1)).to_have_text(f"{NEWCOMER}さんの誓約書")
    admin.get_by_label("署名済み", exact=True).check()
    expect(field(admin, "署名日")).to_have_value(timezone.localdate().isoformat())
    admin.steps.shot("pledge")
    admin.get_by_role("button", name="記録する").click()
    expect(admin.get_by_role("status")).to_contain_text("誓約書を記録しました")


def record_training(admin, facility):
    admin.get_by_role("link", name="研修・教育を記録").click()
    expect(admin.get_by_label("研修会（利用開始前）")).to_be_checked()  # the default where it comes first
    field(admin, "内容").fill("MCSの使い方と個人情報の取扱い")
    admin.get_by_label(f"{NEWCOMER}（看護師）").check()
    admin.steps.shot("training")
    admin.get_by_role("button", name="記録する").click()
    expect(admin.get_by_role("status")).to_contain_text("研修会（利用開始前）（1名）を記録しました")
    expect(admin.get_by_role("row").filter(has_text="MCSの使い方と個人情報の取扱い")).to_contain_text(NEWCOMER)
    admin.get_by_role("link", name=f"← {facility.name} 管理台帳").click()
    admin.get_by_role("link", name=NEWCOMER).click()


def remove_leaver(admin, *, notice_first):
    admin.get_by_role("link", name=LEAVER).click()
    admin.get_by_role("link", name="削除する（退職・異動・担当外れ）").click()
    admin.get_by_label("退職", exact=True).check()
    expect(field(admin, "削除日（退職・異動・担当を外れた日）")).to_have_value(timezone.localdate().isoformat())
    admin.get_by_label("返却済み", exact=True).check()
    admin.steps.shot("remove")
    admin.get_by_role("button", name="変更届に載せる" if notice_first else "削除する").click()
    assert admin.dialogs[-1] == f"{LEAVER}さんを削除します。よろしいですか？"


def file_notice(admin, program):
    """On the draft notice: both changes are there; filing it sends it to the secretariat."""
    expect(admin.get_by_role("row").filter(has_text=NEWCOMER)).to_contain_text("追加")
    expect(admin.get_by_role("row").filter(has_text=LEAVER)).to_contain_text("削除")
    admin.steps.shot("notice-draft")
    admin.get_by_role("button", name="事務局へ提出する").click()
    expect(admin.get_by_role("status")).to_contain_text(f"{program.secretariat_name}へ提出しました")
    expect(status_of(admin)).to_contain_text(NoticeStatus.FILED.label)
    admin.steps.shot("notice-filed")


def secretariat_acknowledges(secretariat, secretary, facility):
    filed = mail_to(SECRETARIAT_EMAIL, f"が提出されました（{facility.name}）")
    assert f"削除: {LEAVER}" in filed.body and f"追加: {NEWCOMER}" in filed.body
    secretariat.goto(link_in(filed, "/notices/"))
    sign_in(secretariat, secretary)
    expect(status_of(secretariat)).to_contain_text(NoticeStatus.FILED.label)
    secretariat.steps.shot("notice")
    secretariat.get_by_role("button", name="確認済みにする").click()
    expect(secretariat.get_by_role("status")).to_contain_text("確認済みにしました")
    expect(status_of(secretariat)).to_contain_text(NoticeStatus.ACKNOWLEDGED.label)
    secretariat.steps.shot("acknowledged")


# kumagaya: no staff pledge, the change notice before a removal takes effect; musashimurayama:
# pledge and training before first use, removal at once and the notice after; iwakuni: a pledge,
# and no notice at all.
@pytest.mark.parametrize("variant", ["kumagaya", "musashimurayama", "iwakuni"])
def test_the_administrator_keeps_the_staff_ledger(journey, variant):
    program, secretary = program_run_by_secretariat(variant)
    policy = program.policy
    facility, admin_user = facility_with_admin(program)
    StaffFactory(
        facility=facility, full_name=LEAVER, full_name_kana="ヤマダ ジロウ", email="yamada.jiro@midori-houkan.example.jp",
        started_on=datetime.date(2024, 4, 1),
    )
    notice_first = notice_comes_first(program)

    admin = journey.open("admin")
    sign_in(admin, admin_user)
    admin.get_by_role("navigation", name="メニュー").get_by_role("link", name=f"{facility.name} 管理台帳").click()
    add_newcomer(admin, facility)
    if policy.staff_pledge_required:
        record_pledge(admin)
    if policy.training_required_before_use:
        expect(status_of(admin)).to_contain_text(StaffStatus.PENDING.label)  # the pledge is not enough
        record_training(admin, facility)
    expect(status_of(admin)).to_contain_text(StaffStatus.ACTIVE.label)
    admin.steps.shot("newcomer-active")
    newcomer = Staff.objects.get(email=NEWCOMER_EMAIL)
    assert (newcomer.full_name_kana, newcomer.status) == ("タカハシ ミサキ", StaffStatus.ACTIVE)

    admin.get_by_role("link", name=f"← {facility.name} 管理台帳").click()
    remove_leaver(admin, notice_first=notice_first)
    said = admin.get_by_role("status")
    if notice_first:
        expect(said.filter(has_text="変更届を提出すると削除が完了します")).to_be_visible()
        assert Staff.objects.get(full_name=LEAVER).status == StaffStatus.ACTIVE  # not until the notice is filed
    else:
        expect(said.filter(has_text=f"{LEAVER}さんを削除しました")).to_be_visible()
        if policy.change_notice_required:  # removed now, notified after: the policy's reminder shows
            expect(said.filter(has_text="提出を忘れないでください")).to_be_visible()
    if policy.change_notice_required:
        file_notice(admin, program)
    assert Staff.objects.get(full_name=LEAVER).status == StaffStatus.REMOVED

    if policy.change_notice_required:
        secretariat_acknowledges(journey.open("secretariat"), secretary, facility)
        assert ChangeNotice.objects.get(facility=facility).status == NoticeStatus.ACKNOWLEDGED
        assert mail_to(admin_user.email, f"変更届を確認しました（{facility.name}）")
    else:
        # Nothing to file: the secretariat hears nothing of the facility's own staff changes.
        assert not [m for m in mail.outbox if SECRETARIAT_EMAIL in m.to]
        assert not ChangeNotice.objects.filter(facility=facility).exists()
        # Back on the ledger, which lists current staff: the leaver is kept, under 削除済.
        admin.get_by_label(re.compile("^状態")).select_option(label=StaffStatus.REMOVED.label)
        admin.get_by_role("button", name="絞り込む").click()
        expect(admin.get_by_role("row").filter(has_text=LEAVER)).to_contain_text(StaffStatus.REMOVED.label)
        admin.steps.shot("removed")


def test_a_returned_change_notice_is_corrected_and_acknowledged(journey):
    """kumagaya: the administrator changes the facility's 代表者 (a 変更 line of 様式2); a notice filed
    with a wrong 令和12年 start date comes back from the secretariat; the administrator corrects the
    line (the portal refuses the same mistake), refiles, and the secretariat sees what changed."""
    program, secretary = program_run_by_secretariat("kumagaya")
    facility, admin_user = facility_with_admin(program)
    newcomer = StaffFactory(facility=facility, full_name=NEWCOMER, full_name_kana="タカハシ ミサキ",
                            email=NEWCOMER_EMAIL, started_on=datetime.date(2030, 4, 1))
    # Filed before dates were checked: the start date reads 令和12年.
    with transaction.atomic():  # services call it inside their transaction (the draft notice is locked)
        services._notice_add_line(staff=newcomer, change=ChangeKind.ADD, changed_on=newcomer.started_on, by=admin_user)
    notice = ChangeNotice.objects.get(facility=facility)
    services.notice_file(notice=notice, by=admin_user)
    services.notice_request_correction(notice=notice, by=secretary, comment="利用開始日が令和12年になっています。")
    today = timezone.localdate()

    admin = journey.open("admin")
    sign_in(admin, admin_user)
    admin.get_by_role("navigation", name="メニュー").get_by_role("link", name=f"{facility.name} 管理台帳").click()
    admin.get_by_role("link", name="登録事項を変更").click()
    field(admin, "代表者").fill("所長 熊谷 一郎")
    field(admin, "理由・備考").fill("所長の交代")
    admin.steps.shot("details")
    admin.get_by_role("button", name="変更する").click()
    expect(admin.get_by_role("status")).to_contain_text("変更届（様式2）に載せました")
    expect(admin.get_by_role("row", name=re.compile("^代表者"))).to_contain_text("所長 熊谷 一郎")

    admin.goto(link_in(mail_to(admin_user.email, "差戻されました"), "/notices/"))
    expect(status_of(admin)).to_contain_text(NoticeStatus.CORRECTION.label)
    expect(admin.get_by_role("row", name=re.compile("^事務局からのコメント"))).to_contain_text("令和12年")
    admin.get_by_role("link", name=f"追加（{NEWCOMER}）の行を直す").click()
    field(admin, "変更日").fill("2030-04-01")
    admin.get_by_role("button", name="保存する").click()
    expect(admin.get_by_text("変更日は14日先", exact=False).first).to_be_visible()  # the same mistake is refused now
    field(admin, "変更日").fill(today.isoformat())
    admin.get_by_role("button", name="保存する").click()
    expect(admin.get_by_role("status")).to_contain_text(f"追加（{NEWCOMER}）の行を直しました")
    changed = admin.get_by_role("region", name="提出した内容（第1回）から直したところ")
    expect(changed).to_contain_text("変更日: 令和12年4月1日 →")
    admin.steps.shot("corrected")
    admin.get_by_role("button", name="直して、もう一度提出する").click()
    expect(admin.get_by_role("status")).to_contain_text(f"{program.secretariat_name}へ提出しました")
    expect(status_of(admin)).to_contain_text(NoticeStatus.FILED.label)

    secretariat = journey.open("secretariat")
    secretariat.goto(link_in(mail_to(SECRETARIAT_EMAIL, f"が提出されました（{facility.name}）"), "/notices/"))
    sign_in(secretariat, secretary)
    expect(secretariat.get_by_role("region", name="前回の提出（第1回）から直したところ")).to_contain_text("令和12年4月1日")
    secretariat.steps.shot("refiled")
    secretariat.get_by_role("button", name="確認済みにする").click()
    expect(status_of(secretariat)).to_contain_text(NoticeStatus.ACKNOWLEDGED.label)
    newcomer.refresh_from_db()
    assert newcomer.started_on == today  # the ledger follows the corrected line
    assert ChangeNotice.objects.get(pk=notice.pk).status == NoticeStatus.ACKNOWLEDGED
    # The details change waits on the facility's next notice, as a 変更 line.
    draft = ChangeNotice.objects.get(facility=facility, status=NoticeStatus.DRAFT)
    assert draft.lines.get().record.summary == "代表者: （なし） → 所長 熊谷 一郎"
