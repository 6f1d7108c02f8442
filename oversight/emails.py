"""The oversight app's e-mails (sent after the commit, through core.emails)."""

from core import emails
from core.wareki import wareki
from facilities.models import Role, RoleKind


def facility_admin_addresses(facilities):
    return sorted(set(
        Role.objects.active()
        .filter(kind=RoleKind.FACILITY_ADMIN, facility__in=facilities, user__is_active=True)
        .values_list("user__email", flat=True)
    ))


def secretariat_addresses(program):
    people = Role.objects.active().filter(kind=RoleKind.SECRETARIAT, program=program, user__is_active=True)
    return sorted({program.secretariat_email, *people.values_list("user__email", flat=True)} - {""})


def incident_news(incident, what):
    """Tell the facility's administrators and the secretariat that a report was made or closed."""
    context = {
        "incident": incident, "what": what, "url": emails.absolute_url("oversight:incident-detail", incident.pk),
        "discovered_on": wareki(incident.discovered_on), "prompt_due_on": wareki(incident.prompt_due_on),
        "final_due_on": wareki(incident.final_due_on),
    }
    to = facility_admin_addresses([incident.facility]) + secretariat_addresses(incident.program)
    emails.send("oversight/email/incident", context, sorted(set(to)))


def notice_sent(notice, facilities):
    context = {"notice": notice, "url": emails.absolute_url("oversight:notice-detail", notice.pk)}
    emails.send("oversight/email/notice", context, facility_admin_addresses(facilities))


def guidance_given(guidance):
    context = {
        "guidance": guidance, "given_on": wareki(guidance.given_on),
        "url": emails.absolute_url("oversight:guidance-detail", guidance.pk),
    }
    emails.send("oversight/email/guidance", context, facility_admin_addresses([guidance.facility]))


def disaster_news(period, facilities):
    context = {"period": period, "url": emails.absolute_url("oversight:disaster", period.program.slug),
               "article": period.program.policy.disaster_article, "policy": period.program.policy}
    emails.send("oversight/email/disaster", context, facility_admin_addresses(facilities))


def device_request_filed(request):
    context = {"request": request, "url": emails.absolute_url("oversight:device-request", request.pk)}
    emails.send("oversight/email/device_request", context, facility_admin_addresses([request.facility]))


def device_request_decided(request):
    context = {"request": request, "url": emails.absolute_url("oversight:device-request", request.pk)}
    emails.send("oversight/email/device_decided", context, [request.requested_by.email])


def incident_reminder(incident, steps):
    pending = [s for s in steps if s.state in ("overdue", "soon")]
    context = {
        "incident": incident, "url": emails.absolute_url("oversight:incident-detail", incident.pk),
        "lines": [(s.label, wareki(s.due_on), s.state == "overdue", s.days_left) for s in pending],
    }
    to = sorted(set(facility_admin_addresses([incident.facility]) + secretariat_addresses(incident.program)))
    emails.send("oversight/email/incident_reminder", context, to)
    return to
