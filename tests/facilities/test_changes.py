"""Changes after approval (facilities/changes.py): a facility's details and a person's line, on the
notice where the policy wants it (kumagaya 様式2) and in the secretariat's list everywhere, and
the line-by-line correction of a returned change notice."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from facilities import changes, pdfs, services
from facilities.models import (
    ChangeKind,
    ChangeNotice,
    DetailsChange,
    DeviceReturn,
    NoticeFiling,
    NoticeLine,
    NoticeStatus,
    RemovalReason,
    Staff,
    StaffRemoval,
)
from facilities.notice_diff import notice_changes
from tests.conftest import make_world
from tests.facilities.factories import ChangeNoticeFactory
from tests.facilities.test_pdfs import text_of
from tests.factories import FacilityFactory, StaffFactory

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
APPROVED = datetime.date(2024, 4, 1)


def kumagaya_world():
    world = make_world(variant_a="kumagaya")
    world.facility_a.approved_on = APPROVED
    world.facility_a.save()
    return world


def change(world, **kwargs):
    return changes.facility_details_change(facility=world.facility_a, by=world.admin_a, changed_on=TODAY, **kwargs)


# --- Facility details ------------------------------------------------------------------------


def test_kumagaya_applies_a_details_change_at_once_and_puts_it_on_the_notice():
    world = kumagaya_world()
    record = change(world, name="くまがや在宅クリニック", address="埼玉県熊谷市宮町2-47-1", representative="院長 熊谷 一郎",
                    note="移転のため")
    facility = world.facility_a
    facility.refresh_from_db()
    assert (facility.name, facility.representative) == ("くまがや在宅クリニック", "院長 熊谷 一郎")
    assert [d["label"] for d in record.details] == ["施設名", "住所", "代表者"]
    assert record.details[2] == {"field": "representative", "label": "代表者", "before": "", "after": "院長 熊谷 一郎"}
    line = NoticeLine.objects.get(record=record)
    assert (line.change, line.staff, line.note, line.notice.status) == (ChangeKind.CHANGE, None, "移転のため",
                                                                       NoticeStatus.DRAFT)
    assert line.notice.due_on == TODAY + datetime.timedelta(days=7)
    assert facility.history.first().history_user == world.admin_a


@pytest.mark.parametrize("variant", ["musashimurayama", "chuo", "matsubara", "iwakuni"])
def test_elsewhere_the_change_is_only_recorded_for_the_secretariat(variant):
    world = make_world(variant_a=variant)
    record = change(world, phone="03-1234-5678")
    assert record.details == [{"field": "phone", "label": "電話番号", "before": "072-000-0000", "after": "03-1234-5678"}]
    assert not NoticeLine.objects.filter(change=ChangeKind.CHANGE).exists()
    assert not ChangeNotice.objects.filter(facility=world.facility_a).exists()


def test_changing_the_administrator_moves_the_ledgers_flag_in_one_line():
    world = kumagaya_world()
    old = StaffFactory(facility=world.facility_a, full_name="熊谷 一郎", full_name_kana="クマガヤ イチロウ", is_admin=True)
    new = StaffFactory(facility=world.facility_a, full_name="妻沼 花子", full_name_kana="メヌマ ハナコ")
    record = change(world, admins=[new])
    old.refresh_from_db(), new.refresh_from_db()
    assert (old.is_admin, new.is_admin) == (False, True)
    assert record.details == [{"field": "admins", "label": "MCS管理者", "before": "熊谷 一郎", "after": "妻沼 花子"}]
    assert NoticeLine.objects.filter(notice__facility=world.facility_a).count() == 1  # no staff lines besides


def test_nothing_changed_or_a_stranger_as_administrator_is_refused():
    world = kumagaya_world()
    with pytest.raises(ValidationError, match="変更した項目がありません"):
        change(world, name=world.facility_a.name)
    with pytest.raises(ValidationError, match="この施設の職員"):
        change(world, admins=[StaffFactory(facility=world.facility_a2)])
    assert not DetailsChange.objects.exists()


def test_bad_details_are_refused_and_nothing_is_recorded():
    world = kumagaya_world()
    with pytest.raises(ValidationError):
        change(world, phone="12", name="新しい名前")
    world.facility_a.refresh_from_db()
    assert world.facility_a.name != "新しい名前" and not DetailsChange.objects.exists()


# --- A person's line -------------------------------------------------------------------------


def test_kumagaya_staff_changes_are_change_lines_once_their_addition_was_filed():
    world = kumagaya_world()
    staff = services.staff_add(facility=world.facility_a, by=world.admin_a, full_name="籠原 健", job="nurse",
                               email="kagohara@example.jp", full_name_kana="カゴハラ ケン")
    # Still on the unfiled notice: the notice carries the corrected line, no 変更 line.
    changes.staff_details_change(staff=staff, by=world.admin_a, changed_on=TODAY, email="kagohara.ken@example.jp")
    assert not NoticeLine.objects.filter(change=ChangeKind.CHANGE).exists()
    services.notice_file(notice=ChangeNotice.objects.get(facility=world.facility_a), by=world.admin_a)
    changes.staff_details_change(staff=staff, by=world.admin_a, changed_on=TODAY, job="pharmacist", is_admin=True)
    line = NoticeLine.objects.get(change=ChangeKind.CHANGE)
    assert line.staff == staff and line.notice.status == NoticeStatus.DRAFT
    assert line.record.summary == "職種: 看護師 → 薬剤師、MCS管理者: ― → ○"
    assert DetailsChange.objects.filter(staff=staff).count() == 2  # both recorded for the secretariat


def test_where_only_additions_and_removals_are_notified_staff_changes_are_recorded_only():
    world = make_world(variant_a="musashimurayama")  # 様式3: 追加登録や削除 only (第12条2)
    changes.staff_details_change(staff=world.staff_a, by=world.admin_a, changed_on=TODAY, full_name="中藤 太郎")
    assert DetailsChange.objects.get().staff == world.staff_a
    assert not NoticeLine.objects.exists()


# --- Correcting a returned notice ------------------------------------------------------------


def returned_notice(world):
    """A kumagaya notice filed with a wrong 令和12年 start date and a removal, then sent back."""
    newcomer = StaffFactory(facility=world.facility_a, full_name="大里 新", started_on=datetime.date(2030, 4, 1))
    services._notice_add_line(staff=newcomer, change=ChangeKind.ADD, changed_on=datetime.date(2030, 4, 1),
                              by=world.admin_a)
    leaver = StaffFactory(facility=world.facility_a, full_name="別府 去", started_on=APPROVED)
    services.staff_request_removal(staff=leaver, by=world.admin_a, reason=RemovalReason.RETIRED,
                                   effective_date=TODAY, devices_returned=DeviceReturn.RETURNED)
    notice = ChangeNotice.objects.get(facility=world.facility_a)
    services.notice_file(notice=notice, by=world.admin_a)
    services.notice_request_correction(notice=notice, by=world.secretariat_a, comment="利用開始日を確認してください")
    notice.refresh_from_db()
    return notice, newcomer, leaver


def test_a_returned_notice_is_corrected_line_by_line_and_refiled_with_what_changed():
    world = kumagaya_world()
    notice, newcomer, leaver = returned_notice(world)
    add = notice.lines.get(change=ChangeKind.ADD)
    remove = notice.lines.get(change=ChangeKind.REMOVE)
    changes.notice_line_update(line=add, by=world.admin_a, changed_on=TODAY)
    changes.notice_line_update(line=remove, by=world.admin_a, changed_on=TODAY - datetime.timedelta(days=1),
                               reason=RemovalReason.TRANSFERRED, note="本院へ異動")
    extra = changes.notice_line_add(notice=notice, by=world.admin_a, change=ChangeKind.CHANGE, changed_on=TODAY,
                                    note="FAX番号を廃止")
    newcomer.refresh_from_db(), leaver.refresh_from_db()
    assert newcomer.started_on == TODAY  # the ledger follows the corrected line
    assert leaver.ended_on == TODAY - datetime.timedelta(days=1)
    assert StaffRemoval.objects.get(staff=leaver).reason == RemovalReason.TRANSFERRED

    compared_with, rows = notice_changes(notice, notice.lines.select_related("staff__removal", "record"))
    assert compared_with.number == 1
    by_subject = {(row["what"], row["subject"]): row["fields"] for row in rows}
    assert by_subject[("直した行", "大里 新")] == [("変更日", "令和12年4月1日", f"令和{TODAY.year - 2018}年{TODAY.month}月{TODAY.day}日")]
    assert ("削除の理由", "退職", "異動") in by_subject[("直した行", "別府 去")]
    assert ("加えた行", "施設の登録事項") in by_subject

    changes.notice_line_drop(line=extra, by=world.admin_a)
    services.notice_file(notice=notice, by=world.admin_a)
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.FILED and notice.filings.count() == 2
    # The secretariat, looking at the refiled notice, sees the second filing against the first.
    compared_with, rows = notice_changes(notice, notice.lines.all())
    assert compared_with.number == 1 and {row["subject"] for row in rows} == {"大里 新", "別府 去"}
    assert notice.filings.get(number=1).lines[0]["changed_on"] == "令和12年4月1日"  # the filed version is kept


def test_only_a_notice_the_facility_holds_is_edited():
    world = kumagaya_world()
    notice, *_ = returned_notice(world)
    services.notice_file(notice=notice, by=world.admin_a)
    with pytest.raises(ValidationError, match="直せるのは、提出前か差戻されたとき"):
        changes.notice_line_update(line=notice.lines.first(), by=world.admin_a, changed_on=TODAY)
    with pytest.raises(ValidationError, match="直せるのは"):
        changes.notice_line_add(notice=notice, by=world.admin_a, change=ChangeKind.CHANGE, changed_on=TODAY,
                                note="x")


def test_lines_that_cannot_be_added_or_dropped():
    world = kumagaya_world()
    leaver = StaffFactory(facility=world.facility_a)
    services.staff_request_removal(staff=leaver, by=world.admin_a, reason=RemovalReason.RETIRED,
                                   effective_date=TODAY, devices_returned=DeviceReturn.RETURNED)
    notice = ChangeNotice.objects.get(facility=world.facility_a)
    with pytest.raises(ValidationError, match="提出を待っています"):
        changes.notice_line_drop(line=notice.lines.get(), by=world.admin_a)
    with pytest.raises(ValidationError, match="すでに変更届に載っています"):
        changes.notice_line_add(notice=notice, by=world.admin_a, change=ChangeKind.REMOVE, changed_on=TODAY,
                                staff=leaver)
    with pytest.raises(ValidationError, match="削除の手続きをしていません"):
        changes.notice_line_add(notice=notice, by=world.admin_a, change=ChangeKind.REMOVE, changed_on=TODAY,
                                staff=world.staff_a)
    with pytest.raises(ValidationError, match="何をどう変更したか"):
        changes.notice_line_add(notice=notice, by=world.admin_a, change=ChangeKind.CHANGE, changed_on=TODAY)
    with pytest.raises(ValidationError, match="この施設の職員"):
        changes.notice_line_add(notice=notice, by=world.admin_a, change=ChangeKind.ADD, changed_on=TODAY,
                                staff=StaffFactory(facility=FacilityFactory(program=world.program_a)))


# --- Views -----------------------------------------------------------------------------------


def details_data(facility, **overrides):
    data = {name: getattr(facility, name) for name in
            ("name", "name_kana", "kind", "postal_code", "address", "phone", "fax", "representative")}
    admins = [s.pk for s in Staff.objects.filter(facility=facility, is_admin=True)]
    return {**data, "admins": admins, "changed_on": TODAY.isoformat(), "note": "", **overrides}


@pytest.mark.parametrize(("variant", "said"), [("kumagaya", "変更届（様式2）に載せました"), ("chuo", "登録事項の変更」にも載ります")])
def test_the_details_form_changes_and_says_what_happens_next(client, variant, said):
    world = make_world(variant_a=variant)
    admin = StaffFactory(facility=world.facility_a, is_admin=True)
    client.force_login(world.admin_a)
    url = reverse("facilities:facility-details-edit", args=[world.facility_a.pk])
    page = client.get(url).content.decode()
    assert "代表者" in page and world.facility_a.program.policy.admin_label in page  # the policy's own name
    response = client.post(url, details_data(world.facility_a, representative="所長 中央 花子",
                                              admins=[admin.pk]), follow=True)
    assert said in response.content.decode()
    world.facility_a.refresh_from_db()
    assert world.facility_a.representative == "所長 中央 花子"


def test_the_details_form_refuses_a_future_date_and_keeps_what_was_typed(client):
    world = kumagaya_world()
    client.force_login(world.admin_a)
    url = reverse("facilities:facility-details-edit", args=[world.facility_a.pk])
    future = (TODAY + datetime.timedelta(days=1)).isoformat()
    response = client.post(url, details_data(world.facility_a, changed_on=future, name="新しい名前", admins=[]))
    page = response.content.decode()
    assert response.status_code == 200 and "変更日に未来の日付は入れられません。" in page
    assert 'value="新しい名前"' in page and not DetailsChange.objects.exists()


def test_the_secretariat_sees_recent_changes_in_few_queries(client, django_assert_max_num_queries):
    world = make_world(variant_a="iwakuni")
    change(world, phone="0827-00-0000")
    client.force_login(world.secretariat_a)
    url = reverse("facilities:program-changes", args=[world.program_a.slug])
    with django_assert_max_num_queries(30) as few:
        page = client.get(url).content.decode()
    assert "電話番号: 072-000-0000 → 0827-00-0000" in page
    for n in range(10):
        changes.staff_details_change(staff=StaffFactory(facility=world.facility_a), by=world.admin_a,
                                     changed_on=TODAY, full_name=f"岩国 {n}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(url)
    facility_page = client.get(reverse("facilities:facility-changes", args=[world.facility_a.pk])).content.decode()
    assert "岩国 9" in facility_page


def test_a_returned_notice_line_is_corrected_through_the_form(client):
    world = kumagaya_world()
    notice, *_ = returned_notice(world)
    client.force_login(world.admin_a)
    line = notice.lines.get(change=ChangeKind.ADD)
    url = reverse("facilities:notice-line-edit", args=[line.pk])
    response = client.post(url, {"changed_on": "2030-04-01"})
    assert "14日先" in response.content.decode()  # the same rule as the start date itself
    response = client.post(url, {"changed_on": TODAY.isoformat()})
    assert response.status_code == 302
    page = client.get(reverse("facilities:notice-detail", args=[notice.pk])).content.decode()
    assert "提出した内容（第1回）から直したところ" in page and "令和12年4月1日 →" in page
    add = reverse("facilities:notice-line-add", args=[notice.pk])
    response = client.post(add, {"change": ChangeKind.CHANGE, "changed_on": TODAY.isoformat(), "note": "代表者の交代"})
    assert response.status_code == 302 and notice.lines.filter(note="代表者の交代").exists()


def test_a_filed_notice_offers_no_correction(client):
    world = kumagaya_world()
    notice, *_ = returned_notice(world)
    services.notice_file(notice=notice, by=world.admin_a)
    client.force_login(world.admin_a)
    page = client.get(reverse("facilities:notice-detail", args=[notice.pk])).content.decode()
    assert "行を加える" not in page and "前回の提出（第1回）から直したところ" in page
    response = client.get(reverse("facilities:notice-line-add", args=[notice.pk]))
    assert response.status_code == 302


def test_the_kumagaya_form_prints_the_change_lines():
    world = kumagaya_world()
    change(world, representative="院長 熊谷 一郎", note="院長の交代")
    notice = ChangeNotice.objects.get(facility=world.facility_a)
    text = text_of(pdfs.change_notice_pdf(program=world.program_a, notice=notice))
    assert "変更する事項" in text and "代表者:（なし）→院長熊谷一郎" in text and "院長の交代" in text


def test_the_last_administrator_cannot_be_unmarked():
    world = kumagaya_world()
    StaffFactory(facility=world.facility_a, is_admin=True)
    with pytest.raises(ValidationError, match="管理者に指定された登録者がいません"):
        change(world, admins=[])


def test_the_due_date_follows_the_corrected_dates():
    world = kumagaya_world()
    notice, *_ = returned_notice(world)
    assert notice.due_on == TODAY + datetime.timedelta(days=7)  # the removal (today) came first
    changes.notice_line_drop(line=notice.lines.get(change=ChangeKind.ADD), by=world.admin_a)
    notice.refresh_from_db()
    assert notice.due_on == TODAY + datetime.timedelta(days=7)
    changes.notice_line_update(line=notice.lines.get(), by=world.admin_a, changed_on=TODAY - datetime.timedelta(days=3))
    notice.refresh_from_db()
    assert notice.due_on == TODAY + datetime.timedelta(days=4)


def test_the_database_keeps_filings_numbered_once_and_lines_about_someone():
    world = kumagaya_world()
    notice = ChangeNoticeFactory(facility=world.facility_a)
    NoticeFiling.objects.create(notice=notice, number=1, filed_at=timezone.now(), lines=[])
    with pytest.raises(IntegrityError), transaction.atomic():  # noticefiling_number_unique
        NoticeFiling.objects.create(notice=notice, number=1, filed_at=timezone.now(), lines=[])
    with pytest.raises(IntegrityError), transaction.atomic():  # noticeline_staff_unless_change
        NoticeLine.objects.create(notice=notice, change=ChangeKind.ADD, changed_on=TODAY)
    for _ in range(2):  # a person's details may change more than once: noticeline_once_per_change spares them
        NoticeLine.objects.create(notice=notice, staff=world.staff_a, change=ChangeKind.CHANGE, changed_on=TODAY)


# --- Changes the secretariat makes itself ------------------------------------------------------


def test_a_change_the_secretariat_makes_is_recorded_as_received_not_put_on_the_facility_s_notice(client):
    world = kumagaya_world()
    client.force_login(world.secretariat_a)
    url = reverse("facilities:facility-details-edit", args=[world.facility_a.pk])
    page = client.get(url).content.decode()
    assert "例: 360-0001" in page and "例: 048-123-4567" in page and "例: 580-0001" not in page  # kumagaya's own
    assert "事務局による変更として記録します" in page
    response = client.post(url, details_data(world.facility_a, representative="院長 熊谷 一郎"), follow=True)
    body = response.content.decode()
    assert "事務局による変更として" in body and "提出してください" not in body
    record = DetailsChange.objects.get()
    assert record.recorded_by == world.secretariat_a
    assert not ChangeNotice.objects.filter(facility=world.facility_a).exists()  # no draft, no deadline for them


def test_the_secretariat_is_not_offered_to_file_a_facility_s_draft(client):
    world = kumagaya_world()
    change(world, representative="院長 熊谷 一郎")
    notice = ChangeNotice.objects.get(facility=world.facility_a, status=NoticeStatus.DRAFT)
    url = reverse("facilities:notice-detail", args=[notice.pk])
    client.force_login(world.secretariat_a)
    page = client.get(url).content.decode()
    assert "事務局へ提出する" not in page and "提出するのは施設の" in page
    client.force_login(world.admin_a)
    assert "事務局へ提出する" in client.get(url).content.decode()
