"""Counts and the CSV of incident reports for the secretariat (by facility, by kind)."""

from django.db.models import Count, Q

from core.csv import DateColumn

from .models import IncidentKind, IncidentQuerySet, IncidentStatus

CSV_HEADER = (
    "受付番号", "施設番号", "施設", "種類", "状態", DateColumn("発覚日"), DateColumn("発生日"), "影響人数", "患者番号",
    "要配慮個人情報", "不正の目的", DateColumn("速報の期限"), DateColumn("速報をした日"), DateColumn("確報の期限"),
    DateColumn("確報をした日"), DateColumn("本人通知の目安"), DateColumn("本人に通知した日"), DateColumn("完了日"),
)


def csv_rows(incidents):
    for i in incidents.select_related("program", "facility").order_by("discovered_on", "pk").iterator(chunk_size=500):
        yield (
            i.number, i.facility.number, i.facility.name, i.get_kind_display(), i.get_status_display(),
            i.discovered_on, i.occurred_on, i.affected_count, i.affected_patient_numbers,
            "あり" if i.sensitive_data else "なし", "あり" if i.malicious else "なし",
            i.prompt_due_on, i.prompt_done_on, i.final_due_on, i.final_done_on,
            i.person_due_on, i.person_done_on, i.closed_at,
        )


def counts(incidents, *, today):
    """{open, overdue, soon, closed} and rows by facility and by kind, in three queries."""
    measures = {
        "total": Count("pk"),
        "open": Count("pk", filter=Q(status=IncidentStatus.OPEN)),
        "overdue": Count("pk", filter=IncidentQuerySet.overdue_q(today)),
        "soon": Count("pk", filter=IncidentQuerySet.due_soon_q(today)),
    }
    totals = incidents.aggregate(**measures)
    by_facility = (
        incidents.values("facility_id", "facility__number", "facility__name").annotate(**measures)
        .order_by("facility__number")
    )
    labels = dict(IncidentKind.choices)
    by_kind = [
        {**row, "label": labels[row["kind"]]}
        for row in incidents.values("kind").annotate(**measures).order_by("kind")
    ]
    return totals, list(by_facility), by_kind
