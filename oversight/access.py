"""Scoped getters of the oversight app: outsiders get 404, insiders without the needed role 403.

- Incident reports: read by the secretariat, the facility's people and the reporter; worked
  (actions, legal steps, close, the printed report) by the secretariat and the facility's MCS管理者.
- Guidance: read by the secretariat and the person's facility's MCS管理者; written by the secretariat.
- Notices: written by the secretariat; read and confirmed by the addressed facilities' MCS管理者.
"""

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from facilities.access import can_manage, is_secretariat
from facilities.models import Program, RoleKind, role_facility_ids

from .models import AdminNotice, Device, DeviceRequest, DisasterPeriod, Guidance, Incident


def can_work_incident(user, incident):
    return is_secretariat(user, incident.program) or incident.facility_id in role_facility_ids(
        user, RoleKind.FACILITY_ADMIN
    )


def administers_in(user, program):
    """The program's secretariat, or the MCS管理者 of one of its facilities."""
    return is_secretariat(user, program) or program.facilities.filter(
        pk__in=role_facility_ids(user, RoleKind.FACILITY_ADMIN)
    ).exists()


def get_incident_for_user(user, pk, *, work=False):
    incident = get_object_or_404(
        Incident.objects.visible_to(user).select_related("program", "facility", "reported_by", "closed_by"), pk=pk
    )
    if work and not can_work_incident(user, incident):
        raise PermissionDenied
    return incident


def get_guidance_for_user(user, pk):
    guidance = get_object_or_404(
        Guidance.objects.visible_to(user).select_related("program", "facility", "staff", "incident", "recorded_by"),
        pk=pk,
    )
    if not Guidance.objects.for_admin(user).filter(pk=guidance.pk).exists():
        raise PermissionDenied
    return guidance


def notice_facilities_of(user, notice):
    """The addressed facilities the user administers (their side of the read confirmation)."""
    return set(
        notice.recipients.filter(facility_id__in=role_facility_ids(user, RoleKind.FACILITY_ADMIN))
        .values_list("facility_id", flat=True)
    )


def get_notice_for_user(user, pk, *, confirm=False):
    """A notice the user can see: the secretariat reads all of its program's; the addressed
    facilities' MCS管理者 read and confirm theirs (confirm=True: only they)."""
    notice = get_object_or_404(AdminNotice.objects.visible_to(user).select_related("program", "sent_by"), pk=pk)
    secretariat = is_secretariat(user, notice.program)
    if (confirm or not secretariat) and not notice_facilities_of(user, notice):
        raise PermissionDenied
    return notice


def get_device_for_user(user, pk, *, manage=False):
    """A line of a device register; manage=True: its facility's MCS管理者 or the secretariat."""
    device = get_object_or_404(Device.objects.visible_to(user).select_related("program", "facility__program"), pk=pk)
    if manage and not can_manage(user, device.facility):
        raise PermissionDenied
    return device


def get_device_request_for_user(user, pk, *, decide=False):
    """A take-out or personal-device request; decide=True: only the facility's MCS管理者 (the
    policies have the administrator approve in writing, not the secretariat)."""
    request = get_object_or_404(
        DeviceRequest.objects.visible_to(user).select_related("program", "facility", "requested_by", "decided_by",
                                                              "device"),
        pk=pk,
    )
    if decide and request.facility_id not in role_facility_ids(user, RoleKind.FACILITY_ADMIN):
        raise PermissionDenied
    return request


def get_disaster_for_user(user, pk):
    period = get_object_or_404(DisasterPeriod.objects.select_related("program"),
                               pk=pk, program__in=Program.objects.visible_to(user))
    if not is_secretariat(user, period.program):
        raise PermissionDenied
    return period


def facility_member(user, facility):
    """Holds a role at the facility (may file requests and record secondary use for it)."""
    return facility.pk in role_facility_ids(user)
