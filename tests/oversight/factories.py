"""Factories of the oversight app."""

import datetime

import factory
from django.utils import timezone

from oversight import clock
from oversight.models import (
    AdminNotice,
    Device,
    DeviceKind,
    DeviceRequest,
    DisasterPeriod,
    Guidance,
    GuidanceKind,
    Incident,
    IncidentKind,
    NoticeRecipient,
    Ownership,
    RequestKind,
    SecondaryUse,
    UsePurpose,
)
from tests.factories import FacilityFactory, UserFactory


def _due(step):
    def due(o):
        if not clock.report_required(sensitive_data=o.sensitive_data, malicious=o.malicious,
                                     affected_count=o.affected_count):
            return None
        return clock.due_dates(o.discovered_on, malicious=o.malicious)[step]

    return factory.LazyAttribute(due)


class IncidentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Incident

    facility = factory.SubFactory(FacilityFactory)
    program = factory.LazyAttribute(lambda o: o.facility.program)
    kind = IncidentKind.LOST_DEVICE
    reported_by = factory.SubFactory(UserFactory)
    discovered_on = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=1))
    what_happened = "訪問先からの帰りに業務用スマートフォンを紛失した。"
    affected_patient_numbers = "P-001, P-002"
    affected_count = 2
    sensitive_data = True
    malicious = False
    prompt_due_on = _due("prompt")
    final_due_on = _due("final")
    person_due_on = _due("person")


class GuidanceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Guidance

    facility = factory.SubFactory(FacilityFactory)
    program = factory.LazyAttribute(lambda o: o.facility.program)
    kind = GuidanceKind.GUIDANCE
    given_on = factory.LazyFunction(timezone.localdate)
    given_by_body = "事務局"
    content = "端末の起動時ロックを設定するよう指導した。"
    recorded_by = factory.SubFactory(UserFactory)


class AdminNoticeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AdminNotice

    program = factory.SubFactory("tests.factories.ProgramFactory")
    title = "研修会のお知らせ"
    body = "来月の研修会にご参加ください。"
    sent_by = factory.SubFactory(UserFactory)


class NoticeRecipientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = NoticeRecipient

    notice = factory.SubFactory(AdminNoticeFactory)
    facility = factory.SubFactory(FacilityFactory, program=factory.SelfAttribute("..notice.program"))


class DisasterPeriodFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DisasterPeriod

    program = factory.SubFactory("tests.factories.ProgramFactory", variant="iwakuni")
    title = "豪雨災害"
    started_at = factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(hours=1))
    opened_by = factory.SubFactory(UserFactory)


class DeviceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Device

    facility = factory.SubFactory(FacilityFactory)
    program = factory.LazyAttribute(lambda o: o.facility.program)
    label = factory.Sequence(lambda n: f"iPhone-{n:03d}")
    kind = DeviceKind.SMARTPHONE
    ownership = Ownership.LENT
    safeguards = factory.LazyFunction(lambda: ["boot_lock", "antivirus"])
    registered_on = factory.LazyFunction(timezone.localdate)
    registered_by = factory.SubFactory(UserFactory)


class DeviceRequestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DeviceRequest

    facility = factory.SubFactory(FacilityFactory)
    program = factory.LazyAttribute(lambda o: o.facility.program)
    kind = RequestKind.TAKEOUT
    requested_by = factory.SubFactory(UserFactory)
    information = "訪問先で使う患者一覧（番号のみ）"
    medium = "施設のノートパソコン"
    purpose = "訪問診療"
    period_from = factory.LazyFunction(timezone.localdate)
    period_to = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=7))


class SecondaryUseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SecondaryUse

    facility = factory.SubFactory(FacilityFactory)
    program = factory.LazyAttribute(lambda o: o.facility.program)
    requested_by = factory.SubFactory(UserFactory)
    purpose = UsePurpose.CARE
    content = "グループP-001の褥瘡の写真"
    use = "訪問看護記録に残す"
    provider_permission = True
