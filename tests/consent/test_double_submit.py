"""Recording consent twice (a double click, Back and send again, two tabs) records it once and says so."""

import pytest
from django.urls import reverse

from consent.models import ConsentRecord
from consent.services import consent_template_current
from tests.concurrency import fire, status
from tests.conftest import VerifiedClient
from tests.consent.helpers import make_site


def _data(site):
    return {
        "template": consent_template_current(site.program).pk, "signed_on": "2025-04-01",
        "patient_signed": "on", "original_kept_at": "書庫（本館）", "copy_given": "on",
    }


def _open_form(client, patient):
    # Opening the form publishes the first version of the consent text.
    assert client.get(reverse("consent:consent-create", args=[patient.pk])).status_code == 200


@pytest.mark.django_db
def test_the_same_consent_sent_twice_is_one_record_with_a_message(client, site_for):
    site = site_for("matsubara")
    patient = site.patient()
    client.force_login(site.coordinator)
    _open_form(client, patient)
    url = reverse("consent:consent-create", args=[patient.pk])
    first = client.post(url, _data(site))
    second = client.post(url, _data(site), follow=True)
    record = ConsentRecord.objects.get(patient=patient)
    assert first.status_code == 302 and first.url == reverse("consent:consent-detail", args=[record.pk])
    assert second.redirect_chain[-1][0] == first.url
    said = [str(m) for m in second.context["messages"]]
    assert any("二重には記録していません" in m and site.coordinator.full_name in m and "令和" in m for m in said), said
    assert record.original_kept_at == "書庫（本館）"  # prose keeps its full-width brackets


@pytest.mark.django_db
def test_another_day_or_after_a_withdrawal_is_a_new_record(client, site_for):
    site = site_for("matsubara")
    patient = site.patient()
    client.force_login(site.coordinator)
    _open_form(client, patient)
    url = reverse("consent:consent-create", args=[patient.pk])
    client.post(url, _data(site))
    client.post(url, {**_data(site), "signed_on": "2025-04-02"})
    assert ConsentRecord.objects.filter(patient=patient).count() == 2


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_connections_recording_the_same_consent_at_once_make_one_record():
    site = make_site("matsubara")
    patient = site.patient()
    clients = []
    for _ in range(2):
        clients.append(VerifiedClient())
        clients[-1].force_login(site.coordinator)
    _open_form(clients[0], patient)
    url, data = reverse("consent:consent-create", args=[patient.pk]), _data(site)
    answers = fire([lambda c=c: status(c.post, url, data) for c in clients])
    assert answers == [302, 302], answers
    assert ConsentRecord.objects.filter(patient=patient).count() == 1


@pytest.mark.django_db
def test_a_withdrawal_sent_twice_says_when_and_by_whom(client, site_for):
    site = site_for("matsubara")
    patient = site.patient()
    client.force_login(site.coordinator)
    _open_form(client, patient)
    client.post(reverse("consent:consent-create", args=[patient.pk]), _data(site))
    record = ConsentRecord.objects.get(patient=patient)
    url = reverse("consent:consent-withdraw", args=[record.pk])
    data = {"withdrawn_on": "2025-05-01", "note": "電話で（長男）"}
    assert client.post(url, data).status_code == 302
    again = client.post(url, data, follow=True)
    assert again.status_code == 200
    said = " ".join(str(m) for m in again.context["messages"])
    assert "令和7年5月1日" in said and site.coordinator.full_name in said and "権限" not in again.content.decode()
    record.refresh_from_db()
    assert record.withdrawal_note == "電話で（長男）"
