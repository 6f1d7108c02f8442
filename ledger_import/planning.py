"""What importing a ledger would do, row by row, before anything is written (the preview).

One pass over the rows matches each facility (by 施設番号, else by name and address,
normalised) and each person (by e-mail, case-insensitive) against the program, and says
for each: created, updated or unchanged, with the warnings and the errors (row number
and column). The policy engine is asked as the forms ask it: the application's rules per
facility (administrator count, in-area) and per address (duplicates, shared mailboxes),
and the activation rules per person (pledge, training), which decide 利用中 or 登録準備中.
The commit (services.py) plans again inside its transaction and writes only an error-free plan.
"""

import re
from dataclasses import dataclass, field

from core import text
from facilities.ledger import MISSING_LABELS
from facilities.models import Facility, FacilityKind, FacilityStatus, JobType, PledgeKind, Staff, TrainingKind
from policy.rules import check

from .reading import BY_KEY, FACILITY_KEYS, REMOVED, STAFF_KEYS, open_ledger, read_row

CREATE, UPDATE, UNCHANGED = "create", "update", "unchanged"
ACTION_LABELS = {CREATE: "新規", UPDATE: "更新", UNCHANGED: "変更なし"}
STAFF_FIELDS = ("full_name", "full_name_kana", "gender", "job", "is_admin", "started_on")
FACILITY_FIELDS = ("number", "name", "name_kana", "kind", "postal_code", "address", "phone", "fax")
# What a finding is about when the engine names no column.
RULE_COLUMNS = {"APP-ADMIN": "is_admin", "APP-ADMIN-ONE": "is_admin", "APP-AREA": "address",
                "APP-EMAIL-DUP": "email", "APP-EMAIL-SHARED": "email"}


@dataclass(slots=True)
class Finding:
    row: int | None  # None: about the whole file
    column: str
    level: str  # "error" or "warning"
    message: str

    @property
    def is_error(self):
        return self.level == "error"


@dataclass(slots=True)
class StaffPlan:
    row: int
    values: dict
    existing: dict | None  # the ledger line it matched (Staff values), None when new
    action: str = UNCHANGED
    changes: dict = field(default_factory=dict)  # field -> (old, new)
    pledge: tuple | None = None  # (PledgeKind, date) to record
    trainings: list = field(default_factory=list)  # [(TrainingKind, date)] to record
    becomes: str = ""  # "active" or "pending" after the import (new and pending people)
    missing: list = field(default_factory=list)  # what keeps them 登録準備中
    removed_line: bool = False  # a 削除済 line of the portal's own export: read, never written

    @property
    def email(self):
        return self.values.get("email", "")


@dataclass(slots=True)
class FacilityPlan:
    key: tuple
    first_row: int
    values: dict
    existing: Facility | None
    staff: list = field(default_factory=list)
    broken: bool = False  # its name or number could not be read: checked no further
    differences: dict = field(default_factory=dict)  # field -> (in the portal, in the file)

    @property
    def action(self):
        if self.existing is None:
            return CREATE
        return UPDATE if self.differences else UNCHANGED

    @property
    def label(self):
        name = self.values.get("name") or (self.existing.name if self.existing else "")
        number = self.values.get("number") or (self.existing.number if self.existing else "")
        return f"{name}（{number}）" if number else name


@dataclass
class Plan:
    program: object
    filename: str
    facilities: list = field(default_factory=list)
    findings: list = field(default_factory=list)
    ignored: list = field(default_factory=list)
    rows: int = 0
    error_count: int = 0
    written: bool = False

    def add(self, row, column, level, message):
        self.findings.append(Finding(row, column, level, message))
        self.error_count += level == "error"

    @property
    def errors(self):
        return [f for f in self.findings if f.is_error]

    @property
    def warnings(self):
        return [f for f in self.findings if not f.is_error]

    def counts(self):
        counts = {f"{part}_{action}": 0 for part in ("facilities", "staff") for action in ACTION_LABELS}
        for facility in self.facilities:
            if facility.broken:
                continue
            counts[f"facilities_{facility.action}"] += 1
            for person in facility.staff:
                counts[f"staff_{person.action}"] += 1
        counts["errors"] = self.error_count
        return counts

    def summary(self):
        """The command's last line (its contract: see the issue)."""
        c = self.counts()
        return (
            f"facilities: {c['facilities_create']} created, {c['facilities_update']} updated, "
            f"{c['facilities_unchanged']} unchanged; staff: {c['staff_create']} created, "
            f"{c['staff_update']} updated, {c['staff_unchanged']} unchanged; errors: {c['errors']}"
        )

    def staff_rows(self):
        for facility in self.facilities:
            for person in facility.staff:
                yield facility, person


def match_key(name, address):
    """Name and address as compared: NFKC, no spaces, one kind of hyphen, case-folded."""
    joined = f"{name}\n{address}"
    joined = re.sub(r"[ー‐‑–—−－]", "-", text.nfkc(joined))
    return re.sub(r"[ \u3000]", "", joined).casefold()


class _Program:
    """The program's facilities and current staff, read once (a few queries for the whole file)."""

    def __init__(self, program):
        self.program = program
        self.policy = program.policy
        facilities = list(Facility.objects.filter(program=program))
        self.by_number = {f.number: f for f in facilities}
        self.by_place = {match_key(f.name, f.address): f for f in facilities}
        self.by_pk = {f.pk: f for f in facilities}
        rows = Staff.objects.current().filter(program=program).with_ledger().values(
            "pk", "facility_id", "email", *STAFF_FIELDS, "status", "pledge_kind", "pledge_on",
            "last_training_on", "training_done",
        )
        self.staff = {row["email"].strip().lower(): row for row in rows}
        self.admins = {}
        for row in self.staff.values():
            if row["is_admin"]:
                self.admins.setdefault(row["facility_id"], set()).add(row["email"].strip().lower())
        self._removed = None

    def removed_emails(self, facility):
        if self._removed is None:
            removed = Staff.objects.filter(program=self.program, status="removed").values_list("facility_id", "email")
            self._removed = {(fid, email.strip().lower()) for fid, email in removed}
        return {email for fid, email in self._removed if facility is not None and fid == facility.pk}


def plan_file(program, file, filename):
    """The plan for `file`; raises reading.LedgerUnreadable when it is no ledger at all."""
    return plan_ledger(program, open_ledger(file, filename), filename)


def plan_ledger(program, ledger, filename):
    plan = Plan(program=program, filename=filename, ignored=ledger.ignored)
    known = _Program(program)
    if ledger.ignored:
        plan.add(None, "", "warning", f"次の列は取り込みません: {'、'.join(ledger.ignored)}")
    if "pledge_on" in ledger.columns and not known.policy.staff_pledge_required:
        plan.add(None, ledger.labels["pledge_on"], "warning",
                 "このネットワークでは職員ごとの誓約書はいらないため、誓約書の日付は記録しません。")
    facilities = {}
    current = None
    seen_emails = {}
    for number, cells in ledger.rows:
        row = read_row(ledger, number, cells)
        plan.rows += 1
        errors_before = plan.error_count
        for column, message in row.errors:
            plan.add(number, column, "error", message)
        current = _facility_for_row(plan, ledger, known, facilities, current, row, cells)
        if current is None:
            continue
        if any(_filled(ledger, cells, key) for key in STAFF_KEYS):
            person = _plan_person(plan, ledger, known, current, row, seen_emails, errors_before)
            if person is not None:
                current.staff.append(person)
    plan.facilities = list(facilities.values())
    for facility in plan.facilities:
        if not facility.broken:
            _check_facility(plan, ledger, known, facility)
    if not plan.facilities and not plan.errors:
        plan.add(None, "", "error", "見出しの下に取り込む行がありません。")
    plan.findings.sort(key=lambda f: (f.row or 0, not f.is_error))
    return plan


def _filled(ledger, cells, key):
    index = ledger.columns.get(key)
    if index is None or index >= len(cells):
        return False
    value = cells[index]
    return value is not None and not (isinstance(value, str) and not value.strip())


def _label(ledger, key):
    return ledger.labels.get(key, BY_KEY[key].label)


# --- Facilities --------------------------------------------------------------------------


def _facility_for_row(plan, ledger, known, facilities, current, row, cells):
    """The facility this row belongs to: its own cells, or (blank or merged) the one above."""
    named = _filled(ledger, cells, "number") or _filled(ledger, cells, "name")
    values = {k: row.values[k] for k in FACILITY_KEYS if k in row.values}
    if not named:
        if current is None:
            plan.add(row.number, _label(ledger, "name"), "error",
                     "施設名がありません。施設の最初の行には施設番号か施設名を入れてください。")
            return None
        _same_facility(plan, ledger, current, values, row.number)
        return current
    if "number" not in values and "name" not in values:
        # The name or number was there but unreadable (already reported): follow it no further.
        facility = FacilityPlan(key=("row", row.number), first_row=row.number, values=values, existing=None, broken=True)
        facilities[facility.key] = facility
        return facility
    key = ("number", values["number"]) if "number" in values else ("place", match_key(values["name"], values.get("address", "")))
    facility = facilities.get(key)
    if facility is not None:
        _same_facility(plan, ledger, facility, values, row.number)
        return facility
    existing, problem = _match_facility(known, values)
    facility = FacilityPlan(key=key, first_row=row.number, values=values, existing=existing)
    if problem:
        plan.add(row.number, _label(ledger, "number"), "error", problem)
        facility.broken = True
    facilities[key] = facility
    return facility


def _match_facility(known, values):
    """(the portal's facility or None, an error message or '')."""
    by_place = known.by_place.get(match_key(values.get("name", ""), values.get("address", "")))
    if "number" in values:
        existing = known.by_number.get(values["number"])
        if existing is None and by_place is not None and "name" in values and "address" in values:
            return None, (
                f"施設番号「{values['number']}」の施設はありませんが、同じ名前と住所の施設が"
                f"施設番号「{by_place.number}」で登録されています。施設番号を確かめてください。"
            )
        return existing, ""
    return by_place, ""


def _same_facility(plan, ledger, facility, values, number):
    """A later row of a facility already read: its filled facility cells must agree with the first."""
    for key, value in values.items():
        first = facility.values.get(key)
        if first is None:
            facility.values[key] = value
        elif first != value:
            plan.add(number, _label(ledger, key), "error",
                     f"同じ施設（{facility.label}）の{_label(ledger, key)}が{facility.first_row}行目と違います"
                     f"（「{first}」と「{value}」）。どちらかにそろえてください。")


def _check_facility(plan, ledger, known, facility):
    values, row = facility.values, facility.first_row
    if facility.existing is None:
        for key in ("name", "kind", "address"):
            if key not in values:
                plan.add(row, _label(ledger, key), "error", f"新しい施設の{BY_KEY[key].label}が空欄です。")
        for key in ("postal_code", "phone"):
            if key not in values:
                plan.add(row, _label(ledger, key), "warning", f"施設の{BY_KEY[key].label}が空欄です。")
    else:
        _differences(plan, ledger, facility)
        if facility.existing.status != FacilityStatus.ACTIVE:
            plan.add(row, _label(ledger, "name"), "warning",
                     f"この施設は「{facility.existing.get_status_display()}」です。職員は登録準備中のままになります。")
    facts = {"admin_count": _admin_count(known, facility)}
    if facility.existing is None and "address" in values:
        facts["facility_in_area"] = known.program.is_in_area(
            postal_code=values.get("postal_code", ""), address=values["address"]
        )
        facts["out_of_area_reason"] = values.get("out_of_area_reason", "")
    for violation in check(known.program.variant, "submit_application", facts):
        column = _label(ledger, RULE_COLUMNS.get(violation.rule, "name"))
        level = "error" if violation.severity == "block" else "warning"
        plan.add(row, column, level, f"{facility.label}: {violation.message}")


def _differences(plan, ledger, facility):
    """Cells that differ from the portal's facility: an update (blank cells keep the portal's value;
    the 施設番号 is how it was found, never changed)."""
    existing = facility.existing
    for key in FACILITY_FIELDS[1:]:
        value = facility.values.get(key)
        old = getattr(existing, key)
        if key in ("name", "address"):  # as matched: spaces and hyphens typed otherwise are the same
            same = value is None or match_key(value, "") == match_key(old, "")
        else:
            same = value is None or value == old
        if not same:
            facility.differences[key] = (old, value)
    if facility.differences:
        what = "、".join(
            f"{_label(ledger, k)}（ポータル「{_shown(k, old)}」、ファイル「{_shown(k, new)}」）"
            for k, (old, new) in facility.differences.items()
        )
        plan.add(facility.first_row, _label(ledger, next(iter(facility.differences))), "warning",
                 f"{facility.label}の登録内容を更新します: {what}。")


def _shown(key, value):
    if key == "kind":
        return FacilityKind(value).label if value in FacilityKind.values else value
    if key == "job":
        return JobType(value).label if value in JobType.values else value
    if key == "is_admin":
        return "○" if value else "（なし）"
    return value if value not in (None, "") else "（空欄）"


def _admin_count(known, facility):
    in_file = {p.email.lower() for p in facility.staff if not p.removed_line}
    admins = {p.email.lower() for p in facility.staff if not p.removed_line and p.values.get("is_admin")}
    if facility.existing is not None:
        admins |= known.admins.get(facility.existing.pk, set()) - in_file
    return len(admins)


# --- People ------------------------------------------------------------------------------


def _plan_person(plan, ledger, known, facility, row, seen_emails, errors_before):
    values = {k: row.values[k] for k in (*STAFF_KEYS, "pledge_kind", "initial_training") if k in row.values}
    if "is_admin" in ledger.columns and "is_admin" not in row.unreadable:
        values.setdefault("is_admin", False)  # the column is there and blank: not an administrator
    for key in ("full_name", "email", "job"):
        if key not in values and key not in row.unreadable:
            plan.add(row.number, _label(ledger, key), "error", f"{BY_KEY[key].label}が空欄です。")
    if "email" not in values:
        return None
    email = values["email"]
    if row.values.get("status") == REMOVED:
        return _removed_line(plan, ledger, known, facility, row, values)
    lowered = email.lower()
    earlier = seen_emails.get(lowered)
    seen_emails[lowered] = row.number
    facts = {"emails": [email], "emails_in_use": [email] if earlier else []}
    for violation in check(known.program.variant, "submit_application", facts):
        level = "error" if violation.severity == "block" else "warning"
        where = f"（{earlier}行目と同じアドレスです）" if earlier and violation.rule == "APP-EMAIL-DUP" else ""
        plan.add(row.number, _label(ledger, "email"), level, violation.message + where)
    existing = known.staff.get(lowered)
    if existing is not None and (facility.existing is None or existing["facility_id"] != facility.existing.pk):
        other = known.by_pk.get(existing["facility_id"])
        plan.add(row.number, _label(ledger, "email"), "error",
                 f"このメールアドレスは別の施設（{other.name if other else ''}）の職員が使っています。"
                 "施設を移った人は、元の施設の管理台帳で削除してから取り込んでください。")
        existing = None
    person = StaffPlan(row=row.number, values=values, existing=existing)
    if facility.broken or plan.error_count > errors_before:
        person.action = CREATE if existing is None else UNCHANGED
        return person
    _person_changes(person)
    _pledge_and_training(plan, ledger, known, person)
    _activation(known, facility, person)
    if person.existing is None:
        person.action = CREATE
    elif person.changes or person.pledge or person.trainings or person.becomes == "active":
        person.action = UPDATE
    if person.becomes == "pending":
        plan.add(row.number, _label(ledger, "full_name"), "warning",
                 f"{values.get('full_name', email)}さんは登録準備中になります（足りないもの: {'・'.join(person.missing)}）。")
    return person


def _removed_line(plan, ledger, known, facility, row, values):
    """A 削除済 line of the portal's export: nothing to write; unchanged when the portal has it removed."""
    if values["email"].lower() in known.removed_emails(facility.existing):
        return StaffPlan(row=row.number, values=values, existing={}, removed_line=True)
    plan.add(row.number, _label(ledger, "status"), "warning", "状態が「削除済」の行は取り込みません。")
    return None


def _person_changes(person):
    existing = person.existing
    if existing is None:
        return
    for key in STAFF_FIELDS:
        if key not in person.values:
            continue
        new, old = person.values[key], existing[key]
        if new != old:
            person.changes[key] = (old, new)


def _pledge_and_training(plan, ledger, known, person):
    values, existing, policy = person.values, person.existing or {}, known.policy
    pledge_on = values.get("pledge_on")
    if pledge_on and policy.staff_pledge_required:
        # Without a 誓約書 column the date alone is compared: a pledge recorded as 省略 stays so.
        kind = values.get("pledge_kind")
        if kind == PledgeKind.EXEMPT and not policy.pledge_exemption_allowed:
            plan.add(person.row, _label(ledger, "pledge_kind"), "error", "このネットワークでは誓約書を省略できません。")
        elif existing.get("pledge_on") != pledge_on or kind not in (None, existing.get("pledge_kind")):
            person.pledge = (kind or PledgeKind.SIGNED, pledge_on)
    last = values.get("last_training_on")
    initial = values.get("initial_training")
    if initial and not existing.get("training_done"):
        held_on = last or values.get("started_on")
        if held_on is None:
            plan.add(person.row, _label(ledger, "initial_training"), "warning",
                     "利用前研修の日付（最終の研修・教育か利用開始日）がないため、研修は記録しません。")
        else:
            person.trainings.append((TrainingKind.LECTURE, held_on))
            return
    if last and (existing.get("last_training_on") is None or last > existing["last_training_on"]):
        person.trainings.append((TrainingKind.EDUCATION, last))


def _activation(known, facility, person):
    """利用中 or 登録準備中 after the import, for someone new or still pending: the engine decides."""
    existing = person.existing
    if existing is not None and existing["status"] != "pending":
        return
    if person.pledge:
        pledge = person.pledge[0]
    else:
        pledge = (existing or {}).get("pledge_kind") or "none"
    trained = bool((existing or {}).get("training_done")) or any(
        kind == TrainingKind.LECTURE for kind, _ in person.trainings
    )
    approved = facility.existing is None or facility.existing.status == FacilityStatus.ACTIVE
    facts = {"facility_approved": approved, "pledge": pledge, "training_done": trained}
    blocks = [v for v in check(known.program.variant, "activate_staff", facts) if v.severity == "block"]
    person.becomes = "pending" if blocks else "active"
    person.missing = [MISSING_LABELS.get(v.rule, v.rule) for v in blocks]


# --- The preview's rows ------------------------------------------------------------------

PREVIEW_ROWS = 500


@dataclass(slots=True)
class PreviewRow:
    row: int
    facility: str
    facility_action: str  # only on the facility's first row
    name: str
    email: str
    action: str
    becomes: str
    findings: list


def preview_rows(plan, limit=PREVIEW_ROWS):
    """The rows as the preview lists them: those with findings first, then the others, `limit` in all."""
    by_row = {}
    for finding in plan.findings:
        if finding.row:
            by_row.setdefault(finding.row, []).append(finding)
    rows = []
    for facility, person in plan.staff_rows():
        first = facility.first_row == person.row
        becomes = {"active": "利用中", "pending": "登録準備中"}.get(person.becomes, "")
        rows.append(PreviewRow(
            row=person.row, facility=facility.label,
            facility_action=ACTION_LABELS[facility.action] if first and not facility.broken else "",
            name=person.values.get("full_name", ""), email=person.email,
            action="削除済（取り込みません）" if person.removed_line else ACTION_LABELS[person.action],
            becomes=becomes, findings=by_row.pop(person.row, []),
        ))
    for number, findings in by_row.items():  # rows without a person: facility rows, unreadable rows
        rows.append(PreviewRow(row=number, facility="", facility_action="", name="", email="", action="",
                               becomes="", findings=findings))
    rows.sort(key=lambda r: (not any(f.is_error for f in r.findings), not r.findings, r.row))
    return rows[:limit], len(rows)
