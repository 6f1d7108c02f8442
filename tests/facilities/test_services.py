"""Adding, activating and removing staff in every variant: pledge, training and notice behaviour."""

import datetime

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from core.services import PolicyBlocked
from facilities import services
from facilities.models import (
    ChangeKind,
    ChangeNotice,
    DeviceReturn,
    FacilityStatus,
    NoticeLine,
    NoticeStatus,
    Pledge,
    PledgeKind,
    PledgeText,
    RemovalReason,
    Role,
    RoleKind,
    Staff,
    StaffRemoval,
    StaffStatus,
    TrainingKind,
)
from policy.rules import check, profile
from tests.facilities.helpers import NOTICE_FIRST_VARIANTS, NOTICE_VARIANTS, PLEDGE_VARIANTS, TODAY
from tests.factories import RoleFactory, StaffFactory
from tests.helpers import variants

pytestmark = pytest.mark.django_db


def add(world, **kwargs):
    data = {"full_name": "山田 花子", "full_name_kana": "ヤマダ ハナコ", "job": "nurse", "email": "hanako@example.jp"}
    data.update(kwargs)
    return services.staff_add(facility=world.facility_a, by=world.admin_a, **data)


def pledge(staff, by, kind=PledgeKind.SIGNED):
    extra = {"existing_pledge": "入職時の守秘義務誓約書"} if kind == PledgeKind.EXEMPT else {}
    return services.pledge_record(staff=staff, by=by, kind=kind, signed_on=TODAY, **extra)


def train(staff, by, kind=TrainingKind.LECTURE):
    return services.training_record(facility=staff.facility, by=by, kind=kind, held_on=TODAY, staff=[staff])


def request_removal(staff, by, **kwargs):
    data = {
        "reason": RemovalReason.RETIRED, "effective_date": TODAY, "devices_returned": DeviceReturn.RETURNED,
    }
    data.update(kwargs)
    return services.staff_request_removal(staff=staff, by=by, **data)


def rules(exc_or_records):
    if isinstance(exc_or_records, ValidationError):
        return [v.rule for v in exc_or_records.violations]
    return [w["rule"] for w in exc_or_records]


def test_the_variant_groups_match_the_profiles():
    # The tests below lean on these groups; if a profile changes, this says so first.
    assert PLEDGE_VARIANTS == ["musashimurayama", "chuo", "matsubara", "iwakuni"]
    assert NOTICE_VARIANTS == ["kumagaya", "musashimurayama"]
    assert NOTICE_FIRST_VARIANTS == ["kumagaya"]


# --- Adding and activating -----------------------------------------------------------------


def exempt(staff, by):
    return pledge(staff, by, PledgeKind.EXEMPT)


def video(staff, by):
    return train(staff, by, TrainingKind.VIDEO)


def steps_before_use(sign=pledge, attend=train):
    """(variant, the steps a new person needs before use in it), for every variant."""
    return [
        *[(v, []) for v in variants(staff_pledge_required=False, training_required_before_use=False)],
        *[(v, [sign]) for v in variants(staff_pledge_required=True, training_required_before_use=False)],
        *[(v, [attend]) for v in variants(staff_pledge_required=False, training_required_before_use=True)],
        *[(v, [sign, attend]) for v in variants(staff_pledge_required=True, training_required_before_use=True)],
    ]


@pytest.mark.parametrize(("variant", "steps"), steps_before_use())
def test_new_staff_become_active_once_they_have_what_the_variant_asks(vworld, steps):
    staff = add(vworld)
    for step in steps:
        assert staff.status == StaffStatus.PENDING
        step(staff, vworld.admin_a)
        staff.refresh_from_db()
    assert staff.status == StaffStatus.ACTIVE
    assert staff.started_on == TODAY


@pytest.mark.parametrize(("variant", "on_notice"), [(v, v in NOTICE_VARIANTS) for v in variants()])
def test_an_addition_goes_on_the_change_notice_where_the_variant_has_one(vworld, on_notice):
    staff = add(vworld)
    assert NoticeLine.objects.filter(staff=staff, change=ChangeKind.ADD).exists() == on_notice


@pytest.mark.parametrize(("variant", "steps"), [(v, steps) for v, steps in steps_before_use(exempt, video) if steps])
def test_an_exempted_pledge_counts_as_a_pledge(vworld, steps):
    staff = add(vworld)
    for step in steps:
        step(staff, vworld.admin_a)
    staff.refresh_from_db()
    assert staff.status == StaffStatus.ACTIVE


def test_a_pledge_is_refused_where_the_variant_has_none(db):
    from tests.conftest import make_world

    world = make_world(variant_a="kumagaya")
    with pytest.raises(ValidationError, match="いりません"):
        pledge(world.staff_a, world.admin_a)


def test_staff_of_a_facility_not_yet_approved_stay_pending(vworld):
    vworld.facility_a.status = FacilityStatus.SUSPENDED
    vworld.facility_a.save()
    staff = add(vworld)
    with pytest.raises(PolicyBlocked) as blocked:
        services.staff_activate(staff=staff, by=vworld.admin_a)
    assert "STF-FACILITY" in rules(blocked.value)
    staff.refresh_from_db()
    assert staff.status == StaffStatus.PENDING


def test_periodic_education_does_not_replace_the_training_before_use(db):
    from tests.conftest import make_world

    world = make_world(variant_a="musashimurayama")
    staff = add(world)
    pledge(staff, world.admin_a)
    train(staff, world.admin_a, TrainingKind.EDUCATION)
    staff.refresh_from_db()
    assert staff.status == StaffStatus.PENDING
    with pytest.raises(PolicyBlocked) as blocked:
        services.staff_activate(staff=staff, by=world.admin_a)
    assert rules(blocked.value) == ["STF-TRAINING"]


def test_training_is_recorded_for_many_staff_at_once(world):
    people = [add(world, email=f"p{n}@example.jp") for n in range(3)]
    session = services.training_record(
        facility=world.facility_a, by=world.admin_a, kind=TrainingKind.EDUCATION, held_on=TODAY, staff=people
    )
    assert session.attendances.count() == 3
    assert set(Staff.objects.with_ledger().filter(pk__in=[p.pk for p in people]).values_list(
        "last_training_on", flat=True)) == {TODAY}


def test_training_refuses_staff_of_another_facility(world):
    stranger = StaffFactory(facility=world.facility_a2)
    with pytest.raises(ValidationError) as error:
        services.training_record(
            facility=world.facility_a, by=world.admin_a, kind=TrainingKind.EDUCATION, held_on=TODAY,
            staff=[stranger],
        )
    assert "staff" in error.value.message_dict


@pytest.mark.parametrize("email", ["hanako@example.jp", "HANAKO@Example.JP", " hanako@example.jp "])
def test_one_email_per_person_across_the_program(world, email):
    StaffFactory(facility=world.facility_a2, email="hanako@example.jp")
    with pytest.raises(ValidationError) as error:
        add(world, email=email)
    assert "email" in error.value.message_dict
    assert Staff.objects.filter(facility=world.facility_a, full_name="山田 花子").count() == 0


def test_an_email_is_free_again_once_its_owner_is_removed_or_in_another_program(world):
    StaffFactory(facility=world.facility_b, email="hanako@example.jp")
    StaffFactory(facility=world.facility_a2, email="hanako@example.jp", status=StaffStatus.REMOVED)
    assert add(world).pk


def test_staff_update_keeps_the_email_rule(world):
    other = add(world, email="other@example.jp")
    with pytest.raises(ValidationError) as error:
        services.staff_update(staff=other, by=world.admin_a, email=world.staff_a.email.upper())
    assert "email" in error.value.message_dict
    services.staff_update(staff=other, by=world.admin_a, full_name="山田 花", is_admin=True)
    other.refresh_from_db()
    assert (other.full_name, other.is_admin) == ("山田 花", True)


def test_history_records_who_added_and_activated(world):
    staff = add(world)
    pledge(staff, world.admin_a)
    assert {h.history_user for h in Staff.history.filter(id=staff.pk)} == {world.admin_a}


# --- Removing ------------------------------------------------------------------------------


def assert_removed(staff, removal, variant, *, on_notice, notice_warning):
    staff.refresh_from_db()
    assert staff.status == StaffStatus.REMOVED
    assert staff.ended_on == TODAY
    assert removal.removed_at is not None and removal.open_memberships_at_removal == 0
    assert removal.note == "患者グループ0件のメンバーから外しました。"  # groups connects its receivers
    expected_warnings = {v.rule for v in check(variant, "remove_staff", {"devices_returned": False})}
    # Where the notice follows the removal, the engine reminds to file it (docs/policy-notes.md #2).
    assert set(rules(removal.warnings)) == expected_warnings | ({"STF-REMOVE-NOTICE"} if notice_warning else set())
    assert NoticeLine.objects.filter(staff=staff, change=ChangeKind.REMOVE).exists() == on_notice
    assert Staff.objects.filter(pk=staff.pk).exists()  # nothing is deleted


@pytest.mark.parametrize("variant", NOTICE_FIRST_VARIANTS)
def test_a_removal_waits_for_the_notice_where_it_comes_first(vworld, variant, django_capture_on_commit_callbacks):
    staff = vworld.staff_a
    removal = request_removal(staff, vworld.admin_a, devices_returned=DeviceReturn.NOT_RETURNED)
    staff.refresh_from_db()
    assert staff.status == StaffStatus.ACTIVE and removal.removed_at is None
    notice = ChangeNotice.objects.get(facility=vworld.facility_a, status=NoticeStatus.DRAFT)
    with django_capture_on_commit_callbacks(execute=True):
        services.notice_file(notice=notice, by=vworld.admin_a)
    removal.refresh_from_db()
    assert_removed(staff, removal, variant, on_notice=True, notice_warning=False)


@pytest.mark.parametrize(("variant", "on_notice"), [
    (v, v in NOTICE_VARIANTS) for v in variants() if v not in NOTICE_FIRST_VARIANTS
])
def test_a_removal_is_done_at_once_where_the_notice_need_not_come_first(vworld, variant, on_notice):
    removal = request_removal(vworld.staff_a, vworld.admin_a, devices_returned=DeviceReturn.NOT_RETURNED)
    assert_removed(vworld.staff_a, removal, variant, on_notice=on_notice, notice_warning=on_notice)


@pytest.mark.parametrize("variant", NOTICE_VARIANTS)
def test_a_removal_goes_on_the_same_draft_as_other_changes(vworld):
    added = add(vworld)
    request_removal(vworld.staff_a, vworld.admin_a)
    notice = ChangeNotice.objects.get(facility=vworld.facility_a)
    assert {(line.staff, line.change) for line in notice.lines.all()} == {
        (added, ChangeKind.ADD), (vworld.staff_a, ChangeKind.REMOVE)
    }


def test_removing_directly_without_the_notice_is_blocked_where_it_must_come_first(db):
    from tests.conftest import make_world

    world = make_world(variant_a="kumagaya")
    with pytest.raises(PolicyBlocked) as blocked:
        services.staff_remove(
            staff=world.staff_a, by=world.admin_a, reason=RemovalReason.RETIRED, effective_date=TODAY,
            devices_returned=True,
        )
    assert rules(blocked.value) == ["STF-REMOVE-NOTICE"]
    world.staff_a.refresh_from_db()
    assert world.staff_a.status == StaffStatus.ACTIVE
    assert not StaffRemoval.objects.exists()


def remove_fully(staff, by, **kwargs):
    """Remove someone as the ledger does, filing the notice where the policy wants it first."""
    removal = request_removal(staff, by, **kwargs)
    if removal.removed_at is None:
        services.notice_file(notice=staff.notice_lines.get(change=ChangeKind.REMOVE).notice, by=by)
        removal.refresh_from_db()
    return removal


@pytest.mark.parametrize(("variant", "warned"), [(v, v == "kumagaya") for v in variants()])
def test_self_withdrawal_is_a_warning_only_where_the_policy_says_so(vworld, warned):
    removal = remove_fully(vworld.staff_a, vworld.admin_a, self_withdrawn=True)
    assert ("STF-SELF-WITHDRAW" in rules(removal.warnings)) == warned


def test_devices_not_lent_raise_no_warning(vworld):
    removal = remove_fully(vworld.staff_a, vworld.admin_a, devices_returned=DeviceReturn.NONE_LENT)
    assert "STF-DEVICE" not in rules(removal.warnings)


def test_removal_ends_the_persons_portal_roles_at_that_facility(world):
    role = RoleFactory(kind=RoleKind.FACILITY_ADMIN, facility=world.facility_a)
    elsewhere = RoleFactory(kind=RoleKind.FACILITY_ADMIN, facility=world.facility_a2, user=role.user)
    world.staff_a.user = role.user
    world.staff_a.save()
    request_removal(world.staff_a, world.admin_a)
    assert Role.objects.get(pk=role.pk).is_active is False
    assert Role.objects.get(pk=elsewhere.pk).is_active is True


def test_a_removed_person_cannot_be_removed_again(world):
    request_removal(world.staff_a, world.admin_a)
    with pytest.raises(ValidationError):
        request_removal(world.staff_a, world.admin_a)


def test_removal_ends_group_memberships_through_the_hooks(world, registered):
    open_memberships, told = {world.staff_a.pk: 2}, []

    def end(*, staff, by, reason, effective_date):
        told.append((staff.pk, by.pk, reason, effective_date))
        return open_memberships.pop(staff.pk, 0)

    registered(hook=end, counter=lambda *, staff: open_memberships.get(staff.pk, 0))
    removal = request_removal(world.staff_a, world.admin_a)
    assert (removal.memberships_ended, removal.open_memberships_at_removal) == (2, 0)
    assert told == [(world.staff_a.pk, world.admin_a.pk, removal.reason, removal.effective_date)]
    assert "2件" in removal.note


def _snapshot(world):
    return (
        list(Staff.objects.order_by("pk").values_list("pk", "status", "ended_on")),
        StaffRemoval.objects.count(), NoticeLine.objects.count(), ChangeNotice.objects.count(),
        list(Role.objects.order_by("pk").values_list("pk", "is_active")),
        world.facility_a.__class__.objects.get(pk=world.facility_a.pk).fax,
    )


@pytest.mark.parametrize("variant", ["musashimurayama", "matsubara"])
def test_a_membership_left_open_rolls_the_whole_removal_back(vworld, registered):
    facility = vworld.facility_a

    def sloppy_hook(**_):
        facility.__class__.objects.filter(pk=facility.pk).update(fax="hook-ran")  # a write to be undone
        return 0

    registered(hook=sloppy_hook, counter=lambda *, staff: 1)
    before = _snapshot(vworld)
    with pytest.raises(PolicyBlocked) as blocked:
        request_removal(vworld.staff_a, vworld.admin_a)
    assert rules(blocked.value) == ["STF-REMOVE-GROUPS"]
    assert _snapshot(vworld) == before


def test_a_failing_hook_rolls_the_whole_removal_back(world, registered):
    def broken(**_):
        world.facility_a.__class__.objects.filter(pk=world.facility_a.pk).update(fax="hook-ran")
        raise RuntimeError("groups unavailable")

    registered(hook=broken)
    before = _snapshot(world)
    with pytest.raises(RuntimeError):
        request_removal(world.staff_a, world.admin_a)
    assert _snapshot(world) == before


def test_filing_rolls_back_when_a_waiting_removal_is_blocked(db, registered):
    from tests.conftest import make_world

    world = make_world(variant_a="kumagaya")
    request_removal(world.staff_a, world.admin_a)
    registered(counter=lambda *, staff: 1)
    notice = ChangeNotice.objects.get()
    before = _snapshot(world)
    with pytest.raises(PolicyBlocked, match=world.staff_a.full_name):
        services.notice_file(notice=notice, by=world.admin_a)
    assert _snapshot(world) == before
    assert ChangeNotice.objects.get().status == NoticeStatus.DRAFT


# --- Pledge wording versions --------------------------------------------------------------


@pytest.mark.parametrize("variant", PLEDGE_VARIANTS)
def test_a_pledge_keeps_the_version_it_was_signed_on(vworld, variant):
    first = pledge(vworld.staff_a, vworld.admin_a)
    assert first.text.version == 1 and first.text.clauses == list(profile(variant).staff_pledge_text)
    assert pledge(vworld.staff_a, vworld.admin_a).text == first.text  # same wording, same version


def test_a_changed_wording_is_published_as_a_new_version(world):
    old = PledgeText.objects.create(
        program=world.program_a, kind="staff_pledge", version=1, form_number="様式4", title="古い誓約書",
        clauses=["旧"],
    )
    signed_before = Pledge.objects.create(
        staff=world.staff_a, kind=PledgeKind.SIGNED, text=old, signed_on=TODAY
    )
    new = pledge(world.staff_a, world.admin_a).text
    assert new.version == 2 and new.title == profile("matsubara").forms["staff_pledge"].title
    signed_before.refresh_from_db()
    assert signed_before.text == old
    assert services.pledge_text_publish(program=world.program_a) == new


def test_a_published_wording_is_never_edited(world):
    text = services.pledge_text_publish(program=world.program_a)
    text.clauses = ["書き換え"]
    with pytest.raises(ValueError):
        text.save()


# --- Change notices -------------------------------------------------------------------------


@pytest.fixture
def notice_world(db):
    from tests.conftest import make_world

    return make_world(variant_a="musashimurayama")


def test_filing_notifies_the_secretariat_and_flags_lateness(notice_world, django_capture_on_commit_callbacks):
    w = notice_world
    w.program_a.secretariat_email = "office@example.jp"
    w.program_a.save()
    request_removal(w.staff_a, w.admin_a, effective_date=TODAY - datetime.timedelta(days=10))
    notice = ChangeNotice.objects.get()
    assert notice.due_on == TODAY - datetime.timedelta(days=3)
    assert list(ChangeNotice.objects.overdue(today=TODAY)) == [notice]
    with django_capture_on_commit_callbacks(execute=True):
        notice = services.notice_file(notice=notice, by=w.admin_a)
    assert notice.status == NoticeStatus.FILED and notice.filed_late
    assert list(ChangeNotice.objects.overdue(today=TODAY)) == [notice]
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["office@example.jp"]
    assert "従事者登録変更通知書" in mail.outbox[0].subject and w.staff_a.full_name in mail.outbox[0].body


def test_a_notice_filed_in_time_is_not_late(notice_world):
    add(notice_world)
    notice = services.notice_file(notice=ChangeNotice.objects.get(), by=notice_world.admin_a)
    assert not notice.filed_late
    assert not ChangeNotice.objects.overdue(today=TODAY).exists()


def test_an_empty_notice_cannot_be_filed(notice_world):
    notice = ChangeNotice.objects.create(facility=notice_world.facility_a, program=notice_world.program_a)
    with pytest.raises(ValidationError, match="ありません"):
        services.notice_file(notice=notice, by=notice_world.admin_a)


def test_new_changes_after_filing_start_a_new_draft(notice_world):
    add(notice_world)
    filed = services.notice_file(notice=ChangeNotice.objects.get(), by=notice_world.admin_a)
    add(notice_world, email="second@example.jp")
    draft = ChangeNotice.objects.get(status=NoticeStatus.DRAFT)
    assert draft != filed and draft.lines.count() == 1


def test_acknowledge_and_correction_tell_the_facility(notice_world, django_capture_on_commit_callbacks):
    w = notice_world
    add(w)
    notice = services.notice_file(notice=ChangeNotice.objects.get(), by=w.admin_a)
    with pytest.raises(ValidationError):
        services.notice_request_correction(notice=notice, by=w.secretariat_a, comment="  ")
    with django_capture_on_commit_callbacks(execute=True):
        notice = services.notice_request_correction(notice=notice, by=w.secretariat_a, comment="職種を確認してください")
    assert notice.status == NoticeStatus.CORRECTION and notice.decided_by == w.secretariat_a
    assert set(mail.outbox[-1].to) == {w.admin_a.email, w.insider_a.email}  # every MCS管理者 of the facility
    assert "職種を確認してください" in mail.outbox[-1].body
    notice = services.notice_file(notice=notice, by=w.admin_a)
    with django_capture_on_commit_callbacks(execute=True):
        notice = services.notice_acknowledge(notice=notice, by=w.secretariat_a)
    assert notice.status == NoticeStatus.ACKNOWLEDGED
    assert "確認しました" in mail.outbox[-1].subject
    # Addressed by the policy's own name for the administrator.
    assert mail.outbox[-1].body.startswith(f"{notice.facility.name} {notice.program.policy.admin_label} 様")


def test_publish_pledge_texts_is_idempotent(world, capsys):
    from django.core.management import call_command

    call_command("publish_pledge_texts")
    # Program A (matsubara) and B (iwakuni) both have a staff pledge.
    assert "Published 2 new pledge text version(s)." in capsys.readouterr().out
    call_command("publish_pledge_texts")
    assert "Published 0 new" in capsys.readouterr().out
    assert PledgeText.objects.count() == 2


# --- Enrolling a facility (enrollment's approval and the Excel import call these) ---------------


def enroll(program, **kwargs):
    data = {
        "name": "みらい在宅クリニック", "name_kana": "みらいざいたくくりにっく", "kind": "clinic",
        "postal_code": "５８００００１", "address": "大阪府松原市若林1-2-3", "phone": "０７２－１２３－４５６７", "fax": "",
    }
    data.update(kwargs)
    return services.facility_enroll(program=program, by=None, **data)


def test_an_enrolled_facility_gets_the_next_number_and_normalised_fields(world):
    from tests.factories import FacilityFactory

    program = world.program_a
    FacilityFactory(program=program, number=f"{program.code}-0041")
    FacilityFactory(program=program, number=f"{program.code}-OLD")
    facility = enroll(program)
    assert facility.number == f"{program.code}-0042" and facility.status == FacilityStatus.ACTIVE
    assert (facility.name_kana, facility.postal_code, facility.phone) == (
        "ミライザイタククリニック", "580-0001", "072-123-4567")
    assert facility.approved_on == TODAY and facility.history.count() == 1
    kept = enroll(program, number="KEEP-7", approved_on=datetime.date(2020, 4, 1))
    assert (kept.number, kept.approved_on) == ("KEEP-7", datetime.date(2020, 4, 1))


@pytest.mark.parametrize(("field", "value"), [("phone", "072-123"), ("fax", "12345"), ("name_kana", "Mirai"),
                                              ("postal_code", "58")])
def test_an_enrolled_facility_is_validated_like_the_forms(world, field, value):
    with pytest.raises(ValidationError) as caught:
        enroll(world.program_a, **{field: value})
    assert field in caught.value.message_dict


def test_granting_administration_makes_a_login_and_a_role_once(world):
    staff = StaffFactory(facility=world.facility_a, email="Kanri@Example.jp", is_admin=False)
    user = services.facility_admin_grant(staff=staff, by=world.secretariat_a)
    staff.refresh_from_db()
    assert user.email.lower() == "kanri@example.jp" and not user.has_usable_password()
    assert staff.user == user and staff.is_admin
    role = Role.objects.get(user=user, facility=world.facility_a, kind=RoleKind.FACILITY_ADMIN)
    role.is_active = False
    role.save()
    assert services.facility_admin_grant(staff=staff, by=world.secretariat_a) == user
    assert Role.objects.get(pk=role.pk).is_active and Role.objects.filter(user=user).count() == 1


def test_granting_administration_reuses_an_existing_login(world):
    staff = StaffFactory(facility=world.facility_a, email=world.admin_a.email.upper())
    assert services.facility_admin_grant(staff=staff, by=None) == world.admin_a


def test_facility_update_normalises_validates_and_records_who(world):
    facility = world.facility_a
    updated = services.facility_update(facility=facility, by=world.secretariat_a, phone="０７２－１１１－２２２２",
                                       name_kana="まつばら しんりょうじょ")
    assert (updated.phone, updated.name_kana) == ("072-111-2222", "マツバラ シンリョウジョ")
    assert updated.history.first().history_user == world.secretariat_a
    with pytest.raises(ValidationError) as caught:
        services.facility_update(facility=facility, by=world.secretariat_a, phone="12")
    assert "phone" in caught.value.message_dict
    facility.refresh_from_db()
    assert facility.phone == "072-111-2222"
    with pytest.raises(ValueError):
        services.facility_update(facility=facility, by=world.secretariat_a, number="X-1")  # never renumbered
