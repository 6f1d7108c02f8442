"""Factories for the foundation's models. Each app keeps its own in tests/<app>/factories.py."""

import factory

from accounts.models import User
from facilities.models import Facility, FacilityKind, Program, Role, RoleKind, Staff, StaffStatus

PASSWORD = "Test-Password-2026!"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.jp")
    full_name = factory.Sequence(lambda n: f"利用者 {n}")
    full_name_kana = "リヨウシャ"
    password = factory.django.Password(PASSWORD)


class ProgramFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Program

    name = factory.Sequence(lambda n: f"テストネット{n}")
    slug = factory.Sequence(lambda n: f"net{n}")
    code = factory.Sequence(lambda n: f"T{n:03d}")
    variant = "matsubara"
    secretariat_name = "テスト医師会"
    area_municipalities = factory.LazyFunction(lambda: ["松原市"])
    area_postal_prefixes = factory.LazyFunction(lambda: ["580"])


class FacilityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Facility

    program = factory.SubFactory(ProgramFactory)
    number = factory.Sequence(lambda n: f"F{n:05d}")
    name = factory.Sequence(lambda n: f"テスト診療所{n}")
    name_kana = "テストシンリョウジョ"
    kind = FacilityKind.CLINIC
    postal_code = "580-0001"
    address = "大阪府松原市阿保1-2-3"
    phone = "072-000-0000"


class RoleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Role

    user = factory.SubFactory(UserFactory)
    kind = RoleKind.FACILITY_ADMIN
    facility = factory.SubFactory(FacilityFactory)
    program = factory.LazyAttribute(lambda o: o.facility.program if o.facility else ProgramFactory())


class StaffFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Staff

    facility = factory.SubFactory(FacilityFactory)
    program = factory.LazyAttribute(lambda o: o.facility.program)
    full_name = factory.Sequence(lambda n: f"職員 {n}")
    full_name_kana = "ショクイン"
    job = "nurse"
    email = factory.Sequence(lambda n: f"staff{n}@example.jp")
    status = StaffStatus.ACTIVE


def secretariat_of(program, **kwargs):
    return RoleFactory(kind=RoleKind.SECRETARIAT, program=program, facility=None, **kwargs).user


def admin_of(facility, **kwargs):
    return RoleFactory(kind=RoleKind.FACILITY_ADMIN, facility=facility, **kwargs).user


def coordinator_of(facility, **kwargs):
    return RoleFactory(kind=RoleKind.COORDINATOR, facility=facility, **kwargs).user
