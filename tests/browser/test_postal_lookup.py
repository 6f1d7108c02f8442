"""The application form's postal-code lookup (static/js/enrollment.js) never overwrites what the
applicant typed, never pulls the cursor back once they have moved on, and says so when the code
is unknown."""

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import field
from tests.factories import ProgramFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TYPED = "大阪府松原市阿保3丁目2-1 ひまわりビル"


def held_lookups(page):
    """Lookups the test answers when it chooses: a slow server, as slow as the test needs."""
    held = []
    page.route("**/postal/**", lambda route: held.append(route))
    return held


def wait_for(page, held, count=1):
    for _ in range(100):
        if len(held) >= count:
            return
        page.wait_for_timeout(50)
    raise AssertionError("the postal lookup was not asked")


def test_a_slow_lookup_keeps_the_address_typed_meanwhile_and_the_cursor_where_it_is(page):
    program = ProgramFactory(variant="matsubara")
    page.goto(f"/p/{program.slug}/apply/")
    held = held_lookups(page)
    postal, address, phone = field(page, "郵便番号"), field(page, "住所"), field(page, "電話番号")
    postal.fill("５８０００４３")
    postal.press("Tab")
    wait_for(page, held)
    # The answer is on its way; the applicant types the address and goes on to the phone number.
    address.fill(TYPED)
    phone.click()
    held[0].continue_()
    expect(postal).to_have_value("580-0043")  # the answer arrived and was used for the code
    expect(address).to_have_value(TYPED)
    expect(phone).to_be_focused()


def test_a_lookup_fills_an_empty_address_and_an_unknown_code_is_said(page, journey):
    program = ProgramFactory(variant="matsubara")
    page.goto(f"/p/{program.slug}/apply/")
    postal, address = field(page, "郵便番号"), field(page, "住所")
    postal.fill("5800043")
    postal.press("Tab")
    expect(address).to_have_value("大阪府松原市阿保")
    status = page.locator(".postal-status")
    expect(status).to_have_attribute("aria-live", "polite")
    expect(status).to_have_text("")

    address.fill("")
    postal.fill("0000000")
    postal.press("Tab")
    expect(status).to_have_text("この郵便番号は見つかりませんでした。住所を入力してください。")
    expect(address).to_have_value("")
    # The 404 that says "unknown" is an answer, not a fault: Chromium logs it all the same.
    journey.console[:] = [line for line in journey.console if "404" not in line]
