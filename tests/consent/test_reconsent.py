"""Re-consent: after a new consent version, patients on an older one are asked again, tracked until done."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from consent import reconsent, services
from consent.home import panels
from consent.models import ReconsentRequest
from tests.consent.test_services import record

pytestmark = pytest.mark.django_db


def publish_next(site):
    draft = services.consent_template_draft(program=site.program, by=site.secretariat)
    return services.consent_template_publish(template=draft, by=site.secretariat)


@pytest.fixture
def site(site_for):
    return site_for("matsubara")


def test_patients_on_an_older_version_are_asked_and_the_request_closes_itself(site):
    old = site.patient()
    record(site, old)
    current = publish_next(site)
    fresh = site.patient()
    record(site, fresh)  # on the new version: not asked
    assert [p.pk for p in reconsent.patients_on_older_versions(site.program, site.secretariat)] == [old.pk]
    [request] = reconsent.reconsent_request(program=site.program, by=site.secretariat, patients=[old])
    assert request.template == current and request.closed_at is None
    assert reconsent.reconsent_request(program=site.program, by=site.secretariat, patients=[old]) == []
    with pytest.raises(ValidationError):
        reconsent.reconsent_request(program=site.program, by=site.secretariat, patients=[fresh])
    # The coordinator of the patient's facility sees it on the home page; a stranger does not.
    item = next(i for p in panels(site.coordinator) for i in p.items if "取り直し" in i.label)
    assert item.count == 1
    assert reconsent.open_requests_for(site.stranger, site.program).count() == 0
    consent = record(site, old)
    request.refresh_from_db()
    assert request.record == consent and request.closed_at is not None
    assert reconsent.patients_on_older_versions(site.program, site.secretariat) == []
    assert ReconsentRequest.objects.count() == 1


def test_the_page_lists_only_patients_the_user_may_see(client, site):
    patient = site.patient(full_name="取直 花子")
    record(site, patient)
    publish_next(site)
    url = reverse("consent:reconsent", args=[site.program.slug])
    client.force_login(site.stranger)
    assert "取直 花子" not in client.get(url).content.decode()
    assert client.post(url, {"patients": [patient.pk]}).status_code == 200  # not a choice for them
    assert not ReconsentRequest.objects.exists()
    client.force_login(site.coordinator)
    assert "取直 花子" in client.get(url).content.decode()
    assert client.post(url, {"patients": [patient.pk]}).status_code == 302
    assert ReconsentRequest.objects.get().requested_by == site.coordinator
    assert "1人以上" in client.post(url, {}).content.decode()


def test_the_reconsent_list_query_count_does_not_grow(client, site, django_assert_max_num_queries):
    record(site, site.patient())
    publish_next(site)
    client.force_login(site.secretariat)
    url = reverse("consent:reconsent", args=[site.program.slug])
    with django_assert_max_num_queries(30) as few:
        client.get(url)
    for _ in range(8):
        record(site, site.patient())
    publish_next(site)
    with django_assert_max_num_queries(len(few.captured_queries)):
        body = client.get(url).content.decode()
    assert body.count("第2版") >= 8


def test_the_model_consent_text_is_marked_until_the_secretariat_publishes(client, site_for):
    iwakuni = site_for("iwakuni")
    client.force_login(iwakuni.secretariat)
    url = reverse("consent:template-list", args=[iwakuni.program.slug])
    assert "本ネットワークのひな形です" in client.get(url).content.decode()
    publish_next(iwakuni)
    assert "本ネットワークのひな形です" not in client.get(url).content.decode()
    matsubara = site_for("matsubara")  # the policy's own form: nothing to replace
    client.force_login(matsubara.secretariat)
    assert "ひな形" not in client.get(reverse("consent:template-list", args=[matsubara.program.slug])).content.decode()


def test_reconsent_one_open_per_patient_is_enforced_by_the_database(site):
    patient = site.patient()
    current = publish_next(site)
    ReconsentRequest.objects.create(patient=patient, template=current, requested_by=site.secretariat)
    with pytest.raises(IntegrityError), transaction.atomic():
        ReconsentRequest.objects.create(patient=patient, template=current, requested_by=site.secretariat)
