"""The commit: all rows or none, idempotent, through the facilities app's services, traced in history."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from facilities.models import (
    ChangeNotice,
    Facility,
    FacilityStatus,
    Pledge,
    PledgeKind,
    Role,
    Staff,
    StaffStatus,
    TrainingKind,
    TrainingSession,
)
from ledger_import.reading import TEMPLATE_KEYS
from ledger_import.services import ledger_import
from tests.factories import FacilityFactory, ProgramFactory, StaffFactory, UserFactory
from tests.ledger_import.files import HEADER, csv_bytes, person, stream, xlsx

pytestmark = pytest.mark.django_db


def run(program, content, name="台帳.xlsx", by=None):
    return ledger_import(program=program, by=by, file=stream(content), filename=name)


def two_facilities():
    other = {"name": "阿保訪問看護ステーション", "name_kana": "あぼほうもんかんご", "kind": "訪問看護ステーション",
             "address": "大阪府松原市阿保2-3-4", "postal_code": "5800002", "phone": "0721113333"}
    return [
        person(1, number="M-0001"),
        person(2, number="", name="", name_kana="", kind="", postal_code="", address="", phone="", pledge_on=""),
        person(3, **other, is_admin="〇", last_training_on="R7.3.1"),
    ]


def test_a_new_network_is_written_approved_and_numbered():
    program = ProgramFactory(variant="matsubara", code="MTB")
    by = UserFactory()
    plan = run(program, xlsx(two_facilities()), by=by)
    assert plan.written and plan.error_count == 0
    numbered, assigned = Facility.objects.filter(program=program).order_by("pk")
    assert numbered.number == "M-0001" and assigned.number == "MTB-0001", "a number is assigned where none is given"
    assert {numbered.status, assigned.status} == {FacilityStatus.ACTIVE}
    assert assigned.name_kana == "アボホウモンカンゴ" and assigned.postal_code == "580-0002"
    people = {s.email: s for s in Staff.objects.filter(program=program)}
    assert people["person1@example.jp"].status == StaffStatus.ACTIVE and people["person1@example.jp"].is_admin
    assert people["person2@example.jp"].facility == numbered, "the blank facility cells: the facility above"
    assert people["person2@example.jp"].status == StaffStatus.PENDING, "no pledge date: 登録準備中"
    pledge = Pledge.objects.get(staff=people["person1@example.jp"])
    assert (pledge.kind, pledge.signed_on) == (PledgeKind.SIGNED, datetime.date(2025, 4, 1))
    session = TrainingSession.objects.get(facility=assigned)
    assert (session.kind, session.held_on) == (TrainingKind.EDUCATION, datetime.date(2025, 3, 1))
    # Imported staff get no login, and go on no change notice: they were already there.
    assert not Role.objects.filter(program=program).exists()
    assert all(s.user_id is None for s in people.values())
    assert not ChangeNotice.objects.filter(program=program).exists()


def test_history_says_who_imported_from_which_file():
    program = ProgramFactory(variant="matsubara")
    by = UserFactory()
    run(program, xlsx(two_facilities()), name="2025年度台帳.xlsx", by=by)
    staff = Staff.objects.get(email="person1@example.jp")
    record = staff.history.earliest()
    assert record.history_user == by and record.history_change_reason == "台帳の取込: 2025年度台帳.xlsx"
    facility = staff.facility.history.earliest()
    assert facility.history_change_reason == "台帳の取込: 2025年度台帳.xlsx"


@pytest.mark.parametrize("variant", ["kumagaya", "musashimurayama", "matsubara"])
def test_importing_the_same_file_twice_changes_nothing(variant):
    program = ProgramFactory(variant=variant, area_postal_prefixes=["580"])
    content = csv_bytes(two_facilities(), encoding="cp932")
    first = run(program, content, name="台帳.csv")
    assert first.written
    before = (Staff.history.count(), Facility.history.count(), Pledge.objects.count(), TrainingSession.objects.count())
    again = run(program, content, name="台帳.csv")
    assert again.written
    assert again.summary() == (
        "facilities: 0 created, 0 updated, 2 unchanged; staff: 0 created, 0 updated, 3 unchanged; errors: 0"
    )
    after = (Staff.history.count(), Facility.history.count(), Pledge.objects.count(), TrainingSession.objects.count())
    assert after == before
    assert not ChangeNotice.objects.filter(program=program).exists(), "imported people are no change to notify"


def test_a_changed_cell_becomes_an_update_in_history():
    program = ProgramFactory(variant="matsubara")
    run(program, xlsx(two_facilities()))
    rows = two_facilities()
    rows[1].update(full_name="職員 二郎", job="理学療法士", pledge_on="2025/5/1")
    by = UserFactory()
    plan = run(program, xlsx(rows), name="台帳_修正.xlsx", by=by)
    assert plan.summary().startswith("facilities: 0 created, 0 updated, 2 unchanged; staff: 0 created, 1 updated, 2")
    staff = Staff.objects.get(email="person2@example.jp")
    assert (staff.full_name, staff.job, staff.status) == ("職員 二郎", "pt", StaffStatus.ACTIVE)
    latest = staff.history.latest()
    assert latest.history_user == by and latest.history_change_reason == "台帳の取込: 台帳_修正.xlsx"


def test_an_error_anywhere_writes_nothing():
    program = ProgramFactory(variant="matsubara")
    rows = [person(n, email=f"p{n}@example.jp") for n in range(1, 50)] + [person(50, email="p1@example.jp")]
    plan = run(program, xlsx(rows))
    assert not plan.written and plan.error_count == 1
    assert not Facility.objects.filter(program=program).exists() and not Staff.objects.exists()


def test_training_before_use_makes_people_active_where_the_policy_asks_for_it():
    program = ProgramFactory(variant="musashimurayama", area_postal_prefixes=["580"])
    header, keys = [*HEADER, "利用前研修"], (*TEMPLATE_KEYS, "initial_training")
    rows = [person(1, last_training_on="2025/3/1", initial_training="済"), person(2, initial_training="")]
    plan = run(program, xlsx(rows, header=header, keys=keys))
    assert plan.written
    first, second = Staff.objects.order_by("email")
    assert first.status == StaffStatus.ACTIVE
    assert second.status == StaffStatus.PENDING
    assert TrainingSession.objects.get().kind == TrainingKind.LECTURE


def test_an_existing_facility_is_updated_from_the_file_and_gets_its_staff():
    program = ProgramFactory(variant="chuo")
    facility = FacilityFactory(program=program, number="C-7", phone="03-0000-0000")
    StaffFactory(facility=facility, email="already@example.jp", is_admin=True)
    plan = run(program, xlsx([person(1, number="C-7", is_admin="")]))
    assert plan.written and plan.counts()["facilities_update"] == 1
    facility.refresh_from_db()
    assert facility.phone == "072-111-2222" and facility.number == "C-7"
    latest = facility.history.first()
    assert latest.history_change_reason and "台帳の取込" in latest.history_change_reason
    assert Staff.objects.filter(facility=facility).count() == 2
    again = run(program, xlsx([person(1, number="C-7", is_admin="")]))
    assert again.counts()["facilities_unchanged"] == 1  # the same file twice changes nothing more


def test_the_command_writes_and_exits_0(tmp_path):
    program = ProgramFactory(variant="matsubara")
    path = tmp_path / "台帳.xlsx"
    path.write_bytes(xlsx(two_facilities()))
    call_command("import_ledger", program.slug, str(path), stdout=io.StringIO())
    assert Staff.objects.filter(program=program).count() == 3
    assert Staff.objects.get(email="person1@example.jp").history.earliest().history_change_reason == "台帳の取込: 台帳.xlsx"


def test_ten_thousand_rows_with_one_bad_row_at_the_end_write_nothing(tmp_path):
    program = ProgramFactory(variant="matsubara")
    rows = [person(n, email=f"p{n}@example.jp") for n in range(1, 10_000)] + [person(10_000, job="運転手")]
    path = tmp_path / "big.csv"
    path.write_bytes(csv_bytes(rows, encoding="cp932"))
    with pytest.raises(CommandError) as exited:
        call_command("import_ledger", program.slug, str(path), stdout=io.StringIO())
    assert exited.value.returncode == 1
    assert not Facility.objects.filter(program=program).exists() and not Staff.objects.exists()
