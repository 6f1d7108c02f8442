"""The access table: for every URL of the project, who gets what, and how its arguments are built.

One table, read by both walks (the apps' test_views.py keep no rung tables of their own):
- tests/foundation/test_url_walk.py: anonymous never sees a private page; program A's people
  get 404 for program B's objects;
- tests/security/test_walk_roles.py: every URL at every rung on program A's objects (anonymous,
  program B, another facility of the same program, each role, the app's own people, GET on a
  POST-only URL, the allowed request); the other facility's objects are not found; GET never
  changes state.

Each app keeps its part in `tests/<app>/walk.py`:

  ACCESS = {"<namespace:url-name>": Access(...) or (Access(...), Access(...), ...)}
  KWARGS = {"<kwarg name>": Kwarg(...)}       # how to build an argument, once per kwarg
  PEOPLE = {"<who>": lambda scene: user}       # people only this app's rows name

A URL missing from ACCESS, or a kwarg missing from KWARGS, fails the walks: every new URL is
decided and buildable. `scene` is a `Scene` (below): program A runs musashimurayama (the
variant with every feature), program B is the outsider's; objects and people are made on first
use, so a test pays only for what its URL needs.
"""

import importlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache, cached_property
from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.conftest import make_world
from tests.factories import UserFactory, admin_of, coordinator_of

APPS = ("foundation", "policy", "enrollment", "facilities", "consent", "groups", "oversight", "ledger_import", "accounts", "security")

GET, POST = "GET", "POST"
S, A, C, N = "secretariat", "admin", "coordinator", "none"  # program A's; N: signed in, holds no role
ROLES = (S, A, C, N)
EVERYONE = frozenset(ROLES)
FACILITY = frozenset({S, A, C})  # can see the facility (and its patients' care): its roles and the secretariat
MANAGERS = frozenset({S, A})  # may change the facility's ledger
CARE = frozenset({A, C})  # facility roles: act for a patient (or a group) of their facility
SECRETARIAT = frozenset({S})


@dataclass
class Access:
    """What one URL answers, on program A's objects (the scene's own ones unless `objects` says).

    - method: GET for pages, POST for POST-only actions (their GET must answer 405);
    - allowed: program A's roles that get through; the others get 403, and N (no role) 404.
      None: this row does not decide the roles (a second row about other objects, with `people`);
    - status: what an allowed request answers. None: 200 for GET, and for POST anything that is
      neither refused (403/404/405) nor an error;
    - public: why anonymous may open it (empty: anonymous goes to the login page);
    - people: {who: status} for people only this URL's app knows (see PEOPLE), or program A's
      users by their world name ("secretariat_a") where a row gives no roles;
    - objects: {kwarg: lambda scene: value} instead of the scene's own object for that kwarg;
    - data: lambda scene: the POST body (empty unless given);
    - ready: lambda scene: bring the object to where the allowed request can succeed (run before each);
    - label: names a second row of the same URL in the test ids.
    """

    method: str = GET
    allowed: frozenset | None = frozenset()
    status: int | None = None
    public: str = ""
    people: dict = field(default_factory=dict)
    objects: dict = field(default_factory=dict)
    data: Any = None
    ready: Any = None
    label: str = ""


@dataclass
class Kwarg:
    """How the walks build one URL argument, each a function of the scene.

    - scope: "facility" (one facility's object: someone of another facility of the same program
      gets 404), "program" (the program's, or shared by the whole program) or "token" (public:
      the key is in the URL);
    - own: program A's object at facility_a (the roles' own);
    - sibling: the same kind of object at facility_a2 (needed for "facility");
    - other: program B's object (the outsider's side).
    """

    scope: str
    own: Any
    other: Any
    sibling: Any = None


ACCESS = {
    "home": Access(GET, EVERYONE),
    "healthz": Access(GET, EVERYONE, public="health check for the load balancer"),
}

KWARGS = {
    "slug": Kwarg("program", own=lambda s: s.world.program_a.slug, other=lambda s: s.world.program_b.slug),
    "facility_pk": Kwarg("facility", own=lambda s: s.world.facility_a.pk, sibling=lambda s: s.world.facility_a2.pk,
                         other=lambda s: s.world.facility_b.pk),
}

PEOPLE = {
    # Signed in, holds no role anywhere (the N of the roles).
    "none": lambda s: UserFactory(),
    # Program A, the other facility: must not learn that facility_a's objects exist.
    "sibling_admin": lambda s: admin_of(s.world.facility_a2),
    "sibling_coordinator": lambda s: coordinator_of(s.world.facility_a2),
}


@cache
def tables():
    """(ACCESS, KWARGS, PEOPLE) of the project: this module's and every app's, merged once."""
    access, kwargs, people = dict(ACCESS), dict(KWARGS), dict(PEOPLE)
    for app in APPS:
        try:
            module = importlib.import_module(f"tests.{app}.walk")
        except ModuleNotFoundError as exc:
            if exc.name not in (f"tests.{app}.walk", f"tests.{app}"):
                raise
            continue
        for mine, theirs in ((access, "ACCESS"), (kwargs, "KWARGS"), (people, "PEOPLE")):
            clash = set(mine) & set(getattr(module, theirs, {}))
            assert not clash, f"tests/{app}/walk.py {theirs} repeats {sorted(clash)}"
            mine.update(getattr(module, theirs, {}))
    return access, kwargs, people


def rows(access):
    """Every (url name, Access) of the table, a URL with several rows once per row."""
    for name, entry in sorted(access.items()):
        for row in entry if isinstance(entry, tuple) else (entry,):
            yield name, row


def public(access):
    """{url name: why it is public}."""
    return {name: row.public for name, row in rows(access) if row.public}


# --- Building URLs --------------------------------------------------------------------------


def _walk(patterns, namespace=None):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            if (entry.namespace or namespace) == "admin":
                continue  # the admin has its own login; tested in test_admin
            yield from _walk(entry.url_patterns, entry.namespace or namespace)
        elif isinstance(entry, URLPattern) and entry.name:
            yield (f"{namespace}:{entry.name}" if namespace else entry.name), entry


def all_url_names():
    """{url name: pattern} of every named URL of the project but the admin's."""
    seen = {}
    for name, pattern in _walk(get_resolver().url_patterns):
        seen.setdefault(name, pattern)
    return seen


def kwarg_names(name):
    return list(all_url_names()[name].pattern.converters)


class Scene:
    """The lazy world (program A on the variant with every feature) and the objects the table names."""

    VARIANT = "musashimurayama"  # approves, staff and facility pledges, change notices, public list

    def __init__(self, world=None):
        if world is not None:
            self.world = world
        self._made = {}

    @cached_property
    def world(self):
        return make_world(variant_a=self.VARIANT, lazy=True)

    def once(self, key, make):
        """`make()` the first time `key` is asked for, the same object after."""
        if key not in self._made:
            self._made[key] = make()
        return self._made[key]

    def person(self, who):
        """A role (S, A, C, N), someone of PEOPLE, or one of the world's users by name."""
        who = {S: "secretariat_a", A: "admin_a", C: "coordinator_a"}.get(who, who)
        people = tables()[2]
        if who in people:
            return self.once(("person", who), lambda: people[who](self))
        return getattr(self.world, who)


def build(name, scene, side="own", objects=None):
    """The URL with `side`'s objects ("own", "sibling" or "other"), `objects` overriding per kwarg.

    "sibling" gives facility_a2's object where the kwarg is per facility, the own one elsewhere.
    """
    known, objects = tables()[1], objects or {}
    kwargs = {}
    for arg in kwarg_names(name):
        if arg in objects:
            kwargs[arg] = objects[arg](scene)
            continue
        if arg not in known:
            raise LookupError(f"URL '{name}' takes '{arg}': give it a Kwarg in tests/<app>/walk.py KWARGS")
        kwarg = known[arg]
        make = {"own": kwarg.own, "sibling": kwarg.sibling or kwarg.own, "other": kwarg.other}[side]
        kwargs[arg] = make(scene)
    return reverse(name, kwargs=kwargs)


class _Providers(Mapping):
    """{kwarg: lambda world: program B's object}, for tests that hold a world rather than a scene."""

    def __getitem__(self, arg):
        other = tables()[1][arg].other
        return lambda world: other(Scene(world))

    def __iter__(self):
        return iter(tables()[1])

    def __len__(self):
        return len(tables()[1])


PROVIDERS = _Providers()
