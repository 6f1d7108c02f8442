"""CSRF is enforced on every URL: a POST without the token is refused and changes nothing.

Django's test client skips the CSRF check unless asked; these tests ask (enforce_csrf_checks).
The walk covers every URL pattern, so a view marked csrf_exempt would show up here.
"""

import pytest
from django.urls import reverse

from consent.models import ConsentTemplate
from tests.conftest import VerifiedClient
from tests.foundation.test_url_walk import URL_NAMES
from tests.foundation.test_url_walk import build as build_with_program_b
from tests.security import dbstate
from tests.security.roles import OWN, Stage, build, kwargs_of

pytestmark = pytest.mark.django_db


def csrf_client(user=None):
    client = VerifiedClient(enforce_csrf_checks=True)
    if user is not None:
        client.force_login(user)
    return client


def url_for(name, stage):
    if all(arg in OWN for arg in kwargs_of(name)):
        return build(name, stage)
    # An app that has not told the role walk about its URLs yet: any object will do here,
    # the token is checked before the view looks anything up.
    return build_with_program_b(name, stage.world)[0]


@pytest.mark.parametrize("name", URL_NAMES)
def test_a_post_without_the_token_is_refused_and_changes_nothing(name):
    stage = Stage()
    url = url_for(name, stage)
    for client in (csrf_client(stage.world.insider_a), csrf_client()):
        before = dbstate.contents()
        answer = client.post(url, {"status": "approved", "program": stage.world.program_b.pk})
        assert answer.status_code == 403, f"POST {name} without a CSRF token answered {answer.status_code}"
        assert "CSRF" in answer.content.decode(), f"{name}: refused, but not by the CSRF check"
        assert dbstate.changed_tables(before, dbstate.contents()) == [], name


def test_a_wrong_token_is_refused_too(world):
    client = csrf_client(world.secretariat_a)
    client.get(reverse("consent:template-list", args=[world.program_a.slug]))
    answer = client.post(reverse("consent:template-draft", args=[world.program_a.slug]),
                         {"csrfmiddlewaretoken": "x" * 64})
    assert answer.status_code == 403 and not ConsentTemplate.objects.exists()


def test_the_same_post_with_the_token_goes_through(world):
    """The control: what refuses the walk's POSTs is the missing token, not the URL."""
    client = csrf_client(world.secretariat_a)
    client.get(reverse("consent:template-list", args=[world.program_a.slug]))
    token = client.cookies["csrftoken"].value
    answer = client.post(reverse("consent:template-draft", args=[world.program_a.slug]),
                         {"csrfmiddlewaretoken": token})
    assert answer.status_code == 302
    assert ConsentTemplate.objects.filter(program=world.program_a, published_at__isnull=True).exists()
