"""Pledge texts the secretariat owns: new versions from the UI, old ones kept, re-pledging tracked."""

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from facilities import services, texts
from facilities.ledger import pledge_text_for_print
from facilities.models import PledgeKind, PledgeText, PledgeTextKind, RepledgeRequest
from tests.conftest import make_world
from tests.facilities.helpers import TODAY
from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db

NEW = "（守秘）\n第1条 私は、業務で知った情報を漏らしません。\n① 患者の個人情報\n② その他の情報\n\n第2条 私は、退職後も守ります。"


@pytest.fixture
def mw():
    """musashimurayama: both pledge forms, a staff pledge per person."""
    return make_world(variant_a="musashimurayama")


def sign(w, staff):
    return services.pledge_record(staff=staff, by=w.admin_a, kind=PledgeKind.SIGNED, signed_on=TODAY)


def publish(w, clauses=("第1条 新しい文面",), kind=PledgeTextKind.STAFF):
    return texts.pledge_text_new_version(program=w.program_a, kind=kind, by=w.secretariat_a, clauses=list(clauses))


def test_a_new_version_keeps_the_old_and_who_published(mw):
    first = sign(mw, mw.staff_a).text
    second = publish(mw)
    assert (second.version, second.published_by, second.clauses) == (2, mw.secretariat_a, ["第1条 新しい文面"])
    assert PledgeText.objects.filter(pk=first.pk, version=1).exists()
    assert second.history.first().history_user == mw.secretariat_a
    # The secretariat's wording stays in force although it differs from the profile's.
    assert pledge_text_for_print(mw.program_a) == second
    assert sign(mw, StaffFactory(facility=mw.facility_a)).text == second


@pytest.mark.parametrize("kind", [PledgeTextKind.STAFF, PledgeTextKind.FACILITY])
def test_the_first_edit_of_the_built_in_wording_is_version_2(mw, kind):
    """The built-in wording was shown (and printed) as 第1版: it is stored as such, and the
    secretariat's first wording is 第2版, never a second 第1版."""
    built_in = pledge_text_for_print(mw.program_a, kind)
    assert built_in.pk is None and built_in.version == 1
    assert texts.pledge_text_preview(program=mw.program_a, kind=kind, clauses=["第1条 下書き"]).version == 2
    mine = publish(mw, kind=kind)
    assert mine.version == 2
    first = PledgeText.objects.get(program=mw.program_a, kind=kind, version=1)
    assert first.published_by is None and first.clauses == list(built_in.clauses)
    assert publish(mw, ["第1条 三つ目"], kind=kind).version == 3


def test_the_publish_button_asks_before_publishing(client, mw):
    client.force_login(mw.secretariat_a)
    page = client.get(reverse("facilities:pledge-text-new", args=[mw.program_a.slug, "staff_pledge"])).content.decode()
    assert 'name="publish" value="1" class="primary" data-confirm="第2版として公開します。' in page


def test_the_same_wording_or_none_is_refused(mw):
    current = pledge_text_for_print(mw.program_a)
    with pytest.raises(ValidationError, match="同じ文面"):
        publish(mw, current.clauses)
    with pytest.raises(ValidationError, match="1つ以上"):
        publish(mw, ["  "])
    assert not PledgeText.objects.filter(published_by__isnull=False).exists()


def test_a_variant_without_the_form_has_nothing_to_publish():
    w = make_world(variant_a="kumagaya", lazy=True)  # facility pledge only
    with pytest.raises(ValidationError, match="この誓約書がありません"):
        publish(w)


def test_the_facility_pledge_version_is_what_applications_agree_to(mw):
    publish(mw, ["第1条 事業所として守ります。"], kind=PledgeTextKind.FACILITY)
    assert texts.facility_pledge_clauses(mw.program_a) == ["第1条 事業所として守ります。"]


def test_repledge_asks_who_signed_an_older_version_and_closes_itself(mw, django_capture_on_commit_callbacks):
    sign(mw, mw.staff_a)
    newcomer = StaffFactory(facility=mw.facility_a)
    current = publish(mw)
    sign(mw, newcomer)  # on the new version: not asked
    assert [s.pk for s in texts.staff_on_older_versions(mw.program_a)] == [mw.staff_a.pk]
    with django_capture_on_commit_callbacks(execute=True):
        [request] = texts.repledge_request(program=mw.program_a, by=mw.secretariat_a, staff=[mw.staff_a])
    assert request.text == current and request.closed_at is None
    assert len(mail.outbox) == 1 and mw.admin_a.email in mail.outbox[0].to
    assert mw.staff_a.full_name in mail.outbox[0].body and "第2版" in mail.outbox[0].subject
    # Addressed by the policy's name for the administrator, not a fixed 「MCS管理者」.
    assert mail.outbox[0].body.startswith(f"{mw.facility_a.name} 武蔵村山市MCS管理者 様")
    # Asking again adds nothing; asking for someone on the new version is refused.
    assert texts.repledge_request(program=mw.program_a, by=mw.secretariat_a, staff=[mw.staff_a]) == []
    with pytest.raises(ValidationError):
        texts.repledge_request(program=mw.program_a, by=mw.secretariat_a, staff=[newcomer])
    pledge = sign(mw, mw.staff_a)
    request.refresh_from_db()
    assert request.pledge == pledge and request.closed_at is not None
    assert texts.staff_on_older_versions(mw.program_a) == []
    assert RepledgeRequest.objects.count() == 1  # kept, closed


def test_the_secretariat_publishes_from_the_page(client, mw):
    client.force_login(mw.secretariat_a)
    url = reverse("facilities:pledge-text-new", args=[mw.program_a.slug, "staff_pledge"])
    page = client.get(url).content.decode()
    assert pledge_text_for_print(mw.program_a).clauses[0][:15] in page
    preview = client.post(url, {"clauses": NEW, "preview": "1"})
    assert preview["Content-Type"] == "application/pdf"
    assert not PledgeText.objects.filter(published_by__isnull=False).exists()
    response = client.post(url, {"clauses": NEW, "publish": "1"})
    assert response.status_code == 302
    text = PledgeText.objects.get(published_by=mw.secretariat_a)
    assert text.clauses == ["（守秘）\n第1条 私は、業務で知った情報を漏らしません。\n① 患者の個人情報\n② その他の情報",
                            "第2条 私は、退職後も守ります。"]
    listing = client.get(reverse("facilities:pledge-text-list", args=[mw.program_a.slug])).content.decode()
    assert f"第{text.version}版" in listing and mw.secretariat_a.full_name in listing
    assert client.get(reverse("facilities:pledge-text-pdf", args=[text.pk]))["Content-Type"] == "application/pdf"


def test_an_empty_wording_is_refused_in_japanese(client, mw):
    client.force_login(mw.secretariat_a)
    url = reverse("facilities:pledge-text-new", args=[mw.program_a.slug, "staff_pledge"])
    body = client.post(url, {"clauses": "\n\n", "publish": "1"}).content.decode()
    assert "入力してください" in body
    assert client.get(reverse("facilities:pledge-text-new", args=[mw.program_a.slug, "nonsense"])).status_code == 404


def test_the_model_text_is_marked_until_replaced(client, mw):
    client.force_login(mw.secretariat_a)
    url = reverse("facilities:pledge-text-list", args=[mw.program_a.slug])
    assert "本ネットワークのひな形です" in client.get(url).content.decode()
    publish(mw)
    publish(mw, ["第1条 事業所"], kind=PledgeTextKind.FACILITY)
    assert "本ネットワークのひな形です" not in client.get(url).content.decode()


def test_the_facility_asks_its_own_staff_again(client, mw, django_capture_on_commit_callbacks):
    sign(mw, mw.staff_a)
    publish(mw)
    client.force_login(mw.admin_a)
    url = reverse("facilities:repledge-facility", args=[mw.facility_a.pk])
    page = client.get(url).content.decode()
    assert mw.staff_a.full_name in page and "事業所の武蔵村山市MCS管理者にメールが届き" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"staff": [mw.staff_a.pk]}, follow=True)
    assert "1人に再署名をお願いしました（事業所の武蔵村山市MCS管理者にメールしました）" in response.content.decode()
    assert RepledgeRequest.objects.get().requested_by == mw.admin_a
    assert "依頼中" in client.get(url).content.decode()
    assert "1人以上" in client.post(url, {}).content.decode()


def test_the_repledge_list_query_count_does_not_grow(client, mw, django_assert_max_num_queries):
    sign(mw, mw.staff_a)
    publish(mw)
    client.force_login(mw.secretariat_a)
    url = reverse("facilities:repledge-program", args=[mw.program_a.slug])
    with django_assert_max_num_queries(30) as few:
        client.get(url)
    for _ in range(10):
        sign(mw, StaffFactory(facility=mw.facility_a))
    # They signed version 2; a third version puts everyone on an older one.
    publish(mw, ["第1条 三つ目"])
    with django_assert_max_num_queries(len(few.captured_queries)):
        body = client.get(url).content.decode()
    assert body.count("第2版") >= 10


def test_the_version_list_query_count_does_not_grow(client, mw, django_assert_max_num_queries):
    client.force_login(mw.secretariat_a)
    url = reverse("facilities:pledge-text-list", args=[mw.program_a.slug])
    publish(mw)
    with django_assert_max_num_queries(30) as few:
        client.get(url)
    for n in range(8):
        publish(mw, [f"第1条 版{n}"])
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(url)


def test_without_a_japanese_font_the_preview_explains_and_publishes_nothing(client, mw, no_japanese_font):
    client.force_login(mw.secretariat_a)
    url = reverse("facilities:pledge-text-new", args=[mw.program_a.slug, "staff_pledge"])
    response = client.post(url, {"clauses": NEW, "preview": "1"})
    assert response.status_code == 503 and "フォント" in response.content.decode()
    assert not PledgeText.objects.filter(published_by__isnull=False).exists()


def test_the_application_page_shows_the_facility_pledge_in_force(client, mw):
    publish(mw, ["第1条 事務局が改めた文面です。"], kind=PledgeTextKind.FACILITY)
    body = client.get(reverse("enrollment:apply", args=[mw.program_a.slug])).content.decode()
    assert "事務局が改めた文面です。" in body


def test_repledge_one_open_per_staff_is_enforced_by_the_database(mw):
    text = publish(mw)
    RepledgeRequest.objects.create(staff=mw.staff_a, text=text, requested_by=mw.secretariat_a)
    with pytest.raises(IntegrityError), transaction.atomic():
        RepledgeRequest.objects.create(staff=mw.staff_a, text=text, requested_by=mw.secretariat_a)
