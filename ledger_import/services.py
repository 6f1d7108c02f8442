"""The import's one write: plan the file again inside one transaction and, when the plan has
no error, write all of it through the facilities app's bulk services; else write nothing.

Every history row written meanwhile says where it came from ("台帳の取込: <file>"), next to
who imported it (simple-history's user), so a changed cell can be traced to its file.
"""

import threading

from django.db import transaction

from facilities import bulk
from facilities.models import PledgeKind, Program

from .planning import CREATE, UNCHANGED, plan_file

_context = threading.local()
TRAINING_TITLE = "台帳の取込"
BATCH = 200  # facilities written at a time (about 2,000 people in a ledger of 10 a facility)


def history_reason(filename):
    # simple-history keeps 100 characters of reason.
    return f"台帳の取込: {filename}"[:100]


def tag_history(sender, history_instance, **kwargs):
    """pre_create_historical_record: while an import runs in this thread, name its file."""
    reason = getattr(_context, "reason", None)
    if reason and not history_instance.history_change_reason:
        history_instance.history_change_reason = reason


@transaction.atomic
def ledger_import(*, program, by, file, filename):
    """Import the ledger in `file` into `program`, all rows or none. Returns the plan it wrote
    (`plan.written` True), or, when the plan has errors, the plan and nothing written.

    Raises reading.LedgerUnreadable when the file is no ledger at all. The program row is
    locked first, so two imports into one program run one after the other and each plans
    against what the other wrote. The plan is written through the facilities app's bulk
    services, BATCH facilities at a time, so that memory stays flat however long the file.
    """
    program = Program.objects.select_for_update().get(pk=program.pk)
    plan = plan_file(program, file, filename)
    plan.written = False
    if plan.error_count:
        return plan
    reason = history_reason(filename)
    _context.reason = reason  # for the few rows saved one at a time (a pledge wording published)
    try:
        for start in range(0, len(plan.facilities), BATCH):
            _write_batch(program, by, reason, filename, plan.facilities[start:start + BATCH])
    finally:
        _context.reason = None
    plan.written = True
    return plan


def _write_batch(program, by, reason, filename, facilities):
    items = [
        bulk.FacilityImport(
            existing=f.existing,
            values=f.values if f.action == CREATE else {key: new for key, (old, new) in f.differences.items()},
        )
        for f in facilities
    ]
    targets = bulk.facilities_import_bulk(program=program, by=by, reason=reason, facilities=items)
    people = [
        _person(target, person, filename)
        for facility, target in zip(facilities, targets, strict=True)
        for person in facility.staff
        if not person.removed_line and person.action != UNCHANGED
    ]
    bulk.staff_import_bulk(program=program, by=by, reason=reason, people=people, training_title=TRAINING_TITLE)


def _person(facility, person, filename):
    values = person.values
    if person.existing is None:
        fields = {key: values[key] for key in ("full_name", "job", "email")}
        fields.update({key: values.get(key, "") for key in ("full_name_kana", "gender")})
        fields.update(is_admin=values.get("is_admin", False), started_on=values.get("started_on"))
        pk = None
    else:
        fields = {key: new for key, (old, new) in person.changes.items()}
        pk = person.existing["pk"]
    pledge = None
    if person.pledge:
        kind, signed_on = person.pledge
        pledge = (kind, signed_on, f"台帳の取込（{filename}）"[:200] if kind == PledgeKind.EXEMPT else "")
    return bulk.PersonImport(facility=facility, values=fields, pk=pk, pledge=pledge, trainings=list(person.trainings))
