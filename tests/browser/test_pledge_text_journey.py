"""Journey: the secretariat replaces the built-in staff pledge (musashimurayama). 「公開する」 asks
first, and the first wording of its own is 第2版 (the built-in one stays 第1版)."""

import pytest
from playwright.sync_api import expect

from facilities.models import PledgeText
from tests.browser.helpers import field, program_run_by_secretariat, said, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_publishing_a_new_pledge_wording_asks_and_numbers_it_after_the_built_in_one(journey):
    program, secretary = program_run_by_secretariat("musashimurayama")
    page = journey.open("secretariat")
    sign_in(page, secretary)
    page.goto(f"/programs/{program.slug}/pledge-texts/")
    expect(page.get_by_text("いま使われるのは第1版です").first).to_be_visible()
    page.get_by_role("link", name="新しい版を作る").first.click()
    field(page, "条文").fill("第1条 私は、業務で知った情報を漏らしません。\n\n第2条 私は、退職後も守ります。")
    page.get_by_role("button", name="公開する").click()
    assert page.dialogs[-1].startswith("第2版として公開します。")
    expect(said(page, "第2版を公開しました")).to_be_visible()
    versions = sorted(PledgeText.objects.filter(program=program, kind="staff_pledge").values_list("version", "published_by"))
    assert versions == [(1, None), (2, secretary.pk)]
    page.steps.shot("published")
