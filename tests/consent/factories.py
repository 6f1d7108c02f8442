"""Factories for the consent app's models. Records made here skip the service (and its PDF);
tests about recording go through consent.services."""

import datetime

import factory

from consent.models import CareTeam, CareTeamReason, ConsentRecord, ConsentTemplate, Gender, Patient
from facilities.models import JobType
from tests.factories import FacilityFactory, StaffFactory, UserFactory


class PatientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Patient
        skip_postgeneration_save = True

    origin_facility = factory.SubFactory(FacilityFactory)
    program = factory.LazyAttribute(lambda o: o.origin_facility.program)
    full_name = factory.Sequence(lambda n: f"見本 太郎{n}")
    # Each patient a different person (same カナ and 生年月日 would be a possible duplicate).
    full_name_kana = factory.Sequence(lambda n: "ミホン タロウ" + "".join("アイウエオカキクケコ"[int(d)] for d in str(n)))
    birth_date = datetime.date(1940, 2, 11)
    gender = Gender.MALE
    address = "大阪府松原市阿保9-9-9"
    phone = "072-000-9999"
    doctor_visits_home = True
    registered_by = factory.SubFactory(UserFactory)

    @factory.post_generation
    def care_team(self, create, extracted, **kwargs):
        # Mirrors registration: the origin facility is on the care team from the start.
        if create:
            CareTeam.objects.get_or_create(
                patient=self, facility=self.origin_facility, defaults={"reason": CareTeamReason.ORIGIN}
            )


def doctor_at(facility, **kwargs):
    return StaffFactory(facility=facility, job=JobType.DOCTOR, **kwargs)


class ConsentTemplateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ConsentTemplate

    program = factory.SubFactory("tests.factories.ProgramFactory")
    version = factory.Sequence(lambda n: n + 1)
    form_number = "様式3"
    form_title = "在宅医療における個人情報使用同意書"
    preamble = "前文"
    clauses = factory.LazyFunction(lambda: ["説明事項"])
    purposes = factory.LazyFunction(lambda: [{"heading": "見出し", "items": ["項目"]}])
    agreement = "同意します。"
    published_at = factory.LazyFunction(lambda: datetime.datetime(2025, 4, 1, tzinfo=datetime.UTC))


class ConsentRecordFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ConsentRecord

    patient = factory.SubFactory(PatientFactory)
    template = factory.LazyAttribute(lambda o: ConsentTemplateFactory(program=o.patient.program))
    signed_on = datetime.date(2025, 4, 1)
    obtained_by = factory.SubFactory(UserFactory)
    obtainer_facility = factory.LazyAttribute(lambda o: o.patient.origin_facility)
    by_origin_facility = True
    original_kept_at = "連携元事業所"
    copy_given = True
    pdf_snapshot = b"%PDF-1.7 factory"
    pdf_sha256 = "0" * 64
