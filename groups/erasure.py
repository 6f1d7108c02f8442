"""consent's erasure hook: a patient's groups are emptied and archived, and what this app copied of
the patient's personal data is scrubbed, in the erasure's own transaction.

Copies this app holds: the group's name inside MCS task titles ("MCSで「見本 太郎さんのグループ」
を作成する"), the names of the patient and family members who joined a family group, and free
text people typed (reasons, notes). Live rows and their history rows are scrubbed alike, with
consent's own redaction, so that consent's search for leftovers finds nothing here either.
"""

from django.db.models import Q
from django.utils import timezone

from consent.erasure import ERASED, personal_strings, redact
from consent.models import ConsentRecord
from core.services import move_status, save_with_history
from core.text import nfkc

from .models import (
    GROUP_TRANSITIONS,
    EndReason,
    Group,
    GroupReview,
    GroupStatus,
    McsTask,
    MemberDecision,
    MemberKind,
    Membership,
    TaskKind,
)
from .services import membership_end, task_open

ARCHIVE_REASON = "患者情報の削除"


def _scrub(model, rows, fields, secrets):
    """Redact `fields` of these rows and of every history row of them; how many rows changed."""
    ids = [row.pk for row in rows]
    changed = 0
    for queryset in (model.objects.filter(pk__in=ids), model.history.filter(id__in=ids)):
        for row in queryset:
            changes = {name: fields[name](getattr(row, name), secrets) for name in fields}
            changes = {name: value for name, value in changes.items() if value != getattr(row, name)}
            if changes:
                changed += type(row).objects.filter(pk=row.pk).update(**changes)
    return changed


def _redacted(value, secrets):
    return redact(value, secrets)


def _erased_name(value, secrets):
    return ERASED if value else value


def _secrets(patient, people):
    """consent's list of the patient's personal strings, plus the names of family members who joined
    a group without signing the consent (task titles name them too)."""
    secrets = set(personal_strings(patient, ConsentRecord.objects.filter(patient=patient)))
    for name in people.exclude(member_kind=MemberKind.STAFF).values_list("person_name", flat=True):
        name = nfkc(name)
        if len(name) >= 2:
            secrets |= {name, name.replace(" ", "")}
    return sorted(secrets, key=len, reverse=True)


def _close(group, by, today):
    """End every open membership and archive the group; tasks name the group by number."""
    ended = 0
    for membership in group.memberships.open().select_related("staff"):
        membership_end(membership=membership, by=by, reason=EndReason.PATIENT_ERASED, ended_on=today,
                       group_label=group.code)
        ended += 1
    if group.status == GroupStatus.ACTIVE:
        move_status(group, GroupStatus.ARCHIVED, GROUP_TRANSITIONS, "グループ")
        group.archived_on, group.archive_reason = today, ARCHIVE_REASON
        save_with_history(group, by)
        task_open(group=group, kind=TaskKind.ARCHIVE, title=f"MCSで「{group.code}」を保管する", by=by,
                  detail="患者情報の削除に伴う保管")
    return ended


def end_groups_of_erased_patient(*, patient, by):
    """Receiver of consent.hooks.patient_erased: returns how many memberships it ended."""
    today = timezone.localdate()
    locked = Group.objects.filter(patient=patient).select_for_update(of=("self",)).select_related("patient")
    groups = list(locked.order_by("pk"))
    if not groups:
        return 0
    ended = sum(_close(group, by, today) for group in groups if group.status != GroupStatus.DELETED)
    group_ids = [group.pk for group in groups]
    people = Membership.objects.filter(group_id__in=group_ids)
    secrets = _secrets(patient, people)
    text = {"title": _redacted, "archive_reason": _redacted}
    _scrub(Group, groups, text, secrets)
    _scrub(Membership, people.filter(~Q(member_kind=MemberKind.STAFF)),
           {"person_name": _erased_name, "relationship": _redacted, "end_note": _redacted}, secrets)
    _scrub(Membership, people.filter(member_kind=MemberKind.STAFF), {"end_note": _redacted}, secrets)
    _scrub(McsTask, McsTask.objects.filter(group_id__in=group_ids),
           {"title": _redacted, "detail": _redacted, "done_note": _redacted}, secrets)
    reviews = GroupReview.objects.filter(group_id__in=group_ids)
    _scrub(GroupReview, reviews, {"note": _redacted}, secrets)
    _scrub(MemberDecision, MemberDecision.objects.filter(review__in=reviews), {"reason": _redacted}, secrets)
    return ended
