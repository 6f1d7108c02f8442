"""Changes after approval: a facility's registered details and a person's line, and the
correction of a change notice the secretariat sent back.

A change is applied at once and kept as a DetailsChange (before and after), which the
secretariat's list of recent changes shows in every variant. Where the policy makes such
changes a notice (`details_change_on_notice`), the change is also a 変更 line of the facility's
draft change notice, which the secretariat acknowledges like any other (docs/decisions/0015).
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction

from core.services import policy_check
from core.services import save_with_history as _save

from .access import is_secretariat
from .models import (
    NOTICE_DUE_DAYS,
    ChangeKind,
    ChangeNotice,
    DetailsChange,
    Facility,
    NoticeLine,
    NoticeStatus,
    Staff,
    StaffRemoval,
    StaffStatus,
)
from .services import _notice_add_line, facility_update, staff_update

FACILITY_DETAILS = {
    "name": "施設名", "name_kana": "施設名カナ", "kind": "施設の種類", "postal_code": "郵便番号",
    "address": "住所", "phone": "電話番号", "fax": "FAX番号", "representative": "代表者",
}
STAFF_DETAILS = {
    "full_name": "氏名", "full_name_kana": "カナ", "job": "職種", "email": "登録メールアドレス",
    "is_admin": "MCS管理者",
}
# A notice can be corrected while the facility still holds it: before filing, or sent back.
EDITABLE = (NoticeStatus.DRAFT, NoticeStatus.CORRECTION)
NOT_EDITABLE = "この変更届は直せません。直せるのは、提出前か差戻されたときです。"


def _shown(obj, field, value):
    if isinstance(value, bool):
        return "○" if value else "―"
    choices = dict(obj._meta.get_field(field).choices or ())
    return str(choices.get(value, value or ""))


def _diff(obj, labels, before):
    return [
        {"field": name, "label": label, "before": _shown(obj, name, before[name]),
         "after": _shown(obj, name, getattr(obj, name))}
        for name, label in labels.items() if before[name] != getattr(obj, name)
    ]


def _record(*, facility, staff, details, changed_on, note, by, on_notice=True):
    """Keep the change for the secretariat; a 変更 line too where the policy makes it a notice.

    A change the secretariat makes itself is received by it already: no line on the facility's
    notice (the facility would otherwise be asked to file, within a deadline, what it never did)."""
    if is_secretariat(by, facility.program):
        on_notice = False
    record = _save(
        DetailsChange(program=facility.program, facility=facility, staff=staff, details=details,
                      changed_on=changed_on, note=note, recorded_by=by),
        by,
    )
    if on_notice and facility.program.policy.details_change_on_notice:
        _notice_add_line(staff=staff, facility=facility, change=ChangeKind.CHANGE, changed_on=changed_on, by=by,
                         record=record, note=note)
    return record


def _admin_names(staff):
    return "、".join(s.full_name for s in staff) or "（なし）"


@transaction.atomic
def facility_details_change(*, facility, by, changed_on, note="", admins=None, **changes):
    """The facility's administrator changes its registered details and, with `admins` (the
    facility's staff who are to be its MCS管理者), who its administrators are. Applied at once;
    returns the DetailsChange (a 変更 line on the notice where the policy wants one)."""
    facility = Facility.objects.select_for_update().select_related("program").get(pk=facility.pk)
    before = {name: getattr(facility, name) for name in FACILITY_DETAILS}
    facility = facility_update(facility=facility, by=by, **changes)
    details = _diff(facility, FACILITY_DETAILS, before)
    if admins is not None:
        details += _admins_change(facility, set(admins), by)
    if not details:
        raise ValidationError("変更した項目がありません。")
    return _record(facility=facility, staff=None, details=details, changed_on=changed_on, note=note.strip(), by=by)


def _admins_change(facility, admins, by):
    current = Staff.objects.current().filter(facility=facility).order_by("full_name_kana", "pk")
    strangers = [s for s in admins if s.facility_id != facility.pk or s.status == StaffStatus.REMOVED]
    if strangers:
        raise ValidationError({"admins": ["この施設の職員（削除済を除く）から選んでください。"]})
    was = [s for s in current if s.is_admin]
    if set(was) == admins:
        return []
    # The application's rules on administrators (at least one; no more than the policy allows).
    policy_check(facility.program, "submit_application", {"admin_count": len(admins)})
    for person in current:
        if person.is_admin != (person in admins):
            # The ledger's administrator flag; the portal role itself is granted or revoked apart.
            staff_update(staff=person, by=by, is_admin=person in admins)
    now = sorted(admins, key=lambda s: (s.full_name_kana, s.pk))
    return [{"field": "admins", "label": "MCS管理者", "before": _admin_names(was), "after": _admin_names(now)}]


def _on_unsent_notice(staff):
    """Whether the person's addition is still on a notice the facility holds: that notice
    carries their line as it now reads, so a correction needs no 変更 line of its own."""
    return NoticeLine.objects.filter(staff=staff, change=ChangeKind.ADD, notice__status__in=EDITABLE).exists()


@transaction.atomic
def staff_details_change(*, staff, by, changed_on, note="", **fields):
    """Change a person's line (name, reading, 職種, e-mail, administrator, start date) through
    staff_update; what changed is recorded, and is a 変更 line where the policy wants one."""
    staff = Staff.objects.select_related("facility__program").get(pk=staff.pk)
    before = {name: getattr(staff, name) for name in STAFF_DETAILS}
    staff = staff_update(staff=staff, by=by, **fields)
    details = _diff(staff, STAFF_DETAILS, before)
    if details:
        _record(facility=staff.facility, staff=staff, details=details, changed_on=changed_on, note=note, by=by,
                on_notice=not _on_unsent_notice(staff))
    return staff


# --- Correcting a change notice ------------------------------------------------------------


def _editable(notice):
    notice = ChangeNotice.objects.select_for_update().select_related("program", "facility").get(pk=notice.pk)
    if notice.status not in EDITABLE:
        raise ValidationError(NOT_EDITABLE)
    return notice


def _due_again(notice, by):
    """The due date follows the earliest change on the notice, as when lines are first put on it."""
    first = notice.lines.order_by("changed_on").values_list("changed_on", flat=True).first()
    due = first + datetime.timedelta(days=NOTICE_DUE_DAYS) if first else None
    if due != notice.due_on:
        notice.due_on = due
        _save(notice, by)


def _line(line):
    line = NoticeLine.objects.select_related("staff", "record", "notice").get(pk=line.pk)
    line.notice = _editable(line.notice)
    return line


@transaction.atomic
def notice_line_update(*, line, by, changed_on, note="", reason=None):
    """Correct one line: its date, its note and, for a removal, its reason. The ledger follows:
    an addition's date is the person's 利用開始日, a removal's the 削除日."""
    line = _line(line)
    line.changed_on, line.note = changed_on, note.strip()
    _save(line, by)
    _due_again(line.notice, by)
    if line.change == ChangeKind.ADD and line.staff.status != StaffStatus.REMOVED:
        line.staff.started_on = changed_on
        _save(line.staff, by, validate_constraints=False)
    elif line.change == ChangeKind.REMOVE:
        removal = StaffRemoval.objects.select_for_update().get(staff=line.staff)
        removal.effective_date = changed_on
        removal.reason = reason or removal.reason
        _save(removal, by)
        if line.staff.status == StaffStatus.REMOVED:
            line.staff.ended_on = changed_on
            _save(line.staff, by, validate_constraints=False)
    elif line.record_id:
        line.record.changed_on, line.record.note = changed_on, line.note
        _save(line.record, by)
    return line


@transaction.atomic
def notice_line_add(*, notice, by, change, changed_on, staff=None, note=""):
    """Put a line on a notice the facility holds: an addition or removal the notice lacks, or a
    change described in words (about a person, or with no person: the facility)."""
    notice = _editable(notice)
    note = note.strip()
    if staff is not None and staff.facility_id != notice.facility_id:
        raise ValidationError({"staff": ["この施設の職員を選んでください。"]})
    if change in (ChangeKind.ADD, ChangeKind.REMOVE):
        if staff is None:
            raise ValidationError({"staff": ["追加・削除の行には職員を選んでください。"]})
        if NoticeLine.objects.filter(staff=staff, change=change).exists():
            raise ValidationError({"staff": [f"{staff.full_name}さんの{ChangeKind(change).label}はすでに変更届に載っています。"]})
        if change == ChangeKind.REMOVE and not StaffRemoval.objects.filter(staff=staff).exists():
            raise ValidationError({"staff": [f"{staff.full_name}さんは削除の手続きをしていません。台帳から削除してください。"]})
    elif not note:
        raise ValidationError({"note": ["何をどう変更したかを書いてください。"]})
    line = _save(NoticeLine(notice=notice, staff=staff, change=change, changed_on=changed_on, note=note), by)
    _due_again(notice, by)
    return line


@transaction.atomic
def notice_line_drop(*, line, by):
    """Take a line off a notice the facility holds (the ledger stays as it is; the filed version
    and the history keep the line). A removal waiting for the notice cannot be taken off."""
    line = _line(line)
    waiting = StaffRemoval.objects.filter(staff=line.staff, removed_at__isnull=True)
    if line.change == ChangeKind.REMOVE and waiting.exists():
        raise ValidationError("この削除は変更届の提出を待っています。外すことはできません。")
    line._history_user = by
    line.delete()
    _due_again(line.notice, by)

