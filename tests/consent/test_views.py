import datetime
import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from pypdf import PdfReader

from consent import services
from consent.models import AccessLog, ConsentRecord, ConsentTemplate, Patient
from policy.rules import VARIANTS
from tests.consent.factories import ConsentRecordFactory, ConsentTemplateFactory, PatientFactory
from tests.factories import coordinator_of

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 32


def pdf_text(content):
    return re.sub(r"\s+", "", "".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages))


@pytest.fixture
def objs(world):
    """Program A's patient (at facility_a), a consent record with a scan, and a draft version."""
    patient = PatientFactory(origin_facility=world.facility_a)
    record = ConsentRecordFactory(patient=patient, obtained_by=world.coordinator_a)
    services.consent_scan_attach(record=record, by=world.coordinator_a, scan=SimpleUploadedFile("s.png", PNG))
    draft = ConsentTemplateFactory(program=world.program_a, published_at=None)
    return {"patient": patient, "record": record, "draft": draft}


# Every view at every rung (anonymous, outsider 404, wrong role 403, allowed, GET on POST-only 405)
# is in the access table, tests/consent/walk.py ACCESS, walked by tests/security/test_walk_roles.py.


def _url(name, kind, world, objs):
    args = {
        "slug": [world.program_a.slug],
        "patient": [objs["patient"].pk],
        "record": [objs["record"].pk],
        "draft": [objs["draft"].pk],
        "log_user": [world.program_a.slug, world.coordinator_a.pk],
    }[kind]
    return reverse(f"consent:{name}", args=args)


def test_an_unknown_user_in_the_log_pages_is_not_found(client, world, objs):
    client.force_login(world.secretariat_a)
    url = reverse("consent:user-access-log", args=[world.program_a.slug, world.coordinator_b.pk])
    assert client.get(url).status_code == 404


# --- The journey, in every variant -------------------------------------------------------


@pytest.mark.parametrize("variant", VARIANTS)
def test_register_print_record_reprint_withdraw(client, site_for, variant):
    site = site_for(variant)
    client.force_login(site.coordinator)
    response = client.post(reverse("consent:patient-create", args=[site.program.slug]), {
        "full_name": "見本　太郎", "full_name_kana": "みほん たろう", "birth_date": "1940-02-11", "gender": "male",
        "postal_code": "５８００００１", "address": "大阪府松原市阿保９－９－９", "phone": "０７２－０００－９９９９",
        "origin_facility": site.clinic.pk, "primary_doctor": site.doctor.pk,
        "group_leader": site.coordinator_staff.pk, "doctor_visits_home": "on",
    })
    patient = Patient.objects.get(program=site.program)
    assert response.status_code == 302 and response.url == reverse("consent:patient-detail", args=[patient.pk])
    assert (patient.full_name, patient.full_name_kana, patient.postal_code) == ("見本 太郎", "ミホン タロウ", "580-0001")
    detail = reverse("consent:patient-detail", args=[patient.pk])
    assert "同意が記録されていません" in client.get(detail).content.decode()

    printed = client.get(reverse("consent:patient-consent-pdf", args=[patient.pk]))
    assert printed["Content-Type"] == "application/pdf"
    title = site.program.policy.form("consent").title
    assert title in pdf_text(printed.content) and "見本太郎" in pdf_text(printed.content)

    version = ConsentTemplate.objects.get(program=site.program)
    response = client.post(reverse("consent:consent-create", args=[patient.pk]), {
        "template": version.pk, "signed_on": "2025-04-01", "patient_signed": "on",
        "family_1_name": "見本 次郎", "family_1_relationship": "長男", "family_1_address": "大阪府松原市阿保9-9-9",
        "by_doctor_delegate": "on", "original_kept_at": site.clinic.name, "copy_given": "on",
    })
    record = ConsentRecord.objects.get(patient=patient)
    assert response.status_code == 302, response.content.decode()
    assert response.url == reverse("consent:consent-detail", args=[record.pk])

    reprint = reverse("consent:consent-pdf", args=[record.pk])
    first, second = client.get(reprint).content, client.get(reprint).content
    assert first == second == bytes(record.pdf_snapshot)
    assert title in pdf_text(first) and "見本太郎" in pdf_text(first) and "令和7年4月1日" in pdf_text(first)

    response = client.post(reverse("consent:consent-withdraw", args=[record.pk]), {
        "withdrawn_on": timezone.localdate().isoformat(), "note": "長男から電話で申出",
    })
    assert response.status_code == 302
    record.refresh_from_db()
    assert record.is_withdrawn and record.withdrawal_received_by == site.coordinator
    assert "撤回済み" in client.get(detail).content.decode()
    assert "撤回されました" in client.get(reverse("consent:consent-detail", args=[record.pk])).content.decode()
    assert bytes(record.pdf_snapshot) == first  # the kept PDF is the one signed, withdrawn or not

    actions = list(AccessLog.objects.filter(patient=patient).order_by("pk").values_list("action", flat=True))
    assert actions == ["view_page", "view_pdf", "view_pdf", "view_pdf", "view_page", "view_consent"]
    assert set(AccessLog.objects.filter(patient=patient).values_list("user_id", flat=True)) == {site.coordinator.pk}


def test_the_patient_form_asks_for_a_gender_without_a_blank_choice_ticked(client, site_for):
    site = site_for("chuo")
    client.force_login(site.coordinator)
    body = client.get(reverse("consent:patient-create", args=[site.program.slug])).content.decode()
    gender = re.findall(r'<input[^>]*name="gender"[^>]*>', body)
    assert [re.search(r'value="([^"]*)"', tag).group(1) for tag in gender] == ["female", "male", "other"]
    assert not any("checked" in tag for tag in gender)  # no blank 「---------」 radio, none ticked
    edit = client.get(reverse("consent:patient-update", args=[site.patient(gender="female").pk])).content.decode()
    ticked = [tag for tag in re.findall(r'<input[^>]*name="gender"[^>]*>', edit) if "checked" in tag]
    assert len(ticked) == 1 and 'value="female"' in ticked[0]


@pytest.mark.parametrize("phone", ["abc", "03-1234-abcd"])
def test_a_phone_with_letters_is_refused_not_dropped(client, site_for, phone):
    site = site_for("chuo")
    client.force_login(site.coordinator)
    response = client.post(reverse("consent:patient-create", args=[site.program.slug]), {
        "full_name": "見本 太郎", "full_name_kana": "ミホン タロウ", "birth_date": "1940-02-11",
        "address": "東京都中央区築地1-1-1", "phone": phone, "origin_facility": site.clinic.pk,
        "primary_doctor": site.doctor.pk, "group_leader": site.coordinator_staff.pk,
    })
    assert response.status_code == 200 and not Patient.objects.exists()
    errors = response.context["form"].errors
    assert errors["phone"] == ["電話番号は数字とハイフンで入力してください。"]
    assert "gender" in errors  # none chosen: asked, not assumed
    assert "電話番号は数字とハイフンで入力してください。" in response.content.decode()


# --- Recording: the policy's answer on the form -----------------------------------------


def test_a_block_is_shown_on_the_form_with_its_article(client, site_for):
    site = site_for("iwakuni")
    patient = site.patient()
    client.force_login(site.coordinator)
    response = client.post(reverse("consent:consent-create", args=[patient.pk]), {
        "signed_on": "2025-04-01", "patient_signed": "on", "original_kept_at": "書庫",
    })
    assert response.status_code == 200
    assert "第14条" in response.content.decode()
    assert not ConsentRecord.objects.exists()


def test_a_warning_is_shown_after_recording_and_kept(client, site_for):
    site = site_for("matsubara")
    patient = site.patient()
    client.force_login(site.coordinator)
    response = client.post(reverse("consent:consent-create", args=[patient.pk]), {
        "signed_on": "2025-04-01", "patient_signed": "on", "original_kept_at": "書庫", "copy_given": "on",
    }, follow=True)
    assert "様式3" in response.content.decode()
    warning = ConsentRecord.objects.get().warnings[0]
    assert warning["rule"] == "CNS-FAMILY"
    # The engine's message already cites the article: shown once, never followed by it again.
    body = response.content.decode()
    assert escape(warning["message"]) in body and escape(warning["message"]) + "（" not in body


def test_the_form_only_offers_what_the_variant_has(client, site_for):
    kumagaya, musashimurayama = site_for("kumagaya"), site_for("musashimurayama")
    client.force_login(kumagaya.coordinator)
    page = client.get(reverse("consent:consent-create", args=[kumagaya.patient(doctor_visits_home=False).pk]))
    body = page.content.decode()
    assert "主治医が情報共有を必要と認めた" in body and "ポータル導入前" not in body
    client.force_login(musashimurayama.coordinator)
    body = client.get(reverse("consent:consent-create", args=[musashimurayama.patient().pk])).content.decode()
    assert "主治医（主治医 一郎）の指示を受けて取得した" in body and "ポータル導入前" in body
    assert "主治医が情報共有を必要と認めた" not in body


def test_a_proxy_needs_a_relationship_and_someone_must_sign(client, site_for):
    site = site_for("iwakuni")
    client.force_login(site.coordinator)
    url = reverse("consent:consent-create", args=[site.patient().pk])
    body = client.post(url, {"signed_on": "2025-04-01", "original_kept_at": "書庫", "copy_given": "on"}).content.decode()
    assert "代理人を記入してください" in body
    body = client.post(url, {"signed_on": "2025-04-01", "original_kept_at": "書庫", "copy_given": "on",
                             "proxy_name": "見本 次郎"}).content.decode()
    assert "代理人と患者の関係を入力してください" in body


def test_a_fake_scan_is_refused_on_the_form(client, site_for):
    site = site_for("iwakuni")
    client.force_login(site.coordinator)
    response = client.post(reverse("consent:consent-create", args=[site.patient().pk]), {
        "signed_on": "2025-04-01", "patient_signed": "on", "original_kept_at": "書庫", "copy_given": "on",
        "scan": SimpleUploadedFile("scan.pdf", b"<html>not a scan</html>"),
    })
    assert "PDF、JPEG、PNGのファイルを選んでください" in response.content.decode()


# --- Scans, logs, lists, templates -------------------------------------------------------


def test_scan_download_serves_the_file_and_logs_it(client, world, objs):
    client.force_login(world.secretariat_a)
    response = client.get(reverse("consent:consent-scan", args=[objs["record"].pk]))
    assert b"".join(response.streaming_content) == PNG
    assert response["Content-Type"] == "image/png" and "attachment" in response["Content-Disposition"]
    assert AccessLog.objects.get().action == "download_scan"


def test_outsiders_and_errors_leave_no_log(client, world, objs):
    client.force_login(world.coordinator_b)
    client.get(reverse("consent:patient-detail", args=[objs["patient"].pk]))
    client.force_login(world.secretariat_a)
    client.get(reverse("consent:patient-access-log", args=[objs["patient"].pk]))
    assert not AccessLog.objects.exists()


def test_the_secretariat_reads_the_log_per_patient_and_per_user(client, world, objs):
    patient = objs["patient"]
    client.force_login(world.coordinator_a)
    client.get(reverse("consent:patient-detail", args=[patient.pk]), HTTP_USER_AGENT="TestBrowser/1.0")
    client.force_login(world.secretariat_a)
    per_patient = client.get(reverse("consent:patient-access-log", args=[patient.pk])).content.decode()
    assert world.coordinator_a.full_name in per_patient and "TestBrowser/1.0" in per_patient
    assert patient.full_name not in per_patient  # ids, not personal data
    per_user = reverse("consent:user-access-log", args=[world.program_a.slug, world.coordinator_a.pk])
    assert "患者ページの閲覧" in client.get(per_user).content.decode()


def test_patient_list_shows_only_the_users_patients_and_searches(client, world):
    mine = PatientFactory(origin_facility=world.facility_a, full_name="見本 太郎", full_name_kana="ミホン タロウ")
    PatientFactory(origin_facility=world.facility_a2, full_name="試験 花子", full_name_kana="シケン ハナコ")
    client.force_login(world.coordinator_a)
    url = reverse("consent:patient-list", args=[world.program_a.slug])
    body = client.get(url).content.decode()
    assert mine.full_name in body and "試験 花子" not in body
    assert mine.full_name not in client.post(url, {"kana": "しけん"}, follow=True).content.decode()
    found = client.post(url, {"kana": "ﾐﾎﾝ", "birth_date": "1940-02-11"}, follow=True)
    assert mine.full_name in found.content.decode()
    # The search travels by POST; the URL it lands on names nobody (browser history, server logs).
    landed = found.redirect_chain[-1][0]
    assert "search=" in landed and "%E3%83%9F" not in landed and "1940" not in landed and "kana" not in landed
    assert mine.full_name in client.get(url, {"kana": "しけん"}).content.decode()  # a name in the URL is ignored
    client.force_login(world.secretariat_a)
    assert "試験 花子" in client.get(url).content.decode()


def test_patient_list_query_count_does_not_grow(client, world, django_assert_max_num_queries):
    client.force_login(world.coordinator_a)
    url = reverse("consent:patient-list", args=[world.program_a.slug])
    PatientFactory(origin_facility=world.facility_a)
    with django_assert_max_num_queries(20) as few:
        client.get(url)
    for _ in range(30):
        ConsentRecordFactory(patient=PatientFactory(origin_facility=world.facility_a))
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(url).status_code == 200


def test_access_log_query_count_does_not_grow(client, world, objs, django_assert_max_num_queries):
    client.force_login(world.secretariat_a)
    url = reverse("consent:access-log", args=[world.program_a.slug])
    services.access_log_append(user=world.coordinator_a, patient=objs["patient"], action="view_page")
    with django_assert_max_num_queries(20) as few:
        client.get(url)
    for _ in range(30):
        services.access_log_append(user=coordinator_of(world.facility_a), patient=objs["patient"], action="view_pdf")
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(url)


def test_the_secretariat_drafts_edits_and_publishes_a_version(client, world):
    client.force_login(world.secretariat_a)
    response = client.post(reverse("consent:template-draft", args=[world.program_a.slug]))
    draft = ConsentTemplate.objects.get(program=world.program_a, published_at__isnull=True)
    assert response.url == reverse("consent:template-edit", args=[draft.pk]) and draft.version == 2
    response = client.post(reverse("consent:template-edit", args=[draft.pk]), {
        "preamble": "新しい前文", "clauses": "一つ目\n\n二つ目\n", "agreement": "同意します。",
        "purposes": "【事業所の中での利用】\n医療サービス\n【その他】\n基礎資料",
    })
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.clauses == ["一つ目", "二つ目"] and draft.purposes[1] == {"heading": "その他", "items": ["基礎資料"]}
    client.post(reverse("consent:template-publish", args=[draft.pk]))
    draft.refresh_from_db()
    assert draft.is_published
    response = client.post(reverse("consent:template-edit", args=[draft.pk]), {"preamble": "改ざん"}, follow=True)
    assert "公開済みの版は変更できません" in response.content.decode()
    draft.refresh_from_db()
    assert draft.preamble == "新しい前文"
    assert "新しい前文" in pdf_text(client.get(reverse("consent:template-pdf", args=[draft.pk])).content)


def test_template_purposes_need_headings(client, world):
    draft = ConsentTemplateFactory(program=world.program_a, published_at=None)
    client.force_login(world.secretariat_a)
    response = client.post(reverse("consent:template-edit", args=[draft.pk]), {
        "preamble": "前文", "clauses": "一", "agreement": "同意します。", "purposes": "見出しのない項目",
    })
    assert "最初の行は【見出し】にしてください" in response.content.decode()


def test_patient_update_moves_the_status_and_refuses_impossible_moves(client, world, objs):
    client.force_login(world.coordinator_a)
    patient = objs["patient"]
    url = reverse("consent:patient-update", args=[patient.pk])
    form = {"full_name": patient.full_name, "full_name_kana": patient.full_name_kana, "birth_date": "1940-02-11",
            "gender": "male", "address": patient.address, "origin_facility": world.facility_a.pk}
    assert client.post(url, {**form, "status": "deceased"}).status_code == 200  # no date: stays on the form
    assert client.post(url, {**form, "status": "deceased", "status_on": "2025-08-01"}).status_code == 302
    body = client.post(url, {**form, "status": "active", "status_on": "2025-08-02"}).content.decode()
    assert "「死亡」の患者は「療養中」にできません" in body


def test_home_shows_todos_and_counts(client, world, objs):
    PatientFactory(origin_facility=world.facility_a)  # no consent yet
    services.consent_withdraw(record=objs["record"], by=world.coordinator_a, withdrawn_on=timezone.localdate())
    client.force_login(world.coordinator_a)
    body = client.get(reverse("home")).content.decode()
    assert f"{world.program_a.name} 担当の患者" in body and "同意が記録されていない患者" in body
    assert reverse("consent:patient-list", args=[world.program_a.slug]) in body
    client.force_login(world.secretariat_a)
    body = client.get(reverse("home")).content.decode()
    assert f"{world.program_a.name} 患者と同意（事務局）" in body
    assert reverse("consent:access-log", args=[world.program_a.slug]) in body


def test_a_missing_japanese_font_gives_a_clear_page_not_empty_boxes(client, world, objs, no_japanese_font):
    client.force_login(world.coordinator_a)
    response = client.get(reverse("consent:patient-consent-pdf", args=[objs["patient"].pk]))
    assert response.status_code == 503 and "日本語フォント" in response.content.decode()


def test_pdf_dates_are_in_wareki(client, site_for):
    site = site_for("iwakuni")
    patient = site.patient(birth_date=datetime.date(2019, 5, 1))
    client.force_login(site.coordinator)
    assert "令和元年5月1日" in pdf_text(client.get(reverse("consent:patient-consent-pdf", args=[patient.pk])).content)


@pytest.mark.parametrize(("name", "kind", "action"), [
    ("patient-update", "patient", "view_page"),
    ("consent-create", "patient", "view_page"),
    ("consent-withdraw", "record", "view_consent"),
])
def test_forms_about_a_patient_count_as_views(client, world, objs, name, kind, action):
    client.force_login(world.coordinator_a)
    client.get(_url(name, kind, world, objs))
    assert list(AccessLog.objects.values_list("action", "patient_id")) == [(action, objs["patient"].pk)]


def test_a_consent_by_the_doctors_delegate_unticked_says_to_tick_the_box(client, site_for):
    site = site_for("musashimurayama")  # 主治医 or whom the doctor instructs obtain consent (第19条)
    patient = site.patient(doctor_visits_home=True)
    client.force_login(site.coordinator)
    url = reverse("consent:consent-create", args=[patient.pk])
    data = {"signed_on": "2025-04-01", "patient_signed": "on", "original_kept_at": "書庫", "copy_given": "on",
            "family_1_name": "見本 次郎", "family_1_relationship": "長男", "family_1_address": "東京都武蔵村山市本町1-1"}
    response = client.post(url, data)
    assert response.status_code == 200
    form = response.context["form"]
    label = f"主治医（{site.doctor.full_name}）の指示を受けて取得した"
    assert form.errors["by_doctor_delegate"] == [f"主治医から委託・指示を受けているときは「{label}」に✓を入れてください。"]
    assert form.non_field_errors()  # the engine's own message stays on top
    assert client.post(url, {**data, "by_doctor_delegate": "on"}).status_code == 302
    assert ConsentRecord.objects.filter(patient=patient).count() == 1
