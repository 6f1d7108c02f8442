"""A patient's erasure request (完全削除の依頼): their personal data scrubbed everywhere, in one transaction.

What goes: the patient's name, reading, birth date, gender, postal code, address and phone;
the family's and proxy's names and addresses on the consent records; the PDF snapshots and
the scans of the signed paper; and every copy of these in the history tables. What stays,
so that the portal can still say what happened: the rows themselves (numbers, dates, who
recorded or withdrew a consent, the care team), the access log (ids only: it never held a
name) and an ErasureRecord saying who erased, when and why.

Group memberships (and whatever the groups app copied) are ended by the receiver of
consent.hooks.patient_erased. Files are deleted only after the commit, so a rollback never leaves a row
pointing at a file that is gone.
"""

import datetime
import unicodedata
from functools import partial

from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from core.services import policy_check, save_with_history
from core.text import nfkc
from facilities.access import is_secretariat

from . import hooks
from .models import ConsentRecord, ErasureRecord, Gender, Patient, PatientStatus, kana_key

ERASED = "（消去済み）"
ERASED_KANA = "ショウキョズミ"
# Birth date cannot be empty (the model needs one): a date nobody living has.
ERASED_BIRTH_DATE = datetime.date(1900, 1, 1)
REDACTED = "＊＊"  # never longer than what it replaces (two characters at least)

PATIENT_FIELDS = {
    "full_name": ERASED, "full_name_kana": ERASED_KANA, "kana_key": kana_key(ERASED_KANA),
    "birth_date": ERASED_BIRTH_DATE, "gender": Gender.OTHER, "postal_code": "", "address": ERASED, "phone": "",
}


def personal_strings(patient, records=()):
    """Every piece of the patient's (and family's) personal data that free text might repeat."""
    values = [patient.full_name, patient.full_name_kana, patient.kana_key, patient.address, patient.phone]
    for record in records:
        values += [record.proxy_name]
        for member in record.family_signers or []:
            values += [member.get("name", ""), member.get("address", "")]
    found = set()
    for value in values:
        value = nfkc(value)
        if len(value) >= 2:
            found |= {value, value.replace(" ", "")}
    # Longest first, so a full name is replaced before the surname inside it.
    return sorted(found, key=len, reverse=True)


def redact(text, secrets):
    """`text` with every personal string replaced; None and '' stay as they are."""
    if not text:
        return text
    normal = unicodedata.normalize("NFKC", text)  # full-width spaces and letters, as the secrets are kept
    if not any(secret in normal for secret in secrets):
        return text
    for secret in secrets:
        normal = normal.replace(secret, REDACTED)
    return normal


def _scrub_record(record, secrets):
    """The consent fields that name people, scrubbed; who recorded it, when and on what stay."""
    # A placeholder rather than '': the constraints still need to see a proxy where there was one.
    record.family_signers = [{"name": ERASED, "relationship": "", "address": ""} for _ in record.family_signers or []]
    record.proxy_name = ERASED if record.proxy_name else ""
    record.proxy_relationship = redact(record.proxy_relationship, secrets)
    record.withdrawal_note = ERASED if record.withdrawal_note else ""
    record.original_kept_at = redact(record.original_kept_at, secrets)
    record.scan, record.scan_content_type = "", ""


def _scrub_history(model, ids, fields, secrets):
    """Update every history row of `ids` in place: the history must not keep what the live row lost."""
    rows = model.history.filter(id__in=ids)
    count = 0
    for row in rows:
        changes = fields(row) if callable(fields) else dict(fields)
        changes["history_change_reason"] = redact(row.history_change_reason, secrets)
        count += rows.model.objects.filter(pk=row.pk).update(**changes)
    return count


def _record_history_fields(secrets):
    def fields(row):
        _scrub_record(row, secrets)
        names = ("family_signers", "proxy_name", "proxy_relationship", "withdrawal_note", "original_kept_at",
                 "scan", "scan_content_type")
        return {name: getattr(row, name) for name in names}

    return fields


def _delete_files(storage, names):
    for name in names:
        storage.delete(name)


def _check(program, by):
    facts = {"via_secretariat": is_secretariat(by, program)}
    policy_check(program, "request_deletion", facts)
    if not facts["via_secretariat"]:
        # The portal's own rule where the policy says nothing: erasing is the secretariat's job.
        raise ValidationError("患者情報の消去は、事務局だけが行えます。")


@transaction.atomic
def patient_erase(*, patient, by, reason, requested_on=None):
    """Erase the patient's personal data on their (or their family's) request; the ErasureRecord."""
    patient = Patient.objects.select_for_update().select_related("program").get(pk=patient.pk)
    program = patient.program
    _check(program, by)
    if ErasureRecord.objects.filter(patient=patient).exists():
        raise ValidationError("この患者の情報はすでに消去されています。")
    requested_on = requested_on or timezone.localdate()
    if requested_on > timezone.localdate():
        raise ValidationError({"requested_on": "申出を受けた日に未来の日付は入れられません。"})

    memberships = sum(hooks.patient_erased.call(patient=patient, by=by))

    records = list(ConsentRecord.objects.select_for_update().filter(patient=patient).order_by("pk"))
    secrets = personal_strings(patient, records)
    reason = redact((reason or "").strip(), secrets)
    if not reason:
        raise ValidationError({"reason": "申出の内容・消去の理由を書いてください。"})
    record_ids = [r.pk for r in records]
    storage = ConsentRecord._meta.get_field("scan").storage
    files = {r.scan.name for r in records if r.scan}
    files |= {name for name in ConsentRecord.history.filter(id__in=record_ids).values_list("scan", flat=True) if name}

    for record in records:
        _scrub_record(record, secrets)
        record.pdf_snapshot = b""
        save_with_history(record, by, exclude=["scan", "pdf_snapshot"])

    for name, value in PATIENT_FIELDS.items():
        setattr(patient, name, value)
    if patient.status == PatientStatus.ACTIVE:
        patient.status, patient.status_on = PatientStatus.ENDED, timezone.localdate()
    save_with_history(patient, by)

    history_rows = _scrub_history(Patient, [patient.pk], PATIENT_FIELDS, secrets)
    history_rows += _scrub_history(ConsentRecord, record_ids, _record_history_fields(secrets), secrets)
    # The admin's own log names the object it changed (str(patient) is the name).
    LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Patient), object_id=str(patient.pk)
    ).update(object_repr=f"患者 {patient.pk}{ERASED}")

    erasure = ErasureRecord(
        patient=patient, program=program, requested_on=requested_on, reason=reason, erased_by=by,
        consents_scrubbed=len(records), history_rows_scrubbed=history_rows, files_deleted=len(files),
        memberships_ended=memberships,
    )
    save_with_history(erasure, by)
    transaction.on_commit(partial(_delete_files, storage, sorted(files)))
    return erasure
