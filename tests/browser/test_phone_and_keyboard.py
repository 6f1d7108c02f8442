"""A phone and a keyboard, as people use them (issue 17): the folded menu with and without
JavaScript, the skip link, Enter on the application form, the error summary, removing a
registrant row, and buttons that cannot be pressed twice."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser import pagecheck
from tests.browser.helpers import field, program_run_by_secretariat, sign_in_browser

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def focused(page):
    return page.evaluate("() => document.activeElement.id || document.activeElement.textContent.trim()")


@pytest.mark.parametrize("javascript", [False, True], ids=["no-js", "js"])
def test_the_menu_folds_on_a_phone_and_opens_without_javascript(javascript, browser, live_server, journey):
    _, secretary = program_run_by_secretariat("kumagaya")
    context = browser.new_context(base_url=live_server.url, locale="ja-JP", java_script_enabled=javascript,
                                  viewport=pagecheck.PHONE)
    try:
        sign_in_browser(context, live_server, secretary)
        page = context.new_page()
        page.goto("/")
        menu = page.get_by_role("navigation", name="メニュー")
        expect(menu.get_by_role("link", name="ホーム")).to_be_hidden()
        page.get_by_text("メニュー", exact=True).click()
        expect(menu.get_by_role("link", name="ホーム")).to_be_visible()
        page.screenshot(path=str(journey.folder / "menu-open-390.png"))

        page.set_viewport_size(pagecheck.DESKTOP)
        page.reload()
        expect(page.get_by_text("メニュー", exact=True)).to_be_hidden()
        expect(page.get_by_role("navigation", name="メニュー").get_by_role("link", name="ホーム")).to_be_visible()
    finally:
        context.close()


def test_the_skip_link_is_the_first_stop_and_leads_to_the_content(page):
    page.goto("/accounts/password/reset/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="本文へ移動")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")
    assert focused(page) == "content"


def test_enter_sends_the_application_form_and_the_error_summary_leads_to_each_field(page):
    program, _ = program_run_by_secretariat("kumagaya")
    page.goto(f"/p/{program.slug}/apply/")
    rows = page.locator("tr.registrant-row:visible")
    expect(rows).to_have_count(1)

    field(page, "施設名").fill("ひまわり在宅クリニック")
    field(page, "施設名").press("Enter")  # before: the browser pressed 行を追加, the first submit button
    page.wait_for_load_state()

    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("施設名カナ")
    expect(rows).to_have_count(1)
    expect(field(page, "施設名")).to_have_value("ひまわり在宅クリニック")
    assert focused(page) == "error-summary"
    page.steps.shot("error-summary")

    summary.get_by_role("link", name="施設名カナ").click()
    kana = field(page, "施設名カナ")
    expect(kana).to_be_focused()
    expect(kana).to_have_attribute("aria-invalid", "true")
    # The error is read out with the field: its description names the message.
    expect(kana).to_have_accessible_description(re.compile("必須"))
    page.console_messages.clear()  # the form answered 400 on purpose (Chromium logs a failed load)


def test_removing_a_registrant_row_keeps_the_focus_in_the_table(page):
    program, _ = program_run_by_secretariat("kumagaya")
    page.goto(f"/p/{program.slug}/apply/")
    page.get_by_role("button", name="行を追加").click()
    page.get_by_role("button", name="行を追加").click()
    rows = page.locator("tr.registrant-row:visible")
    expect(rows).to_have_count(3)

    rows.nth(1).get_by_role("button", name="この行を削除").click()
    expect(rows).to_have_count(2)
    expect(rows.nth(1).get_by_label("氏名", exact=True)).to_be_focused()  # the row that took its place

    rows.nth(1).get_by_role("button", name="この行を削除").click()
    expect(page.get_by_role("button", name="行を追加")).to_be_focused()  # no row after it


def test_a_sent_form_cannot_be_sent_twice(page):
    page.goto("/accounts/login/")
    # Hold the page where it is once portal.js has seen the form go: a listener on window runs
    # after the document's, so the form counts as sent, and nothing leaves.
    page.evaluate("() => window.addEventListener('submit', (event) => event.preventDefault())")
    page.get_by_label("メールアドレス").fill("nobody@example.jp")
    page.get_by_label("パスワード").fill("wrong-password")
    button = page.get_by_role("button", name="ログイン")
    button.click()
    expect(button).to_be_disabled()

    # A GET form (a search) is never held back.
    page.goto("/accounts/password/reset/")
    page.evaluate("() => window.addEventListener('submit', (event) => event.preventDefault())")
    page.locator("form").evaluate("form => { form.method = 'get'; }")
    page.get_by_role("button", name="送信").click()
    page.wait_for_timeout(200)
    expect(page.get_by_role("button", name="送信")).to_be_enabled()


def test_a_second_press_while_the_first_is_being_asked_about_asks_nothing_more(page):
    """Double-clicking a button that asks first showed the question twice (QA)."""
    page.goto("/accounts/login/")
    page.evaluate("() => window.addEventListener('submit', (event) => event.preventDefault())")
    page.locator("form").evaluate("form => { form.dataset.confirm = 'ログインしますか'; }")
    page.locator("form").evaluate("form => { form.requestSubmit(); form.requestSubmit(); }")
    assert page.dialogs == ["ログインしますか"]
