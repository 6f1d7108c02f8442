"""Every date a person types is checked against reality and the policy, the same way on every form
(core.forms.CheckedDateField; the grace per kind of date is in docs/decisions/0015)."""

import datetime

import pytest
from django import forms
from django.utils import timezone

from consent.forms import ConsentForm, PatientUpdateForm
from core.forms import REMOVAL_AHEAD_DAYS, START_AHEAD_DAYS, CheckedDateField, PastDateField
from enrollment.forms import ApplicationForm
from facilities.forms import PledgeForm, RemovalForm, StaffForm, TrainingForm
from facilities.models import Staff
from groups.forms import ArchiveForm, MemberRemoveForm
from ledger_import.reading import normalise
from tests.consent.factories import PatientFactory
from tests.factories import FacilityFactory, ProgramFactory, StaffFactory
from tests.groups.factories import GroupFactory, MembershipFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def days(n):
    return (TODAY + datetime.timedelta(days=n)).isoformat()


class OneDate(forms.Form):
    on = CheckedDateField(label="利用開始日", ahead_days=3)


def test_the_field_allows_its_grace_and_says_the_last_day_it_takes():
    assert OneDate({"on": days(3)}).is_valid()
    form = OneDate({"on": days(4)})
    assert not form.is_valid()
    assert form.errors["on"][0].startswith("利用開始日は3日先（令和")


def test_a_floor_set_on_one_form_does_not_leak_into_the_next():
    first = OneDate({"on": days(-10)})
    first.fields["on"].not_before(TODAY, "施設の承認日")
    assert not first.is_valid()
    assert "施設の承認日（" in first.errors["on"][0]
    assert OneDate({"on": days(-10)}).is_valid()


def test_a_past_date_field_refuses_tomorrow():
    class Signed(forms.Form):
        on = PastDateField(label="署名日")

    assert Signed({"on": days(1)}).errors["on"] == ["署名日に未来の日付は入れられません。"]


def staff_data(**overrides):
    return {"full_name": "高橋 美咲", "full_name_kana": "タカハシ ミサキ", "job": "nurse",
            "email": "takahashi@example.jp", **overrides}


@pytest.mark.parametrize("variant", ["kumagaya", "chuo"])
def test_start_date_may_be_two_weeks_ahead_never_more_nor_before_the_approval(variant):
    facility = FacilityFactory(program=ProgramFactory(variant=variant), approved_on=datetime.date(2025, 4, 1))

    def form(on):
        return StaffForm(staff_data(started_on=on), program=facility.program,
                         instance=Staff(program=facility.program, facility=facility))

    assert form(days(START_AHEAD_DAYS)).is_valid()
    assert "14日先" in form(days(START_AHEAD_DAYS + 1)).errors["started_on"][0]
    early = form("2025-03-31").errors["started_on"][0]
    assert early == "利用開始日を施設の承認日（令和7年4月1日）より前の日付にはできません。"
    assert form("").is_valid()  # left blank: the day they start


def removal(staff, on):
    return RemovalForm({"reason": "retired", "effective_date": on, "devices": "returned"}, staff=staff)


def test_a_removal_is_announced_ahead_only_where_the_notice_comes_first():
    # kumagaya: the notice comes before the removal (第6条3), so the day may lie ahead.
    ahead = StaffFactory(facility__program=ProgramFactory(variant="kumagaya"))
    assert removal(ahead, days(REMOVAL_AHEAD_DAYS)).is_valid()
    assert "31日先" in removal(ahead, days(REMOVAL_AHEAD_DAYS + 1)).errors["effective_date"][0]
    # musashimurayama removes at once and notifies afterwards: a future day would be a fiction.
    at_once = StaffFactory(facility__program=ProgramFactory(variant="musashimurayama"))
    assert removal(at_once, days(1)).errors["effective_date"] == [
        "削除日（退職・異動・担当を外れた日）に未来の日付は入れられません。"
    ]
    assert removal(at_once, days(0)).is_valid()


def test_a_removal_date_is_not_before_the_start_nor_the_approval():
    staff = StaffFactory(started_on=datetime.date(2025, 6, 1), facility__approved_on=datetime.date(2025, 4, 1))
    assert "利用開始日（令和7年6月1日）" in removal(staff, "2025-05-31").errors["effective_date"][0]
    staff.started_on = None
    assert "施設の承認日（令和7年4月1日）" in removal(staff, "2025-03-31").errors["effective_date"][0]


def test_pledge_and_training_dates_have_happened():
    staff = StaffFactory(facility__program=ProgramFactory(variant="musashimurayama"))
    policy = staff.program.policy
    pledge = PledgeForm({"kind": "signed", "signed_on": days(1)}, policy=policy)
    assert pledge.errors["signed_on"] == ["署名日に未来の日付は入れられません。"]
    training = TrainingForm({"kind": "lecture", "held_on": days(1), "staff": [staff.pk]},
                            staff_queryset=Staff.objects.all(), policy=policy)
    assert training.errors["held_on"] == ["実施日に未来の日付は入れられません。"]


def test_the_applications_pledge_date_has_happened():
    form = ApplicationForm({"pledge_agreed": "on", "pledge_signed_on": days(1)},
                           program=ProgramFactory(variant="kumagaya"))
    assert form.errors["pledge_signed_on"] == ["誓約日に未来の日付は入れられません。"]


def test_a_consent_is_not_signed_before_the_patient_was_born():
    patient = PatientFactory(birth_date=datetime.date(1940, 2, 11))
    form = ConsentForm({"signed_on": "1940-02-10"}, patient=patient, templates=patient.program.consent_templates.all(),
                       current=None)
    assert form.errors["signed_on"] == ["同意日を生年月日（昭和15年2月11日）より前の日付にはできません。"]


def test_a_patients_status_date_is_not_before_birth():
    patient = PatientFactory(birth_date=datetime.date(1940, 2, 11))
    form = PatientUpdateForm({"status_on": "1939-01-01"}, program=patient.program, instance=patient)
    assert "生年月日（昭和15年2月11日）より前" in form.errors["status_on"][0]


def test_the_imported_ledger_keeps_the_same_rules():
    assert normalise("started_on", days(START_AHEAD_DAYS)) == TODAY + datetime.timedelta(days=START_AHEAD_DAYS)
    with pytest.raises(forms.ValidationError, match="14日先"):
        normalise("started_on", days(START_AHEAD_DAYS + 1))
    with pytest.raises(forms.ValidationError, match="未来の日付"):
        normalise("pledge_on", days(1))


def test_group_dates_are_not_before_the_membership_or_the_group():
    group = GroupFactory(created_on=datetime.date(2025, 5, 1))
    membership = MembershipFactory(group=group, invited_on=datetime.date(2025, 6, 1))
    removed = MemberRemoveForm({"reason": "unassigned", "ended_on": "2025-05-31"}, membership=membership)
    assert removed.errors["ended_on"] == ["解除日を招待日（令和7年6月1日）より前の日付にはできません。"]
    archived = ArchiveForm({"reason": "死亡のため", "archived_on": "2025-04-30"}, group=group)
    assert "グループの作成日（令和7年5月1日）" in archived.errors["archived_on"][0]
    assert ArchiveForm({"reason": "死亡のため", "archived_on": TODAY.isoformat()}, group=group).is_valid()
