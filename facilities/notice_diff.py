"""A change notice's lines as they were filed, and what a correction changed since.

Each filing keeps its lines as plain values (NoticeFiling.lines); the notice's lines are then
edited in place while it is sent back, and the page compares the two.
"""

from core.wareki import wareki

from .models import ChangeKind, NoticeStatus

# The parts of a line a correction can change, in the order the page lists them.
COMPARED = (("changed_on", "変更日"), ("reason", "削除の理由"), ("note", "理由・備考"), ("details", "変更の内容"))


def line_snapshot(line):
    """A line as plain values, as it reads on the form."""
    removal = getattr(line.staff, "removal", None) if line.staff_id else None
    return {
        "id": line.pk,
        "change": line.get_change_display(),
        "subject": line.subject,
        "changed_on": wareki(line.changed_on),
        "reason": removal.get_reason_display() if line.change == ChangeKind.REMOVE and removal else "",
        "note": line.note,
        "details": line.record.summary if line.record_id else "",
    }


def notice_diff(earlier, later):
    """What changed between two versions of a notice's lines (snapshots): a row per line added,
    taken off or edited ({"what", "change", "subject", "fields": [(label, before, after)]})."""
    now = {row["id"]: row for row in later}
    before = {row["id"]: row for row in earlier}
    rows = []
    for key, row in now.items():
        old = before.get(key)
        if old is None:
            rows.append({"what": "加えた行", **_head(row), "fields": []})
            continue
        fields = [
            (label, old.get(name, ""), row.get(name, "")) for name, label in COMPARED
            if old.get(name, "") != row.get(name, "")
        ]
        if fields:
            rows.append({"what": "直した行", **_head(row), "fields": fields})
    for key, old in before.items():
        if key not in now:
            rows.append({"what": "外した行", **_head(old), "fields": []})
    return rows


def _head(row):
    return {"change": row["change"], "subject": row["subject"]}


def notice_changes(notice, lines):
    """(the filing compared with, the rows): a notice the facility holds against its last filing;
    a notice filed again against the filing before (what the secretariat is to look at)."""
    filings = list(notice.filings.order_by("-number")[:2])
    if not filings:
        return None, []
    if notice.status in (NoticeStatus.DRAFT, NoticeStatus.CORRECTION):
        return filings[0], notice_diff(filings[0].lines, [line_snapshot(line) for line in lines])
    if len(filings) == 2:
        return filings[1], notice_diff(filings[1].lines, filings[0].lines)
    return None, []
