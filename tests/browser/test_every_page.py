"""Every page of every role, in Chromium, at 1366 px and at 390 px (tests/browser/pagecheck.py).

The pages come from the one access table (tests/walk.py: each URL and who may GET it), so a page added to the project is checked here without touching this file. Each role
also sends its main forms empty once, so the pages are checked with their error messages shown.
"""

import pytest
from django.urls import reverse

from tests.browser import pagecheck
from tests.browser.helpers import sign_in_browser
from tests.security.roles import Stage, build
from tests.walk import GET, rows, tables

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ROLES = ("secretariat", "admin", "coordinator")
# Not pages: files, JSON and the health check.
NOT_HTML = ("healthz", "enrollment:postal", "ledger_import:import-template")


def _is_page(name):
    return name not in NOT_HTML and not name.endswith(("-pdf", "-csv", "-scan"))


def pages_of(role):
    return sorted({name for name, row in rows(tables()[0])
                   if row.method == GET and row.allowed and role in row.allowed and not row.objects and _is_page(name)})


PUBLIC_PAGES = sorted({name for name, row in rows(tables()[0]) if row.public and row.method == GET and _is_page(name)})

# Forms sent empty: (url name, the button's name). Each shows its errors and the summary.
EMPTY_SUBMITS = {
    "secretariat": [("consent:patient-erase", None)],
    "admin": [("facilities:staff-add", None), ("facilities:facility-details-edit", None),
              ("accounts:password-change", "変更する")],
    "coordinator": [("consent:patient-create", None), ("groups:group-create", None)],
    None: [("enrollment:apply", None), ("accounts:login", "ログイン"), ("accounts:password-reset", "送信")],
}


def visit_all(page, urls, findings):
    seen = set()
    for label, url in urls:
        response = page.goto(url)
        assert response.status < 400, f"{label}: {url} answered {response.status}"
        if page.url in seen:
            continue  # a redirect to a page already checked
        seen.add(page.url)
        pagecheck.check(page, label, findings)


def send_empty(page, stage, submits, findings):
    for name, button in submits:
        page.goto(build(name, stage))
        form = page.locator("main form[method=post]").last
        submit = form.get_by_role("button", name=button) if button else form.locator("button.primary, button[type=submit]").last
        form.evaluate("form => { form.noValidate = true; }")  # the server's messages, not the browser's
        before = len(page.console_messages)
        submit.click()
        page.wait_for_load_state()
        # A form sent with errors may answer 400 on purpose; Chromium logs that as a failed load.
        page.console_messages[before:] = [line for line in page.console_messages[before:]
                                          if "status of 400" not in line]
        if not page.locator(".errors, .error").count():
            findings.append(f"{name}: sending it empty showed no error")
        pagecheck.check(page, f"{name} (sent empty)", findings)


@pytest.mark.parametrize("role", ROLES)
def test_every_page_of_a_role_passes_the_checks(role, journey, live_server):
    stage = Stage()
    page = journey.open(role)
    sign_in_browser(page.context, live_server, stage.person(role))
    findings = []
    visit_all(page, [("home", reverse("home"))] + [(name, build(name, stage)) for name in pages_of(role)], findings)
    send_empty(page, stage, EMPTY_SUBMITS[role], findings)
    page.steps.shot("last-page")
    assert not findings, "\n".join(findings)


def test_every_public_page_passes_the_checks(journey):
    stage = Stage()
    page = journey.open("anonymous")
    findings = []
    visit_all(page, [(name, build(name, stage)) for name in PUBLIC_PAGES], findings)
    send_empty(page, stage, EMPTY_SUBMITS[None], findings)
    assert not findings, "\n".join(findings)
