"""Examples on the forms come from the network's own area: no Osaka postal code or phone number on
a Kumagaya or Iwakuni form (core.forms.area_examples, the policy profile's examples)."""

import pytest
from django.test import Client
from django.urls import reverse

from policy.rules import VARIANTS, profile
from tests.conftest import make_world

pytestmark = pytest.mark.django_db


def test_every_variant_has_examples_of_its_own_area():
    postal = {v: profile(v).example_postal_code for v in VARIANTS}
    assert all(postal.values()) and all(profile(v).example_phone for v in VARIANTS)
    assert len(set(postal.values())) == len(VARIANTS)  # five cities, five examples


@pytest.mark.parametrize(("variant", "postal", "phone"), [
    ("kumagaya", "360-0001", "048-123-4567"),
    ("iwakuni", "740-0001", "0827-12-3456"),
])
def test_the_application_and_patient_forms_show_the_areas_examples(client, variant, postal, phone):
    world = make_world(variant_a=variant, lazy=True)
    apply_page = Client().get(reverse("enrollment:apply", args=[world.program_a.slug])).content.decode()
    client.force_login(world.coordinator_a)
    patient_page = client.get(reverse("consent:patient-create", args=[world.program_a.slug])).content.decode()
    for page in (apply_page, patient_page):
        assert phone in page and "072-" not in page and "580-0001" not in page
    assert postal in apply_page
