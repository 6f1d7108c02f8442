"""The foundation's walk, extended inside one program (tables in tests/security/roles.py).

- someone of facility A asking for an object of facility A2 (same program) gets 404, and
  nothing changes;
- every role tries every URL with objects of its own program and facility, and gets only
  what MATRIX allows: 403 for a role of the program without the right, 404 for someone with
  no role at all (they must not learn that the object exists);
- GET never changes state: only the access log may grow, and only by appending.
"""

import pytest

from consent.models import AccessLog
from tests.foundation.test_url_walk import URL_NAMES
from tests.security import dbstate
from tests.security.roles import (
    ALLOWED_STATUS,
    GET,
    KWARG_SCOPES,
    MATRIX,
    OWN,
    ROLES,
    SIBLING,
    N,
    Stage,
    build,
    kwargs_of,
)

pytestmark = pytest.mark.django_db
LOG = "consent_accesslog"


FACILITY_SCOPED = [n for n in URL_NAMES if any(KWARG_SCOPES.get(a) == "facility" for a in kwargs_of(n))]


def test_every_url_is_in_the_matrix_and_every_kwarg_has_a_scope():
    missing = sorted(set(URL_NAMES) - set(MATRIX))
    assert not missing, f"decide who may open these URLs in tests/security/roles.py MATRIX: {missing}"
    stale = sorted(set(MATRIX) - set(URL_NAMES))
    assert not stale, f"MATRIX names URLs that no longer exist: {stale}"
    for name in URL_NAMES:
        for arg in kwargs_of(name):
            assert arg in KWARG_SCOPES and arg in OWN, f"{name}: '{arg}' needs a scope and an own object"
            if KWARG_SCOPES[arg] == "facility":
                assert arg in SIBLING, f"{name}: '{arg}' is per facility and needs a SIBLING object"
    assert len(FACILITY_SCOPED) >= 20


@pytest.mark.parametrize("name", FACILITY_SCOPED)
def test_another_facility_of_the_same_program_is_not_found(name, client):
    stage = Stage()
    world = stage.world
    url = build(name, stage, SIBLING)
    for user in (world.admin_a, world.coordinator_a):
        client.force_login(user)
        before = dbstate.contents()
        answer = client.get(url)
        assert answer.status_code in (404, 405), f"GET {name} answered {answer.status_code} for facility A2's object"
        answer = client.post(url, {"status": "approved", "facility": world.facility_a.pk, "program": world.program_a.pk})
        assert answer.status_code == 404, f"POST {name} answered {answer.status_code} for facility A2's object"
        assert dbstate.changed_tables(before, dbstate.contents()) == [], name


@pytest.mark.parametrize("name", URL_NAMES)
def test_each_role_gets_only_what_the_matrix_allows(name, client, django_capture_on_commit_callbacks):
    if name not in MATRIX:
        pytest.fail(f"'{name}' is not in tests/security/roles.py MATRIX")
    method, allowed = MATRIX[name]
    stage = Stage()
    url = build(name, stage)
    # The refused roles first: their POSTs must change nothing, before an allowed POST changes something.
    for role in sorted(ROLES, key=lambda r: r in allowed):
        client.force_login(stage.user(role))
        before = dbstate.contents(skip=(*dbstate.VOLATILE, LOG))
        with django_capture_on_commit_callbacks(execute=True):
            answer = client.get(url) if method == GET else client.post(url, {})
        status = answer.status_code
        if role not in allowed:
            expected = 404 if role == N else 403
            assert status == expected, f"{method} {name} as {role}: {status}, expected {expected}"
            assert dbstate.changed_tables(before, dbstate.contents(skip=(*dbstate.VOLATILE, LOG))) == []
        elif method == GET:
            expected = ALLOWED_STATUS.get(name, 200)
            assert status == expected, f"GET {name} as {role}: {status}, expected {expected}"
        else:
            assert status not in (403, 404, 405) and status < 500, f"POST {name} as {role}: {status}"


@pytest.mark.parametrize("name", URL_NAMES)
def test_get_never_changes_state(name, client):
    """As the insider (every role of program A): only the access log may grow, by appending."""
    stage = Stage()
    url = build(name, stage)
    client.force_login(stage.world.insider_a)
    log = list(AccessLog.objects.order_by("pk").values_list())
    before = dbstate.contents(skip=(*dbstate.VOLATILE, LOG))
    answer = client.get(url)
    assert answer.status_code < 500
    assert dbstate.changed_tables(before, dbstate.contents(skip=(*dbstate.VOLATILE, LOG))) == [], name
    assert list(AccessLog.objects.order_by("pk").values_list())[: len(log)] == log
