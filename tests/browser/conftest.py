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


@pytest.fixture(autouse=True)
def _allow_orm_beside_playwright(monkeypatch):
    # Playwright's sync API runs an event loop in this thread; the test's own ORM calls are
    # still synchronous, so Django's async-safety guard would refuse them without this.
    # Scoped to browser tests: set for the whole process it would leak into subprocesses.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(config, items):
    if not Path(CHROMIUM).exists():
        skip = pytest.mark.skip(reason=f"no Chromium at {CHROMIUM}: run `make test` as root or apt-get install chromium")
        for item in items:
            if "browser" in item.keywords:
                item.add_marker(skip)


@pytest.fixture(scope="session")
def _playwright():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
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


class Steps:
    """Takes a numbered screenshot per step into the test's artifact folder."""

    def __init__(self, page, folder):
        self.page, self.folder, self.count = page, folder, 0

    def shot(self, name):
        self.count += 1
        self.page.screenshot(path=str(self.folder / f"{self.count:02d}-{name}.png"), full_page=True)


@pytest.fixture
def page(request, browser, live_server):
    folder = ARTIFACTS / re.sub(r"[^\w.-]+", "_", request.node.name)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(base_url=live_server.url, locale="ja-JP", accept_downloads=True)
    page = context.new_page()
    console = []
    page.on("console", lambda msg: console.append(f"[{msg.type}] {msg.text}"))
    page.on("pageerror", lambda exc: console.append(f"[pageerror] {exc}"))
    page.steps = Steps(page, folder)
    page.console_messages = console
    yield page
    failed = getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed
    if failed:
        (folder / "failure.html").write_text(page.content(), encoding="utf-8")
        (folder / "console.txt").write_text("\n".join(console), encoding="utf-8")
        page.screenshot(path=str(folder / "failure.png"), full_page=True)
    context.close()
    # CSP or script errors are bugs even when the journey passes.
    errors = [line for line in console if line.startswith(("[error]", "[pageerror]"))]
    assert not errors, f"browser console errors: {errors}"
