"""Deny by default, proven over every URL pattern the project has.

- anonymous requests to private pages go to the login page (never a 200);
- a user holding every role in program A, asking for program B's objects, gets 404
  on GET and on POST, and nothing changes;
- a URL whose arguments the walk cannot build fails the test (tests/walk.py).
"""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.walk import PROVIDERS, PUBLIC


def _walk(patterns, namespace=None):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            ns = entry.namespace or namespace
            if ns == "admin":
                continue  # the admin has its own login; tested in test_admin
            yield from _walk(entry.url_patterns, ns if entry.namespace else namespace)
        elif isinstance(entry, URLPattern) and entry.name:
            name = f"{namespace}:{entry.name}" if namespace else entry.name
            yield name, entry


def all_url_names():
    seen = {}
    for name, pattern in _walk(get_resolver().url_patterns):
        seen.setdefault(name, pattern)
    return seen


def _kwarg_names(pattern):
    return list(pattern.pattern.converters)


def build(name, world):
    pattern = all_url_names()[name]
    kwargs = {}
    for arg in _kwarg_names(pattern):
        if arg not in PROVIDERS:
            pytest.fail(f"URL '{name}' takes '{arg}', which tests/walk.py cannot build: add a provider")
        kwargs[arg] = PROVIDERS[arg](world)
    return reverse(name, kwargs=kwargs), kwargs


URL_NAMES = sorted(all_url_names())


def test_the_walk_sees_the_project():
    assert "home" in URL_NAMES
    assert "facilities:facility-detail" in URL_NAMES
    assert len(URL_NAMES) >= 10
    stale = set(PUBLIC) - set(URL_NAMES)
    assert not stale, f"public allowlist names URLs that no longer exist: {stale}"


@pytest.mark.parametrize("name", URL_NAMES)
def test_anonymous_never_sees_a_private_page(name, client, world):
    url, _ = build(name, world)
    response = client.get(url)
    if name in PUBLIC:
        assert response.status_code in (200, 302, 404, 405), name
        return
    assert response.status_code in (302, 403, 404, 405), f"{name} answered {response.status_code} to anonymous"
    if response.status_code == 302:
        assert response.url.startswith(reverse("accounts:login")), f"{name} redirected to {response.url}"


@pytest.mark.parametrize("name", URL_NAMES)
def test_program_a_user_gets_404_for_program_b_objects(name, client, world, django_capture_on_commit_callbacks):
    url, kwargs = build(name, world)
    if not kwargs or name in PUBLIC:
        pytest.skip("no object of another program in this URL")
    client.force_login(world.insider_a)
    from tests.snapshot import snapshot

    before = snapshot()
    get = client.get(url)
    assert get.status_code in (404, 405), f"GET {name} answered {get.status_code} for program B's object"
    post = client.post(url, {"status": "approved", "program": world.program_a.pk})
    assert post.status_code == 404, f"POST {name} answered {post.status_code} for program B's object"
    assert snapshot() == before, f"{name} changed data for an outsider"
