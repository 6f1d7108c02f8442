"""One address cannot hammer the login pages or the public forms (core/middleware.py).

The limits are made small here (settings.THROTTLES) so that a test sends few requests; the
real ones are checked as promised. Counters live in the cache: local memory by default, one
test against the real Redis.
"""

import uuid

import pytest
from django.test import Client
from django.urls import reverse

from enrollment.models import Application
from tests.concurrency import WRONG
from tests.enrollment.helpers import post_data
from tests.factories import PASSWORD, ProgramFactory, UserFactory

pytestmark = pytest.mark.django_db

LOGIN = reverse("accounts:login")
SMALL = {"login": (3, 60), "public-post": (2, 60), "public-get": (4, 60)}


@pytest.fixture
def small(settings):
    settings.THROTTLES = SMALL


def _wrong_logins(client, times, **extra):
    return [
        client.post(LOGIN, {"username": f"user{i}@example.jp", "password": WRONG}, **extra).status_code
        for i in range(times)
    ]


def test_the_limits_are_the_promised_ones(settings):
    assert settings.THROTTLES == {"login": (30, 60), "public-post": (10, 60), "public-get": (120, 60)}


def test_one_address_spraying_many_accounts_gets_a_japanese_429(small):
    client = Client()
    assert _wrong_logins(client, 3) == [200, 200, 200]
    response = client.post(LOGIN, {"username": "another@example.jp", "password": WRONG})
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 60
    page = response.content.decode()
    assert "しばらくお待ちください" in page and "秒ほど待ってから" in page


def test_the_owner_waits_too_but_another_address_does_not(small):
    user = UserFactory()
    _wrong_logins(Client(), 3)
    assert Client().post(LOGIN, {"username": user.email, "password": PASSWORD}).status_code == 429
    elsewhere = Client(REMOTE_ADDR="192.0.2.7")
    assert elsewhere.post(LOGIN, {"username": user.email, "password": PASSWORD}).status_code == 302


def test_reading_the_login_page_is_not_counted(small):
    client = Client()
    assert {client.get(LOGIN).status_code for _ in range(10)} == {200}
    assert _wrong_logins(client, 3) == [200, 200, 200]


def test_the_admin_login_and_the_password_reset_share_the_count(small):
    client = Client()
    client.post(reverse("admin:login"), {"username": "a@example.jp", "password": WRONG})
    client.post(reverse("accounts:password-reset"), {"email": "a@example.jp"})
    client.post(LOGIN, {"username": "a@example.jp", "password": WRONG})
    assert client.post(reverse("admin:login"), {"username": "a@example.jp", "password": WRONG}).status_code == 429
    assert client.post(reverse("accounts:password-reset"), {"email": "a@example.jp"}).status_code == 429


def test_the_public_application_form_is_throttled_and_a_refused_post_saves_nothing(small):
    program = ProgramFactory()
    url = reverse("enrollment:apply", args=[program.slug])
    client = Client()
    assert [client.post(url, post_data(program)).status_code for _ in range(2)] == [302, 302]
    assert client.post(url, post_data(program)).status_code == 429
    assert Application.objects.count() == 2


def test_the_public_pages_are_throttled_more_generously(small):
    program = ProgramFactory()
    url = reverse("enrollment:postal", args=[program.slug]) + "?code=5800001"
    client = Client()
    assert [client.get(url).status_code for _ in range(4)] == [200] * 4
    assert client.get(url).status_code == 429


def test_signed_in_pages_are_not_throttled(small, world, client):
    client.force_login(world.secretariat_a)
    assert {client.get(reverse("home")).status_code for _ in range(10)} == {200}


def test_behind_the_proxy_the_address_it_saw_counts_not_what_the_client_claims(small, settings):
    settings.BEHIND_PROXY = True
    client = Client()
    # The client makes up a new first entry each time; the proxy appends the address it saw.
    codes = [
        client.post(LOGIN, {"username": "x@example.jp", "password": WRONG},
                    HTTP_X_FORWARDED_FOR=f"10.0.0.{i}, 198.51.100.9").status_code
        for i in range(4)
    ]
    assert codes == [200, 200, 200, 429]
    other = client.post(LOGIN, {"username": "x@example.jp", "password": WRONG},
                        HTTP_X_FORWARDED_FOR="198.51.100.10")
    assert other.status_code == 200


def test_when_the_cache_is_down_logins_still_work(small, settings):
    # Nothing listens on port 9: the throttle lets requests through; the lockout still counts.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                   "LOCATION": "redis://127.0.0.1:9/0"}}
    user = UserFactory()
    assert _wrong_logins(Client(), 4) == [200] * 4
    assert Client().post(LOGIN, {"username": user.email, "password": PASSWORD}).status_code == 302


def _redis_or_skip(url):
    redis = pytest.importorskip("redis")
    connection = redis.Redis.from_url(url, socket_connect_timeout=1)
    try:
        connection.ping()
    except redis.exceptions.ConnectionError:
        pytest.skip(f"no Redis at {url}")
    return connection


def test_with_redis_the_count_is_shared_by_every_process(small, settings):
    url = "redis://127.0.0.1:6379/0"
    redis = _redis_or_skip(url)
    prefix = f"portal-test-{uuid.uuid4().hex}"  # never touches anyone else's keys
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url, "KEY_PREFIX": prefix}
    }
    try:
        client = Client()
        assert _wrong_logins(client, 3) == [200, 200, 200]
        assert client.post(LOGIN, {"username": "y@example.jp", "password": WRONG}).status_code == 429
        # What another process would find: the counter is in Redis, not in this process's memory.
        keys = redis.keys(f"{prefix}:*throttle:login:*")
        assert len(keys) == 1 and int(redis.get(keys[0])) == 4
    finally:
        for key in redis.scan_iter(f"{prefix}:*"):
            redis.delete(key)
