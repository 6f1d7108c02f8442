"""The 施設管理者連絡網 (musashimurayama 第25条, iwakuni 第23条): the network's MCS group of every
facility administrator, kept true by the portal as administrators change (issue 16).

Its pages' rungs are in tests/groups/walk.py.
"""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from facilities import services as facilities
from facilities.models import DeviceReturn, FacilityStatus, RemovalReason, Staff, StaffStatus
from groups.admin_notice import admin_notice_group, admin_notice_group_register, admin_notice_group_sync
from groups.models import Group, GroupKind, McsTask, MembershipStatus, TaskKind, TaskStatus
from groups.services import group_create
from tests.factories import FacilityFactory, StaffFactory
from tests.groups.helpers import make_site, person, ready
from tests.helpers import variants_split

pytestmark = pytest.mark.django_db
TODAY = datetime.date.today()
WITH_GROUP, WITHOUT_GROUP = variants_split(lambda p: p.admin_notice_group)


def test_the_variants_whose_policy_keeps_the_group():
    assert sorted(WITH_GROUP) == ["iwakuni", "musashimurayama"]


def admin(facility, **kwargs):
    """A ready (pledge, training) administrator line of the ledger."""
    return person(facility, is_admin=True, **kwargs)


def seats(group):
    return {m.staff_id: m.status for m in group.memberships.all() if m.status != MembershipStatus.REMOVED}


def register(site):
    group, refused = admin_notice_group_register(program=site.program, by=site.secretariat, leader=site.leader)
    return group, refused


@pytest.mark.parametrize("variant", WITH_GROUP)
def test_registering_invites_every_current_administrator(variant):
    site = make_site(variant)
    clinic_admin, nursing_admin = admin(site.clinic), admin(site.nursing)
    pending = admin(site.elsewhere)
    Staff.objects.filter(pk=pending.pk).update(status=StaffStatus.PENDING)
    gone = FacilityFactory(program=site.program, status=FacilityStatus.WITHDRAWN)
    withdrawn_admin = admin(gone)

    group, refused = register(site)

    assert group.kind == GroupKind.ADMIN_NOTICE and group.patient is None
    assert group.title == site.policy.admin_notice_group_name
    assert seats(group) == {
        site.leader.pk: MembershipStatus.ACCEPTED,
        clinic_admin.pk: MembershipStatus.INVITED, nursing_admin.pk: MembershipStatus.INVITED,
    }
    assert pending.pk not in seats(group) and withdrawn_admin.pk not in seats(group) and refused == []
    tasks = McsTask.objects.filter(group=group)
    assert sorted(tasks.values_list("kind", flat=True)) == [TaskKind.CREATE, TaskKind.INVITE, TaskKind.INVITE]
    # The secretariat runs the group in MCS, so every task is theirs.
    assert all(t.for_secretariat and t.facility_id is None for t in tasks)
    assert site.policy.admin_notice_article in tasks.get(kind=TaskKind.CREATE).detail


@pytest.mark.parametrize("variant", WITHOUT_GROUP)
def test_a_policy_without_the_group_cannot_have_one(variant):
    site = make_site(variant)
    someone = admin(site.clinic)
    with pytest.raises(ValidationError, match="施設管理者連絡網"):
        register(site)
    # Administrators still change as before, and nothing is opened for a group that does not exist.
    facilities.staff_update(staff=someone, by=site.secretariat, is_admin=False)
    assert not Group.objects.filter(program=site.program).exclude(kind__in=["patient", "family", "free"]).exists()


def test_the_group_is_not_made_as_a_patient_or_free_group():
    site = make_site("iwakuni")  # free groups switched off; the administrators' group is separate
    assert not site.policy.free_groups_allowed
    with pytest.raises(ValueError):
        group_create(program=site.program, by=site.secretariat, kind=GroupKind.ADMIN_NOTICE, leader=site.leader)
    group, _ = register(site)
    assert group.kind == GroupKind.ADMIN_NOTICE


def test_one_group_per_network():
    site = make_site("musashimurayama")
    register(site)
    with pytest.raises(ValidationError, match="すでに登録"):
        register(site)


@pytest.mark.parametrize("variant", WITH_GROUP)
def test_a_new_administrator_is_invited_and_one_who_steps_down_is_taken_out(variant):
    site = make_site(variant)
    group, _ = register(site)
    newcomer = person(site.nursing, user=site.nursing_admin)

    facilities.facility_admin_grant(staff=newcomer, by=site.secretariat)
    membership = group.memberships.get(staff=newcomer)
    assert membership.status == MembershipStatus.INVITED
    invite = McsTask.objects.get(membership=membership, kind=TaskKind.INVITE)
    assert invite.for_secretariat and invite.status == TaskStatus.OPEN

    facilities.staff_update(staff=newcomer, by=site.secretariat, is_admin=False)
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.REMOVED and membership.end_note == "施設管理者でなくなったため"
    assert McsTask.objects.get(membership=membership, kind=TaskKind.REMOVE).for_secretariat
    # The invitation never made in MCS is no longer needed.
    invite.refresh_from_db()
    assert invite.status == TaskStatus.NOT_NEEDED

    facilities.staff_update(staff=newcomer, by=site.secretariat, is_admin=True)
    assert group.memberships.filter(staff=newcomer, status=MembershipStatus.INVITED).count() == 1


@pytest.mark.parametrize("variant", WITH_GROUP)
def test_an_administrator_who_leaves_the_facility_leaves_the_group(variant):
    site = make_site(variant)
    leaving = admin(site.nursing)
    group, _ = register(site)
    facilities.staff_remove(
        staff=leaving, by=site.secretariat, reason=RemovalReason.RETIRED, effective_date=TODAY,
        devices_returned=DeviceReturn.RETURNED,
    )
    membership = group.memberships.get(staff=leaving)
    assert membership.status == MembershipStatus.REMOVED
    assert McsTask.objects.filter(membership=membership, kind=TaskKind.REMOVE).count() == 1


@pytest.mark.parametrize("variant", WITH_GROUP)
def test_an_administrator_joins_when_they_start_using_mcs(variant):
    site = make_site(variant)
    group, _ = register(site)
    starting = facilities.staff_add(
        facility=site.nursing, by=site.secretariat, full_name="新任 管理", full_name_kana="シンニン カンリ",
        job="nurse", email="new-admin@example.jp", is_admin=True, on_notice=False,
    )
    assert starting.status == StaffStatus.PENDING and starting.pk not in seats(group)
    ready(starting)  # the pledge and training that let them start
    facilities.staff_try_activate(staff=starting, by=site.secretariat)
    assert seats(group)[starting.pk] == MembershipStatus.INVITED


@pytest.mark.parametrize("variant", WITH_GROUP)
def test_an_administrator_the_engine_refuses_is_left_out_without_blocking_the_grant(variant):
    site = make_site(variant)  # both variants ask a pledge of every member
    group, _ = register(site)
    unpledged = StaffFactory(facility=site.nursing, user=site.nursing_admin)
    facilities.facility_admin_grant(staff=unpledged, by=site.secretariat)  # does not raise
    unpledged.refresh_from_db()
    assert unpledged.is_admin and unpledged.pk not in seats(group)
    invited, removed, refused = admin_notice_group_sync(program=site.program, by=site.secretariat)
    assert invited == [] and removed == [] and [p for p, _ in refused] == [unpledged]
    assert "誓約書" in " ".join(refused[0][1])


def test_checking_against_the_ledger_mends_what_changed_behind_its_back():
    site = make_site("iwakuni")
    kept, demoted = admin(site.clinic), admin(site.nursing)
    group, _ = register(site)
    # Changes the hooks never heard of (a facility suspended outside the portal's services, a bulk fix).
    Staff.objects.filter(pk=demoted.pk).update(is_admin=False)
    promoted = person(site.elsewhere)
    Staff.objects.filter(pk=promoted.pk).update(is_admin=True)

    invited, removed, refused = admin_notice_group_sync(program=site.program, by=site.secretariat)

    assert invited == [promoted] and removed == [demoted] and refused == []
    assert set(seats(group)) == {site.leader.pk, kept.pk, promoted.pk}
    # Checking again finds nothing to do.
    assert admin_notice_group_sync(program=site.program, by=site.secretariat) == ([], [], [])


def test_a_withdrawn_facility_s_administrators_are_taken_out_by_the_facility_wide_call():
    from facilities import hooks

    site = make_site("musashimurayama")
    nursing_admin = admin(site.nursing)
    group, _ = register(site)
    site.nursing.status = FacilityStatus.WITHDRAWN
    site.nursing.save()
    changed = hooks.admin_changed.call(staff=None, facility=site.nursing, by=site.secretariat, became_admin=False)
    assert changed == [1]
    assert nursing_admin.pk not in seats(group)


def test_the_leader_stays_whatever_their_ledger_says():
    site = make_site("musashimurayama")
    group, _ = register(site)
    assert not site.leader.is_admin
    admin_notice_group_sync(program=site.program, by=site.secretariat)
    assert seats(group)[site.leader.pk] == MembershipStatus.ACCEPTED


def test_without_a_registered_group_nothing_happens_and_checking_says_so():
    site = make_site("musashimurayama")
    someone = person(site.nursing, user=site.nursing_admin)
    facilities.facility_admin_grant(staff=someone, by=site.secretariat)
    assert admin_notice_group(site.program) is None and not McsTask.objects.exists()
    with pytest.raises(ValidationError, match="まだ登録されていません"):
        admin_notice_group_sync(program=site.program, by=site.secretariat)


# --- Pages ---------------------------------------------------------------------------------


def page(program):
    return reverse("groups:admin-notice-group", args=[program.slug])


@pytest.mark.parametrize("variant", WITH_GROUP)
def test_the_secretariat_registers_the_group_and_sees_who_is_missing(client, variant):
    site = make_site(variant)
    ready_admin = admin(site.clinic, full_name="準備 済子")
    unpledged = StaffFactory(facility=site.nursing, is_admin=True, full_name="誓約 未了")
    client.force_login(site.secretariat)
    body = client.get(page(site.program)).content.decode()
    assert site.policy.admin_notice_article in body and "登録する" in body

    response = client.post(page(site.program), {"leader": site.leader.pk}, follow=True)
    body = response.content.decode()
    assert "を登録しました" in body and "誓約 未了さん" in body and "まだ招待できません" in body
    group = admin_notice_group(site.program)
    assert ready_admin.pk in seats(group) and unpledged.pk not in seats(group)
    assert "未参加1名" in body

    response = client.post(reverse("groups:admin-notice-sync", args=[site.program.slug]), follow=True)
    assert "まだ招待できません" in response.content.decode()


def test_a_policy_without_the_group_says_so(client):
    site = make_site("matsubara")
    client.force_login(site.secretariat)
    response = client.get(page(site.program))
    assert response.status_code == 200 and "定めはありません" in response.content.decode()
    response = client.post(reverse("groups:admin-notice-sync", args=[site.program.slug]), follow=True)
    assert "まだ登録されていません" in response.content.decode()


def test_the_page_query_count_does_not_grow_with_the_administrators(client, django_assert_max_num_queries):
    site = make_site("musashimurayama")
    admin(site.clinic)
    register(site)
    client.force_login(site.secretariat)
    with django_assert_max_num_queries(25) as few:
        client.get(page(site.program))
    for _ in range(15):
        admin(FacilityFactory(program=site.program))
    admin_notice_group_sync(program=site.program, by=site.secretariat)
    with django_assert_max_num_queries(len(few.captured_queries)):
        body = client.get(page(site.program)).content.decode()
    assert "施設管理者（16名" in body


def test_a_blocked_registration_changes_nothing():
    site = make_site("musashimurayama")
    Staff.objects.filter(pk=site.leader.pk).update(status=StaffStatus.REMOVED)
    site.leader.refresh_from_db()
    with pytest.raises(ValidationError):
        register(site)
    assert not Group.objects.filter(kind=GroupKind.ADMIN_NOTICE).exists()


def test_periodic_reviews_leave_the_group_to_the_ledger_check():
    from groups.models import CampaignScope
    from groups.reviews import campaign_groups

    site = make_site("musashimurayama")
    group, _ = register(site)
    Group.objects.filter(pk=group.pk).update(created_on=TODAY - datetime.timedelta(days=1000))
    patient_group = site.group()
    for scope in (CampaignScope.ALL, CampaignScope.DUE):
        assert group not in campaign_groups(program=site.program, scope=scope)
    assert patient_group in campaign_groups(program=site.program, scope=CampaignScope.ALL)
    assert not Group.objects.filter(pk=group.pk).review_due(today=TODAY, interval_days=180).exists()


def test_the_database_keeps_one_group_per_network():
    """group_one_admin_notice_per_program: a second one is refused; one deleted in MCS may be replaced."""
    from django.db import IntegrityError, transaction

    site = make_site("musashimurayama")
    group, _ = register(site)

    def another():
        return Group.objects.create(
            program=site.program, kind=GroupKind.ADMIN_NOTICE, title="二つ目", origin_facility=site.clinic,
            leader=site.leader, created_by=site.secretariat, created_on=TODAY,
        )

    with pytest.raises(IntegrityError), transaction.atomic():
        another()
    Group.objects.filter(pk=group.pk).update(status="deleted", deleted_on=TODAY)
    assert another().pk


@pytest.mark.parametrize("variant", WITH_GROUP)
def test_a_suspended_facility_s_administrator_leaves_the_group_and_comes_back_when_lifted(variant):
    from facilities import life

    site = make_site(variant)
    clinic_admin = admin(site.clinic)
    group, _ = register(site)
    assert seats(group)[clinic_admin.pk] == MembershipStatus.INVITED

    suspension = life.suspension_start(
        facility=site.clinic, by=site.secretariat, reason="患者の情報を目的外に転送した",
        article=site.policy.suspension_article, starts_on=TODAY,
    )
    assert clinic_admin.pk not in seats(group)

    life.suspension_lift(suspension=suspension, by=site.secretariat, lifted_on=TODAY, note="指導を受けて改善を確認")
    assert seats(group)[clinic_admin.pk] == MembershipStatus.INVITED


@pytest.mark.parametrize("variant", WITH_GROUP)
def test_an_administrator_replaced_on_the_people_page_keeps_the_group_true(variant):
    from facilities import people
    from facilities.models import Role, RoleKind

    site = make_site(variant)
    first = admin(site.elsewhere)
    facilities.facility_admin_grant(staff=first, by=site.secretariat)
    first.refresh_from_db()
    group, _ = register(site)
    assert seats(group).get(first.pk) == MembershipStatus.INVITED
    second = person(site.elsewhere)
    role = Role.objects.get(facility=site.elsewhere, kind=RoleKind.FACILITY_ADMIN, is_active=True, user=first.user)
    people.role_revoke(role=role, by=site.secretariat, reason="院長の交代", successor=second)
    assert seats(group).get(second.pk) == MembershipStatus.INVITED
    assert first.pk not in seats(group)


@pytest.mark.parametrize("variant", ["musashimurayama"])
def test_an_administrator_role_granted_on_the_people_page_joins_the_group(variant):
    from facilities import people
    from facilities.models import RoleKind

    site = make_site(variant)
    group, _ = register(site)
    nurse = person(site.nursing)
    people.facility_role_grant(facility=site.nursing, by=site.secretariat, kind=RoleKind.FACILITY_ADMIN,
                               staff=nurse, reason="管理者として")
    assert seats(group).get(nurse.pk) == MembershipStatus.INVITED
