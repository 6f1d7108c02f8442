"""CSV for Excel and LibreOffice, the one way: UTF-8 with a BOM (so Excel reads Japanese),
CRLF lines, every cell guarded against formulas (CSV injection), streamed in chunks so a
ledger of 100,000 rows never sits in memory.

Typed columns, named in the header, so every export gets them the same way:
- `DateColumn("承認日")`: rows hand a date (or datetime, or None); it is written twice, 和暦 as
  people read it and beside it a western date Excel and LibreOffice sort and filter as a date
  (2025/04/01), under 「承認日（西暦）」;
- `TextColumn("電話番号")`: digits that are not a number (phone, FAX, postal code): written so
  that Excel and LibreOffice keep them as typed, leading 0 included (see `as_text`).
"""

import csv
import datetime
from urllib.parse import quote

from django.http import StreamingHttpResponse
from django.utils import timezone

from core.wareki import wareki

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
CHUNK_ROWS = 500


class _Echo:
    """A file-like object whose write() hands the line back, so csv.writer can feed a generator."""

    def write(self, value):
        return value


class DateColumn(str):
    """A header cell whose column holds dates: written as 和暦 and as 2025/04/01 beside it."""


class TextColumn(str):
    """A header cell whose column holds digits that must stay text (a phone's leading 0)."""


def western(value):
    """2025/04/01 (a datetime as its date in Japan); '' for None."""
    if value is None or value == "":
        return ""
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return f"{value:%Y/%m/%d}"


def as_text(value):
    """Digits kept as text by Excel and LibreOffice: a formula giving the string (="0485231234").

    Only digits, hyphens, spaces and + are let through as such a formula; anything else is written
    as it is (and guarded like every cell)."""
    text = "" if value is None else str(value)
    if text and all(c.isdigit() or c in "-+ " for c in text) and text.isascii():
        return _Safe(f'="{text}"')
    return text


class _Safe(str):
    """A cell built here (as_text), not typed by anyone: the formula guard lets it through."""


def _expand_header(header):
    for title in header:
        yield title
        if isinstance(title, DateColumn):
            yield f"{title}（西暦）"


def _typed(header):
    """A function turning a row into its cells, by the header's column types."""
    kinds = [type(title) for title in header]
    if not any(kind in (DateColumn, TextColumn) for kind in kinds):
        return list

    def expand(row):
        cells = []
        for kind, value in zip(kinds, row, strict=True):
            if kind is DateColumn:
                cells += [wareki(value) if value else "", western(value)]
            elif kind is TextColumn:
                cells.append(as_text(value))
            else:
                cells.append(value)
        return cells

    return expand


def cell(value):
    """The text of one cell; one that starts like a formula is made text with a leading quote."""
    if isinstance(value, _Safe):
        return str(value)
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(FORMULA_START) else text


def csv_lines(header, rows):
    """The file's text in chunks: BOM and header first, then the rows (iterables of values)."""
    writer = csv.writer(_Echo())  # lineterminator is \r\n
    typed = _typed(header)
    yield "\ufeff" + writer.writerow([cell(str(h)) for h in _expand_header(header)])
    chunk = []
    for row in rows:
        chunk.append(writer.writerow([cell(v) for v in typed(row)]))
        if len(chunk) >= CHUNK_ROWS:
            yield "".join(chunk)
            chunk = []
    if chunk:
        yield "".join(chunk)


def csv_response(header, rows, filename):
    """An attachment streaming `rows` under `header`, named `filename` (Japanese allowed)."""
    response = StreamingHttpResponse(csv_lines(header, rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    response["Cache-Control"] = "no-store"
    return response
