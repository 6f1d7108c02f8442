"""Hypothesis throws junk at the public application form and the consent form.

Each example starts from a valid submission and spoils a few fields: any Unicode (control
characters, 𠮷, zero-width spaces), long strings, numbers and dates that are not, lists where
one value is expected, missing fields (the formset's management fields too), random bytes as
the scan. Whatever comes in:
- never a 500 (the test client re-raises any exception, so a crash fails the example);
- an error page saves nothing (the database is compared table by table), and a success
  saves the whole thing;
- every error the form holds is shown on the page, and in Japanese.
"""

import re

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils.html import escape
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from consent.models import AccessLog, ConsentRecord
from consent.services import consent_template_current
from enrollment.models import Application
from tests.consent.factories import PatientFactory
from tests.enrollment.helpers import post_data, row
from tests.factories import ProgramFactory
from tests.security import dbstate

pytestmark = pytest.mark.django_db
FUZZ = settings(
    max_examples=40, deadline=None, derandomize=True, database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff]")
LOG = "consent_accesslog"

UNICODE = st.characters(codec="utf-8")  # anything a browser can send: no lone surrogates
JUNK = st.one_of(
    st.text(UNICODE, max_size=40),
    st.text(UNICODE, min_size=300, max_size=3000),
    st.sampled_from([
        "", " ", "\x00", "\x07\x1b[2J", "\u200b", "\ufeff", "𠮷野家", "ｶﾀｶﾅ", "<script>alert(1)</script>",
        "' OR 1=1 --", "9" * 40, "-1", "0", "1e309", "NaN", "2025-02-30", "9999-12-31", "0001-01-01", "[]", "{}",
        "on", "off", "true",
    ]),
    st.integers().map(str),
)
VALUE = st.one_of(JUNK, st.lists(JUNK, min_size=2, max_size=3))  # a list: the field posted twice


def spoil(valid, keys):
    """A strategy of `valid` with a few values replaced and a few keys dropped."""
    return st.tuples(
        st.dictionaries(st.sampled_from(keys), VALUE, max_size=3),
        st.sets(st.sampled_from(keys), max_size=2),
    ).map(lambda change: {k: v for k, v in {**valid, **change[0]}.items() if k not in change[1]})


def shown_errors(response, *forms):
    """Every error the forms hold; each must be on the page, in Japanese."""
    body = response.content.decode()
    messages = []
    for form in forms:
        if form is None:
            continue
        if hasattr(form, "non_form_errors"):  # a formset
            messages += list(form.non_form_errors())
            messages += [m for errors in form.errors for ms in errors.values() for m in ms]
        else:
            messages += [m for ms in form.errors.values() for m in ms]
    for message in messages:
        assert JAPANESE.search(message), f"an error not in Japanese: {message!r}"
        assert escape(message) in body, f"an error the page does not show: {message!r}"
    return messages


# --- The public application form ----------------------------------------------------------------


@pytest.fixture
def program(db):
    return ProgramFactory(variant="matsubara")


def _valid_application(program):
    return post_data(program, rows=[row(1, admin=True), row(2)])


@FUZZ
@given(data=st.data())
def test_the_application_form_takes_any_junk(client, program, data):
    valid = _valid_application(program)
    posted = data.draw(spoil(valid, sorted(valid)))
    cache.clear()  # this is about the form's input, not the per-address throttle (test_throttle.py)
    before, count = dbstate.contents(), Application.objects.count()
    response = client.post(reverse("enrollment:apply", args=[program.slug]), posted)
    if response.status_code == 302:
        application = Application.objects.order_by("-pk").first()
        assert Application.objects.count() == count + 1
        assert application.registrants.exists() and application.events.exists()
        return
    assert response.status_code == 400
    assert dbstate.changed_tables(before, dbstate.contents()) == []
    assert shown_errors(response, response.context["form"], response.context["formset"])


# --- The consent form ---------------------------------------------------------------------------


def _valid_consent(patient):
    template = patient.program.consent_templates.published().order_by("-version").first()
    return {
        "template": str(template.pk), "signed_on": "2025-04-01", "patient_signed": "on",
        "family_1_name": "見本 次郎", "family_1_relationship": "長男", "family_1_address": "大阪府松原市阿保9-9-9",
        "family_2_name": "", "family_2_relationship": "", "family_2_address": "", "proxy_name": "",
        "proxy_relationship": "", "original_kept_at": "連携元事業所", "copy_given": "on",
    }


SCAN = st.binary(max_size=64).map(lambda content: SimpleUploadedFile("scan.pdf", content))


@FUZZ
@given(data=st.data())
def test_the_consent_form_takes_any_junk(client, world, data):
    patient = _patient(world)
    client.force_login(world.coordinator_a)
    valid = _valid_consent(patient)
    posted = data.draw(spoil(valid, [*sorted(valid), "is_prior", "by_doctor_delegate", "doctor_deems_necessary"]))
    if data.draw(st.booleans()):
        posted["scan"] = data.draw(SCAN)
    log = list(AccessLog.objects.order_by("pk").values_list())
    before, count = dbstate.contents(skip=(*dbstate.VOLATILE, LOG)), ConsentRecord.objects.count()
    response = client.post(reverse("consent:consent-create", args=[patient.pk]), posted)
    assert list(AccessLog.objects.order_by("pk").values_list())[: len(log)] == log
    if response.status_code == 302:
        record = ConsentRecord.objects.order_by("-pk").first()
        assert bytes(record.pdf_snapshot).startswith(b"%PDF")
        # A new record; or, the same paper again (Hypothesis reuses the patient), the first one and no second.
        assert ConsentRecord.objects.count() == count + 1 or (
            ConsentRecord.objects.count() == count and response.url.endswith(f"/consents/{record.pk}/"))
        return
    assert response.status_code == 200
    assert dbstate.changed_tables(before, dbstate.contents(skip=(*dbstate.VOLATILE, LOG))) == []
    assert shown_errors(response, response.context["form"])


def _patient(world):
    """One patient for every example (Hypothesis reuses the test's database between examples)."""
    if not hasattr(world, "_fuzz_patient"):
        world._fuzz_patient = PatientFactory(origin_facility=world.facility_a)
        consent_template_current(world.program_a)  # the version the form offers
    return world._fuzz_patient
