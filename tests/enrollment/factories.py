"""Factories for the enrollment tests (form data: tests/enrollment/helpers.py)."""

import secrets

import factory
from django.utils import timezone

from enrollment.models import Application, ApplicationStatus, Registrant
from facilities.models import FacilityKind
from tests.enrollment.helpers import IN_AREA
from tests.factories import ProgramFactory


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
