"""A failure in the middle of a multi-step action leaves nothing half done.

Each test lets the action run for real and breaks its last step (a function of the app's own
module, wrapped so that it does its work and then fails, as a killed worker or a full disk
would), then compares the whole database with what it was before. E-mails wait for the
commit, so none leaves either. The erasure's own case is in test_erasure.py.
"""

import datetime

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile

from consent import services as consent_services
from consent.models import ConsentTemplate
from enrollment import services as enrollment_services
from enrollment.models import ApplicationStatus
from facilities import people as facility_people
from facilities import services as facility_services
from facilities.models import Role, StaffStatus
from tests.consent.factories import PatientFactory
from tests.enrollment.factories import ApplicationFactory, RegistrantFactory
from tests.factories import StaffFactory
from tests.security import dbstate

pytestmark = pytest.mark.django_db
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 32


class Killed(Exception):
    """The process dies here."""


def fail_after(module, name, when=lambda *args, **kwargs: True):
    """Wrap module.name: the real work is done, then (when `when` says so) the step fails."""
    real = getattr(module, name)

    def step(*args, **kwargs):
        result = real(*args, **kwargs)
        if when(*args, **kwargs):
            raise Killed(name)
        return result

    return step


def test_an_approval_that_fails_at_its_last_step_leaves_nothing(world, monkeypatch,
                                                                django_capture_on_commit_callbacks):
    application = ApplicationFactory(program=world.program_a, admin=None)
    RegistrantFactory(application=application, is_admin=True, email="new-admin@example.jp")
    RegistrantFactory(application=application)
    # _move is the approval's last write: the application's status and its decision record.
    monkeypatch.setattr(enrollment_services, "_move", fail_after(
        enrollment_services, "_move", lambda application, to_status, **kw: to_status == ApplicationStatus.APPROVED))
    before = dbstate.contents()
    with pytest.raises(Killed), django_capture_on_commit_callbacks(execute=True):
        enrollment_services.application_approve(application=application, by=world.secretariat_a)
    assert dbstate.changed_tables(before, dbstate.contents()) == []  # no facility, staff, account or role
    assert mail.outbox == []


def test_a_removal_that_fails_at_its_last_step_leaves_nothing(world, monkeypatch, django_capture_on_commit_callbacks):
    staff = StaffFactory(facility=world.facility_a, user=world.coordinator_a)
    # The removal's last write takes the person's portal roles away.
    monkeypatch.setattr(facility_people, "_save", fail_after(
        facility_people, "_save", lambda obj, by, **kw: isinstance(obj, Role)))
    before = dbstate.contents()
    with pytest.raises(Killed), django_capture_on_commit_callbacks(execute=True):
        facility_services.staff_remove(staff=staff, by=world.admin_a, reason="retired",
                                       effective_date=datetime.date(2025, 4, 1), devices_returned=True)
    assert dbstate.changed_tables(before, dbstate.contents()) == []
    staff.refresh_from_db()
    assert staff.status == StaffStatus.ACTIVE and Role.objects.get(user=world.coordinator_a).is_active


@pytest.mark.parametrize("last_step", ["consent_pdf", "_store_scan"])
def test_a_consent_that_fails_at_its_last_step_leaves_nothing(world, monkeypatch, last_step,
                                                              django_capture_on_commit_callbacks):
    """The program's first consent also publishes version 1 of its form: that goes back too."""
    patient = PatientFactory(origin_facility=world.facility_a)
    assert not ConsentTemplate.objects.exists()
    monkeypatch.setattr(consent_services, last_step, fail_after(consent_services, last_step))
    before = dbstate.contents()
    with pytest.raises(Killed), django_capture_on_commit_callbacks(execute=True):
        consent_services.consent_record(
            patient=patient, by=world.coordinator_a, signed_on=datetime.date(2025, 4, 1),
            family_signers=[{"name": "見本 次郎", "relationship": "長男", "address": "大阪府松原市阿保9-9-9"}],
            original_kept_at="連携元事業所", copy_given=True, scan=SimpleUploadedFile("scan.png", PNG),
        )
    assert dbstate.changed_tables(before, dbstate.contents()) == []
    assert not ConsentTemplate.objects.exists()
