"""The demo rows (through the services, idempotent) and the admin pages with history."""

import pytest
from django.core.management import call_command
from django.urls import reverse

from oversight.models import AdminNotice, Device, Incident
from tests.factories import UserFactory
from tests.oversight.factories import IncidentFactory

pytestmark = pytest.mark.django_db


def test_seed_demo_adds_a_report_a_notice_and_a_device_once():
    call_command("seed_demo")
    counts = (Incident.objects.count(), AdminNotice.objects.count(), Device.objects.count())
    assert counts[0] == 5 and counts[1] == 5 and counts[2] == 5
    assert all(i.report_required for i in Incident.objects.all())
    call_command("seed_demo")
    assert (Incident.objects.count(), AdminNotice.objects.count(), Device.objects.count()) == counts


def test_admin_pages_show_history_and_refuse_deletion(client):
    incident = IncidentFactory()
    superuser = UserFactory(is_superuser=True, is_staff=True)
    client.force_login(superuser)
    assert client.get(reverse("admin:oversight_incident_changelist")).status_code == 200
    assert client.get(reverse("admin:oversight_incident_history", args=[incident.pk])).status_code == 200
    assert client.get(reverse("admin:oversight_incident_delete", args=[incident.pk])).status_code == 403
