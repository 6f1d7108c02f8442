"""Journey 1: a facility applies on the public form; the secretariat returns it for correction,
the applicant corrects it and the secretariat approves; the new administrator sets a password
from the e-mail, enrolls the second factor and lands on their home page.

Where the variant has nobody approve (a registration, 届出), the form records the facility at
once, but nobody gets a login from an anonymous form: the contact confirms the address from the
e-mail, the secretariat acknowledges, and only then is the administrator invited
(docs/decisions/0019-registration-human-step.md).
"""

import re

import pytest
from playwright.sync_api import expect

from enrollment.models import Application, ApplicationStatus
from policy.rules import profile
from tests.browser.helpers import (
    SECRETARIAT_EMAIL,
    code_for_secret,
    field,
    link_in,
    log_in,
    mail_to,
    program_run_by_secretariat,
    sign_in,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CONTACT_EMAIL = "jimu@himawari-clinic.example.jp"
ADMIN_EMAIL = "sato.ichiro@himawari-clinic.example.jp"
SHARED_EMAIL = "info@himawari-clinic.example.jp"
NURSE_EMAIL = "suzuki.hanako@himawari-clinic.example.jp"
NEW_PASSWORD = "Himawari-Kanri-2026!"


def registrant_rows(page):
    return page.get_by_role("row").filter(has=page.get_by_label("氏名", exact=True))


def fill_registrant(row, *, name, kana, gender, email, job, admin=False):
    row.get_by_label("氏名", exact=True).fill(name)
    row.get_by_label("カナ", exact=True).fill(kana)
    row.get_by_label("性別").select_option(label=gender)
    row.get_by_label("登録メールアドレス").fill(email)
    row.get_by_label("職種").select_option(label=job)
    if admin:
        row.get_by_label("管理者に指定").check()


def fill_application(page, policy):
    """Everything an applicant types, the way they type it (hiragana, full-width digits)."""
    field(page, "施設名").fill("ひまわり在宅クリニック")
    field(page, "施設名カナ").fill("ひまわりざいたくくりにっく")
    field(page, "施設の種類").select_option(label="診療所")
    postal = field(page, "郵便番号")
    postal.fill("５８０００４３")
    postal.press("Tab")
    # enrollment.js looks the code up and fills the address up to the town; the person adds the rest.
    address = field(page, "住所")
    expect(address).to_have_value("大阪府松原市阿保")
    expect(postal).to_have_value("580-0043")
    address.press("End")
    address.press_sequentially("3丁目2-1 ひまわりビル1階")
    field(page, "電話番号").fill("072-330-1234")
    field(page, "FAX番号").fill("072-330-1235")
    if policy.asks_inviter:
        field(page, "招待した主治医・事業所").fill("松原在宅クリニック 青木医師")

    rows = registrant_rows(page)
    fill_registrant(rows.nth(0), name="佐藤 一郎", kana="さとう いちろう", gender="男", email=ADMIN_EMAIL,
                    job="医師", admin=True)
    page.evaluate("() => { window.sameDocument = true; }")
    page.get_by_role("button", name="行を追加").click()
    expect(rows).to_have_count(2)
    assert page.evaluate("() => window.sameDocument"), "enrollment.js should add the row without a round trip"
    fill_registrant(rows.nth(1), name="鈴木 花子", kana="スズキ ハナコ", gender="女", email=SHARED_EMAIL, job="看護師")

    if policy.facility_pledge_text is not None:
        page.get_by_label("上の誓約書の内容に同意します").check()
        field(page, "誓約者（管理者）の氏名").fill("佐藤 一郎")
    field(page, "ご担当者の氏名").fill("田中 事務")
    field(page, "ご担当者のメールアドレス").fill(CONTACT_EMAIL)


def secretariat_returns(secretariat, secretary, application):
    """The secretariat follows the e-mailed link, signs in, and asks for a correction."""
    secretariat.goto(link_in(mail_to(SECRETARIAT_EMAIL, application.receipt_number), "/applications/"))
    assert "/accounts/login/" in secretariat.url
    sign_in(secretariat, secretary)
    expect(secretariat.get_by_role("heading", level=1)).to_contain_text("ひまわり在宅クリニック")
    expect(secretariat.get_by_role("cell", name=re.compile("ヒマワリザイタククリニック"))).to_be_visible()
    secretariat.steps.shot("application")
    field(secretariat, "差戻しの内容（申込者に伝わります）").fill(
        "鈴木さんの登録メールアドレスが施設の共用アドレスになっています。ご本人だけが使うアドレスに直してください。"
    )
    secretariat.get_by_role("button", name="差し戻す").click()
    expect(secretariat.get_by_role("status")).to_contain_text("差し戻しました")
    secretariat.steps.shot("returned")


def applicant_corrects(applicant, application):
    returned = mail_to(CONTACT_EMAIL, ApplicationStatus.RETURNED.label)
    applicant.goto(link_in(returned, "/p/applications/"))
    expect(applicant.get_by_role("heading", name="事務局から修正のお願いがあります")).to_be_visible()
    applicant.steps.shot("asked-to-correct")
    applicant.get_by_role("link", name="申込を修正して再提出する").click()
    rows = registrant_rows(applicant)
    expect(rows).to_have_count(2)
    email = rows.nth(1).get_by_label("登録メールアドレス")
    expect(email).to_have_value(SHARED_EMAIL)
    email.fill(NURSE_EMAIL)
    applicant.steps.shot("correcting")
    applicant.get_by_role("button", name="修正して再提出する").click()
    expect(applicant.get_by_role("status")).to_contain_text("再提出しました")
    applicant.steps.shot("resubmitted")


def secretariat_approves(secretariat, policy):
    secretariat.reload()
    expect(secretariat.get_by_text(NURSE_EMAIL)).to_be_visible()
    secretariat.get_by_role("button", name="承認する").click()
    expect(secretariat.get_by_role("status")).to_contain_text("承認しました")
    assert secretariat.dialogs[-1].startswith("承認すると施設が登録され")
    secretariat.steps.shot("approved")


def administrator_starts(admin, policy):
    """From the invitation: set a password, log in, enroll the app (its key read off the page)."""
    invitation = mail_to(ADMIN_EMAIL, "指定されました")
    admin.goto(link_in(invitation, "/accounts/password/reset/"))
    expect(admin.get_by_role("heading", level=1)).to_have_text("新しいパスワードの設定")
    field(admin, "新しいパスワード").fill(NEW_PASSWORD)
    field(admin, "新しいパスワード(確認用)").fill(NEW_PASSWORD)
    admin.steps.shot("set-password")
    admin.get_by_role("button", name="設定する", exact=True).click()
    expect(admin.get_by_role("heading", level=1)).to_have_text("パスワードを設定しました")
    admin.get_by_role("link", name="ログインする").click()

    log_in(admin, ADMIN_EMAIL, NEW_PASSWORD)
    expect(admin.get_by_role("heading", level=1)).to_have_text("二要素認証の設定")
    secret = admin.locator(".secret").inner_text()
    admin.steps.shot("two-factor-setup")
    field(admin, "確認コード").fill(code_for_secret(secret))
    admin.get_by_role("button", name="設定する", exact=True).click()
    expect(admin.get_by_role("heading", name="バックアップコード")).to_be_visible()
    expect(admin.locator(".backup-codes li")).to_have_count(10)
    admin.steps.shot("backup-codes")
    admin.get_by_role("link", name="保管しました。続ける").click()

    expect(admin.get_by_role("heading", level=1)).to_have_text("ホーム")
    expect(admin.get_by_text("ひまわり在宅クリニック・MCS管理者")).to_be_visible()
    admin.get_by_role("navigation", name="メニュー").get_by_role("link", name="ひまわり在宅クリニック 管理台帳").click()
    expect(admin.get_by_role("link", name="佐藤 一郎")).to_be_visible()
    expect(admin.get_by_role("link", name="鈴木 花子")).to_be_visible()
    admin.steps.shot("ledger")


# matsubara and kumagaya approve (kumagaya also asks who invited the facility); chuo records a
# registration that nobody approves, and has no facility pledge on its form.
@pytest.mark.parametrize("variant", ["matsubara", "kumagaya", "chuo"])
def test_a_facility_applies_and_its_administrator_signs_in(journey, variant):
    program, secretary = program_run_by_secretariat(variant)
    policy = profile(variant)
    word = "申込" if policy.secretariat_approves else "届出"

    applicant = journey.open("applicant")
    applicant.goto(f"/p/{program.slug}/apply/")
    expect(applicant.get_by_role("heading", level=1)).to_contain_text(f"利用{word}")
    fill_application(applicant, policy)
    applicant.steps.shot("form-filled")
    applicant.get_by_role("button", name=f"この内容で{word}する").click()

    application = Application.objects.get(program=program)
    expect(applicant.get_by_role("status")).to_contain_text(f"受付番号は {application.receipt_number}")
    assert application.facility_name_kana == "ヒマワリザイタククリニック"
    assert application.address == "大阪府松原市阿保3丁目2-1 ひまわりビル1階"
    assert mail_to(CONTACT_EMAIL, application.receipt_number)
    applicant.steps.shot("received")

    secretariat = journey.open("secretariat")
    if policy.secretariat_approves:
        secretariat_returns(secretariat, secretary, application)
        applicant_corrects(applicant, application)
        secretariat_approves(secretariat, policy)
    else:
        # Recorded at once: the secretariat finds it already registered in its list.
        expect(applicant.get_by_text("届出を記録しました（施設番号")).to_be_visible()
        sign_in(secretariat, secretary)
        secretariat.get_by_role("link", name=f"{program.name} 利用届出").click()
        row = secretariat.get_by_role("row").filter(has_text=application.receipt_number)
        expect(row).to_contain_text("記録済み")  # the variant's word: nobody approved it
        expect(row).to_contain_text("受付確認待ち")
        secretariat.steps.shot("registered")
        applicant.goto(link_in(mail_to(CONTACT_EMAIL, application.receipt_number), "/confirm/"))
        applicant.get_by_role("button", name="このメールアドレスを確認する").click()
        expect(applicant.get_by_role("status")).to_contain_text("メールアドレスを確認しました")
        applicant.steps.shot("address-confirmed")
        row.get_by_role("link", name=application.receipt_number).click()
        secretariat.get_by_role("button", name="受付確認して管理者を有効にする").click()
        expect(secretariat.get_by_role("status")).to_contain_text("受付確認をしました")
        secretariat.steps.shot("acknowledged")

    application.refresh_from_db()
    assert application.status == ApplicationStatus.APPROVED
    administrator_starts(journey.open("admin"), policy)
    staff = {s.email: s for s in application.facility.staff.all()}
    assert set(staff) == {ADMIN_EMAIL, NURSE_EMAIL if policy.secretariat_approves else SHARED_EMAIL}
