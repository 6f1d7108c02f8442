import io

import pytest
from django.utils import timezone
from pypdf import PdfReader

from core.wareki import wareki
from enrollment import pdfs, services
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
