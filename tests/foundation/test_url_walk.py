"""Deny by default, proven over every URL pattern the project has (the table: tests/walk.py).

- anonymous requests to private pages go to the login page (never a 200);
- a user holding every role in program A, asking for program B's objects, gets 404
  on GET and on POST, and nothing changes;
- a URL whose arguments the walk cannot build fails the test.
"""

import pytest
from django.urls import reverse

from tests.snapshot import snapshot
from tests.walk import PROVIDERS, Scene, kwarg_names, tables
from tests.walk import all_url_names as all_url_names  # re-exported: other tests walk the URLs from here
from tests.walk import build as build_url
from tests.walk import public as public_of

URL_NAMES = sorted(all_url_names())
PUBLIC = public_of(tables()[0])

__all__ = ["PROVIDERS", "URL_NAMES", "all_url_names", "build"]


def build(name, world):
    """Program B's URL, for tests that hold a world: (url, kwargs)."""
    scene = Scene(world)
    kwargs = {arg: tables()[1][arg].other(scene) for arg in kwarg_names(name)}
    return reverse(name, kwargs=kwargs), kwargs


def _program_b(name, scene):
    try:
        return build_url(name, scene, "other")
    except LookupError as error:
        pytest.fail(str(error))


def test_the_walk_sees_the_project():
    assert "home" in URL_NAMES
    assert "facilities:facility-detail" in URL_NAMES
    assert len(URL_NAMES) >= 10
    stale = set(PUBLIC) - set(URL_NAMES)
    assert not stale, f"public allowlist names URLs that no longer exist: {stale}"


@pytest.mark.django_db
@pytest.mark.parametrize("name", URL_NAMES)
def test_anonymous_never_sees_a_private_page(name, client):
    response = client.get(_program_b(name, Scene()))
    if name in PUBLIC:
        assert response.status_code in (200, 302, 404, 405), name
        return
    assert response.status_code in (302, 403, 404, 405), f"{name} answered {response.status_code} to anonymous"
    if response.status_code == 302:
        assert response.url.startswith(reverse("accounts:login")), f"{name} redirected to {response.url}"


@pytest.mark.django_db
@pytest.mark.parametrize("name", URL_NAMES)
def test_program_a_user_gets_404_for_program_b_objects(name, client, django_capture_on_commit_callbacks):
    if not kwarg_names(name) or name in PUBLIC:
        pytest.skip("no object of another program in this URL")
    scene = Scene()
    url = _program_b(name, scene)
    client.force_login(scene.world.insider_a)
    before = snapshot()
    get = client.get(url)
    assert get.status_code in (404, 405), f"GET {name} answered {get.status_code} for program B's object"
    post = client.post(url, {"status": "approved", "program": scene.world.program_a.pk})
    assert post.status_code == 404, f"POST {name} answered {post.status_code} for program B's object"
    assert snapshot() == before, f"{name} changed data for an outsider"
