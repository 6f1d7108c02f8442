import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from accounts.models import User
from facilities.models import Facility, Program, Role, Staff

pytestmark = pytest.mark.django_db


def test_home_shows_each_roles_counts(client, world):
    client.force_login(world.insider_a)
    body = client.get(reverse("home")).content.decode()
    assert f"{world.program_a.name}（事務局）" in body
    assert f"{world.facility_a.name}（{world.facility_a.program.policy.admin_label}）" in body
    assert world.program_b.name not in body


def test_home_for_a_user_without_roles_says_so(client, db):
    user = User.objects.create_user("lonely@example.jp", "Lonely-Pass-2026!", full_name="孤独")
    client.force_login(user)
    assert "役割がまだ割り当てられていません" in client.get(reverse("home")).content.decode()


def test_program_page_rungs(client, world):
    url = reverse("facilities:program-detail", args=[world.program_a.slug])
    assert client.get(url).status_code == 302  # anonymous
    client.force_login(world.secretariat_b)
    assert client.get(url).status_code == 404  # outsider
    client.force_login(world.admin_a)
    assert client.get(url).status_code == 200  # a facility of the program may read it
    client.force_login(world.secretariat_a)
    assert world.program_a.secretariat_name in client.get(url).content.decode()


def test_facility_list_rungs(client, world):
    url = reverse("facilities:facility-list", args=[world.program_a.slug])
    assert client.get(url).status_code == 302
    client.force_login(world.secretariat_b)
    assert client.get(url).status_code == 404
    client.force_login(world.admin_a)
    assert client.get(url).status_code == 403  # wrong role: not the secretariat
    client.force_login(world.secretariat_a)
    body = client.get(url).content.decode()
    assert world.facility_a.name in body and world.facility_b.name not in body


def test_facility_detail_rungs(client, world):
    url = reverse("facilities:facility-detail", args=[world.facility_a.pk])
    assert client.get(url).status_code == 302
    client.force_login(world.admin_b)
    assert client.get(url).status_code == 404
    client.force_login(world.admin_a)
    other = reverse("facilities:facility-detail", args=[world.facility_a2.pk])
    assert client.get(other).status_code == 404  # another facility of the same program
    body = client.get(url).content.decode()
    assert world.staff_a.full_name in body


def test_facility_list_query_count_does_not_grow(client, world, django_assert_max_num_queries):
    from tests.factories import FacilityFactory

    client.force_login(world.secretariat_a)
    url = reverse("facilities:facility-list", args=[world.program_a.slug])
    with django_assert_max_num_queries(12) as few:
        client.get(url)
    FacilityFactory.create_batch(30, program=world.program_a)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(url)


def test_seed_demo_is_idempotent_and_prints_logins(capsys):
    call_command("seed_demo")
    first = (Program.objects.count(), Facility.objects.count(), Staff.objects.count(), Role.objects.count(),
             User.objects.count())
    call_command("seed_demo")
    second = (Program.objects.count(), Facility.objects.count(), Staff.objects.count(), Role.objects.count(),
              User.objects.count())
    assert first == second
    assert sorted(Program.objects.values_list("slug", flat=True)) == sorted(
        ["kumagaya", "musashimurayama", "chuo", "matsubara", "iwakuni"]
    )
    assert all(p.variant == p.slug for p in Program.objects.all())
    out = capsys.readouterr().out
    assert "secretariat@kumagaya.example.jp" in out and "Demo-Portal-2026!" in out
    kinds = set(Facility.objects.values_list("kind", flat=True))
    assert {"hospital", "clinic", "pharmacy", "home_nursing", "care_management"} <= kinds


def test_demo_login_reaches_the_role_home(client):
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    email = "secretariat@matsubara.example.jp"
    line = next(line for line in out.getvalue().splitlines() if email in line and "backup" in line)
    backup_code = line.split("backup")[1].split()[0]
    response = client.post(
        reverse("accounts:login"), {"username": email, "password": "Demo-Portal-2026!"}, follow=True
    )
    assert "確認コード" in response.content.decode()  # two-factor: type a printed backup code
    response = client.post(reverse("accounts:two-factor"), {"code": backup_code}, follow=True)
    assert response.status_code == 200
    assert "m@tsuネット（事務局）" in response.content.decode()
