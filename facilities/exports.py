"""The ledger as CSV for Excel: UTF-8 with a BOM (so Excel reads Japanese), CRLF lines, streamed."""

import csv
from urllib.parse import quote

from django.http import StreamingHttpResponse
from django.utils import timezone

from core.wareki import wareki

from .models import PledgeKind

HEADER = (
    "氏名", "カナ", "性別", "職種", "登録メールアドレス（MCS ID）", "MCS管理者", "状態", "誓約書", "誓約書の日付",
    "最終の研修・教育", "利用前研修", "利用開始日", "利用終了日", "削除の理由",
)


class _Echo:
    """A file-like object whose write() hands the line back, so csv.writer can feed a generator."""

    def write(self, value):
        return value


def _cell(value):
    # A cell that starts like a formula would run in Excel: make it text (CSV injection).
    text = "" if value is None else str(value)
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _row(s):
    removal = getattr(s, "removal", None) if s.status == "removed" else None
    return (
        s.full_name, s.full_name_kana, s.gender, s.get_job_display(), s.email, "○" if s.is_admin else "",
        s.get_status_display(), PledgeKind(s.pledge_kind).label if s.pledge_kind else "", wareki(s.pledge_on),
        wareki(s.last_training_on), "済" if s.training_done else "", wareki(s.started_on), wareki(s.ended_on),
        removal.get_reason_display() if removal else "",
    )


FACILITY_HEADER = ("施設番号", "施設名")


def _lines(staff, *, with_facility=False):
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow((FACILITY_HEADER if with_facility else ()) + HEADER)
    for s in staff.iterator(chunk_size=2000):
        row = _row(s)
        if with_facility:
            row = (s.facility.number, s.facility.name, *row)
        yield writer.writerow([_cell(v) for v in row])


def _attachment(lines, filename):
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    response["Cache-Control"] = "no-store"
    return response


def ledger_csv_response(facility, staff):
    """Stream `staff` (from ledger_staff) as the facility's ledger CSV."""
    filename = f"管理台帳_{facility.name}_{timezone.localdate():%Y%m%d}.csv"
    return _attachment(_lines(staff.select_related("removal")), filename)


def program_staff_csv_response(program, staff):
    """Every staff member of the program, facility by facility: the secretariat's whole ledger."""
    filename = f"職員一覧_{program.name}_{timezone.localdate():%Y%m%d}.csv"
    return _attachment(_lines(staff.select_related("removal", "facility"), with_facility=True), filename)
