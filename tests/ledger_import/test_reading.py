"""Reading the file: formats, encodings, the header, and what is refused before reading."""

import datetime
import io
import tracemalloc

import openpyxl
import pytest

from ledger_import.reading import (
    MAX_BYTES,
    Formula,
    LedgerUnreadable,
    normalise,
    open_ledger,
    read_row,
    template_xlsx,
)
from tests.ledger_import.files import HEADER, csv_bytes, person, stream, xlsx


def _values(content, name="ledger.xlsx"):
    ledger = open_ledger(stream(content), name)
    return ledger, [read_row(ledger, number, cells) for number, cells in ledger.rows]


def test_xlsx_rows_are_read_under_their_headers():
    ledger, rows = _values(xlsx([person(1), person(2)]))
    assert ledger.kind == "xlsx" and ledger.header_row == 1
    assert [r.number for r in rows] == [2, 3]
    first = rows[0].values
    assert first["name"] == "松原テスト診療所" and first["kind"] == "clinic" and first["job"] == "nurse"
    assert first["is_admin"] is True and first["pledge_on"] == datetime.date(2025, 4, 1)
    assert rows[0].errors == []


def test_title_rows_blank_rows_synonyms_and_spaces_around_headers():
    header = [" 事業所名 ", "住所", "〒", "TEL", "施設の種類", "氏名", "フリガナ", "職種", "メールアドレス", "管理者"]
    keys = ["name", "address", "postal_code", "phone", "kind", "full_name", "full_name_kana", "job", "email", "is_admin"]
    before = [["令和7年度 くまねっと 参加施設・職員名簿"], [], ["作成: 事務局"], []]
    content = xlsx([person(1), {}, person(2)], header=header, keys=keys, before=before)
    ledger, rows = _values(content)
    assert ledger.header_row == 5
    assert set(ledger.columns) == set(keys)
    assert [r.number for r in rows] == [6, 8], "the blank row in between is skipped"
    assert rows[0].values["email"] == "person1@example.jp"


def test_typed_values_are_normalised_as_the_forms_do():
    values = {
        "postal_code": "５８０ー０００１", "phone": "０７２（１１１）２２２２", "full_name_kana": "まつばら ﾊﾅｺ",
        "full_name": "松原　花子", "email": "ＨＡＮＡＫＯ@example.jp ", "is_admin": "はい", "job": "ケアマネジャー",
        "kind": "訪問看護ステーション", "started_on": "R7.4.1", "pledge_on": "H31.4.30",
    }
    _, rows = _values(xlsx([person(1, **values)]))
    got = rows[0].values
    assert got["postal_code"] == "580-0001"
    assert got["phone"] == "0721112222"
    assert got["full_name_kana"] == "マツバラ ハナコ"
    assert got["full_name"] == "松原 花子"
    assert got["email"] == "HANAKO@example.jp"
    assert got["is_admin"] is True and got["job"] == "care_manager" and got["kind"] == "home_nursing"
    assert got["started_on"] == datetime.date(2025, 4, 1) and got["pledge_on"] == datetime.date(2019, 4, 30)


def test_excel_date_cells_and_numbers_typed_as_numbers():
    row = person(1, started_on=datetime.datetime(2025, 4, 1), postal_code=5800001, phone=721112222)
    _, rows = _values(xlsx([row]))
    got = rows[0].values
    assert got["started_on"] == datetime.date(2025, 4, 1)
    assert got["postal_code"] == "580-0001"
    assert got["phone"].replace("-", "") == "0721112222", "Excel dropped the leading zero; it is put back"


@pytest.mark.parametrize(
    ("key", "typed", "message"),
    [
        ("postal_code", "58-0001", "郵便番号は7桁の数字で入力してください。"),
        ("phone", "072-111", "電話番号は市外局番から10〜11桁で入力してください。"),
        ("full_name_kana", "Matsubara", "カタカナで入力してください"),
        ("job", "運転手", "職種「運転手」がわかりません"),
        ("kind", "コンビニ", "施設の種類「コンビニ」がわかりません"),
        ("email", "person@", "有効なメールアドレスを入力してください。"),
        ("is_admin", "たぶん", "MCS管理者「たぶん」がわかりません"),
        ("started_on", "来月", "日付が読めません"),
        ("pledge_on", "2999/1/1", "誓約書の日付に未来の日付は入れられません。"),
    ],
)
def test_bad_values_get_the_forms_messages(key, typed, message):
    with pytest.raises(Exception) as caught:
        normalise(key, typed)
    assert message in " ".join(getattr(caught.value, "messages", [str(caught.value)]))


def test_cp932_csv_is_detected_without_asking():
    content = csv_bytes([person(1, full_name="髙橋 﨑子", address="大阪府松原市阿保①丁目")], encoding="cp932")
    ledger, rows = _values(content, "台帳.csv")
    assert ledger.kind == "csv"
    assert rows[0].values["full_name"] == "髙橋 﨑子"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig"])
def test_utf8_csv_with_or_without_bom(encoding):
    ledger, rows = _values(csv_bytes([person(1)], encoding=encoding), "ledger.csv")
    assert "name" in ledger.columns, "the BOM does not stick to the first header"
    assert rows[0].values["name"] == "松原テスト診療所"


def test_a_formula_cell_is_read_as_text_never_evaluated():
    content = xlsx([person(1, email='=HYPERLINK("mailto:a@example.jp","a@example.jp")', full_name="=1+1")])
    workbook = openpyxl.load_workbook(io.BytesIO(content))
    assert workbook.active["M2"].data_type == "f", "the test file really holds a formula"
    _, rows = _values(content)
    messages = [m for _, m in rows[0].errors]
    assert any("=HYPERLINK(" in m and "数式のセル" in m for m in messages)
    assert any("=1+1" in m for m in messages), "shown as typed, not as 2"
    assert "email" not in rows[0].values


def test_text_that_only_starts_with_equals_is_not_a_formula():
    # The portal's own CSV export guards such cells with a leading quote; CSV never has formulas.
    _, rows = _values(csv_bytes([person(1, full_name="'=山田")], encoding="utf-8"), "x.csv")
    assert rows[0].values["full_name"] == "=山田"
    assert not isinstance(rows[0].values["full_name"], Formula)


def test_a_pdf_renamed_xlsx_is_refused():
    with pytest.raises(LedgerUnreadable, match="PDFのファイルです"):
        open_ledger(stream(b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n"), "台帳.xlsx")


def test_an_empty_file_is_refused():
    with pytest.raises(LedgerUnreadable, match="ファイルが空です"):
        open_ledger(stream(b""), "台帳.xlsx")


def test_a_corrupt_xlsx_and_an_old_xls_are_refused():
    with pytest.raises(LedgerUnreadable, match="Excelのファイル"):
        open_ledger(stream(b"PK\x03\x04 not really a zip"), "台帳.xlsx")
    with pytest.raises(LedgerUnreadable, match=r"古い形式のExcelファイル（\.xls）"):
        open_ledger(stream(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100), "台帳.xls")
    with pytest.raises(LedgerUnreadable, match="台帳のファイル"):
        open_ledger(stream(b"\x89PNG\r\n\x1a\n\0\0\0"), "photo.png")


class _Huge:
    """A 50 MB upload that fails the test if anything reads it."""

    size = 50 * 1024 * 1024

    def read(self, *args):
        raise AssertionError("a file over the limit was read")

    seek = tell = read


def test_a_50_mb_file_is_refused_before_reading():
    assert _Huge.size > MAX_BYTES
    with pytest.raises(LedgerUnreadable, match="ファイルが大きすぎます（50MB）"):
        open_ledger(_Huge(), "台帳.xlsx")


def test_a_sheet_without_a_recognisable_header_is_refused():
    content = xlsx([["a", "b"]] * 40, header=["番号", "メモ", "備考"])
    with pytest.raises(LedgerUnreadable, match="見出しの行が見つかりません"):
        open_ledger(stream(content), "x.xlsx")
    with pytest.raises(LedgerUnreadable, match="見出しの行が見つかりません"):
        open_ledger(stream("メモ\r\nこんにちは\r\n".encode("cp932")), "x.csv")


def test_a_csv_in_another_encoding_says_so():
    content = "施設名,氏名,登録メールアドレス\r\n".encode("cp932") + b"\x85\x40\x81\x39,x,y\r\n"
    with pytest.raises(LedgerUnreadable, match="文字コード"):
        ledger = open_ledger(stream(content), "x.csv")
        list(ledger.rows)


def test_reading_streams_the_sheet():
    # tracemalloc slows openpyxl tenfold, so a smaller sheet; the 10,000-row file is in test_planning.
    content = xlsx([person(n) for n in range(1_000)])
    tracemalloc.start()
    ledger = open_ledger(stream(content), "big.xlsx")
    count = sum(1 for _ in ledger.rows)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert count == 1_000
    # Loaded whole (not read-only), this sheet takes about 7 MB; streamed, well under 1 MB.
    assert peak < 2 * 1024 * 1024, f"peak {peak / 1024 / 1024:.1f} MB"


def test_the_template_has_the_columns_and_one_example_row():
    workbook = openpyxl.load_workbook(io.BytesIO(template_xlsx()))
    sheet = workbook.worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == HEADER
    assert len(rows) == 2 and rows[1][1] == "松原みなみクリニック"
    _, read = _values(template_xlsx())
    assert read[0].errors == [] and read[0].values["is_admin"] is True


def test_reading_a_csv_leaves_the_callers_file_open():
    content = stream(csv_bytes([person(1)]))
    ledger = open_ledger(content, "x.csv")
    assert len(list(ledger.rows)) == 1
    del ledger
    import gc

    gc.collect()
    content.seek(0)
    assert content.read(3) == csv_bytes([person(1)])[:3]
