"""Incident pages at every rung (anonymous, outsider 404, wrong role 403, allowed), the list's query
count pinned, the printed report's text, the CSV, and the journey through the pages."""

import datetime
import io
import re

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from oversight.models import Incident, IncidentStatus
from tests.factories import FacilityFactory, coordinator_of
from tests.helpers import csv_rows
from tests.oversight.factories import IncidentFactory
from tests.oversight.rungs import climb

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


def pdf_text(content):
    return re.sub(r"\s+", "", "".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages))


@pytest.fixture
def objs(world):
    return {
        "incident": IncidentFactory(facility=world.facility_a, reported_by=world.coordinator_a),
        "stranger": coordinator_of(world.facility_a2),
    }


# name, what the URL takes, users who get 404, users who get 403, the allowed user
RUNGS = [
    ("incident-list", "slug", ["secretariat_b"], [], "coordinator_a"),
    ("incident-create", "slug", ["secretariat_b"], [], "coordinator_a"),
    ("incident-summary", "slug", ["secretariat_b"], ["admin_a"], "secretariat_a"),
    ("incident-csv", "slug", ["secretariat_b"], ["admin_a"], "secretariat_a"),
    ("incident-detail", "incident", ["coordinator_b", "stranger"], [], "coordinator_a"),
    ("incident-action", "incident", ["coordinator_b", "stranger"], ["coordinator_a"], "admin_a"),
    ("incident-step", "incident", ["coordinator_b", "stranger"], ["coordinator_a"], "admin_a"),
    ("incident-assess", "incident", ["coordinator_b", "stranger"], ["coordinator_a"], "secretariat_a"),
    ("incident-close", "incident", ["coordinator_b", "stranger"], ["coordinator_a"], "secretariat_a"),
    ("incident-reopen", "incident", ["coordinator_b", "stranger"], ["coordinator_a"], "admin_a"),
    ("incident-pdf", "incident", ["coordinator_b", "stranger"], ["coordinator_a"], "admin_a"),
]


def _url(name, kind, world, objs):
    arg = {"slug": world.program_a.slug, "incident": objs["incident"].pk}[kind]
    return reverse(f"oversight:{name}", args=[arg])


def test_every_incident_url_is_in_the_rungs():
    from tests.foundation.test_url_walk import URL_NAMES

    names = {n.removeprefix("oversight:") for n in URL_NAMES if n.startswith("oversight:incident")}
    assert names == {r[0] for r in RUNGS}


@pytest.mark.parametrize(("name", "kind", "not_found", "forbidden", "allowed"), RUNGS)
def test_every_view_at_every_rung(client, world, objs, name, kind, not_found, forbidden, allowed):
    def who(name):
        return objs.get(name) or getattr(world, name)

    climb(client, _url(name, kind, world, objs), not_found=[who(n) for n in not_found],
          forbidden=[who(n) for n in forbidden], allowed=who(allowed))


def test_the_reporter_sees_their_own_report_even_from_another_facility(client, world):
    incident = IncidentFactory(facility=world.facility_a2, reported_by=world.coordinator_a)
    client.force_login(world.coordinator_a)
    assert client.get(reverse("oversight:incident-detail", args=[incident.pk])).status_code == 200
    assert client.get(reverse("oversight:incident-action", args=[incident.pk])).status_code == 403


def test_the_list_query_count_does_not_grow(client, world, django_assert_max_num_queries):
    url = reverse("oversight:incident-list", args=[world.program_a.slug])
    IncidentFactory(facility=world.facility_a)
    client.force_login(world.secretariat_a)
    with django_assert_max_num_queries(30) as few:
        client.get(url)
    for _ in range(8):
        IncidentFactory(facility=FacilityFactory(program=world.program_a))
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(url).status_code == 200


def test_the_summary_and_home_query_counts_do_not_grow(client, world, django_assert_max_num_queries):
    IncidentFactory(facility=world.facility_a)
    client.force_login(world.secretariat_a)
    for url in (reverse("oversight:incident-summary", args=[world.program_a.slug]), reverse("home")):
        with django_assert_max_num_queries(60) as few:
            client.get(url)
        for kind in ("missent", "system", "other"):
            IncidentFactory(facility=FacilityFactory(program=world.program_a), kind=kind)
        with django_assert_max_num_queries(len(few.captured_queries)):
            assert client.get(url).status_code == 200


def test_summary_counts_and_csv(client, world):
    late = IncidentFactory(facility=world.facility_a, discovered_on=TODAY - datetime.timedelta(days=10))
    IncidentFactory(facility=world.facility_a2, kind="missent", discovered_on=TODAY - datetime.timedelta(days=3))
    IncidentFactory(facility=world.facility_a2, kind="system", sensitive_data=False, affected_count=0,
                    status=IncidentStatus.CLOSED, closed_at=timezone.now())
    IncidentFactory(facility=world.facility_b)
    client.force_login(world.secretariat_a)
    page = client.get(reverse("oversight:incident-summary", args=[world.program_a.slug]))
    assert page.context["totals"] == {"total": 3, "open": 2, "overdue": 1, "soon": 1}
    by_facility = {row["facility_id"]: (row["total"], row["overdue"]) for row in page.context["by_facility"]}
    assert by_facility == {world.facility_a.pk: (1, 1), world.facility_a2.pk: (2, 0)}
    assert {row["label"]: row["total"] for row in page.context["by_kind"]} == {
        "端末の紛失・盗難": 1, "誤送信・誤ったグループへの投稿": 1, "システムの異常": 1}
    assert "施設（個人情報を取り扱う事業者）が行います" in page.content.decode()
    overdue = client.get(reverse("oversight:incident-list", args=[world.program_a.slug]) + "?show=overdue")
    assert [i for i, _ in overdue.context["rows"]] == [late]
    rows = csv_rows(client.get(reverse("oversight:incident-csv", args=[world.program_a.slug])))
    assert rows[0][0] == "受付番号" and len(rows) == 4
    assert rows[1][0] == late.number and rows[1][13].startswith("令和")
    assert rows[0][13:15] == ["速報の期限", "速報の期限（西暦）"] and rows[1][14] == f"{late.prompt_due_on:%Y/%m/%d}"


def test_a_coordinator_lists_only_their_facility(client, world):
    mine = IncidentFactory(facility=world.facility_a)
    IncidentFactory(facility=world.facility_a2)
    client.force_login(world.coordinator_a)
    page = client.get(reverse("oversight:incident-list", args=[world.program_a.slug]))
    assert [i for i, _ in page.context["rows"]] == [mine]


def test_the_printed_report_has_the_ppc_items_in_wareki(client, world):
    incident = IncidentFactory(facility=world.facility_a, discovered_on=datetime.date(2026, 4, 1),
                               cause="鞄ごと置き忘れた", prevention="端末を首掛けにする")
    client.force_login(world.admin_a)
    answer = client.get(reverse("oversight:incident-pdf", args=[incident.pk]))
    assert answer["Content-Type"] == "application/pdf"
    text = pdf_text(answer.content)
    for item in ("トラブル・インシデント報告書", incident.number, world.facility_a.name, "令和8年4月1日",
                 "漏えい等が発生し、又は発生したおそれがある個人データの項目", "本人の数", "2人", "P-001,P-002",
                 "原因", "鞄ごと置き忘れた", "二次被害又はそのおそれの有無及びその内容", "本人への対応の実施状況",
                 "公表の実施状況", "再発防止のための措置", "端末を首掛けにする", "要配慮個人情報を含む",
                 "個人情報保護委員会への速報", "令和8年4月6日", "令和8年5月1日",
                 "ポータルから委員会へは送られません"):
        assert item.replace(" ", "") in text, item


def test_no_font_gives_a_page_not_a_500(client, world, objs, no_japanese_font):
    client.force_login(world.admin_a)
    assert client.get(reverse("oversight:incident-pdf", args=[objs["incident"].pk])).status_code == 503


def test_lost_phone_journey_through_the_pages(client, world, django_capture_on_commit_callbacks):
    """A facility administrator reports a lost phone; the secretariat sees the deadlines, records, closes."""
    discovered = TODAY - datetime.timedelta(days=3)
    client.force_login(world.admin_a)
    create = reverse("oversight:incident-create", args=[world.program_a.slug])
    form = client.get(create)
    assert "施設（個人情報を取り扱う事業者）が行います" in form.content.decode()
    data = {
        "facility": world.facility_a.pk, "kind": "lost_device", "discovered_on": discovered.isoformat(),
        "on_behalf_of": "訪問 看子（看護師）", "what_happened": "訪問の帰りに業務用スマートフォンを紛失。",
        "first_response": "MDMで遠隔消去を実行", "affected_patient_numbers": "山田", "affected_count": 3,
        "sensitive_data": "on",
    }
    answer = client.post(create, data)
    assert answer.status_code == 200 and "氏名は書かないでください" in answer.content.decode()
    data["affected_patient_numbers"] = "P-101、P-102、P-103"
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(create, data)
    incident = Incident.objects.get()
    assert answer.status_code == 302 and answer.url == reverse("oversight:incident-detail", args=[incident.pk])
    assert incident.affected_patient_numbers == "P-101, P-102, P-103" and incident.reported_by == world.admin_a
    assert len(mail.outbox) == 1

    client.force_login(world.secretariat_a)
    home = client.get(reverse("home")).content.decode()
    assert "報告・通知の期限が近い報告" in home
    detail = client.get(reverse("oversight:incident-detail", args=[incident.pk])).content.decode()
    assert "個人情報保護委員会への速報" in detail and "あと2日" in detail and "施設（個人情報を取り扱う事業者）" in detail
    action = reverse("oversight:incident-action", args=[incident.pk])
    assert client.post(action, {"kind": "password", "done_on": TODAY.isoformat(), "note": "MCSのパスワードを変更"}
                       ).status_code == 302
    step = reverse("oversight:incident-step", args=[incident.pk])
    for name in ("prompt", "person", "final"):
        assert client.post(step, {"step": name, "done_on": TODAY.isoformat()}).status_code == 302, name
    close = reverse("oversight:incident-close", args=[incident.pk])
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(close, {"note": "再発防止策（端末のストラップ）を確認"}).status_code == 302
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.CLOSED and incident.final_done_on == TODAY
    assert len(mail.outbox) == 2
    detail = client.get(reverse("oversight:incident-detail", args=[incident.pk])).content.decode()
    assert "MCSのパスワード変更" in detail and "完了" in detail


def test_closing_too_early_shows_what_is_missing(client, world, objs):
    client.force_login(world.admin_a)
    answer = client.post(reverse("oversight:incident-close", args=[objs["incident"].pk]), {"note": "終わり"})
    assert answer.status_code == 200 and "日付がまだ記録されていません" in answer.content.decode()


def test_a_coordinator_finds_how_to_report_on_the_home_page(client, world):
    IncidentFactory(facility=world.facility_a)
    client.force_login(world.coordinator_a)
    home = client.get(reverse("home"))
    (panel,) = [p for p in home.context["panels"] if p.title.endswith("トラブル報告・IT機器")]
    assert panel.items[0].url == reverse("oversight:incident-create", args=[world.program_a.slug])
    assert panel.items[1].count == 1
    assert panel.items[2].url == reverse("oversight:device-list", args=[world.facility_a.pk])
