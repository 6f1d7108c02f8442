"""The database enforces every uniqueness the workflow needs: one test per constraint, each making
the duplicate directly (no form, no service, no full_clean) and expecting IntegrityError.

`test_every_uniqueness_is_tested` lists the unique fields and UniqueConstraints of our apps, so a
new one fails until a test names it (here, or by its constraint name in any test under tests/).
The concurrency tests that race two connections into these constraints are in each app's
test_concurrency.py (PostgreSQL).
"""

import datetime
from pathlib import Path

import pytest
from django.apps import apps
from django.db import IntegrityError, models, transaction
from django.utils import timezone

from accounts.models import User
from consent.models import CareTeam, CareTeamReason, ErasureRecord
from enrollment.models import ApplicationEvent, EventKind
from facilities.models import (
    Attendance,
    ChangeKind,
    ChangeNotice,
    NoticeLine,
    PledgeText,
    Role,
    RoleKind,
    StaffRemoval,
    StaffStatus,
)
from tests.consent.factories import ConsentTemplateFactory, PatientFactory
from tests.enrollment.factories import ApplicationFactory, RegistrantFactory
from tests.facilities.factories import ChangeNoticeFactory, TrainingSessionFactory
from tests.factories import FacilityFactory, ProgramFactory, StaffFactory, UserFactory

pytestmark = pytest.mark.django_db
OUR_APPS = ("accounts", "facilities", "enrollment", "consent", "groups", "core", "policy")
TESTS = Path(__file__).resolve().parents[1]
TODAY = datetime.date(2025, 4, 1)


def _removal(staff):
    return StaffRemoval.objects.create(staff=staff, reason="retired", effective_date=TODAY, devices="returned")


def _pledge_text(program):
    return PledgeText.objects.create(program=program, kind="staff_pledge", version=1, form_number="様式4",
                                     title="誓約書", clauses=["守ります"])


def _event(application):
    return ApplicationEvent.objects.create(application=application, kind=EventKind.APPROVED, to_status="approved")


def _erasure(patient, by):
    return ErasureRecord.objects.create(patient=patient, program=patient.program, requested_on=TODAY, reason="申出",
                                        erased_by=by)


# name -> (what it keeps from happening twice, a function of the world that makes the duplicate)
CASES = {
    "accounts.User.email": lambda w: User.objects.create(email=w.admin_a.email),
    "user_email_ci_unique": lambda w: User.objects.create(email=w.admin_a.email.upper()),
    "facilities.Program.slug": lambda w: ProgramFactory(slug=w.program_a.slug),
    "facilities.Program.code": lambda w: ProgramFactory(code=w.program_a.code),
    "facility_number_unique_in_program": lambda w: FacilityFactory(program=w.program_a, number=w.facility_a.number),
    "role_unique_program": lambda w: Role.objects.create(user=w.secretariat_a, program=w.program_a,
                                                         kind=RoleKind.SECRETARIAT),
    "role_unique_facility": lambda w: Role.objects.create(user=w.admin_a, program=w.program_a,
                                                          facility=w.facility_a, kind=RoleKind.FACILITY_ADMIN),
    "staff_email_unique_in_program": lambda w: StaffFactory(facility=w.facility_a2, email=w.staff_a.email.upper()),
    "facilities.StaffRemoval.staff": lambda w: [_removal(w.staff_a), _removal(w.staff_a)],
    "pledgetext_version_unique": lambda w: [_pledge_text(w.program_a), _pledge_text(w.program_a)],
    "attendance_once_per_session": lambda w: [
        Attendance.objects.create(session=s, staff=w.staff_a)
        for s in [TrainingSessionFactory(facility=w.facility_a)] * 2
    ],
    "changenotice_one_draft_per_facility": lambda w: [ChangeNoticeFactory(facility=w.facility_a) for _ in range(2)],
    "noticeline_once_per_change": lambda w: [
        NoticeLine.objects.create(notice=n, staff=w.staff_a, change=ChangeKind.ADD, changed_on=TODAY)
        for n in [ChangeNoticeFactory(facility=w.facility_a)] * 2
    ],
    "enrollment.Application.receipt_number": lambda w: ApplicationFactory(
        program=w.program_b, receipt_number=ApplicationFactory(program=w.program_a).receipt_number),
    "enrollment.Application.access_token": lambda w: ApplicationFactory(
        access_token=ApplicationFactory(program=w.program_a).access_token),
    "enrollment.Application.submission_key": lambda w: [
        ApplicationFactory(program=w.program_a, submission_key="same-form-sent-twice") for _ in range(2)],
    "enrollment.Application.facility": lambda w: [
        ApplicationFactory(program=w.program_a, facility=w.facility_a) for _ in range(2)],
    "application_receipt_unique_in_program": lambda w: [
        ApplicationFactory(program=w.program_a, receipt_year=2026, receipt_sequence=7, receipt_number=number)
        for number in ("A-2026-0007", "B-2026-0007")
    ],
    "enrollment.Registrant.staff": lambda w: [
        RegistrantFactory(application=ApplicationFactory(program=w.program_a, admin=None), staff=w.staff_a)
        for _ in range(2)
    ],
    "registrant_position_unique": lambda w: [
        RegistrantFactory(application=a, position=1) for a in [ApplicationFactory(program=w.program_a, admin=None)] * 2
    ],
    "application_event_one_approval": lambda w: [_event(a) for a in [ApplicationFactory(program=w.program_a)] * 2],
    # One current row per reason (the factory made the origin's): an ended one may repeat.
    "care_team_one_current_reason": lambda w: CareTeam.objects.create(
        patient=PatientFactory(origin_facility=w.facility_a), facility=w.facility_a, reason=CareTeamReason.ORIGIN),
    "consent_template_version_unique": lambda w: [
        ConsentTemplateFactory(program=w.program_a, version=3) for _ in range(2)],
    "consent_template_one_draft": lambda w: [
        ConsentTemplateFactory(program=w.program_a, published_at=None) for _ in range(2)],
    "consent.ErasureRecord.patient": lambda w: [
        _erasure(p, w.secretariat_a) for p in [PatientFactory(origin_facility=w.facility_a)] * 2],
}


def _uniqueness_of_our_apps():
    names = set()
    for model in apps.get_models():
        if model._meta.app_label not in OUR_APPS or model.__name__.startswith("Historical"):
            continue
        names |= {f"{model._meta.label}.{f.name}" for f in model._meta.concrete_fields if f.unique and not f.primary_key}
        names |= {c.name for c in model._meta.constraints if isinstance(c, models.UniqueConstraint)}
    return names


def test_every_uniqueness_is_tested():
    others = "".join(p.read_text(encoding="utf-8") for p in TESTS.rglob("test_*.py") if p.name != Path(__file__).name)
    untested = sorted(n for n in _uniqueness_of_our_apps() - set(CASES) if n not in others)
    assert not untested, f"add a test that violates each of these: {untested}"
    assert not set(CASES) - _uniqueness_of_our_apps(), "CASES names a constraint that is gone"


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_database_refuses_the_duplicate(name, world):
    with pytest.raises(IntegrityError), transaction.atomic():
        CASES[name](world)


def test_a_removed_persons_address_may_come_back(world):
    """The control of staff_email_unique_in_program: the condition leaves removed lines out."""
    world.staff_a.status = StaffStatus.REMOVED
    world.staff_a.save()
    assert StaffFactory(facility=world.facility_a, email=world.staff_a.email).pk


def test_a_second_approval_event_is_refused_but_other_events_repeat(world):
    application = ApplicationFactory(program=world.program_a)
    for _ in range(2):
        ApplicationEvent.objects.create(application=application, kind=EventKind.RETURNED, to_status="returned",
                                        deadline=timezone.localdate())
    assert application.events.count() == 2


def test_the_checks_hold_too(world):
    """Not uniqueness, but the same promise: states the workflow forbids are refused by the database."""
    with pytest.raises(IntegrityError), transaction.atomic():
        Role.objects.create(user=UserFactory(), program=world.program_a, kind=RoleKind.SECRETARIAT,
                            facility=world.facility_a)
    with pytest.raises(IntegrityError), transaction.atomic():
        ChangeNotice.objects.create(program=world.program_a, facility=world.facility_a2, status="filed")
    with pytest.raises(IntegrityError), transaction.atomic():
        ApplicationFactory(program=world.program_a, status="approved", facility=None)
