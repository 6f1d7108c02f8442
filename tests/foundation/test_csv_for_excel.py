"""CSV for Excel and LibreOffice: dates also in a western form a spreadsheet sorts, phone numbers
keep their leading 0 (core.csv DateColumn/TextColumn), checked by opening a real export in
LibreOffice (headless) when it is installed."""

import csv
import datetime
import io
import shutil
import subprocess

import pytest
from django.urls import reverse

from core.csv import DateColumn, TextColumn, csv_lines
from tests.factories import FacilityFactory

HEADER = ("名前", DateColumn("承認日"), TextColumn("電話番号"))


def _rows(header, rows):
    return list(csv.reader(io.StringIO("".join(csv_lines(header, rows)).lstrip("\ufeff"))))


def test_a_date_column_is_written_in_wareki_and_western_beside_it():
    written = _rows(HEADER, [("a", datetime.date(2025, 4, 1), "0485231234"), ("b", None, "")])
    assert written[0] == ["名前", "承認日", "承認日（西暦）", "電話番号"]
    assert written[1] == ["a", "令和7年4月1日", "2025/04/01", '="0485231234"']
    assert written[2] == ["b", "", "", ""]


def test_an_aware_datetime_is_its_date_in_japan():
    late_utc = datetime.datetime(2025, 3, 31, 20, 0, tzinfo=datetime.UTC)  # 2025-04-01 05:00 in Japan
    assert _rows(HEADER, [("a", late_utc, "")])[1][1:3] == ["令和7年4月1日", "2025/04/01"]


@pytest.mark.parametrize(("typed", "written"), [
    ("048-523-1234", '="048-523-1234"'),
    ("=HYPERLINK(1)", "'=HYPERLINK(1)"),  # not digits: the formula guard as for every cell
    ("内線12", "内線12"),
])
def test_only_digits_are_kept_as_text_the_rest_is_guarded_as_usual(typed, written):
    assert _rows(HEADER, [("a", None, typed)])[1][3] == written


@pytest.mark.django_db
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed")
def test_the_facility_ledger_opens_in_libreoffice_with_its_zeros_and_dates(client, world, tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    FacilityFactory(program=world.program_a, number="T-0009", phone="0485231234", fax="048-523-9999",
                    postal_code="360-0001", approved_on=datetime.date(2025, 4, 1))
    client.force_login(world.secretariat_a)
    response = client.get(reverse("enrollment:facility-ledger-csv", args=[world.program_a.slug]))
    (tmp_path / "ledger.csv").write_bytes(b"".join(response.streaming_content))
    # As the import dialog opens it: UTF-8 (the BOM), comma, Japanese locale, special numbers detected.
    subprocess.run(
        ["soffice", f"-env:UserInstallation=file://{tmp_path}/profile", "--headless",
         "--infilter=CSV:44,34,76,1,,1041,false,true", "--convert-to", "xlsx", "--outdir", str(tmp_path),
         str(tmp_path / "ledger.csv")],
        check=True, capture_output=True, timeout=120,
    )
    sheet = openpyxl.load_workbook(tmp_path / "ledger.xlsx", data_only=True).active
    header = [c.value for c in sheet[1]]
    row = next(r for r in sheet.iter_rows(min_row=2, values_only=True) if r[0] == "T-0009")
    cell = dict(zip(header, row, strict=True))
    assert cell["電話番号"] == "0485231234" and cell["FAX番号"] == "048-523-9999"
    assert cell["郵便番号"] == "360-0001"
    assert cell["承認日"] == "令和7年4月1日"
    assert cell["承認日（西暦）"] == datetime.datetime(2025, 4, 1)  # a date the spreadsheet sorts
