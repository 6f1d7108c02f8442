"""The 定期精査報告書 stays fast with long free text: a 2,000-character note took 15-20 s under
WeasyPrint's automatic table layout (every Japanese character a break point to measure);
fixed layout (pdf.css `table.meta`, the report's `table.decisions`) takes well under a second."""

import io
import re
import time

from pypdf import PdfReader

from groups import pdfs
from tests.groups.factories import GroupReviewFactory

NOTE = ("訪問看護の終了に伴いメンバーを見直した。主治医と相談のうえ継続とする。" * 60)[:2000]


def _text(content):
    return re.sub(r"\s+", "", "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages))


def test_a_long_note_prints_whole_and_fast(db):
    review = GroupReviewFactory(note=NOTE)
    pdfs.review_report_pdf(review=review)  # warm: fonts and stylesheet
    started = time.perf_counter()
    content = pdfs.review_report_pdf(review=review)
    elapsed = time.perf_counter() - started
    text = _text(content)
    assert NOTE[:40] in text and NOTE[-30:] in text
    assert elapsed < 4, f"{elapsed:.1f} s for a 2,000-character note"
