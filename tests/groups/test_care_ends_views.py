"""When care ends, access ends, over HTTP with two facilities: the clinic that runs the patient's
group and the nursing station whose nurse was a member."""

import pytest
from django.urls import reverse

from groups import services
from groups.models import Group, McsTask, TaskKind
from tests.groups.helpers import TODAY
from tests.helpers import variants

pytestmark = pytest.mark.django_db


def _patient_urls(patient):
    return [
        reverse("consent:patient-detail", args=[patient.pk]),
        reverse("consent:patient-update", args=[patient.pk]),
        reverse("consent:patient-consent-pdf", args=[patient.pk]),
        reverse("consent:consent-create", args=[patient.pk]),
        reverse("consent:consent-detail", args=[patient.consents.get().pk]),
    ]


def test_a_removed_members_facility_gets_404_for_the_patient(client, site):
    group = site.group()
    seat = site.invite(group)
    client.force_login(site.nursing_admin)
    assert client.get(reverse("consent:patient-detail", args=[site.patient.pk])).status_code == 200
    services.member_remove(membership=seat, by=site.creator, reason="other", note="訪問看護の終了")
    for url in _patient_urls(site.patient):
        assert client.get(url).status_code == 404, url
    listed = client.get(reverse("consent:patient-list", args=[site.program.slug])).content.decode()
    assert site.patient.full_name not in listed
    # The clinic still sees its patient.
    client.force_login(site.coordinator)
    assert client.get(reverse("consent:patient-detail", args=[site.patient.pk])).status_code == 200


def test_after_withdrawal_an_invitation_is_refused_with_the_article_and_tasks_are_planned(client, site):
    group = site.group()
    record = site.patient.consents.get()
    client.force_login(site.coordinator)
    response = client.post(reverse("consent:consent-withdraw", args=[record.pk]),
                           {"withdrawn_on": TODAY.isoformat(), "note": "長女から電話で申出"}, follow=True)
    assert response.status_code == 200 and "MCS" in response.content.decode()
    assert McsTask.objects.open().filter(group=group, kind=TaskKind.ARCHIVE).count() == 1
    client.force_login(site.creator)
    page = client.get(reverse("groups:group-detail", args=[group.pk])).content.decode()
    assert "撤回" in page and reverse("groups:member-add", args=[group.pk]) not in page
    response = client.post(reverse("groups:member-add", args=[group.pk]), {"staff": site.nurse.pk}, follow=True)
    body = response.content.decode()
    assert "撤回" in body and site.policy.policy_title in body
    assert not group.memberships.filter(staff=site.nurse).exists()
    tasks = client.get(reverse("groups:task-list", args=[site.program.slug])).content.decode()
    assert "保管する（同意撤回）" in tasks


@pytest.mark.parametrize("variant", variants(lambda p: p.one_group_per_patient))
def test_a_second_record_of_the_same_person_cannot_have_a_second_group(client, site):
    site.group()
    twin = site.patient_like(full_name=site.patient.full_name, full_name_kana=site.patient.full_name_kana,
                             birth_date=site.patient.birth_date)
    client.force_login(site.creator)
    response = client.post(reverse("groups:group-create", args=[site.program.slug]), {
        "kind": "patient", "patient": twin.pk, "leader": site.leader.pk,
    })
    assert response.status_code == 200
    assert "この患者のグループはすでにあります" in response.content.decode()
    assert not twin.groups.exists()


def test_settling_a_follow_up_over_http(client, site):
    from tests.groups.factories import follow_up

    group = site.group()
    item = follow_up(group, staff=site.nurse, status="accepted")
    url = reverse("groups:follow-up-settle", args=[item.pk])
    assert client.post(url, {f"f{item.pk}-settled_as": "keep", f"f{item.pk}-reason": "継続"}).status_code == 302
    client.force_login(site.stranger)
    assert client.post(url, {}).status_code == 404
    client.force_login(site.nursing_admin)  # sees the group (its nurse is in it), does not run it
    assert client.post(url, {}).status_code == 403
    client.force_login(site.creator)
    assert client.get(url).status_code == 405
    home = client.get(reverse("home")).content.decode()
    assert "定期精査で要確認のまま" in home
    response = client.post(url, {f"f{item.pk}-settled_as": "keep", f"f{item.pk}-reason": "主治医に確認し継続"},
                           follow=True)
    assert "要確認を確認しました" in response.content.decode()
    item.refresh_from_db()
    assert (item.settled_as, item.settled_by) == ("keep", site.creator)
    assert client.post(url, {f"f{item.pk}-settled_as": "keep", f"f{item.pk}-reason": "x"}).status_code == 404


def test_an_archived_group_is_left_to_its_origin(client, site):
    group = site.group()
    site.invite(group)
    client.force_login(site.nursing_admin)
    assert client.get(reverse("groups:group-detail", args=[group.pk])).status_code == 200
    services.group_archive(group=group, by=site.secretariat, reason="利用終了", archived_on=TODAY)
    for url in (reverse("groups:group-detail", args=[group.pk]), reverse("consent:patient-detail", args=[site.patient.pk])):
        assert client.get(url).status_code == 404, url
    client.force_login(site.coordinator)
    assert client.get(reverse("groups:group-detail", args=[group.pk])).status_code == 200


def test_after_a_death_the_group_page_offers_no_joining_and_once_archived_no_restore(client, site):
    from consent import services as consent_services
    from consent.models import PatientStatus

    group = site.group()
    seat = site.invite(group, accepted=False)
    consent_services.patient_update(patient=site.patient, by=site.coordinator, status=PatientStatus.DECEASED,
                                    status_on=TODAY)
    client.force_login(site.creator)
    url = reverse("groups:group-detail", args=[group.pk])
    page = client.get(url).content.decode()
    assert "グループを保管してください" in page
    assert "さんは参加した" not in page and f"{seat.display_name}さんは辞退した" in page
    assert "患者が死亡したため" in page  # the invitation's task, not needed any more
    services.group_archive(group=group, by=site.secretariat, reason="死亡", archived_on=TODAY)
    page = client.get(url).content.decode()
    assert "グループを保管してください" not in page
    assert reverse("groups:group-restore", args=[group.pk]) not in page
    assert "保管から戻せません: " in page
    response = client.post(reverse("groups:group-restore", args=[group.pk]), follow=True)
    said = " ".join(str(m) for m in response.context["messages"])
    assert said.startswith("保管から戻せません: "), said


def test_an_archived_group_that_may_come_back_offers_restore(client, site):
    group = site.group()
    services.group_archive(group=group, by=site.secretariat, reason="利用終了", archived_on=TODAY)
    client.force_login(site.creator)
    page = client.get(reverse("groups:group-detail", args=[group.pk])).content.decode()
    assert reverse("groups:group-restore", args=[group.pk]) in page and "保管から戻せません" not in page


def test_when_the_patient_leaves_care_member_facilities_lose_the_group_page_at_once(client, site):
    """The group names the patient: its members' facilities lose it with their involvement, before
    anyone archives it; the facility that runs it (and must archive it) keeps it."""
    from consent import services as consent_services
    from consent.models import PatientStatus

    group = site.group()
    site.invite(group)
    page = reverse("groups:group-detail", args=[group.pk])
    client.force_login(site.nursing_admin)
    assert client.get(page).status_code == 200
    consent_services.patient_update(patient=site.patient, by=site.coordinator, status=PatientStatus.DECEASED,
                                    status_on=TODAY)
    group.refresh_from_db()
    assert group.status == "active"  # nobody has archived it yet
    assert client.get(page).status_code == 404
    assert group.pk not in {g.pk for g in Group.objects.visible_to(site.nursing_admin)}
    client.force_login(site.creator)
    assert client.get(page).status_code == 200
