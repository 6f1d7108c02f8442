"""Where a policy gives its forms' full wording (seed 003, matsubara), the printed forms carry it
word for word: pdftotext on real WeasyPrint PDFs, compared with the seed's lines, spaces ignored.

The seed is PDF-extracted text: its OCR slips are mended here exactly as docs/policy-notes.md
lists them, and its list markers (「- 」, 「1)」, 「(1)」) are the forms' numbering, not wording.
"""

import re
import subprocess
from pathlib import Path

import pytest

from consent import pdfs as consent_pdfs
from enrollment import pdfs as enrollment_pdfs
from facilities import pdfs as facility_pdfs
from tests.conftest import make_world

pytestmark = pytest.mark.django_db

SEED = Path("/work/shared/seeds/003_3f4820ae7ee218c4.txt")
if not SEED.exists():  # the repository's copy, where the shared seeds are not mounted
    SEED = Path(__file__).resolve().parents[2] / "docs" / "seeds" / SEED.name

# What docs/policy-notes.md lists as mended (OCR slips, and the policy's page reference).
CORRECTIONS = {
    "関係者的一切": "関係者の一切",
    "患者者が": "患者が",
    "使用的禁止": "使用の禁止",
    "P10に記載のとおりです": "別紙「患者の個人情報の利用目的」に記載のとおりです",
}
MARKER = re.compile(r"^(?:-\s*)?(?:\(\d+\)|\d+\))?\s*")


def squeeze(text):
    return re.sub(r"\s+", "", text)


def seed_lines(start, end):
    """The seed's wording from the line starting with `start` to the one starting with `end`."""
    lines = [MARKER.sub("", line.strip()) for line in SEED.read_text(encoding="utf-8").splitlines()]
    start, end = squeeze(MARKER.sub("", start)), squeeze(MARKER.sub("", end))
    first = next(i for i, line in enumerate(lines) if squeeze(line).startswith(start))
    last = next(i for i in range(first, len(lines)) if squeeze(lines[i]).startswith(end))
    wording = []
    for line in lines[first:last + 1]:
        for slip, mended in CORRECTIONS.items():
            line = line.replace(slip, mended)
        line = line.replace("(", "（").replace(")", "）")
        if squeeze(line):
            wording.append(squeeze(line))
    return wording


def pdf_text(content, tmp_path):
    path = tmp_path / "form.pdf"
    path.write_bytes(content)
    out = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True)
    return squeeze(out.stdout.decode("utf-8"))


def missing(wording, text):
    return [line for line in wording if line not in text]


@pytest.fixture
def program():
    return make_world(variant_a="matsubara", lazy=True).program_a


def test_the_application_declares_the_policys_sentence(program, tmp_path):
    text = pdf_text(enrollment_pdfs.application_pdf(program=program), tmp_path)
    wording = seed_lines("在宅医療・介護に関する多職種連携", "在宅医療・介護に関する多職種連携")
    assert "m@tsuネット（まつねっと）利用申込書" in text or "m@tsuネット利用申込書" in text
    assert missing(wording, text) == []


def test_the_facility_pledge_is_the_policys_renkei_shuhi_seiyakusho(program, tmp_path):
    text = pdf_text(enrollment_pdfs.facility_pledge_pdf(program=program), tmp_path)
    wording = seed_lines("第1条（連携情報保持の誓約）", "私は、本誓約書の各条の規定に違反した場合、誠意")
    assert len(wording) == 15  # five headings, ten paragraphs and items
    assert missing(wording, text) == []


def test_the_staff_pledge_is_the_policys_gyomu_joho_hoji(program, tmp_path):
    text = pdf_text(facility_pdfs.staff_pledge_pdf(program=program), tmp_path)
    wording = seed_lines("業務情報保持に関する誓約書", "第5条 私は、本誓約書の各条の規定に違反")
    wording = [line for line in wording if line not in ("（事業所名称）", "管理者殿")]  # the addressee box
    assert missing(wording, text) == []


def test_the_consent_form_and_its_fourteen_outside_uses(program, tmp_path):
    template = consent_pdfs.current_or_default_template(program)
    text = pdf_text(consent_pdfs.consent_pdf(program=program, template=template), tmp_path)
    form = seed_lines("在宅医療における個人情報使用同意書", "- 8) 在宅医療期間中に患者から取得する")
    form = [line for line in form if line != "記"]  # printed centred on its own; 「記」 alone matches anywhere
    agreement = seed_lines("私は、上記事項について説明を受け", "私は、上記事項について説明を受け")
    purposes = seed_lines("患者の個人情報の利用目的", "(2) 外部監査機関への情報提供")
    outside = seed_lines("2 当施設外への情報提供としての利用", "(14) 患者個人を識別")
    assert len(outside) == 15  # the heading and all 14 outside uses
    assert missing(form + agreement + purposes, text) == []
    assert len(template.purposes[1]["items"]) == 14


def test_elsewhere_the_wording_is_marked_as_the_portals_model(tmp_path):
    from facilities.ledger import pledge_text_for_print
    from facilities.texts import is_model_text

    program = make_world(variant_a="iwakuni", lazy=True).program_a
    text = pledge_text_for_print(program)
    assert is_model_text(program, text)
    assert program.policy.model_text_note("staff_pledge").startswith("本ネットワークのひな形です")
    matsubara = make_world(variant_a="matsubara", lazy=True).program_a
    assert not is_model_text(matsubara, pledge_text_for_print(matsubara))
