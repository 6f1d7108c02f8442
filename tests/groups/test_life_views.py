"""The suspension and withdrawal pages (groups/life_views.py). Who may open them is the access table's
(tests/groups/walk.py); here: what they do, per variant where the rules differ, and their PDF."""

import datetime
import io
import re

import pytest
from django.urls import reverse
from pypdf import PdfReader

from consent.models import AccessAction, AccessLog
from core.wareki import wareki
from facilities import life
from facilities.models import FacilityStatus, StaffStatus, Suspension, Withdrawal
from groups.models import McsTask, TaskKind
from tests.factories import StaffFactory
from tests.groups.factories import MembershipFactory
from tests.groups.helpers import TODAY, person


def _text(content):
    return re.sub(r"\s+", "", "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages))


def _suspend_data(target, **extra):
    return {"target": target, "reason": "ID・パスワードを他人に使わせた", "article": "第10条",
            "starts_on": TODAY.isoformat(), "ends_on": "", **extra}


@pytest.mark.parametrize("variant", ["iwakuni"])
def test_the_secretariat_suspends_a_person_and_sees_their_groups_and_tasks(client, site):
    group = site.group()
    site.invite(group)
    client.force_login(site.secretariat)
    url = reverse("groups:suspension-add", args=[site.nursing.pk])
    page = client.get(url).content.decode()
    assert f"{site.nursing.name}（施設全体）" in page and site.nurse.full_name in page

    response = client.post(url, _suspend_data(str(site.nurse.pk)))

    suspension = Suspension.objects.get()
    assert response.status_code == 302 and response.url == reverse("groups:suspension-detail", args=[suspension.pk])
    detail = client.get(response.url).content.decode()
    assert group.code in detail and "への参加を止める（利用停止）" in detail and "第10条" in detail
    assert "利用停止を解除" in detail


@pytest.mark.parametrize("variant", ["iwakuni", "kumagaya"])
def test_the_facility_administrator_suspends_their_own_staff_only_where_the_policy_says(client, site):
    client.force_login(site.nursing_admin)
    url = reverse("groups:suspension-add", args=[site.nursing.pk])
    response = client.get(url)
    if site.variant == "kumagaya":  # 運用ポリシー gives the MCS管理者 no power to restrict a user
        assert response.status_code == 403
        return
    page = response.content.decode()
    assert "（施設全体）" not in page and 'value="留意事項(2)"' in page
    assert client.post(url, _suspend_data("facility")).status_code == 200  # not a choice for them
    assert not Suspension.objects.exists()
    assert client.post(url, _suspend_data(str(site.nurse.pk), article="留意事項(2)")).status_code == 302
    assert Suspension.objects.get().by_facility_admin


@pytest.mark.parametrize("variant", ["matsubara"])
def test_bad_dates_come_back_in_japanese_and_keep_what_was_typed(client, site):
    client.force_login(site.secretariat)
    url = reverse("groups:suspension-add", args=[site.nursing.pk])
    data = _suspend_data("facility", ends_on=(TODAY - datetime.timedelta(days=3)).isoformat())
    page = client.post(url, data).content.decode()
    assert "終了予定日は開始日より後の日付にしてください。" in page and "ID・パスワードを他人に使わせた" in page
    tomorrow = (TODAY + datetime.timedelta(days=1)).isoformat()
    page = client.post(url, _suspend_data("facility", starts_on=tomorrow)).content.decode()
    assert "未来" in page
    assert not Suspension.objects.exists()


@pytest.mark.parametrize("variant", ["musashimurayama"])
def test_lifting_from_the_page(client, site):
    suspension = life.suspension_start(facility=site.nursing, by=site.secretariat, reason="不正利用",
                                       article="第11条", starts_on=TODAY)
    client.force_login(site.secretariat)
    url = reverse("groups:suspension-lift", args=[suspension.pk])
    client.post(url, {"lifted_on": TODAY.isoformat(), "note": ""})
    suspension.refresh_from_db()
    assert not suspension.is_lifted
    response = client.post(url, {"lifted_on": TODAY.isoformat(), "note": "委員会で解除を決定"}, follow=True)
    assert "利用停止を解除しました" in response.content.decode()
    suspension.refresh_from_db()
    site.nursing.refresh_from_db()
    assert suspension.is_lifted and site.nursing.status == FacilityStatus.ACTIVE


@pytest.mark.parametrize("variant", ["iwakuni"])
def test_facility_life_and_suspension_pages_keep_their_query_counts(client, site, django_assert_max_num_queries):
    group = site.group()
    client.force_login(site.secretariat)
    suspension = life.suspension_start(facility=site.nursing, by=site.secretariat, reason="不正利用",
                                       article="第10条", starts_on=TODAY)
    urls = [reverse("groups:facility-life", args=[site.nursing.pk]),
            reverse("groups:suspension-detail", args=[suspension.pk])]
    counts = []
    for url in urls:
        with django_assert_max_num_queries(40) as few:
            assert client.get(url).status_code == 200
        counts.append(len(few.captured_queries))
    for _ in range(8):
        seat = MembershipFactory(group=group, staff=StaffFactory(facility=site.nursing))
        McsTask.objects.create(program=site.program, group=group, membership=seat, kind=TaskKind.RESTRICT,
                               title="MCSで参加を止める", facility=site.clinic)
    life.suspension_lift(suspension=suspension, by=site.secretariat, lifted_on=TODAY, note="解除")
    for n in range(6):
        Suspension.objects.create(program=site.program, facility=site.nursing, staff=StaffFactory(facility=site.nursing),
                                  reason="不正", article="第10条", starts_on=TODAY, created_by=site.secretariat)
    for url, count in zip(urls, counts, strict=True):
        with django_assert_max_num_queries(count):
            assert client.get(url).status_code == 200


@pytest.mark.parametrize("variant", ["iwakuni"])
def test_the_withdrawal_checklist_hands_a_patient_over_and_prints_the_record(client, site):
    site.group()
    pending = person(site.clinic, status=StaffStatus.PENDING, full_name="準備 中子")
    client.force_login(site.secretariat)
    url = reverse("groups:facility-withdraw", args=[site.clinic.pk])
    page = client.get(url).content.decode()
    assert f"患者番号{site.patient.pk}" in page and f"{site.nursing.name}に引き継ぐ" in page
    assert pending.full_name in page and "公開している参加施設の一覧" in page
    assert AccessLog.objects.filter(patient=site.patient, user=site.secretariat, action=AccessAction.VIEW_PAGE).exists()

    data = {"withdrawn_on": TODAY.isoformat(), "reason": "閉院のため", "devices": "returned", "confirm": "on"}
    page = client.post(url, data).content.decode()  # no choice for the patient
    assert "引継ぎ先か保管を選んでください。" in page and "閉院のため" in page
    site.clinic.refresh_from_db()
    assert site.clinic.status == FacilityStatus.ACTIVE

    response = client.post(url, {**data, f"patient_{site.patient.pk}": str(site.nursing.pk)}, follow=True)
    body = response.content.decode()
    assert "退会を記録しました" in body and "職員3名を削除" in body
    withdrawal = Withdrawal.objects.get()
    assert withdrawal.facility == site.clinic and withdrawal.handed_over

    pdf = client.get(reverse("groups:withdrawal-pdf", args=[withdrawal.pk]))
    assert pdf["Content-Type"] == "application/pdf"
    text = _text(pdf.content)
    assert "退会の記録" in text and wareki(TODAY).replace(" ", "") in text
    assert f"{site.nursing.name}に引継ぎ" in text and site.doctor.full_name.replace(" ", "") in text
    assert "スタッフ解除" in text and site.patient.full_name.replace(" ", "") not in text  # numbers, never names

    # The スタッフ解除 tasks belong to no group: the task list and the dashboard show them (they once gave 500).
    tasks = client.get(reverse("groups:task-list", args=[site.program.slug]))
    assert tasks.status_code == 200 and "スタッフ解除" in tasks.content.decode()
    assert client.get(reverse("groups:dashboard", args=[site.program.slug])).status_code == 200


@pytest.mark.parametrize("variant", ["kumagaya"])
def test_unreturned_devices_show_on_the_life_page_and_the_withdrawal_record(client, site):
    site.group()
    client.force_login(site.secretariat)
    url = reverse("groups:facility-withdraw", args=[site.clinic.pk])
    data = {"withdrawn_on": TODAY.isoformat(), "reason": "閉院のため", "devices": "not_returned", "confirm": "on",
            f"patient_{site.patient.pk}": "archive"}
    assert client.post(url, data).status_code == 302
    withdrawal = Withdrawal.objects.get()
    assert withdrawal.devices == "not_returned"
    page = client.get(reverse("groups:facility-life", args=[site.clinic.pk])).content.decode()
    assert "施設が貸与したIT機器" in page and "未返却" in page
    text = _text(client.get(reverse("groups:withdrawal-pdf", args=[withdrawal.pk])).content)
    assert "施設が貸与したIT機器" in text and "未返却" in text


@pytest.mark.parametrize("variant", ["kumagaya", "iwakuni"])
def test_the_suspension_form_prefills_an_article_only_where_the_policy_names_one(client, site):
    client.force_login(site.secretariat)
    page = client.get(reverse("groups:suspension-add", args=[site.nursing.pk])).content.decode()
    if site.variant == "kumagaya":  # no suspension clause: 第6条 is the article on approving use
        assert 'value="第6条"' not in page and "利用停止を定めた条項がありません" in page
    else:
        assert 'value="第10条"' in page


@pytest.mark.parametrize("variant", ["iwakuni"])
def test_a_lifted_suspension_shows_its_end_and_a_suspended_facility_since_when(client, site):
    client.force_login(site.secretariat)
    suspension = life.suspension_start(facility=site.nursing, by=site.secretariat, reason="規約違反",
                                       article="第10条", starts_on=TODAY)
    ledger = client.get(reverse("facilities:facility-detail", args=[site.nursing.pk])).content.decode()
    assert f"利用停止（<span class=\"nowrap\">{wareki(TODAY)}</span>から）" in ledger and "承認）" not in ledger
    life.suspension_lift(suspension=suspension, by=site.secretariat, lifted_on=TODAY, note="改善を確認")
    period = f"{wareki(TODAY)}</span>〜<span class=\"nowrap\">{wareki(TODAY)}</span>"
    assert period in client.get(reverse("groups:facility-life", args=[site.nursing.pk])).content.decode()
    assert period in client.get(reverse("groups:suspension-detail", args=[suspension.pk])).content.decode()


@pytest.mark.parametrize("variant", ["iwakuni"])
def test_a_suspension_of_someone_in_no_group_says_nothing_about_tasks(client, site):
    client.force_login(site.secretariat)
    response = client.post(reverse("groups:suspension-add", args=[site.nursing.pk]),
                           _suspend_data(str(site.nurse.pk)), follow=True)
    said = " ".join(str(m) for m in response.context["messages"])
    assert "利用停止を記録しました。" in said and "MCSでの作業" not in said and "0件" not in said, said


@pytest.mark.parametrize("variant", ["kumagaya", "musashimurayama"])
def test_the_withdrawal_page_mentions_the_public_list_only_where_the_policy_publishes_one(client, site):
    client.force_login(site.secretariat)
    page = client.get(reverse("groups:facility-withdraw", args=[site.clinic.pk])).content.decode()
    assert ("公開している参加施設の一覧" in page) == site.policy.publishes_facility_list


@pytest.mark.parametrize("variant", ["iwakuni"])
def test_an_administrator_cannot_suspend_themself_and_nobody_is_chosen_in_advance(client, site):
    own_line = StaffFactory(facility=site.nursing, user=site.nursing_admin, status=StaffStatus.ACTIVE)
    client.force_login(site.nursing_admin)
    url = reverse("groups:suspension-add", args=[site.nursing.pk])
    page = client.get(url).content.decode()
    assert re.search(r'<select name="target"[^>]*>\s*<option value="" selected>選択してください</option>', page)
    response = client.post(url, _suspend_data(str(own_line.pk)))
    assert response.status_code == 200
    assert "ご自身の利用停止は記録できません" in response.content.decode()
    assert not Suspension.objects.exists()
    assert client.post(url, _suspend_data("")).status_code == 200 and not Suspension.objects.exists()


@pytest.mark.parametrize("variant", ["kumagaya"])
def test_a_facility_administrator_is_told_whom_to_ask_about_withdrawing(client, site):
    client.force_login(site.nursing_admin)
    page = client.get(reverse("groups:facility-life", args=[site.nursing.pk])).content.decode()
    assert "退会するとき" in page and site.program.secretariat_name in page
    client.force_login(site.secretariat)
    assert "退会するとき" not in client.get(reverse("groups:facility-life", args=[site.nursing.pk])).content.decode()
