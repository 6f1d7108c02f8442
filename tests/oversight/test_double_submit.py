"""Every create form of the oversight app sent twice (a double click, Back and send again, two tabs)
records once, answers without a 500 and says when and by whom the first was recorded; a decision
taken already says what happened, when and by whom."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from oversight.models import (
    AdminNotice,
    Device,
    DeviceRequest,
    DisasterPeriod,
    Guidance,
    Incident,
    IncidentAction,
    SecondaryUse,
)
from tests.concurrency import fire, status
from tests.conftest import VerifiedClient, make_world
from tests.oversight.factories import IncidentFactory

TODAY = timezone.localdate()
REPEATED = "二重には記録していません"


def _twice(client, url, data):
    """Posts twice; returns the first answer and the messages shown after the second."""
    first = client.post(url, data)
    second = client.post(url, data, follow=True)
    assert first.status_code == 302, first.status_code
    assert second.status_code == 200 and second.redirect_chain[-1][0] == first.url
    return first, " ".join(str(m) for m in second.context["messages"])


def _incident_data(world):
    return {"facility": world.facility_a.pk, "kind": "lost_device",
            "discovered_on": (TODAY - datetime.timedelta(days=1)).isoformat(),
            "what_happened": "訪問の帰りに業務用スマートフォンを紛失（熊谷駅付近）。", "affected_count": 0}


@pytest.fixture
def iwakuni(db):
    return make_world(variant_a="iwakuni", variant_b="kumagaya")


@pytest.mark.django_db
def test_an_incident_sent_twice_is_one_report(client, world):
    client.force_login(world.admin_a)
    url = reverse("oversight:incident-create", args=[world.program_a.slug])
    _, said = _twice(client, url, _incident_data(world))
    assert Incident.objects.count() == 1
    assert REPEATED in said and world.admin_a.full_name in said and "令和" in said, said
    other = {**_incident_data(world), "what_happened": "別の端末を紛失。"}
    assert client.post(url, other).status_code == 302 and Incident.objects.count() == 2


@pytest.mark.django_db
def test_an_action_sent_twice_is_one_line(client, world):
    incident = IncidentFactory(facility=world.facility_a, reported_by=world.coordinator_a)
    client.force_login(world.admin_a)
    url = reverse("oversight:incident-action", args=[incident.pk])
    _, said = _twice(client, url, {"kind": "password", "done_on": TODAY.isoformat(), "note": "MCSのパスワードを変更"})
    assert IncidentAction.objects.filter(incident=incident).count() == 1
    assert REPEATED in said and world.admin_a.full_name in said


@pytest.mark.django_db
def test_guidance_sent_twice_is_one_record(client, world):
    client.force_login(world.secretariat_a)
    url = reverse("oversight:guidance-create", args=[world.program_a.slug])
    data = {"facility": world.facility_a.pk, "staff": world.staff_a.pk, "kind": "guidance",
            "given_on": TODAY.isoformat(), "given_by_body": "事務局", "content": "端末に起動時ロックを設定するよう指導した。"}
    _, said = _twice(client, url, data)
    assert Guidance.objects.count() == 1 and REPEATED in said and world.secretariat_a.full_name in said


@pytest.mark.django_db
def test_a_notice_sent_twice_is_sent_once(client, world):
    client.force_login(world.secretariat_a)
    url = reverse("oversight:notice-create", args=[world.program_a.slug])
    data = {"title": "台風への備え", "body": "災害時の連絡手段を確認してください。", "facilities": [world.facility_a.pk]}
    _, said = _twice(client, url, data)
    assert AdminNotice.objects.count() == 1 and REPEATED in said and world.secretariat_a.full_name in said


@pytest.mark.django_db
def test_a_device_sent_twice_is_one_line_and_retired_twice_says_who(client, world):
    client.force_login(world.admin_a)
    url = reverse("oversight:device-create", args=[world.facility_a.pk])
    data = {"label": "訪問用スマホ 3号機", "kind": "smartphone", "ownership": "lent", "registered_on": TODAY.isoformat()}
    _, said = _twice(client, url, data)
    assert Device.objects.count() == 1 and REPEATED in said and world.admin_a.full_name in said
    device = Device.objects.get()
    _, said = _twice(client, reverse("oversight:device-retire", args=[device.pk]), {"retired_on": TODAY.isoformat()})
    assert "使用をやめたことを記録しています" in said and world.admin_a.full_name in said, said


def test_a_device_request_sent_twice_is_one_request_and_a_second_decision_says_who(client, iwakuni):
    world = iwakuni
    client.force_login(world.coordinator_a)
    url = reverse("oversight:device-request-create", args=[world.facility_a.pk])
    data = {"kind": "takeout", "information": "訪問予定の患者番号", "medium": "USBメモリ", "purpose": "在宅訪問",
            "period_from": TODAY.isoformat(), "period_to": (TODAY + datetime.timedelta(days=7)).isoformat()}
    _, said = _twice(client, url, data)
    assert DeviceRequest.objects.count() == 1 and REPEATED in said and world.coordinator_a.full_name in said
    filed = DeviceRequest.objects.get()
    client.force_login(world.admin_a)
    decide = reverse("oversight:device-request-decide", args=[filed.pk])
    _, said = _twice(client, decide, {"approve": "1", "written_on": TODAY.isoformat()})
    assert "「承認」にしています" in said and world.admin_a.full_name in said and "権限" not in said, said


def test_a_secondary_use_sent_twice_is_one_record(client, iwakuni):
    world = iwakuni
    client.force_login(world.coordinator_a)
    url = reverse("oversight:secondary-use-create", args=[world.facility_a.pk])
    data = {"purpose": "care", "content": "P-001の写真", "use": "記録", "provider_permission": "on"}
    _, said = _twice(client, url, data)
    assert SecondaryUse.objects.count() == 1 and REPEATED in said and world.coordinator_a.full_name in said


def test_a_disaster_opened_or_closed_twice_says_who(client, iwakuni):
    world = iwakuni
    client.force_login(world.secretariat_a)
    url = reverse("oversight:disaster-open", args=[world.program_a.slug])
    _, said = _twice(client, url, {"title": "豪雨災害"})
    assert DisasterPeriod.objects.count() == 1 and REPEATED in said and world.secretariat_a.full_name in said
    period = DisasterPeriod.objects.get()
    _, said = _twice(client, reverse("oversight:disaster-close", args=[period.pk]), {})
    assert "この特例期間は" in said and "終えています" in said and world.secretariat_a.full_name in said, said


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_connections_reporting_the_same_incident_at_once_make_one_report():
    world = make_world()
    clients = []
    for _ in range(2):
        clients.append(VerifiedClient())
        clients[-1].force_login(world.admin_a)
    url, data = reverse("oversight:incident-create", args=[world.program_a.slug]), _incident_data(world)
    answers = fire([lambda c=c: status(c.post, url, data) for c in clients])
    assert answers == [302, 302], answers
    assert Incident.objects.count() == 1
