import pytest
from django.urls import reverse

from tests.factories import FacilityFactory, StaffFactory
from tests.helpers import csv_rows

pytestmark = pytest.mark.django_db


def test_program_staff_csv_rungs(client, world):
    url = reverse("facilities:program-staff-csv", args=[world.program_a.slug])
    assert client.get(url).status_code == 302
    client.force_login(world.secretariat_b)
    assert client.get(url).status_code == 404
    client.force_login(world.admin_a)
    assert client.get(url).status_code == 403
    client.force_login(world.secretariat_a)
    response = client.get(url)
    assert response.status_code == 200 and response.streaming
    assert response["Content-Type"].startswith("text/csv")


def test_program_staff_csv_lists_every_facilitys_staff_of_the_program_only(client, world):
    other = FacilityFactory(program=world.program_a, name="第二診療所")
    StaffFactory(facility=other, full_name="=HYPERLINK(1)")
    client.force_login(world.secretariat_a)
    rows = csv_rows(client.get(reverse("facilities:program-staff-csv", args=[world.program_a.slug])))
    header, body = rows[0], rows[1:]
    assert header[:3] == ["施設番号", "施設名", "氏名"]
    names = {row[2] for row in body}
    assert world.staff_a.full_name in names and world.staff_b.full_name not in names
    assert "'=HYPERLINK(1)" in names  # a formula is written as text
    assert any(row[1] == "第二診療所" for row in body)


def test_program_staff_csv_query_count_does_not_grow(client, world, django_assert_max_num_queries):
    client.force_login(world.secretariat_a)
    url = reverse("facilities:program-staff-csv", args=[world.program_a.slug])
    with django_assert_max_num_queries(20) as few:
        b"".join(client.get(url).streaming_content)
    StaffFactory.create_batch(40, facility=world.facility_a)
    with django_assert_max_num_queries(len(few.captured_queries)):
        b"".join(client.get(url).streaming_content)
