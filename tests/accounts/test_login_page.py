"""The login page shows an applicant without a login where each network's application form is."""

import pytest
from django.urls import reverse

from tests.factories import ProgramFactory

pytestmark = pytest.mark.django_db


def test_the_login_page_links_each_active_programs_application_form(client):
    active = ProgramFactory(name="m@tsuネット", slug="matsubara")
    closed = ProgramFactory(name="終わったネット", slug="closed", is_active=False)
    body = client.get(reverse("accounts:login")).content.decode()
    assert "施設の利用申込" in body
    assert f'<a href="/p/{active.slug}/apply/">m@tsuネット</a>' in body
    assert f"/p/{closed.slug}/apply/" not in body and closed.name not in body


def test_without_any_active_program_the_section_is_not_shown(client):
    ProgramFactory(is_active=False)
    assert "施設の利用申込" not in client.get(reverse("accounts:login")).content.decode()
