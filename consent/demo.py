"""Demo patients and consent records for one demo program (called by demo's seed_demo, idempotent).

The patients are obviously fictional (見本, 試験, 仮名). They go through the services, so the
demo data obeys the same rules, and their consent PDFs are real.
"""

import datetime

from core.pdf import JapaneseFontMissing
from facilities.models import JobType, Role, RoleKind, Staff

from . import services
from .models import Gender, Patient

# (name, kana, birth date, gender, visits at home, consent: None, "signed" or "withdrawn")
PATIENTS = (
    ("見本 太郎", "ミホン タロウ", datetime.date(1938, 6, 12), Gender.MALE, True, "signed"),
    ("試験 花子", "シケン ハナコ", datetime.date(1944, 11, 3), Gender.FEMALE, True, "withdrawn"),
    ("仮名 一郎", "カメイ イチロウ", datetime.date(1951, 2, 28), Gender.MALE, True, None),
)
CLINIC = 1  # demo.data.FACILITIES: ひだまり在宅クリニック, where the demo coordinator works


def seed(program, *, facilities, stdout=None):
    """Create this app's demo rows for `program`; return lines to print."""
    clinic = facilities[CLINIC]
    role = Role.objects.filter(facility=clinic, kind=RoleKind.COORDINATOR).select_related("user").first()
    if role is None:
        return []
    coordinator = role.user
    doctor = Staff.objects.filter(facility=clinic, job=JobType.DOCTOR).first()
    leader = Staff.objects.filter(facility=clinic, user=coordinator).first()
    town = clinic.address
    created = 0
    for index, (name, kana, born, gender, home, consent) in enumerate(PATIENTS):
        if Patient.objects.filter(program=program, full_name_kana=kana, birth_date=born).exists():
            continue
        patient = services.patient_register(
            program=program, by=coordinator, full_name=name, full_name_kana=kana, birth_date=born, gender=gender,
            postal_code=clinic.postal_code, address=f"{town}-{index + 1}（架空）", phone="",
            origin_facility=clinic, primary_doctor=doctor, group_leader=leader, doctor_visits_home=home,
        )
        created += 1
        if consent is None:
            continue
        try:
            record = services.consent_record(
                patient=patient, by=coordinator, signed_on=datetime.date(2025, 5, 1 + index),
                family_signers=[{"name": f"{name.split()[0]} 次郎", "relationship": "長男", "address": patient.address}],
                by_doctor_delegate="doctor_delegate" in program.policy.consent_obtainer_roles,
                original_kept_at=clinic.name, copy_given=True,
            )
        except JapaneseFontMissing:
            return [f"{program.name}: 日本語フォントがないため、デモの同意の記録を作りませんでした。"]
        if consent == "withdrawn":
            services.consent_withdraw(
                record=record, by=coordinator, withdrawn_on=datetime.date(2025, 9, 1), note="家族から電話で申出（デモ）"
            )
    return [f"{program.name}: デモの患者 {created}人を追加しました。"] if created else []
