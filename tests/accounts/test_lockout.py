"""Five failed logins lock the account for 30 minutes, and the answer never tells whether it exists."""

import datetime

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.test import Client
from django.urls import reverse

from tests.factories import PASSWORD, UserFactory

from .helpers import login, without_tokens

pytestmark = pytest.mark.django_db

LOGIN = reverse("accounts:login")
WRONG = "Wrong-Password-2026!"


def _fail(client, email, times):
    return [client.post(LOGIN, {"username": email, "password": WRONG}) for _ in range(times)]


def test_the_settings_are_the_promised_ones():
    assert settings.AXES_FAILURE_LIMIT == 5
    assert settings.AXES_COOLOFF_TIME == datetime.timedelta(minutes=30)
    assert settings.AXES_LOCKOUT_PARAMETERS == ["username"]
    assert settings.AXES_ENABLED is True


def test_four_failures_still_let_the_owner_in(db):
    user = UserFactory()
    client = Client()
    answers = _fail(client, user.email, 4)
    assert {a.status_code for a in answers} == {200}
    assert login(client, user).status_code == 302


def test_the_fifth_failure_locks_known_and_unknown_addresses_alike(db):
    known = UserFactory(email="known@example.jp")
    locked_known = _fail(Client(), known.email, 5)[-1]
    locked_unknown = _fail(Client(), "nobody@example.jp", 5)[-1]
    assert locked_known.status_code == locked_unknown.status_code == 429
    assert without_tokens(locked_known.content.decode()) == without_tokens(locked_unknown.content.decode())
    assert "30分間ロック" in locked_known.content.decode()
    assert "known@example.jp" not in locked_known.content.decode()


def test_the_right_password_is_refused_while_locked(db):
    user = UserFactory()
    client = Client()
    _fail(client, user.email, 5)
    response = login(client, user)
    assert response.status_code == 429
    assert client.get(reverse("home")).status_code == 302  # not signed in
    assert "_auth_user_id" not in client.session


def test_changing_the_case_of_the_address_does_not_buy_more_tries(db):
    user = UserFactory(email="sato@example.jp")
    client = Client()
    for variant in ("sato@example.jp", "Sato@example.jp", "SATO@example.jp", "sAto@example.jp", "satO@example.jp"):
        client.post(LOGIN, {"username": variant, "password": WRONG})
    assert login(client, user).status_code == 429


def test_the_lock_is_per_account_not_per_address(db):
    victim, colleague = UserFactory(), UserFactory()
    client = Client()  # same IP address for both, as behind a hospital's NAT
    _fail(client, victim.email, 5)
    assert login(client, colleague).status_code == 302


def test_after_thirty_minutes_the_owner_may_log_in_again(db):
    user = UserFactory()
    client = Client()
    _fail(client, user.email, 5)
    AccessAttempt.objects.update(attempt_time=datetime.datetime.now(datetime.UTC) - datetime.timedelta(minutes=29))
    assert login(client, user).status_code == 429
    AccessAttempt.objects.update(attempt_time=datetime.datetime.now(datetime.UTC) - datetime.timedelta(minutes=31))
    assert login(client, user).status_code == 302


def test_a_successful_login_starts_the_count_again(db):
    user = UserFactory()
    client = Client()
    _fail(client, user.email, 4)
    login(client, user)
    client.post(reverse("accounts:logout"))
    assert {a.status_code for a in _fail(client, user.email, 4)} == {200}


def test_the_admin_login_page_is_locked_the_same_way(db):
    superuser = UserFactory(is_staff=True, is_superuser=True)
    client = Client()
    for _ in range(5):
        client.post(reverse("admin:login"), {"username": superuser.email, "password": WRONG})
    response = client.post(reverse("admin:login"), {"username": superuser.email, "password": PASSWORD})
    assert response.status_code == 429
