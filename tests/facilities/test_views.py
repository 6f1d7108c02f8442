"""What the ledger and notice pages do for the people using them (their rungs: tests/facilities/walk.py)."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse

from facilities import services
from facilities.models import (
    ChangeKind,
    ChangeNotice,
    DeviceReturn,
    NoticeStatus,
    Pledge,
    RemovalReason,
    Staff,
    StaffStatus,
    TrainingKind,
)
from tests.accounts.helpers import login, totp_device
from tests.conftest import make_world
from tests.facilities.factories import ChangeNoticeFactory, NoticeLineFactory
from tests.factories import StaffFactory
from tests.helpers import csv_rows

pytestmark = pytest.mark.django_db
TODAY = datetime.date.today()


@pytest.fixture
def mw(db):
    """A world whose program A has both a staff pledge and a change notice (musashimurayama)."""
    world = make_world(variant_a="musashimurayama")
    world.notice = ChangeNoticeFactory(facility=world.facility_a)
    NoticeLineFactory(notice=world.notice, staff=world.staff_a)
    return world


# Every view at every rung (anonymous, outsider 404, wrong role 403, allowed, GET on POST-only 405)
# is in the access table, tests/facilities/walk.py ACCESS, walked by tests/security/test_walk_roles.py.


def test_the_secretariat_may_manage_the_ledger_too(client, mw):
    client.force_login(mw.secretariat_a)
    assert client.get(reverse("facilities:staff-add", args=[mw.facility_a.pk])).status_code == 200


# --- The ledger -----------------------------------------------------------------------------


def ledger(client, world, **params):
    return client.get(reverse("facilities:facility-detail", args=[world.facility_a.pk]), params)


def test_the_ledger_says_what_a_pending_person_lacks(client, mw):
    pending = services.staff_add(
        facility=mw.facility_a, by=mw.admin_a, full_name="新人 一郎", full_name_kana="シンジン イチロウ",
        job="nurse", email="new@example.jp",
    )
    client.force_login(mw.admin_a)
    body = ledger(client, mw).content.decode()
    assert pending.full_name in body
    assert "誓約書がない（第15条）" in body and "利用開始前の研修がない（第12条3)）" in body


def test_the_ledger_searches_filters_and_sorts(client, world):
    StaffFactory(facility=world.facility_a, full_name="阿部 一", full_name_kana="アベ ハジメ")
    StaffFactory(facility=world.facility_a, full_name="渡辺 二", full_name_kana="ワタナベ ジ")
    StaffFactory(facility=world.facility_a, full_name="退職 三", full_name_kana="タイショク",
                 status=StaffStatus.REMOVED)
    client.force_login(world.admin_a)
    body = ledger(client, world, q="ｱﾍﾞ").content.decode()  # half-width kana, normalised
    assert "阿部 一" in body and "渡辺 二" not in body
    assert "退職 三" not in ledger(client, world).content.decode()
    assert "退職 三" in ledger(client, world, status="removed").content.decode()
    body = ledger(client, world, sort="-kana").content.decode()
    assert body.index("渡辺 二") < body.index("阿部 一")
    assert ledger(client, world, sort="nonsense", status="bogus").status_code == 200


def test_the_ledger_filters_by_pledge_and_overdue_education(client, world):
    signed = StaffFactory(facility=world.facility_a, full_name="署名 済子", started_on=datetime.date(2000, 1, 1))
    services.pledge_record(staff=signed, by=world.admin_a, kind="signed", signed_on=TODAY)
    client.force_login(world.admin_a)
    body = ledger(client, world, pledge="signed").content.decode()
    assert "署名 済子" in body and world.staff_a.full_name not in body
    assert "署名 済子" in ledger(client, world, education="on").content.decode()


def test_the_ledger_query_count_does_not_grow(client, mw, django_assert_max_num_queries):
    client.force_login(mw.admin_a)
    services.staff_add(facility=mw.facility_a, by=mw.admin_a, full_name="新人", full_name_kana="シンジン",
                       job="nurse", email="new0@example.jp")
    with django_assert_max_num_queries(30) as few:
        ledger(client, mw)
    for n in range(1, 25):
        services.staff_add(facility=mw.facility_a, by=mw.admin_a, full_name=f"新人{n}", full_name_kana="シンジン",
                           job="nurse", email=f"new{n}@example.jp")
    with django_assert_max_num_queries(len(few.captured_queries)):
        ledger(client, mw)


def test_the_csv_opens_in_excel(client, world):
    StaffFactory(facility=world.facility_a, full_name="=HYPERLINK(1)", full_name_kana="カナ")
    client.force_login(world.admin_a)
    response = client.get(reverse("facilities:ledger-csv", args=[world.facility_a.pk]), {"status": "all"})
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    rows = csv_rows(response)
    assert rows[0][0] == "氏名" and len(rows) == 3
    names = [row[0] for row in rows[1:]]
    assert world.staff_a.full_name in names and "'=HYPERLINK(1)" in names


def test_the_csv_link_keeps_the_ledgers_filters(client, world):
    client.force_login(world.admin_a)
    body = ledger(client, world, q="abc", status="all").content.decode()
    assert reverse("facilities:ledger-csv", args=[world.facility_a.pk]) + "?q=abc&amp;status=all" in body


def test_the_ledger_pdf_view(client, world):
    client.force_login(world.coordinator_a)
    response = client.get(reverse("facilities:ledger-pdf", args=[world.facility_a.pk]))
    assert response["Content-Type"] == "application/pdf" and response.content.startswith(b"%PDF")


def test_a_name_the_font_cannot_print_is_explained_not_dropped(client, world):
    world.staff_a.full_name = "𠮷田 太郎"
    world.staff_a.save()
    client.force_login(world.admin_a)
    response = client.get(reverse("facilities:staff-pledge-pdf", args=[world.staff_a.pk]), follow=True)
    assert "「𠮷」は印刷用のフォントにない文字" in response.content.decode()


# --- Adding, pledges, training ---------------------------------------------------------------


def add_data(**kwargs):
    data = {"full_name": "山田　花子", "full_name_kana": "やまだ はなこ", "job": "nurse", "email": "Hanako@Example.jp"}
    data.update(kwargs)
    return data


def test_adding_through_the_form_normalises_and_redirects(client, world):
    client.force_login(world.admin_a)
    response = client.post(reverse("facilities:staff-add", args=[world.facility_a.pk]), add_data())
    staff = Staff.objects.get(email__iexact="hanako@example.jp")
    assert response.status_code == 302 and response.url == reverse("facilities:staff-detail", args=[staff.pk])
    assert (staff.full_name, staff.full_name_kana, staff.status) == ("山田 花子", "ヤマダ ハナコ", StaffStatus.PENDING)


def test_a_duplicate_email_is_a_form_error_not_a_500(client, world):
    StaffFactory(facility=world.facility_a2, email="hanako@example.jp")
    client.force_login(world.admin_a)
    response = client.post(reverse("facilities:staff-add", args=[world.facility_a.pk]), add_data())
    assert response.status_code == 200
    assert "すでにネットワーク内の別の職員が使っています" in response.content.decode()


def test_editing_a_line(client, world):
    client.force_login(world.admin_a)
    url = reverse("facilities:staff-edit", args=[world.staff_a.pk])
    response = client.post(url, add_data(email=world.staff_a.email, is_admin="on"))
    assert response.status_code == 302
    world.staff_a.refresh_from_db()
    assert world.staff_a.is_admin and world.staff_a.full_name == "山田 花子"


def test_recording_a_pledge_activates(client, world):
    pending = StaffFactory(facility=world.facility_a, status=StaffStatus.PENDING)
    client.force_login(world.admin_a)
    url = reverse("facilities:staff-pledge", args=[pending.pk])
    response = client.post(url, {"kind": "exempt", "signed_on": "2024-04-01"})
    assert response.status_code == 200 and "すでに交わしている誓約書の名前" in response.content.decode()
    response = client.post(url, {"kind": "exempt", "signed_on": "2024-04-01", "existing_pledge": "入職時の誓約書"})
    assert response.status_code == 302
    pending.refresh_from_db()
    assert pending.status == StaffStatus.ACTIVE
    assert Pledge.objects.get(staff=pending).signed_on == datetime.date(2024, 4, 1)


def test_the_pledge_page_says_none_is_needed_where_the_variant_has_none(client, db):
    world = make_world(variant_a="kumagaya")
    client.force_login(world.admin_a)
    body = client.get(reverse("facilities:staff-pledge", args=[world.staff_a.pk])).content.decode()
    assert "職員ごとの誓約書はいりません" in body


def test_training_for_many_at_once_through_the_form(client, mw):
    people = [
        services.staff_add(facility=mw.facility_a, by=mw.admin_a, full_name=f"新人{n}", full_name_kana="シンジン",
                           job="nurse", email=f"n{n}@example.jp")
        for n in range(2)
    ]
    for person in people:
        services.pledge_record(staff=person, by=mw.admin_a, kind="signed", signed_on=TODAY)
    client.force_login(mw.admin_a)
    response = client.post(
        reverse("facilities:training-add", args=[mw.facility_a.pk]),
        {"kind": TrainingKind.VIDEO, "held_on": TODAY.isoformat(), "staff": [p.pk for p in people]},
    )
    assert response.status_code == 302
    statuses = Staff.objects.filter(pk__in=[p.pk for p in people]).values_list("status", flat=True)
    assert set(statuses) == {"active"}
    body = client.get(reverse("facilities:training-list", args=[mw.facility_a.pk])).content.decode()
    assert "新人0" in body and "2名" in body


def test_training_cannot_name_staff_of_another_facility(client, world):
    stranger = StaffFactory(facility=world.facility_a2)
    client.force_login(world.admin_a)
    response = client.post(
        reverse("facilities:training-add", args=[world.facility_a.pk]),
        {"kind": TrainingKind.EDUCATION, "held_on": TODAY.isoformat(), "staff": [stranger.pk]},
    )
    assert response.status_code == 200 and not stranger.attendances.exists()


# --- Removing and notices ---------------------------------------------------------------------


def remove_data(**kwargs):
    data = {"reason": RemovalReason.RETIRED, "effective_date": TODAY.isoformat()}
    data["devices"] = DeviceReturn.RETURNED
    data.update(kwargs)
    return data


@pytest.mark.parametrize("variant, removed_now, to_notice", [
    ("kumagaya", False, True),
    ("musashimurayama", True, True),
    ("chuo", True, False),
    ("matsubara", True, False),
    ("iwakuni", True, False),
])
def test_removing_through_the_form(client, db, variant, removed_now, to_notice):
    world = make_world(variant_a=variant)
    client.force_login(world.admin_a)
    response = client.post(reverse("facilities:staff-remove", args=[world.staff_a.pk]), remove_data())
    world.staff_a.refresh_from_db()
    assert (world.staff_a.status == StaffStatus.REMOVED) == removed_now
    assert ("/notices/" in response.url) == to_notice
    if to_notice:
        notice = ChangeNotice.objects.get()
        client.post(reverse("facilities:notice-file", args=[notice.pk]))
        world.staff_a.refresh_from_db()
        assert world.staff_a.status == StaffStatus.REMOVED
        assert ChangeNotice.objects.get().status == NoticeStatus.FILED


def test_the_remove_page_explains_the_notice_comes_first(client, db):
    world = make_world(variant_a="kumagaya")
    client.force_login(world.admin_a)
    body = client.get(reverse("facilities:staff-remove", args=[world.staff_a.pk])).content.decode()
    assert "変更届を提出した時点で完了します" in body and "くまねっとMCS利用申込書兼変更届" in body


def test_a_removal_date_before_the_start_is_refused(client, world):
    world.staff_a.started_on = TODAY
    world.staff_a.save()
    client.force_login(world.admin_a)
    yesterday = (TODAY - datetime.timedelta(days=1)).isoformat()
    response = client.post(reverse("facilities:staff-remove", args=[world.staff_a.pk]),
                           remove_data(effective_date=yesterday))
    assert response.status_code == 200 and "を利用開始日（" in response.content.decode()


def test_the_secretariat_acknowledges_or_asks_for_a_correction(client, mw):
    services.notice_file(notice=mw.notice, by=mw.admin_a)
    client.force_login(mw.secretariat_a)
    client.post(reverse("facilities:notice-request-correction", args=[mw.notice.pk]), {"comment": ""})
    assert ChangeNotice.objects.get(pk=mw.notice.pk).status == NoticeStatus.FILED  # a comment is needed
    client.post(reverse("facilities:notice-request-correction", args=[mw.notice.pk]), {"comment": "日付を確認"})
    assert ChangeNotice.objects.get(pk=mw.notice.pk).status == NoticeStatus.CORRECTION
    client.force_login(mw.admin_a)
    client.post(reverse("facilities:notice-file", args=[mw.notice.pk]))
    client.force_login(mw.secretariat_a)
    client.post(reverse("facilities:notice-acknowledge", args=[mw.notice.pk]))
    assert ChangeNotice.objects.get(pk=mw.notice.pk).status == NoticeStatus.ACKNOWLEDGED


def test_the_inbox_shows_what_awaits_and_flags_the_overdue(client, mw):
    late = ChangeNoticeFactory(facility=mw.facility_a2)
    NoticeLineFactory(notice=late, change=ChangeKind.REMOVE, changed_on=TODAY - datetime.timedelta(days=30))
    late.due_on = TODAY - datetime.timedelta(days=23)
    late.save()
    services.notice_file(notice=mw.notice, by=mw.admin_a)
    client.force_login(mw.secretariat_a)
    url = reverse("facilities:notice-inbox", args=[mw.program_a.slug])
    body = client.get(url).content.decode()
    assert mw.facility_a.name in body and mw.facility_a2.name not in body  # drafts wait on the overdue filter
    body = client.get(url, {"overdue": "on"}).content.decode()
    assert mw.facility_a2.name in body and "期限切れ・未提出" in body


def test_the_inbox_query_count_does_not_grow(client, mw, django_assert_max_num_queries):
    services.notice_file(notice=mw.notice, by=mw.admin_a)
    client.force_login(mw.secretariat_a)
    url = reverse("facilities:notice-inbox", args=[mw.program_a.slug])
    with django_assert_max_num_queries(30) as few:
        client.get(url)
    for _ in range(15):
        facility = StaffFactory(facility__program=mw.program_a).facility
        notice = ChangeNoticeFactory(facility=facility)
        NoticeLineFactory.create_batch(2, notice=notice)
        services.notice_file(notice=notice, by=mw.admin_a)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(url).content.decode().count("開く") == 16


# --- Home -------------------------------------------------------------------------------------


def test_home_lists_the_admins_to_dos(client, mw):
    services.staff_add(facility=mw.facility_a, by=mw.admin_a, full_name="新人 一郎", full_name_kana="シンジン",
                       job="nurse", email="new@example.jp")
    mw.staff_a.started_on = datetime.date(2000, 1, 1)
    mw.staff_a.save()
    client.force_login(mw.admin_a)
    body = client.get(reverse("home")).content.decode()
    assert "新人 一郎: 誓約書・利用開始前の研修がない" in body
    assert "職員教育の記録がない、または365日を過ぎた職員" in body
    assert "提出していない変更届" in body


def test_home_lists_the_secretariats_notices(client, mw):
    services.notice_file(notice=mw.notice, by=mw.admin_a)
    client.force_login(mw.secretariat_a)
    body = client.get(reverse("home")).content.decode()
    assert "確認待ちの変更届" in body and "期限を過ぎた変更届" in body
    assert reverse("facilities:notice-inbox", args=[mw.program_a.slug]) in body


def test_no_notice_items_where_the_variant_needs_no_notice(client, world):
    client.force_login(world.insider_a)
    body = client.get(reverse("home")).content.decode()
    assert "変更届" not in body


@pytest.mark.parametrize("kind", ["ledger", "pledge"])
def test_without_a_japanese_font_the_ledger_pdfs_explain_instead_of_failing(client, world, kind, no_japanese_font):
    client.force_login(world.admin_a)
    if kind == "ledger":
        url = reverse("facilities:ledger-pdf", args=[world.facility_a.pk])
    else:
        url = reverse("facilities:staff-pledge-pdf", args=[world.staff_a.pk])
    response = client.get(url)
    assert response.status_code == 503 and "日本語フォント" in response.content.decode()


def test_a_future_signing_date_is_refused_with_one_message(client, world):
    from core.forms import FUTURE_ERROR
    from facilities.forms import PledgeForm

    form = PledgeForm({"kind": "signed", "signed_on": "2999-01-01"}, policy=world.program_a.policy)
    assert form.errors["signed_on"] == [FUTURE_ERROR.format(label="署名日")]


def test_the_admin_checks_a_facilitys_phone_and_normalises_it(client, world):
    from core.forms import PHONE_ERROR

    facility = world.facility_a
    client.force_login(world.superuser)
    page = reverse("admin:facilities_facility_change", args=[facility.pk])
    data = {
        "program": facility.program_id, "number": facility.number, "name": facility.name, "name_kana": "",
        "kind": facility.kind, "postal_code": "", "address": "", "fax": "", "status": facility.status,
        "approved_on": "",
    }
    refused = client.post(page, {**data, "phone": "072-123"})
    assert refused.status_code == 200 and PHONE_ERROR in refused.content.decode()
    assert client.post(page, {**data, "phone": "０７２－１２３－４５６７"}).status_code == 302
    facility.refresh_from_db()
    assert facility.phone == "072-123-4567"


# --- Finding the network's pages --------------------------------------------------------------


@pytest.mark.parametrize(("variant", "publishes"), [("kumagaya", False), ("iwakuni", True)])
def test_the_menu_leads_the_secretariat_to_the_network_page_and_its_public_addresses(client, db, variant, publishes):
    world = make_world(variant_a=variant)
    client.force_login(world.secretariat_a)
    network = reverse("facilities:program-detail", args=[world.program_a.slug])
    home = client.get(reverse("home"))
    assert (f"{world.program_a.name} ネットワークの設定", network) in home.context["nav_items"]
    page = client.get(network).content.decode()
    slug = world.program_a.slug
    assert f'value="http://testserver/p/{slug}/apply/"' in page
    assert reverse("facilities:program-settings", args=[slug]) in page
    assert reverse("facilities:pledge-text-list", args=[slug]) in page
    assert (f'value="http://testserver/p/{slug}/facilities/"' in page) == publishes
    # A facility's administrator reads the network page without its addresses and settings.
    client.force_login(world.admin_a)
    assert "公開ページのアドレス" not in client.get(network).content.decode()


def test_the_facility_page_leads_back_to_the_list_and_shows_no_empty_fax(client, world):
    world.facility_a.fax = ""
    world.facility_a.save()
    client.force_login(world.secretariat_a)
    page = ledger(client, world).content.decode()
    assert reverse("facilities:facility-list", args=[world.program_a.slug]) in page and "← 施設一覧" in page
    assert f"<th>電話</th><td>{world.facility_a.phone}</td>" in page
    world.facility_a.fax = "072-000-0001"
    world.facility_a.save()
    page = ledger(client, world).content.decode()
    assert f"<th>電話 / FAX</th><td>{world.facility_a.phone} / 072-000-0001</td>" in page
    client.force_login(world.admin_a)
    assert "← 施設一覧" not in ledger(client, world).content.decode()


def test_the_two_factor_page_tells_the_secretariat_whom_to_ask(world):
    for user, told in ((world.secretariat_a, "事務局のほかのメンバー"), (world.admin_a, "事務局にご連絡ください")):
        totp_device(user)
        plain = Client()
        assert login(plain, user).status_code == 302
        page = plain.get(reverse("accounts:two-factor")).content.decode()
        assert told in page
