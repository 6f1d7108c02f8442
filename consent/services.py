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

from core.services import already_done, move_status, policy_check, save_with_history
from core.wareki import wareki
from facilities.access import is_secretariat
from facilities.models import Program, role_facility_ids

from . import scans
from .care import care_team_end_groups, care_team_follow_patient
from .defaults import default_template_fields
from .hooks import sharing_stopped
from .models import (
    STATUS_TRANSITIONS,
    AccessAction,
    AccessLog,
    CareTeam,
    ConsentRecord,
    ConsentTemplate,
    ErasureRecord,
    Patient,
    PatientStatus,
)
from .pdfs import consent_pdf
from .reconsent import reconsent_close

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

class PossibleDuplicate(ValidationError):
    """Patients of the program with the same カナ (or 氏名) and 生年月日: `visible` those the user may
    see, `hidden` how many others exist (whom to ask, never what they hold)."""

    def __init__(self, *, visible, hidden):
        self.visible, self.hidden = visible, hidden
        message = "同じカナ（または氏名）と生年月日の患者がすでに登録されています。"
        if hidden:
            message += f"あなたが見られない記録が{hidden}件あります。担当の事業所か事務局に確認してください。"
        message += "同じ人なら既存の記録を使ってください。別の人なら、理由を書いて「別の人として登録する」を選んでください。"
        super().__init__({"distinct_reason": message})


def _refuse_silent_duplicate(patient, by, distinct_reason):
    same = Patient.objects.same_person_as(
        program=patient.program, full_name=patient.full_name, kana=patient.full_name_kana, birth_date=patient.birth_date
    )
    if distinct_reason.strip() or not same.exists():
        return
    visible = list(same.visible_to(by).order_by("pk"))
    raise PossibleDuplicate(visible=visible, hidden=same.count() - len(visible))


@transaction.atomic
def patient_register(*, program, by, distinct_reason="", **fields):
    """Register a patient. One who may already be registered (same カナ or 氏名 and 生年月日) is
    refused until the user says, with a reason, that this is another person."""
    patient = Patient(
        program=program, registered_by=by, status=PatientStatus.ACTIVE, distinct_reason=distinct_reason.strip(),
        **fields,
    )
    patient.full_clean()
    if not set(patient.involved_facility_ids()) & role_facility_ids(by):
        raise ValidationError(
            "あなたの事業所が、連携元事業所・主治医の所属・連携リーダーの所属のどれにも当たりません。"
            "患者を担当する事業所から登録してください。"
        )
    _refuse_silent_duplicate(patient, by, distinct_reason)
    save_with_history(patient, by)
    care_team_follow_patient(patient=patient, by=by)
    # The prefilled form printed next must be a version that exists, so it can be recorded as signed.
    consent_template_current(program)
    return patient


CARE_FIELDS = ("origin_facility", "primary_doctor", "group_leader")


def care_change_facts(*, patient, user):
    """The change_patient_care facts: who the user is to the patient (before the change)."""
    return {**obtainer_roles(patient=patient, user=user), "by_secretariat": is_secretariat(user, patient.program)}


@transaction.atomic
def patient_update(*, patient, by, ip=None, user_agent="", **fields):
    """Change a patient's details. Who may change 連携元・主治医・リーダー is the engine's question;
    every change is logged with who, when and which fields (never the values)."""
    patient = Patient.objects.select_for_update().get(pk=patient.pk)
    if ErasureRecord.objects.filter(patient=patient).exists():
        raise ValidationError("この患者の個人情報は消去されています。変更できません。")
    old_status = patient.status
    status = fields.pop("status", patient.status)
    changed = [f.name for f in Patient._meta.fields if f.name in fields and getattr(patient, f.name) != fields[f.name]]
    if set(changed) & set(CARE_FIELDS):
        policy_check(patient.program, "change_patient_care", care_change_facts(patient=patient, user=by))
    for name in changed:
        setattr(patient, name, fields[name])
    if status != old_status:
        try:
            move_status(patient, status, STATUS_TRANSITIONS, "患者")
        except ValidationError as error:
            raise ValidationError({"status": error.messages}) from error
        changed.append("status")
    if not changed:
        return patient
    save_with_history(patient, by)
    care_team_follow_patient(patient=patient, by=by)
    labels = [str(f.verbose_name) for f in Patient._meta.fields if f.name in changed]
    access_log_append(user=by, patient=patient, action=AccessAction.CHANGE, fields="、".join(labels),
                      ip=ip, user_agent=user_agent)
    if old_status == PatientStatus.ACTIVE and patient.status != PatientStatus.ACTIVE:
        # Care ended: group members lose the patient now; the 連携元, the doctor's and the leader's
        # facilities keep it, to archive the groups (docs/decisions/0012-when-care-ends.md). Coming
        # back to 療養中 gives nothing back by itself: the groups' managers restore or re-invite.
        patient.care_team_ended = care_team_end_groups(
            patient=patient, by=by, note=f"{patient.get_status_display()}（{wareki(patient.status_on)}）"
        )
        patient.sharing_tasks = sum(sharing_stopped.call(patient=patient, by=by, why=patient.get_status_display()))
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
    involved = CareTeam.objects.current().filter(patient=patient, facility_id__in=mine).order_by("pk")
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
    """Record a signed consent (or, where the policy accepts it, one obtained before the portal).

    The same paper sent twice (a double click, Back and send again, two tabs) is recorded once:
    one recording at a time per patient (the patient's row is locked), and a consent in force of
    the same day and kind is returned as it is, marked `repeated`."""
    Patient.objects.select_for_update().filter(pk=patient.pk).first()
    version = None if is_prior else template or consent_template_current(patient.program)
    same = ConsentRecord.objects.filter(
        patient=patient, signed_on=signed_on, is_prior=is_prior, withdrawn_on__isnull=True, template=version,
    ).defer("pdf_snapshot").select_related("obtained_by").order_by("-pk").first()
    if same is not None:
        same.repeated = True
        return same
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
    reconsent_close(record)
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
        raise already_done("この同意", record.withdrawn_on, record.withdrawal_received_by, "撤回を受け付けています")
    if withdrawn_on > timezone.localdate():
        raise ValidationError({"withdrawn_on": "撤回日に未来の日付は入れられません。"})
    if withdrawn_on < record.signed_on:
        raise ValidationError({"withdrawn_on": "撤回日は同意日以降の日付にしてください。"})
    record.withdrawn_on = withdrawn_on
    record.withdrawal_received_by = by
    record.withdrawal_note = note
    save_with_history(record, by, exclude=["scan", "pdf_snapshot"])
    record.sharing_tasks = 0
    if not ConsentRecord.objects.filter(patient=record.patient_id).valid().exists():
        # No consent in force any more: stop sharing (MCS tasks for the responsible facility).
        record.sharing_tasks = sum(sharing_stopped.call(patient=record.patient, by=by, why="同意撤回"))
    return record


# --- Access log --------------------------------------------------------------------------


def access_log_append_many(*, user, patient_ids, action, ip=None, user_agent=""):
    """One row per patient a list or dashboard showed (by name), in one statement."""
    AccessLog.objects.bulk_create([
        AccessLog(user=user, patient_id=pk, action=action, ip=ip or None, user_agent=user_agent[:200])
        for pk in sorted(set(patient_ids) - {None})
    ])


def access_log_append(*, user, patient, action, consent=None, ip=None, user_agent="", fields=""):
    """One row per view of a patient's data. Never updated or deleted (a trigger enforces it)."""
    return AccessLog.objects.create(
        user=user, patient=patient, consent=consent, action=action, ip=ip or None, user_agent=user_agent[:200],
        fields=fields[:300],
    )
