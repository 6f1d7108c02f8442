"""The yearly confirmation's pages: the secretariat's campaign, a facility's answer, the CSV, the home panel.
Who may open them is decided in tests/facilities/walk.py (the walks)."""

import datetime
import re

import pytest
from django.urls import reverse

from facilities import confirmation as svc
from facilities.models import ConfirmationAnswer, ConfirmationCampaign, FacilityConfirmation, StaffStatus
from tests.conftest import make_world
from tests.facilities.helpers import TODAY
from tests.factories import FacilityFactory, StaffFactory, UserFactory, admin_of
from tests.helpers import variants

pytestmark = pytest.mark.django_db

SILENT = variants(change_notice_required=False)  # no change notices: the confirmation is the only signal
NOTICED = variants(change_notice_required=True)


@pytest.fixture
def world(db):
    world = make_world(lazy=True)
    assert world.facility_a2.pk  # a second facility to be asked, which will not answer
    world.boss = StaffFactory(facility=world.facility_a, user=world.admin_a, email=world.admin_a.email,
                              is_admin=True, full_name="管理 一郎")
    world.nurse = StaffFactory(facility=world.facility_a, full_name="看護 花子")
    world.campaign = svc.campaign_start(program=world.program_a, by=world.secretariat_a, title="令和8年度 継続確認",
                                        due_on=TODAY + datetime.timedelta(days=30))
    world.confirmation = world.campaign.confirmations.get(facility=world.facility_a)
    return world


def answer_url(world):
    return reverse("facilities:confirmation-answer", args=[world.confirmation.pk])


def campaign_url(world):
    return reverse("facilities:confirmation-campaign", args=[world.campaign.pk])


def body(world, **overrides):
    data = {}
    for person in (world.boss, world.nurse):
        data[f"s{person.pk}-employed"] = "stays"
        data[f"s{person.pk}-email_personal"] = "yes"
    data[f"s{world.boss.pk}-still_admin"] = "on"
    data.update(overrides)
    return data


def test_the_administrator_answers_in_one_page_and_marks_a_leaver(client, world):
    client.force_login(world.admin_a)
    page = client.get(answer_url(world)).content.decode()
    assert "管理 一郎" in page and "看護 花子" in page
    n = world.nurse.pk
    response = client.post(answer_url(world), body(world, **{
        f"s{n}-employed": "left", f"s{n}-left_reason": "retired", f"s{n}-left_on": TODAY.isoformat(),
        f"s{n}-devices": "none_lent",
    }))
    assert response.status_code == 302
    world.nurse.refresh_from_db()
    assert world.nurse.status == StaffStatus.REMOVED  # matsubara: removed at once
    page = client.get(answer_url(world)).content.decode()
    assert "回答は記録として残り" in page and "削除済" in page


def test_a_leaver_without_reason_or_date_is_told_and_nothing_is_recorded(client, world):
    client.force_login(world.admin_a)
    response = client.post(answer_url(world), body(world, **{f"s{world.nurse.pk}-employed": "left"}))
    page = response.content.decode()
    assert response.status_code == 200 and "回答は記録されていません" in page
    assert "看護 花子さんの理由" in page and "退職・異動した人は「離れた日（退職・異動の日）」を選んでください" in page
    assert not ConfirmationAnswer.objects.exists()


def test_no_administrator_left_is_shown_on_the_page(client, world):
    client.force_login(world.admin_a)
    response = client.post(answer_url(world), body(world, **{f"s{world.boss.pk}-still_admin": ""}))
    assert "m@tsuネット管理者が1人もいなくなります" in response.content.decode()
    assert FacilityConfirmation.objects.get(pk=world.confirmation.pk).submitted_at is None


def test_a_service_refusal_is_shown_on_the_page(client, world):
    world.nurse.user = UserFactory(email=world.nurse.email, is_active=False)
    world.nurse.save()
    client.force_login(world.admin_a)
    response = client.post(answer_url(world), body(world, **{f"s{world.nurse.pk}-make_admin": "on"}))
    assert "看護 花子さん: このメールアドレスのアカウントは停止されています" in response.content.decode()
    assert not ConfirmationAnswer.objects.exists()


def test_only_administrators_are_asked_whether_they_stay_and_nothing_is_chosen_in_advance(client, world):
    client.force_login(world.admin_a)
    page = client.get(answer_url(world)).content.decode()
    boss, nurse = world.boss.pk, world.nurse.pk
    assert f'name="s{boss}-still_admin" id="id_s{boss}-still_admin" checked' in page
    assert f"s{nurse}-still_admin" not in page and f"s{boss}-make_admin" not in page
    [box] = re.findall(rf'<input type="checkbox" name="s{nurse}-make_admin"[^>]*>', page)
    assert "checked" not in box  # unticked
    assert "m@tsuネット管理者を続ける" in page and "m@tsuネット管理者にする" in page
    assert not re.search(r'type="radio"[^>]*checked', page)  # 在籍 and the e-mail: nobody answered yet
    # Required, but the page's own summary names every line at once (the browser would name one).
    assert re.search(r'type="radio" name="s\d+-employed" value="stays"[^>]*required', page)
    assert '<form method="post" id="confirmation-form" novalidate' in page


def test_an_untouched_page_names_every_line_left_unanswered(client, world):
    client.force_login(world.admin_a)
    response = client.post(answer_url(world), {f"s{world.boss.pk}-still_admin": "on"})
    page = response.content.decode()
    assert response.status_code == 200 and "回答は記録されていません" in page
    for name in ("管理 一郎", "看護 花子"):
        assert f"{name}さんの在籍</a>: 「今も在籍している」か「退職・異動した」を選んでください。" in page
    assert not ConfirmationAnswer.objects.exists()


def test_one_press_shows_every_problem_and_keeps_what_was_typed(client, world):
    client.force_login(world.admin_a)
    n = world.nurse.pk
    later = (TODAY + datetime.timedelta(days=3)).isoformat()
    response = client.post(answer_url(world), body(world, **{
        f"s{world.boss.pk}-still_admin": "", f"s{n}-employed": "left", f"s{n}-left_on": later,
    }))
    page = response.content.decode()
    # The administrator, the leaver's details and the date, all from one press.
    assert "m@tsuネット管理者が1人もいなくなります" in page
    assert "看護 花子さんの理由" in page and "看護 花子さんの貸与したIT機器" in page
    assert "看護 花子さんの離れた日（退職・異動の日）" in page
    assert f'value="{later}"' in page  # what was typed stays
    assert "<details data-leaver-details open>" in page  # the leaver's questions are in view
    assert "js/confirmation.js" in page  # and open as soon as 退職・異動 is chosen, with JavaScript
    assert not ConfirmationAnswer.objects.exists()


def test_a_shared_address_cannot_be_made_administrator_on_the_page(client, world):
    client.force_login(world.admin_a)
    n = world.nurse.pk
    response = client.post(answer_url(world), body(world, **{f"s{n}-make_admin": "on", f"s{n}-email_personal": "no"}))
    page = response.content.decode()
    assert "看護 花子さんのm@tsuネット管理者にする</a>: m@tsuネット管理者のログインは本人だけが使うメールアドレスにしか作れません" in page
    assert not ConfirmationAnswer.objects.exists()
    world.nurse.refresh_from_db()
    assert world.nurse.user is None and not world.nurse.is_admin


def test_the_answered_page_names_the_button_that_corrects_an_address(client, world):
    client.force_login(world.admin_a)
    client.post(answer_url(world), body(world, **{f"s{world.nurse.pk}-email_personal": "no"}))
    page = client.get(answer_url(world)).content.decode()
    assert "職員のページの「登録内容を直す」から" in page and "「変更」から" not in page
    assert "<th>m@tsuネット管理者</th>" in page


def test_a_second_press_says_it_is_already_answered(client, world):
    client.force_login(world.admin_a)
    client.post(answer_url(world), body(world))
    world.confirmation.refresh_from_db()
    first = world.confirmation.submitted_at
    response = client.post(answer_url(world), body(world), follow=True)
    world.confirmation.refresh_from_db()
    assert world.confirmation.submitted_at == first and ConfirmationAnswer.objects.count() == 2
    assert "回答は記録として残り" in response.content.decode()


def test_the_campaign_page_names_who_has_not_answered(client, world):
    client.force_login(world.secretariat_a)
    page = client.get(campaign_url(world)).content.decode()
    assert "未回答の施設（2）" in page and world.facility_a2.name in page
    client.force_login(world.admin_a)
    client.post(answer_url(world), body(world))
    client.force_login(world.secretariat_a)
    page = client.get(campaign_url(world)).content.decode()
    assert "1 / 2施設（未回答 1施設）" in page and "回答した施設（1）" in page


def test_the_reminder_button_sends_once_a_day(client, world, mailoutbox, django_capture_on_commit_callbacks):
    admin_of(world.facility_a2)
    client.force_login(world.secretariat_a)
    url = reverse("facilities:confirmation-remind", args=[world.campaign.pk])
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(url, follow=True).content.decode()
        second = client.post(url, follow=True).content.decode()
    assert "2施設のm@tsuネット管理者に催促のメールを送りました" in first
    assert "今日はもう催促を送っています" in second
    assert len(mailoutbox) == 2
    assert "1回（最後" in client.get(campaign_url(world)).content.decode()


def test_the_campaign_page_query_count_does_not_grow(client, world, django_assert_max_num_queries):
    client.force_login(world.secretariat_a)
    with django_assert_max_num_queries(20) as few:
        client.get(campaign_url(world))
    for _ in range(15):
        facility = FacilityFactory(program=world.program_a)
        confirmation = FacilityConfirmation.objects.create(campaign=world.campaign, facility=facility)
        staff = StaffFactory(facility=facility, user=admin_of(facility), is_admin=True)
        svc.confirmation_submit(confirmation=confirmation, by=world.secretariat_a, answers={
            staff.pk: svc.StaffAnswer(still_employed=True, still_admin=True, email_personal=False)})
    svc.campaign_remind(campaign=world.campaign, by=world.secretariat_a)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(campaign_url(world)).content.decode()
    assert "15 / 17施設" in page


def test_the_csv_lists_every_answer_and_every_facility_that_has_not_answered(client, world):
    client.force_login(world.admin_a)
    client.post(answer_url(world), body(world, **{f"s{world.nurse.pk}-email_personal": "no"}))
    client.force_login(world.secretariat_a)
    response = client.get(reverse("facilities:confirmation-csv", args=[world.campaign.pk]))
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    lines = text.strip().split("\r\n")
    assert lines[0].startswith("施設番号,施設名,回答,回答日時")
    assert "回答前のm@tsuネット管理者,在籍,回答後のm@tsuネット管理者," in lines[0]
    assert any(world.facility_a2.name in line and "未回答" in line for line in lines)
    [nurse] = [line for line in lines if "看護 花子" in line]
    assert nurse.endswith("いいえ,はい,いいえ,いいえ,,")  # not admin before, stays, not admin, shared e-mail


@pytest.mark.parametrize("variant", SILENT[:1] + NOTICED[:1])
def test_the_pages_say_when_the_confirmation_is_the_only_signal_of_turnover(client, variant):
    world = make_world(variant_a=variant, lazy=True)
    client.force_login(world.secretariat_a)
    page = client.get(reverse("facilities:confirmation-campaigns", args=[world.program_a.slug])).content.decode()
    assert ("手がかりは、年に一度のこの継続確認だけです" in page) == (variant in SILENT)
    if variant in SILENT:
        assert world.program_a.policy.change_notice_rule in page


def test_the_secretariat_starts_a_campaign_from_its_page(client, world):
    client.force_login(world.secretariat_a)
    url = reverse("facilities:confirmation-campaigns", args=[world.program_a.slug])
    due = (TODAY + datetime.timedelta(days=20)).isoformat()
    page = client.get(url).content.decode()
    assert "受付中の継続確認を締め切って、新しく始める" in page
    assert 'data-confirm="受付中の「令和8年度 継続確認」を締め切り' in page
    refused = client.post(url, {"title": "令和9年度 継続確認", "due_on": due})
    assert refused.status_code == 200 and "チェックを入れてください" in refused.content.decode()
    world.campaign.refresh_from_db()
    assert world.campaign.closed_at is None
    response = client.post(url, {"title": "令和9年度 継続確認", "due_on": due, "close_open": "on"})
    assert response.status_code == 302
    world.campaign.refresh_from_db()
    assert world.campaign.closed_at is not None
    refused = client.post(url, {"title": "x", "due_on": "2020-01-01", "close_open": "on"}).content.decode()
    assert "今日以降の日付" in refused


def test_a_second_press_of_start_goes_to_the_campaign_and_says_so(client, world):
    client.force_login(world.secretariat_b)  # program_b has no campaign yet
    url = reverse("facilities:confirmation-campaigns", args=[world.program_b.slug])
    page = client.get(url).content.decode()
    assert "受付中の継続確認を締め切って" not in page
    data = {"title": "令和9年度 継続確認", "due_on": (TODAY + datetime.timedelta(days=20)).isoformat()}
    first = client.post(url, data, follow=True)
    again = client.post(url, data, follow=True)
    [campaign] = ConfirmationCampaign.objects.filter(program=world.program_b)
    assert again.redirect_chain[-1][0] == reverse("facilities:confirmation-campaign", args=[campaign.pk])
    assert "二重には記録していません" in again.content.decode()
    assert "施設に確認をお願いし" in first.content.decode()


def test_the_start_message_counts_real_recipients_and_the_page_lists_who_gets_no_mail(client, world):
    """In program_b, facility_b has its administrator's login; a second facility has nobody to mail."""
    assert world.admin_b.is_active
    nobody = FacilityFactory(program=world.program_b)
    client.force_login(world.secretariat_b)
    url = reverse("facilities:confirmation-campaigns", args=[world.program_b.slug])
    data = {"title": "令和9年度 継続確認", "due_on": (TODAY + datetime.timedelta(days=20)).isoformat()}
    page = client.post(url, data, follow=True).content.decode()
    label = world.program_b.policy.admin_label
    assert f"2施設に確認をお願いし、1施設の{label}（1名）にお願いのメールを送りました" in page
    assert f"1施設には、メールを受け取れる{label}がいません" in page
    assert "メールが届かない施設（1）" in page and nobody.name in page
    assert reverse("facilities:facility-people", args=[nobody.pk]) in page


def test_the_home_page_asks_the_administrator_until_they_answer(client, world):
    client.force_login(world.admin_a)
    assert "継続確認のお願い" in client.get("/").content.decode()
    client.post(answer_url(world), body(world))
    assert "継続確認のお願い" not in client.get("/").content.decode()
