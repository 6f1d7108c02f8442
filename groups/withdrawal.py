"""A facility's withdrawal (退会) as the secretariat works through it: its patients first, then
the facility itself (facilities.life.facility_withdraw), all in one transaction.

Every patient whose 連携元 the facility is, is either handed over to another facility of the
program (chosen per patient: the patient's 連携元 changes, and the groups the facility ran move
to the new facility with a task to name a new administrator in MCS) or archived (the groups the
facility ran go to 保管). groups sits above consent and facilities, so it can do both; the view
is in groups/withdrawal_views.py. `release_tasks_open` receives facilities.hooks.facility_withdrawn.
"""

from django.core.exceptions import ValidationError
from django.db import transaction

from consent.models import Patient
from consent.services import patient_update
from core.services import save_with_history
from facilities.life import facility_withdraw, lock_people_then_facility
from facilities.models import Facility, FacilityStatus, StaffStatus

from .models import Group, GroupStatus, McsTask, TaskKind
from .services import group_archive, task_open

ARCHIVE = "archive"
WITHDRAWAL_NOTE = "連携元事業所の退会"


def patients_of(facility):
    """The patients whose 連携元 the facility is (erased ones aside), in the register's order."""
    return Patient.objects.filter(origin_facility=facility, erasure__isnull=True).order_by("kana_key", "pk")


def hand_over_targets(facility):
    """Where its patients may go: the program's other facilities in use."""
    return Facility.objects.filter(program_id=facility.program_id, status=FacilityStatus.ACTIVE).exclude(
        pk=facility.pk
    )


def _hand_over(patient, *, to, facility, by):
    """The patient's 連携元 becomes `to`; a doctor or leader of the leaving facility is cleared (the
    new 連携元 names theirs); the leaving facility's groups of the patient move with a task."""
    fields = {"origin_facility": to}
    if patient.primary_doctor_id and patient.primary_doctor.facility_id == facility.pk:
        fields["primary_doctor"] = None
    if patient.group_leader_id and patient.group_leader.facility_id == facility.pk:
        fields["group_leader"] = None
    patient_update(patient=patient, by=by, **fields)
    groups = Group.objects.live().filter(patient=patient, origin_facility=facility).select_for_update(of=("self",))
    moved = 0
    for group in groups.select_related("patient", "program"):
        group.origin_facility = to
        save_with_history(group, by)
        if group.status == GroupStatus.ACTIVE:
            task_open(
                group=group, kind=TaskKind.LEADER, by=by,
                title=f"MCSで{group.mcs_name}の管理者を{to.name}の職員にする（{WITHDRAWAL_NOTE}による引継ぎ）",
                detail=f"{facility.name}の退会により、連携元が{to.name}に替わりました。",
            )
        moved += 1
    return moved


def _archive(patient, *, facility, by, archived_on):
    groups = Group.objects.active().filter(patient=patient, origin_facility=facility)
    archived = 0
    for group in groups:
        group_archive(group=group, by=by, reason=WITHDRAWAL_NOTE, archived_on=archived_on)
        archived += 1
    return archived


@transaction.atomic
def facility_withdraw_with_patients(*, facility, by, withdrawn_on, reason, devices, choices):
    """The withdrawal checklist in one transaction. `choices` maps each patient's pk to a facility
    to hand over to, or to ARCHIVE; every patient of the facility needs one."""
    lock_people_then_facility(facility)
    facility = Facility.objects.select_related("program").get(pk=facility.pk)
    targets = {f.pk: f for f in hand_over_targets(facility)}
    patients = list(patients_of(facility).select_related("primary_doctor", "group_leader"))
    missing = [p for p in patients if p.pk not in choices]
    if missing:
        raise ValidationError(f"患者{len(missing)}人の引継ぎ先（または保管）が選ばれていません。")
    summary = []
    for patient in patients:
        choice = choices[patient.pk]
        if choice == ARCHIVE:
            groups = _archive(patient, facility=facility, by=by, archived_on=withdrawn_on)
            summary.append({"patient": patient.pk, "to": None, "to_name": "", "groups": groups})
            continue
        to = targets.get(getattr(choice, "pk", choice))
        if to is None:
            raise ValidationError("引継ぎ先には、このネットワークで利用中の別の事業所を選んでください。")
        groups = _hand_over(patient, to=to, facility=facility, by=by)
        summary.append({"patient": patient.pk, "to": to.pk, "to_name": to.name, "groups": groups})
    return facility_withdraw(
        facility=facility, by=by, withdrawn_on=withdrawn_on, reason=reason, devices=devices, patients=summary
    )


def release_tasks_open(*, facility, staff, by):
    """Receiver of facilities.hooks.facility_withdrawn: a スタッフ解除 task per account that was in
    use (MCS support no longer deletes accounts; the facility removes its staff itself, and the
    secretariat confirms it). Returns how many it opened."""
    opened = 0
    for person in staff:
        if person.status != StaffStatus.ACTIVE:
            continue  # never started: no account in MCS to release
        task = McsTask(
            program_id=facility.program_id, group=None, staff=person, kind=TaskKind.RELEASE,
            title=f"MCSで{person.full_name}さん（{person.email}）をスタッフ解除する（{facility.name}の退会）",
            detail="退会する施設のMCS管理者がMCSでスタッフ解除を行い、事務局が確かめてから対応済みにします。",
            facility=facility, for_secretariat=True, created_by=by,
        )
        save_with_history(task, by)
        opened += 1
    return opened
