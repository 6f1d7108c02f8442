"""Real browser journeys: Playwright driving Debian's Chromium against a live server.

Playwright never downloads a browser here: `make test` installs Debian's chromium and we
launch it by path. Screenshots of each step go to test-artifacts/browser/<test>/; when a
test fails, the page's HTML and its console are saved beside them.
"""

import os
import re
import shutil
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "browser"
FLAGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
]


@pytest.fixture(scope="module")
def _allow_orm_beside_playwright():
    # Playwright's sync API keeps an event loop running in this thread while it lives; the
    # test's own ORM calls are still synchronous, so Django's async-safety guard would refuse
    # them without this. Module-scoped: it must outlive each test's database flush (which runs
    # after the function fixtures), yet not leak into other modules or their subprocesses.
    patch = pytest.MonkeyPatch()
    patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    yield
    patch.undo()


def pytest_collection_modifyitems(config, items):
    if not Path(CHROMIUM).exists():
        skip = pytest.mark.skip(reason=f"no Chromium at {CHROMIUM}: run `make test` as root or apt-get install chromium")
        for item in items:
            if "browser" in item.keywords:
                item.add_marker(skip)


@pytest.fixture(scope="module")
def _playwright(django_db_setup, _allow_orm_beside_playwright):
    # The test database is made before the loop starts (a browser module may run first), and
    # Playwright stops with its module, so no other test runs beside a running loop.
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="module")
def browser(_playwright):
    browser = _playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
    yield browser
    browser.close()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.rep_call = report
    return report


class Journey:
    """The people of one test, each in a browser of their own (a context: own cookies and session).

    Their screenshots share one numbered sequence in the test's artifact folder, and their
    consoles one log, so the folder reads as the story of the journey.
    """

    def __init__(self, browser, base_url, folder):
        self.browser, self.base_url, self.folder = browser, base_url, folder
        self.count, self.console, self.pages = 0, [], {}

    def open(self, who=""):
        context = self.browser.new_context(base_url=self.base_url, locale="ja-JP", accept_downloads=True)
        page = context.new_page()
        tag = f" {who}:" if who else ""
        page.on("console", lambda msg: self.console.append(f"[{msg.type}]{tag} {msg.text}"))
        page.on("pageerror", lambda exc: self.console.append(f"[pageerror]{tag} {exc}"))
        # Forms with data-confirm ask with window.confirm(); Playwright would answer "cancel".
        # A person reads the question and presses OK: keep the question for the test to check.
        page.dialogs = []
        page.on("dialog", lambda dialog: (page.dialogs.append(dialog.message), dialog.accept()))
        page.steps = Steps(self, page, who)
        page.console_messages = self.console
        self.pages[who] = page
        return page

    def shot(self, page, name):
        self.count += 1
        page.screenshot(path=str(self.folder / f"{self.count:02d}-{name}.png"), full_page=True)

    def close(self, *, failed):
        for who, page in self.pages.items():
            if failed:
                suffix = f"-{who}" if who else ""
                (self.folder / f"failure{suffix}.html").write_text(page.content(), encoding="utf-8")
                page.screenshot(path=str(self.folder / f"failure{suffix}.png"), full_page=True)
            page.context.close()
        if failed:
            (self.folder / "console.txt").write_text("\n".join(self.console), encoding="utf-8")


class Steps:
    """page.steps.shot(name): a numbered screenshot of this page, named after its person."""

    def __init__(self, journey, page, who):
        self.journey, self.page, self.who = journey, page, who

    def shot(self, name):
        self.journey.shot(self.page, f"{self.who}-{name}" if self.who else name)


@pytest.fixture
def journey(request, browser, live_server):
    folder = ARTIFACTS / re.sub(r"[^\w.-]+", "_", request.node.name)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True, exist_ok=True)
    journey = Journey(browser, live_server.url, folder)
    yield journey
    failed = getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed
    journey.close(failed=failed)
    # CSP or script errors are bugs even when the journey passes.
    errors = [line for line in journey.console if line.startswith(("[error]", "[pageerror]"))]
    assert not errors, f"browser console errors: {errors}"


@pytest.fixture
def page(journey):
    """One visitor's page, for journeys with a single person."""
    return journey.open()
