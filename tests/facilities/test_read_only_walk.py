"""The secretariat's read-only member (閲覧のみ) on every URL of the access table: every page the
secretariat may open answers them too, every write the secretariat may make is refused (403) and
changes nothing."""

import pytest

from facilities.middleware import OWN_ACCOUNT
from facilities.models import RoleKind
from tests.conftest import VerifiedClient
from tests.factories import RoleFactory
from tests.security import dbstate
from tests.walk import GET, S, Scene, build, rows, tables

pytestmark = pytest.mark.django_db

# Forms that refuse them already on GET: they lead only to a write.
FORMS = {
    "facilities:people-grant", "facilities:account-two-factor-reset", "facilities:account-deactivate",
    "facilities:account-reactivate", "facilities:facility-people", "facilities:role-revoke", "oversight:incident-create"}
# Their own account (sign out, second factor, password) stays theirs to change.
SECRETARIAT_ROWS = [
    (n, r) for n, r in rows(tables()[0]) if r.allowed and S in r.allowed and not r.public and n not in OWN_ACCOUNT
]


@pytest.mark.parametrize(("name", "row"), SECRETARIAT_ROWS, ids=[f"{n}[{r.label}]" for n, r in SECRETARIAT_ROWS])
def test_read_only_member_reads_what_the_secretariat_reads_and_writes_nothing(name, row):
    scene = Scene()
    url = build(name, scene, objects=row.objects)
    reader = RoleFactory(kind=RoleKind.SECRETARIAT_READONLY, program=scene.world.program_a, facility=None).user
    client = VerifiedClient()
    client.force_login(reader)
    if row.ready:
        row.ready(scene)
    before = dbstate.contents(skip=dbstate.VOLATILE)
    if row.method == GET:
        expected = 403 if name in FORMS else (row.status or 200)
        assert client.get(url).status_code == expected, name
    else:
        assert client.post(url, row.data(scene) if row.data else {}).status_code == 403, name
        assert dbstate.changed_tables(before, dbstate.contents(skip=dbstate.VOLATILE)) == [], name
