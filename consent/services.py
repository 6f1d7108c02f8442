"""Every write of the consent app: patients, consent templates and records, the access log.

Keyword-only, atomic, saved with core.services.save_with_history (full_clean, and `by` in the
history row); consent asks the policy engine first.
"""

import hashlib
import uuid

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from core.services import move_status, policy_check, save_with_history
from facilities.models import Program, role_facility_ids

from . import scans
from .defaults import default_template_fields
from .models import (
    STATUS_TRANSITIONS,
    AccessLog,
    CareTeam,
    CareTeamReason,
    ConsentRecord,
    ConsentTemplate,
    ErasureRecord,
    Patient,
    PatientStatus,
)
from .pdfs import consent_pdf

# --- Consent templates -------------------------------------------------------------------


def _latest_published(program):
    return ConsentTemplate.objects.published().filter(program=program).order_by("-version").first()


@transaction.atomic
def consent_template_current(program):
    """The version to sign now; the first use in a program publishes our default as version 1."""
    template = _latest_published(program)
    if template is not None:
        return template
    # Lock the program row so two first uses at once create one version 1, not a conflict.
    Program.objects.select_for_update().filter(pk=program.pk).first()
    template = _latest_published(program)
    if template is None:
        template = ConsentTemplate(
            program=program, version=1, published_at=timezone.now(), **default_template_fields(program)
        )
        save_with_history(template, None)  # our default, published by nobody in particular
    return template


@transaction.atomic
def consent_template_draft(*, program, by):
    """The program's draft of the next version, started from the current one if there is none yet."""
    draft = ConsentTemplate.objects.drafts().filter(program=program).first()
    if draft is not None:
        return draft
    current = consent_template_current(program)
    Program.objects.select_for_update().filter(pk=program.pk).first()
    draft = ConsentTemplate.objects.drafts().filter(program=program).first()
    if draft is not None:
        return draft
    form = program.policy.form("consent")
    last = ConsentTemplate.objects.filter(program=program).aggregate(v=Max("version"))["v"] or 0
    draft = ConsentTemplate(
        program=program, version=last + 1,
        form_number=form.number if form else current.form_number,
        form_title=form.title if form else current.form_title,
        preamble=current.preamble, clauses=list(current.clauses), purposes=list(current.purposes),
        agreement=current.agreement,
    )
    return save_with_history(draft, by)


@transaction.atomic
def consent_template_update(*, template, by, preamble, clauses, purposes, agreement):
    template = ConsentTemplate.objects.select_for_update().get(pk=template.pk)
    if template.is_published:
        raise ValidationError("公開済みの版は変更できません。新しい版を作ってください。")
    template.preamble, template.clauses, template.purposes, template.agreement = preamble, clauses, purposes, agreement
    return save_with_history(template, by)


@transaction.atomic
def consent_template_publish(*, template, by):
    template = ConsentTemplate.objects.select_for_update().get(pk=template.pk)
    if template.is_published:
        raise ValidationError("この版はすでに公開されています。")
    template.full_clean()  # what is published must be valid as it stands
    template.published_at = timezone.now()
    template.published_by = by
    return save_with_history(template, by)


# --- Patients ----------------------------------------------------------------------------

_CARE_REASONS = (("origin_facility", CareTeamReason.ORIGIN), ("primary_doctor", CareTeamReason.DOCTOR),
                 ("group_leader", CareTeamReason.LEADER))


def _facility_of(patient, attribute):
    if attribute == "origin_facility":
        return patient.origin_facility_id
    staff = getattr(patient, attribute)
    return staff.facility_id if staff is not None else None


def _add_care_team(patient):
    """Registration and updates only ever add involved facilities: removing one is a group's decision."""
    for attribute, reason in _CARE_REASONS:
        facility_id = _facility_of(patient, attribute)
        if facility_id is not None:
            care_team_add(patient=patient, facility_id=facility_id, reason=reason)


def care_team_add(*, patient, facility_id, reason):
    """Involve a facility in the patient's care (idempotent): its roles may then see the patient.

    Keeps whatever reason the facility was involved for already.
    """
    CareTeam.objects.get_or_create(patient=patient, facility_id=facility_id, defaults={"reason": reason})


@transaction.atomic
def patient_register(*, program, by, **fields):
    patient = Patient(program=program, registered_by=by, status=PatientStatus.ACTIVE, **fields)
    patient.full_clean()
    if not set(patient.involved_facility_ids()) & role_facility_ids(by):
        raise ValidationError(
            "あなたの事業所が、連携元事業所・主治医の所属・連携リーダーの所属のどれにも当たりません。"
            "患者を担当する事業所から登録してください。"
        )
    save_with_history(patient, by)
    _add_care_team(patient)
    # The prefilled form printed next must be a version that exists, so it can be recorded as signed.
    consent_template_current(program)
    return patient


@transaction.atomic
def patient_update(*, patient, by, **fields):
    patient = Patient.objects.select_for_update().get(pk=patient.pk)
    if ErasureRecord.objects.filter(patient=patient).exists():
        raise ValidationError("この患者の個人情報は消去されています。変更できません。")
    status = fields.pop("status", patient.status)
    for name, value in fields.items():
        setattr(patient, name, value)
    if status != patient.status:
        try:
            move_status(patient, status, STATUS_TRANSITIONS, "患者")
        except ValidationError as error:
            raise ValidationError({"status": error.messages}) from error
    save_with_history(patient, by)
    _add_care_team(patient)
    return patient


# --- Consent records ---------------------------------------------------------------------


def obtainer_roles(*, patient, user, by_doctor_delegate=False):
    """The role facts of record_consent, from who the user is relative to the patient."""
    doctor, leader = patient.primary_doctor, patient.group_leader
    return {
        "by_primary_doctor": doctor is not None and doctor.user_id == user.pk,
        "by_doctor_delegate": bool(by_doctor_delegate) and doctor is not None,
        "by_origin_facility": patient.origin_facility_id in role_facility_ids(user),
        "by_group_leader": leader is not None and leader.user_id == user.pk,
    }


def obtainer_facility_id(*, patient, user):
    """The facility the user acts for: the origin facility if they work there, else another involved one."""
    mine = role_facility_ids(user)
    if patient.origin_facility_id in mine:
        return patient.origin_facility_id
    involved = CareTeam.objects.filter(patient=patient, facility_id__in=mine).order_by("pk")
    return involved.values_list("facility_id", flat=True).first()


def _store_scan(record, scan):
    sniffed = scans.sniff(scan)
    error = scans.scan_error(scan)
    if error:
        raise ValidationError({"scan": error})
    content_type, extension = sniffed
    record.scan_sha256 = scans.sha256(scan)
    record.scan_content_type = content_type
    # A random name: the patient's name never reaches the file system.
    record.scan.save(f"{uuid.uuid4().hex}.{extension}", scan, save=False)


@transaction.atomic
def consent_record(
    *, patient, by, signed_on, template=None, patient_signed=True, family_signers=(), proxy_name="",
    proxy_relationship="", by_doctor_delegate=False, doctor_deems_necessary=False, original_kept_at,
    copy_given, is_prior=False, scan=None,
):
    """Record a signed consent (or, where the policy accepts it, one obtained before the portal)."""
    program = patient.program
    policy = program.policy
    if patient.status != PatientStatus.ACTIVE:
        raise ValidationError(f"この患者は「{patient.get_status_display()}」です。療養中の患者だけ同意を記録できます。")
    if by_doctor_delegate and patient.primary_doctor is None:
        raise ValidationError({"by_doctor_delegate": "主治医が登録されていないため、指示を受けた取得は選べません。"})
    facility_id = obtainer_facility_id(patient=patient, user=by)
    if facility_id is None:
        raise ValidationError("この患者に関わる事業所の職員だけが同意を記録できます。")
    roles = obtainer_roles(patient=patient, user=by, by_doctor_delegate=by_doctor_delegate)
    target = {"home_visit": patient.doctor_visits_home, "doctor_deems_necessary": doctor_deems_necessary}
    family = [dict(member) for member in family_signers]
    if is_prior:
        if not policy.prior_consent_counts:
            raise ValidationError(
                {"is_prior": f"「{policy.policy_title}」では、以前に交わした同意は認められていません。"
                             f"{policy.form('consent')}を新たに取り交わしてください。"}
            )
        # The earlier paper was not ours, so only the rule about which patients may be shared applies.
        warnings = policy_check(program, "record_consent", target)
        template = None
    else:
        facts = {**roles, **target, "copy_given": copy_given, "family_signers": len(family)}
        warnings = policy_check(program, "record_consent", facts)
        template = template or consent_template_current(program)
    record = ConsentRecord(
        patient=patient, template=template, signed_on=signed_on, is_prior=is_prior, patient_signed=patient_signed,
        family_signers=family, proxy_name=proxy_name, proxy_relationship=proxy_relationship,
        obtained_by=by, obtainer_facility_id=facility_id, doctor_deems_necessary=doctor_deems_necessary,
        original_kept_at=original_kept_at, copy_given=copy_given, warnings=warnings, **roles,
    )
    record.full_clean(exclude=["scan"])
    if signed_on > timezone.localdate():
        raise ValidationError({"signed_on": "同意日に未来の日付は入れられません。"})
    if template is not None:
        record.pdf_snapshot = consent_pdf(program=program, record=record)
        record.pdf_sha256 = hashlib.sha256(record.pdf_snapshot).hexdigest()
    if scan is not None:
        _store_scan(record, scan)
    _save_or_drop_scan(record, by)
    return record


def _save_or_drop_scan(record, by):
    """The scan's file is written before its row: if the row cannot be saved, the file goes too,
    so that no signed paper is left on disk that no record (and no erasure) can find."""
    record._history_user = by
    try:
        record.save()
    except BaseException:
        if record.scan:
            record.scan.storage.delete(record.scan.name)
        raise


@transaction.atomic
def consent_scan_attach(*, record, by, scan):
    """Attach the scan of the signed paper later; a scan once attached is evidence and stays."""
    record = ConsentRecord.objects.select_for_update().get(pk=record.pk)
    if record.scan:
        raise ValidationError({"scan": "スキャンはすでに添付されています。"})
    _store_scan(record, scan)
    _save_or_drop_scan(record, by)
    return record


@transaction.atomic
def consent_withdraw(*, record, by, withdrawn_on, note=""):
    """同意撤回: the record stays, marked withdrawn, with who received the withdrawal and when."""
    record = ConsentRecord.objects.select_for_update().get(pk=record.pk)
    if record.is_withdrawn:
        raise ValidationError("この同意はすでに撤回されています。")
    if withdrawn_on > timezone.localdate():
        raise ValidationError({"withdrawn_on": "撤回日に未来の日付は入れられません。"})
    if withdrawn_on < record.signed_on:
        raise ValidationError({"withdrawn_on": "撤回日は同意日より後の日付にしてください。"})
    record.withdrawn_on = withdrawn_on
    record.withdrawal_received_by = by
    record.withdrawal_note = note
    return save_with_history(record, by, exclude=["scan", "pdf_snapshot"])


# --- Access log --------------------------------------------------------------------------


def access_log_append(*, user, patient, action, consent=None, ip=None, user_agent=""):
    """One row per view of a patient's data. Never updated or deleted (a trigger enforces it)."""
    return AccessLog.objects.create(
        user=user, patient=patient, consent=consent, action=action, ip=ip or None, user_agent=user_agent[:200]
    )
