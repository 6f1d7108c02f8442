"""The printable incident report: the items the PPC's 漏えい等報告 form asks, in 和暦, for the
facility to copy into its own filing (the portal does not file with the PPC)."""

from django.utils import timezone

from core.pdf import render_pdf

TEMPLATE = "oversight/pdf/incident_report.html"


def incident_report_pdf(incident):
    actions = incident.actions.select_related("by").order_by("done_on", "pk")
    return render_pdf(TEMPLATE, {
        "incident": incident, "program": incident.program, "actions": actions,
        "steps": incident.steps(timezone.localdate()), "made_on": timezone.localdate(),
        "form_title": "トラブル・インシデント報告書", "form_number": "",
    })


def incident_report_filename(incident):
    return f"トラブル報告書_{incident.number}.pdf"
