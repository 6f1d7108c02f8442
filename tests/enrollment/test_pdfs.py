import dataclasses
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from core.wareki import wareki
from enrollment import pdfs, services
from policy import rules
from policy.rules import PROFILES, VARIANTS
from tests.enrollment.helpers import row, service_data
from tests.factories import ProgramFactory, UserFactory

pytestmark = pytest.mark.django_db


def text_of(content):
    reader = PdfReader(io.BytesIO(content))
    # Extracted text may break lines anywhere: compare without whitespace.
    return "".join("".join(page.extract_text().split()) for page in reader.pages), reader


def embedded_fonts(reader):
    names = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descendants = font.get("/DescendantFonts")
            descriptor = (descendants[0].get_object() if descendants else font)["/FontDescriptor"].get_object()
            if any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3")):
                names.add(str(font["/BaseFont"]))
    return names


def squash(value):
    return "".join(value.split())


def submitted(program):
    return services.application_submit(
        program=program, data=service_data(program),
        registrants=[row(1, admin=True, full_name="山田 太郎"), row(2, full_name="佐藤 花子")],
    )


@pytest.mark.parametrize("variant", VARIANTS)
def test_the_application_prints_in_the_variants_form_with_the_applicants_data(variant):
    program = ProgramFactory(variant=variant)
    application = submitted(program)
    text, reader = text_of(pdfs.application_pdf(program=program, application=application))
    form = program.policy.form("application")
    if form:
        assert squash(form.title) in text and form.number in text
    else:
        assert "利用届出書" in text  # the variant has no application form: the registration is printed
    for expected in ("みらい在宅クリニック", "山田太郎", "佐藤花子", "hanako1@example.jp", application.receipt_number,
                     squash(wareki(timezone.localdate(application.submitted_at)))):
        assert expected in text, expected
    assert any(name.endswith("+PortalMincho") for name in embedded_fonts(reader))  # IPAex, subset, embedded
    assert len(reader.pages) >= 1 and reader.pages[0].mediabox.width == pytest.approx(595.3, abs=1)  # A4


@pytest.mark.parametrize("variant", [v for v in VARIANTS if PROFILES[v].facility_pledge_text])
def test_the_facility_pledge_prints_signed(variant):
    program = ProgramFactory(variant=variant)
    application = submitted(program)
    text, _ = text_of(pdfs.facility_pledge_pdf(program=program, application=application))
    form = program.policy.form("facility_pledge")
    assert squash(form.title) in text and form.number in text
    assert squash(program.policy.facility_pledge_text[-1])[:30] in text
    assert "みらい在宅クリニック" in text and "申込太郎" in text
    assert squash(wareki(application.pledge_signed_on)) in text


@pytest.mark.parametrize("variant", VARIANTS)
def test_blank_forms_have_their_title_and_empty_lines(variant):
    program = ProgramFactory(variant=variant)
    text, _ = text_of(pdfs.application_pdf(program=program))
    assert "令和年月日" in text and "登録者情報" in text
    if PROFILES[variant].facility_pledge_text is None:
        with pytest.raises(ValueError):
            pdfs.facility_pledge_pdf(program=program)
    else:
        text, _ = text_of(pdfs.facility_pledge_pdf(program=program))
        assert squash(program.policy.form("facility_pledge").title) in text and "管理者氏名" in text


def test_the_approval_notice_names_the_facility_number_and_administrator():
    program = ProgramFactory(variant="matsubara", code="MTB")
    application = submitted(program)
    services.application_approve(application=application, by=UserFactory())
    application.refresh_from_db()
    text, _ = text_of(pdfs.approval_notice_pdf(application=application))
    assert "利用承認通知書" in text and "MTB-0001" in text and "山田太郎" in text
    assert squash(wareki(timezone.localdate(application.decided_at))) in text and program.policy.admin_label in text


@pytest.fixture
def renders(monkeypatch):
    """The HTML of every PDF WeasyPrint renders during the test."""
    from core import pdf

    calls = []
    real = pdf.html_to_pdf
    monkeypatch.setattr(pdf, "html_to_pdf", lambda html: calls.append(html) or real(html))
    return calls


def test_a_blank_form_is_rendered_once_per_text_version(client, monkeypatch, renders):
    """Anonymous requests cannot make the server render in a loop: the second request is served from
    the cache; a new version of the policy's text renders anew."""
    calls = renders
    program = ProgramFactory(variant="matsubara")
    url = reverse("enrollment:blank-application-pdf", args=[program.slug])
    first, second = client.get(url), client.get(url)
    assert first.status_code == second.status_code == 200
    assert first.content == second.content and len(calls) == 1
    assert client.get(reverse("enrollment:blank-pledge-pdf", args=[program.slug])).status_code == 200
    assert len(calls) == 2  # another form, another render
    # A new version of the policy's text (e.g. a revised form title) is a new PDF.
    revised = dataclasses.replace(program.policy, application_declaration="改定した申込みの文言です。")
    monkeypatch.setitem(rules._profiles, "matsubara", revised)
    renewed = client.get(url)
    assert len(calls) == 3 and "改定した申込みの文言です。" in text_of(renewed.content)[0].replace(" ", "").replace("\n", "")
    assert client.get(url).content == renewed.content and len(calls) == 3


def test_an_applications_own_form_is_never_cached(renders):
    calls = renders
    application = submitted(ProgramFactory(variant="matsubara"))
    pdfs.application_pdf(program=application.program, application=application)
    pdfs.application_pdf(program=application.program, application=application)
    assert len(calls) == 2


def test_the_blank_forms_are_behind_the_per_address_throttle(client, settings):
    settings.THROTTLES = {**settings.THROTTLES, "public-get": (3, 60)}
    program = ProgramFactory(variant="matsubara")
    url = reverse("enrollment:blank-application-pdf", args=[program.slug])
    assert [client.get(url).status_code for _ in range(4)] == [200, 200, 200, 429]
