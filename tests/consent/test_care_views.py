"""When care ends, access ends, on the consent pages: duplicates on the registration form, the
care team and the change log on the patient page, the secretariat ending a facility's
involvement, withdrawn consent apart from none, erased means erased, and a facility whose
involvement ended gets 404 everywhere."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from consent import care, services
from consent.erasure import patient_erase
from consent.models import AccessAction, AccessLog, CareTeamEnd, CareTeamReason, Patient
from facilities.models import RoleKind
from groups import services as group_services
from groups.models import McsTask, TaskKind
from tests.consent.factories import ConsentRecordFactory, PatientFactory
from tests.factories import FacilityFactory, RoleFactory
from tests.groups.helpers import make_site as make_group_site

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 32

TYPED = {
    "full_name": "岩国 太郎", "full_name_kana": "いわくに たろう", "birth_date": "1938-05-03", "gender": "male",
    "address": "山口県岩国市今津町1-1", "origin_facility": None, "primary_doctor": "",
    "doctor_visits_home": "on",
}


def _typed(site, **extra):
    return {**TYPED, "origin_facility": site.clinic.pk, "primary_doctor": site.doctor.pk, **extra}


def _existing(site, facility, **kwargs):
    return PatientFactory(
        origin_facility=facility, full_name="岩国 太郎", full_name_kana="イワクニ タロウ",
        birth_date=datetime.date(1938, 5, 3), address="山口県岩国市錦見9-9", **kwargs,
    )


def _member(site, patient):
    """A facility involved only through the patient's group, with an administrator and a coordinator."""
    facility = FacilityFactory(program=site.program)
    care.care_team_add(patient=patient, facility_id=facility.pk, reason=CareTeamReason.GROUP)
    admin = RoleFactory(kind=RoleKind.FACILITY_ADMIN, facility=facility).user
    coordinator = RoleFactory(kind=RoleKind.COORDINATOR, facility=facility).user
    return facility, admin, coordinator


# --- No silent duplicates ----------------------------------------------------------------


def test_a_duplicate_at_another_facility_is_announced_without_its_data(client, site_for):
    site = site_for("iwakuni")
    elsewhere = _existing(site, site.other)
    client.force_login(site.coordinator)
    url = reverse("consent:patient-create", args=[site.program.slug])
    body = client.post(url, _typed(site)).content.decode()
    assert "見られない記録が1件" in body and site.program.secretariat_name in body
    assert elsewhere.address not in body and reverse("consent:patient-detail", args=[elsewhere.pk]) not in body
    assert 'value="山口県岩国市今津町1-1"' in body  # what was typed stays
    assert "別の人として登録する" in body and Patient.objects.count() == 1

    # A reason typed, but the ordinary button: still not registered.
    client.post(url, _typed(site, distinct_reason="住所が違う"))
    assert Patient.objects.count() == 1
    # The deliberate button without a reason: asked for one.
    body = client.post(url, _typed(site, as_distinct="1")).content.decode()
    assert "別の人として登録する理由を入力してください" in body and Patient.objects.count() == 1

    response = client.post(url, _typed(site, as_distinct="1", distinct_reason="同姓同名・同じ生年月日の別人（住所が違う）"))
    created = Patient.objects.exclude(pk=elsewhere.pk).get()
    assert response.status_code == 302 and response.url == reverse("consent:patient-detail", args=[created.pk])
    assert created.distinct_reason == "同姓同名・同じ生年月日の別人（住所が違う）"  # prose keeps its 全角 brackets


def test_a_duplicate_the_user_may_see_is_shown_with_a_link(client, site_for):
    site = site_for("matsubara")
    mine = _existing(site, site.clinic)
    client.force_login(site.coordinator)
    body = client.post(reverse("consent:patient-create", args=[site.program.slug]), _typed(site)).content.decode()
    assert reverse("consent:patient-detail", args=[mine.pk]) in body
    assert "昭和13年5月3日生" in body and f"連携元: {site.clinic.name}" in body
    assert "見られない記録" not in body and Patient.objects.count() == 1


# --- The patient page: care team, change log, ending a facility's involvement ------------------


def _as_typed(site, patient, **changes):
    """The update form as it comes back with the patient's details, and `changes`."""
    return {"full_name": patient.full_name, "full_name_kana": patient.full_name_kana, "birth_date": "1940-02-11",
            "gender": "male", "address": patient.address, "status": "active", "origin_facility": site.clinic.pk,
            "primary_doctor": site.doctor.pk, "doctor_visits_home": "on", **changes}


def test_an_edit_appears_in_the_change_log_with_who_and_which_fields(client, site_for):
    site = site_for("matsubara")
    patient = site.patient()
    client.force_login(site.coordinator)
    form = _as_typed(site, patient, phone="072-111-2222")
    response = client.post(reverse("consent:patient-update", args=[patient.pk]), form, HTTP_USER_AGENT="Phone/1.0")
    assert response.status_code == 302
    change = AccessLog.objects.get(action=AccessAction.CHANGE)
    assert (change.fields, change.ip, change.user_agent) == ("電話", "127.0.0.1", "Phone/1.0")
    body = client.get(reverse("consent:patient-detail", args=[patient.pk])).content.decode()
    changes = body.split('id="changes"')[1]
    assert "電話" in changes and site.coordinator.full_name in changes and "072-111-2222" not in changes
    client.force_login(site.secretariat)
    log = client.get(reverse("consent:patient-access-log", args=[patient.pk])).content.decode()
    assert "患者情報の変更" in log and "変更した項目: 電話" in log


def test_the_secretariat_ends_a_facilitys_involvement_from_the_patient_page(client, site_for):
    site = site_for("matsubara")
    patient = site.patient()
    facility, admin, _ = _member(site, patient)
    client.force_login(site.secretariat)
    detail = reverse("consent:patient-detail", args=[patient.pk])
    assert "事業所の関わりを終える" in client.get(detail).content.decode()
    url = reverse("consent:care-team-end", args=[patient.pk])

    body = client.post(url, {"facility": facility.pk}, follow=True).content.decode()
    assert "理由を入力してください" in body
    body = client.post(url, {"facility": site.clinic.pk, "note": "転院"}, follow=True).content.decode()
    assert "この事業所は今この患者に関わっていません" in body  # the origin is not offered
    assert care.is_involved(admin, patient)

    body = client.post(url, {"facility": facility.pk, "note": "訪問看護の契約終了"}, follow=True).content.decode()
    assert f"{facility.name}の関わりを終えました" in body
    team = body.split('id="care-team"')[1]
    assert "事務局が関わりを終えた" in team and "訪問看護の契約終了" in team and "関わっている" in team
    client.force_login(admin)
    assert client.get(detail).status_code == 404


@pytest.mark.parametrize("status, label", [("deceased", "死亡"), ("ended", "利用終了"), ("transferred", "転院・転居")])
def test_when_the_patient_leaves_care_group_members_lose_the_patient_at_once(client, status, label):
    site = make_group_site("chuo")
    group = site.group()
    site.invite(group, accepted=False)  # the nurse is only 招待中: that already involved the nursing station
    nursing_coordinator = RoleFactory(kind=RoleKind.COORDINATOR, facility=site.nursing).user
    detail = reverse("consent:patient-detail", args=[site.patient.pk])
    client.force_login(nursing_coordinator)
    assert client.get(detail).status_code == 200

    client.force_login(site.coordinator)
    form = _as_typed(site, site.patient, status=status, status_on="2025-08-01",
                     group_leader=site.leader.pk, birth_date=site.patient.birth_date.isoformat())
    body = client.post(reverse("consent:patient-update", args=[site.patient.pk]), form, follow=True).content.decode()
    members = 2 if site.association_admin else 1  # the nursing station (and the 医師会, where it joins)
    assert f"患者が「{label}」になったため、グループのメンバーとして関わっていた{members}事業所からは" in body
    team = body.split('id="care-team"')[1]
    assert "患者が療養中でなくなった" in team and f"{label}（令和7年8月1日）" in team and "連携 花子" in team

    client.force_login(nursing_coordinator)
    assert client.get(detail).status_code == 404  # at once, with the group not archived yet
    assert group.status == "active" and McsTask.objects.open().filter(group=group, kind=TaskKind.ARCHIVE).exists()
    client.force_login(site.doctor_user)  # the 連携元 (and the doctor's facility) keep it, to archive the groups
    assert client.get(detail).status_code == 200
    ended = site.patient.care_team.get(facility=site.nursing)
    assert (ended.end_reason, ended.ended_by, ended.end_note) == (
        CareTeamEnd.CARE_ENDED, site.coordinator, f"{label}（令和7年8月1日）")
    assert ended.history.first().history_user == site.coordinator


def test_a_member_who_records_the_end_of_care_is_taken_to_the_patient_list(client):
    site = make_group_site("iwakuni")
    site.invite(site.group())
    nursing_coordinator = RoleFactory(kind=RoleKind.COORDINATOR, facility=site.nursing).user
    client.force_login(nursing_coordinator)
    form = _as_typed(site, site.patient, status="transferred", status_on="2025-08-01",
                     group_leader=site.leader.pk, birth_date=site.patient.birth_date.isoformat())
    response = client.post(reverse("consent:patient-update", args=[site.patient.pk]), form)
    assert response.url == reverse("consent:patient-list", args=[site.program.slug])
    assert client.get(reverse("consent:patient-detail", args=[site.patient.pk])).status_code == 404


def test_coming_back_to_care_gives_the_members_nothing_back_until_the_group_is_restored(client):
    site = make_group_site("iwakuni")
    group = site.group()
    site.invite(group)
    nursing_coordinator = RoleFactory(kind=RoleKind.COORDINATOR, facility=site.nursing).user
    services.patient_update(patient=site.patient, by=site.coordinator, status="ended",
                            status_on=datetime.date(2025, 8, 1))
    group_services.group_archive(group=group, by=site.doctor_user, reason="利用終了", archived_on=timezone.localdate())
    services.patient_update(patient=site.patient, by=site.coordinator, status="active", status_on=None)
    detail = reverse("consent:patient-detail", args=[site.patient.pk])
    client.force_login(nursing_coordinator)
    assert client.get(detail).status_code == 404
    group_services.group_restore(group=group, by=site.doctor_user)  # the managers bring the team back
    assert client.get(detail).status_code == 200


def test_recording_a_death_says_which_mcs_tasks_were_made(client):
    site = make_group_site("musashimurayama")  # a patient with a consent, and the groups app's receiver
    group = site.group()
    client.force_login(site.coordinator)
    form = _as_typed(site, site.patient, status="deceased", status_on="2025-08-01",
                     group_leader=site.leader.pk, birth_date=site.patient.birth_date.isoformat())
    body = client.post(reverse("consent:patient-update", args=[site.patient.pk]), form, follow=True).content.decode()
    assert "MCSでの作業を1件作りました（グループの保管" in body
    assert McsTask.objects.open().filter(group=group, kind=TaskKind.ARCHIVE).count() == 1


def test_recording_a_withdrawal_says_which_mcs_tasks_were_made(client):
    site = make_group_site("matsubara")
    group = site.group()
    client.force_login(site.coordinator)
    body = client.post(reverse("consent:consent-withdraw", args=[site.patient.consents.get().pk]), {
        "withdrawn_on": timezone.localdate().isoformat(), "note": "長女から電話",
    }, follow=True).content.decode()
    assert "同意の撤回を記録しました" in body and "MCSでの作業を1件作りました（グループの保管" in body
    assert McsTask.objects.open().filter(group=group, kind=TaskKind.ARCHIVE).count() == 1


# --- Withdrawn consent has its own state and count ----------------------------------------


def test_withdrawn_consent_is_its_own_state_on_lists_pages_and_home(client, site_for):
    site = site_for("matsubara")
    withdrawn = site.patient(full_name="撤回 一郎", full_name_kana="テッカイ イチロウ")
    record = ConsentRecordFactory(patient=withdrawn, obtained_by=site.coordinator)
    services.consent_withdraw(record=record, by=site.coordinator, withdrawn_on=timezone.localdate())
    site.patient(full_name="未記録 二郎", full_name_kana="ミキロク ジロウ")
    client.force_login(site.coordinator)

    body = client.get(reverse("consent:patient-detail", args=[withdrawn.pk])).content.decode()
    assert "同意撤回" in body and "同意が記録されていません" not in body
    url = reverse("consent:patient-list", args=[site.program.slug])
    rows = client.get(url).content.decode().split("撤回 一郎")[1].split("</tr>")[0]
    assert "同意撤回" in rows and "未記録" not in rows
    missing = client.get(url, {"consent": "missing"}).content.decode()
    assert "未記録 二郎" in missing and "撤回 一郎" not in missing
    only_withdrawn = client.get(url, {"consent": "withdrawn"}).content.decode()
    assert "撤回 一郎" in only_withdrawn and "未記録 二郎" not in only_withdrawn

    home = client.get(reverse("home")).content.decode()
    assert "同意を撤回した患者（療養中）" in home and f"{url}?consent=withdrawn&amp;status=active" in home


def test_the_secretariats_counts_keep_withdrawn_apart(site_for):
    from consent.home import panels

    site = site_for("matsubara")
    record = ConsentRecordFactory(patient=site.patient(), obtained_by=site.coordinator)
    services.consent_withdraw(record=record, by=site.coordinator, withdrawn_on=timezone.localdate())
    site.patient()  # never consented
    ConsentRecordFactory(patient=site.patient(), obtained_by=site.coordinator)  # consented
    panel = next(p for p in panels(site.secretariat) if "事務局" in p.title)
    counts = {item.label: item.count for item in panel.items}
    assert (counts["同意あり"], counts["同意が記録されていない患者"], counts["同意を撤回した患者（療養中）"]) == (1, 1, 1)


# --- Erased means erased on screen --------------------------------------------------------


def test_an_erased_patient_shows_erased_everywhere_and_cannot_be_printed(client, site_for):
    site = site_for("matsubara")
    patient = site.patient()
    ConsentRecordFactory(patient=patient, obtained_by=site.coordinator)
    patient_erase(patient=patient, by=site.secretariat, reason="本人から書面で申出")
    for user in (site.secretariat, site.coordinator):
        client.force_login(user)
        body = client.get(reverse("consent:patient-detail", args=[patient.pk])).content.decode()
        assert f"<title>患者番号 {patient.pk}（消去済み）" in body
        assert body.count("（消去済み）") >= 7 and "明治33年" not in body
        assert "同意書を印刷（氏名・住所入り）" not in body and "患者情報を変更" not in body
        listing = client.get(reverse("consent:patient-list", args=[site.program.slug])).content.decode()
        assert f"患者番号 {patient.pk}（消去済み）" in listing and "明治33年" not in listing
    assert client.get(reverse("consent:patient-consent-pdf", args=[patient.pk])).status_code == 404
    response = client.get(reverse("consent:patient-update", args=[patient.pk]))
    assert response.status_code == 302 and response.url == reverse("consent:patient-detail", args=[patient.pk])
    assert client.get(reverse("consent:consent-create", args=[patient.pk])).status_code == 302


# --- A facility whose involvement ended ---------------------------------------------------


def test_a_facility_whose_involvement_ended_gets_404_on_every_patient_url(client, site_for):
    site = site_for("iwakuni")
    patient = site.patient()
    record = ConsentRecordFactory(patient=patient, obtained_by=site.coordinator)
    services.consent_scan_attach(record=record, by=site.coordinator, scan=SimpleUploadedFile("s.png", PNG))
    facility, admin, coordinator = _member(site, patient)
    gets = [reverse(f"consent:{name}", args=[patient.pk]) for name in
            ("patient-detail", "patient-update", "patient-consent-pdf", "consent-create")]
    gets += [reverse(f"consent:{name}", args=[record.pk]) for name in
             ("consent-detail", "consent-pdf", "consent-scan", "consent-withdraw")]
    posts = [reverse("consent:consent-scan-attach", args=[record.pk]),
             reverse("consent:care-team-end", args=[patient.pk])]
    listing = reverse("consent:patient-list", args=[site.program.slug])
    client.force_login(coordinator)
    assert all(client.get(url).status_code == 200 for url in gets)  # involved: everything opens
    assert patient.full_name in client.get(listing).content.decode()
    logged = AccessLog.objects.count()

    care.care_team_end_facility(patient=patient, facility=facility, by=site.secretariat, note="担当終了")
    for user in (admin, coordinator):
        client.force_login(user)
        for url in gets:
            assert client.get(url).status_code == 404, url
        for url in posts:
            assert client.post(url, {"note": "x", "facility": facility.pk}).status_code == 404, url
        assert client.get(reverse("consent:patient-access-log", args=[patient.pk])).status_code == 404
        assert patient.full_name not in client.get(listing).content.decode()
    assert AccessLog.objects.count() == logged  # nothing shown, nothing logged
    # The past stays on the patient page for those still involved.
    client.force_login(site.coordinator)
    team = client.get(gets[0]).content.decode().split('id="care-team"')[1]
    assert facility.name in team and CareTeamEnd.SECRETARIAT.label in team


# --- Query counts -------------------------------------------------------------------------


def _busy_patient(site):
    patient = site.patient()
    for _ in range(3):
        ConsentRecordFactory(patient=patient, obtained_by=site.coordinator)
    for _ in range(3):
        _member(site, patient)
    facility, _, _ = _member(site, patient)
    care.care_team_end_facility(patient=patient, facility=facility, by=site.secretariat, note="担当終了")
    for phone in ("072-111-0001", "072-111-0002"):
        services.patient_update(patient=patient, by=site.coordinator, phone=phone)
    return patient


# +1 on each: the patient's groups (consent.hooks.patient_links) on the page, the list's access-log insert.
@pytest.mark.parametrize(("who", "most"), [("coordinator", 16), ("secretariat", 15)])
def test_patient_page_query_count_is_pinned(client, site_for, django_assert_max_num_queries, who, most):
    site = site_for("matsubara")
    patient = _busy_patient(site)
    client.force_login(getattr(site, who))
    url = reverse("consent:patient-detail", args=[patient.pk])
    with django_assert_max_num_queries(most):
        body = client.get(url).content.decode()
    assert body.count('class="ended"') == 1 and "072-111-0002" in body


@pytest.mark.parametrize(("who", "most"), [("coordinator", 15), ("secretariat", 13)])
def test_patient_list_query_count_is_pinned(client, site_for, django_assert_max_num_queries, who, most):
    site = site_for("matsubara")
    for _ in range(5):
        _busy_patient(site)
    client.force_login(getattr(site, who))
    url = reverse("consent:patient-list", args=[site.program.slug])
    with django_assert_max_num_queries(most):
        body = client.get(url).content.decode()
    assert body.count("consent-ok") == 5
