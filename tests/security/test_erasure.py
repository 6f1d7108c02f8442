"""A patient's erasure request: nothing personal left in any table (live, history, admin log, PDFs),
the files gone, memberships ended through the hooks, an ErasureRecord kept, all or nothing."""

import datetime
import threading
from pathlib import Path

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from consent import erasure, hooks, services
from consent.models import AccessLog, ConsentRecord, ErasureRecord, Patient, PatientStatus
from policy.rules import VARIANTS
from tests.consent.helpers import make_site
from tests.factories import secretariat_of
from tests.security import dbstate

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 32
PERSON = {
    "full_name": "渡辺 真理恵", "full_name_kana": "ワタナベ マリエ", "postal_code": "580-0032",
    "address": "大阪府松原市天美東8-7-6", "phone": "06-6543-2109",
}
OLD_ADDRESS = "大阪府松原市天美南1-1-1"
FAMILY = {"name": "渡辺 一郎", "relationship": "長男", "address": "大阪府堺市北区長曽根町3-3"}
PROXY = "渡辺 花子"
NEEDLES = [*PERSON.values(), "ワタナベマリエ", OLD_ADDRESS, FAMILY["name"], FAMILY["address"], PROXY]


def _patient(site, **fields):
    values = {
        **PERSON, "birth_date": datetime.date(1938, 5, 17), "gender": "female", "origin_facility": site.clinic,
        "primary_doctor": site.doctor, "group_leader": site.coordinator_staff, "doctor_visits_home": True,
        **fields,
    }
    return services.patient_register(program=site.program, by=site.coordinator, **values)


def _consent(site, patient, **kwargs):
    values = {
        "signed_on": datetime.date(2025, 4, 1), "family_signers": [FAMILY], "patient_signed": False,
        "proxy_name": PROXY, "proxy_relationship": "長女", "original_kept_at": site.clinic.name, "copy_given": True,
        "by_doctor_delegate": True, "scan": SimpleUploadedFile("scan.png", PNG), **kwargs,
    }
    return services.consent_record(patient=patient, by=site.coordinator, **values)


def _full_story(site, client):
    """A patient whose data has spread everywhere it can: history, consent, PDF, scan, admin log, access log."""
    patient = _patient(site, address=OLD_ADDRESS)
    patient = services.patient_update(patient=patient, by=site.coordinator, address=PERSON["address"])
    record = _consent(site, patient)
    services.consent_withdraw(record=record, by=site.coordinator, withdrawn_on=timezone.localdate(),
                              note=f"{FAMILY['name']}から電話で申出")
    LogEntry.objects.create(
        user=site.secretariat, content_type=ContentType.objects.get_for_model(Patient), object_id=str(patient.pk),
        object_repr=str(patient), action_flag=CHANGE, change_message="[]",
    )
    client.force_login(site.coordinator)
    assert client.get(reverse("consent:patient-detail", args=[patient.pk])).status_code == 200
    return patient, ConsentRecord.objects.get(pk=record.pk)


def _erase(client, site, patient, **data):
    """POST the confirmation page as the program's secretariat (signed in first, and only once)."""
    if client.session.get("_auth_user_id") != str(site.secretariat.pk):
        client.force_login(site.secretariat)
    data = {"requested_on": timezone.localdate().isoformat(), "reason": "本人から書面で申出",
            "confirm_number": patient.pk, **data}
    return client.post(reverse("consent:patient-erase", args=[patient.pk]), data)


@pytest.fixture
def ended():
    """A stand-in for the groups app's hook: it 'ends' two memberships and notes what it saw."""
    seen = []

    def hook(*, patient, by):
        seen.append((patient.pk, patient.full_name, by.pk))
        return 2

    undo = hooks.patient_erased.connect(hook)
    yield seen
    undo()


@pytest.mark.parametrize("variant", VARIANTS)
def test_no_personal_string_of_the_patient_remains_anywhere(client, variant, ended, django_capture_on_commit_callbacks):
    site = make_site(variant)
    patient, record = _full_story(site, client)
    scan_path = record.scan.path
    before = dbstate.find(NEEDLES)
    # The scan would catch them: the live rows, the history, the JSON of the family, the PDF, the admin log.
    assert {t for t, _, _ in before} >= {
        "consent_patient", "consent_historicalpatient", "consent_consentrecord", "consent_historicalconsentrecord",
        "django_admin_log",
    }
    assert ("consent_consentrecord", "pdf_snapshot", PERSON["full_name"]) in before
    assert ("consent_consentrecord", "family_signers", FAMILY["name"]) in before
    log_rows = list(AccessLog.objects.order_by("pk").values_list("pk", "user_id", "patient_id", "action"))

    with django_capture_on_commit_callbacks(execute=True):
        response = _erase(client, site, patient)

    assert response.status_code == 302, response.content.decode()
    assert response.url == reverse("consent:erasure-list", args=[site.program.slug])
    assert dbstate.find(NEEDLES) == []
    with pytest.raises(FileNotFoundError):
        Path(scan_path).read_bytes()
    done = ErasureRecord.objects.get(patient=patient)
    assert (done.erased_by, done.program, done.consents_scrubbed, done.files_deleted, done.memberships_ended) == (
        site.secretariat, site.program, 1, 1, 2)
    assert done.history_rows_scrubbed >= 5
    assert ended == [(patient.pk, PERSON["full_name"], site.secretariat.pk)]  # the hook still saw the name
    # The rows stay, as numbers: the patient, the consent record (when, by whom, withdrawn), the access log.
    patient.refresh_from_db()
    record.refresh_from_db()
    assert (patient.full_name, patient.birth_date, patient.status) == (
        erasure.ERASED, erasure.ERASED_BIRTH_DATE, PatientStatus.ENDED)
    assert (record.signed_on, record.obtained_by, record.withdrawal_received_by) == (
        datetime.date(2025, 4, 1), site.coordinator, site.coordinator)
    assert bytes(record.pdf_snapshot) == b"" and not record.scan and record.pdf_sha256
    assert list(AccessLog.objects.order_by("pk").values_list("pk", "user_id", "patient_id", "action"))[
        :len(log_rows)] == log_rows


def test_the_access_log_keeps_ids_only():
    """Nothing in an access-log row can hold a patient's name: ids, the action, when and from where,
    and for a change the labels of the fields changed, never their values (tests/consent/test_care.py)."""
    fields = {f.name for f in AccessLog._meta.get_fields()}
    assert fields == {"id", "user", "patient", "consent", "action", "at", "ip", "user_agent", "fields"}
    assert {f.name for f in ErasureRecord._meta.get_fields() if f.get_internal_type() in ("CharField", "TextField")} \
        == {"reason"}


def test_a_name_typed_into_the_reason_is_blanked_out(client, ended):
    site = make_site("matsubara")
    patient = _patient(site)
    response = _erase(client, site, patient, reason=f"{PERSON['full_name']}さん（{PERSON['full_name_kana']}）の"
                                                    "長女から書面で申出")
    assert response.status_code == 302
    assert ErasureRecord.objects.get().reason == "＊＊さん(＊＊)の長女から書面で申出"  # NFKC, as the portal keeps text
    assert dbstate.find(NEEDLES) == []


def test_the_page_and_the_list_are_the_secretariats_only(client, world):
    site = make_site("musashimurayama")
    patient = _patient(site)
    erase, listing = (reverse("consent:patient-erase", args=[patient.pk]),
                      reverse("consent:erasure-list", args=[site.program.slug]))
    for url in (erase, listing):
        client.logout()
        assert client.get(url).status_code == 302  # anonymous: to the login page
        for user, status in ((world.secretariat_b, 404), (site.coordinator, 403), (site.doctor_user, 403),
                             (site.secretariat, 200)):
            client.force_login(user)
            assert client.get(url).status_code == status, (url, user)
    body = client.get(erase).content.decode()
    assert PERSON["full_name"] in body and "確認のため、患者番号を入力してください" in body
    assert AccessLog.objects.filter(patient=patient, user=site.secretariat, action="view_page").count() == 2


def test_a_wrong_number_or_a_missing_reason_changes_nothing(client, ended):
    site = make_site("iwakuni")
    patient = _patient(site)
    client.force_login(site.secretariat)
    before = dbstate.contents(skip=(*dbstate.VOLATILE, "consent_accesslog"))
    response = _erase(client, site, patient, confirm_number=patient.pk + 1, reason="")
    assert response.status_code == 400
    body = response.content.decode()
    assert "患者番号が違います" in body and "このフィールドは必須です" in body
    assert dbstate.contents(skip=(*dbstate.VOLATILE, "consent_accesslog")) == before
    assert ended == []


def test_a_failing_hook_rolls_everything_back_and_keeps_the_files(client, django_capture_on_commit_callbacks):
    site = make_site("chuo")
    patient = _patient(site)
    record = _consent(site, patient)

    def refuse(*, patient, by):
        raise ValidationError("患者グループを外せませんでした。")

    undo = hooks.patient_erased.connect(refuse)
    client.force_login(site.secretariat)
    try:
        before = dbstate.contents(skip=(*dbstate.VOLATILE, "consent_accesslog"))
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            response = _erase(client, site, patient)
    finally:
        undo()
    assert response.status_code == 400 and "患者グループを外せませんでした" in response.content.decode()
    assert dbstate.contents(skip=(*dbstate.VOLATILE, "consent_accesslog")) == before
    assert callbacks == [] and Path(record.scan.path).read_bytes() == PNG


def test_a_failure_at_the_last_step_leaves_nothing_half_done(client, monkeypatch, django_capture_on_commit_callbacks):
    site = make_site("kumagaya")
    patient = _patient(site)
    record = _consent(site, patient)

    real, calls = erasure._scrub_history, []

    def fails_after_the_consent_history(*args, **kwargs):
        # The second call scrubs the consent records' history: it writes, then the process dies.
        done = real(*args, **kwargs)
        calls.append(done)
        if len(calls) == 2:
            raise RuntimeError("the worker was killed")
        return done

    monkeypatch.setattr(erasure, "_scrub_history", fails_after_the_consent_history)
    before = dbstate.contents()
    with pytest.raises(RuntimeError), django_capture_on_commit_callbacks(execute=True):
        erasure.patient_erase(patient=patient, by=site.secretariat, reason="申出")
    assert len(calls) == 2 and calls[1] > 0
    assert dbstate.contents() == before
    assert Path(record.scan.path).read_bytes() == PNG


def test_an_erasure_happens_once(client):
    site = make_site("matsubara")
    patient = _patient(site)
    assert _erase(client, site, patient).status_code == 302
    again = _erase(client, site, patient)
    assert again.status_code == 409 and "消去しました" in again.content.decode()
    with pytest.raises(ValidationError, match="すでに消去されています"):
        erasure.patient_erase(patient=patient, by=site.secretariat, reason="二度目")
    with pytest.raises(IntegrityError), transaction.atomic():
        ErasureRecord.objects.create(patient=patient, program=site.program, requested_on=timezone.localdate(),
                                     reason="二度目", erased_by=site.secretariat)


@pytest.mark.parametrize("variant", VARIANTS)
def test_only_the_secretariat_may_erase_asking_the_policy_first(variant):
    site = make_site(variant)
    patient = _patient(site)
    with pytest.raises(ValidationError) as refused:
        erasure.patient_erase(patient=patient, by=site.coordinator, reason="申出")
    if site.program.policy.deletion_via_secretariat:
        assert "事務局" in refused.value.messages[0] and "第16条7)" in refused.value.messages[0]
    else:
        assert refused.value.messages == ["患者情報の消去は、事務局だけが行えます。"]
    assert not ErasureRecord.objects.exists()


def test_an_erased_patient_takes_no_new_consent(client):
    site = make_site("iwakuni")
    patient = _patient(site)
    erasure.patient_erase(patient=patient, by=site.secretariat, reason="申出")
    patient.refresh_from_db()
    with pytest.raises(ValidationError, match="療養中の患者だけ"):
        _consent(site, patient, scan=None)


def test_the_list_finds_a_patient_by_number_and_shows_what_was_done(client):
    site = make_site("chuo")
    patient = _patient(site)
    elsewhere = _patient(make_site("chuo"))
    client.force_login(site.secretariat)
    listing = reverse("consent:erasure-list", args=[site.program.slug])
    found = client.get(listing, {"patient_number": patient.pk})
    assert found.status_code == 302 and found.url == reverse("consent:patient-erase", args=[patient.pk])
    assert "このネットワークにいません" in client.get(listing, {"patient_number": elsewhere.pk}).content.decode()
    erasure.patient_erase(patient=patient, by=site.secretariat, reason="本人から申出",
                          requested_on=datetime.date(2025, 5, 1))
    body = client.get(listing).content.decode()
    assert "本人から申出" in body and "令和7年5月1日" in body and site.secretariat.full_name in body
    home = client.get(reverse("home")).content.decode()
    assert "患者情報の消去（完全削除の申出）" in home and listing in home


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_secretaries_erasing_at_once_make_one_record():
    site = make_site("matsubara")
    patient = _patient(site)
    other = secretariat_of(site.program)
    barrier, results = threading.Barrier(2), []

    def erase(by):
        try:
            barrier.wait()
            erasure.patient_erase(patient=patient, by=by, reason="申出")
            results.append("erased")
        except ValidationError as error:
            results.append(error.messages[0])
        finally:
            connection.close()

    threads = [threading.Thread(target=erase, args=(by,)) for by in (site.secretariat, other)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == ["erased", "この患者の情報はすでに消去されています。"]
    assert ErasureRecord.objects.count() == 1
