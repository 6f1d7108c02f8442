"""The applicant's side and the public pages (no login)."""

import datetime
import re

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from enrollment.models import Application, ApplicationStatus
from facilities.models import FacilityStatus
from policy.rules import PROFILES, VARIANTS
from tests.enrollment.factories import ApplicationFactory
from tests.enrollment.helpers import post_data, row
from tests.factories import FacilityFactory, ProgramFactory, StaffFactory
from tests.helpers import variants

pytestmark = pytest.mark.django_db

S = ApplicationStatus


def apply_url(program):
    return reverse("enrollment:apply", args=[program.slug])


def follow_url(application, name="follow"):
    return reverse(f"enrollment:{name}", args=[application.access_token])


@pytest.mark.parametrize("variant", VARIANTS)
def test_the_form_shows_what_the_variant_asks(client, variant):
    program = ProgramFactory(variant=variant)
    policy = program.policy
    response = client.get(apply_url(program))
    assert response.status_code == 200
    body = response.content.decode()
    assert ("registrants-0-email" in body) and "行を追加" in body and "enrollment.js" in body
    assert ("pledge_agreed" in body) == (policy.facility_pledge_text is not None)
    assert ('name="invited_by"' in body) == policy.asks_inviter
    assert ('name="out_of_area_reason"' in body) == (policy.out_of_area != "not_written")
    assert ("利用届出" in body) == (not policy.secretariat_approves)


@pytest.mark.parametrize("variant", variants(lambda p: p.facility_pledge_text is not None))
def test_the_form_shows_the_pledge_where_the_variant_has_one(client, variant):
    program = ProgramFactory(variant=variant)
    policy = program.policy
    body = client.get(apply_url(program)).content.decode()
    first_line = policy.facility_pledge_text[0].splitlines()[0]  # a clause's lines print with <br>
    assert policy.form("facility_pledge").title in body and first_line[:20] in body


def test_an_inactive_or_unknown_program_has_no_form(client):
    program = ProgramFactory(is_active=False)
    assert client.get(apply_url(program)).status_code == 404
    assert client.get(reverse("enrollment:apply", args=["nowhere"])).status_code == 404


def test_submitting_normalises_input_and_leads_to_the_confirmation(client, django_capture_on_commit_callbacks):
    program = ProgramFactory(variant="matsubara", code="MTB")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(apply_url(program), post_data(program, rows=[
            row(1, admin=True, full_name="山田　太郎", full_name_kana="やまだ たろう", email="Taro@Example.JP"),
        ]))
    application = Application.objects.get()
    assert response.status_code == 302 and response.url == follow_url(application)
    assert application.facility_name_kana == "ミライザイタククリニック"
    assert (application.postal_code, application.address) == ("580-0001", "大阪府松原市若林1-2-3")
    assert application.phone == "072-123-4567" and application.contact_email == "contact@example.jp"
    registrant = application.registrants.get()
    assert (registrant.full_name, registrant.full_name_kana, registrant.email) == (
        "山田 太郎", "ヤマダ タロウ", "taro@example.jp")
    page = client.get(response.url).content.decode()
    assert application.receipt_number in page and "申込を受け付けました" in page
    assert [m.to for m in mail.outbox] == [["contact@example.jp"]]


def test_errors_show_next_to_the_field_and_nothing_typed_is_lost(client):
    program = ProgramFactory(variant="matsubara")
    data = post_data(program, postal_code="12", phone="123", facility_name_kana="Clinic")
    data["registrants-1-email"] = "not-an-address"
    response = client.post(apply_url(program), data)
    assert response.status_code == 400
    body = response.content.decode()
    assert "郵便番号は7桁の数字で入力してください" in body
    assert "市外局番から10〜11桁" in body and "カタカナで入力してください" in body
    assert "有効なメールアドレスを入力してください" in body
    assert "みらい在宅クリニック" in body and "登録 花子2" in body and "not-an-address" in body
    assert not Application.objects.exists()


def test_a_policy_block_is_shown_at_the_top_with_its_article(client):
    program = ProgramFactory(variant="iwakuni")
    response = client.post(apply_url(program), post_data(program, rows=[row(1), row(2)]))
    assert response.status_code == 400
    body = response.content.decode()
    assert "申込できませんでした" in body and "第15条" in body and "いつつばし連絡帳運用規程" in body
    assert not Application.objects.exists()


def test_duplicate_addresses_are_marked_on_their_rows(client):
    program = ProgramFactory(variant="matsubara")
    StaffFactory(facility=FacilityFactory(program=program), email="taken@example.jp")
    rows = [row(1, admin=True, email="twice@example.jp"), row(2, email="twice@example.jp"),
            row(3, email="taken@example.jp")]
    body = client.post(apply_url(program), post_data(program, rows=rows)).content.decode()
    assert "第15条(2)" in body
    # On each of the two rows, and again in the error summary at the top of the form.
    assert body.count("同じアドレスが別の行にもあります") == 4
    for index in (0, 1):
        assert re.search(rf'id="id_registrants-{index}-email_error"><p>[^<]*同じアドレスが別の行にもあります', body)
    # Whether an address is already someone's ID is not the applicant's business (no enumeration).
    assert "MCS IDとして使われています" not in body and "taken@example.jp が" not in body


def test_missing_pledge_points_at_the_checkbox(client):
    program = ProgramFactory(variant="musashimurayama")
    body = client.post(apply_url(program), post_data(program, pledge_agreed=None)).content.decode()
    assert "施設又は組織誓約書（様式2）への同意がありません" in body and "第12条1)" in body
    assert body.count("第12条1)") == 1  # cited once, not twice
    assert "ここを確認してください" in body


def test_add_row_without_javascript_keeps_everything_and_shows_no_errors(client):
    program = ProgramFactory(variant="matsubara")
    data = post_data(program, rows=[row(1, admin=True)], add_row="1", phone="")
    response = client.post(apply_url(program), data)
    assert response.status_code == 200
    body = response.content.decode()
    assert 'name="registrants-1-full_name"' in body and 'value="2"' in body  # TOTAL_FORMS went up
    assert "登録 花子1" in body and "class=\"error\"" not in body
    assert not Application.objects.exists()


def test_rows_marked_for_removal_and_blank_rows_are_left_out(client):
    program = ProgramFactory(variant="matsubara")
    rows = [row(1, admin=True), row(2, DELETE=True), {"full_name": "", "full_name_kana": "", "email": "", "job": ""}]
    response = client.post(apply_url(program), post_data(program, rows=rows))
    assert response.status_code == 302
    assert [r.full_name for r in Application.objects.get().registrants.all()] == ["登録 花子1"]


def test_a_blank_address_is_filled_from_the_postal_code(client):
    program = ProgramFactory(variant="matsubara")
    response = client.post(apply_url(program), post_data(program, address=""))
    body = response.content.decode()
    assert response.status_code == 400
    assert 'value="大阪府松原市若林"' in body and "続けて番地・建物名を入力してください" in body


def test_unprintable_characters_are_refused_before_they_reach_a_pdf(client):
    program = ProgramFactory(variant="matsubara")
    body = client.post(apply_url(program), post_data(program, rows=[row(1, admin=True, full_name="𠮷田 一")])
                       ).content.decode()
    assert "「𠮷」は印刷できない文字です" in body


def test_postal_lookup_is_offline_json(client):
    program = ProgramFactory()
    target = reverse("enrollment:postal", args=[program.slug])
    found = client.get(target, {"code": "５８０－０００１"})
    assert found.status_code == 200
    assert found.json() == {"postal_code": "580-0001", "prefecture": "大阪府", "city": "松原市", "town": "若林",
                            "address": "大阪府松原市若林"}
    assert client.get(target, {"code": "9999999"}).status_code == 404
    assert client.get(target, {"code": "12"}).status_code == 404


def test_the_follow_page_needs_the_exact_token(client):
    application = ApplicationFactory(findings=[
        {"rule": "APP-AREA", "severity": "warn", "article": "様式1", "message": "対象地域の外です（様式1）。"}])
    response = client.get(follow_url(application))
    assert response.status_code == 200 and response["X-Robots-Tag"] == "noindex, nofollow"
    body = response.content.decode()
    assert application.receipt_number in body and "対象地域の外です（様式1）。" in body
    assert client.get(reverse("enrollment:follow", args=[application.access_token[:-1] + "x"])).status_code == 404
    assert client.get(reverse("enrollment:follow", args=["short"])).status_code == 404


def test_the_applicant_answers_a_return(client, django_capture_on_commit_callbacks):
    program = ProgramFactory(variant="matsubara", secretariat_email="office@example.jp")
    application = ApplicationFactory(program=program)
    assert client.get(follow_url(application, "correct")).status_code == 302  # not returned: nothing to fix
    application.status = S.RETURNED
    application.return_comment = "FAX番号も書いてください"
    application.return_deadline = timezone.localdate() + datetime.timedelta(days=3)
    application.save()
    page = client.get(follow_url(application, "correct"))
    body = page.content.decode()
    assert page.status_code == 200 and "FAX番号も書いてください" in body
    assert application.facility_name in body and application.registrants.get().email in body  # prefilled
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(follow_url(application, "correct"), post_data(program, fax="072-123-4568"))
    assert done.status_code == 302 and done.url == follow_url(application)
    application.refresh_from_db()
    assert application.status == S.RESUBMITTED and application.fax == "072-123-4568"
    assert [m.to for m in mail.outbox] == [["office@example.jp"]]


def test_withdraw_is_post_only(client):
    application = ApplicationFactory()
    target = follow_url(application, "withdraw")
    assert client.get(target).status_code == 405
    client.post(target, {"reason": "重複しました"})
    application.refresh_from_db()
    assert application.status == S.WITHDRAWN and application.decision_reason == "重複しました"
    again = client.post(target, follow=True)  # pressed twice
    assert again.status_code == 200 and "すでに取り下げています" in again.content.decode()


def test_the_applicant_prints_with_the_token(client):
    application = ApplicationFactory(program=ProgramFactory(variant="matsubara"))
    for name in ("follow-application-pdf", "follow-pledge-pdf"):
        response = client.get(follow_url(application, name))
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert client.get(follow_url(application, "follow-notice-pdf")).status_code == 404


@pytest.mark.parametrize("variant", VARIANTS)
def test_blank_forms_for_printing(client, variant):
    program = ProgramFactory(variant=variant)
    assert client.get(reverse("enrollment:blank-application-pdf", args=[program.slug])).status_code == 200
    pledge = client.get(reverse("enrollment:blank-pledge-pdf", args=[program.slug])).status_code
    assert pledge == (200 if PROFILES[variant].facility_pledge_text else 404)


@pytest.mark.parametrize("variant", VARIANTS)
def test_public_facility_list_only_where_the_variant_publishes(client, variant):
    program = ProgramFactory(variant=variant)
    facility = FacilityFactory(program=program, address="大阪府松原市阿保1-2-3", name="公開診療所")
    StaffFactory(facility=facility, full_name="秘密 職員")
    FacilityFactory(program=program, name="停止中の施設", status=FacilityStatus.SUSPENDED)
    response = client.get(reverse("enrollment:public-facilities", args=[program.slug]))
    if not PROFILES[variant].publishes_facility_list:
        assert response.status_code == 404
        return
    body = response.content.decode()
    assert "公開診療所" in body and "大阪府松原市阿保" in body and facility.phone in body
    assert "1-2-3" not in body and "秘密 職員" not in body and "停止中の施設" not in body


def test_public_facility_list_query_count_does_not_grow(client, django_assert_max_num_queries):
    program = ProgramFactory(variant="iwakuni")
    FacilityFactory.create_batch(3, program=program)
    target = reverse("enrollment:public-facilities", args=[program.slug])
    with django_assert_max_num_queries(10) as few:
        client.get(target)
    FacilityFactory.create_batch(40, program=program)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(client.get(target).context["page"]) == 43


def test_dates_are_the_japanese_day_even_just_after_midnight(client):
    # 2026-04-01 00:30 in Tokyo is still 31 March in UTC.
    application = ApplicationFactory(submitted_at=datetime.datetime(2026, 3, 31, 15, 30, tzinfo=datetime.UTC))
    body = client.get(follow_url(application)).content.decode()
    assert "令和8年4月1日" in body and "令和8年3月31日" not in body


@pytest.mark.parametrize("name", ["blank-application-pdf", "blank-pledge-pdf"])
def test_without_a_japanese_font_the_blank_forms_explain_instead_of_failing(client, name, no_japanese_font):
    program = ProgramFactory(variant="kumagaya")
    response = client.get(reverse(f"enrollment:{name}", args=[program.slug]))
    assert response.status_code == 503
    assert "日本語フォント" in response.content.decode() and response["Content-Type"].startswith("text/html")


def test_without_a_japanese_font_the_applicant_sees_why_there_is_no_pdf(client, no_japanese_font):
    application = ApplicationFactory()
    response = client.get(follow_url(application, "follow-application-pdf"))
    assert response.status_code == 503 and "日本語フォント" in response.content.decode()
