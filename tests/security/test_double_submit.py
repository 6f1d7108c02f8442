"""A form sent twice (a double click, Back and send again, a retry) never makes a 500 or a duplicate.

Every POST row of the access table that sends a body, as the first role it allows: the second,
identical POST answers without an error and without a refusal (a stale page explains itself,
never 「権限がありません」), and adds no row anywhere but the access log.
"""

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.conftest import VerifiedClient
from tests.security import dbstate
from tests.walk import GET, ROLES, Scene, build, rows, tables

pytestmark = pytest.mark.django_db
ACCESS, _, _ = tables()
POSTS = [(n, r) for n, r in rows(ACCESS) if r.method != GET and r.data and r.allowed and not r.public]
# Appended by looking, not by acting: the log of who viewed which patient.
LOOKING = ("consent_accesslog",)


def _counts(state):
    return {table: len(found) for table, found in state.items()}


@pytest.mark.parametrize(("name", "row"), POSTS, ids=[f"{n}[{r.label}]" if r.label else n for n, r in POSTS])
def test_the_same_post_twice_makes_one_record_and_no_error(name, row, django_capture_on_commit_callbacks):
    scene = Scene()
    url = build(name, scene, objects=row.objects)
    who = next(role for role in ROLES if role in row.allowed)
    client = VerifiedClient()
    client.force_login(scene.person(who))
    if row.ready:
        row.ready(scene)
    data = row.data(scene)
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(url, data)
    assert first.status_code < 500, f"{name}: first POST {first.status_code}"
    before = _counts(dbstate.contents(skip=(*dbstate.VOLATILE, *LOOKING)))
    with django_capture_on_commit_callbacks(execute=True):
        second = client.post(url, data)
    assert second.status_code < 500 and second.status_code not in (403, 404), (
        f"{name}: the second POST answered {second.status_code}")
    after = _counts(dbstate.contents(skip=(*dbstate.VOLATILE, *LOOKING)))
    grown = {t: (before[t], after[t]) for t in after if after[t] != before.get(t)}
    assert grown == {}, f"{name}: the second POST added rows {grown}"


# --- The forms people send twice most, one by one: one record, and a message saying so ----------

def _messages(response):
    return " ".join(str(m) for m in response.context["messages"])


def test_a_pledge_sent_twice_is_recorded_once(client):
    from facilities.models import Pledge, StaffStatus
    from tests.conftest import make_world
    from tests.factories import StaffFactory

    world = make_world(variant_a="musashimurayama")
    pending = StaffFactory(facility=world.facility_a, status=StaffStatus.PENDING)
    client.force_login(world.admin_a)
    url = reverse("facilities:staff-pledge", args=[pending.pk])
    assert client.post(url, {"kind": "signed", "signed_on": "2025-04-01"}).status_code == 302
    again = client.post(url, {"kind": "signed", "signed_on": "2025-04-01"}, follow=True)
    assert again.status_code == 200 and Pledge.objects.filter(staff=pending).count() == 1
    said = _messages(again)
    assert "二重には記録していません" in said and world.admin_a.full_name in said


def test_a_training_sent_twice_is_recorded_once(client):
    from facilities.models import TrainingSession
    from tests.conftest import make_world

    world = make_world(variant_a="musashimurayama")
    client.force_login(world.admin_a)
    url = reverse("facilities:training-add", args=[world.facility_a.pk])
    data = {"kind": "education", "held_on": "2025-04-01", "staff": [world.staff_a.pk], "note": "（資料あり）"}
    assert client.post(url, data).status_code == 302
    again = client.post(url, data, follow=True)
    assert again.status_code == 200 and TrainingSession.objects.filter(facility=world.facility_a).count() == 1
    assert "二重には記録していません" in _messages(again)
    assert TrainingSession.objects.get().note == "（資料あり）"  # prose keeps its full-width brackets


def test_a_notice_acknowledged_twice_says_when_and_by_whom(client):
    from facilities import services
    from tests.conftest import make_world
    from tests.facilities.factories import ChangeNoticeFactory, NoticeLineFactory

    world = make_world(variant_a="musashimurayama")
    notice = ChangeNoticeFactory(facility=world.facility_a)
    NoticeLineFactory(notice=notice, staff=world.staff_a)
    services.notice_file(notice=notice, by=world.admin_a)
    again_file = VerifiedClient()
    again_file.force_login(world.admin_a)
    filed_twice = again_file.post(reverse("facilities:notice-file", args=[notice.pk]), follow=True)
    assert "提出しています" in _messages(filed_twice) and world.admin_a.full_name in _messages(filed_twice)
    client.force_login(world.secretariat_a)
    url = reverse("facilities:notice-acknowledge", args=[notice.pk])
    assert client.post(url).status_code == 302
    again = client.post(url, follow=True)
    said = _messages(again)
    assert again.status_code == 200 and "確認済み" in said and world.secretariat_a.full_name in said
    assert "権限" not in again.content.decode()


def test_a_task_done_twice_says_when_and_by_whom(client):
    from groups.models import McsTask, TaskKind, TaskStatus
    from tests.groups.helpers import make_site

    site = make_site("matsubara")
    group = site.group()
    task = McsTask.objects.get(group=group, kind=TaskKind.CREATE)
    client.force_login(site.coordinator)
    url = reverse("groups:task-confirm", args=[task.pk])
    assert client.post(url, {"note": "作成済み（MCS）"}).status_code == 302
    again = client.post(url, {"note": "作成済み（MCS）"}, follow=True)
    said = _messages(again)
    assert again.status_code == 200 and "対応済みにしています" in said and site.coordinator.full_name in said
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE and task.done_note == "作成済み（MCS）"


def test_a_group_archived_meanwhile_says_when_and_by_whom(client):
    from groups.models import Group, GroupStatus
    from tests.groups.helpers import make_site

    site = make_site("matsubara")
    group = site.group()
    client.force_login(site.creator)
    url = reverse("groups:group-archive", args=[group.pk])
    data = {"reason": "死亡のため（家族から連絡）", "archived_on": timezone.localdate().isoformat()}
    assert client.post(url, data).status_code == 302
    again = client.post(url, data)  # the same form, from another tab
    body = again.content.decode()
    assert again.status_code == 200 and "「保管」にしています" in body and site.creator.full_name in body
    assert "権限" not in body
    assert Group.objects.get(pk=group.pk).status == GroupStatus.ARCHIVED
    assert Group.objects.get(pk=group.pk).archive_reason == "死亡のため（家族から連絡）"
