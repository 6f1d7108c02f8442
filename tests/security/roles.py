"""Who may open which URL, written down per URL name, and the objects the role walk needs.

The foundation's walk (tests/foundation/test_url_walk.py) proves that program A's people get
404 for program B's objects. This table goes further: inside program A, which role gets what.

- `MATRIX[url name] = (method, roles allowed)`: GET for pages, POST for POST-only actions.
  A URL without an entry fails tests/security/test_walk_roles.py, so every new URL is decided.
- `KWARG_SCOPES[kwarg]`: "facility" (an object of one facility: someone of another facility of
  the same program must get 404), "program" (an object the whole program shares: the
  secretariat's, or readable by everyone in the program) or "token" (public: the key is in
  the URL). An unknown kwarg fails the walk too.
- `OWN[kwarg](stage)`: an object of program A at facility_a (the roles' own).
- `SIBLING[kwarg](stage)`: the same kind of object at facility_a2 (same program, other facility).

Apps can add their own URLs without touching this file: `tests/<app>/walk.py` may define
`MATRIX`, `KWARG_SCOPES`, `OWN` and `SIBLING` in the same shapes; they are merged in below.
Write them with plain strings ("GET"/"POST"; "secretariat", "admin", "coordinator", "none"), so
that walk.py imports nothing from here (this module imports tests/walk.py, which imports it);
`OWN` and `SIBLING` functions receive the Stage below (`stage.world` is the foundation's World,
program A running musashimurayama).
"""

import sys
from functools import cached_property

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from enrollment.models import ApplicationStatus
from tests.conftest import make_world
from tests.consent.factories import ConsentRecordFactory, ConsentTemplateFactory, PatientFactory
from tests.enrollment.factories import ApplicationFactory
from tests.facilities.factories import NoticeLineFactory
from tests.factories import FacilityFactory, StaffFactory, UserFactory
from tests.foundation.test_url_walk import _kwarg_names, all_url_names
from tests.walk import APPS

GET, POST = "GET", "POST"
S, A, C, N = "secretariat", "admin", "coordinator", "none"  # N: signed in, holds no role
ROLES = (S, A, C, N)
EVERYONE = frozenset(ROLES)
FACILITY = frozenset({S, A, C})  # can see the facility (and its patients' care): its roles and the secretariat
MANAGERS = frozenset({S, A})  # may change the facility's ledger
CARE = frozenset({A, C})  # facility roles: act for a patient of their facility
SECRETARIAT = frozenset({S})

MATRIX = {
    # Accounts: every signed-in person has these pages (the public ones are public).
    "accounts:login": (GET, EVERYONE),
    "accounts:logout": (POST, EVERYONE),
    "accounts:two-factor": (GET, EVERYONE),
    "accounts:two-factor-setup": (GET, EVERYONE),
    "accounts:security": (GET, EVERYONE),
    "accounts:backup-codes-regenerate": (POST, EVERYONE),
    "accounts:password-change": (GET, EVERYONE),
    "accounts:password-change-done": (GET, EVERYONE),
    "accounts:password-reset": (GET, EVERYONE),
    "accounts:password-reset-done": (GET, EVERYONE),
    "accounts:password-reset-confirm": (GET, EVERYONE),
    "accounts:password-reset-complete": (GET, EVERYONE),
    "home": (GET, EVERYONE),
    "healthz": (GET, EVERYONE),
    "policy:compare": (GET, EVERYONE),
    # Programs and facilities.
    "facilities:program-detail": (GET, FACILITY),
    "facilities:facility-list": (GET, SECRETARIAT),
    "facilities:program-staff-csv": (GET, SECRETARIAT),
    "facilities:notice-inbox": (GET, SECRETARIAT),
    "facilities:facility-detail": (GET, FACILITY),
    "facilities:ledger-csv": (GET, FACILITY),
    "facilities:ledger-pdf": (GET, FACILITY),
    "facilities:staff-add": (GET, MANAGERS),
    "facilities:training-list": (GET, FACILITY),
    "facilities:training-add": (GET, MANAGERS),
    "facilities:facility-notices": (GET, FACILITY),
    "facilities:staff-detail": (GET, FACILITY),
    "facilities:staff-edit": (GET, MANAGERS),
    "facilities:staff-activate": (POST, MANAGERS),
    "facilities:staff-remove": (GET, MANAGERS),
    "facilities:staff-pledge": (GET, MANAGERS),
    "facilities:staff-pledge-pdf": (GET, FACILITY),
    "facilities:notice-detail": (GET, FACILITY),
    "facilities:notice-pdf": (GET, FACILITY),
    "facilities:notice-file": (POST, MANAGERS),
    "facilities:notice-acknowledge": (POST, SECRETARIAT),
    "facilities:notice-request-correction": (POST, SECRETARIAT),
    # Applications: the secretariat's; the applicant's pages are public (token in the URL).
    "enrollment:apply": (GET, EVERYONE),
    "enrollment:postal": (GET, EVERYONE),
    "enrollment:public-facilities": (GET, EVERYONE),
    "enrollment:blank-application-pdf": (GET, EVERYONE),
    "enrollment:blank-pledge-pdf": (GET, EVERYONE),
    "enrollment:follow": (GET, EVERYONE),
    "enrollment:correct": (GET, EVERYONE),
    "enrollment:withdraw": (POST, EVERYONE),
    "enrollment:follow-application-pdf": (GET, EVERYONE),
    "enrollment:follow-pledge-pdf": (GET, EVERYONE),
    "enrollment:follow-notice-pdf": (GET, EVERYONE),
    "enrollment:application-list": (GET, SECRETARIAT),
    "enrollment:application-detail": (GET, SECRETARIAT),
    "enrollment:application-approve": (POST, SECRETARIAT),
    "enrollment:application-return": (POST, SECRETARIAT),
    "enrollment:application-reject": (POST, SECRETARIAT),
    "enrollment:application-invite": (POST, SECRETARIAT),
    "enrollment:application-pdf": (GET, SECRETARIAT),
    "enrollment:application-pledge-pdf": (GET, SECRETARIAT),
    "enrollment:application-notice-pdf": (GET, SECRETARIAT),
    "enrollment:facility-ledger-csv": (GET, SECRETARIAT),
    # Patients and consent: the secretariat reads; the facilities on the care team act.
    "consent:patient-list": (GET, FACILITY),
    "consent:patient-create": (GET, CARE),
    "consent:patient-detail": (GET, FACILITY),
    "consent:patient-update": (GET, CARE),
    "consent:patient-consent-pdf": (GET, FACILITY),
    "consent:consent-create": (GET, CARE),
    "consent:consent-detail": (GET, FACILITY),
    "consent:consent-pdf": (GET, FACILITY),
    "consent:consent-scan": (GET, FACILITY),
    "consent:consent-scan-attach": (POST, CARE),
    "consent:consent-withdraw": (GET, CARE),
    "consent:template-list": (GET, FACILITY),
    "consent:template-draft": (POST, SECRETARIAT),
    "consent:program-blank-pdf": (GET, FACILITY),
    "consent:template-detail": (GET, FACILITY),
    "consent:template-pdf": (GET, FACILITY),
    "consent:template-edit": (GET, SECRETARIAT),
    "consent:template-publish": (POST, SECRETARIAT),
    "consent:access-log": (GET, SECRETARIAT),
    "consent:user-access-log": (GET, SECRETARIAT),
    "consent:patient-access-log": (GET, SECRETARIAT),
    "consent:erasure-list": (GET, SECRETARIAT),
    "consent:patient-erase": (GET, SECRETARIAT),
}

# What an allowed GET answers when it is not 200 (a page that sends the person on).
ALLOWED_STATUS = {
    "accounts:two-factor": 302,  # already verified: on to the next page
    "enrollment:correct": 302,  # the walk's application is approved: back to its page, nothing to correct
    "enrollment:postal": 404,  # no ?code= given: the lookup's JSON "not found"
}

KWARG_SCOPES = {
    "slug": "program",
    "application_pk": "program",
    "consent_template_pk": "program",
    "log_user_pk": "program",
    "facility_pk": "facility",
    "staff_pk": "facility",
    "notice_pk": "facility",
    "patient_pk": "facility",
    "consent_pk": "facility",
    "access_token": "token",
    "uidb64": "token",
    "token": "token",
}

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 32


class Stage:
    """The foundation's world with program A on the variant that has every feature, and its objects.

    Objects are made on first use, so a test pays only for what its URL needs.
    """

    VARIANT = "musashimurayama"  # approves, staff and facility pledges, change notices, public list

    def __init__(self):
        self.world = make_world(variant_a=self.VARIANT)
        self.none = UserFactory()
        self._notices = {}

    def user(self, role):
        return {S: self.world.secretariat_a, A: self.world.admin_a, C: self.world.coordinator_a, N: self.none}[role]

    @cached_property
    def application(self):
        # Approved, so that every one of its papers (the approval notice too) exists.
        return ApplicationFactory(program=self.world.program_a, status=ApplicationStatus.APPROVED,
                                  facility=FacilityFactory(program=self.world.program_a))

    @cached_property
    def patient(self):
        return _patient_at(self.world.facility_a)

    @cached_property
    def record(self):
        return _record_of(self.patient, self.world.coordinator_a)

    @cached_property
    def sibling_patient(self):
        return _patient_at(self.world.facility_a2)

    @cached_property
    def sibling_record(self):
        return _record_of(self.sibling_patient, self.world.coordinator_a)

    @cached_property
    def draft(self):
        return ConsentTemplateFactory(program=self.world.program_a, published_at=None, version=99)

    @cached_property
    def sibling_staff(self):
        return StaffFactory(facility=self.world.facility_a2)

    def notice_at(self, facility):
        """The facility's draft change notice (one per facility), with one line on it."""
        if facility.pk not in self._notices:
            self._notices[facility.pk] = NoticeLineFactory(notice__facility=facility).notice
        return self._notices[facility.pk]


def _patient_at(facility):
    return PatientFactory(origin_facility=facility)


def _record_of(patient, by):
    record = ConsentRecordFactory(patient=patient, obtained_by=by)
    record.scan.save("walk.png", ContentFile(PNG), save=False)
    record.scan_content_type = "image/png"
    record.save()
    return record


OWN = {
    "slug": lambda s: s.world.program_a.slug,
    "facility_pk": lambda s: s.world.facility_a.pk,
    "staff_pk": lambda s: s.world.staff_a.pk,
    "notice_pk": lambda s: s.notice_at(s.world.facility_a).pk,
    "application_pk": lambda s: s.application.pk,
    "access_token": lambda s: s.application.access_token,
    "patient_pk": lambda s: s.patient.pk,
    "consent_pk": lambda s: s.record.pk,
    "consent_template_pk": lambda s: s.draft.pk,
    "log_user_pk": lambda s: s.world.coordinator_a.pk,
    "uidb64": lambda s: "MQ",
    "token": lambda s: "set-password",
}

SIBLING = {
    "facility_pk": lambda s: s.world.facility_a2.pk,
    "staff_pk": lambda s: s.sibling_staff.pk,
    "notice_pk": lambda s: s.notice_at(s.world.facility_a2).pk,
    "patient_pk": lambda s: s.sibling_patient.pk,
    "consent_pk": lambda s: s.sibling_record.pk,
}


def kwargs_of(name):
    return _kwarg_names(all_url_names()[name])


def build(name, stage, providers=OWN):
    """The URL with objects from `providers` where it has them, else the roles' own objects."""
    kwargs = {}
    for arg in kwargs_of(name):
        if arg not in KWARG_SCOPES or arg not in OWN:
            pytest.fail(f"URL '{name}' takes '{arg}': give it a scope and an object in tests/security/roles.py")
        kwargs[arg] = (providers if arg in providers else OWN)[arg](stage)
    return reverse(name, kwargs=kwargs)


def _merge_app_tables():
    """Tables that an app keeps in its own tests/<app>/walk.py (see the module docstring)."""
    for app in APPS:
        module = sys.modules.get(f"tests.{app}.walk")  # tests/walk.py has imported those that exist
        if module is None:
            continue
        MATRIX.update(getattr(module, "MATRIX", {}))
        KWARG_SCOPES.update(getattr(module, "KWARG_SCOPES", {}))
        OWN.update(getattr(module, "OWN", {}))
        SIBLING.update(getattr(module, "SIBLING", {}))


_merge_app_tables()
