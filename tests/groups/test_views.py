"""Query counts pinned on the lists, the dashboards and the worksheet, and the whole journey through the
pages. The rungs of every view are in the access table (tests/groups/walk.py)."""


import re

import pytest
from django.urls import reverse

from groups.models import (
    Decision,
    Group,
    GroupReview,
    McsTask,
    MemberDecision,
    Membership,
    MembershipStatus,
    ReviewCampaign,
    ReviewStatus,
    TaskKind,
    TaskStatus,
)
from policy.rules import VARIANTS
from tests.factories import FacilityFactory, StaffFactory, UserFactory, admin_of, coordinator_of
from tests.groups.factories import (
    GroupFactory,
    GroupReviewFactory,
    McsTaskFactory,
    MembershipFactory,
)
from tests.helpers import csv_rows

pytestmark = pytest.mark.django_db


@pytest.fixture
def objs(world):
    """Program A: a group of facility_a, led by a coordinator there, with a member from another facility."""
    member_facility = FacilityFactory(program=world.program_a)
    leader = StaffFactory(facility=world.facility_a, user=world.coordinator_a)
    group = GroupFactory(origin_facility=world.facility_a, leader=leader)
    MembershipFactory(group=group, staff=leader)
    seat = MembershipFactory(group=group, staff=StaffFactory(facility=member_facility),
                             status=MembershipStatus.INVITED)
    review = GroupReviewFactory(group=group)
    return {
        "group": group, "seat": seat, "review": review, "campaign": review.campaign,
        "task": McsTaskFactory(group=group, for_secretariat=True, facility=None, kind=TaskKind.DELETE),
        "member_admin": admin_of(member_facility), "member_coordinator": coordinator_of(member_facility),
    }


# Every view at every rung (anonymous, outsider 404, wrong role 403, allowed, GET on POST-only 405)
# is in the access table, tests/groups/walk.py ACCESS, walked by tests/security/test_walk_roles.py.


def test_the_worksheet_is_read_only_to_those_who_do_not_review(client, world, objs):
    url = reverse("groups:review-worksheet", args=[objs["review"].pk])
    client.force_login(objs["member_coordinator"])
    assert "判断を保存する" not in client.get(url).content.decode()
    assert client.post(url, {}).status_code == 403
    client.force_login(world.secretariat_a)
    assert client.post(url, {}).status_code == 403  # the secretariat works a review once it is escalated
    GroupReview.objects.filter(pk=objs["review"].pk).update(
        status=ReviewStatus.ESCALATED, escalated_at="2025-01-01T00:00Z")
    response = client.post(url, {})
    assert response.status_code == 302, response.content.decode()[-3000:]


# --- Query counts ------------------------------------------------------------------------


def _grow(world, objs, n):
    """n more groups at facility_a, each with members, a review in the campaign, open tasks."""
    for _ in range(n):
        group = GroupFactory(origin_facility=world.facility_a, leader=objs["group"].leader)
        for _ in range(3):
            MembershipFactory(group=group, staff=StaffFactory(facility=world.facility_a2))
        McsTaskFactory(group=group)
        GroupReview.objects.create(campaign=objs["campaign"], group=group, reviewer=group.leader)
        GroupFactory(origin_facility=FacilityFactory(program=world.program_a))  # one more facility line


def _pages(world, objs):
    return {
        "group-list": (world.coordinator_a, reverse("groups:group-list", args=[world.program_a.slug])),
        "dashboard": (world.secretariat_a, reverse("groups:dashboard", args=[world.program_a.slug])),
        "facility-dashboard": (world.admin_a,
                               reverse("groups:facility-dashboard", args=[world.facility_a.pk])),
        "task-list": (world.secretariat_a, reverse("groups:task-list", args=[world.program_a.slug])),
        "campaign-detail": (world.coordinator_a,
                            reverse("groups:campaign-detail", args=[objs["campaign"].pk])),
        "campaign-list": (world.coordinator_a, reverse("groups:campaign-list", args=[world.program_a.slug])),
        "member-add": (world.coordinator_a, reverse("groups:member-add", args=[objs["group"].pk])),
        "home": (world.insider_a, reverse("home")),
    }


LISTS = ["group-list", "dashboard", "facility-dashboard", "task-list", "campaign-detail", "campaign-list",
         "member-add", "home"]


@pytest.mark.parametrize("page", LISTS)
def test_list_and_dashboard_query_counts_do_not_grow(
    client, world, objs, page, django_assert_max_num_queries
):
    user, url = _pages(world, objs)[page]
    client.force_login(user)
    _grow(world, objs, 2)
    client.get(url)  # the program dashboard counts into its stored rows on the first visit only
    with django_assert_max_num_queries(60) as few:
        assert client.get(url).status_code == 200
    _grow(world, objs, 12)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(url).status_code == 200


@pytest.mark.parametrize("page", ["review-worksheet", "group-detail"])
def test_worksheet_and_group_query_counts_do_not_grow_with_members(client, world, objs, page,
                                                                   django_assert_max_num_queries):
    pk = objs["review"].pk if page == "review-worksheet" else objs["group"].pk
    url = reverse(f"groups:{page}", args=[pk])
    client.force_login(world.coordinator_a)
    with django_assert_max_num_queries(40) as few:
        assert client.get(url).status_code == 200
    for _ in range(15):
        seat = MembershipFactory(group=objs["group"], staff=StaffFactory(facility=world.facility_a2))
        MemberDecision.objects.create(review=objs["review"], membership=seat, decision=Decision.KEEP,
                                      decided_by=world.coordinator_a, decided_at="2025-01-01T00:00Z")
        McsTaskFactory(group=objs["group"], membership=seat)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url)
    assert response.status_code == 200 and response.content.decode().count("<tr") > 15


# --- The journey -------------------------------------------------------------------------


def _post(client, url, data=None, *, expect=302):
    response = client.post(url, data or {})
    assert response.status_code == expect, response.content.decode()[:3000]
    return response


@pytest.mark.parametrize("variant", VARIANTS)
def test_a_block_is_said_once_on_top_and_points_at_the_patient(client, site_for, variant):
    site = site_for(variant)
    patient = site.patient_like()
    patient.consents.all().delete()
    client.force_login(site.creator)
    data = {"kind": "patient", "patient": patient.pk, "leader": site.leader.pk}
    response = client.post(reverse("groups:group-create", args=[site.program.slug]), data)
    assert response.status_code == 200
    form = response.context["form"]
    [message] = form.non_field_errors()
    assert message.endswith("）。") and "）。（" not in message  # the article cited once, by the engine
    assert form.errors["patient"] == ["ここを確認してください（上の説明をご覧ください）。"]
    assert not Group.objects.filter(patient=patient).exists()


@pytest.mark.parametrize("variant", VARIANTS)
def test_create_invite_confirm_review_complete_report(client, site_for, variant):
    site = site_for(variant)
    client.force_login(site.creator)
    form = client.get(reverse("groups:group-create", args=[site.program.slug])).content.decode()
    assert site.patient.full_name in form
    data = {"kind": "patient", "patient": site.patient.pk, "leader": site.leader.pk, "by_doctor_delegate": ""}
    response = _post(client, reverse("groups:group-create", args=[site.program.slug]), data)
    group = Group.objects.get(patient=site.patient)
    assert response.url == reverse("groups:group-detail", args=[group.pk])

    search = client.get(reverse("groups:member-add", args=[group.pk]), {"q": "ほうもん", "job": "nurse"})
    assert site.nurse.full_name in search.content.decode()  # found by reading, typed in hiragana
    _post(client, reverse("groups:member-add", args=[group.pk]), {"staff": site.nurse.pk})
    seat = Membership.objects.get(group=group, staff=site.nurse)
    _post(client, reverse("groups:member-respond", args=[seat.pk]), {"answer": "accepted"})
    detail = client.get(reverse("groups:group-detail", args=[group.pk])).content.decode()
    assert site.nurse.full_name in detail and "参加中" in detail

    invite = McsTask.objects.get(membership=seat, kind=TaskKind.INVITE)
    tasks = client.get(reverse("groups:task-list", args=[site.program.slug])).content.decode()
    assert invite.title in tasks
    _post(client, reverse("groups:task-confirm", args=[invite.pk]), {"note": "MCSで招待済み"})
    assert McsTask.objects.get(pk=invite.pk).status == TaskStatus.DONE

    client.force_login(site.secretariat)
    _post(client, reverse("groups:campaign-create", args=[site.program.slug]),
          {"scope": "all", "due_on": "2099-12-31", "title": ""})
    campaign = ReviewCampaign.objects.get(program=site.program)
    review = campaign.reviews.get(group=group)

    client.force_login(site.creator)
    sheet = reverse("groups:review-worksheet", args=[review.pk])
    answers = {f"decision_{m.pk}": "keep" for m in group.memberships.open()}
    answers[f"decision_{seat.pk}"] = "remove"
    response = client.post(sheet, answers)
    assert response.status_code == 200 and "理由を書いてください" in response.content.decode()
    answers[f"reason_{seat.pk}"] = "訪問看護の終了"
    _post(client, sheet, answers)
    _post(client, reverse("groups:review-complete", args=[review.pk]))
    seat.refresh_from_db()
    assert seat.status == MembershipStatus.REMOVED
    again = client.post(reverse("groups:review-complete", args=[review.pk]), follow=True).content.decode()
    assert "完了しています" in again
    # The completed worksheet links to the MCS task it created; the patient's page to the group.
    removal = McsTask.objects.get(membership=seat, kind=TaskKind.REMOVE)
    assert removal.title in again and f"#task-{removal.pk}" in again
    stale = client.post(sheet, answers, follow=True)  # the worksheet of another tab, sent after completion
    assert stale.status_code == 200 and "今回の入力は保存していません" in stale.content.decode()
    patient_page = client.get(reverse("consent:patient-detail", args=[site.patient.pk])).content.decode()
    assert reverse("groups:group-detail", args=[group.pk]) in patient_page

    client.force_login(site.secretariat)
    assert reverse("groups:group-list", args=[site.program.slug]) in client.get(reverse("home")).content.decode()
    pdf = client.get(reverse("groups:campaign-report-pdf", args=[campaign.pk]))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    rows = csv_rows(client.get(reverse("groups:campaign-report-csv", args=[campaign.pk])))
    nurse = [r for r in rows if r[7] == site.nurse.full_name]
    assert [(r[10], r[11], r[15]) for r in nurse] == [("解除", "訪問看護の終了", "済")]
    assert rows[0][13:15] == ["判断日", "判断日（西暦）"] and re.fullmatch(r"20\d\d/\d\d/\d\d", nurse[0][14])
    dashboard = client.get(reverse("groups:dashboard", args=[site.program.slug])).content.decode()
    assert site.clinic.name in dashboard


def test_the_home_page_lists_reviews_tasks_and_escalations(client, world, objs):
    GroupReview.objects.filter(pk=objs["review"].pk).update(status=ReviewStatus.ESCALATED,
                                                             escalated_at="2025-01-01T00:00Z")
    client.force_login(world.secretariat_a)
    body = client.get(reverse("home")).content.decode()
    assert "事務局に回った精査（期限切れ）" in body and "事務局が対応するMCSの作業" in body
    client.force_login(world.coordinator_a)
    body = client.get(reverse("home")).content.decode()
    assert "あなたが精査するグループ" in body and reverse("groups:group-list", args=[world.program_a.slug]) in body


def test_a_new_user_with_no_role_sees_no_groups(client, world):
    client.force_login(UserFactory())
    assert client.get(reverse("groups:group-list", args=[world.program_a.slug])).status_code == 404


def test_lists_whose_rows_carry_buttons_are_cards_on_a_phone(client, world, objs):
    """Each row a card below 700 px (static/css/portal.css), each cell under its column's name: the
    buttons stay on the screen instead of in a sideways scroll."""
    group = objs["group"]
    client.force_login(world.coordinator_a)
    pages = {
        "group-detail": reverse("groups:group-detail", args=[group.pk]),
        "member-add": reverse("groups:member-add", args=[group.pk]),
        "task-list": reverse("groups:task-list", args=[world.program_a.slug]) + "?show=all",
        "worksheet": reverse("groups:review-worksheet", args=[objs["review"].pk]),
    }
    for name, url in pages.items():
        page = client.get(url).content.decode()
        assert 'class="list cards' in page and 'data-label="' in page, name
        assert "<th></th>" not in page, name
    detail = client.get(pages["group-detail"]).content.decode()
    assert '<th><span class="visually-hidden">操作</span></th>' in detail
    # On a card the remove action is a button like the others, and an empty 気になること says so
    # rather than leaving its heading over the buttons (QA at 390 px).
    import re
    assert re.search(r'<a href="[^"]*/remove/" class="button nowrap" aria-label="[^"]*さんを外す">外す</a>', detail), detail
    assert not re.search(r'<td data-label="気になること">\s*</td>', detail)
    client.force_login(world.secretariat_a)
    board = client.get(reverse("groups:dashboard", args=[world.program_a.slug])).content.decode()
    assert board.count('<table class="list cards">') == 1  # the open MCS tasks
