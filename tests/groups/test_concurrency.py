"""Races the database must settle (PostgreSQL, two real connections), and the size a campaign must handle."""

import datetime
import threading
import time

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from groups import reviews, services
from groups.models import (
    CampaignScope,
    Decision,
    Group,
    GroupKind,
    GroupReview,
    McsTask,
    Membership,
    MembershipStatus,
    ReviewStatus,
    TaskKind,
)
from tests.groups.helpers import make_site

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
DUE = timezone.localdate() + datetime.timedelta(days=14)


def race(*fns):
    """Run the functions at the same moment, each on its own connection; their results or exceptions."""
    barrier, results = threading.Barrier(len(fns)), {}

    def run(key, fn):
        try:
            barrier.wait(5)
            results[key] = fn()
        except Exception as exc:
            results[key] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(n, fn)) for n, fn in enumerate(fns)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return [results[n] for n in range(len(fns))]


def test_two_completions_of_one_review_apply_the_removals_once():
    site = make_site("chuo")
    group = site.group()
    seat = site.invite(group)
    campaign, _ = reviews.campaign_start(program=site.program, by=site.secretariat, due_on=DUE,
                                         scope=CampaignScope.ALL)
    review = campaign.reviews.get()
    answers = {m.pk: (Decision.KEEP, "") for m in group.memberships.open()}
    answers[seat.pk] = (Decision.REMOVE, "担当外れ")
    reviews.decisions_save(review=review, by=site.coordinator, decisions=answers)

    outcomes = race(*(lambda: reviews.review_complete(review=review, by=site.coordinator) for _ in range(2)))

    done = [o for o in outcomes if isinstance(o, GroupReview)]
    refused = [o for o in outcomes if isinstance(o, ValidationError)]
    assert len(done) == 1 and len(refused) == 1, outcomes
    assert "完了しています" in refused[0].messages[0]
    assert McsTask.objects.filter(membership=seat, kind=TaskKind.REMOVE).count() == 1
    assert Membership.objects.get(pk=seat.pk).status == MembershipStatus.REMOVED
    assert GroupReview.objects.get(pk=review.pk).removed_count == 1


def test_two_campaigns_started_at_once_share_no_group():
    site = make_site("matsubara")
    for _ in range(3):
        site.group(patient=site.patient_like())

    def begin():
        return reviews.campaign_start(
            program=site.program, by=site.secretariat, due_on=DUE, scope=CampaignScope.ALL
        )

    outcomes = race(begin, begin)
    started = [o for o in outcomes if isinstance(o, tuple)]
    refused = [o for o in outcomes if not isinstance(o, tuple)]
    assert len(started) == 1 and len(refused) == 1 and isinstance(refused[0], ValidationError)
    assert GroupReview.objects.filter(status=ReviewStatus.OPEN).count() == 3


def test_two_invitations_of_one_person_make_one_seat():
    site = make_site("iwakuni")
    group = site.group()
    def invite():
        return services.member_add(group=group, by=site.creator, staff=site.nurse)

    outcomes = race(invite, invite)
    assert sum(isinstance(o, Membership) for o in outcomes) == 1
    assert [o.messages[0] for o in outcomes if isinstance(o, ValidationError)] == [services.ALREADY_MEMBER]
    assert Membership.objects.filter(group=group, staff=site.nurse).count() == 1


@pytest.mark.parametrize("variant", ["iwakuni", "kumagaya"])  # one group per patient, and several
def test_the_create_form_sent_twice_at_once_makes_one_group_and_one_task(variant):
    site = make_site(variant)
    outcomes = race(site.group, site.group)
    assert all(isinstance(o, Group) for o in outcomes), outcomes
    assert outcomes[0].pk == outcomes[1].pk
    assert sorted(bool(getattr(o, "repeated", False)) for o in outcomes) == [False, True]
    assert Group.objects.filter(patient=site.patient).count() == 1
    assert McsTask.objects.filter(group__patient=site.patient, kind=TaskKind.CREATE).count() == 1


def test_two_groups_for_one_patient_at_once_where_the_policy_allows_one():
    site = make_site("iwakuni")
    other = site.coordinator if site.creator != site.coordinator else site.doctor_user

    def create(by):
        return lambda: services.group_create(program=site.program, by=by, patient=site.patient,
                                             kind=GroupKind.PATIENT, leader=site.leader)

    outcomes = race(create(site.creator), create(other))
    assert sum(isinstance(o, Group) for o in outcomes) == 1, outcomes
    assert [v.rule for o in outcomes if isinstance(o, ValidationError) for v in o.violations] == ["GRP-DUP"]
    assert Group.objects.filter(patient=site.patient).count() == 1


def test_a_campaign_over_ten_thousand_groups_starts_in_seconds():
    site = make_site("matsubara")
    today = timezone.localdate()
    Group.objects.bulk_create([
        Group(program=site.program, kind=GroupKind.PATIENT, patient=site.patient, origin_facility=site.clinic,
              leader=site.leader, created_by=site.coordinator, created_on=today)
        for _ in range(10_000)
    ], batch_size=2000)
    started = time.perf_counter()
    campaign, count = reviews.campaign_start(program=site.program, by=site.secretariat, due_on=DUE,
                                             scope=CampaignScope.ALL)
    elapsed = time.perf_counter() - started
    assert count == 10_000 and campaign.reviews.count() == 10_000
    assert GroupReview.history.filter(campaign_id=campaign.pk).count() == 10_000
    print(f"campaign over 10,000 groups started in {elapsed:.2f} s")
    assert elapsed < 30, elapsed


def test_two_secretariat_members_registering_the_administrators_group_make_one():
    from groups.admin_notice import admin_notice_group_register

    site = make_site("iwakuni")

    def register():
        return admin_notice_group_register(program=site.program, by=site.secretariat, leader=site.leader)

    results = race(register, register)
    errors = [r for r in results if isinstance(r, Exception)]
    assert len(errors) == 1 and isinstance(errors[0], ValidationError), results
    assert "すでに登録" in " ".join(errors[0].messages)
    assert Group.objects.filter(program=site.program, kind=GroupKind.ADMIN_NOTICE).count() == 1
    assert McsTask.objects.filter(kind=TaskKind.CREATE, group__kind=GroupKind.ADMIN_NOTICE).count() == 1


def test_a_grant_and_a_ledger_check_at_once_seat_the_administrator_once():
    from facilities import services as facilities
    from groups.admin_notice import admin_notice_group_register, admin_notice_group_sync
    from tests.groups.helpers import person

    site = make_site("musashimurayama")
    group, _ = admin_notice_group_register(program=site.program, by=site.secretariat, leader=site.leader)
    newcomer = person(site.nursing, user=site.nursing_admin)

    results = race(
        lambda: facilities.facility_admin_grant(staff=newcomer, by=site.secretariat),
        lambda: admin_notice_group_sync(program=site.program, by=site.secretariat),
    )
    assert not any(isinstance(r, Exception) for r in results), results
    assert Membership.objects.filter(group=group, staff=newcomer, status=MembershipStatus.INVITED).count() == 1
    assert McsTask.objects.filter(group=group, kind=TaskKind.INVITE, membership__staff=newcomer).count() == 1
