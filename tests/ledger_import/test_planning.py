"""The preview: what would be created, updated or left, and every finding with its row and column."""

import datetime

import pytest

from facilities.models import Facility, Staff
from ledger_import.planning import plan_file
from ledger_import.reading import TEMPLATE_KEYS
from tests.facilities.factories import ExemptPledgeFactory
from tests.factories import FacilityFactory, ProgramFactory, StaffFactory, secretariat_of
from tests.helpers import csv_rows
from tests.ledger_import.files import HEADER, csv_bytes, person, stream, xlsx

pytestmark = pytest.mark.django_db


@pytest.fixture
def program():
    return ProgramFactory(variant="matsubara")  # staff pledge required (exemption allowed), in-area warns


def plan_of(program, rows, name="ledger.xlsx", **kwargs):
    return plan_file(program, stream(xlsx(rows, **kwargs)), name)


def found(plan, level="error"):
    return [(f.row, f.column, f.message) for f in plan.findings if f.level == level]


def test_a_new_network_is_planned_and_nothing_is_written(program):
    other = {"name": "阿保訪問看護ステーション", "address": "大阪府松原市阿保2-3-4", "kind": "訪問看護ステーション"}
    rows = [
        person(1),
        person(2, pledge_on=""),
        person(3, **other, is_admin="○"),
    ]
    plan = plan_of(program, rows)
    assert found(plan) == []
    counts = plan.counts()
    assert (counts["facilities_create"], counts["staff_create"], counts["errors"]) == (2, 3, 0)
    assert plan.summary() == (
        "facilities: 2 created, 0 updated, 0 unchanged; staff: 3 created, 0 updated, 0 unchanged; errors: 0"
    )
    people = {p.email: p for _, p in plan.staff_rows()}
    assert people["person1@example.jp"].becomes == "active"
    assert people["person2@example.jp"].becomes == "pending"
    assert people["person2@example.jp"].missing == ["誓約書"]
    assert any(r == 3 and "登録準備中" in m and "誓約書" in m for r, _, m in found(plan, "warning"))
    assert not Facility.objects.filter(program=program).exists() and not Staff.objects.exists()


def test_blank_or_merged_facility_cells_mean_the_facility_above(program):
    blank = {k: "" for k in ("name", "name_kana", "kind", "postal_code", "address", "phone")}
    rows = [person(1), person(2, **blank), person(3, **blank)]
    plan = plan_of(program, rows, merge=["B2:B4", "F2:F4"])
    assert found(plan) == []
    assert len(plan.facilities) == 1 and len(plan.facilities[0].staff) == 3


def test_a_facility_repeated_with_other_values_is_an_error(program):
    plan = plan_of(program, [person(1), person(2, phone="072-999-8888")])
    assert (3, "電話番号") in [(r, c) for r, c, _ in found(plan)]
    assert "2行目と違います" in found(plan)[0][2]


def test_errors_name_the_row_and_the_column(program):
    rows = [
        person(1, postal_code="58-0001"),
        person(2, job="運転手"),
        person(3, email="person1@example.jp"),
        person(4, email="person4@"),
        person(5, name="管理者のいない薬局", kind="薬局", address="大阪府松原市上田1-1", is_admin=""),
    ]
    errors = found(plan_of(program, rows))
    where = {(r, c) for r, c, _ in errors}
    assert {(2, "郵便番号"), (3, "職種"), (4, "登録メールアドレス"), (5, "登録メールアドレス"), (6, "MCS管理者")} <= where
    messages = dict(((r, c), m) for r, c, m in errors)
    assert messages[(2, "郵便番号")] == "郵便番号は7桁の数字で入力してください。"
    assert "2行目と同じアドレスです" in messages[(4, "登録メールアドレス")]
    assert "第15条(2)" in messages[(4, "登録メールアドレス")], "the engine's message, with its article"
    assert "管理者" in messages[(6, "MCS管理者")] and "第11条" in messages[(6, "MCS管理者")]


def test_an_address_used_at_another_facility_is_an_error(program):
    elsewhere = StaffFactory(facility=FacilityFactory(program=program), email="Person2@Example.jp")
    errors = found(plan_of(program, [person(1), person(2)]))
    assert [(r, c) for r, c, _ in errors] == [(3, "登録メールアドレス")]
    assert elsewhere.facility.name in errors[0][2]


def test_a_number_that_points_nowhere_while_the_place_exists_is_an_error(program):
    FacilityFactory(program=program, number="F-1", name="松原テスト診療所", address="大阪府松原市阿保1-2-3")
    errors = found(plan_of(program, [person(1, number="F-9")]))
    assert errors and "施設番号「F-1」で登録されています" in errors[0][2]


def test_policy_area_is_a_warning_here_and_a_block_where_the_policy_says_so():
    outside = {"postal_code": "100-0001", "address": "東京都千代田区千代田1-1"}
    warn = plan_of(ProgramFactory(variant="matsubara"), [person(1, **outside)])
    assert found(warn) == [] and any("様式1" in m for _, _, m in found(warn, "warning"))
    block = plan_of(ProgramFactory(variant="musashimurayama"), [person(1, **outside)])
    assert [(r, c) for r, c, _ in found(block)] == [(2, "住所")]


def test_one_administrator_per_facility_where_the_policy_says_so():
    plan = plan_of(ProgramFactory(variant="iwakuni"), [person(1), person(2, is_admin="○")])
    assert found(plan) == []
    assert any("第15条" in m for _, c, m in found(plan, "warning") if c == "MCS管理者")


def test_training_before_use_decides_active_or_pending_where_the_policy_asks_for_it():
    program = ProgramFactory(variant="musashimurayama")
    plan = plan_of(program, [person(1, last_training_on="2025/3/1"), person(2)])
    people = {p.email: p for _, p in plan.staff_rows()}
    assert people["person1@example.jp"].missing == ["利用開始前の研修"], "a last training date alone is not the initial one"
    header, keys = [*HEADER, "利用前研修"], (*TEMPLATE_KEYS, "initial_training")
    plan = plan_of(program, [person(1, last_training_on="2025/3/1", initial_training="済")], header=header, keys=keys)
    (person_plan,) = [p for _, p in plan.staff_rows()]
    assert person_plan.becomes == "active"
    assert person_plan.trainings == [("lecture", datetime.date(2025, 3, 1))]


def test_existing_people_unchanged_or_updated(program):
    facility = FacilityFactory(program=program, number="F-1")
    same = StaffFactory(facility=facility, email="person1@example.jp", full_name="職員 1", full_name_kana="ショクイン",
                        gender="女", job="nurse", is_admin=True, started_on=datetime.date(2025, 4, 1))
    ExemptPledgeFactory(staff=same, signed_on=datetime.date(2025, 4, 1))
    rows = [person(1, number="F-1", pledge_kind="省略"), person(2, number="F-1", full_name="職員 2", job="医師")]
    StaffFactory(facility=facility, email="PERSON2@example.jp", full_name="職員 二", job="nurse")
    header, keys = [*HEADER, "誓約書"], (*TEMPLATE_KEYS, "pledge_kind")
    plan = plan_of(program, rows, header=header, keys=keys)
    assert found(plan) == []
    first, second = (p for _, p in plan.staff_rows())
    assert first.action == "unchanged", first.changes
    assert second.action == "update"
    assert second.changes["full_name"] == ("職員 二", "職員 2") and second.changes["job"] == ("nurse", "doctor")
    assert plan.counts()["facilities_update"] == 1  # the file also carries other facility details


def test_differences_in_a_known_facility_become_an_update(program):
    FacilityFactory(program=program, number="F-1", phone="072-000-0000")
    plan = plan_of(program, [person(1, number="F-1")])
    assert found(plan) == []
    warnings = [m for _, c, m in found(plan, "warning") if c == "施設名"]
    assert warnings and "電話番号（ポータル「072-000-0000」、ファイル「072-111-2222」）" in warnings[0]
    assert "更新します" in warnings[0]
    assert (plan.counts()["facilities_update"], plan.counts()["facilities_unchanged"]) == (1, 0)


def test_the_portals_own_staff_export_reads_back_as_all_unchanged(client, program):
    facility = FacilityFactory(program=program)
    admin = StaffFactory(facility=facility, is_admin=True, gender="男", started_on=datetime.date(2024, 4, 1))
    ExemptPledgeFactory(staff=admin, signed_on=datetime.date(2024, 3, 1))
    StaffFactory(facility=facility, full_name="西田 次郎", job="care_manager")
    StaffFactory(facility=FacilityFactory(program=program), is_admin=True, status="removed")
    StaffFactory(facility=Facility.objects.filter(program=program).last(), is_admin=True)
    client.force_login(secretariat_of(program))
    export = client.get(f"/programs/{program.slug}/staff.csv")
    raw = "\r\n".join(",".join(f'"{c}"' for c in row) for row in csv_rows(export)).encode("utf-8-sig")
    plan = plan_file(program, stream(raw), "職員一覧.csv")
    assert found(plan) == [], found(plan)
    counts = plan.counts()
    assert counts["facilities_unchanged"] == 2 and counts["staff_unchanged"] == 4, counts
    assert counts["staff_create"] == counts["staff_update"] == counts["facilities_create"] == 0


def test_ten_thousand_rows_with_one_bad_row_at_the_end(program):
    rows = [person(n, email=f"p{n}@example.jp") for n in range(1, 10_000)]
    rows.append(person(10_000, postal_code="580"))
    plan = plan_file(program, stream(csv_bytes(rows)), "big.csv")
    assert [(r, c) for r, c, _ in found(plan)] == [(10_001, "郵便番号")]
    assert plan.counts()["errors"] == 1 and plan.counts()["staff_create"] == 10_000


def test_a_pledge_recorded_as_exempt_stays_so_when_the_file_has_no_pledge_column(program):
    facility = FacilityFactory(program=program, number="F-1")
    staff = StaffFactory(facility=facility, email="person1@example.jp", full_name="職員 1", is_admin=True,
                         gender="女", full_name_kana="ショクイン", started_on=datetime.date(2025, 4, 1))
    ExemptPledgeFactory(staff=staff, signed_on=datetime.date(2025, 4, 1))
    plan = plan_of(program, [person(1, number="Ｆ－１")])
    (only,) = [p for _, p in plan.staff_rows()]
    assert plan.facilities[0].existing == facility, "全角 in 施設番号 is normalised"
    assert (only.action, only.pledge) == ("unchanged", None)
    plan = plan_of(program, [person(1, number="F-1", pledge_on="2025/6/1")])
    (only,) = [p for _, p in plan.staff_rows()]
    assert only.pledge == ("signed", datetime.date(2025, 6, 1))


def test_without_a_number_a_facility_is_matched_by_name_and_address_as_typed(program):
    facility = FacilityFactory(program=program, name="松原テスト診療所", address="大阪府松原市阿保1-2-3")
    StaffFactory(facility=facility, is_admin=True)
    plan = plan_of(program, [person(1, name="松原テスト診療所 ", address="大阪府松原市阿保１ー２ー３", is_admin="")])
    assert found(plan) == []
    assert plan.facilities[0].existing == facility
    # The address typed with full-width digits and ー is the same address: not an update of it.
    assert "address" not in plan.facilities[0].differences and "name" not in plan.facilities[0].differences
