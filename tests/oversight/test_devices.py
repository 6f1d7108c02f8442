"""Device registers, take-out and personal-device requests, disaster periods and secondary use, asked
of the engine (DEV-TAKEOUT, DEV-BYOD, SEC-*) for the variants whose rules differ; every rung of the
pages; pinned query counts."""

import datetime

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from core.services import PolicyBlocked
from oversight import services
from oversight.models import Device, DeviceRequest, Ownership, RequestKind, RequestStatus, SecondaryUse
from policy.rules import SAFEGUARDS
from tests.factories import (
    FacilityFactory,
    ProgramFactory,
    StaffFactory,
    admin_of,
    coordinator_of,
    secretariat_of,
)
from tests.oversight.factories import (
    DeviceFactory,
    DeviceRequestFactory,
    DisasterPeriodFactory,
    SecondaryUseFactory,
)
from tests.oversight.rungs import climb

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
WEEK = datetime.timedelta(days=7)


def _place(variant):
    facility = FacilityFactory(program=ProgramFactory(variant=variant))
    return facility, admin_of(facility), coordinator_of(facility)


def _request(facility, by, kind=RequestKind.TAKEOUT, **kwargs):
    return services.device_request_file(
        facility=facility, by=by, kind=kind, purpose="訪問先で使う", period_from=TODAY, period_to=TODAY + WEEK,
        information="患者番号の一覧", medium="USBメモリ", **kwargs)


# --- Taking out (DEV-TAKEOUT) -------------------------------------------------------------------


@pytest.mark.parametrize(("variant", "blocked", "warned"), [
    ("kumagaya", "第9条(8)", None),
    ("iwakuni", "第20条8)", None),
    ("matsubara", None, "第16条(9)"),
    ("musashimurayama", None, None),
    ("chuo", None, None),
])
def test_taking_out_without_a_written_approval(variant, blocked, warned, django_capture_on_commit_callbacks):
    facility, admin, coordinator = _place(variant)
    with django_capture_on_commit_callbacks(execute=True):
        filed = _request(facility, coordinator)
    assert mail.outbox[-1].to == [admin.email]
    if blocked:
        with pytest.raises(PolicyBlocked) as error:
            services.device_request_decide(request=filed, by=admin, approve=True)
        assert blocked in str(error.value) and "書面" in str(error.value)
        filed.refresh_from_db()
        assert filed.status == RequestStatus.REQUESTED
        filed = services.device_request_decide(request=filed, by=admin, approve=True, written_on=TODAY)
        assert filed.status == RequestStatus.APPROVED and filed.warnings == []
        return
    filed = services.device_request_decide(request=filed, by=admin, approve=True)
    assert filed.status == RequestStatus.APPROVED
    assert [w["article"] for w in filed.warnings] == ([warned] if warned else [])


def test_refusing_asks_nothing_and_a_decided_request_stays_decided(django_capture_on_commit_callbacks):
    facility, admin, coordinator = _place("kumagaya")
    filed = _request(facility, coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        filed = services.device_request_decide(request=filed, by=admin, approve=False, note="期間が長すぎます")
    assert filed.status == RequestStatus.REFUSED and filed.written_on is None
    assert mail.outbox[-1].to == [coordinator.email] and "不承認" in mail.outbox[-1].subject
    with pytest.raises(ValidationError, match="不承認"):
        services.device_request_decide(request=filed, by=admin, approve=True, written_on=TODAY)


def test_a_request_needs_what_and_where():
    facility, _, coordinator = _place("iwakuni")
    with pytest.raises(ValidationError, match="格納する媒体"):
        services.device_request_file(facility=facility, by=coordinator, kind=RequestKind.TAKEOUT, purpose="p",
                                     period_from=TODAY, period_to=TODAY)
    with pytest.raises(ValidationError, match="名称・機種"):
        services.device_request_file(facility=facility, by=coordinator, kind=RequestKind.BYOD, purpose="p",
                                     period_from=TODAY, period_to=TODAY)
    with pytest.raises(ValidationError, match="期間の終わり"):
        services.device_request_file(facility=facility, by=coordinator, kind=RequestKind.TAKEOUT, purpose="p",
                                     period_from=TODAY, period_to=TODAY - WEEK, information="i", medium="m")


# --- Personal devices (DEV-BYOD) and disasters ----------------------------------------------------


def _byod(facility, coordinator, safeguards=()):
    return services.device_request_file(
        facility=facility, by=coordinator, kind=RequestKind.BYOD, purpose="施設の端末が故障したため",
        period_from=TODAY, period_to=TODAY + WEEK, device_label="私物のiPhone", device_kind="smartphone",
        safeguards=safeguards)


@pytest.mark.parametrize("variant", ["iwakuni", "matsubara"])
def test_a_personal_device_needs_the_written_approval(variant):
    facility, admin, coordinator = _place(variant)
    staff = StaffFactory(facility=facility, user=coordinator)
    filed = _byod(facility, coordinator)
    with pytest.raises(PolicyBlocked, match="管理者の書面による承認"):
        services.device_request_decide(request=filed, by=admin, approve=True)
    assert not Device.objects.exists()
    filed = services.device_request_decide(request=filed, by=admin, approve=True, written_on=TODAY)
    device = filed.device
    assert device.ownership == Ownership.PERSONAL and device.approved_on == TODAY and device.holder == staff
    assert device.disaster is None and device.history.count() == 1


def test_kumagaya_asks_the_same_safeguards_of_a_personal_device():
    facility, admin, coordinator = _place("kumagaya")
    filed = services.device_request_decide(request=_byod(facility, coordinator, ["boot_lock"]), by=admin,
                                           approve=True)
    (warning,) = filed.warnings
    assert warning["article"] == "第9条(9)" and "リモートワイプ" in warning["message"]
    full = _byod(facility, coordinator, list(SAFEGUARDS))
    assert services.device_request_decide(request=full, by=admin, approve=True).warnings == []


@pytest.mark.parametrize("variant", ["iwakuni", "musashimurayama"])
def test_in_a_disaster_unregistered_devices_are_allowed_and_recorded(variant, django_capture_on_commit_callbacks):
    facility, admin, _ = _place(variant)
    program = facility.program
    secretariat = secretariat_of(program)
    with django_capture_on_commit_callbacks(execute=True):
        period = services.disaster_open(program=program, by=secretariat, title="豪雨災害")
    assert mail.outbox[-1].to == [admin.email] and program.policy.disaster_article in mail.outbox[-1].body
    with pytest.raises(ValidationError, match="「豪雨災害」として始めています"):
        services.disaster_open(program=program, by=secretariat, title="二重")
    device = services.device_register(facility=facility, by=admin, label="避難所の私物タブレット", kind="tablet",
                                      ownership=Ownership.PERSONAL, registered_on=TODAY)
    assert device.disaster == period and device.approved_on is None and device.warnings == []
    services.disaster_close(period=period, by=secretariat)
    after = {"facility": facility, "by": admin, "label": "私物", "kind": "tablet", "ownership": Ownership.PERSONAL,
             "registered_on": TODAY}
    if variant == "iwakuni":  # 第20条7): block without the written approval
        with pytest.raises(PolicyBlocked, match="第20条7"):
            services.device_register(**after)
    else:  # 第22条3): left to each facility, a warning
        device = services.device_register(**after)
        assert device.disaster is None and [w["rule"] for w in device.warnings] == ["DEV-BYOD"]
    with pytest.raises(ValidationError, match="終えています"):
        services.disaster_close(period=period, by=secretariat)


@pytest.mark.parametrize("variant", ["kumagaya", "chuo", "matsubara"])
def test_no_disaster_exception_where_the_policy_has_none(variant):
    program = ProgramFactory(variant=variant)
    with pytest.raises(ValidationError, match="定めがありません"):
        services.disaster_open(program=program, by=secretariat_of(program), title="地震")


def test_a_lent_device_asks_no_approval_and_retires_once():
    facility, admin, _ = _place("iwakuni")
    device = services.device_register(facility=facility, by=admin, label="施設のiPad", kind="tablet",
                                      ownership=Ownership.LENT, registered_on=TODAY, approved_on=TODAY)
    assert device.approved_on is None and device.warnings == []
    with pytest.raises(ValidationError, match="この施設の職員"):
        services.device_register(facility=facility, by=admin, label="x", kind="pc", ownership=Ownership.LENT,
                                 registered_on=TODAY, holder=StaffFactory())
    services.device_retire(device=device, by=admin, retired_on=TODAY)
    with pytest.raises(ValidationError, match=f"{admin.full_name}さんが使用をやめたことを記録しています"):
        services.device_retire(device=device, by=admin, retired_on=TODAY)


# --- Secondary use (SEC-*) ----------------------------------------------------------------------


def _use(variant, **facts):
    facility, _, coordinator = _place(variant)
    facts.setdefault("purpose", "care")
    return services.secondary_use_record(facility=facility, by=coordinator, content="P-001の写真", use="看護記録",
                                         **facts)


def test_kumagaya_forbids_any_secondary_use():
    with pytest.raises(PolicyBlocked, match=r"第9条\(5\)"):
        _use("kumagaya", provider_permission=True)
    assert not SecondaryUse.objects.exists()


def test_matsubara_warns_and_records():
    use = _use("matsubara", provider_permission=True)
    assert [w["rule"] for w in use.warnings] == ["SEC-NO-COPY"]


@pytest.mark.parametrize("variant", ["musashimurayama", "iwakuni"])
def test_musashimurayama_and_iwakuni_ask_permission_and_refuse_other_facilities_documents(variant):
    article = {"musashimurayama": "第23条", "iwakuni": "第21条"}[variant]
    with pytest.raises(PolicyBlocked, match="内容の提供者の許可") as error:
        _use(variant, provider_permission=False)
    assert article in str(error.value)
    assert _use(variant, provider_permission=True).warnings == []
    with pytest.raises(PolicyBlocked, match="抜粋・加工"):
        _use(variant, purpose="other", provider_permission=True, manager_permission=True, anonymized=False)
    assert _use(variant, purpose="other", provider_permission=True, manager_permission=True, anonymized=True)
    with pytest.raises(PolicyBlocked, match="他の施設から提供された"):
        _use(variant, provider_permission=True, document_from_other_facility=True)


def test_chuo_has_no_secondary_use_rule():
    assert _use("chuo").warnings == []


# --- Pages ------------------------------------------------------------------------------------------


@pytest.fixture
def objs(world):
    return {
        "device": DeviceFactory(facility=world.facility_a),
        "request": DeviceRequestFactory(facility=world.facility_a, requested_by=world.coordinator_a),
        "disaster": DisasterPeriodFactory(program=world.program_a),
        "stranger": admin_of(world.facility_a2),
    }


RUNGS = [
    ("device-list", "facility", "get", ["coordinator_b", "stranger"], [], "coordinator_a", 200),
    ("device-create", "facility", "get", ["coordinator_b", "stranger"], ["coordinator_a"], "admin_a", 200),
    ("device-retire", "device", "get", ["coordinator_b", "stranger"], ["coordinator_a"], "admin_a", 200),
    ("device-request-create", "facility", "get", ["coordinator_b", "stranger"], ["secretariat_a"],
     "coordinator_a", 200),
    ("device-request", "request", "get", ["coordinator_b", "stranger"], [], "secretariat_a", 200),
    ("device-request-decide", "request", "get", ["coordinator_b", "stranger"], ["secretariat_a", "coordinator_a"],
     "admin_a", 200),
    ("disaster", "slug", "get", ["secretariat_b"], ["admin_a"], "secretariat_a", 200),
    ("disaster-open", "slug", "post", ["secretariat_b"], ["admin_a"], "secretariat_a", 302),
    ("disaster-close", "disaster", "post", ["secretariat_b"], ["admin_a"], "secretariat_a", 302),
    ("secondary-use-list", "facility", "get", ["coordinator_b", "stranger"], [], "coordinator_a", 200),
    ("secondary-use-create", "facility", "get", ["coordinator_b", "stranger"], ["secretariat_a"],
     "coordinator_a", 200),
    ("program-secondary-uses", "slug", "get", ["secretariat_b"], ["admin_a"], "secretariat_a", 200),
]


def test_every_device_url_is_in_the_rungs():
    from tests.foundation.test_url_walk import URL_NAMES

    names = {n.removeprefix("oversight:") for n in URL_NAMES if n.startswith("oversight:")
             and any(word in n for word in ("device", "disaster", "secondary"))}
    assert names == {r[0] for r in RUNGS}


@pytest.mark.parametrize(("name", "kind", "method", "not_found", "forbidden", "allowed", "status"), RUNGS)
def test_every_view_at_every_rung(client, world, objs, name, kind, method, not_found, forbidden, allowed, status):
    arg = {"facility": world.facility_a.pk, "device": objs["device"].pk, "request": objs["request"].pk,
           "slug": world.program_a.slug, "disaster": objs["disaster"].pk}[kind]
    def who(name):
        return objs.get(name) or getattr(world, name)

    climb(client, reverse(f"oversight:{name}", args=[arg]), method=method, not_found=[who(n) for n in not_found],
          forbidden=[who(n) for n in forbidden], allowed=who(allowed), status=status)


def test_takeout_request_and_decision_through_the_pages(client, site_world_iwakuni):
    world = site_world_iwakuni
    client.force_login(world.coordinator_a)
    create = reverse("oversight:device-request-create", args=[world.facility_a.pk])
    answer = client.post(create, {"kind": "takeout", "information": "訪問予定の患者番号", "medium": "USBメモリ",
                                  "purpose": "在宅訪問", "period_from": TODAY.isoformat(),
                                  "period_to": (TODAY + WEEK).isoformat()})
    filed = DeviceRequest.objects.get()
    assert answer.url == reverse("oversight:device-request", args=[filed.pk])
    client.force_login(world.admin_a)
    decide = reverse("oversight:device-request-decide", args=[filed.pk])
    answer = client.post(decide, {"approve": "1"})
    page = answer.content.decode()
    assert answer.status_code == 200 and "持ち出しの書面による承認がありません" in page and "第20条8)" in page
    answer = client.post(decide, {"approve": "1", "written_on": TODAY.isoformat(), "note": "申請書に押印済み"})
    filed.refresh_from_db()
    assert answer.status_code == 302 and filed.status == RequestStatus.APPROVED and filed.written_on == TODAY
    listing = client.get(reverse("oversight:device-list", args=[world.facility_a.pk])).content.decode()
    assert "承認" in listing


def test_secondary_use_block_is_shown_on_the_form(client, site_world_iwakuni):
    world = site_world_iwakuni
    client.force_login(world.coordinator_a)
    url = reverse("oversight:secondary-use-create", args=[world.facility_a.pk])
    answer = client.post(url, {"purpose": "care", "content": "P-001の写真", "use": "記録"})
    page = answer.content.decode()
    assert answer.status_code == 200 and "内容の提供者の許可" in page and "第21条" in page
    assert "ここを確認してください" in page
    answer = client.post(url, {"purpose": "care", "content": "P-001の写真", "use": "記録", "provider_permission": "on"})
    assert answer.status_code == 302 and SecondaryUse.objects.count() == 1


@pytest.fixture
def site_world_iwakuni(db):
    from tests.conftest import make_world

    return make_world(variant_a="iwakuni", variant_b="kumagaya")


def test_device_and_secondary_use_lists_query_counts_do_not_grow(client, world, django_assert_max_num_queries):
    client.force_login(world.admin_a)
    urls = [reverse("oversight:device-list", args=[world.facility_a.pk]),
            reverse("oversight:secondary-use-list", args=[world.facility_a.pk])]
    DeviceFactory(facility=world.facility_a, holder=StaffFactory(facility=world.facility_a))
    DeviceRequestFactory(facility=world.facility_a)
    SecondaryUseFactory(facility=world.facility_a)
    for url in urls:
        with django_assert_max_num_queries(30) as few:
            client.get(url)
        for _ in range(5):
            DeviceFactory(facility=world.facility_a, holder=StaffFactory(facility=world.facility_a),
                          disaster=DisasterPeriodFactory(program=world.program_a, ended_at=timezone.now()))
            DeviceRequestFactory(facility=world.facility_a)
            SecondaryUseFactory(facility=world.facility_a)
        with django_assert_max_num_queries(len(few.captured_queries)):
            assert client.get(url).status_code == 200
    client.force_login(world.secretariat_a)
    for url in (reverse("oversight:disaster", args=[world.program_a.slug]),
                reverse("oversight:program-secondary-uses", args=[world.program_a.slug])):
        with django_assert_max_num_queries(30) as few:
            client.get(url)
        for _ in range(3):
            DeviceFactory(facility=FacilityFactory(program=world.program_a),
                          disaster=DisasterPeriodFactory(program=world.program_a, ended_at=timezone.now()))
            SecondaryUseFactory(facility=FacilityFactory(program=world.program_a))
        with django_assert_max_num_queries(len(few.captured_queries)):
            assert client.get(url).status_code == 200


def test_the_home_page_shows_requests_to_decide_and_the_disaster(client, site_world_iwakuni):
    world = site_world_iwakuni
    DeviceRequestFactory(facility=world.facility_a)
    client.force_login(world.admin_a)
    items = {i.label: i for p in client.get(reverse("home")).context["panels"] for i in p.items}
    assert items["判断を待っている持ち出し・個人の端末の申請"].count == 1
    services.disaster_open(program=world.program_a, by=world.secretariat_a, title="豪雨災害")
    client.force_login(world.secretariat_a)
    items = {i.label: i for p in client.get(reverse("home")).context["panels"] for i in p.items}
    assert items["災害時の特例期間中（豪雨災害）"].alert
