"""The import's one write: plan the file again inside one transaction and, when the plan has
no error, write all of it through the facilities app's services; else write nothing.

Every history row written meanwhile says where it came from ("台帳の取込: <file>"), next to
who imported it (simple-history's user), so a changed cell can be traced to its file.
"""

import threading

from django.db import transaction

from facilities import services as facility_services
from facilities.models import PledgeKind, Program, Staff

from .planning import CREATE, UNCHANGED, plan_file

_context = threading.local()
TRAINING_TITLE = "台帳の取込"


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
    against what the other wrote.
    """
    program = Program.objects.select_for_update().get(pk=program.pk)
    plan = plan_file(program, file, filename)
    plan.written = False
    if plan.error_count:
        return plan
    _context.reason = history_reason(filename)
    try:
        for facility in plan.facilities:
            _write_facility(program, facility, by, filename)
    finally:
        _context.reason = None
    plan.written = True
    return plan


def _write_facility(program, facility, by, filename):
    values = facility.values
    if facility.action == CREATE:
        target = facility_services.facility_enroll(
            program=program, by=by, name=values["name"], name_kana=values.get("name_kana", ""),
            kind=values["kind"], postal_code=values.get("postal_code", ""), address=values["address"],
            phone=values.get("phone", ""), fax=values.get("fax", ""), number=values.get("number"),
        )
    elif facility.differences:
        target = facility_services.facility_update(
            facility=facility.existing, by=by, **{key: new for key, (old, new) in facility.differences.items()}
        )
    else:
        target = facility.existing
    sessions = {}
    for person in facility.staff:
        if person.removed_line or person.action == UNCHANGED:
            continue
        staff = _write_person(target, person, by, filename)
        for kind, held_on in person.trainings:
            sessions.setdefault((kind, held_on), []).append(staff)
    for (kind, held_on), attendees in sorted(sessions.items(), key=lambda item: item[0][1]):
        # Activates whom the training completes (training_record asks the engine for each).
        facility_services.training_record(
            facility=target, by=by, kind=kind, held_on=held_on, staff=attendees, title=TRAINING_TITLE
        )


def _write_person(facility, person, by, filename):
    values = person.values
    if person.existing is None:
        # Imported people were already on the network: they go on no change notice.
        staff = facility_services.staff_add(
            facility=facility, by=by, full_name=values["full_name"], job=values["job"], email=values["email"],
            full_name_kana=values.get("full_name_kana", ""), gender=values.get("gender", ""),
            is_admin=values.get("is_admin", False), started_on=values.get("started_on"), on_notice=False,
        )
    else:
        staff = Staff.objects.select_related("program", "facility").get(pk=person.existing["pk"])
        if person.changes:
            staff = facility_services.staff_update(staff=staff, by=by, **{k: new for k, (old, new) in person.changes.items()})
    if person.pledge:
        kind, signed_on = person.pledge
        existing = f"台帳の取込（{filename}）"[:200] if kind == PledgeKind.EXEMPT else ""
        facility_services.pledge_record(staff=staff, by=by, kind=kind, signed_on=signed_on, existing_pledge=existing)
    if person.becomes == "active" and not person.trainings:
        facility_services.staff_try_activate(staff=staff, by=by)
    return staff
