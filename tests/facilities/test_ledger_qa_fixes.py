"""What a facility administrator ran into on the ledger (exploratory QA, mostly on a phone)."""

import datetime

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from facilities import services
from facilities.forms import FacilityDetailsForm, StaffForm, TrainingForm
from facilities.models import DeviceReturn, RemovalReason, RoleKind, Staff, StaffStatus
from tests.conftest import make_world
from tests.factories import RoleFactory, StaffFactory, UserFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def staff_data(**kwargs):
    data = {"full_name": "訪問 太郎", "full_name_kana": "ホウモン タロウ", "job": "nurse", "email": "taro2@example.jp"}
    return {**data, **kwargs}


# --- 1. The facility's address cannot be erased --------------------------------------------------


def test_the_details_form_requires_the_postal_code_and_the_address(world):
    facility = world.facility_a
    data = {
        "name": facility.name, "name_kana": "テスト", "kind": facility.kind, "postal_code": "", "address": "",
        "phone": "", "fax": "", "representative": "", "changed_on": TODAY.isoformat(),
    }
    form = FacilityDetailsForm(data, instance=facility)
    assert not form.is_valid()
    assert "postal_code" in form.errors and "address" in form.errors


def test_the_representatives_example_names_nobody_of_another_city(world):
    form = FacilityDetailsForm(instance=world.facility_a)
    assert "熊谷" not in form.fields["representative"].help_text


# --- 3. Removing someone whose device is not back ----------------------------------------------


def test_removal_with_a_device_out_says_it_is_done_and_to_collect_the_device_not_zero_groups(client, world):
    client.force_login(world.admin_a)
    response = client.post(
        reverse("facilities:staff-remove", args=[world.staff_a.pk]),
        {"reason": RemovalReason.RETIRED, "effective_date": TODAY.isoformat(), "devices": DeviceReturn.NOT_RETURNED},
    )
    assert response.status_code == 302
    world.staff_a.refresh_from_db()
    assert world.staff_a.status == StaffStatus.REMOVED
    said = [str(m) for m in get_messages(response.wsgi_request)]
    assert said[0] == f"{world.staff_a.full_name}さんを削除しました。"
    assert "本人から機器を回収してください" in said[1]
    assert not any("0件" in m or "手続きを進めて" in m for m in said)


# --- 4. The same person twice, and another person's address -----------------------------------


def test_adding_someone_of_the_same_name_and_kana_asks_first(client, world):
    StaffFactory(facility=world.facility_a, full_name="訪問 太郎", full_name_kana="ホウモン タロウ", email="taro@example.jp")
    client.force_login(world.admin_a)
    url = reverse("facilities:staff-add", args=[world.facility_a.pk])
    response = client.post(url, staff_data(full_name="訪問太郎"))
    body = response.content.decode()
    assert response.status_code == 200 and "同じ人がすでに台帳にいませんか" in body
    assert "taro@example.jp" in body and 'value="taro2@example.jp"' in body  # what was typed stays
    assert Staff.objects.filter(full_name_kana="ホウモン タロウ").count() == 1
    response = client.post(url, {**staff_data(), "as_distinct": "1"})
    assert response.status_code == 302
    assert Staff.objects.filter(full_name_kana="ホウモン タロウ").count() == 2


def test_a_namesake_removed_or_at_another_facility_is_no_reason_to_ask(client, world):
    StaffFactory(facility=world.facility_a2, full_name="訪問 太郎", full_name_kana="ホウモン タロウ")
    StaffFactory(facility=world.facility_a, full_name="訪問 太郎", full_name_kana="ホウモン タロウ",
                 status=StaffStatus.REMOVED)
    client.force_login(world.admin_a)
    response = client.post(reverse("facilities:staff-add", args=[world.facility_a.pk]), staff_data())
    assert response.status_code == 302


def test_the_tick_lists_tell_namesakes_apart_by_their_address(world):
    first = StaffFactory(facility=world.facility_a, full_name="訪問 太郎", email="taro@example.jp")
    second = StaffFactory(facility=world.facility_a, full_name="訪問 太郎", email="taro2@example.jp")
    form = TrainingForm(staff_queryset=Staff.objects.filter(pk__in=[first.pk, second.pk]),
                        policy=world.program_a.policy)
    labels = [label for _value, label in form.fields["staff"].choices]
    assert any("taro@example.jp" in label for label in labels) and any("taro2@example.jp" in label for label in labels)
    details = FacilityDetailsForm(instance=world.facility_a)
    assert any("taro2@example.jp" in label for _value, label in details.fields["admins"].choices)


def test_the_login_of_another_facilitys_administrator_is_not_a_new_persons_address(world):
    other = UserFactory(email="nurse-admin@example.jp")
    RoleFactory(kind=RoleKind.FACILITY_ADMIN, program=world.program_a, facility=world.facility_a2, user=other)
    blank = Staff(program=world.program_a, facility=world.facility_a)
    form = StaffForm(staff_data(email="Nurse-Admin@example.jp"), program=world.program_a, instance=blank)
    assert not form.is_valid() and "別の職員が使っています" in form.errors["email"][0]
    with pytest.raises(ValidationError):
        services.staff_add(facility=world.facility_a, by=world.admin_a, full_name="新人 花子", job="nurse",
                           email="nurse-admin@example.jp")


def test_a_login_at_this_facility_or_in_another_program_may_be_registered(world):
    here = UserFactory(email="coordinator@example.jp")
    RoleFactory(kind=RoleKind.COORDINATOR, program=world.program_a, facility=world.facility_a, user=here)
    elsewhere = UserFactory(email="b-admin@example.jp")
    RoleFactory(kind=RoleKind.FACILITY_ADMIN, program=world.program_b, facility=world.facility_b, user=elsewhere)
    for email in ("coordinator@example.jp", "b-admin@example.jp"):
        blank = Staff(program=world.program_a, facility=world.facility_a)
        assert StaffForm(staff_data(email=email), program=world.program_a, instance=blank).is_valid()


# --- 5. The ledger and the change notice on a phone ----------------------------------------------


def test_the_ledger_is_one_card_per_person_with_labelled_cells(client, world):
    assert world.staff_a.pk  # the world makes its people on first use
    client.force_login(world.admin_a)
    body = client.get(reverse("facilities:facility-detail", args=[world.facility_a.pk])).content.decode()
    assert '<table class="list ledger cards">' in body
    assert 'data-label="状態"' in body and 'data-label="誓約書"' in body and 'data-label="氏名 / カナ"' in body


def test_the_change_notices_fix_link_is_in_a_card(client):
    world = make_world(variant_a="musashimurayama")
    services.staff_add(facility=world.facility_a, by=world.admin_a, full_name="新人 一郎", full_name_kana="シンジン",
                       job="nurse", email="new@example.jp")
    client.force_login(world.admin_a)
    notice = world.facility_a.change_notices.get()
    body = client.get(reverse("facilities:notice-detail", args=[notice.pk])).content.decode()
    assert '<table class="list cards notice-lines">' in body and 'data-label="変更日"' in body
    assert "の行を直す" in body


# --- 9. Smaller -------------------------------------------------------------------------------------


def test_the_job_select_asks_to_choose(world):
    blank = Staff(program=world.program_a, facility=world.facility_a)
    form = StaffForm(program=world.program_a, instance=blank)
    assert form.fields["job"].choices[0] == ("", "選択してください")


def test_the_home_count_says_it_includes_people_never_trained(client, world):
    world.staff_a.status, world.staff_a.started_on = StaffStatus.ACTIVE, datetime.date(2000, 1, 1)
    world.staff_a.save()
    client.force_login(world.admin_a)
    body = client.get(reverse("home")).content.decode()
    assert "職員教育の記録がない、または365日を過ぎた職員" in body
