"""The register's invariants live in the database; its workflow moves only along its tables."""

import datetime
import itertools

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.services import move_status
from groups.models import (
    GROUP_TRANSITIONS,
    MEMBERSHIP_TRANSITIONS,
    REVIEW_TRANSITIONS,
    AssociationAdmin,
    Group,
    GroupKind,
    GroupReview,
    McsTask,
    MemberDecision,
    Membership,
    MembershipStatus,
    ReviewCampaign,
    ReviewStatus,
    TaskStatus,
)
from tests.factories import StaffFactory, UserFactory
from tests.groups.factories import GroupFactory, GroupReviewFactory, McsTaskFactory, MembershipFactory

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


def violates(name, fn):
    with pytest.raises(IntegrityError) as caught, transaction.atomic():
        fn()
    assert name in str(caught.value) or "CHECK" in str(caught.value) or "UNIQUE" in str(caught.value)


@pytest.mark.parametrize(
    ("model", "table"),
    [(Group, GROUP_TRANSITIONS), (Membership, MEMBERSHIP_TRANSITIONS), (GroupReview, REVIEW_TRANSITIONS)],
)
def test_every_pair_of_statuses_is_allowed_or_refused_as_the_table_says(model, table):
    statuses = [value for value, _ in model._meta.get_field("status").choices]
    assert set(table) == set(statuses)
    for before, after in itertools.product(statuses, repeat=2):
        thing = model(status=before)
        if after in table[before]:
            move_status(thing, after, table, "x")
            assert thing.status == after
        else:
            with pytest.raises(ValidationError, match="にできません"):
                move_status(thing, after, table, "x")


def test_a_free_group_has_a_title_and_no_patient_a_patient_group_the_reverse(db):
    group = GroupFactory()
    violates("group_patient_matches_kind", lambda: Group.objects.filter(pk=group.pk).update(patient=None))
    violates("group_patient_matches_kind",
             lambda: Group.objects.filter(pk=group.pk).update(kind=GroupKind.FREE, title="x"))
    violates("group_free_has_title",
             lambda: GroupFactory(kind=GroupKind.FREE, patient=None, title=""))


def test_archived_and_deleted_groups_carry_their_dates(db):
    group = GroupFactory()
    violates("group_archived_has_date", lambda: Group.objects.filter(pk=group.pk).update(status="archived"))
    violates("group_deleted_has_date", lambda: Group.objects.filter(pk=group.pk).update(status="deleted"))


def test_one_open_seat_per_person_and_group(db):
    seat = MembershipFactory()
    violates("membership_one_open_per_staff", lambda: MembershipFactory(group=seat.group, staff=seat.staff))
    Membership.objects.filter(pk=seat.pk).update(status=MembershipStatus.DECLINED)
    assert MembershipFactory(group=seat.group, staff=seat.staff).pk


def test_a_seat_is_a_staff_member_or_a_named_person_and_a_removal_says_when_and_why(db):
    seat = MembershipFactory()
    seats = Membership.objects.filter(pk=seat.pk)
    violates("membership_staff_or_person", lambda: seats.update(person_name="家族"))
    violates("membership_removed_has_end",
             lambda: Membership.objects.filter(pk=seat.pk).update(status=MembershipStatus.REMOVED))
    violates("membership_removed_has_end", lambda: Membership.objects.filter(pk=seat.pk).update(
        status=MembershipStatus.REMOVED, ended_on=TODAY))


def test_a_task_is_someones_and_done_says_when(db):
    task = McsTaskFactory()
    tasks = McsTask.objects.filter(pk=task.pk)
    violates("mcstask_done_has_when", lambda: tasks.update(status=TaskStatus.DONE))
    violates("mcstask_has_assignee", lambda: McsTask.objects.filter(pk=task.pk).update(facility=None))
    McsTaskFactory(group=task.group, kind="delete")
    violates("mcstask_one_open_deletion", lambda: McsTaskFactory(group=task.group, kind="delete"))


def test_one_unfinished_review_per_group_and_one_answer_per_member(db):
    review = GroupReviewFactory()
    violates("groupreview_one_unfinished",
             lambda: GroupReviewFactory(group=review.group))
    violates("groupreview_once_per_campaign",
             lambda: GroupReview.objects.create(campaign=review.campaign, group=review.group,
                                                reviewer=review.reviewer, status=ReviewStatus.COMPLETED,
                                                completed_at=timezone.now()))
    seat = MembershipFactory(group=review.group)
    answer = {"review": review, "membership": seat, "decided_by": UserFactory(), "decided_at": timezone.now()}
    MemberDecision.objects.create(decision="keep", **answer)
    violates("memberdecision_once_per_review",
             lambda: MemberDecision.objects.create(decision="keep", **answer))


def test_a_removal_or_doubt_has_a_reason_and_only_removals_are_applied(db):
    review = GroupReviewFactory()
    seat = MembershipFactory(group=review.group)
    answer = {"review": review, "membership": seat, "decided_by": UserFactory(), "decided_at": timezone.now()}
    violates("memberdecision_reason_unless_keep",
             lambda: MemberDecision.objects.create(decision="remove", **answer))
    violates("memberdecision_applied_only_removal",
             lambda: MemberDecision.objects.create(decision="keep", applied_at=timezone.now(), **answer))


def test_one_association_admin_per_program(db):
    """groups.AssociationAdmin.program is one-to-one: a second designation updates the first."""
    staff = StaffFactory()
    AssociationAdmin.objects.create(program=staff.program, staff=staff, designated_by=UserFactory())
    violates("program", lambda: AssociationAdmin.objects.create(
        program=staff.program, staff=StaffFactory(facility=staff.facility), designated_by=UserFactory()))


def test_a_campaign_is_due_after_it_starts(db):
    review = GroupReviewFactory()
    violates("campaign_due_after_start", lambda: ReviewCampaign.objects.filter(pk=review.campaign_id).update(
        due_on=TODAY - datetime.timedelta(days=1)))


def test_who_sees_which_group(world):
    mine = GroupFactory(origin_facility=world.facility_a)
    joined = GroupFactory(origin_facility=world.facility_a2)
    MembershipFactory(group=joined, staff=StaffFactory(facility=world.facility_a))
    elsewhere = GroupFactory(origin_facility=world.facility_a2)
    other_program = GroupFactory(origin_facility=world.facility_b)
    seen = set(Group.objects.visible_to(world.coordinator_a))
    assert seen == {mine, joined}
    assert set(Group.objects.visible_to(world.secretariat_a)) == {mine, joined, elsewhere}
    assert set(Group.objects.visible_to(world.superuser)) >= {mine, joined, elsewhere, other_program}
    # A member who left no longer lets their facility see the group.
    Membership.objects.filter(group=joined).update(status=MembershipStatus.DECLINED)
    assert set(Group.objects.visible_to(world.coordinator_a)) == {mine}
