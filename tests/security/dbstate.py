"""The database read back table by table, with raw SQL: every table, including history, M2M and
third-party ones, so that nothing a model forgot to declare escapes the comparison or the scan.

- `contents()` : {table: sorted rows}, to prove that a request changed nothing (tests/snapshot.py
  only counts rows and so cannot see an UPDATE of a table without history);
- `text_cells()`: every textual value with where it lives, to prove that something is gone.
"""

import io
import json
import re

from django.db import connection
from pypdf import PdfReader

# Moved by signing in and by the test client itself, never by what a page does.
VOLATILE = ("django_session", "axes_", "otp_")
# Counts a page may store to show them faster (the groups dashboard's): a cache, not state.
DERIVED = ("groups_dashboardline",)


def tables(*, skip=VOLATILE):
    return [t for t in sorted(connection.introspection.table_names()) if not t.startswith(skip)]


def _rows(table):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
        columns = [c[0] for c in cursor.description]
        return columns, [tuple(bytes(v) if isinstance(v, memoryview) else v for v in row) for row in cursor]


def contents(*, skip=VOLATILE):
    state = {}
    for table in tables(skip=skip):
        _, rows = _rows(table)
        state[table] = sorted(rows, key=repr)
    return state


def changed_tables(before, after):
    return sorted(t for t in set(before) | set(after) if before.get(t) != after.get(t))


def _texts(value):
    """What a person would read in a cell: text, JSON with its escapes undone, a PDF's extracted text."""
    if isinstance(value, bytes):
        if value.startswith(b"%PDF"):
            yield "".join(page.extract_text() for page in PdfReader(io.BytesIO(value)).pages)
        else:
            yield value.decode("utf-8", "replace")
        return
    if not isinstance(value, str):
        if isinstance(value, dict | list):  # jsonb, when the driver decodes it
            yield json.dumps(value, ensure_ascii=False)
        return
    yield value
    # Django stores JSON with \\uXXXX escapes on SQLite: 山田 is "\\u5c71\\u7530" there.
    if value[:1] in "[{\"":
        try:
            yield json.dumps(json.loads(value), ensure_ascii=False)
        except ValueError:
            pass


def text_cells(*, skip=()):
    """(table, column, text) for every non-empty textual cell of every table."""
    for table in tables(skip=skip):
        columns, rows = _rows(table)
        for row in rows:
            for column, value in zip(columns, row, strict=True):
                for text in _texts(value):
                    if text:
                        yield table, column, text


def find(needles, *, skip=()):
    """Where any of `needles` (compared without white space) still appears: [(table, column, needle)]."""
    wanted = {_flat(n): n for n in needles if n}
    hits = set()
    for table, column, text in text_cells(skip=skip):
        flat = _flat(text)
        hits |= {(table, column, original) for key, original in wanted.items() if key in flat}
    return sorted(hits)


def _flat(text):
    return re.sub(r"\s+", "", text)
