"""A block the creator can clear on the same form (the 「主治医の指示を受けて作成する」 box) says so at the box."""

import pytest
from django.urls import reverse

from groups.models import Group
from tests.helpers import variants

pytestmark = pytest.mark.django_db
LABEL = "主治医の指示を受けて作成する"


@pytest.mark.parametrize("variant", variants(lambda p: "doctor_delegate" in p.group_manager_roles))
def test_the_manager_block_points_at_the_delegate_box_while_it_is_unticked(client, site):
    client.force_login(site.coordinator)  # not the primary doctor
    url = reverse("groups:group-create", args=[site.program.slug])
    data = {"kind": "patient", "patient": site.patient.pk, "leader": site.leader.pk}
    response = client.post(url, data)
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["by_doctor_delegate"] == [f"主治医から委託・指示を受けているときは「{LABEL}」に✓を入れてください。"]
    [top] = form.non_field_errors()
    assert "その立場の人に作成を依頼してください" in top
    assert not Group.objects.filter(patient=site.patient).exists()
    assert client.post(url, {**data, "by_doctor_delegate": "on"}).status_code == 302
    assert Group.objects.filter(patient=site.patient).count() == 1

