"""A decision taken in another tab (issue 17): the secretariat member who presses 承認する on a page
that another member has meanwhile answered learns what happened, when and by whom, and follows a
link to the application as it is now. The page passes the same checks as every page."""

from playwright.sync_api import expect

from enrollment import services
from enrollment.models import ApplicationStatus
from tests.browser import pagecheck
from tests.browser.helpers import program_run_by_secretariat, sign_in
from tests.enrollment.factories import ApplicationFactory
from tests.factories import secretariat_of


def test_an_approval_pressed_after_a_colleague_rejected_explains_itself(journey):
    program, secretary = program_run_by_secretariat("matsubara")
    application = ApplicationFactory(program=program, facility_name="ひまわり在宅クリニック")
    page = journey.open("secretariat")
    sign_in(page, secretary)
    page.goto(f"/programs/{program.slug}/applications/{application.pk}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("ひまわり在宅クリニック")

    colleague = secretariat_of(program, user__full_name="事務局 次郎")
    services.application_reject(application=application, by=colleague, reason="対象地域外の事業所です")

    page.get_by_role("button", name="承認する").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("この申込はすでに更新されています")
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("「承認」は行っていません")
    expect(alert).to_contain_text("事務局 次郎")
    expect(alert).to_contain_text("却下")
    page.steps.shot("stale")
    # The 409 is on purpose; Chromium logs it as a failed load.
    journey.console[:] = [line for line in journey.console if "status of 409" not in line]
    findings = []
    pagecheck.check(page, "stale decision", findings)
    assert not findings, "\n".join(findings)

    page.get_by_role("link", name="いまの申込の内容を見る").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("ひまわり在宅クリニック")
    expect(page.locator(".status").first).to_contain_text(ApplicationStatus.REJECTED.label)
    application.refresh_from_db()
    assert application.status == ApplicationStatus.REJECTED and application.facility is None
