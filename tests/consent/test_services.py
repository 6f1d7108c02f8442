import datetime
import hashlib
import itertools
import threading

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from consent import services
from consent.models import (
    STATUS_TRANSITIONS,
    CareTeam,
    CareTeamReason,
    ConsentTemplate,
    PatientStatus,
)
from policy.rules import VARIANTS
from tests.factories import FacilityFactory, ProgramFactory, StaffFactory
from tests.helpers import variants_split

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n%test scan\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 32
JPEG = b"\xff\xd8\xff\xe0" + b"\0" * 32
PRIOR_COUNTS, PRIOR_REFUSED = variants_split(lambda p: p.prior_consent_counts)
FAMILY = [{"name": "見本 次郎", "relationship": "長男", "address": "大阪府松原市阿保9-9-9"}]


def record(site, patient, **kwargs):
    kwargs.setdefault("by", site.coordinator)
    kwargs.setdefault("signed_on", datetime.date(2025, 4, 1))
    kwargs.setdefault("family_signers", FAMILY)
    kwargs.setdefault("original_kept_at", site.clinic.name)
    kwargs.setdefault("copy_given", True)
    return services.consent_record(patient=patient, **kwargs)


def register(site, by=None, **fields):
    values = {
        "full_name": "見本 太郎", "full_name_kana": "ミホン タロウ", "birth_date": datetime.date(1940, 2, 11),
        "gender": "male", "postal_code": "", "address": "大阪府松原市阿保9-9-9", "phone": "",
        "origin_facility": site.clinic, "primary_doctor": site.doctor, "group_leader": None,
        "doctor_visits_home": True,
    }
    values.update(fields)
    return services.patient_register(program=site.program, by=by or site.coordinator, **values)


# --- Patients ----------------------------------------------------------------------------


def test_registration_puts_every_involved_facility_on_the_care_team(site_for):
    site = site_for("chuo")
    hospital = FacilityFactory(program=site.program)
    doctor = StaffFactory(facility=hospital, job="doctor")
    patient = register(site, primary_doctor=doctor, group_leader=site.coordinator_staff)
    team = set(CareTeam.objects.current().filter(patient=patient).values_list("facility_id", "reason"))
    assert team == {
        (site.clinic.pk, CareTeamReason.ORIGIN), (site.clinic.pk, CareTeamReason.LEADER),
        (hospital.pk, CareTeamReason.DOCTOR),
    }
    assert set(CareTeam.objects.filter(patient=patient).values_list("added_by", flat=True)) == {site.coordinator.pk}


def test_registration_publishes_version_one_for_the_next_print(site_for):
    site = site_for("matsubara")
    register(site)
    template = ConsentTemplate.objects.get(program=site.program)
    assert (template.version, template.form_number, template.is_published) == (1, "様式3", True)


def test_only_someone_at_an_involved_facility_may_register(site_for):
    site = site_for("matsubara")
    with pytest.raises(ValidationError, match="患者を担当する事業所"):
        register(site, by=site.stranger)


@pytest.mark.parametrize(("old", "new"), list(itertools.permutations(PatientStatus.values, 2)))
def test_patient_status_moves_only_as_the_table_allows(site_for, old, new):
    site = site_for("iwakuni")
    patient = site.patient(status=old, status_on=None if old == "active" else datetime.date(2025, 1, 1))
    allowed = new in STATUS_TRANSITIONS[old]
    change = {"status": new, "status_on": datetime.date(2025, 6, 1)}
    if allowed:
        assert services.patient_update(patient=patient, by=site.coordinator, **change).status == new
    else:
        with pytest.raises(ValidationError):
            services.patient_update(patient=patient, by=site.coordinator, **change)


def test_changing_the_doctor_adds_their_facility_and_removes_nobody(site_for):
    site = site_for("kumagaya")
    patient = site.patient()
    hospital = FacilityFactory(program=site.program)
    services.patient_update(patient=patient, by=site.coordinator, primary_doctor=StaffFactory(facility=hospital, job="doctor"))
    assert set(CareTeam.objects.filter(patient=patient).values_list("facility_id", flat=True)) == {
        site.clinic.pk, hospital.pk,
    }


# --- Recording consent: what the policy engine says, per variant -------------------------

CASES = [
    # variant, who records, extra arguments, patient fields, the blocking rule (None: recorded)
    ("kumagaya", "coordinator", {}, {}, None),
    ("kumagaya", "doctor_user", {}, {}, None),
    ("kumagaya", "joined", {}, {}, "第4条"),
    ("kumagaya", "coordinator", {}, {"doctor_visits_home": False}, "第3条"),
    ("kumagaya", "coordinator", {"doctor_deems_necessary": True}, {"doctor_visits_home": False}, None),
    ("musashimurayama", "coordinator", {}, {}, "第19条"),
    ("musashimurayama", "coordinator", {"by_doctor_delegate": True}, {}, None),
    ("musashimurayama", "doctor_user", {}, {}, None),
    ("musashimurayama", "doctor_user", {"copy_given": False}, {}, "第19条"),
    ("chuo", "coordinator", {}, {}, "第九条"),
    ("chuo", "coordinator", {}, {"leader": True}, None),
    ("matsubara", "coordinator", {}, {}, None),
    ("matsubara", "joined", {}, {}, "第10条"),
    ("matsubara", "coordinator", {"copy_given": False}, {}, "第10条"),
    ("iwakuni", "coordinator", {}, {}, None),
    ("iwakuni", "coordinator", {"copy_given": False}, {}, "第14条"),
]


@pytest.mark.parametrize(("variant", "who", "extra", "patient_fields", "blocked_by"), CASES)
def test_record_consent_asks_the_policy(site_for, variant, who, extra, patient_fields, blocked_by):
    site = site_for(variant)
    fields = dict(patient_fields)
    if fields.pop("leader", False):
        fields["group_leader"] = site.coordinator_staff
    patient = site.patient(**fields)
    if who == "joined":
        # Another facility on the care team (a group member): may see and record, but is not the obtainer.
        CareTeam.objects.create(patient=patient, facility=site.other, reason=CareTeamReason.GROUP)
        user = site.stranger
    else:
        user = getattr(site, who)
    if blocked_by is None:
        consent = record(site, patient, by=user, **extra)
        assert consent.pdf_snapshot and consent.template.version == 1
    else:
        with pytest.raises(ValidationError) as raised:
            record(site, patient, by=user, **extra)
        assert any(blocked_by in message for message in raised.value.messages)


def test_matsubara_without_family_is_recorded_with_its_warning_kept(site_for):
    site = site_for("matsubara")
    consent = record(site, site.patient(), family_signers=[])
    assert [w["rule"] for w in consent.warnings] == ["CNS-FAMILY"]
    assert consent.warnings[0]["article"] == "様式3"


def test_the_roles_facts_are_kept_on_the_record(site_for):
    site = site_for("chuo")
    consent = record(site, site.patient(group_leader=site.coordinator_staff))
    assert (consent.by_group_leader, consent.by_origin_facility, consent.by_primary_doctor) == (True, True, False)
    assert consent.obtainer_facility == site.clinic


def test_delegate_needs_a_doctor_to_name(site_for):
    site = site_for("musashimurayama")
    with pytest.raises(ValidationError) as raised:
        record(site, site.patient(primary_doctor=None), by_doctor_delegate=True)
    assert "by_doctor_delegate" in raised.value.message_dict


def test_someone_outside_the_care_team_cannot_record(site_for):
    site = site_for("iwakuni")
    with pytest.raises(ValidationError, match="関わる事業所"):
        record(site, site.patient(), by=site.stranger)


def test_no_consent_for_a_patient_no_longer_in_care(site_for):
    site = site_for("iwakuni")
    patient = site.patient(status=PatientStatus.DECEASED, status_on=datetime.date(2025, 1, 1))
    with pytest.raises(ValidationError, match="療養中の患者だけ"):
        record(site, patient)


def test_no_consent_dated_in_the_future(site_for):
    site = site_for("iwakuni")
    with pytest.raises(ValidationError):
        record(site, site.patient(), signed_on=datetime.date.today() + datetime.timedelta(days=2))


@pytest.mark.parametrize("variant", PRIOR_COUNTS)
def test_prior_consent_where_the_policy_counts_it(site_for, variant):
    site = site_for(variant)
    patient = site.patient(group_leader=site.coordinator_staff)
    consent = record(site, patient, is_prior=True, family_signers=[], copy_given=False)
    assert consent.is_prior and consent.template is None and not consent.pdf_snapshot


@pytest.mark.parametrize("variant", PRIOR_REFUSED)
def test_no_prior_consent_where_the_policy_does_not_count_it(site_for, variant):
    site = site_for(variant)
    with pytest.raises(ValidationError) as raised:
        record(site, site.patient(group_leader=site.coordinator_staff), is_prior=True)
    assert "以前に交わした同意は認められていません" in raised.value.message_dict["is_prior"][0]


def test_the_record_keeps_the_version_signed_after_a_new_one_is_published(site_for):
    site = site_for("iwakuni")
    patient = site.patient()
    first = record(site, patient)
    draft = services.consent_template_draft(program=site.program, by=site.secretariat)
    services.consent_template_update(
        template=draft, by=site.secretariat, preamble="新しい前文", clauses=["新しい説明"],
        purposes=draft.purposes, agreement=draft.agreement,
    )
    services.consent_template_publish(template=draft, by=site.secretariat)
    first.refresh_from_db()
    assert first.template.version == 1
    assert hashlib.sha256(first.pdf_snapshot).hexdigest() == first.pdf_sha256
    assert record(site, patient).template.version == 2


# --- Withdrawal and scans ----------------------------------------------------------------


def test_withdrawal_marks_the_record_and_keeps_it(site_for):
    site = site_for("matsubara")
    consent = record(site, site.patient())
    services.consent_withdraw(record=consent, by=site.coordinator, withdrawn_on=datetime.date(2025, 6, 1), note="電話")
    consent.refresh_from_db()
    assert consent.is_withdrawn and consent.withdrawal_received_by == site.coordinator
    assert consent.pdf_snapshot  # nothing of the record is lost
    with pytest.raises(ValidationError, match="撤回を受け付けています"):
        services.consent_withdraw(record=consent, by=site.coordinator, withdrawn_on=datetime.date(2025, 6, 2))


def test_withdrawal_cannot_predate_the_consent(site_for):
    site = site_for("matsubara")
    consent = record(site, site.patient(), signed_on=datetime.date(2025, 4, 1))
    with pytest.raises(ValidationError) as raised:
        services.consent_withdraw(record=consent, by=site.coordinator, withdrawn_on=datetime.date(2025, 3, 1))
    assert raised.value.message_dict["withdrawn_on"] == ["撤回日は同意日以降の日付にしてください。"]
    # The same day is allowed, as the message says.
    services.consent_withdraw(record=consent, by=site.coordinator, withdrawn_on=datetime.date(2025, 4, 1))


@pytest.mark.parametrize(("content", "content_type"), [(PDF, "application/pdf"), (PNG, "image/png"),
                                                        (JPEG, "image/jpeg")])
def test_scans_are_accepted_by_content_and_stored_under_a_random_name(site_for, settings, content, content_type):
    site = site_for("iwakuni")
    scan = SimpleUploadedFile("山田太郎の同意書.bin", content)
    consent = record(site, site.patient(), scan=scan)
    assert consent.scan_content_type == content_type
    assert consent.scan_sha256 == hashlib.sha256(content).hexdigest()
    assert "山田" not in consent.scan.name
    assert consent.scan.path.startswith(str(settings.MEDIA_ROOT))


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"GIF89a" + b"\0" * 10, "PDF、JPEG、PNG"), (b"%PDF-" + b"\0" * (5 * 1024 * 1024), "5MB以下")],
)
def test_other_files_and_big_files_are_refused(site_for, content, message):
    site = site_for("iwakuni")
    with pytest.raises(ValidationError, match=message):
        record(site, site.patient(), scan=SimpleUploadedFile("scan.pdf", content))


def test_a_scan_can_be_attached_later_but_never_replaced(site_for):
    site = site_for("iwakuni")
    consent = record(site, site.patient())
    services.consent_scan_attach(record=consent, by=site.coordinator, scan=SimpleUploadedFile("a.png", PNG))
    with pytest.raises(ValidationError, match="すでに添付"):
        services.consent_scan_attach(record=consent, by=site.coordinator, scan=SimpleUploadedFile("b.png", PNG))


# --- Templates ---------------------------------------------------------------------------


@pytest.mark.parametrize("variant", VARIANTS)
def test_version_one_follows_the_variant(variant):
    program = ProgramFactory(variant=variant)
    template = services.consent_template_current(program)
    form = program.policy.form("consent")
    assert (template.form_number, template.form_title, template.version) == (form.number, form.title, 1)
    if program.policy.consent_text is not None:  # the policy's own form, word for word
        assert template.clauses == list(program.policy.consent_text["clauses"])
    elif program.policy.consent_custody_for_patient:  # our model text tells the patient who keeps the form
        assert program.policy.consent_custody_for_patient in template.clauses
    else:  # the policy says nothing about the paper: neither does the form (and no staff note leaks in)
        assert not any("同意書" in clause and "扱い" in clause for clause in template.clauses)
    assert not any(program.policy.consent_custody in clause for clause in template.clauses)
    assert services.consent_template_current(program) == template
    target = any("訪問診療・往診を受けている患者さん" in clause for clause in template.clauses)
    assert target == (variant == "kumagaya")  # only kumagaya's 第3条 limits the patients shared


def test_draft_edit_publish_and_then_immutable(site_for):
    site = site_for("chuo")
    draft = services.consent_template_draft(program=site.program, by=site.secretariat)
    assert draft.version == 2 and not draft.is_published
    assert services.consent_template_draft(program=site.program, by=site.secretariat) == draft
    services.consent_template_update(template=draft, by=site.secretariat, preamble="前文", clauses=["一"],
                                     purposes=[{"heading": "見出し", "items": ["項目"]}], agreement="同意します。")
    published = services.consent_template_publish(template=draft, by=site.secretariat)
    assert published.published_by == site.secretariat and published.is_published
    with pytest.raises(ValidationError):
        services.consent_template_update(template=published, by=site.secretariat, preamble="x", clauses=["x"],
                                         purposes=[], agreement="x")
    with pytest.raises(ValidationError):
        services.consent_template_publish(template=published, by=site.secretariat)
    assert services.consent_template_current(site.program) == published
    assert services.consent_template_draft(program=site.program, by=site.secretariat).version == 3


def test_the_template_history_records_who_drafted_edited_and_published(site_for):
    site = site_for("chuo")
    draft = services.consent_template_draft(program=site.program, by=site.secretariat)
    services.consent_template_update(template=draft, by=site.secretariat, preamble="前文", clauses=["一"],
                                     purposes=[{"heading": "見出し", "items": ["項目"]}], agreement="同意します。")
    services.consent_template_publish(template=draft, by=site.secretariat)
    rows = list(draft.history.order_by("history_id").values_list("history_type", "history_user"))
    assert rows == [("+", site.secretariat.pk), ("~", site.secretariat.pk), ("~", site.secretariat.pk)]


def test_patient_and_consent_history_record_who(site_for):
    site = site_for("chuo")
    patient = register(site, group_leader=site.coordinator_staff)
    consent = record(site, patient)
    services.consent_withdraw(record=consent, by=site.doctor_user, withdrawn_on=datetime.date(2025, 5, 1))
    assert set(patient.history.values_list("history_user", flat=True)) == {site.coordinator.pk}
    assert list(consent.history.order_by("history_id").values_list("history_user", flat=True)) == [
        site.coordinator.pk, site.doctor_user.pk,
    ]


def test_access_log_keeps_a_short_user_agent(site_for):
    site = site_for("chuo")
    row = services.access_log_append(user=site.coordinator, patient=site.patient(), action="view_page",
                                     ip="192.0.2.1", user_agent="x" * 500)
    assert len(row.user_agent) == 200 and row.ip == "192.0.2.1"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_first_uses_at_once_create_one_version():
    program = ProgramFactory(variant="iwakuni")
    barrier = threading.Barrier(2)
    results, errors = [], []

    def first_use():
        try:
            barrier.wait()
            results.append(services.consent_template_current(program).pk)
        except Exception as error:  # reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=first_use) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert len(set(results)) == 1
    assert ConsentTemplate.objects.filter(program=program).count() == 1

