import os
from functools import cached_property

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client

from facilities.models import RoleKind
from tests.factories import FacilityFactory, ProgramFactory, RoleFactory, StaffFactory, UserFactory


def pytest_collection_modifyitems(config, items):
    if any("browser" in item.keywords for item in items):
        # Playwright's sync API keeps an event loop running in the main thread for the whole
        # session, so every ORM call after it starts (fixtures' flush included) looks "async" to
        # Django. The app has no async code; subprocesses that care strip it (test_settings).
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    # Tests marked postgres need the real thing (locking, constraints, triggers).
    if connection.vendor != "postgresql":
        skip = pytest.mark.skip(reason="needs PostgreSQL: run with DATABASE_URL=postgres://...")
        for item in items:
            if "postgres" in item.keywords:
                item.add_marker(skip)


@pytest.fixture(autouse=True)
def _fresh_cache():
    # The throttle counts in the cache: each test starts from nothing, as after a quiet minute.
    cache.clear()


@pytest.fixture(autouse=True)
def _locmem_email(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture(autouse=True)
def _fast_hashers(request, settings):
    # Argon2 costs ~0.1 s a hash by design; tests that are about hashing keep it (@pytest.mark.argon2).
    if request.node.get_closest_marker("argon2") is None:
        settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


class VerifiedClient(Client):
    """force_login also completes the two-factor step, as a real login would after the OTP code.

    Tests about two-factor itself use a plain django.test.Client and go through the pages.
    """

    def force_login(self, user, backend=None):
        from django_otp import DEVICE_ID_SESSION_KEY
        from django_otp.plugins.otp_static.models import StaticDevice

        super().force_login(user, backend)
        device, _ = StaticDevice.objects.get_or_create(user=user, name="test-device", defaults={"confirmed": True})
        session = self.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()


@pytest.fixture
def client():
    return VerifiedClient()


class World:
    """Two programs, each with a facility and one user per role; B is the outsider's side.

    Every attribute is made on first use. `make_world()` touches them all at once (the `world`
    fixture): many tests assert that program B's objects are *absent* from a page, and such an
    assertion proves nothing if the object is only made after the response. The URL walks, which
    build every object they name before the request, take the lazy world and pay only for what a
    URL needs.
    """

    def __init__(self, variant_a="matsubara", variant_b="iwakuni"):
        self.variant_a, self.variant_b = variant_a, variant_b

    @cached_property
    def program_a(self):
        return ProgramFactory(variant=self.variant_a)

    @cached_property
    def program_b(self):
        return ProgramFactory(variant=self.variant_b)

    @cached_property
    def facility_a(self):
        return FacilityFactory(program=self.program_a)

    @cached_property
    def facility_a2(self):
        return FacilityFactory(program=self.program_a)

    @cached_property
    def facility_b(self):
        return FacilityFactory(program=self.program_b)

    @cached_property
    def secretariat_a(self):
        return _role(RoleKind.SECRETARIAT, self.program_a)

    @cached_property
    def admin_a(self):
        return _role(RoleKind.FACILITY_ADMIN, self.program_a, self.facility_a)

    @cached_property
    def coordinator_a(self):
        return _role(RoleKind.COORDINATOR, self.program_a, self.facility_a)

    @cached_property
    def insider_a(self):
        """Holds every role in program A."""
        insider = UserFactory()
        _role(RoleKind.SECRETARIAT, self.program_a, user=insider)
        _role(RoleKind.FACILITY_ADMIN, self.program_a, self.facility_a, user=insider)
        _role(RoleKind.COORDINATOR, self.program_a, self.facility_a, user=insider)
        return insider

    @cached_property
    def secretariat_b(self):
        return _role(RoleKind.SECRETARIAT, self.program_b)

    @cached_property
    def admin_b(self):
        return _role(RoleKind.FACILITY_ADMIN, self.program_b, self.facility_b)

    @cached_property
    def coordinator_b(self):
        return _role(RoleKind.COORDINATOR, self.program_b, self.facility_b)

    @cached_property
    def staff_a(self):
        return StaffFactory(facility=self.facility_a)

    @cached_property
    def staff_b(self):
        return StaffFactory(facility=self.facility_b)

    @cached_property
    def superuser(self):
        return UserFactory(is_superuser=True, is_staff=True)


# In the order make_world has always made them, so that numbers and names stay as they were.
_EVERYTHING = ("program_a", "program_b", "facility_a", "facility_a2", "facility_b", "insider_a", "secretariat_a",
               "admin_a", "coordinator_a", "secretariat_b", "admin_b", "coordinator_b", "staff_a", "staff_b",
               "superuser")


def _role(kind, program, facility=None, user=None):
    kwargs = {"user": user} if user else {}
    return RoleFactory(kind=kind, program=program, facility=facility, **kwargs).user


def make_world(variant_a="matsubara", variant_b="iwakuni", *, lazy=False):
    world = World(variant_a, variant_b)
    if not lazy:
        for name in _EVERYTHING:
            getattr(world, name)
    return world


@pytest.fixture
def world(db):
    return make_world()


@pytest.fixture
def no_japanese_font(monkeypatch):
    """fontconfig finds no Japanese face, as on a server set up without fonts-ipaexfont."""
    import core.pdf

    def clear():
        core.pdf.font_files.cache_clear()
        core.pdf._stylesheet.cache_clear()
        core.pdf._cmap.cache_clear()

    monkeypatch.setattr(core.pdf, "_fc_match", lambda family: None)
    clear()
    yield
    monkeypatch.undo()
    clear()
