"""Writes in bulk, for importing a running network's ledger: thousands of facilities and staff
in a few queries per batch instead of one service call (and some fifty queries) per person.

They make the same rows the one-at-a-time services make (facility_enroll, facility_update,
staff_add, staff_update, pledge_record, training_record, staff_try_activate), validated as
those are and with the same history: a created person gets a "+" row as 登録準備中 and a "~"
row when activated, each carrying the importing user and the reason given. The policy engine
is asked per person as the services ask it: the e-mail rule when an address is written, the
activation rules for whoever is 登録準備中 afterwards. Call them inside the caller's
transaction with the program row locked (the import does), so numbers and e-mails are
decided against a ledger nobody else is changing.
"""

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from core.services import policy_check
from policy.rules import check

from .forms import FacilityForm
from .models import (
    INITIAL_TRAINING,
    Attendance,
    Facility,
    FacilityStatus,
    Pledge,
    PledgeKind,
    Staff,
    StaffStatus,
    TrainingSession,
)
from .services import EMAIL_TAKEN, pledge_text_publish

BATCH = 500
FACILITY_DETAILS = ("name", "name_kana", "kind", "postal_code", "address", "phone", "fax")
STAFF_FIELDS = ("full_name", "full_name_kana", "gender", "job", "email", "is_admin", "started_on")


@dataclass(slots=True)
class FacilityImport:
    """A facility of the file: new (`existing` None; `values` as facility_enroll takes them, `number`
    optional) or already in the program (`values`: only the details that change)."""

    values: dict
    existing: Facility | None = None


@dataclass(slots=True)
class PersonImport:
    """A person of the file at `facility`: new (`pk` None; `values` as staff_add takes them) or the
    ledger line `pk` (`values`: only the fields that change). `pledge` is (PledgeKind, signed_on,
    existing_pledge) to record; `trainings` [(TrainingKind, held_on)] attended."""

    facility: Facility
    values: dict
    pk: int | None = None
    pledge: tuple | None = None
    trainings: list = field(default_factory=list)


def _history(by, reason):
    return {"batch_size": BATCH, "default_user": by, "default_change_reason": reason}


def _validated(obj, *exclude):
    # Foreign keys are the objects in hand (checking them costs a query each); constraints are
    # the database's, whose violation rolls everything back (see _integrity).
    obj.full_clean(exclude=list(exclude), validate_unique=False, validate_constraints=False)
    return obj


def _integrity(exc):
    if "staff_email_unique_in_program" in str(exc):
        return ValidationError({"email": [EMAIL_TAKEN]})
    if "facility_number_unique_in_program" in str(exc):
        return ValidationError({"number": ["この施設番号はすでにネットワーク内の別の施設が使っています。"]})
    return None


def _save_all(model, created, changed, fields, by, reason):
    """Insert `created` and update `fields` of `changed`, each with its history rows."""
    try:
        with transaction.atomic():
            bulk_create_with_history(created, model, **_history(by, reason))
            if changed:
                bulk_update_with_history(changed, model, list(fields), **_history(by, reason))
    except IntegrityError as exc:
        raise _integrity(exc) or exc from exc


def _highest_number(program):
    prefix = f"{program.code}-"
    taken = Facility.objects.filter(program=program, number__startswith=prefix).values_list("number", flat=True)
    return max((int(n[len(prefix):]) for n in taken if n[len(prefix):].isdigit()), default=0)


@transaction.atomic
def facilities_import_bulk(*, program, by, reason, facilities):
    """Enrol the new facilities (approved today, numbered as facility_enroll numbers them) and
    correct the details of the existing ones. Returns the Facility of each item, in order."""
    prefix, highest = f"{program.code}-", _highest_number(program)
    today = timezone.localdate()
    created, changed, result = [], [], []
    for item in facilities:
        if item.existing is None:
            form = FacilityForm({name: item.values.get(name, "") for name in FACILITY_DETAILS})
            if not form.is_valid():
                raise ValidationError(form.errors)
            number = item.values.get("number")
            if not number:
                highest += 1
                number = f"{prefix}{highest:04d}"
            elif number.startswith(prefix) and number[len(prefix):].isdigit():
                highest = max(highest, int(number[len(prefix):]))
            facility = Facility(program=program, number=number, status=FacilityStatus.ACTIVE, approved_on=today,
                                **form.cleaned_data)
            created.append(_validated(facility, "program"))
        else:
            facility = item.existing
            unknown = set(item.values) - set(FACILITY_DETAILS)
            if unknown:
                raise ValueError(f"not a facility detail: {sorted(unknown)}")
            if item.values:
                form = FacilityForm({name: item.values.get(name, getattr(facility, name)) for name in FACILITY_DETAILS})
                if not form.is_valid():
                    raise ValidationError(form.errors)
                for name, value in form.cleaned_data.items():
                    setattr(facility, name, value)
                changed.append(_validated(facility, "program"))
        result.append(facility)
    _save_all(Facility, created, changed, FACILITY_DETAILS, by, reason)
    return result


@transaction.atomic
def staff_import_bulk(*, program, by, reason, people, training_title=""):
    """Add and correct ledger lines, record their pledges and training, then activate whoever
    the policy lets start, as staff_add/staff_update/pledge_record/training_record would one by
    one. Imported people were already on the network: they go on no change notice."""
    existing = _existing_lines(people)
    _check_emails(program, people, existing)
    staff = _write_lines(program, by, reason, people, existing)
    pledges = _record_pledges(program, by, reason, people, staff)
    trained = _record_trainings(by, reason, people, staff, training_title)
    _activate(program, by, reason, people, staff, existing, pledges, trained)
    return staff


def _existing_lines(people):
    pks = [person.pk for person in people if person.pk is not None]
    if not pks:
        return {}
    lines = Staff.objects.select_for_update().with_ledger().filter(pk__in=pks)
    found = {line.pk: line for line in lines}
    for person in people:
        line = found.get(person.pk) if person.pk is not None else None
        if person.pk is not None and (line is None or line.facility_id != person.facility.pk):
            raise ValidationError(f"{person.values.get('email', '')}: この施設の職員ではありません。")
        if line is not None and line.status == StaffStatus.REMOVED:
            raise ValidationError("削除済の職員は変更できません。")
    return found


def _check_emails(program, people, existing):
    """The e-mail rule, asked per address written (as _save_staff asks it), against the program's
    current addresses read once, and the addresses written earlier in the batch."""
    written = [(p, p.values["email"].strip()) for p in people if "email" in p.values]
    if not written:
        return
    moving = {p.pk for p, _ in written if p.pk is not None}
    in_use = {
        email.strip().casefold()
        for pk, email in Staff.objects.current().filter(program=program).values_list("pk", "email")
        if pk not in moving
    }
    for _, email in written:
        key = email.casefold()
        facts = {"email": email, "emails_in_use": [email] if key in in_use else []}
        try:
            policy_check(program, "activate_staff", facts)
        except ValidationError as blocked:
            raise ValidationError({"email": blocked.messages}) from blocked
        in_use.add(key)


def _write_lines(program, by, reason, people, existing):
    created, changed, fields, staff = [], [], set(), []
    for person in people:
        values = {k: (v.strip() if k == "email" else v) for k, v in person.values.items()}
        unknown = set(values) - set(STAFF_FIELDS)
        if unknown:
            raise TypeError(f"unexpected staff fields {sorted(unknown)}")
        if person.pk is None:
            line = Staff(program=program, facility=person.facility, status=StaffStatus.PENDING, **values)
            created.append(_validated(line, "program", "facility", "user"))
        else:
            line = existing[person.pk]
            if values:
                for name, value in values.items():
                    setattr(line, name, value)
                fields.update(values)
                changed.append(_validated(line, "program", "facility", "user"))
        staff.append(line)
    _save_all(Staff, created, changed, sorted(fields), by, reason)
    return staff


def _record_pledges(program, by, reason, people, staff):
    """pledge_record's checks, then every pledge in one insert. Returns {staff pk: pledge kind}."""
    wanted = [(person, line) for person, line in zip(people, staff, strict=True) if person.pledge]
    if not wanted:
        return {}
    policy = program.policy
    if not policy.staff_pledge_required:
        raise ValidationError("このネットワークでは職員ごとの誓約書はいりません。")
    if any(p.pledge[0] == PledgeKind.EXEMPT for p, _ in wanted) and not policy.pledge_exemption_allowed:
        raise ValidationError("このネットワークでは誓約書を省略できません。")
    text = pledge_text_publish(program=program) if any(p.pledge[0] == PledgeKind.SIGNED for p, _ in wanted) else None
    pledges = []
    for person, line in wanted:
        kind, signed_on, existing_pledge = person.pledge
        pledge = Pledge(
            staff=line, kind=kind, text=text if kind == PledgeKind.SIGNED else None, signed_on=signed_on,
            existing_pledge=existing_pledge.strip() if kind == PledgeKind.EXEMPT else "", recorded_by=by,
        )
        pledges.append(_validated(pledge, "staff", "text", "recorded_by"))
    bulk_create_with_history(pledges, Pledge, **_history(by, reason))
    return {pledge.staff_id: pledge.kind for pledge in pledges}


def _record_trainings(by, reason, people, staff, title):
    """One session per facility, kind and date, attended by everyone of the batch who had it.
    Returns the pks of the staff with a training before first use among them."""
    sessions = {}
    for person, line in zip(people, staff, strict=True):
        for kind, held_on in person.trainings:
            sessions.setdefault((person.facility.pk, kind, held_on), (person.facility, []))[1].append(line)
    if not sessions:
        return set()
    ordered = sorted(sessions.items(), key=lambda item: (item[0][0], item[0][2]))
    made = [
        _validated(TrainingSession(facility=facility, kind=kind, held_on=held_on, title=title, recorded_by=by),
                   "facility", "recorded_by")
        for (_, kind, held_on), (facility, _) in ordered
    ]
    bulk_create_with_history(made, TrainingSession, **_history(by, reason))
    attendances = [
        Attendance(session=session, staff=line) for session, (_, (_, lines)) in zip(made, ordered, strict=True) for line in lines
    ]
    bulk_create_with_history(attendances, Attendance, **_history(by, reason))
    return {line.pk for session, (_, (_, lines)) in zip(made, ordered, strict=True) if session.kind in INITIAL_TRAINING
            for line in lines}


def _activate(program, by, reason, people, staff, existing, pledges, trained):
    """staff_try_activate for each pending person: the engine decides, with what is now recorded."""
    activated, today = [], timezone.localdate()
    for person, line in zip(people, staff, strict=True):
        if line.status != StaffStatus.PENDING:
            continue
        before = existing.get(line.pk)
        facts = {
            "facility_approved": person.facility.status == FacilityStatus.ACTIVE,
            "pledge": pledges.get(line.pk) or (before.pledge_kind if before else None) or "none",
            "training_done": line.pk in trained or bool(before and before.training_done),
            "email": line.email,
            "emails_in_use": [],  # _check_emails asked already; the constraint holds it since
        }
        if any(v.severity == "block" for v in check(program.variant, "activate_staff", facts)):
            continue
        activated.append(line)
    # Two UPDATEs (with and without a start date) instead of bulk_update's CASE per row; then
    # the "~" history rows, as staff_try_activate's save writes one.
    undated = {line.pk for line in activated if line.started_on is None}
    for start in range(0, len(activated), BATCH):
        pks = [line.pk for line in activated[start:start + BATCH]]
        Staff.objects.filter(pk__in=[pk for pk in pks if pk not in undated]).update(status=StaffStatus.ACTIVE)
        Staff.objects.filter(pk__in=[pk for pk in pks if pk in undated]).update(status=StaffStatus.ACTIVE, started_on=today)
    for line in activated:
        line.status, line.started_on = StaffStatus.ACTIVE, line.started_on or today
    Staff.history.bulk_history_create(activated, update=True, **_history(by, reason))
