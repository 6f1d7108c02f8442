"""The checks of tests/browser/pagecheck.py find what they are meant to find: a sound page
passes, and the same page broken on purpose (in the browser, after it loaded) fails each one."""

import pytest

from tests.browser import pagecheck

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BREAK_THE_PAGE = """() => {
  const main = document.querySelector("main");
  // Wider than a phone, outside any scrolling box.
  const wide = document.createElement("div");
  wide.style.width = "900px";
  wide.textContent = "wide";
  main.append(wide);
  // A button with no name (axe: button-name, critical) and text too faint to read
  // (axe: color-contrast, serious).
  const nameless = document.createElement("button");
  nameless.type = "button";
  nameless.style.cssText = "min-height: 0; height: 20px";
  main.append(nameless);
  const faint = document.createElement("p");
  faint.style.color = "#ddd";
  faint.textContent = "薄い文字";
  main.append(faint);
  // Help that is never read out, and a list where only inline text may go.
  document.querySelector("input[name=username]").setAttribute("aria-describedby", "id_username_helptext");
  const small = document.createElement("small");
  small.innerHTML = "<ul><li>規則</li></ul>";
  main.append(small);
  // A date squeezed until it breaks in the middle.
  const date = document.createElement("span");
  date.className = "nowrap";
  date.style.cssText = "display: inline-block; width: 2em; white-space: normal";
  date.textContent = "令和8年4月1日";
  main.append(date);
}"""


def findings_of(page):
    found = []
    pagecheck.check(page, "login", found)
    return found


def test_a_sound_page_passes_and_the_same_page_broken_on_purpose_fails_every_check(page):
    page.goto("/accounts/login/")
    assert findings_of(page) == []

    page.evaluate(BREAK_THE_PAGE)
    found = "\n".join(findings_of(page))
    for expected in (
        "@1366: axe button-name (critical)",
        "@1366: axe color-contrast (serious)",
        "@1366: input[aria-describedby] -> #id_username_helptext (no such id)",
        "@1366: <ul> inside <small>",
        '@1366: "令和8年4月1日" breaks over',
        "@390: page is ",
        "@390:   sticks out: div",
        '@390: button "" is',  # the nameless button is smaller than a finger
    ):
        assert expected in found, f"{expected!r} not in:\n{found}"
