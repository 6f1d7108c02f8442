"""Notices from the secretariat to facility administrators: sending to all or some, e-mail, read
confirmations, the unread list, the roster of administrators, and every rung of the pages."""

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse

from facilities.models import FacilityStatus
from oversight import services
from oversight.models import AdminNotice, NoticeRecipient
from policy.rules import VARIANTS
from tests.factories import FacilityFactory, ProgramFactory, admin_of, coordinator_of, secretariat_of
from tests.helpers import csv_rows
from tests.oversight.factories import NoticeRecipientFactory
from tests.oversight.rungs import climb

pytestmark = pytest.mark.django_db


@pytest.fixture
def objs(world):
    line = NoticeRecipientFactory(notice__program=world.program_a, facility=world.facility_a)
    NoticeRecipientFactory(notice=line.notice, facility=world.facility_a2)
    return {"notice": line.notice, "other_admin": admin_of(world.facility_a2), "stranger": admin_of(
        FacilityFactory(program=world.program_a))}


def _send(world, **kwargs):
    return services.notice_send(program=world.program_a, by=world.secretariat_a, title="研修会のお知らせ",
                                body="来月、MCSの研修会を開きます。", **kwargs)


@pytest.mark.parametrize("variant", VARIANTS)
def test_a_notice_to_all_reaches_every_administrator_in_use(variant, django_capture_on_commit_callbacks):
    program = ProgramFactory(variant=variant)
    used, suspended = FacilityFactory(program=program), FacilityFactory(program=program,
                                                                        status=FacilityStatus.SUSPENDED)
    admins = [admin_of(used), admin_of(used)]
    admin_of(suspended)
    coordinator_of(used)
    with django_capture_on_commit_callbacks(execute=True):
        notice = services.notice_send(program=program, by=secretariat_of(program), title="お知らせ", body="本文")
    assert notice.to_all and list(notice.recipients.values_list("facility", flat=True)) == [used.pk]
    assert notice.recipients.get().history.count() == 1
    (message,) = mail.outbox
    assert sorted(message.to) == sorted(a.email for a in admins)
    assert "お知らせ" in message.subject and "確認しました" in message.body


def test_a_notice_to_some_facilities(world, django_capture_on_commit_callbacks):
    other = admin_of(world.facility_a2)
    with django_capture_on_commit_callbacks(execute=True):
        notice = _send(world, facilities=[world.facility_a2])
    assert not notice.to_all and [r.facility for r in notice.recipients.all()] == [world.facility_a2]
    assert mail.outbox[0].to == [other.email]


def test_bad_addresses_are_refused(world):
    with pytest.raises(ValidationError, match="1つ以上"):
        _send(world, facilities=[])
    with pytest.raises(ValidationError, match="このネットワークの施設"):
        _send(world, facilities=[world.facility_b])
    suspended = FacilityFactory(program=world.program_a, status=FacilityStatus.SUSPENDED)
    with pytest.raises(ValidationError, match="利用中の"):
        _send(world, facilities=[suspended])
    empty = ProgramFactory()
    with pytest.raises(ValidationError, match="利用中の施設がない"):
        services.notice_send(program=empty, by=secretariat_of(empty), title="t", body="b")
    assert not AdminNotice.objects.exists()


def test_confirming_marks_only_the_administrators_facilities_once(world, objs):
    assert services.notice_confirm_read(notice=objs["notice"], by=world.admin_a) == 1
    assert services.notice_confirm_read(notice=objs["notice"], by=world.admin_a) == 0
    line = NoticeRecipient.objects.get(notice=objs["notice"], facility=world.facility_a)
    assert line.read_by == world.admin_a and line.read_at is not None
    assert NoticeRecipient.objects.get(notice=objs["notice"], facility=world.facility_a2).read_at is None
    assert services.notice_confirm_read(notice=objs["notice"], by=world.coordinator_a) == 0


RUNGS = [
    ("notice-list", "slug", "get", ["secretariat_b"], ["coordinator_a"], "admin_a", 200),
    ("notice-create", "slug", "get", ["secretariat_b"], ["admin_a"], "secretariat_a", 200),
    ("admin-roster-csv", "slug", "get", ["secretariat_b"], ["admin_a"], "secretariat_a", 200),
    ("notice-detail", "notice", "get", ["admin_b", "stranger"], ["coordinator_a"], "admin_a", 200),
    ("notice-confirm", "notice", "post", ["admin_b", "stranger"], ["secretariat_a", "coordinator_a"], "admin_a", 302),
]


def test_every_notice_url_is_in_the_rungs():
    from tests.foundation.test_url_walk import URL_NAMES

    names = {n.removeprefix("oversight:") for n in URL_NAMES
             if n.startswith("oversight:") and ("notice" in n or "roster" in n)}
    assert names == {r[0] for r in RUNGS}


@pytest.mark.parametrize(("name", "kind", "method", "not_found", "forbidden", "allowed", "status"), RUNGS)
def test_every_view_at_every_rung(client, world, objs, name, kind, method, not_found, forbidden, allowed, status):
    arg = world.program_a.slug if kind == "slug" else objs["notice"].pk
    def who(name):
        return objs.get(name) or getattr(world, name)

    climb(client, reverse(f"oversight:{name}", args=[arg]), method=method, not_found=[who(n) for n in not_found],
          forbidden=[who(n) for n in forbidden], allowed=who(allowed), status=status)


def test_the_unread_list_names_the_facilities_and_their_administrators(client, world, objs):
    other = objs["other_admin"]
    services.notice_confirm_read(notice=objs["notice"], by=world.admin_a)
    client.force_login(world.secretariat_a)
    page = client.get(reverse("oversight:notice-detail", args=[objs["notice"].pk]))
    unread = [(r.facility, admins) for r, admins in page.context["unread"]]
    assert unread == [(world.facility_a2, [other.full_name])]
    assert [r.facility for r in page.context["read"]] == [world.facility_a]
    listing = client.get(reverse("oversight:notice-list", args=[world.program_a.slug]))
    (notice,) = listing.context["page"]
    assert (notice.read, notice.addressed) == (1, 2)


def test_the_admin_confirms_through_the_page_and_the_home_panel_follows(client, world, objs):
    client.force_login(world.admin_a)
    home = client.get(reverse("home"))
    item = next(i for p in home.context["panels"] for i in p.items if i.label.startswith("まだ確認していない"))
    assert item.count == 1
    page = client.get(reverse("oversight:notice-detail", args=[objs["notice"].pk])).content.decode()
    assert "確認しました" in page and "来月の研修会" in page
    assert NoticeRecipient.objects.filter(read_at__isnull=False).count() == 0  # reading is not confirming
    client.post(reverse("oversight:notice-confirm", args=[objs["notice"].pk]))
    home = client.get(reverse("home"))
    item = next(i for p in home.context["panels"] for i in p.items if i.label.startswith("まだ確認していない"))
    assert item.count == 0
    listing = client.get(reverse("oversight:notice-list", args=[world.program_a.slug]))
    assert [n.unread_mine for n in listing.context["page"]] == [0]


def test_sending_through_the_page(client, world, django_capture_on_commit_callbacks):
    client.force_login(world.secretariat_a)
    url = reverse("oversight:notice-create", args=[world.program_a.slug])
    answer = client.post(url, {"title": "t", "body": "b"})
    assert answer.status_code == 200 and "宛先の施設を選ぶか" in answer.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(url, {"title": "台風への備え", "body": "災害時の連絡手段を確認してください。",
                                   "facilities": [world.facility_a.pk]})
    notice = AdminNotice.objects.get()
    assert answer.url == reverse("oversight:notice-detail", args=[notice.pk])
    assert set(mail.outbox[0].to) == {world.admin_a.email, world.insider_a.email}


def test_the_roster_lists_every_current_administrator(client, world):
    other = admin_of(world.facility_a2)
    admin_of(FacilityFactory(program=world.program_a, status=FacilityStatus.WITHDRAWN))
    client.force_login(world.secretariat_a)
    rows = csv_rows(client.get(reverse("oversight:admin-roster-csv", args=[world.program_a.slug])))
    emails = sorted(r[3] for r in rows[1:])
    assert emails == sorted([world.admin_a.email, world.insider_a.email, other.email])


def test_list_and_detail_query_counts_do_not_grow(client, world, objs, django_assert_max_num_queries):
    for who, url in ((world.secretariat_a, reverse("oversight:notice-list", args=[world.program_a.slug])),
                     (world.admin_a, reverse("oversight:notice-list", args=[world.program_a.slug])),
                     (world.secretariat_a, reverse("oversight:notice-detail", args=[objs["notice"].pk]))):
        client.force_login(who)
        with django_assert_max_num_queries(30) as few:
            client.get(url)
        for _ in range(4):
            facility = FacilityFactory(program=world.program_a)
            admin_of(facility)
            NoticeRecipientFactory(notice=objs["notice"], facility=facility)
            NoticeRecipientFactory(notice__program=world.program_a, facility=world.facility_a)
        with django_assert_max_num_queries(len(few.captured_queries)):
            assert client.get(url).status_code == 200
