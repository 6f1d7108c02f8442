import os
from dataclasses import dataclass

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


@dataclass
class World:
    """Two programs, each with a facility and one user per role; B is the outsider's side."""

    program_a: object
    program_b: object
    facility_a: object
    facility_a2: object
    facility_b: object
    secretariat_a: object
    admin_a: object
    coordinator_a: object
    insider_a: object  # holds every role in program A
    secretariat_b: object
    admin_b: object
    coordinator_b: object
    staff_a: object
    staff_b: object
    superuser: object


def make_world(variant_a="matsubara", variant_b="iwakuni"):
    program_a = ProgramFactory(variant=variant_a)
    program_b = ProgramFactory(variant=variant_b)
    facility_a = FacilityFactory(program=program_a)
    facility_a2 = FacilityFactory(program=program_a)
    facility_b = FacilityFactory(program=program_b)

    def role(kind, program, facility=None, user=None):
        kwargs = {"user": user} if user else {}
        return RoleFactory(kind=kind, program=program, facility=facility, **kwargs).user

    insider = UserFactory()
    role(RoleKind.SECRETARIAT, program_a, user=insider)
    role(RoleKind.FACILITY_ADMIN, program_a, facility_a, user=insider)
    role(RoleKind.COORDINATOR, program_a, facility_a, user=insider)
    return World(
        program_a=program_a, program_b=program_b, facility_a=facility_a, facility_a2=facility_a2,
        facility_b=facility_b,
        secretariat_a=role(RoleKind.SECRETARIAT, program_a),
        admin_a=role(RoleKind.FACILITY_ADMIN, program_a, facility_a),
        coordinator_a=role(RoleKind.COORDINATOR, program_a, facility_a),
        insider_a=insider,
        secretariat_b=role(RoleKind.SECRETARIAT, program_b),
        admin_b=role(RoleKind.FACILITY_ADMIN, program_b, facility_b),
        coordinator_b=role(RoleKind.COORDINATOR, program_b, facility_b),
        staff_a=StaffFactory(facility=facility_a),
        staff_b=StaffFactory(facility=facility_b),
        superuser=UserFactory(is_superuser=True, is_staff=True),
    )


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
