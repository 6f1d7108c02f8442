"""The commit's bulk path (facilities.bulk) writes what the one-at-a-time services wrote.

`_one_by_one` below is the commit as it was before the bulk path: each facility and person
through facility_enroll / facility_update / staff_add / staff_update / pledge_record /
training_record / staff_try_activate. The same file, on the same ledger, is committed both
ways (each inside a rolled-back transaction) and every row, status and history row compared.
"""

import pytest
from django.db import transaction

from facilities import services as facility_services
from facilities.models import (
    Attendance,
    ChangeNotice,
    Facility,
    FacilityStatus,
    Pledge,
    PledgeKind,
    Staff,
    StaffStatus,
    TrainingSession,
)
from ledger_import import services
from ledger_import.planning import CREATE, UNCHANGED, plan_file
from ledger_import.reading import TEMPLATE_KEYS
from tests.factories import FacilityFactory, ProgramFactory, StaffFactory, UserFactory
from tests.ledger_import.files import HEADER, person, stream, xlsx

pytestmark = pytest.mark.django_db

KEYS = (*TEMPLATE_KEYS, "initial_training")


def _one_by_one(program, by, content, filename):
    """The commit before facilities.bulk, kept here as the reference."""
    program.refresh_from_db()
    plan = plan_file(program, stream(content), filename)
    assert plan.error_count == 0, plan.errors
    services._context.reason = services.history_reason(filename)
    try:
        for facility in plan.facilities:
            values = facility.values
            if facility.action == CREATE:
                target = facility_services.facility_enroll(
                    program=program, by=by, name=values["name"], name_kana=values.get("name_kana", ""),
                    kind=values["kind"], postal_code=values.get("postal_code", ""), address=values["address"],
                    phone=values.get("phone", ""), fax=values.get("fax", ""), number=values.get("number"),
                )
            elif facility.differences:
                target = facility_services.facility_update(
                    facility=facility.existing, by=by, **{k: new for k, (old, new) in facility.differences.items()}
                )
            else:
                target = facility.existing
            sessions = {}
            for line in facility.staff:
                if line.removed_line or line.action == UNCHANGED:
                    continue
                staff = _person_one_by_one(target, line, by, filename)
                for kind, held_on in line.trainings:
                    sessions.setdefault((kind, held_on), []).append(staff)
            for (kind, held_on), attendees in sorted(sessions.items(), key=lambda item: item[0][1]):
                facility_services.training_record(facility=target, by=by, kind=kind, held_on=held_on,
                                                  staff=attendees, title=services.TRAINING_TITLE)
    finally:
        services._context.reason = None
    return plan


def _person_one_by_one(facility, line, by, filename):
    values = line.values
    if line.existing is None:
        staff = facility_services.staff_add(
            facility=facility, by=by, full_name=values["full_name"], job=values["job"], email=values["email"],
            full_name_kana=values.get("full_name_kana", ""), gender=values.get("gender", ""),
            is_admin=values.get("is_admin", False), started_on=values.get("started_on"), on_notice=False,
        )
    else:
        staff = Staff.objects.select_related("program", "facility").get(pk=line.existing["pk"])
        if line.changes:
            staff = facility_services.staff_update(staff=staff, by=by, **{k: new for k, (old, new) in line.changes.items()})
    if line.pledge:
        kind, signed_on = line.pledge
        existing = f"台帳の取込（{filename}）"[:200] if kind == PledgeKind.EXEMPT else ""
        facility_services.pledge_record(staff=staff, by=by, kind=kind, signed_on=signed_on, existing_pledge=existing)
    if line.becomes == "active" and not line.trainings:
        facility_services.staff_try_activate(staff=staff, by=by)
    return staff


def _snapshot(program):
    """Everything the import writes, keyed by what a person would recognise (no primary keys)."""
    email = dict(Staff.objects.filter(program=program).values_list("pk", "email"))
    number = dict(Facility.objects.filter(program=program).values_list("pk", "number"))
    sessions = {s.pk: s for s in TrainingSession.objects.filter(facility__program=program)}

    def history(model, key, *fields):
        rows = model.history.values(*key.split(), "history_type", "history_user_id", "history_change_reason", *fields)
        return sorted(tuple(str(v) for v in row.values()) for row in rows)

    return {
        "facilities": sorted(Facility.objects.filter(program=program).values_list(
            "number", "name", "name_kana", "kind", "postal_code", "address", "phone", "fax", "status", "approved_on")),
        "staff": sorted(
            (number[s["facility_id"]], *[s[k] for k in s if k != "facility_id"])
            for s in Staff.objects.filter(program=program).values(
                "facility_id", "email", "full_name", "full_name_kana", "gender", "job", "is_admin", "status",
                "started_on", "ended_on", "user_id")
        ),
        "pledges": sorted(
            (email[p.staff_id], p.kind, p.text.version if p.text else None, p.signed_on, p.existing_pledge,
             p.recorded_by_id) for p in Pledge.objects.filter(staff__program=program)
        ),
        "trainings": sorted(
            (number[s.facility_id], s.kind, s.held_on, s.title, s.recorded_by_id,
             tuple(sorted(email[a.staff_id] for a in Attendance.objects.filter(session=s))))
            for s in sessions.values()
        ),
        "facility_history": history(Facility, "number", "phone", "status"),
        "staff_history": history(Staff, "email", "status", "full_name", "started_on"),
        "pledge_history": sorted(
            (email[h.staff_id], h.history_type, h.history_user_id, h.history_change_reason)
            for h in Pledge.history.filter(staff_id__in=email)
        ),
        "training_history": sorted(
            (number[h.facility_id], h.kind, h.held_on, h.history_type, h.history_user_id, h.history_change_reason)
            for h in TrainingSession.history.filter(id__in=sessions)
        ),
        "attendance_history": sorted(
            (email[h.staff_id], sessions[h.session_id].held_on, h.history_type, h.history_user_id,
             h.history_change_reason)
            for h in Attendance.history.filter(session_id__in=sessions)
        ),
        "notices": ChangeNotice.objects.filter(program=program).count(),
    }


def _both_ways(program, by, files):
    """The snapshot after committing `files` in turn, one by one and in bulk (each rolled back after)."""
    results = {}
    for way in ("one_by_one", "bulk"):
        with transaction.atomic():
            summaries = []
            for name, content in files:
                if way == "bulk":
                    plan = services.ledger_import(program=program, by=by, file=stream(content), filename=name)
                    assert plan.written
                else:
                    plan = _one_by_one(program, by, content, name)
                summaries.append(plan.summary())
            results[way] = (summaries, _snapshot(program))
            transaction.set_rollback(True)
    return results["one_by_one"], results["bulk"]


def _ledger():
    other = {"name": "阿保訪問看護ステーション", "name_kana": "アボホウモンカンゴ", "kind": "訪問看護ステーション",
             "address": "大阪府松原市阿保2-3-4", "postal_code": "580-0002", "phone": "072-111-3333"}
    existing = {"number": "E-1", "name": "", "name_kana": "", "kind": "", "postal_code": "", "address": "",
                "phone": "072-999-0000"}
    return [
        person(1, last_training_on="R7.3.1", initial_training="済"),
        person(2, number="", name="", name_kana="", kind="", postal_code="", address="", phone="", pledge_on=""),
        person(3, **other, is_admin="〇", started_on="", last_training_on="2025/3/1"),
        person(4, **other, is_admin="", pledge_on="", initial_training="済", last_training_on="2025/3/2"),
        person(5, number="N-9", name="布忍薬局", address="大阪府松原市北新町1-1", kind="薬局", is_admin="○"),
        person(6, **existing, email="waiting@example.jp", full_name="待機 花子", is_admin="", initial_training="済",
               last_training_on="2025/2/1"),
        person(7, **existing, email="working@example.jp", full_name="現役 改名", is_admin="", pledge_on="2025/5/1"),
        person(8, **existing, is_admin="", pledge_on=""),
    ]


@pytest.mark.parametrize("variant", ["kumagaya", "matsubara", "musashimurayama"])
def test_the_bulk_commit_writes_what_the_services_wrote_one_by_one(variant):
    """kumagaya asks no pledge; matsubara asks one per person; musashimurayama also training first."""
    program = ProgramFactory(variant=variant, code="EQ")
    facility = FacilityFactory(program=program, number="E-1", phone="072-000-0000", status=FacilityStatus.ACTIVE)
    StaffFactory(facility=facility, email="admin@example.jp", is_admin=True)
    StaffFactory(facility=facility, email="waiting@example.jp", full_name="待機 花子", status=StaffStatus.PENDING)
    StaffFactory(facility=facility, email="working@example.jp", full_name="現役 太郎")
    by = UserFactory()
    first = xlsx(_ledger(), header=[*HEADER, "利用前研修"], keys=KEYS)
    changed = _ledger()
    changed[1].update(full_name="職員 二郎", job="理学療法士", pledge_on="2025/5/1")
    changed[2].update(last_training_on="2025/9/1")
    second = xlsx(changed, header=[*HEADER, "利用前研修"], keys=KEYS)

    reference, bulk = _both_ways(program, by, [("台帳.xlsx", first), ("台帳_修正.xlsx", second), ("台帳_修正.xlsx", second)])

    assert bulk[0] == reference[0]
    assert bulk[0][2].endswith("staff: 0 created, 0 updated, 8 unchanged; errors: 0"), "the same file twice"
    for part in reference[1]:
        assert bulk[1][part] == reference[1][part], part
    snapshot = bulk[1]
    statuses = {row[1]: row[7] for row in snapshot["staff"]}
    assert StaffStatus.ACTIVE in statuses.values()
    if variant != "kumagaya":
        assert statuses["person8@example.jp"] == StaffStatus.PENDING, "no pledge date: 登録準備中"
        assert snapshot["pledges"]
    reasons = {row[3] for row in snapshot["staff_history"] if row[0].startswith("person")}
    assert reasons == {"台帳の取込: 台帳.xlsx", "台帳の取込: 台帳_修正.xlsx"}
    assert {row[2] for row in snapshot["staff_history"] if row[0].startswith("person")} == {str(by.pk)}
