"""The oversight app on the home page: incident reports with their legal deadlines, notices to read."""

from django.urls import reverse
from django.utils import timezone

from core.home import Item, Panel
from facilities.models import Program, RoleKind, role_facility_ids

from .models import Incident


def _programs(user):
    return Program.objects.active().visible_to(user).only("slug", "name")


def nav(user):
    """トラブル報告 for everyone with a role in a program (anyone may have to report)."""
    return [
        (f"トラブル報告（{program.name}）", reverse("oversight:incident-list", args=[program.slug]))
        for program in _programs(user)
    ]


def _incident_items(incidents, today, url):
    return (
        Item("期限を過ぎた報告・通知がある報告", incidents.overdue(today=today).count(), f"{url}?show=overdue",
             alert=True),
        Item("報告・通知の期限が近い報告", incidents.due_soon(today=today).count(), f"{url}?show=soon", alert=True),
        Item("対応中のトラブル報告", incidents.open().count(), f"{url}?show=open"),
    )


def _admin_panel(user, program, today):
    mine = role_facility_ids(user, RoleKind.FACILITY_ADMIN)
    incidents = Incident.objects.filter(program=program, facility_id__in=mine)
    url = reverse("oversight:incident-list", args=[program.slug])
    return Panel(
        title=f"{program.name} トラブル報告（施設）",
        items=_incident_items(incidents, today, url),
        note="個人情報保護委員会への報告と本人への通知は施設が行います。期限はポータルが知らせます。",
    )


def _secretariat_panel(program, today):
    incidents = Incident.objects.filter(program=program)
    url = reverse("oversight:incident-list", args=[program.slug])
    return Panel(
        title=f"{program.name} トラブル報告（事務局）",
        items=(*_incident_items(incidents, today, url),
               Item("件数の集計", url=reverse("oversight:incident-summary", args=[program.slug]))),
    )


def panels(user):
    today = timezone.localdate()
    admin_of = role_facility_ids(user, RoleKind.FACILITY_ADMIN)
    result = []
    if admin_of:
        programs = Program.objects.active().filter(facilities__pk__in=admin_of).distinct()
        result += [_admin_panel(user, program, today) for program in programs]
    result += [_secretariat_panel(program, today) for program in Program.objects.active().run_by(user)]
    return result
