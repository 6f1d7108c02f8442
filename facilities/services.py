"""Every write to the staff ledger: add, activate and remove staff, pledges, training, change notices.

Keyword-only functions, one transaction each, the policy engine asked before acting.
Blocks raise `PolicyBlocked` (a ValidationError carrying the violations), which rolls the
whole transaction back; warnings are returned or recorded. E-mail leaves on commit.
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from core.services import PolicyBlocked, already_done, policy_check
from core.services import move_status as _move
from core.services import save_with_history as _save

from . import emails, hooks, people
from .forms import FacilityForm, ProgramSettingsForm
from .ledger import (
    activation_blocks,
    login_email_elsewhere,
    notice_comes_first,
    pledge_text_for_print,
    staff_with_ledger,
)
from .life_models import suspension_facts
from .models import (
    NOTICE_DUE_DAYS,
    NOTICE_SENT,
    NOTICE_TRANSITIONS,
    STAFF_TRANSITIONS,
    Attendance,
    ChangeKind,
    ChangeNotice,
    DeviceReturn,
    Facility,
    FacilityStatus,
    NoticeFiling,
    NoticeLine,
    NoticeStatus,
    Pledge,
    PledgeKind,
    PledgeTextKind,
    Program,
    Role,
    RoleKind,
    Staff,
    StaffRemoval,
    StaffStatus,
    TrainingSession,
)
from .notice_diff import line_snapshot
from .texts import repledge_close

# Why a role was granted, as the role's record shows it: the enrolment's default.
ENROLMENT_ADMIN_REASON = "利用申込の承認で管理者に指定"

EMAIL_TAKEN = "このメールアドレスはすでにネットワーク内の別の職員が使っています。1人に1つ、本人だけが使うアドレスを登録してください。"


def _locked(staff):
    return Staff.objects.select_for_update().select_related("program", "facility").get(pk=staff.pk)


# --- Program settings --------------------------------------------------------------------


@transaction.atomic
def program_settings_update(*, program, by, **changes):
    """The secretariat changes its program's settings (ProgramSettingsForm's fields: names, contact,
    area, intervals, what the variant leaves to the network), validated as on the form; the
    variant, slug and code are not among them. History records who; nothing is saved when
    nothing changed. Returns the names of the fields that changed."""
    program = Program.objects.select_for_update().get(pk=program.pk)
    form = ProgramSettingsForm(instance=program)
    unknown = set(changes) - set(form.fields)
    if unknown:
        raise TypeError(f"not a program setting: {sorted(unknown)}")
    initial = {name: form[name].value() for name in form.fields}
    data = dict(initial)
    data.update({name: form.fields[name].prepare_value(one_line_ending(value)) for name, value in changes.items()})
    form = ProgramSettingsForm(data, instance=program)
    if not form.is_valid():
        raise ValidationError(form.errors)
    # A textarea posts \r\n: the same text with other line endings is not a change.
    changed = [name for name in form.changed_data if one_line_ending(data[name]) != one_line_ending(initial[name])]
    if changed:
        _save(form.instance, by)
    return changed


def one_line_ending(value):
    """Text with \n line endings whatever the browser sent (\r\n) or was stored before."""
    return value.replace("\r\n", "\n").replace("\r", "\n") if isinstance(value, str) else value


# --- Facilities ----------------------------------------------------------------------------


def next_facility_number(program):
    """`<program code>-NNNN`, one above the highest such number in the program.

    Lock the program row first (facility_enroll does): numbers are allocated one at a time.
    """
    prefix = f"{program.code}-"
    taken = Facility.objects.filter(program=program, number__startswith=prefix).values_list("number", flat=True)
    highest = max((int(n[len(prefix):]) for n in taken if n[len(prefix):].isdigit()), default=0)
    return f"{prefix}{highest + 1:04d}"


@transaction.atomic
def facility_enroll(
    *, program, by, name, name_kana, kind, postal_code, address, phone, fax, number=None, approved_on=None
):
    """A facility joins the program, active from `approved_on` (today by default).

    `number` is kept when given (a ledger carried over); else the next `<code>-NNNN` is assigned.
    Names, reading, postal code and phones are validated and normalised as on the forms.
    """
    form = FacilityForm({
        "name": name, "name_kana": name_kana, "kind": kind, "postal_code": postal_code, "address": address,
        "phone": phone, "fax": fax,
    })
    if not form.is_valid():
        raise ValidationError(form.errors)
    program = Program.objects.select_for_update().get(pk=program.pk)
    facility = Facility(
        program=program, number=number or next_facility_number(program), status=FacilityStatus.ACTIVE,
        approved_on=approved_on or timezone.localdate(), **form.cleaned_data,
    )
    return _save(facility, by)


@transaction.atomic
def facility_update(*, facility, by, **changes):
    """Change a facility's registered details (name, reading, kind, address, phones, 代表者), validated
    and normalised as on the forms; history records who. Returns the facility."""
    facility = Facility.objects.select_for_update().get(pk=facility.pk)
    fields = ("name", "name_kana", "kind", "postal_code", "address", "phone", "fax", "representative")
    unknown = set(changes) - set(fields)
    if unknown:
        raise ValueError(f"not a facility detail: {sorted(unknown)}")
    form = FacilityForm({name: changes.get(name, getattr(facility, name)) for name in fields})
    if not form.is_valid():
        raise ValidationError(form.errors)
    for name, value in form.cleaned_data.items():
        setattr(facility, name, value)
    return _save(facility, by)


@transaction.atomic
def facility_admin_grant(*, staff, by, reason=ENROLMENT_ADMIN_REASON, invite=False):
    """Make a staff member an administrator of their facility: their portal login (reused when the
    address already has one, else made without a password, which the invitation's link sets) and
    an active FACILITY_ADMIN role granted for `reason`. Returns the login. Nobody suspended (or of
    a suspended facility) is given a role (ROLE-SUSPENDED).

    `invite`: a login without a password that this call gave the role gets the 役割と招待 page's
    invitation (people.role_invite). The enrolment leaves it False: it sends its own link."""
    today = timezone.localdate()
    policy_check(staff.program, "grant_role", suspension_facts(facility=staff.facility, staff=staff, today=today))
    user = staff.user or User.objects.filter(email__iexact=staff.email).first()
    if user is None:
        user = User.objects.create_user(
            staff.email, None, full_name=staff.full_name, full_name_kana=staff.full_name_kana
        )
    role = Role.objects.filter(
        user=user, program=staff.program, facility=staff.facility, kind=RoleKind.FACILITY_ADMIN
    ).first() or Role(user=user, program=staff.program, facility=staff.facility, kind=RoleKind.FACILITY_ADMIN)
    if role.pk is None or not role.is_active:
        role.is_active = True
        role.granted_at, role.granted_by, role.grant_reason = timezone.now(), by, reason
        role.revoked_at, role.revoked_by, role.revoke_reason = None, None, ""
        _save(role, by)
        if invite and not user.has_usable_password():
            people.role_invite(role=role, by=by)
    if staff.user_id != user.pk or not staff.is_admin:
        staff.user, staff.is_admin = user, True
        _save(staff, by, validate_constraints=False)
    hooks.admin_changed.call(staff=staff, facility=staff.facility, by=by, became_admin=True)
    return user


# --- Staff -------------------------------------------------------------------------------


def _save_staff(staff, by, *, logins=False):
    """Save, turning the program-wide e-mail constraint into a form error, never a 500.

    `logins`: also count the portal logins of people who work elsewhere in the program as
    addresses in use (a new address typed into the ledger; not an enrolment's first staff).
    """
    in_use = list(Staff.objects.current().filter(program=staff.program).exclude(pk=staff.pk)
                  .values_list("email", flat=True))
    if logins and login_email_elsewhere(program=staff.program, facility=staff.facility, email=staff.email,
                                        staff=staff):
        in_use.append(staff.email)
    facts = {"email": staff.email, "emails_in_use": in_use}
    try:
        policy_check(staff.program, "activate_staff", facts)
    except PolicyBlocked as blocked:
        raise ValidationError({"email": blocked.messages}) from blocked
    try:
        with transaction.atomic():  # a savepoint, so a lost race leaves the outer transaction usable
            _save(staff, by, validate_constraints=False)
    except IntegrityError as exc:
        if "staff_email_unique_in_program" in str(exc):
            raise ValidationError({"email": [EMAIL_TAKEN]}) from exc
        raise
    return staff


@transaction.atomic
def staff_add(
    *, facility, by, full_name, job, email, full_name_kana="", gender="", is_admin=False, started_on=None,
    on_notice=True,
):
    """A new line in the ledger. It starts pending and becomes active at once if nothing is missing.

    `on_notice=False` where the facility is being enrolled: its first staff come with the
    application, not on a change notice.
    """
    staff = Staff(
        program=facility.program, facility=facility, full_name=full_name, full_name_kana=full_name_kana,
        gender=gender, job=job, email=email.strip(), is_admin=is_admin, started_on=started_on,
        status=StaffStatus.PENDING,
    )
    _save_staff(staff, by, logins=on_notice)
    if on_notice and facility.program.policy.change_notice_required:
        changed_on = started_on or timezone.localdate()
        _notice_add_line(staff=staff, change=ChangeKind.ADD, changed_on=changed_on, by=by)
    staff_try_activate(staff=staff, by=by)
    staff.refresh_from_db()
    return staff


@transaction.atomic
def staff_update(*, staff, by, **fields):
    """Correct a line of the ledger (name, reading, job, e-mail, administrator, start date)."""
    staff = _locked(staff)
    if staff.status == StaffStatus.REMOVED:
        raise ValidationError("削除済の職員は変更できません。")
    allowed = {"full_name", "full_name_kana", "gender", "job", "email", "is_admin", "started_on"}
    unknown = set(fields) - allowed
    if unknown:
        raise TypeError(f"staff_update() got unexpected fields {sorted(unknown)}")
    was_admin, old_email = staff.is_admin, staff.email
    for name, value in fields.items():
        setattr(staff, name, value.strip() if name == "email" else value)
    _save_staff(staff, by, logins=staff.email.lower() != old_email.lower())
    if staff.is_admin != was_admin:
        hooks.admin_changed.call(staff=staff, facility=staff.facility, by=by, became_admin=staff.is_admin)
    return staff


@transaction.atomic
def staff_try_activate(*, staff, by):
    """Activate a pending person if the policy lets them start; else the blocks that keep them pending."""
    staff = _locked(staff)
    if staff.status != StaffStatus.PENDING:
        return []
    blocks = activation_blocks(staff_with_ledger(staff), facility=staff.facility)
    if blocks:
        return blocks
    _move(staff, StaffStatus.ACTIVE, STAFF_TRANSITIONS, "職員")
    staff.started_on = staff.started_on or timezone.localdate()
    _save(staff, by, validate_constraints=False)
    if staff.is_admin:  # an administrator who starts using MCS joins the administrators' group
        hooks.admin_changed.call(staff=staff, facility=staff.facility, by=by, became_admin=True)
    return []


@transaction.atomic
def staff_activate(*, staff, by):
    """The ledger's 利用開始 button: activate now or say what is missing."""
    if staff.status != StaffStatus.PENDING:
        raise ValidationError(f"「{staff.get_status_display()}」の職員は利用開始にできません。")
    blocks = staff_try_activate(staff=staff, by=by)
    if blocks:
        raise PolicyBlocked(blocks)
    return Staff.objects.get(pk=staff.pk)


def _removal_notice_filed(staff):
    lines = NoticeLine.objects.filter(staff=staff, change=ChangeKind.REMOVE, notice__status__in=NOTICE_SENT)
    return lines.exists()


def _devices(value):
    if isinstance(value, bool):
        return DeviceReturn.RETURNED if value else DeviceReturn.NOT_RETURNED
    return DeviceReturn(value)


def _removal_facts(removal):
    facts = {"devices_returned": removal.devices_returned}
    if removal.self_withdrawn is not None:
        facts["self_withdrawn"] = removal.self_withdrawn
    return facts


@transaction.atomic
def staff_remove(*, staff, by, reason, effective_date, devices_returned, self_withdrawn=None):
    """Take someone off the ledger, in one transaction: all of it happens or none of it.

    Ends every group membership through hooks.staff_removed, recounts what is still open
    and lets the engine block (STF-REMOVE-GROUPS) if anything is; the person stays in the
    ledger as removed. `devices_returned` is a DeviceReturn value (or a bool).
    """
    staff = _locked(staff)
    _move(staff, StaffStatus.REMOVED, STAFF_TRANSITIONS, "職員")
    program = staff.program
    removal = StaffRemoval.objects.filter(staff=staff).first() or StaffRemoval(staff=staff, requested_by=by)
    removal.reason, removal.effective_date = reason, effective_date
    removal.devices, removal.self_withdrawn = _devices(devices_returned), self_withdrawn
    facts = {"notice_filed": _removal_notice_filed(staff), **_removal_facts(removal)}
    warnings = policy_check(program, "remove_staff", facts)

    ended = sum(hooks.staff_removed.call(staff=staff, by=by, reason=reason, effective_date=effective_date))
    still_open = sum(hooks.open_memberships.call(staff=staff))
    warnings += policy_check(program, "remove_staff", {"open_memberships": still_open})

    removal.memberships_ended, removal.open_memberships_at_removal = ended, still_open
    removal.removed_at, removal.removed_by = timezone.now(), by
    removal.warnings = warnings
    removal.note = f"患者グループ{ended}件のメンバーから外しました。"
    _save(removal, by)
    staff.ended_on = effective_date
    _save(staff, by, validate_constraints=False)
    # Whoever left the facility loses its portal roles with it; the administrator rules still hold.
    people.roles_end_for_removed_staff(staff=staff, by=by, reason=f"管理台帳から削除（{removal.get_reason_display()}）")
    on_notice = staff.notice_lines.filter(change=ChangeKind.REMOVE).exists()
    if program.policy.change_notice_required and not on_notice:
        _notice_add_line(staff=staff, change=ChangeKind.REMOVE, changed_on=effective_date, by=by)
    if staff.is_admin:
        hooks.admin_changed.call(staff=staff, facility=staff.facility, by=by, became_admin=False)
    return removal


@transaction.atomic
def staff_request_removal(*, staff, by, reason, effective_date, devices_returned, self_withdrawn=None):
    """The ledger's 削除 button. Removes at once, or, where the notice must come first, puts the
    removal on the facility's draft change notice: filing the notice completes it."""
    if not (notice_comes_first(staff.program) and not _removal_notice_filed(staff)):
        return staff_remove(
            staff=staff, by=by, reason=reason, effective_date=effective_date,
            devices_returned=devices_returned, self_withdrawn=self_withdrawn,
        )
    staff = _locked(staff)
    if StaffStatus.REMOVED not in STAFF_TRANSITIONS[staff.status]:
        raise ValidationError("この職員はすでに削除済です。")
    if StaffRemoval.objects.filter(staff=staff).exists():
        raise ValidationError("この職員の削除はすでに変更届に載っています。")
    removal = StaffRemoval(
        staff=staff, requested_by=by, reason=reason, effective_date=effective_date,
        devices=_devices(devices_returned), self_withdrawn=self_withdrawn,
    )
    warnings = policy_check(staff.program, "remove_staff", _removal_facts(removal))
    removal.warnings = warnings
    _save(removal, by)
    _notice_add_line(staff=staff, change=ChangeKind.REMOVE, changed_on=effective_date, by=by)
    return removal


# --- Pledges and training ----------------------------------------------------------------


@transaction.atomic
def pledge_text_publish(*, program, kind=PledgeTextKind.STAFF):
    """Publish the policy's current wording as a new version if it changed; the version in force."""
    text = pledge_text_for_print(program, kind)
    if text is None or text.pk is not None:
        return text
    try:
        with transaction.atomic():
            _save(text, None)
    except IntegrityError:
        # Someone published the same version a moment ago.
        return pledge_text_for_print(program, kind)
    return text


@transaction.atomic
def pledge_record(*, staff, by, kind, signed_on, existing_pledge=""):
    """Record a signed pledge (on the wording in force) or an exemption, then try to activate."""
    policy = staff.program.policy
    if not policy.staff_pledge_required:
        raise ValidationError("このネットワークでは職員ごとの誓約書はいりません。")
    if kind == PledgeKind.EXEMPT and not policy.pledge_exemption_allowed:
        raise ValidationError("このネットワークでは誓約書を省略できません。")
    if staff.status == StaffStatus.REMOVED:
        raise ValidationError("削除済の職員には記録できません。")
    text = pledge_text_publish(program=staff.program) if kind == PledgeKind.SIGNED else None
    # The same pledge (on the same wording) sent twice (double click, Back and send again) is recorded once.
    Staff.objects.select_for_update().filter(pk=staff.pk).first()
    same = staff.pledges.filter(kind=kind, signed_on=signed_on, text=text).select_related("recorded_by").first()
    if same is not None:
        same.repeated = True
        return same
    pledge = Pledge(
        staff=staff, kind=kind, text=text, signed_on=signed_on,
        existing_pledge=existing_pledge.strip() if kind == PledgeKind.EXEMPT else "", recorded_by=by,
    )
    _save(pledge, by)
    repledge_close(pledge)
    staff_try_activate(staff=staff, by=by)
    return pledge


@transaction.atomic
def training_record(*, facility, by, kind, held_on, staff, title="", note=""):
    """One session attended by many staff at once; those it completes become active."""
    staff = list(staff)
    if not staff:
        raise ValidationError({"staff": ["受講した職員を選んでください。"]})
    strangers = [s for s in staff if s.facility_id != facility.pk or s.status == StaffStatus.REMOVED]
    if strangers:
        raise ValidationError({"staff": ["この施設の職員（削除済を除く）だけを選んでください。"]})
    # The same session sent twice (double click, Back and send again) is recorded once.
    Facility.objects.select_for_update().filter(pk=facility.pk).first()
    wanted = {s.pk for s in staff}
    for same in TrainingSession.objects.filter(facility=facility, kind=kind, held_on=held_on, title=title,
                                               note=note).select_related("recorded_by"):
        if set(same.attendances.values_list("staff_id", flat=True)) == wanted:
            same.repeated = True
            return same
    session = _save(TrainingSession(facility=facility, kind=kind, held_on=held_on, title=title, note=note,
                                    recorded_by=by), by)
    for person in staff:
        _save(Attendance(session=session, staff=person), by)
    for person in staff:
        staff_try_activate(staff=person, by=by)
    return session


# --- Change notices ----------------------------------------------------------------------


def _draft_notice(facility, by):
    drafts = ChangeNotice.objects.select_for_update().filter(facility=facility, status=NoticeStatus.DRAFT)
    notice = drafts.first()
    if notice is not None:
        return notice
    try:
        with transaction.atomic():
            return _save(ChangeNotice(program=facility.program, facility=facility), by)
    except IntegrityError:
        return drafts.get()


def _notice_add_line(*, staff, change, changed_on, by, facility=None, record=None, note=""):
    """Put a change on the facility's draft notice (made if need be); the due date follows the oldest one.

    `staff` is None for a change of the facility's own details (`record`, a DetailsChange)."""
    notice = _draft_notice(facility or staff.facility, by)
    line = NoticeLine(notice=notice, staff=staff, change=change, changed_on=changed_on, record=record, note=note)
    _save(line, by)
    due = changed_on + datetime.timedelta(days=NOTICE_DUE_DAYS)
    if notice.due_on is None or due < notice.due_on:
        notice.due_on = due
        _save(notice, by)
    return line


@transaction.atomic
def notice_file(*, notice, by, received_by_secretariat=False):
    """The facility files its notice; removals waiting for it are completed in the same transaction.

    `received_by_secretariat`: the secretariat files it itself in the course of its own procedure
    (a withdrawal): it is recorded as received (確認済み) at once, and nobody is e-mailed that the
    facility filed it."""
    notice = ChangeNotice.objects.select_for_update().select_related("program", "facility").get(pk=notice.pk)
    first_filing = notice.status == NoticeStatus.DRAFT
    if notice.status == NoticeStatus.FILED:
        raise already_done("この変更届", notice.filed_at, notice.filed_by, "提出しています")
    if notice.status == NoticeStatus.ACKNOWLEDGED:
        raise already_done("この変更届", notice.decided_at, notice.decided_by, "確認済みにしています")
    _move(notice, NoticeStatus.FILED, NOTICE_TRANSITIONS, "変更届")
    lines = list(notice.lines.select_related("staff__removal", "record"))
    if not lines:
        raise ValidationError("届け出る変更がありません。")
    now = timezone.now()
    if first_filing:
        notice.filed_late = notice.due_on is not None and timezone.localdate(now) > notice.due_on
    notice.filed_at, notice.filed_by = now, by
    _save(notice, by)
    # What was filed, kept as it stood: a notice sent back is corrected line by line afterwards.
    filing = NoticeFiling(notice=notice, number=notice.filings.count() + 1, filed_at=now, filed_by=by,
                          lines=[line_snapshot(line) for line in lines])
    _save(filing, by)
    for line in lines:
        removal = StaffRemoval.objects.filter(staff=line.staff, removed_at__isnull=True).first()
        if line.change == ChangeKind.REMOVE and removal is not None:
            try:
                staff_remove(
                    staff=line.staff, by=by, reason=removal.reason, effective_date=removal.effective_date,
                    devices_returned=removal.devices, self_withdrawn=removal.self_withdrawn,
                )
            except PolicyBlocked as exc:
                raise PolicyBlocked(exc.violations, prefix=f"{line.staff.full_name}さん: ") from exc
    if received_by_secretariat:
        return _decide(notice, by, NoticeStatus.ACKNOWLEDGED, "事務局が退会の手続きで記録しました。")
    emails.notice_filed(notice)
    return notice


def _facility_admin_emails(facility):
    roles = Role.objects.active().filter(facility=facility, kind=RoleKind.FACILITY_ADMIN)
    return list(roles.filter(user__is_active=True).values_list("user__email", flat=True))


def _decide(notice, by, to, comment=""):
    notice = ChangeNotice.objects.select_for_update().select_related("program", "facility").get(pk=notice.pk)
    if notice.status in (NoticeStatus.ACKNOWLEDGED, NoticeStatus.CORRECTION):
        raise already_done("この変更届", notice.decided_at, notice.decided_by, f"「{notice.get_status_display()}」にしています")
    _move(notice, to, NOTICE_TRANSITIONS, "変更届")
    notice.decided_at, notice.decided_by, notice.comment = timezone.now(), by, comment
    _save(notice, by)
    return notice


@transaction.atomic
def notice_acknowledge(*, notice, by):
    notice = _decide(notice, by, NoticeStatus.ACKNOWLEDGED)
    emails.notice_acknowledged(notice, _facility_admin_emails(notice.facility))
    return notice


@transaction.atomic
def notice_request_correction(*, notice, by, comment):
    comment = comment.strip()
    if not comment:
        raise ValidationError({"comment": ["直してほしいところを書いてください。"]})
    notice = _decide(notice, by, NoticeStatus.CORRECTION, comment)
    emails.notice_correction(notice, _facility_admin_emails(notice.facility))
    return notice
