"""Guidance and restriction records (注意・指導): recorded by the secretariat, linked to a report,
read by the person's facility's MCS管理者 (not its coordinators, not other facilities)."""

import datetime

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from oversight import services
from oversight.forms import GuidanceForm
from oversight.models import ActionKind, Guidance, GuidanceKind
from policy.rules import VARIANTS
from tests.factories import FacilityFactory, ProgramFactory, StaffFactory, admin_of, coordinator_of
from tests.oversight.factories import GuidanceFactory, IncidentFactory
from tests.oversight.rungs import climb

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


@pytest.fixture
def objs(world):
    incident = IncidentFactory(facility=world.facility_a)
    return {
        "incident": incident,
        "guidance": GuidanceFactory(facility=world.facility_a, incident=incident, staff=world.staff_a),
        "other_admin": admin_of(world.facility_a2),
    }


def _record(world, **kwargs):
    kwargs.setdefault("facility", world.facility_a)
    kwargs.setdefault("kind", GuidanceKind.CAUTION)
    kwargs.setdefault("given_on", TODAY)
    kwargs.setdefault("content", "患者の写真を許可なく投稿したため注意した。")
    kwargs.setdefault("given_by_body", "在宅医療委員会")
    return services.guidance_record(program=world.program_a, by=world.secretariat_a, **kwargs)


def test_recording_guidance_tells_the_facility_admin_and_logs_on_the_report(
        world, objs, django_capture_on_commit_callbacks):
    other = admin_of(world.facility_a2)
    with django_capture_on_commit_callbacks(execute=True):
        guidance = _record(world, staff=world.staff_a, incident=objs["incident"])
    assert guidance.history.first().history_user == world.secretariat_a
    (message,) = mail.outbox
    assert set(message.to) == {world.admin_a.email, world.insider_a.email} and other.email not in message.to
    assert world.staff_a.full_name in message.body and "注意" in message.subject
    assert objs["incident"].actions.filter(kind=ActionKind.OTHER, note__contains="注意を記録").exists()


def test_guidance_refuses_people_and_reports_of_elsewhere(world):
    with pytest.raises(ValidationError, match="選んだ施設の利用者"):
        _record(world, staff=StaffFactory(facility=world.facility_a2))
    with pytest.raises(ValidationError, match="このネットワークの報告"):
        _record(world, incident=IncidentFactory(facility=world.facility_b))
    with pytest.raises(ValidationError, match="このネットワークの施設"):
        _record(world, facility=world.facility_b)
    with pytest.raises(ValidationError, match="終了予定日"):
        _record(world, kind=GuidanceKind.RESTRICTION, restriction_until=TODAY - datetime.timedelta(days=1))
    assert not Guidance.objects.exists()


def test_only_a_restriction_keeps_an_end_date(world):
    caution = _record(world, restriction_until=TODAY + datetime.timedelta(days=30))
    assert caution.restriction_until is None
    restriction = _record(world, kind=GuidanceKind.RESTRICTION, restriction_until=TODAY + datetime.timedelta(days=30))
    assert restriction.restriction_until == TODAY + datetime.timedelta(days=30)


@pytest.mark.parametrize("variant", VARIANTS)
def test_the_form_names_who_guides_in_each_variant(variant):
    program = ProgramFactory(variant=variant)
    form = GuidanceForm(program=program)
    policy = program.policy
    assert form.fields["given_by_body"].initial == policy.guidance_body
    if policy.guidance_article:
        assert policy.guidance_article in form.fields["given_by_body"].help_text


def test_musashimurayama_and_iwakuni_name_their_committees():
    assert GuidanceForm(program=ProgramFactory(variant="musashimurayama")).fields["given_by_body"].initial == (
        "武蔵村山市医師会 在宅医療委員会")
    form = GuidanceForm(program=ProgramFactory(variant="iwakuni"))
    assert form.fields["given_by_body"].initial == "いつつばしネット協議会" and "第10条" in form.fields[
        "given_by_body"].help_text


def test_a_restriction_needs_an_end_date_on_the_form(world):
    data = {"facility": world.facility_a.pk, "kind": "restriction", "given_on": TODAY.isoformat(),
            "given_by_body": "事務局", "content": "利用を制限"}
    form = GuidanceForm(data, program=world.program_a)
    assert not form.is_valid() and "終了予定日" in str(form.errors["restriction_until"])


RUNGS = [
    ("guidance-list", "slug", ["secretariat_b"], ["coordinator_a"], "admin_a"),
    ("guidance-create", "slug", ["secretariat_b"], ["admin_a"], "secretariat_a"),
    ("guidance-detail", "guidance", ["admin_b", "other_admin"], ["coordinator_a"], "admin_a"),
]


def test_every_guidance_url_is_in_the_rungs():
    from tests.foundation.test_url_walk import URL_NAMES

    names = {n.removeprefix("oversight:") for n in URL_NAMES if n.startswith("oversight:guidance")}
    assert names == {r[0] for r in RUNGS}


@pytest.mark.parametrize(("name", "kind", "not_found", "forbidden", "allowed"), RUNGS)
def test_every_view_at_every_rung(client, world, objs, name, kind, not_found, forbidden, allowed):
    arg = world.program_a.slug if kind == "slug" else objs["guidance"].pk
    def who(name):
        return objs.get(name) or getattr(world, name)

    climb(client, reverse(f"oversight:{name}", args=[arg]), not_found=[who(n) for n in not_found],
          forbidden=[who(n) for n in forbidden], allowed=who(allowed))


def test_the_facility_admin_lists_only_their_facility(client, world, objs):
    GuidanceFactory(facility=world.facility_a2)
    client.force_login(world.admin_a)
    page = client.get(reverse("oversight:guidance-list", args=[world.program_a.slug]))
    assert list(page.context["page"]) == [objs["guidance"]]
    client.force_login(world.secretariat_a)
    assert client.get(reverse("oversight:guidance-list", args=[world.program_a.slug])).context[
        "page"].paginator.count == 2


def test_the_list_query_count_does_not_grow(client, world, django_assert_max_num_queries):
    url = reverse("oversight:guidance-list", args=[world.program_a.slug])
    GuidanceFactory(facility=world.facility_a, incident=IncidentFactory(facility=world.facility_a))
    client.force_login(world.secretariat_a)
    with django_assert_max_num_queries(30) as few:
        client.get(url)
    for _ in range(6):
        facility = FacilityFactory(program=world.program_a)
        GuidanceFactory(facility=facility, staff=StaffFactory(facility=facility),
                        incident=IncidentFactory(facility=facility))
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(url).status_code == 200


def test_guidance_from_a_report_through_the_pages(client, world, objs, django_capture_on_commit_callbacks):
    client.force_login(world.secretariat_a)
    incident = objs["incident"]
    detail = client.get(reverse("oversight:incident-detail", args=[incident.pk])).content.decode()
    create = reverse("oversight:guidance-create", args=[world.program_a.slug])
    assert f"{create}?incident={incident.pk}" in detail
    form = client.get(f"{create}?incident={incident.pk}")
    assert form.context["form"].initial["facility"] == world.facility_a
    data = {"facility": world.facility_a.pk, "staff": world.staff_a.pk, "incident": incident.pk,
            "kind": "guidance", "given_on": TODAY.isoformat(), "given_by_body": "事務局",
            "content": "端末に起動時ロックを設定するよう指導した。"}
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(create, data)
    guidance = Guidance.objects.latest("pk")
    assert answer.status_code == 302 and guidance.incident == incident and guidance.recorded_by == world.secretariat_a
    client.force_login(world.admin_a)
    page = client.get(reverse("oversight:guidance-detail", args=[guidance.pk])).content.decode()
    assert "起動時ロック" in page and incident.number in page
    detail = client.get(reverse("oversight:incident-detail", args=[incident.pk])).content.decode()
    assert "この報告にもとづく注意・指導" in detail
    client.force_login(coordinator_of(world.facility_a))
    detail = client.get(reverse("oversight:incident-detail", args=[incident.pk])).content.decode()
    assert "この報告にもとづく注意・指導" not in detail
