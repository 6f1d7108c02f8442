"""Journey: a secretariat adopting the portal imports its Excel ledger. It downloads the template,
uploads its own file (Shift_JIS CSV with a bad postal code), reads the errors by row and column,
fixes the file, previews again (nothing written), commits, and finds its facilities listed.
"""

import re

import pytest
from playwright.sync_api import expect

from facilities.models import Facility, Staff
from tests.browser.helpers import field, program_run_by_secretariat, said, sign_in
from tests.ledger_import.files import csv_bytes, person

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_secretariat_imports_its_ledger(journey, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "private"
    program, secretary = program_run_by_secretariat("matsubara")
    page = journey.open("事務局")
    sign_in(page, secretary)
    page.get_by_role("link", name="台帳の取込").first.click()
    page.get_by_role("main").get_by_role("link", name=program.name).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"台帳の取込（{program.name}）")
    with page.expect_download() as download:
        page.get_by_role("link", name="ひな形（Excel）をダウンロード").click()
    assert download.value.suggested_filename == "台帳ひな形.xlsx"
    page.steps.shot("start")

    wrong = tmp_path / "名簿.csv"
    wrong.write_bytes(csv_bytes([person(1), person(2, postal_code="580")], encoding="cp932"))
    field(page, "台帳のファイル").set_input_files(str(wrong))
    page.get_by_role("button", name="内容を確認する").click()
    expect(page.get_by_role("alert").first).to_contain_text("エラーがあるため取り込めません")
    bad = page.get_by_role("row").filter(has_text="職員 2")
    expect(bad).to_contain_text("郵便番号は7桁の数字で入力してください。")
    expect(page.get_by_role("button", name="取り込む")).to_have_count(0)
    page.steps.shot("errors")

    fixed = tmp_path / "名簿_修正.csv"
    fixed.write_bytes(csv_bytes([person(1), person(2)], encoding="cp932"))
    page.get_by_role("main").get_by_label("台帳のファイル").last.set_input_files(str(fixed))
    page.get_by_role("button", name="内容を確認する").last.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("取込の確認: 名簿_修正.csv")
    expect(page.get_by_role("row", name=re.compile(r"^施設 新規"))).to_contain_text("新規 1・更新 0・変更なし 0")
    assert not Staff.objects.filter(program=program).exists(), "the preview writes nothing"
    page.steps.shot("preview")

    page.get_by_role("button", name="取り込む").click()
    expect(said(page, "「名簿_修正.csv」を取り込みました")).to_contain_text("職員: 新規2")
    expect(page.get_by_role("link", name="松原テスト診療所")).to_be_visible()
    page.steps.shot("imported")
    assert Facility.objects.filter(program=program).count() == 1
    assert Staff.objects.filter(program=program).count() == 2
