import pytest
from django.core.management import call_command

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_anonymous_visitor_lands_on_the_japanese_login_page(page):
    call_command("seed_demo", stdout=open("/dev/null", "w"))
    page.goto("/")
    assert "/accounts/login/" in page.url
    page.steps.shot("login")
    assert page.locator("h1").inner_text() == "ログイン"
