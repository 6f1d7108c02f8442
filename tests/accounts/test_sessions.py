"""Sessions: 30 minutes idle, 12 hours in all, a new id at login, and ended by a password change or deactivation."""

import datetime
import time

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts import services
from accounts.middleware import SessionLifetimeMiddleware
from tests.conftest import VerifiedClient
from tests.factories import PASSWORD, UserFactory

from .helpers import login, reset_link, sign_in, totp_device

pytestmark = pytest.mark.django_db

HOME = reverse("home")
SECURITY = reverse("accounts:security")  # a private page of this app: stable while others' pages are in progress


def _signed_in(client):
    return client.get(SECURITY).status_code == 200


def _session(client):
    return Session.objects.get(session_key=client.session.session_key)


def _edit_session(client, **values):
    session = client.session
    session.update(values)
    session.save()


def test_the_timeouts_are_the_promised_ones():
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST is True
    assert settings.SESSION_ABSOLUTE_LIFETIME == 12 * 60 * 60
    assert "accounts.middleware.SessionLifetimeMiddleware" in settings.MIDDLEWARE


def test_login_gives_a_new_session_id_and_starts_the_twelve_hour_clock(db):
    user = UserFactory()
    client = Client()
    client.get(reverse("accounts:login"))
    client.cookies["sessionid"] = "attacker-chosen-session-id"
    before = time.time()
    login(client, user)
    assert client.cookies["sessionid"].value != "attacker-chosen-session-id"
    assert client.session[SessionLifetimeMiddleware.KEY] >= before


def test_every_request_pushes_the_idle_expiry_forward(client, db):
    client.force_login(UserFactory())
    client.get(SECURITY)
    Session.objects.update(expire_date=timezone.now() + datetime.timedelta(minutes=5))
    client.get(SECURITY)
    assert _session(client).expire_date > timezone.now() + datetime.timedelta(minutes=29)


def test_thirty_minutes_idle_ends_the_session(client, db):
    client.force_login(UserFactory())
    assert _signed_in(client)
    Session.objects.update(expire_date=timezone.now() - datetime.timedelta(seconds=1))
    response = client.get(SECURITY)
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:login"))


def test_twelve_hours_after_login_the_session_ends_however_active(client, db):
    client.force_login(UserFactory())
    client.get(SECURITY)
    _edit_session(client, **{SessionLifetimeMiddleware.KEY: time.time() - 12 * 60 * 60 + 60})
    assert _signed_in(client)  # 11 h 59 min: still in
    _edit_session(client, **{SessionLifetimeMiddleware.KEY: time.time() - 12 * 60 * 60 - 1})
    response = client.get(SECURITY)
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:login"))
    assert not _signed_in(client)  # logged out, not just turned away once


def test_changing_the_password_ends_the_other_sessions_but_not_this_one(world):
    user = world.admin_a
    device = totp_device(user)
    here = sign_in(user, device)
    elsewhere = VerifiedClient()
    elsewhere.force_login(user)  # another browser, signed in with both factors
    assert _signed_in(elsewhere)
    new = "Another-Pass-2026!"
    response = here.post(reverse("accounts:password-change"),
                         {"old_password": PASSWORD, "new_password1": new, "new_password2": new})
    assert response.status_code == 302, response.content.decode()
    assert _signed_in(here)
    assert not _signed_in(elsewhere)


def test_a_password_reset_ends_every_session(client, db):
    user = UserFactory()
    client.force_login(user)
    assert _signed_in(client)
    link = reset_link(user)
    stranger = Client()
    form = stranger.get(link, follow=True)
    new = "Reset-Password-2026!"
    stranger.post(form.redirect_chain[-1][0], {"new_password1": new, "new_password2": new})
    assert not _signed_in(client)


def test_deactivating_through_the_service_ends_their_sessions(client, db):
    user = UserFactory()
    client.force_login(user)
    assert _signed_in(client)
    services.user_deactivate(user=user)
    assert not _signed_in(client)
    assert login(Client(), user).status_code == 200  # and no new ones


def test_deactivating_in_the_admin_ends_their_sessions(client, world):
    user = world.coordinator_a
    theirs = VerifiedClient()
    theirs.force_login(user)
    assert _signed_in(theirs)
    client.force_login(world.superuser)
    url = reverse("admin:accounts_user_change", args=[user.pk])
    data = {
        "email": user.email, "full_name": user.full_name, "full_name_kana": user.full_name_kana,
        "is_active": "", "is_staff": "", "is_superuser": "",
    }
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    user.refresh_from_db()
    assert not user.is_active
    assert not _signed_in(theirs)
