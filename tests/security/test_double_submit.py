"""A form sent twice (a double click, Back and send again, a retry) never makes a 500 or a duplicate.

Every POST row of the access table that sends a body, as the first role it allows: the second,
identical POST answers without an error and without a refusal (a stale page explains itself,
never 「権限がありません」), and adds no row anywhere but the access log and history of the view.
"""

import pytest

from tests.conftest import VerifiedClient
from tests.security import dbstate
from tests.walk import GET, ROLES, Scene, build, rows, tables

pytestmark = pytest.mark.django_db
ACCESS, _, _ = tables()
POSTS = [(n, r) for n, r in rows(ACCESS) if r.method != GET and r.data and r.allowed and not r.public]
# Appended by looking, not by acting: the log of who viewed which patient.
LOOKING = ("consent_accesslog",)


def _counts(state):
    return {table: len(found) for table, found in state.items()}


@pytest.mark.parametrize(("name", "row"), POSTS, ids=[f"{n}[{r.label}]" if r.label else n for n, r in POSTS])
def test_the_same_post_twice_makes_one_record_and_no_error(name, row, django_capture_on_commit_callbacks):
    scene = Scene()
    url = build(name, scene, objects=row.objects)
    who = next(role for role in ROLES if role in row.allowed)
    client = VerifiedClient()
    client.force_login(scene.person(who))
    if row.ready:
        row.ready(scene)
    data = row.data(scene)
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(url, data)
    assert first.status_code < 500, f"{name}: first POST {first.status_code}"
    before = _counts(dbstate.contents(skip=(*dbstate.VOLATILE, *LOOKING)))
    with django_capture_on_commit_callbacks(execute=True):
        second = client.post(url, data)
    assert second.status_code < 500 and second.status_code not in (403, 404), (
        f"{name}: the second POST answered {second.status_code}")
    after = _counts(dbstate.contents(skip=(*dbstate.VOLATILE, *LOOKING)))
    grown = {t: (before[t], after[t]) for t in after if after[t] != before.get(t)}
    assert grown == {}, f"{name}: the second POST added rows {grown}"
