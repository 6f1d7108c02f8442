"""Every URL at every rung, inside and around program A, from the access table (tests/walk.py).

The foundation's walk proves that program A's people get 404 for program B's objects. Here:
- every row of the table at every rung, on program A's objects: anonymous goes to the login
  page; program B's people and (for one facility's objects) the other facility's get 404; each
  role of program A gets what `allowed` says (403 refused, 404 for someone with no role: they
  must not learn that the object exists); the app's own people get what `people` says; GET on
  a POST-only URL answers 405; the allowed request answers `status`. Nothing refused changes
  anything;
- someone of facility A asking for an object of facility A2 (same program) gets 404, and
  nothing changes;
- GET never changes state: only the access log may grow, and only by appending.
"""

import pytest
from django.urls import reverse

from consent.models import AccessLog
from tests.conftest import VerifiedClient
from tests.foundation.test_url_walk import URL_NAMES
from tests.security import dbstate
from tests.walk import GET, ROLES, N, Scene, build, kwarg_names, rows, tables

pytestmark = pytest.mark.django_db
LOG = "consent_accesslog"
ACCESS, KWARGS, _ = tables()
ROWS = list(rows(ACCESS))
OUTSIDERS = ("secretariat_b", "admin_b", "coordinator_b")  # program B's people
SIBLINGS = ("sibling_admin", "sibling_coordinator")  # program A, facility_a2


def _per_facility(name):
    return any(KWARGS[arg].scope == "facility" for arg in kwarg_names(name) if arg in KWARGS)


FACILITY_SCOPED = [n for n in URL_NAMES if _per_facility(n)]


def test_every_url_is_in_the_table_and_every_kwarg_can_be_built():
    missing = sorted(set(URL_NAMES) - set(ACCESS))
    assert not missing, f"decide who may open these URLs in tests/<app>/walk.py ACCESS: {missing}"
    stale = sorted(set(ACCESS) - set(URL_NAMES))
    assert not stale, f"ACCESS names URLs that no longer exist: {stale}"
    for name in URL_NAMES:
        for arg in kwarg_names(name):
            assert arg in KWARGS, f"{name}: '{arg}' needs a Kwarg in tests/<app>/walk.py KWARGS"
            if KWARGS[arg].scope == "facility":
                assert KWARGS[arg].sibling, f"{name}: '{arg}' is per facility and needs a sibling object"
    for name, row in ROWS:
        assert row.allowed is not None or row.label, f"{name}: a row without roles is a second row: label it"
    assert len(FACILITY_SCOPED) >= 20


def _expected(name, row):
    """{who: status} for everyone this row speaks about (None: anything but refused or an error)."""
    expected = {}
    if row.allowed is not None:
        # Someone of program B, or of the other facility, has no business here unless everyone has.
        if N not in row.allowed:
            expected |= dict.fromkeys(OUTSIDERS, 404)
            if _per_facility(name):
                expected |= dict.fromkeys(SIBLINGS, 404)
        expected |= {role: 404 if role == N else 403 for role in ROLES if role not in row.allowed}
    elif _per_facility(name):
        expected |= dict.fromkeys(SIBLINGS, 404)
    expected |= row.people
    allowed = [role for role in ROLES if row.allowed and role in row.allowed]
    ok = row.status or (200 if row.method == GET else None)
    expected |= dict.fromkeys(allowed, ok)
    return expected


@pytest.mark.parametrize(("name", "row"), ROWS, ids=[f"{n}[{r.label}]" if r.label else n for n, r in ROWS])
def test_every_url_at_every_rung(name, row, django_capture_on_commit_callbacks):
    scene = Scene()
    url = build(name, scene, objects=row.objects)

    def send(client):
        with django_capture_on_commit_callbacks(execute=True):
            if row.method == GET:
                return client.get(url)
            return client.post(url, row.data(scene) if row.data else {})

    expected = _expected(name, row)
    clients = {}
    for who in expected:  # everyone signed in before the first request: signing in moves last_login
        clients[who] = VerifiedClient()
        clients[who].force_login(scene.person(who))
    refused = {who: status for who, status in expected.items() if status in (403, 404)}
    before = dbstate.contents(skip=(*dbstate.VOLATILE, LOG))
    if not row.public:
        answer = send(VerifiedClient())
        assert answer.status_code == 302 and answer.url.startswith(reverse("accounts:login")), (
            f"{row.method} {name} as anonymous: {answer.status_code}")
    for who, status in refused.items():
        answer = send(clients[who]).status_code
        assert answer == status, f"{row.method} {name} as {who}: {answer}, expected {status}"
    assert dbstate.changed_tables(before, dbstate.contents(skip=(*dbstate.VOLATILE, LOG))) == [], name
    for who, status in expected.items():
        if who in refused:
            continue
        if row.method != GET:
            assert clients[who].get(url).status_code == 405, f"GET {name} as {who}: a POST-only URL"
        if row.ready:
            row.ready(scene)
        answer = send(clients[who]).status_code
        if status is None:
            assert answer not in (403, 404, 405) and answer < 500, f"POST {name} as {who}: {answer}"
        else:
            assert answer == status, f"{row.method} {name} as {who}: {answer}, expected {status}"


@pytest.mark.parametrize("name", FACILITY_SCOPED)
def test_another_facility_of_the_same_program_is_not_found(name):
    scene = Scene()
    world = scene.world
    url = build(name, scene, "sibling")
    clients = []
    for user in (world.admin_a, world.coordinator_a):  # signed in before the snapshot: it moves last_login
        clients.append(VerifiedClient())
        clients[-1].force_login(user)
    data = {"status": "approved", "facility": world.facility_a.pk, "program": world.program_a.pk}
    before = dbstate.contents()
    for client in clients:
        answer = client.get(url)
        assert answer.status_code in (404, 405), f"GET {name} answered {answer.status_code} for facility A2's object"
        answer = client.post(url, data)
        assert answer.status_code == 404, f"POST {name} answered {answer.status_code} for facility A2's object"
    assert dbstate.changed_tables(before, dbstate.contents()) == [], name


@pytest.mark.parametrize("name", URL_NAMES)
def test_get_never_changes_state(name, client):
    """As the insider (every role of program A): only the access log may grow, by appending."""
    scene = Scene()
    url = build(name, scene)
    client.force_login(scene.world.insider_a)
    log = list(AccessLog.objects.order_by("pk").values_list())
    skip = (*dbstate.VOLATILE, *dbstate.DERIVED, LOG)
    before = dbstate.contents(skip=skip)
    answer = client.get(url)
    assert answer.status_code < 500
    assert dbstate.changed_tables(before, dbstate.contents(skip=skip)) == [], name
    assert list(AccessLog.objects.order_by("pk").values_list())[: len(log)] == log
