"""The admin site shows patients too: its lists and pages of patient-bearing models log the view."""

import pytest
from django.urls import reverse

from consent.models import AccessAction, AccessLog
from tests.groups.factories import McsTaskFactory, MembershipFactory

pytestmark = pytest.mark.django_db


def _logged(user):
    return list(AccessLog.objects.filter(user=user, action=AccessAction.VIEW_ADMIN)
                .order_by("pk").values_list("patient_id", flat=True))


@pytest.mark.parametrize(("model", "make", "patient_of"), [
    ("consent_patient", lambda: MembershipFactory().group.patient, lambda obj: obj.pk),
    ("groups_group", lambda: MembershipFactory().group, lambda obj: obj.patient_id),
    ("groups_membership", MembershipFactory, lambda obj: obj.group.patient_id),
    ("groups_mcstask", McsTaskFactory, lambda obj: obj.group.patient_id),
])
def test_list_page_and_history_each_log_the_patient(client, world, model, make, patient_of):
    obj = make()
    patient_pk = patient_of(obj)
    client.force_login(world.superuser)
    assert client.get(reverse(f"admin:{model}_changelist")).status_code == 200
    assert _logged(world.superuser) == [patient_pk]
    assert client.get(reverse(f"admin:{model}_change", args=[obj.pk])).status_code == 200
    assert client.get(reverse(f"admin:{model}_history", args=[obj.pk])).status_code == 200
    assert _logged(world.superuser) == [patient_pk] * 3


def test_a_page_of_nobody_logs_nothing(client, world):
    client.force_login(world.superuser)
    assert client.get(reverse("admin:facilities_facility_changelist")).status_code == 200
    assert client.get(reverse("admin:consent_patient_changelist")).status_code == 200  # no patients yet
    assert _logged(world.superuser) == []
