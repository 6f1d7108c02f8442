import re
from pathlib import Path

import pytest
from django.urls import reverse

from tests.factories import FacilityFactory, StaffFactory

pytestmark = pytest.mark.django_db
TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
EVIL = '<script>alert("x")</script>'


def test_security_headers_and_a_strict_csp(client):
    response = client.get(reverse("accounts:login"))
    csp = response["Content-Security-Policy"]
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    for directive in ("default-src 'self'", "script-src 'self'", "style-src 'self'", "object-src 'none'",
                      "frame-ancestors 'none'", "base-uri 'none'", "form-action 'self'"):
        assert directive in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


def test_no_template_needs_unsafe_inline():
    """Inline scripts, event handlers and style attributes would be blocked by the CSP."""
    offenders = []
    for path in TEMPLATES.rglob("*.html"):
        if "pdf" in path.parts:
            continue  # PDF templates are rendered by WeasyPrint, never served to a browser
        text = path.read_text(encoding="utf-8")
        if re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text) or re.search(r"\sstyle=", text) \
                or re.search(r"\son[a-z]+=", text) or "javascript:" in text:
            offenders.append(str(path.relative_to(TEMPLATES)))
    assert offenders == []


def test_user_input_is_escaped_in_pages(client, world):
    world.facility_a.name = EVIL
    world.facility_a.save()
    StaffFactory(facility=world.facility_a, full_name=EVIL)
    client.force_login(world.admin_a)
    body = client.get(reverse("facilities:facility-detail", args=[world.facility_a.pk])).content.decode()
    assert EVIL not in body
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in body


def test_user_input_is_escaped_in_the_admin_and_its_history(client, world):
    facility = FacilityFactory(program=world.program_a, name="before")
    facility.name = EVIL
    facility.save()
    client.force_login(world.superuser)
    for url in (reverse("admin:facilities_facility_changelist"),
                reverse("admin:facilities_facility_history", args=[facility.pk])):
        body = client.get(url).content.decode()
        assert EVIL not in body, url
        assert "&lt;script&gt;" in body, url
