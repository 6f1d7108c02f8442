"""Factories for the staff ledger's records (the foundation's are in tests/factories.py)."""

import datetime

import factory

from facilities.models import (
    ChangeKind,
    ChangeNotice,
    NoticeLine,
    Pledge,
    PledgeKind,
    TrainingKind,
    TrainingSession,
)
from tests.factories import FacilityFactory, StaffFactory


class ChangeNoticeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ChangeNotice

    facility = factory.SubFactory(FacilityFactory)
    program = factory.LazyAttribute(lambda o: o.facility.program)


class NoticeLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = NoticeLine

    notice = factory.SubFactory(ChangeNoticeFactory)
    staff = factory.LazyAttribute(lambda o: StaffFactory(facility=o.notice.facility))
    change = ChangeKind.ADD
    changed_on = factory.LazyFunction(datetime.date.today)


class TrainingSessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TrainingSession

    facility = factory.SubFactory(FacilityFactory)
    kind = TrainingKind.EDUCATION
    held_on = factory.LazyFunction(datetime.date.today)
    title = "個人情報保護とIT機器の取扱い"


class ExemptPledgeFactory(factory.django.DjangoModelFactory):
    """An exemption needs no published wording, so it makes a quick pledge for tests."""

    class Meta:
        model = Pledge

    staff = factory.SubFactory(StaffFactory)
    kind = PledgeKind.EXEMPT
    signed_on = datetime.date(2024, 4, 1)
    existing_pledge = "入職時の守秘義務に関する誓約書"
