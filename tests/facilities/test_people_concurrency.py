"""Two secretariat members at two screens revoking at once (PostgreSQL, real parallel connections)."""


import pytest
from django.core.exceptions import ValidationError

from facilities import people
from facilities.models import AccountAction, Role, RoleKind
from tests.concurrency import fire
from tests.conftest import make_world
from tests.factories import RoleFactory, StaffFactory, UserFactory, secretariat_of

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _revoke(role, by, reason):
    def run():
        try:
            people.role_revoke(role=role, by=by, reason=reason)
            return "revoked"
        except ValidationError as exc:
            return " ".join(exc.messages)
    return run


def test_two_members_revoking_the_same_role_one_wins_the_other_is_told():
    world = make_world()
    role = RoleFactory(kind=RoleKind.COORDINATOR, facility=world.facility_a)
    second = secretariat_of(world.program_a)
    results = fire([_revoke(role, world.secretariat_a, "担当外れ"), _revoke(role, second, "担当外れ（重複）")])
    assert sorted(results) == sorted(["revoked", people.ALREADY_REVOKED])
    role.refresh_from_db()
    assert not role.is_active
    assert role.history.filter(is_active=False).count() == 1  # revoked once, not twice


def test_revoking_both_administrators_at_once_leaves_one():
    """Each revocation alone would leave one administrator; together they would leave none."""
    world = make_world()
    facility = world.facility_a2
    roles = []
    for _ in range(2):
        staff = StaffFactory(facility=facility, is_admin=True)
        staff.user = UserFactory(email=staff.email)
        staff.save()
        roles.append(RoleFactory(kind=RoleKind.FACILITY_ADMIN, facility=facility, user=staff.user))
    second = secretariat_of(world.program_a)
    results = fire([_revoke(roles[0], world.secretariat_a, "退職"), _revoke(roles[1], second, "退職")])
    assert results.count("revoked") == 1
    assert any("後任" in r for r in results if r != "revoked")
    assert Role.objects.filter(facility=facility, kind=RoleKind.FACILITY_ADMIN, is_active=True).count() == 1


def _deactivate(world, user, by):
    def run():
        try:
            people.account_deactivate(program=world.program_a, user=user, by=by, reason="退職")
            return "stopped"
        except ValidationError as exc:
            return " ".join(exc.messages)
    return run


def test_the_only_two_secretariat_members_stopping_each_other_at_once_leave_one():
    world = make_world(lazy=True)  # no insider_a: these two are the program's whole secretariat
    first, second = world.secretariat_a, secretariat_of(world.program_a)
    results = fire([_deactivate(world, second, first), _deactivate(world, first, second)])
    assert results.count("stopped") == 1
    assert any("最後の事務局メンバー" in r for r in results if r != "stopped")
    assert Role.objects.filter(program=world.program_a, kind=RoleKind.SECRETARIAT, user__is_active=True).count() == 1


def test_stopping_the_same_login_twice_at_once_records_it_once():
    world = make_world()
    person = RoleFactory(kind=RoleKind.COORDINATOR, facility=world.facility_a).user
    second = secretariat_of(world.program_a)
    results = fire([_deactivate(world, person, world.secretariat_a), _deactivate(world, person, second)])
    assert results.count("stopped") == 1 and any("すでに停止" in r for r in results)
    assert AccountAction.objects.filter(user=person).count() == 1


def test_the_only_two_secretariat_members_revoking_each_others_roles_at_once_leave_one():
    """Without the program's lock both would see the other's role still active, and both would go."""
    world = make_world(lazy=True)
    first, second = world.secretariat_a, secretariat_of(world.program_a)
    roles = [u.roles.get(program=world.program_a, kind=RoleKind.SECRETARIAT) for u in (first, second)]
    results = fire([_revoke(roles[1], first, "異動"), _revoke(roles[0], second, "異動")])
    assert results.count("revoked") == 1
    # The one counted second has just lost their own role, so they may no longer revoke at all.
    assert [r for r in results if r != "revoked"] == [people.NOT_ALLOWED]
    assert Role.objects.filter(program=world.program_a, kind=RoleKind.SECRETARIAT, is_active=True).count() == 1
