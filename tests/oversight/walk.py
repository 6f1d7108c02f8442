"""The oversight app's part of the access table (tests/walk.py).

Incidents, guidance, devices and requests belong to one facility (its people and the
secretariat; guidance and the PDF only its MCS管理者); notices and disaster periods to the program.
"""

from tests.oversight.factories import (
    DeviceFactory,
    DeviceRequestFactory,
    DisasterPeriodFactory,
    GuidanceFactory,
    IncidentFactory,
    NoticeRecipientFactory,
)
from tests.walk import FACILITY, GET, POST, SECRETARIAT, Access, Kwarg, S


def _incident_b(w):
    if not hasattr(w, "_oversight_incident_b"):
        w._oversight_incident_b = IncidentFactory(facility=w.facility_b)
    return w._oversight_incident_b


PROVIDERS = {
    "incident_pk": lambda w: _incident_b(w).pk,
    "guidance_pk": lambda w: GuidanceFactory(facility=w.facility_b, incident=_incident_b(w)).pk,
    "admin_notice_pk": lambda w: NoticeRecipientFactory(notice__program=w.program_b, facility=w.facility_b).notice_id,
    "device_pk": lambda w: DeviceFactory(facility=w.facility_b).pk,
    "device_request_pk": lambda w: DeviceRequestFactory(facility=w.facility_b).pk,
    "disaster_pk": lambda w: DisasterPeriodFactory(program=w.program_b).pk,
}

A, C = "admin", "coordinator"
WORKERS = frozenset({S, A})  # the facility's MCS管理者 and the secretariat

_MATRIX = {
    "oversight:incident-list": (GET, FACILITY),
    "oversight:incident-create": (GET, FACILITY),
    "oversight:incident-summary": (GET, SECRETARIAT),
    "oversight:incident-csv": (GET, SECRETARIAT),
    "oversight:incident-detail": (GET, FACILITY),
    "oversight:incident-action": (GET, WORKERS),
    "oversight:incident-step": (GET, WORKERS),
    "oversight:incident-assess": (GET, WORKERS),
    "oversight:incident-close": (GET, WORKERS),
    "oversight:incident-reopen": (GET, WORKERS),
    "oversight:incident-pdf": (GET, WORKERS),
    "oversight:guidance-list": (GET, WORKERS),
    "oversight:guidance-create": (GET, SECRETARIAT),
    "oversight:guidance-detail": (GET, WORKERS),  # the person's facility's MCS管理者, not its coordinators
    "oversight:notice-list": (GET, WORKERS),
    "oversight:notice-create": (GET, SECRETARIAT),
    "oversight:admin-roster-csv": (GET, SECRETARIAT),
    "oversight:notice-detail": (GET, WORKERS),
    "oversight:notice-confirm": (POST, frozenset({A})),  # only the addressed facilities' MCS管理者
    "oversight:device-list": (GET, FACILITY),
    "oversight:device-create": (GET, WORKERS),
    "oversight:device-retire": (GET, WORKERS),
    "oversight:device-request-create": (GET, frozenset({A, C})),  # the facility's people ask
    "oversight:device-request": (GET, FACILITY),
    "oversight:device-request-decide": (GET, frozenset({A})),  # the MCS管理者 approves in writing
    "oversight:disaster": (GET, SECRETARIAT),
    "oversight:disaster-open": (POST, SECRETARIAT),
    "oversight:disaster-close": (POST, SECRETARIAT),
    "oversight:secondary-use-list": (GET, FACILITY),
    "oversight:secondary-use-create": (GET, frozenset({A, C})),
    "oversight:program-secondary-uses": (GET, SECRETARIAT),
}

_SCOPES = {
    "incident_pk": "facility",
    "guidance_pk": "facility",
    "admin_notice_pk": "program",  # the walk's notice goes to every facility of program A
    "device_pk": "facility",
    "device_request_pk": "facility",
    "disaster_pk": "program",
}


def _at(stage, facility):
    cache = stage.__dict__.setdefault("_oversight", {})
    if facility.pk not in cache:
        incident = IncidentFactory(facility=facility)
        cache[facility.pk] = {
            "incident": incident, "guidance": GuidanceFactory(facility=facility, incident=incident),
            "device": DeviceFactory(facility=facility), "device_request": DeviceRequestFactory(facility=facility),
        }
    return cache[facility.pk]


def _own(kind):
    return lambda s: _at(s, s.world.facility_a)[kind].pk


def _sibling(kind):
    return lambda s: _at(s, s.world.facility_a2)[kind].pk


def _notice(stage):
    cache = stage.__dict__.setdefault("_oversight", {})
    if "notice" not in cache:
        first = NoticeRecipientFactory(notice__program=stage.world.program_a, facility=stage.world.facility_a)
        NoticeRecipientFactory(notice=first.notice, facility=stage.world.facility_a2)
        cache["notice"] = first.notice
    return cache["notice"]


def _disaster(stage):
    cache = stage.__dict__.setdefault("_oversight", {})
    if "disaster" not in cache:
        cache["disaster"] = DisasterPeriodFactory(program=stage.world.program_a)
    return cache["disaster"]


OWN = {
    "incident_pk": _own("incident"), "guidance_pk": _own("guidance"), "admin_notice_pk": lambda s: _notice(s).pk,
    "device_pk": _own("device"), "device_request_pk": _own("device_request"), "disaster_pk": lambda s: _disaster(s).pk,
}
SIBLING = {
    "incident_pk": _sibling("incident"), "guidance_pk": _sibling("guidance"), "device_pk": _sibling("device"),
    "device_request_pk": _sibling("device_request"),
}

ACCESS = {name: Access(method, allowed) for name, (method, allowed) in _MATRIX.items()}

KWARGS = {
    name: Kwarg(scope, own=OWN[name], sibling=SIBLING.get(name), other=lambda s, name=name: PROVIDERS[name](s.world))
    for name, scope in _SCOPES.items()
}
