"""Consent PDFs, rendered for real by WeasyPrint with the installed IPAex fonts, read back with pypdf."""

import datetime
import io
import re

import pytest
from pypdf import PdfReader

from consent import services
from consent.forms import PatientForm
from consent.pdfs import consent_pdf
from policy.rules import VARIANTS
from tests.consent.factories import ConsentRecordFactory
from tests.factories import ProgramFactory

pytestmark = pytest.mark.django_db


def pdf_text(content):
    # Headings are letter-spaced, so pypdf may put spaces between characters: compare without them.
    reader = PdfReader(io.BytesIO(content))
    return re.sub(r"\s+", "", "".join(page.extract_text() for page in reader.pages))


def embedded_fonts(content):
    names = set()
    for page in PdfReader(io.BytesIO(content)).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            for descendant in font.get("/DescendantFonts", [font]):
                descriptor = descendant.get_object().get("/FontDescriptor")
                if descriptor and any(k in descriptor.get_object() for k in ("/FontFile", "/FontFile2", "/FontFile3")):
                    names.add(str(descendant.get_object()["/BaseFont"]))
    return names


@pytest.mark.parametrize("variant", VARIANTS)
def test_blank_form_has_the_variants_title_and_an_embedded_japanese_font(variant):
    program = ProgramFactory(variant=variant)
    content = consent_pdf(program=program)
    assert content.startswith(b"%PDF-")
    form = program.policy.form("consent")
    text = pdf_text(content)
    assert form.title in text and form.number in text
    assert "令和年月日" in text  # a date to fill in, in the current era
    assert "患者の個人情報の利用目的" in text
    # core.pdf maps these CSS families to the IPAex files; a subset of each is embedded.
    assert {name.split("+")[-1] for name in embedded_fonts(content)} == {"PortalMincho", "PortalGothic"}
    assert len(PdfReader(io.BytesIO(content)).pages) <= 3


@pytest.mark.parametrize("variant", VARIANTS)
def test_the_form_tells_the_patient_about_the_paper_never_the_staff_note(variant, site_for):
    site = site_for(variant)
    policy = site.program.policy
    record = ConsentRecordFactory(patient=site.patient(), obtained_by=site.coordinator,
                                  template=services.consent_template_current(site.program))
    for content in (consent_pdf(program=site.program), consent_pdf(program=site.program, record=record)):
        text = pdf_text(content)
        assert policy.consent_custody not in text  # 「患者または家族に説明し、…記入してもらいます」 is for staff
        assert "記入してもらいます" not in text and "この同意書の扱い" not in text
        if policy.consent_custody_for_patient:
            assert policy.consent_custody_for_patient in text
    if variant == "kumagaya":  # 第4条 says nothing about the copy: the form neither
        assert "写し" not in pdf_text(consent_pdf(program=site.program))


def test_family_rows_follow_the_policy_minimum_and_never_fewer_than_two():
    content = consent_pdf(program=ProgramFactory(variant="matsubara"))
    assert pdf_text(content).count("続柄") == 2
    assert "在宅療養を支えるご家族を1名以上ご記入ください" in pdf_text(content)


def test_prefilled_form_prints_the_patient(site_for):
    site = site_for("iwakuni")
    patient = site.patient(full_name="見本 太郎", address="山口県岩国市麻里布町9-9")
    text = pdf_text(consent_pdf(program=site.program, patient=patient))
    assert "見本太郎" in text and "山口県岩国市麻里布町9-9" in text
    assert "昭和15年2月11日" in text  # the factory's birth date, in 和暦
    assert "在宅医療における個人情報使用同意書" in text


def test_recorded_form_prints_what_was_signed_in_wareki(site_for):
    site = site_for("matsubara")
    patient = site.patient(full_name="試験 花子")
    record = services.consent_record(
        patient=patient, by=site.coordinator, signed_on=datetime.date(2019, 5, 1),
        family_signers=[{"name": "試験 次郎", "relationship": "長男", "address": "大阪府松原市"}],
        original_kept_at="テスト診療所 書庫", copy_given=True,
    )
    text = pdf_text(bytes(record.pdf_snapshot))
    for expected in ("試験花子", "令和元年5月1日", "試験次郎", "長男", "テスト診療所書庫", "患者・家族に渡した",
                     site.clinic.name.replace(" ", ""), "第1版"):
        assert expected in text


def test_a_name_the_font_cannot_print_is_refused_with_the_character_named(site_for):
    site = site_for("matsubara")
    form = PatientForm(
        {"full_name": "𠮷田 太郎", "full_name_kana": "よしだ たろう", "birth_date": "1940-02-11", "gender": "male",
         "address": "大阪府松原市", "origin_facility": site.clinic.pk},
        program=site.program,
    )
    assert not form.is_valid()
    assert "「𠮷」は印刷できない文字です" in form.errors["full_name"][0]


def test_each_render_reuses_the_parsed_stylesheet_and_font_configuration(monkeypatch):
    # Issue #19: parsing the stylesheet and loading the fonts per render made the portal 1.32× bare
    # WeasyPrint. Two renders must hand WeasyPrint the same objects and build no new ones
    # (the template's own <style> is parsed per document, as bare WeasyPrint does too).
    import weasyprint
    from weasyprint.text import fonts

    program = ProgramFactory(variant="matsubara")
    consent_pdf(program=program)  # the first render in the process may build them
    passed, built = [], []
    write_pdf = weasyprint.HTML.write_pdf

    def spy_write_pdf(self, *args, **kwargs):
        passed.append((tuple(kwargs.get("stylesheets") or ()), kwargs.get("font_config")))
        return write_pdf(self, *args, **kwargs)

    def spy_init(original, kind):
        def init(self, *args, **kwargs):
            if kind == "fonts" or "@font-face" in str(kwargs.get("string", "")):
                built.append(kind)
            return original(self, *args, **kwargs)
        return init

    monkeypatch.setattr(weasyprint.HTML, "write_pdf", spy_write_pdf)
    monkeypatch.setattr(weasyprint.CSS, "__init__", spy_init(weasyprint.CSS.__init__, "CSS"))
    monkeypatch.setattr(fonts.FontConfiguration, "__init__", spy_init(fonts.FontConfiguration.__init__, "fonts"))
    consent_pdf(program=program)
    consent_pdf(program=program)
    assert built == []
    (sheets_1, fonts_1), (sheets_2, fonts_2) = passed
    assert sheets_1 and fonts_1 is not None
    assert all(a is b for a, b in zip(sheets_1, sheets_2, strict=True)) and fonts_1 is fonts_2
