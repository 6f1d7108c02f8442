"""The ledger as CSV for Excel (core.csv: BOM, CRLF, formula guard, streamed)."""

from django.utils import timezone

from core.csv import DateColumn, csv_response

from .models import PledgeKind

HEADER = (
    "氏名", "カナ", "性別", "職種", "登録メールアドレス（MCS ID）", "MCS管理者", "状態", "誓約書", DateColumn("誓約書の日付"),
    DateColumn("最終の研修・教育"), "利用前研修", DateColumn("利用開始日"), DateColumn("利用終了日"), "削除の理由",
)
FACILITY_HEADER = ("施設番号", "施設名")


def _row(s):
    removal = getattr(s, "removal", None) if s.status == "removed" else None
    return (
        s.full_name, s.full_name_kana, s.gender, s.get_job_display(), s.email, "○" if s.is_admin else "",
        s.get_status_display(), PledgeKind(s.pledge_kind).label if s.pledge_kind else "", s.pledge_on,
        s.last_training_on, "済" if s.training_done else "", s.started_on, s.ended_on,
        removal.get_reason_display() if removal else "",
    )


def ledger_csv_response(facility, staff):
    """Stream `staff` (from ledger_staff) as the facility's ledger CSV."""
    filename = f"管理台帳_{facility.name}_{timezone.localdate():%Y%m%d}.csv"
    rows = (_row(s) for s in staff.select_related("removal").iterator(chunk_size=2000))
    return csv_response(HEADER, rows, filename)


def program_staff_csv_response(program, staff):
    """Every staff member of the program, facility by facility: the secretariat's whole ledger."""
    filename = f"職員一覧_{program.name}_{timezone.localdate():%Y%m%d}.csv"
    staff = staff.select_related("removal", "facility").iterator(chunk_size=2000)
    return csv_response(FACILITY_HEADER + HEADER, ((s.facility.number, s.facility.name, *_row(s)) for s in staff), filename)
