"""The URL walk's case "facility whose involvement ended": every URL pattern of the project that
names one patient (or one of their consent records) answers 404 to the users of a facility whose
involvement in that patient's care has ended, on GET and on POST, and changes nothing."""

import pytest
from django.urls import reverse

from tests.consent.walk import ENDED_PROVIDERS
from tests.foundation.test_url_walk import all_url_names
from tests.snapshot import snapshot


def _patient_urls():
    names = []
    for name, pattern in sorted(all_url_names().items()):
        kwargs = set(pattern.pattern.converters)
        if kwargs and kwargs <= set(ENDED_PROVIDERS):
            names.append(name)
    return names


PATIENT_URLS = _patient_urls()


def test_the_walk_finds_the_patient_urls():
    assert {"consent:patient-detail", "consent:patient-consent-pdf", "consent:consent-scan"} <= set(PATIENT_URLS)


@pytest.mark.parametrize("who", ["admin_a", "coordinator_a"])
@pytest.mark.parametrize("name", PATIENT_URLS)
def test_a_facility_whose_involvement_ended_gets_404(name, who, client, world):
    kwargs = {arg: ENDED_PROVIDERS[arg](world) for arg in all_url_names()[name].pattern.converters}
    url = reverse(name, kwargs=kwargs)
    client.force_login(getattr(world, who))
    before = snapshot()
    get = client.get(url)
    assert get.status_code in (404, 405), f"GET {name} answered {get.status_code} after the involvement ended"
    post = client.post(url, {"note": "x", "facility": world.facility_a.pk, "withdrawn_on": "2025-06-01"})
    assert post.status_code == 404, f"POST {name} answered {post.status_code} after the involvement ended"
    assert snapshot() == before, f"{name} changed data for a facility no longer involved"
