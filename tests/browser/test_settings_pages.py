"""The program settings, facility edit and administrators' group pages in Chromium: axe at 1366 px,
no sideways scrolling at 390 px, no console errors, in their states (with errors, registered)."""

import pytest
from django.urls import reverse

from facilities import services as facilities
from groups.admin_notice import admin_notice_group_register
from tests.browser import pagecheck
from tests.browser.helpers import sign_in_browser
from tests.groups.helpers import person
from tests.security.roles import Stage

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_secretariat_s_new_pages_pass_the_checks(journey, live_server):
    stage = Stage()
    world = stage.world
    program = world.program_a
    facilities.program_settings_update(
        program=program, by=world.secretariat_a, area_municipalities=["武蔵村山市", "東大和市"],
        area_postal_prefixes=["208"],
    )
    page = journey.open("secretariat")
    sign_in_browser(page.context, live_server, world.secretariat_a)
    findings = []
    settings_url = reverse("facilities:program-settings", args=[program.slug])

    page.goto(settings_url)
    pagecheck.check(page, "program-settings", findings)
    page.get_by_label("対象地域（郵便番号の先頭）").fill("208\n20x")
    page.get_by_role("button", name="保存する").click()
    page.wait_for_load_state()
    assert "「20x」は使えません" in page.content()
    pagecheck.check(page, "program-settings (bad prefix)", findings)

    notice_url = reverse("groups:admin-notice-group", args=[program.slug])
    page.goto(notice_url)
    pagecheck.check(page, "admin-notice-group (to register)", findings)
    person(world.facility_a, is_admin=True)
    admin_notice_group_register(program=program, by=world.secretariat_a, leader=person(world.facility_a2))
    page.goto(notice_url)
    assert "管理台帳と照合する" in page.content()
    pagecheck.check(page, "admin-notice-group (registered)", findings)
    page.steps.shot("admin-notice-group")
    assert not findings, "\n".join(findings)
