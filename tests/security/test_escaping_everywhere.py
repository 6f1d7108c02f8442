"""A `<script>` typed as a name is text everywhere it is shown: the pages, the admin, the history
pages, and the PDFs (WeasyPrint is handed escaped HTML, so the characters are printed, and a
real <script> element, which WeasyPrint would drop, never reaches it).

tests/security/test_headers_and_escaping.py covers the facility page and the facility admin.
"""

import io
import re

import pytest
from django.urls import reverse
from pypdf import PdfReader

from tests.consent.factories import ConsentRecordFactory, PatientFactory
from tests.enrollment.factories import ApplicationFactory, RegistrantFactory
from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db
EVIL = '<script>alert("x")</script>'
ESCAPED = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"


@pytest.fixture
def evil(world):
    """An application, a staff member and a patient named EVIL, each changed once (so history has them)."""
    application = ApplicationFactory(program=world.program_a, facility_name="前の名前", contact_name=EVIL,
                                     pledge_signer_name=EVIL, admin=None)
    RegistrantFactory(application=application, full_name=EVIL, is_admin=True)
    application.facility_name = EVIL
    application.save()
    staff = StaffFactory(facility=world.facility_a, full_name="前の名前")
    staff.full_name = EVIL
    staff.save()
    patient = PatientFactory(origin_facility=world.facility_a, full_name="前の名前", address=EVIL)
    patient.full_name = EVIL
    patient.save()
    record = ConsentRecordFactory(patient=patient, obtained_by=world.coordinator_a, proxy_name=EVIL,
                                  proxy_relationship=EVIL, family_signers=[{"name": EVIL, "relationship": "長男",
                                                                            "address": EVIL}])
    return {"application": application, "staff": staff, "patient": patient, "record": record}


def assert_escaped(response, where, *, shown=True):
    body = response.content.decode()
    assert response.status_code == 200, where
    assert EVIL not in body, f"{where}: the name went out as HTML"
    assert (ESCAPED in body) == shown, f"{where}: the name is {'not ' if shown else ''}shown"


def test_pages_show_the_name_as_text(client, world, evil):
    application, staff, patient, record = evil.values()
    client.force_login(world.insider_a)
    for name, args in (
        ("enrollment:application-list", [world.program_a.slug]),
        ("enrollment:application-detail", [world.program_a.slug, application.pk]),
        ("facilities:facility-detail", [world.facility_a.pk]),
        ("facilities:staff-detail", [staff.pk]),
        ("facilities:staff-edit", [staff.pk]),
        ("consent:patient-list", [world.program_a.slug]),
        ("consent:patient-detail", [patient.pk]),
        ("consent:patient-update", [patient.pk]),
        ("consent:consent-detail", [record.pk]),
        ("consent:consent-withdraw", [record.pk]),
        ("consent:patient-erase", [patient.pk]),
    ):
        assert_escaped(client.get(reverse(name, args=args)), name)
    client.logout()
    assert_escaped(client.get(reverse("enrollment:follow", args=[application.access_token])), "follow page")


def test_the_history_shown_in_pages_is_escaped(client, world, evil):
    """The staff page lists its changes and the application page what changed between versions."""
    client.force_login(world.secretariat_a)
    staff_page = client.get(reverse("facilities:staff-detail", args=[evil["staff"].pk])).content.decode()
    assert "前の名前" in staff_page and EVIL not in staff_page
    detail = client.get(reverse("enrollment:application-detail", args=[world.program_a.slug,
                                                                        evil["application"].pk]))
    assert_escaped(detail, "application detail with its changes")


# model, the object's key in `evil`, whether the list and the history name it (str() or a column)
ADMIN = [
    ("enrollment_application", "application", True, True),
    ("enrollment_registrant", None, True, True),
    ("facilities_staff", "staff", True, True),
    ("consent_patient", "patient", False, True),  # the list shows the reading, not the name
    ("consent_consentrecord", "record", True, False),  # a record's str() is its number
]


@pytest.mark.parametrize(("model", "key", "in_list", "in_history"), ADMIN)
def test_the_admin_and_its_history_show_the_name_as_text(client, world, evil, model, key, in_list, in_history):
    client.force_login(world.superuser)
    assert_escaped(client.get(reverse(f"admin:{model}_changelist")), f"{model} list", shown=in_list)
    if key is None:
        return
    obj = evil[key]
    assert_escaped(client.get(reverse(f"admin:{model}_change", args=[obj.pk])), f"{model} change")
    history = client.get(reverse(f"admin:{model}_history", args=[obj.pk]))
    assert_escaped(history, f"{model} history", shown=in_history)
    # One version, as simple-history shows it (a read-only form of the historical row).
    version = obj.history.order_by("-history_id").first()
    shown = client.get(reverse(f"admin:{model}_simple_history", args=[obj.pk, version.history_id]))
    assert_escaped(shown, f"{model} version {version.history_id}")


def pdf_text(response):
    assert response["Content-Type"] == "application/pdf", response.content[:200]
    pages = PdfReader(io.BytesIO(response.content)).pages
    return re.sub(r"\s+", "", "".join(page.extract_text() for page in pages))


def test_pdfs_print_the_characters(client, world, evil):
    """What WeasyPrint printed, read back: the name is there, character for character."""
    client.force_login(world.insider_a)
    application, staff, patient, _ = evil.values()
    for name, args in (
        ("enrollment:application-pdf", [world.program_a.slug, application.pk]),
        ("facilities:ledger-pdf", [world.facility_a.pk]),
        ("facilities:staff-pledge-pdf", [staff.pk]),
        ("consent:patient-consent-pdf", [patient.pk]),
    ):
        assert EVIL.replace(" ", "") in pdf_text(client.get(reverse(name, args=args))), name
