"""Every write of the oversight app: keyword-only, atomic, saved with history.

No engine rule governs incident reports, guidance or notices (the policies only say that
trouble goes to the facility's administrator and the secretariat, and that the secretariat may
caution); the device and secondary-use requests ask the engine (DEV-*, SEC-*).

The create forms forgive a second send (a double click, Back and send again, two tabs): each
service locks the parent row (the facility, the program or the report), looks for the same record
recorded within core.services.REPEAT_WINDOW and returns it marked `repeated` (core.views.show_repeated); a
decision already taken raises core.services.already_done.
"""


from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from core.reminders import Due, remind_once
from core.services import already_done, move_status, policy_check, repeat_of, save_with_history
from facilities.life import suspension_start
from facilities.models import (
    Facility,
    FacilityStatus,
    Program,
    RoleKind,
    Staff,
    Suspension,
    role_facility_ids,
)

from . import clock, emails
from .models import (
    INCIDENT_TRANSITIONS,
    REQUEST_TRANSITIONS,
    ActionKind,
    AdminNotice,
    Device,
    DeviceKind,
    DeviceRequest,
    DisasterPeriod,
    Guidance,
    GuidanceKind,
    Incident,
    IncidentAction,
    IncidentQuerySet,
    IncidentStatus,
    NoticeRecipient,
    Ownership,
    RequestKind,
    RequestStatus,
    SecondaryUse,
    UsePurpose,
)

ASSESSABLE = (
    "sensitive_data", "malicious", "affected_count", "affected_patient_numbers", "data_items", "cause",
    "secondary_harm", "person_response", "publication", "prevention", "other_notes",
)


def _lock(model, pk):
    """One recording at a time per parent row (a facility, a program, a report)."""
    model.objects.select_for_update().filter(pk=pk).first()


def _set_clock(incident):
    """Limits from the day of discovery when a report to the PPC is due; none when it is not."""
    if clock.report_required(sensitive_data=incident.sensitive_data, malicious=incident.malicious,
                             affected_count=incident.affected_count):
        for step, due in clock.due_dates(incident.discovered_on, malicious=incident.malicious).items():
            setattr(incident, f"{step}_due_on", due)
    else:
        incident.prompt_due_on = incident.final_due_on = incident.person_due_on = None


def _log(incident, by, kind, *, done_on=None, note=""):
    return save_with_history(
        IncidentAction(incident=incident, kind=kind, done_on=done_on or timezone.localdate(), note=note, by=by), by
    )


def _ensure_open(incident):
    if incident.status != IncidentStatus.OPEN:
        raise ValidationError("完了した報告です。記録を足すには、先に「再開」してください。")


@transaction.atomic
def incident_report(*, program, facility, by, kind, discovered_on, what_happened, occurred_on=None,
                    on_behalf_of="", first_response="", affected_patient_numbers="", affected_count=0,
                    sensitive_data=True, malicious=False):
    """Record a trouble report; the facility's administrators and the secretariat are told."""
    if facility.program_id != program.pk:
        raise ValidationError({"facility": "このネットワークの施設を選んでください。"})
    if facility.status == FacilityStatus.WITHDRAWN:
        raise ValidationError({"facility": "退会した施設です。事務局に連絡してください。"})
    _lock(Facility, facility.pk)
    same = repeat_of(Incident.objects.filter(
        facility=facility, kind=kind, discovered_on=discovered_on, what_happened=what_happened,
    ).select_related("reported_by"), "created_at")
    if same is not None:
        return same
    incident = Incident(
        program=program, facility=facility, reported_by=by, kind=kind, discovered_on=discovered_on,
        occurred_on=occurred_on, what_happened=what_happened, on_behalf_of=on_behalf_of,
        first_response=first_response, affected_patient_numbers=affected_patient_numbers,
        affected_count=affected_count, sensitive_data=sensitive_data, malicious=malicious,
    )
    _set_clock(incident)
    save_with_history(incident, by)
    emails.incident_news(incident, "登録")
    return incident


@transaction.atomic
def incident_assess(*, incident, by, note="", **fields):
    """Fill in the PPC form's items and review whether a report is due (the clock follows)."""
    incident = Incident.objects.select_for_update().get(pk=incident.pk)
    _ensure_open(incident)
    unknown = set(fields) - set(ASSESSABLE)
    if unknown:
        raise TypeError(f"not assessable: {sorted(unknown)}")
    before = incident.report_required
    for name, value in fields.items():
        setattr(incident, name, value)
    _set_clock(incident)
    save_with_history(incident, by)
    change = ""
    if before != incident.report_required:
        change = "個人情報保護委員会への報告: " + ("必要" if incident.report_required else "不要と判断")
    _log(incident, by, ActionKind.ASSESSED, note="\n".join(t for t in (change, note) if t))
    return incident


@transaction.atomic
def incident_action_add(*, incident, by, kind, done_on, note=""):
    """Append a line to the action log (remote wipe, password changed, member removed...)."""
    incident = Incident.objects.select_for_update().get(pk=incident.pk)
    _ensure_open(incident)
    if kind in clock.STEPS or kind in (ActionKind.ASSESSED, ActionKind.CLOSED, ActionKind.REOPENED):
        raise ValidationError({"kind": "この対応は専用の画面から記録してください。"})
    same = repeat_of(incident.actions.filter(kind=kind, done_on=done_on, note=note).select_related("by"), "at")
    if same is not None:
        return same
    return _log(incident, by, kind, done_on=done_on, note=note)


@transaction.atomic
def incident_step_done(*, incident, by, step, done_on, note=""):
    """Record the day a legal step (速報, 確報, 本人への通知) was done by the facility."""
    incident = Incident.objects.select_for_update().get(pk=incident.pk)
    _ensure_open(incident)
    if step not in clock.STEPS:
        raise ValueError(f"unknown step {step!r}")
    if not incident.report_required:
        raise ValidationError("この報告は個人情報保護委員会への報告の対象になっていません。")
    if getattr(incident, f"{step}_done_on"):
        raise ValidationError({"step": f"{clock.STEP_LABELS[step]}はすでに記録されています。"})
    if done_on < incident.discovered_on:
        raise ValidationError({"done_on": "発覚日より前の日付は入れられません。"})
    if step == "final" and not incident.prompt_done_on:
        raise ValidationError({"step": "先に速報をした日を記録してください。"})
    setattr(incident, f"{step}_done_on", done_on)
    save_with_history(incident, by)
    _log(incident, by, step, done_on=done_on, note=note)
    return incident


@transaction.atomic
def incident_close(*, incident, by, note):
    """Close a report; while a report to the PPC is due, only once every step has its date."""
    incident = Incident.objects.select_for_update().get(pk=incident.pk)
    missing = incident.steps_missing()
    if missing:
        raise ValidationError(
            "、".join(missing) + "の日付がまだ記録されていません。記録してから完了にしてください"
            "（報告の対象でないと判断したときは「報告内容・要否の見直し」で記録してください）。"
        )
    move_status(incident, IncidentStatus.CLOSED, INCIDENT_TRANSITIONS, "報告")
    incident.closed_at, incident.closed_by, incident.closing_note = timezone.now(), by, note
    save_with_history(incident, by)
    _log(incident, by, ActionKind.CLOSED, note=note)
    emails.incident_news(incident, "完了")
    return incident


@transaction.atomic
def incident_reopen(*, incident, by, note):
    incident = Incident.objects.select_for_update().get(pk=incident.pk)
    move_status(incident, IncidentStatus.OPEN, INCIDENT_TRANSITIONS, "報告")
    incident.closed_at = incident.closed_by = None
    save_with_history(incident, by)
    _log(incident, by, ActionKind.REOPENED, note=note)
    return incident


# --- Guidance and restriction -------------------------------------------------------------


def _restriction_suspension(*, program, by, facility, staff, given_on, content, restriction_until):
    open_ = Suspension.objects.not_lifted().filter(facility=facility, staff=staff)
    existing = open_.first()
    if existing is not None:
        return existing
    return suspension_start(
        facility=facility, staff=staff, by=by, reason=content, article=program.policy.suspension_article,
        starts_on=given_on, ends_on=restriction_until,
    )


@transaction.atomic
def guidance_record(*, program, by, facility, kind, given_on, content, given_by_body, staff=None, incident=None,
                    restriction_until=None):
    """Record guidance given to a user or a facility; the facility's administrators are told.

    A restriction (利用制限) is a suspension of the person or facility (facilities.life): it starts
    one, or links the one already in force, so that the engine stops new memberships and roles."""
    if facility.program_id != program.pk:
        raise ValidationError({"facility": "このネットワークの施設を選んでください。"})
    if staff is not None and staff.facility_id != facility.pk:
        raise ValidationError({"staff": "選んだ施設の利用者を選んでください。"})
    if incident is not None and incident.program_id != program.pk:
        raise ValidationError({"incident": "このネットワークの報告を選んでください。"})
    if kind != GuidanceKind.RESTRICTION:
        restriction_until = None
    elif restriction_until is not None and restriction_until < given_on:
        raise ValidationError({"restriction_until": "終了予定日は実施日より後にしてください。"})
    _lock(Facility, facility.pk)
    same = repeat_of(Guidance.objects.filter(
        facility=facility, staff=staff, kind=kind, given_on=given_on, content=content,
    ).select_related("recorded_by"), "created_at")
    if same is not None:
        return same
    suspension = None
    if kind == GuidanceKind.RESTRICTION:
        suspension = _restriction_suspension(
            program=program, by=by, facility=facility, staff=staff, given_on=given_on, content=content,
            restriction_until=restriction_until,
        )
    guidance = save_with_history(Guidance(
        program=program, facility=facility, staff=staff, incident=incident, kind=kind, given_on=given_on,
        given_by_body=given_by_body, content=content, restriction_until=restriction_until, recorded_by=by,
        suspension=suspension,
    ), by)
    if incident is not None:
        _log(incident, by, ActionKind.OTHER, done_on=given_on, note=f"{guidance.get_kind_display()}を記録しました。")
    emails.guidance_given(guidance)
    return guidance


# --- Notices to facility administrators ---------------------------------------------------


@transaction.atomic
def notice_send(*, program, by, title, body, facilities=None):
    """Send a notice to the administrators of every facility in use (facilities=None) or of some;
    each addressed facility gets a line on which its administrator confirms reading."""
    in_use = Facility.objects.filter(program=program).approved()
    if facilities is None:
        chosen = list(in_use.order_by("number"))
    else:
        chosen = list(facilities)
        if not chosen:
            raise ValidationError({"facilities": "宛先の施設を1つ以上選んでください。"})
        if any(f.program_id != program.pk or f.status != FacilityStatus.ACTIVE for f in chosen):
            raise ValidationError({"facilities": "利用中の、このネットワークの施設だけを選んでください。"})
    if not chosen:
        raise ValidationError("利用中の施設がないため、お知らせを送れません。")
    _lock(Program, program.pk)
    same = repeat_of(AdminNotice.objects.filter(
        program=program, title=title, body=body, to_all=facilities is None,
    ).select_related("sent_by"), "sent_at")
    if same is not None:
        return same
    notice = save_with_history(
        AdminNotice(program=program, title=title, body=body, to_all=facilities is None, sent_by=by), by
    )
    bulk_create_with_history(
        [NoticeRecipient(notice=notice, facility=f) for f in chosen], NoticeRecipient, batch_size=500, default_user=by
    )
    emails.notice_sent(notice, chosen)
    return notice


@transaction.atomic
def notice_confirm_read(*, notice, by):
    """The administrator confirms reading, for each addressed facility they administer (once each)."""
    mine = role_facility_ids(by, RoleKind.FACILITY_ADMIN)
    lines = list(
        NoticeRecipient.objects.select_for_update().filter(notice=notice, facility_id__in=mine, read_at__isnull=True)
    )
    now = timezone.now()
    for line in lines:
        line.read_at, line.read_by = now, by
        save_with_history(line, by)
    return len(lines)


# --- Devices, taking out, personal devices, disasters ----------------------------------------


def open_disaster(program):
    return DisasterPeriod.objects.open().filter(program=program).first()


@transaction.atomic
def disaster_open(*, program, by, title):
    """Declare a disaster: devices not in the register may be used (where the policy allows it)."""
    policy = program.policy
    if not policy.byod_allowed_in_disaster:
        raise ValidationError(f"{policy.policy_title}には、災害時に台帳にない端末の使用を認める定めがありません。")
    _lock(Program, program.pk)
    current = DisasterPeriod.objects.open().filter(program=program).select_related("opened_by").first()
    if current is not None and current.title == title:
        current.repeated = True
        return current
    if current is not None:
        raise already_done("災害時の特例期間", current.started_at, current.opened_by, f"「{current.title}」として始めています")
    period = save_with_history(DisasterPeriod(program=program, title=title, started_at=timezone.now(), opened_by=by), by)
    emails.disaster_news(period, Facility.objects.filter(program=program).approved())
    return period


@transaction.atomic
def disaster_close(*, period, by):
    period = DisasterPeriod.objects.select_for_update().get(pk=period.pk)
    if period.ended_at is not None:
        raise already_done("この特例期間", period.ended_at, period.closed_by, "終えています")
    period.ended_at, period.closed_by = timezone.now(), by
    return save_with_history(period, by)


def _byod_facts(program, *, written, safeguards, disaster):
    return {"personal_device": True, "written_approval": written, "device_safeguards": list(safeguards),
            "disaster_mode": disaster is not None}


@transaction.atomic
def device_register(*, facility, by, label, kind, ownership, registered_on, holder=None, safeguards=(),
                    approved_on=None):
    """Add a device to the facility's register. A personal device is asked of the engine (DEV-BYOD):
    the written approval, or the safeguards, or an open disaster period where the policy allows it."""
    program = facility.program
    if holder is not None and holder.facility_id != facility.pk:
        raise ValidationError({"holder": "この施設の職員を選んでください。"})
    # No timestamp on a device: the same line of the register in use, registered the same day.
    _lock(Facility, facility.pk)
    same = repeat_of(Device.objects.filter(
        facility=facility, label=label, kind=kind, ownership=ownership, holder=holder, registered_on=registered_on,
        safeguards=sorted(safeguards), approved_on=approved_on if ownership == Ownership.PERSONAL else None,
        retired_on__isnull=True,
    ).select_related("registered_by"))
    if same is not None:
        return same
    disaster, warnings = None, []
    if ownership == Ownership.PERSONAL:
        period = open_disaster(program)
        warnings = policy_check(program, "register_device", _byod_facts(
            program, written=approved_on is not None, safeguards=safeguards, disaster=period))
        if approved_on is None and period is not None:
            disaster = period  # used under the disaster exception, recorded as such
    else:
        approved_on = None
    return save_with_history(Device(
        program=program, facility=facility, label=label, kind=kind, ownership=ownership, holder=holder,
        safeguards=sorted(safeguards), approved_on=approved_on, disaster=disaster, registered_on=registered_on,
        warnings=warnings, registered_by=by,
    ), by)


@transaction.atomic
def device_retire(*, device, by, retired_on):
    device = Device.objects.select_for_update().get(pk=device.pk)
    if device.retired_on is not None:  # the device has no retired_by: its history says who
        retired = device.history.filter(retired_on__isnull=False).select_related("history_user") \
            .order_by("history_date").first()
        raise already_done("この端末", retired.history_date if retired else device.retired_on,
                           retired.history_user if retired else None, "使用をやめたことを記録しています")
    if retired_on < device.registered_on:
        raise ValidationError({"retired_on": "登録日より前の日付は入れられません。"})
    device.retired_on = retired_on
    return save_with_history(device, by)


@transaction.atomic
def device_request_file(*, facility, by, kind, purpose, period_from, period_to, device=None, device_label="",
                        device_kind="", safeguards=(), information="", medium=""):
    """A request to the facility's MCS管理者 to take something out or to use a personal device."""
    if period_to < period_from:
        raise ValidationError({"period_to": "期間の終わりは始まりより後にしてください。"})
    if device is not None and device.facility_id != facility.pk:
        raise ValidationError({"device": "この施設の端末を選んでください。"})
    if kind == RequestKind.TAKEOUT and not (information and (medium or device)):
        raise ValidationError("持ち出す情報の内容と、格納する媒体（または端末）を書いてください。")
    if kind == RequestKind.BYOD and not device_label:
        raise ValidationError({"device_label": "使う個人の端末の名称・機種を書いてください。"})
    _lock(Facility, facility.pk)
    same = repeat_of(DeviceRequest.objects.filter(
        facility=facility, requested_by=by, kind=kind, purpose=purpose, period_from=period_from, period_to=period_to,
        device=device, device_label=device_label, device_kind=device_kind, safeguards=sorted(safeguards),
        information=information, medium=medium,
    ).select_related("requested_by"), "created_at")
    if same is not None:
        return same
    request = save_with_history(DeviceRequest(
        program=facility.program, facility=facility, kind=kind, requested_by=by, device=device,
        device_label=device_label, device_kind=device_kind, safeguards=sorted(safeguards), information=information,
        medium=medium, purpose=purpose, period_from=period_from, period_to=period_to,
    ), by)
    emails.device_request_filed(request)
    return request


@transaction.atomic
def device_request_decide(*, request, by, approve, written_on=None, note=""):
    """The MCS管理者 approves (asked of the engine: DEV-TAKEOUT or DEV-BYOD, with the date of the
    written approval) or refuses. An approved personal device goes into the register."""
    request = DeviceRequest.objects.select_for_update().select_related("program", "facility").get(pk=request.pk)
    if request.status != RequestStatus.REQUESTED:
        raise already_done("この申請", request.decided_on, request.decided_by,
                           f"「{request.get_status_display()}」にしています")
    program = request.program
    warnings = []
    if approve:
        if request.kind == RequestKind.TAKEOUT:
            warnings = policy_check(program, "register_device",
                                    {"taking_out": True, "written_approval": written_on is not None})
        else:
            holder = Staff.objects.filter(facility=request.facility, user=request.requested_by).first()
            device = device_register(
                facility=request.facility, by=by, label=request.device_label,
                kind=request.device_kind or DeviceKind.OTHER, ownership=Ownership.PERSONAL, holder=holder,
                safeguards=request.safeguards, approved_on=written_on, registered_on=timezone.localdate(),
            )
            request.device, warnings = device, device.warnings
    move_status(request, RequestStatus.APPROVED if approve else RequestStatus.REFUSED, REQUEST_TRANSITIONS, "申請")
    request.decided_by, request.decided_on = by, timezone.localdate()
    request.written_on, request.decision_note, request.warnings = written_on if approve else None, note, warnings
    save_with_history(request, by)
    emails.device_request_decided(request)
    return request


# --- Secondary use --------------------------------------------------------------------------


@transaction.atomic
def secondary_use_record(*, facility, by, purpose, content, use, provider_permission=False, manager_permission=False,
                         anonymized=False, document_from_other_facility=False):
    """Record a use of MCS content outside MCS, once the engine allows it (SEC-NO-COPY, SEC-PERMISSION,
    SEC-OTHER-DOC): a block is not recorded, warnings are kept with the record."""
    facts = {"purpose": purpose, "provider_permission": provider_permission,
             "document_from_other_facility": document_from_other_facility}
    if purpose == UsePurpose.OTHER:
        facts.update(manager_permission=manager_permission, anonymized=anonymized)
    _lock(Facility, facility.pk)
    same = repeat_of(SecondaryUse.objects.filter(
        facility=facility, requested_by=by, purpose=purpose, content=content, use=use,
        provider_permission=provider_permission, manager_permission=manager_permission, anonymized=anonymized,
        document_from_other_facility=document_from_other_facility,
    ).select_related("requested_by"), "created_at")
    if same is not None:
        return same
    warnings = policy_check(facility.program, "secondary_use", facts)
    return save_with_history(SecondaryUse(
        program=facility.program, facility=facility, requested_by=by, purpose=purpose, content=content, use=use,
        provider_permission=provider_permission, manager_permission=manager_permission, anonymized=anonymized,
        document_from_other_facility=document_from_other_facility, warnings=warnings,
    ), by)


def incident_dues(today):
    """The reminders due about open reports (core.reminders): one per report and state of its
    legal steps near or past their limit; while a step is overdue, one a day."""
    due = Incident.objects.filter(IncidentQuerySet.overdue_q(today) | IncidentQuerySet.due_soon_q(today)) \
        .select_related("program", "facility")
    for incident in due.iterator(chunk_size=200):
        steps = incident.steps(today)
        pending = [f"{s.step}:{s.state}" for s in steps if s.state in ("overdue", "soon")]
        overdue = any(s.state == "overdue" for s in steps)
        yield Due("incident-deadline", incident, ",".join(pending) + (f"@{today.isoformat()}" if overdue else ""),
                  lambda incident=incident, steps=steps: _remind_incident(incident, steps, today))


def _remind_incident(incident, steps, today):
    Incident.objects.filter(pk=incident.pk).update(reminded_on=today)  # shown on the report; not history
    return emails.incident_reminder(incident, steps)


def incidents_remind(*, today):
    """E-mail the facility's administrators and the secretariat about each open report with a legal
    step overdue or in its reminder window: once per state of its steps, daily while overdue
    (recorded as core.Reminder rows; `run_reminders` sends the same)."""
    return sum(remind_once(due) for due in incident_dues(today))
