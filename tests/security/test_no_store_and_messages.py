"""What a signed-in page shows stays out of the browser's cache, and messages stay on the server.

- Every answer to someone signed in carries `Cache-Control: no-store`
  (accounts.middleware.NoStoreForSignedInMiddleware): every URL of the project is walked.
- The public pages are left as they were.
- Messages ("佐藤花子さんを登録しました") are kept in the session, never in a cookie.
"""

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import StaffFactory
from tests.foundation.test_url_walk import URL_NAMES
from tests.security.roles import Stage, build

pytestmark = pytest.mark.django_db


def _no_store(response):
    return "no-store" in response.get("Cache-Control", "")


def test_every_page_for_someone_signed_in_is_no_store(client):
    stage = Stage()
    client.force_login(stage.world.insider_a)
    cached = []
    for name in URL_NAMES:
        response = client.get(build(name, stage))
        if not _no_store(response):
            cached.append(f"{name} ({response.status_code})")
    assert cached == []


def test_the_admin_is_no_store_too(client, world):
    client.force_login(world.superuser)
    assert _no_store(client.get(reverse("admin:index")))
    assert _no_store(client.get(reverse("admin:accounts_user_changelist")))


def test_someone_with_only_the_password_gets_no_store_too(world):
    client = Client()
    client.force_login(world.coordinator_a)  # the second factor still owed
    response = client.get(reverse("accounts:two-factor-setup"))
    assert response.status_code == 200 and _no_store(response)


def test_the_public_pages_are_left_alone(world):
    client = Client()
    # (The login page and /healthz are never_cache by their own decorators.)
    slug = world.program_a.slug
    for url in (reverse("enrollment:apply", args=[slug]), reverse("enrollment:postal", args=[slug]) + "?code=5800001"):
        response = client.get(url)
        assert response.status_code == 200
        assert not _no_store(response), url


def test_messages_are_kept_in_the_session_not_in_a_cookie(client, world):
    pending = StaffFactory(facility=world.facility_a, full_name="佐藤 花子", status="pending")
    client.force_login(world.admin_a)
    response = client.post(reverse("facilities:staff-activate", kwargs={"staff_pk": pending.pk}))
    assert response.status_code == 302
    assert "messages" not in response.cookies
    assert all("佐藤" not in morsel.value for morsel in response.cookies.values())
    shown = client.get(response["Location"])
    assert "messages" not in shown.cookies
    assert [str(m) for m in shown.context["messages"]]  # the message is still shown, from the session
