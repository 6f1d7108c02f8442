"""Reading a network's Excel ledger (.xlsx, or CSV saved from it) into normalised rows.

Written once for the page and the command: find the header (title rows and synonyms
allowed), stream the rows (openpyxl's read-only mode, so a large sheet never sits in
memory), and turn each cell into what the portal stores, with the same normalisers and
messages as the forms (core.text, core.wareki, core.forms).

Formulas are never evaluated: the workbook is opened with data_only=False, so a formula
cell reads as its text (`=HYPERLINK(...)`), and the planner refuses it.
"""

import codecs
import csv
import datetime
import io
import re
import zipfile
from dataclasses import dataclass, field

from django import forms
from django.core.exceptions import ValidationError

from core import text
from core.forms import (
    START_AHEAD_DAYS,
    CheckedDateField,
    KanaField,
    NameField,
    PhoneField,
    PostalCodeField,
    ProseField,
)
from core.wareki import parse_date
from facilities.models import FacilityKind, JobType

MAX_BYTES = 20 * 1024 * 1024  # about 100,000 ledger rows as xlsx; a bigger file is refused unread
MAX_UNZIPPED_BYTES = 400 * 1024 * 1024  # an xlsx that unpacks to more than this is not a ledger
MAX_ROWS = 100_000
HEADER_SEARCH_ROWS = 30
BLANK_RUN_ENDS_SHEET = 1_000  # sheets whose formatting reaches row 1,048,576 end here


class LedgerUnreadable(Exception):
    """The file cannot be read as a ledger at all; the message says why, in Japanese."""


class Formula(str):
    """A formula cell's text (`=HYPERLINK(...)`), kept as text and never evaluated."""


@dataclass(frozen=True)
class Column:
    key: str
    label: str  # the portal's own name, as in the template and the export
    part: str  # "facility", "staff" or "extra"
    synonyms: tuple = ()


COLUMNS = (
    Column("number", "施設番号", "facility", ("施設NO", "施設No.", "施設コード")),
    Column("name", "施設名", "facility", ("事業所名", "施設・事業所名", "事業所")),
    Column("name_kana", "施設名カナ", "facility", ("施設名フリガナ", "施設名ふりがな", "事業所名カナ", "事業所名フリガナ")),
    Column("kind", "施設の種類", "facility", ("施設種別", "種別", "施設の種別", "事業所の種類")),
    Column("postal_code", "郵便番号", "facility", ("〒",)),
    Column("address", "住所", "facility", ("所在地", "施設の住所")),
    Column("phone", "電話番号", "facility", ("TEL", "電話", "TEL番号")),
    Column("fax", "FAX番号", "facility", ("FAX",)),
    Column("out_of_area_reason", "対象地域外の理由", "facility", ("地域外の理由",)),
    Column("full_name", "氏名", "staff", ("名前", "職員氏名")),
    Column("full_name_kana", "カナ", "staff", ("フリガナ", "ふりがな", "氏名カナ", "氏名フリガナ")),
    Column("gender", "性別", "staff"),
    Column("job", "職種", "staff"),
    Column("email", "登録メールアドレス", "staff", (
        "登録メールアドレス(MCS ID)", "メールアドレス", "MCS ID", "MCSID", "メール", "E-mail", "Eメール",
    )),
    Column("is_admin", "MCS管理者", "staff", ("管理者", "管理者に指定")),
    Column("started_on", "利用開始日", "staff"),
    Column("pledge_on", "誓約書の日付", "staff", ("誓約日",)),
    Column("last_training_on", "最終の研修・教育", "staff", ("研修日", "最終研修日")),
    # Written by the portal's own staff export, so that it reads back as it was.
    Column("pledge_kind", "誓約書", "extra"),
    Column("initial_training", "利用前研修", "extra"),
    Column("status", "状態", "extra"),
)
BY_KEY = {c.key: c for c in COLUMNS}
# The template's columns, in the paper application's order.
TEMPLATE_KEYS = (
    "number", "name", "name_kana", "kind", "postal_code", "address", "phone", "fax",
    "full_name", "full_name_kana", "gender", "job", "email", "is_admin", "started_on", "pledge_on",
    "last_training_on",
)
# Columns of the portal's export that are shown, not imported (they follow from other records).
EXPORT_ONLY = ("利用終了日", "削除の理由")
FACILITY_KEYS = tuple(c.key for c in COLUMNS if c.part == "facility")
STAFF_KEYS = tuple(c.key for c in COLUMNS if c.part == "staff")


def header_key(value):
    """A header as compared: NFKC, no spaces, upper case ('登録メールアドレス（MCS ID）' -> '登録メールアドレス(MCSID)')."""
    return re.sub(r"\s+", "", text.nfkc(str(value or ""))).upper()


HEADERS = {}
for _column in COLUMNS:
    for _name in (_column.label, *_column.synonyms):
        HEADERS[header_key(_name)] = _column.key


def _column_for(value):
    key = header_key(value)
    if key in HEADERS:
        return HEADERS[key]
    # '氏名（必須）', '郵便番号 ※半角': the name before a parenthesis or note.
    bare = re.split(r"[(※]", key, maxsplit=1)[0]
    return HEADERS.get(bare)


# --- Opening the file --------------------------------------------------------------------


@dataclass
class Ledger:
    """A readable ledger: which column holds what, and the rows below the header."""

    kind: str  # "xlsx" or "csv"
    columns: dict  # key -> index in the row
    labels: dict  # key -> the header as written in the file
    ignored: list  # headers the import does not use
    header_row: int
    rows: object = field(repr=False)  # iterator of (row number, list of cell values)


def _size(file):
    size = getattr(file, "size", None)
    if size is None:
        position = file.tell()
        file.seek(0, io.SEEK_END)
        size = file.tell()
        file.seek(position)
    return size


def open_ledger(file, filename):
    """The ledger in `file` (a binary file object), or LedgerUnreadable saying why not.

    Refuses before reading: an empty file, one over MAX_BYTES, a PDF or an old .xls.
    """
    size = _size(file)
    if size == 0:
        raise LedgerUnreadable("ファイルが空です。台帳のファイルを選び直してください。")
    if size > MAX_BYTES:
        raise LedgerUnreadable(
            f"ファイルが大きすぎます（{size / 1024 / 1024:.0f}MB）。{MAX_BYTES // 1024 // 1024}MBまでにしてください。"
            "大きな台帳は施設ごとなどに分けるか、コマンド（import_ledger）で取り込んでください。"
        )
    file.seek(0)
    head = file.read(8)
    file.seek(0)
    if head.startswith(b"%PDF"):
        raise LedgerUnreadable("PDFのファイルです。台帳はExcel（.xlsx）かCSVで保存したものを選んでください。")
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise LedgerUnreadable(
            "古い形式のExcelファイル（.xls）は読めません。Excelの「名前を付けて保存」で"
            "「Excelブック（.xlsx）」を選んで保存し直してください。"
        )
    if head.startswith(b"PK\x03\x04"):
        return _open_xlsx(file)
    if filename.lower().endswith((".xlsx", ".xlsm")):
        raise LedgerUnreadable("Excelのファイル（.xlsx）として読めません。壊れているか、別の形式のファイルです。")
    return _open_csv(file)


def _find_header(rows):
    """(row number, header cells) of the first row that names the ledger's columns, within the first rows."""
    for number, cells in rows:
        keys = {_column_for(c) for c in cells if c not in (None, "")}
        if {"full_name", "email"} <= keys and keys & {"name", "number"}:
            return number, cells
        if number >= HEADER_SEARCH_ROWS:
            break
    raise LedgerUnreadable(
        f"見出しの行が見つかりません。{HEADER_SEARCH_ROWS}行目までに「施設名」「氏名」「登録メールアドレス」などの"
        "見出しを1行に並べてください（ダウンロードできるひな形と同じ見出しにすると確実です）。"
    )


def _ledger(kind, rows):
    rows = iter(rows)
    header_row, cells = _find_header(rows)
    columns, labels, ignored = {}, {}, []
    for index, cell in enumerate(cells):
        if cell in (None, ""):
            continue
        key = _column_for(cell)
        written = text.nfkc(str(cell))
        if key is None or key in columns:
            if written not in EXPORT_ONLY:
                ignored.append(written)
            continue
        columns[key], labels[key] = index, written
    return Ledger(kind=kind, columns=columns, labels=labels, ignored=ignored, header_row=header_row, rows=rows)


def _limited(rows):
    """Rows up to MAX_ROWS; a long run of blank rows ends the sheet (formatting, not data)."""
    blank_run = 0
    for number, cells in rows:
        if all(c in (None, "") for c in cells):
            blank_run += 1
            if blank_run >= BLANK_RUN_ENDS_SHEET:
                return
            continue
        blank_run = 0
        if number > MAX_ROWS + HEADER_SEARCH_ROWS:
            raise LedgerUnreadable(f"行が多すぎます。1つのファイルは{MAX_ROWS:,}行までにしてください。")
        yield number, cells


def _open_xlsx(file):
    import openpyxl  # imported here: only the import needs it, and it is slow to load
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        with zipfile.ZipFile(file) as archive:
            names = set(archive.namelist())
            unzipped = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile as exc:
        raise LedgerUnreadable("Excelのファイル（.xlsx）として読めません。壊れているか、別の形式のファイルです。") from exc
    if "xl/workbook.xml" not in names:
        raise LedgerUnreadable("Excelのファイル（.xlsx）ではありません。Excelで開いて .xlsx で保存し直してください。")
    if unzipped > MAX_UNZIPPED_BYTES:
        raise LedgerUnreadable("ファイルの中身が大きすぎます。台帳を分けて取り込んでください。")
    file.seek(0)
    try:
        # read_only streams the sheet; data_only=False keeps formulas as their text, never their result.
        workbook = openpyxl.load_workbook(file, read_only=True, data_only=False, keep_links=False)
    except (InvalidFileException, KeyError, ValueError, OSError, zipfile.BadZipFile) as exc:
        raise LedgerUnreadable("Excelのファイル（.xlsx）として読めません。壊れているか、別の形式のファイルです。") from exc
    for sheet in workbook.worksheets:
        try:
            return _ledger("xlsx", _limited(_sheet_rows(sheet)))
        except LedgerUnreadable:
            if sheet is workbook.worksheets[-1]:
                raise
    raise LedgerUnreadable("シートがありません。")


def _sheet_rows(sheet):
    for number, row in enumerate(sheet.iter_rows(), start=1):
        yield number, [_xlsx_value(cell) for cell in row]


def _xlsx_value(cell):
    value = getattr(cell, "value", None)
    if getattr(cell, "data_type", None) == "f" or (value is not None and not isinstance(
        value, str | int | float | bool | datetime.date | datetime.time | datetime.timedelta
    )):
        return Formula(getattr(value, "text", None) or str(value))
    return value


def _csv_encoding(file):
    """'utf-8-sig' when the whole file is UTF-8 (with or without BOM), else Shift_JIS (cp932)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    file.seek(0)
    try:
        for chunk in iter(lambda: file.read(1 << 16), b""):
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
        encoding = "utf-8-sig"
    except UnicodeDecodeError:
        encoding = "cp932"
    file.seek(0)
    return encoding


def _open_csv(file):
    if b"\x00" in file.read(8192):
        raise LedgerUnreadable("台帳のファイル（Excelの .xlsx か CSV）ではないようです。ファイルを選び直してください。")
    encoding = _csv_encoding(file)
    first = file.read(4096).split(b"\n", 1)[0]
    file.seek(0)
    delimiter = "\t" if b"\t" in first and b"," not in first else ","  # TSV saved from Excel
    stream = io.TextIOWrapper(getattr(file, "file", file), encoding=encoding, newline="")

    def rows():
        try:
            yield from enumerate(csv.reader(stream, delimiter=delimiter), start=1)
        except UnicodeDecodeError as exc:
            raise LedgerUnreadable(
                "文字コードが読めません。CSVはUTF-8かShift_JIS（Excelの「CSV（コンマ区切り）」）で保存してください。"
            ) from exc
        except csv.Error as exc:
            raise LedgerUnreadable(f"CSVとして読めません（{exc}）。Excelで開いて保存し直してください。") from exc
        finally:
            stream.detach()  # the wrapper must not close the caller's file (the page keeps the upload)

    try:
        return _ledger("csv", _limited(rows()))
    except UnicodeDecodeError as exc:
        raise LedgerUnreadable(
            "文字コードが読めません。CSVはUTF-8かShift_JIS（Excelの「CSV（コンマ区切り）」）で保存してください。"
        ) from exc


# --- One row's values --------------------------------------------------------------------


@dataclass
class Row:
    """One ledger row: its number in the sheet, the normalised values, and what was wrong."""

    number: int
    values: dict  # key -> normalised value, for the columns that had something
    errors: list  # (column label, message)
    unreadable: set  # keys of the cells in errors


KIND_SYNONYMS = {
    "クリニック": FacilityKind.CLINIC, "医院": FacilityKind.CLINIC, "歯科": FacilityKind.DENTAL,
    "歯科医院": FacilityKind.DENTAL, "保険薬局": FacilityKind.PHARMACY, "調剤薬局": FacilityKind.PHARMACY,
    "訪問看護": FacilityKind.HOME_NURSING, "居宅介護支援": FacilityKind.CARE_MANAGEMENT,
    "居宅": FacilityKind.CARE_MANAGEMENT, "地域包括": FacilityKind.COMMUNITY_CENTER,
    "地域包括支援": FacilityKind.COMMUNITY_CENTER, "介護事業所": FacilityKind.CARE_SERVICE,
    "行政": FacilityKind.GOVERNMENT, "医師会": FacilityKind.ASSOCIATION,
}
JOB_SYNONYMS = {
    "ケアマネジャー": JobType.CARE_MANAGER, "ケアマネージャー": JobType.CARE_MANAGER, "ケアマネ": JobType.CARE_MANAGER,
    "社会福祉士": JobType.SOCIAL_WORKER, "MSW": JobType.SOCIAL_WORKER, "医療ソーシャルワーカー": JobType.SOCIAL_WORKER,
    "介護福祉士": JobType.CARE_WORKER, "ヘルパー": JobType.CARE_WORKER, "訪問介護員": JobType.CARE_WORKER,
    "事務": JobType.CLERK, "医療事務": JobType.CLERK, "准看護師": JobType.NURSE, "栄養士": JobType.DIETITIAN,
    "PT": JobType.PT, "OT": JobType.OT, "ST": JobType.ST, "Dr": JobType.DOCTOR, "Ns": JobType.NURSE,
}
YES = {"○", "〇", "◯", "●", "◎", "1", "はい", "YES", "Y", "TRUE", "✓", "✔", "レ", "済", "有", "あり", "管理者"}
NO = {"", "×", "✕", "0", "いいえ", "NO", "N", "FALSE", "-", "ー", "無", "なし"}
GENDERS = {"男": "男", "男性": "男", "M": "男", "女": "女", "女性": "女", "F": "女"}
PLEDGE_KINDS = {"署名済み": "signed", "署名済": "signed", "署名": "signed", "省略": "exempt"}
REMOVED = "削除済"


def _choice(value, choices, synonyms, what):
    typed = text.nfkc(value)
    for key, label in choices:
        if typed in (key, label):
            return key
    key = synonyms.get(typed) or synonyms.get(typed.upper())
    if key:
        return key
    labels = "、".join(label for _, label in choices)
    raise ValidationError(f"{what}「{typed}」がわかりません。次のどれかにしてください: {labels}")


def _flag(value, what):
    typed = text.nfkc(value).upper()
    if typed in YES:
        return True
    if typed in NO:
        return False
    raise ValidationError(f"{what}「{typed}」がわかりません。○（はい）か空欄にしてください。")


def _checked(date, column, key):
    """The forms' rule for a typed date: 利用開始日 a little ahead at most, the others today at the latest."""
    ahead = START_AHEAD_DAYS if key == "started_on" else 0
    return CheckedDateField(label=column.label, required=False, ahead_days=ahead).clean(date)


def _cell_text(value, key):
    """A cell as text: numbers without '.0', dates as dates, the export's formula guard (') removed."""
    if isinstance(value, bool):
        return "1" if value else ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int):
        typed = str(value)
        if key == "postal_code":
            return typed.zfill(7)
        if key in ("phone", "fax") and len(typed) in (9, 10):
            return "0" + typed  # Excel dropped the leading 0 of a number typed as a number
        return typed
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    typed = str(value)
    if typed[:1] == "'" and typed[1:2] in ("=", "+", "-", "@"):
        typed = typed[1:]
    kept = re.fullmatch(r'="([0-9+\- ]*)"', typed)  # core.csv.as_text: a phone kept as text for Excel
    return kept.group(1) if kept else typed


def _field(key):
    return {
        "number": forms.CharField(max_length=20),
        "name": NameField(max_length=200),
        "name_kana": KanaField(max_length=200),
        "address": NameField(max_length=300),
        "postal_code": PostalCodeField(max_length=8),
        "phone": PhoneField(max_length=20),
        "fax": PhoneField(max_length=20),
        "out_of_area_reason": ProseField(),
        "full_name": NameField(max_length=100),
        "full_name_kana": KanaField(max_length=100),
        "email": forms.EmailField(max_length=254),
    }.get(key)


FIELDS = {key: _field(key) for key in BY_KEY if _field(key) is not None}


def normalise(key, raw):
    """One cell's stored value, or ValidationError with the form's message. Blank cells are not asked."""
    column = BY_KEY[key]
    if key in ("started_on", "pledge_on", "last_training_on"):
        try:
            date = parse_date(raw)
        except ValueError as exc:
            raise ValidationError(str(exc)) from None
        return _checked(date, column, key)
    typed = _cell_text(raw, key)
    if key in ("email", "number"):
        typed = text.nfkc(typed).replace(" ", "")
    if key in FIELDS:
        return FIELDS[key].clean(typed)
    if key == "kind":
        return _choice(typed, FacilityKind.choices, KIND_SYNONYMS, column.label)
    if key == "job":
        return _choice(typed, JobType.choices, JOB_SYNONYMS, column.label)
    if key in ("is_admin", "initial_training"):
        return _flag(typed, column.label)
    if key == "gender":
        gender = GENDERS.get(text.nfkc(typed).upper())
        if gender is None:
            raise ValidationError(f"性別「{text.nfkc(typed)}」がわかりません。男・女か空欄にしてください。")
        return gender
    if key == "pledge_kind":
        typed = text.nfkc(typed)
        return PLEDGE_KINDS.get(typed) or ("exempt" if typed.startswith("省略") else "signed")
    return text.nfkc(typed)


FORMULA_ERROR = (
    "数式のセル（{text}）は取り込めません（数式は計算しません）。"
    "Excelで「値として貼り付け」をしてから、もう一度アップロードしてください。"
)


def read_row(ledger, number, cells):
    """The row's cells under the ledger's columns, normalised; what could not be read goes to errors."""
    row = Row(number=number, values={}, errors=[], unreadable=set())
    for key, index in ledger.columns.items():
        raw = cells[index] if index < len(cells) else None
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            continue
        label = ledger.labels[key]
        if isinstance(raw, Formula):
            row.errors.append((label, FORMULA_ERROR.format(text=str(raw)[:60])))
            row.unreadable.add(key)
            continue
        try:
            row.values[key] = normalise(key, raw)
        except ValidationError as exc:
            row.errors.extend((label, message) for message in exc.messages)
            row.unreadable.add(key)
    return row


# --- The template to download ------------------------------------------------------------

EXAMPLE_ROW = {
    "number": "", "name": "松原みなみクリニック", "name_kana": "マツバラミナミクリニック", "kind": "診療所",
    "postal_code": "580-0001", "address": "大阪府松原市阿保1-2-3", "phone": "072-123-4567", "fax": "072-123-4568",
    "full_name": "松原 花子", "full_name_kana": "マツバラ ハナコ", "gender": "女", "job": "看護師",
    "email": "hanako@minami-clinic.example.jp", "is_admin": "○", "started_on": "令和7年4月1日",
    "pledge_on": "令和7年4月1日", "last_training_on": "令和7年4月1日",
}


def template_xlsx():
    """The ledger template: the columns the import reads, one example row, and how to fill it in."""
    import openpyxl
    from openpyxl.styles import Font, PatternFill

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "台帳"
    sheet.append([BY_KEY[key].label for key in TEMPLATE_KEYS])
    sheet.append([EXAMPLE_ROW[key] for key in TEMPLATE_KEYS])
    bold, shade = Font(bold=True), PatternFill("solid", fgColor="DDEBF7")
    for cell in sheet[1]:
        cell.font, cell.fill = bold, shade
        sheet.column_dimensions[cell.column_letter].width = 16
    for cell in sheet[2]:
        cell.number_format = "@"  # text, so that 〒 and phone numbers keep their leading zeros
    sheet.freeze_panes = "A2"
    notes = workbook.create_sheet("記入のしかた")
    for line in (
        "1行に1人。施設の列は、同じ施設の2行目からは空欄（またはセルの結合）でかまいません。",
        "施設番号はわかるときだけ。ないときは施設名と住所で照合し、新しい施設には番号をつけます。",
        "施設の種類: " + "、".join(label for _, label in FacilityKind.choices),
        "職種: " + "、".join(label for _, label in JobType.choices),
        "MCS管理者: 管理者の人に ○（1、はい でも可）。各施設に1人以上。",
        "日付: 2025/4/1、令和7年4月1日、R7.4.1 のどれでも。",
        "例の行（2行目）は消してから使ってください。",
    ):
        notes.append([line])
    notes.column_dimensions["A"].width = 100
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
