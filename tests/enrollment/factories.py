"""Factories and form data for the enrollment tests."""

import secrets

import factory
from django.utils import timezone

from enrollment.models import Application, ApplicationStatus, Registrant
from facilities.models import FacilityKind
from tests.factories import ProgramFactory

# What each variant needs to pass every blocking rule of submit_application.
IN_AREA = {"postal_code": "580-0001", "address": "大阪府松原市若林1-2-3"}


class ApplicationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Application
        skip_postgeneration_save = True

    program = factory.SubFactory(ProgramFactory)
    receipt_year = 2026
    receipt_sequence = factory.Sequence(lambda n: n + 1)
    receipt_number = factory.LazyAttribute(lambda o: f"{o.program.code}-{o.receipt_year}-{o.receipt_sequence:04d}")
    access_token = factory.LazyFunction(lambda: secrets.token_urlsafe(32))
    status = ApplicationStatus.SUBMITTED
    facility_name = factory.Sequence(lambda n: f"申込テスト診療所{n}")
    facility_name_kana = "モウシコミテストシンリョウジョ"
    facility_kind = FacilityKind.CLINIC
    postal_code = IN_AREA["postal_code"]
    address = IN_AREA["address"]
    phone = "072-000-1111"
    contact_name = "申込 太郎"
    contact_email = factory.Sequence(lambda n: f"contact{n}@example.jp")
    pledge_agreed = True
    pledge_signer_name = "申込 太郎"
    submitted_at = factory.LazyFunction(timezone.now)
    admin = factory.RelatedFactory("tests.enrollment.factories.RegistrantFactory", "application", is_admin=True)


class RegistrantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Registrant

    application = factory.SubFactory(ApplicationFactory, admin=None)
    position = factory.Sequence(lambda n: n + 1)
    full_name = factory.Sequence(lambda n: f"登録 者{n}")
    full_name_kana = "トウロク シャ"
    gender = "女"
    email = factory.Sequence(lambda n: f"registrant{n}@example.jp")
    job = "nurse"
    is_admin = False


def row(n, *, admin=False, email=None, **extra):
    return {
        "full_name": f"登録 花子{n}", "full_name_kana": "トウロク ハナコ", "gender": "女",
        "email": email or f"hanako{n}@example.jp", "job": "nurse", "is_admin": admin, **extra,
    }


def service_data(program, **overrides):
    """cleaned_data as ApplicationForm would give it, passing every block of the program's variant."""
    data = {
        "facility_name": "みらい在宅クリニック", "facility_name_kana": "ミライザイタククリニック",
        "facility_kind": FacilityKind.CLINIC, **IN_AREA, "phone": "072-123-4567", "fax": "",
        "contact_name": "申込 太郎", "contact_email": "contact@example.jp",
        "out_of_area_reason": "", "invited_by": "ひだまりクリニック 青木医師",
        "pledge_agreed": True, "pledge_signer_name": "申込 太郎", "pledge_signed_on": timezone.localdate(),
    }
    data.update(overrides)
    return data


def post_data(program, *, rows=None, **overrides):
    """The public form as a browser posts it (strings; checkboxes present only when ticked)."""
    rows = rows if rows is not None else [row(1, admin=True), row(2)]
    data = {
        "facility_name": "みらい在宅クリニック", "facility_name_kana": "みらいざいたくくりにっく",
        "facility_kind": "clinic", "postal_code": "５８０－０００１", "address": "大阪府松原市若林１－２－３",
        "phone": "０７２－１２３－４５６７", "fax": "", "contact_name": "申込　太郎",
        "contact_email": "Contact@Example.jp", "out_of_area_reason": "", "invited_by": "ひだまりクリニック 青木医師",
        "pledge_agreed": "on", "pledge_signer_name": "申込 太郎",
        "pledge_signed_on": timezone.localdate().isoformat(),
        "registrants-TOTAL_FORMS": str(len(rows)), "registrants-INITIAL_FORMS": "0",
        "registrants-MIN_NUM_FORMS": "1", "registrants-MAX_NUM_FORMS": "50",
    }
    for i, r in enumerate(rows):
        for key, value in r.items():
            if key == "is_admin":
                if value:
                    data[f"registrants-{i}-is_admin"] = "on"
            elif key == "DELETE":
                if value:
                    data[f"registrants-{i}-DELETE"] = "on"
            else:
                data[f"registrants-{i}-{key}"] = value
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}
