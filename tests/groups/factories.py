"""Factories for the groups app's models. Rows made here skip the services (and the engine);
tests about creating, inviting or reviewing go through groups.services and groups.reviews."""

import datetime

import factory
from django.utils import timezone

from groups.models import (
    OPEN_STATUSES,
    CampaignScope,
    Group,
    GroupKind,
    GroupReview,
    McsTask,
    MemberDecision,
    MemberKind,
    Membership,
    MembershipStatus,
    ReviewCampaign,
    TaskKind,
)
from tests.consent.factories import PatientFactory
from tests.factories import FacilityFactory, StaffFactory, UserFactory


class GroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Group

    origin_facility = factory.SubFactory(FacilityFactory)
    program = factory.LazyAttribute(lambda o: o.origin_facility.program)
    kind = GroupKind.PATIENT
    patient = factory.LazyAttribute(lambda o: PatientFactory(origin_facility=o.origin_facility))
    leader = factory.LazyAttribute(lambda o: StaffFactory(facility=o.origin_facility))
    created_by = factory.SubFactory(UserFactory)
    created_on = factory.LazyFunction(timezone.localdate)


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership
        skip_postgeneration_save = True  # the hook saves other rows, not the seat

    group = factory.SubFactory(GroupFactory)
    member_kind = MemberKind.STAFF
    staff = factory.LazyAttribute(lambda o: StaffFactory(facility=o.group.origin_facility))
    status = MembershipStatus.ACCEPTED
    invited_on = factory.LazyFunction(timezone.localdate)
    invited_by = factory.SubFactory(UserFactory)

    @factory.post_generation
    def involve(seat, create, extracted, **kwargs):
        """As the services do: a staff member's facility joins the patient's care team."""
        from consent.care import care_team_add
        from consent.models import CareTeamReason

        if create and seat.group.patient_id and seat.staff_id and seat.status in OPEN_STATUSES:
            care_team_add(patient=seat.group.patient, facility_id=seat.staff.facility_id, reason=CareTeamReason.GROUP)


class McsTaskFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = McsTask

    group = factory.SubFactory(GroupFactory)
    program = factory.LazyAttribute(lambda o: o.group.program)
    facility = factory.LazyAttribute(lambda o: o.group.origin_facility)
    kind = TaskKind.INVITE
    title = "MCSで招待する"


class CampaignFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReviewCampaign

    program = factory.SubFactory("tests.factories.ProgramFactory")
    title = "定期精査"
    scope = CampaignScope.ALL
    due_on = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=30))
    started_by = factory.SubFactory(UserFactory)
    started_on = factory.LazyFunction(timezone.localdate)


class GroupReviewFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = GroupReview

    group = factory.SubFactory(GroupFactory)
    campaign = factory.LazyAttribute(lambda o: CampaignFactory(program=o.group.program))
    reviewer = factory.LazyAttribute(lambda o: o.group.leader)


def follow_up(group, **membership):
    """An open 要確認 of a completed review of `group`, about a member still in it."""
    review = GroupReviewFactory(group=group, status="completed", completed_at=timezone.now())
    seat = MembershipFactory(group=group, **membership)
    return MemberDecision.objects.create(
        review=review, membership=seat, decision="unsure", reason="主治医に確認中",
        decided_by=review.campaign.started_by, decided_at=timezone.now(),
    )
