"""Who is involved in a patient's care, from when to when: the reads and writes of CareTeam.

A facility is involved for one or more reasons (連携元, the 主治医's or the 連携リーダー's
facility, a member of one of the patient's groups). Each reason starts and ends; while at
least one is current the facility's coordinators and administrators may see the patient.
When the last one ends the patient leaves their lists and every patient URL answers 404
(consent.models.care_team_patient_ids). Ended rows stay: they are the history.

What a patient who leaves 療養中 (死亡, 利用終了, 転院・転居) leaves visible: every *group*
reason ends at once, whether or not the groups have been archived yet; the 連携元事業所 (and the
doctor's and leader's facilities) stay involved, because the policies give the keeping and
archiving of the patient's timeline to them. Archiving a group ends its members' group reasons
too. Why, and what comes back if the patient returns: docs/decisions/0012-when-care-ends.md.
"""

from django.core.exceptions import ValidationError
from django.utils import timezone

from facilities.models import role_facility_ids

from .models import CareTeam, CareTeamEnd, CareTeamReason

# Which field of the patient makes which facility involved, and for which reason.
PATIENT_REASONS = (
    ("origin_facility", CareTeamReason.ORIGIN),
    ("primary_doctor", CareTeamReason.DOCTOR),
    ("group_leader", CareTeamReason.LEADER),
)


def current_facility_ids(patient):
    return set(CareTeam.objects.current().filter(patient=patient).values_list("facility_id", flat=True))


def is_involved(user, patient):
    """Whether one of the user's facilities is involved in the patient's care now."""
    return CareTeam.objects.current().filter(patient=patient, facility_id__in=role_facility_ids(user)).exists()


def care_team_add(*, patient, facility_id, reason, by=None):
    """Start a reason for a facility's involvement (idempotent while it is current)."""
    row, _ = CareTeam.objects.current().get_or_create(
        patient=patient, facility_id=facility_id, reason=reason, defaults={"added_by": by}
    )
    return row


def care_team_end(*, patient, facility_id, reason, by, why, note=""):
    """End one reason of a facility's involvement; whether one was current."""
    rows = list(CareTeam.objects.current().select_for_update().filter(
        patient=patient, facility_id=facility_id, reason=reason
    ))
    for row in rows:
        row.ended_at, row.ended_by, row.end_reason, row.end_note = timezone.now(), by, why, note[:200]
        row._history_user = by
        row.save()
    return bool(rows)


def _facility_of(patient, attribute):
    if attribute == "origin_facility":
        return patient.origin_facility_id
    staff = getattr(patient, attribute)
    return staff.facility_id if staff is not None else None


def care_team_follow_patient(*, patient, by):
    """After registration or an update: the 連携元・主治医・リーダー reasons follow the patient's
    fields (a facility that is no longer the 連携元 loses that reason, the new one gains it)."""
    for attribute, reason in PATIENT_REASONS:
        wanted = _facility_of(patient, attribute)
        for row in CareTeam.objects.current().filter(patient=patient, reason=reason).exclude(facility_id=wanted):
            care_team_end(patient=patient, facility_id=row.facility_id, reason=reason, by=by,
                          why=CareTeamEnd.ROLE_CHANGED)
        if wanted is not None:
            care_team_add(patient=patient, facility_id=wanted, reason=reason, by=by)


def care_team_end_groups(*, patient, by, note):
    """The patient left 療養中: every facility involved only as a group member stops seeing the
    patient now, not when someone archives the groups. `note` says why (the new status).
    Returns how many facilities no longer see the patient (those with a reason of their own keep it)."""
    members = CareTeam.objects.current().filter(patient=patient, reason=CareTeamReason.GROUP)
    facility_ids = set(members.values_list("facility_id", flat=True))
    for facility_id in facility_ids:
        care_team_end(patient=patient, facility_id=facility_id, reason=CareTeamReason.GROUP, by=by,
                      why=CareTeamEnd.CARE_ENDED, note=note)
    return len(facility_ids - current_facility_ids(patient))


def care_team_end_facility(*, patient, facility, by, note):
    """The secretariat ends a facility's involvement altogether (every current reason)."""
    if facility.pk in patient.involved_facility_ids():
        raise ValidationError(
            "連携元事業所・主治医・連携リーダーの事業所の関わりは終えられません。先に患者の情報でそれを変更してください。"
        )
    if not note.strip():
        raise ValidationError({"note": "理由を入力してください。"})
    reasons = CareTeam.objects.current().filter(patient=patient, facility=facility).values_list("reason", flat=True)
    ended = 0
    for reason in list(reasons):
        ended += care_team_end(patient=patient, facility_id=facility.pk, reason=reason, by=by,
                               why=CareTeamEnd.SECRETARIAT, note=note)
    if not ended:
        raise ValidationError("この事業所は今この患者に関わっていません。")
    return ended
