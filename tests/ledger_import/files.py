"""Real ledger files for the import's tests: xlsx made by openpyxl, CSV encoded as people save it."""

import csv
import datetime
import io

import openpyxl
from django.core.files.uploadedfile import SimpleUploadedFile

from ledger_import.reading import BY_KEY, TEMPLATE_KEYS

HEADER = [BY_KEY[key].label for key in TEMPLATE_KEYS]


def person(n, **values):
    """One ledger row (a dict by column key): a person at 松原テスト診療所 unless told otherwise."""
    row = {
        "number": "", "name": "松原テスト診療所", "name_kana": "マツバラテストシンリョウジョ", "kind": "診療所",
        "postal_code": "580-0001", "address": "大阪府松原市阿保1-2-3", "phone": "072-111-2222", "fax": "",
        "full_name": f"職員 {n}", "full_name_kana": "ショクイン", "gender": "女", "job": "看護師",
        "email": f"person{n}@example.jp", "is_admin": "○" if n == 1 else "", "started_on": "2025/4/1",
        "pledge_on": "令和7年4月1日", "last_training_on": "",
    }
    row.update(values)
    return row


def cells(row, keys=TEMPLATE_KEYS):
    return [row.get(key, "") for key in keys]


def xlsx(rows, *, header=HEADER, keys=TEMPLATE_KEYS, before=(), merge=()):
    """An .xlsx whose first sheet has `before` rows (titles, blanks), the header, then `rows`."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for line in before:
        sheet.append(list(line))
    sheet.append(list(header))
    for row in rows:
        sheet.append(cells(row, keys) if isinstance(row, dict) else list(row))
    for cell_range in merge:
        sheet.merge_cells(cell_range)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_bytes(rows, *, header=HEADER, keys=TEMPLATE_KEYS, encoding="cp932", before=()):
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\r\n")
    for line in before:
        writer.writerow(line)
    writer.writerow(header)
    for row in rows:
        writer.writerow(cells(row, keys) if isinstance(row, dict) else row)
    return text.getvalue().encode(encoding)


def upload(name, content):
    return SimpleUploadedFile(name, content)


def stream(content):
    return io.BytesIO(content)


TODAY = datetime.date.today()
