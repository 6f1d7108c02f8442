"""Journey: a facility leaves the network (iwakuni). The secretariat opens the facility's 利用停止・退会
page, works through the 退会 checklist, hands the facility's one patient over to another facility,
and finds the スタッフ解除 tasks among the MCS tasks; nothing is deleted.
"""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from facilities.models import FacilityStatus, StaffStatus, Withdrawal
from groups.models import McsTask, TaskKind
from tests.browser.helpers import facility_with_admin, field, program_run_by_secretariat, said, sign_in
from tests.consent.factories import PatientFactory
from tests.factories import FacilityFactory, StaffFactory
from tests.groups.factories import GroupFactory, MembershipFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_secretariat_withdraws_a_facility_and_hands_its_patient_over(journey):
    program, secretary = program_run_by_secretariat("iwakuni")
    facility, _admin = facility_with_admin(program)
    nurse = StaffFactory(facility=facility, full_name="佐藤 由美", full_name_kana="サトウ ユミ",
                         started_on=datetime.date(2025, 4, 1))
    clinic = FacilityFactory(program=program, name="いつつばし内科クリニック", approved_on="2025-04-01")
    patient = PatientFactory(program=program, origin_facility=facility, full_name="岩国 一郎")
    group = GroupFactory(origin_facility=facility, patient=patient, leader=nurse)
    MembershipFactory(group=group, staff=nurse)

    page = journey.open("secretariat")
    sign_in(page, secretary)
    page.goto(f"/facilities/{facility.pk}/")
    page.get_by_role("link", name="利用停止・退会").click()
    page.steps.shot("life")
    page.get_by_role("link", name="退会の手続き").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"{facility.name} 退会の手続き")
    expect(page.get_by_text("佐藤 由美（看護師・利用中）")).to_be_visible()

    field(page, f"患者番号{patient.pk} 岩国 一郎さん").select_option(label=f"{clinic.name}に引き継ぐ")
    field(page, "退会の理由").fill("事業所の閉鎖のため（令和8年3月末）")
    field(page, "施設が貸与したIT機器").select_option(label="返却済み")
    page.get_by_label("職員全員の削除", exact=False).check()
    page.steps.shot("checklist")
    page.get_by_role("button", name="退会の手続きをする").click()
    assert page.dialogs[-1].startswith(f"{facility.name}を退会にします。")

    expect(said(page, f"{facility.name}の退会を記録しました")).to_be_visible()
    expect(page.get_by_text("状態: 退会")).to_be_visible()
    expect(page.get_by_role("row", name="患者 引継ぎ 1人・保管 0人")).to_be_visible()
    expect(page.get_by_role("link", name="退会の記録をPDFで印刷")).to_be_visible()
    page.steps.shot("withdrawn")

    facility.refresh_from_db()
    patient.refresh_from_db()
    group.refresh_from_db()
    nurse.refresh_from_db()
    assert facility.status == FacilityStatus.WITHDRAWN
    assert patient.origin_facility == clinic and group.origin_facility == clinic
    assert nurse.status == StaffStatus.REMOVED  # kept in the ledger, not deleted
    assert Withdrawal.objects.get(facility=facility).withdrawn_on == timezone.localdate()

    page.goto(f"/programs/{program.slug}/groups/mcs-tasks/")
    expect(page.get_by_role("row").filter(has_text="佐藤 由美さん")
           .filter(has_text="スタッフ解除する")).to_be_visible()
    expect(page.get_by_role("row").filter(has_text="管理者をいつつばし内科クリニックの職員にする")).to_be_visible()
    page.steps.shot("tasks")
    assert McsTask.objects.filter(kind=TaskKind.RELEASE, staff=nurse).count() == 1
