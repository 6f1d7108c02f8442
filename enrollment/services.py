"""Every write of the application workflow: submit, correct, return, reject, withdraw, approve.

Each function is keyword-only and atomic, asks the policy engine first where the policy
has a say (core.services.policy_check), moves the application through the TRANSITIONS table
only (core.services.move_status), records a decision row (ApplicationEvent, written by
`_record` alone) and sends its e-mails after the commit (enrollment/emails.py).

Enrollment writes only its own tables: approval asks facilities' services to enroll the
facility (facility_enroll), put its staff on the ledger (staff_add) and make the
administrators' logins (facility_admin_grant).
"""

import secrets

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.db.models.functions import Lower
from django.utils import timezone

from core import text, wareki
from core.services import findings, move_status, policy_check, save_with_history
from facilities.models import Program, Role, RoleKind, Staff
from facilities.services import facility_admin_grant, facility_enroll, staff_add
from facilities.texts import facility_pledge_clauses
from policy.rules import check

from . import emails
from .models import TRANSITIONS, Application, ApplicationEvent, ApplicationStatus, EventKind, Registrant

S = ApplicationStatus

APPLICATION_FIELDS = (
    "facility_name", "facility_name_kana", "facility_kind", "postal_code", "address", "phone", "fax",
    "contact_name", "contact_email", "out_of_area_reason", "invited_by",
    "pledge_agreed", "pledge_signer_name", "pledge_signed_on",
)
REGISTRANT_FIELDS = ("full_name", "full_name_kana", "gender", "email", "job", "is_admin")


class TransitionError(ValidationError):
    """The application is not in a state that allows this step (e.g. already approved)."""


class AlreadySubmitted(Exception):
    """The same form was sent again (double click, Back and send): `application` is the one received."""

    def __init__(self, application):
        super().__init__(application.receipt_number)
        self.application = application


OWN_APPLICATION = (
    "この申込にはあなた自身（{email}）が申込者または登録者として記載されています。"
    "自分が関わる申込は承認・受付確認できません。別の事務局員に依頼してください。"
)


# --- Facts for the policy engine ------------------------------------------------------------


def emails_in_use(program, emails):
    """Those of `emails` already held by a current staff record of the program (lower case).

    The engine's fact is "current staff e-mails in the program"; asking only about the
    addresses at hand gives the same answer without loading a whole program's ledger.
    """
    wanted = {e.strip().lower() for e in emails if e}
    if not wanted:
        return []
    rows = (
        Staff.objects.current().filter(program=program).annotate(email_lower=Lower("email"))
        .filter(email_lower__in=wanted).values_list("email_lower", flat=True)
    )
    return sorted(set(rows))


def submission_facts(program, data, registrants, *, in_use=True):
    """The `submit_application` facts of this application, as MATRIX.md names them.

    `in_use=False` leaves out which addresses are already staff IDs: the applicant's answer
    must not tell an anonymous person whether an address is someone's ID (see in_use_findings).
    """
    policy = program.policy
    emails = [r["email"] for r in registrants]
    facts = {
        "admin_count": sum(1 for r in registrants if r.get("is_admin")),
        "emails": emails,
        "facility_in_area": program.is_in_area(postal_code=data.get("postal_code", ""), address=data.get("address", "")),
        "out_of_area_reason": data.get("out_of_area_reason", "") or "",
    }
    if in_use:
        facts["emails_in_use"] = emails_in_use(program, emails)
    if policy.facility_pledge_text is not None:
        facts["facility_pledge"] = bool(data.get("pledge_agreed"))
    if policy.asks_inviter:
        facts["invited_to_group"] = bool((data.get("invited_by") or "").strip())
    return facts


def check_submission(program, data, registrants):
    """The policy's warnings on this application (to store); raises PolicyBlocked if it blocks."""
    return policy_check(program, "submit_application", submission_facts(program, data, registrants))


def check_applicant_submission(program, data, registrants):
    """What the applicant is told and what is stored: the policy's blocks and warnings on what
    they typed, plus, as findings only the secretariat sees, the addresses that are already
    staff IDs (the approval refuses them until resolved: check_submission asks again)."""
    warnings = policy_check(program, "submit_application", submission_facts(program, data, registrants, in_use=False))
    emails = [r["email"] for r in registrants]
    taken = emails_in_use(program, emails)
    if not taken:
        return warnings
    violations = check(program.variant, "submit_application", {"emails": emails, "emails_in_use": taken})
    return warnings + findings(v for v in violations if v.rule == "APP-EMAIL-DUP")


def _same_facility(application):
    """Other live applications of the program that look like the same facility: the same name or
    カナ, and the same phone or contact address (a second send after Back, or a colleague's)."""
    name = text.nfkc(application.facility_name)
    kana = text.katakana(application.facility_name_kana)
    return (
        Application.objects.filter(program_id=application.program_id)
        .exclude(pk=application.pk)
        .exclude(status__in=(S.DRAFT, S.WITHDRAWN, S.REJECTED))
        .filter(Q(facility_name=name) | Q(facility_name_kana=kana))
        .filter(Q(phone=application.phone) | Q(contact_email__iexact=application.contact_email))
    )


def _mark_duplicates(application):
    """Link the application with those that look like the same facility, both ways (the queue and
    both applications show it); returns how many there are."""
    others = list(_same_facility(application).values_list("pk", flat=True))
    if others:
        application.possible_duplicates.add(*others)
    return len(others)


# --- Small steps ---------------------------------------------------------------------------


def _locked(application):
    """The application's row, locked until the transaction ends: decisions queue up, one at a time."""
    return Application.objects.select_for_update().select_related("program").get(pk=application.pk)


def _lock_program(program):
    # Numbers (受付番号, 施設番号) are allocated one program at a time.
    return Program.objects.select_for_update().get(pk=program.pk)


def last_decision(application):
    """The latest step that moved the application (not a resent invitation), with its actor."""
    return (
        application.events.exclude(kind=EventKind.INVITED).select_related("actor")
        .order_by("-created_at", "-pk").first()
    )


def _stale(application, verb, *, code="bad_transition"):
    """The refusal of a step asked for on a page older than the application's last decision:
    it says what happened, when and by whom (the views show it with a link to the application)."""
    event = last_decision(application)
    status = application.get_status_display()
    if event is None:
        error = TransitionError(f"この申込は「{status}」のため、{verb}できません。", code=code)
    else:
        when = timezone.localtime(event.created_at)
        error = TransitionError(
            f"この申込は{wareki.wareki(when.date())} {when:%H:%M}に{event.actor_label}が"
            f"「{event.get_kind_display()}」したため、いまは「{status}」です。{verb}できません。",
            code=code,
        )
    error.event = event
    return error


def _refuse(application, to_status, verb):
    if application.can_move_to(to_status):
        return
    raise _stale(application, verb, code="already_approved" if application.status == S.APPROVED else "bad_transition")


def _refuse_own(application, by):
    """Separation of duties: nobody approves (or acknowledges) an application that names them."""
    own = (by.email or "").strip().lower()
    registrants = list(application.registrants.select_related("staff"))
    named = {application.contact_email.strip().lower(), *(r.email.strip().lower() for r in registrants)}
    users = {r.staff.user_id for r in registrants if r.staff_id and r.staff.user_id}
    if (own and own in named) or by.pk in users:
        raise ValidationError(OWN_APPLICATION.format(email=by.email), code="own_application")


def _record(application, *, kind, from_status, by=None, comment="", deadline=None):
    """The application's decision row: the one place ApplicationEvent rows are written."""
    return save_with_history(
        ApplicationEvent(
            application=application, kind=kind, from_status=from_status, to_status=application.status,
            actor=by, comment=comment, deadline=deadline,
        ),
        by,
    )


def _move(application, to_status, *, kind, by=None, comment="", deadline=None):
    from_status = application.status
    move_status(application, to_status, TRANSITIONS, "申込")
    save_with_history(application, by)
    return _record(application, kind=kind, from_status=from_status, by=by, comment=comment, deadline=deadline)


def _apply_data(application, data):
    policy = application.program.policy
    for name in APPLICATION_FIELDS:
        if name in data:  # fields the variant does not ask for keep their blank default
            setattr(application, name, data[name])
    if policy.facility_pledge_text is None or not application.pledge_agreed:
        application.pledge_agreed = False
        application.pledge_text = []
    else:
        application.pledge_text = facility_pledge_clauses(application.program)
        application.pledge_signed_on = application.pledge_signed_on or timezone.localdate()


def _replace_registrants(application, registrants):
    # Rows are the applicant's latest word; simple-history keeps what they said before.
    for old in application.registrants.all():
        old.delete()
    for position, row in enumerate(registrants, 1):
        registrant = Registrant(application=application, position=position,
                                **{name: row.get(name, "") for name in REGISTRANT_FIELDS})
        registrant.is_admin = bool(row.get("is_admin"))
        save_with_history(registrant, None)


def _allocate_receipt(program):
    _lock_program(program)
    year = timezone.localdate().year
    last = Application.objects.filter(program=program, receipt_year=year).aggregate(n=Max("receipt_sequence"))["n"]
    sequence = (last or 0) + 1
    return year, sequence, f"{program.code}-{year}-{sequence:04d}"


# --- The applicant ------------------------------------------------------------------------


def application_submit(*, program, data, registrants, submission_key=None):
    """Receive an application from the public form (or record a registration where nobody approves).

    Raises PolicyBlocked (with the articles) when the policy stops it; warnings are kept
    on the application. Returns the application with its 受付番号 and private link. The same
    `submission_key` sent again raises AlreadySubmitted with the application it made.
    """
    try:
        return _submit(program=program, data=data, registrants=registrants, submission_key=submission_key or None)
    except IntegrityError:
        # Two sends of one form at the same moment: the one that lost the race finds the other's.
        existing = Application.objects.filter(submission_key=submission_key).first() if submission_key else None
        if existing is None:
            raise
        raise AlreadySubmitted(existing) from None


@transaction.atomic
def _submit(*, program, data, registrants, submission_key):
    warnings = check_applicant_submission(program, data, registrants)
    year, sequence, number = _allocate_receipt(program)  # locks the program: sends queue up here
    if submission_key:
        existing = Application.objects.filter(submission_key=submission_key).first()
        if existing is not None:
            raise AlreadySubmitted(existing)
    application = Application(
        program=program, receipt_year=year, receipt_sequence=sequence, receipt_number=number,
        access_token=secrets.token_urlsafe(32), findings=warnings, submission_key=submission_key,
    )
    _apply_data(application, data)
    save_with_history(application, None)
    _mark_duplicates(application)
    _replace_registrants(application, registrants)
    application.submitted_at = timezone.now()
    _move(application, S.SUBMITTED, kind=EventKind.SUBMITTED)
    if not program.policy.secretariat_approves and not application.blocks:
        # The variant records registrations (届出) instead of approving them. One that names an
        # address already in use waits in the queue for the secretariat, like an application.
        _enroll(application, by=None, kind=EventKind.REGISTERED, comment="届出として記録しました（承認は不要です）。")
    else:
        emails.secretariat_received(application)
    emails.applicant_received(application)
    return application


@transaction.atomic
def application_resubmit(*, application, data, registrants):
    """The applicant's corrected application, answering a return (差戻し)."""
    application = _locked(application)
    _refuse(application, S.RESUBMITTED, "再提出")
    warnings = check_applicant_submission(application.program, data, registrants)
    _apply_data(application, data)
    application.findings = warnings
    _replace_registrants(application, registrants)
    _move(application, S.RESUBMITTED, kind=EventKind.RESUBMITTED)
    _mark_duplicates(application)
    emails.secretariat_received(application, resubmitted=True)
    return application


@transaction.atomic
def application_withdraw(*, application, by=None, reason=""):
    """The applicant (or the secretariat on their behalf) takes the application back."""
    application = _locked(application)
    _refuse(application, S.WITHDRAWN, "取り下げ")
    application.decision_reason = reason
    application.decided_at = timezone.now()
    _move(application, S.WITHDRAWN, kind=EventKind.WITHDRAWN, by=by, comment=reason)
    return application


# --- The secretariat ----------------------------------------------------------------------


@transaction.atomic
def application_return(*, application, by, comment, deadline):
    """Send the application back for correction, with what to fix and by when."""
    application = _locked(application)
    _refuse(application, S.RETURNED, "差し戻し")
    if not comment.strip():
        raise ValidationError({"comment": "差戻しの内容を書いてください。"})
    if deadline < timezone.localdate():
        raise ValidationError({"deadline": "期限は今日以降の日付にしてください。"})
    application.return_comment = comment
    application.return_deadline = deadline
    _move(application, S.RETURNED, kind=EventKind.RETURNED, by=by, comment=comment, deadline=deadline)
    emails.applicant_status(application)
    return application


@transaction.atomic
def application_reject(*, application, by, reason):
    application = _locked(application)
    _refuse(application, S.REJECTED, "却下")
    if not reason.strip():
        raise ValidationError({"reason": "却下の理由を書いてください。"})
    application.decision_reason = reason
    application.decided_at = timezone.now()
    application.decided_by = by
    _move(application, S.REJECTED, kind=EventKind.REJECTED, by=by, comment=reason)
    emails.applicant_status(application)
    return application


@transaction.atomic
def application_approve(*, application, by):
    """Approve exactly once: the facility is enrolled, its registrants become staff records,
    and each designated administrator is invited to set a password.

    Two secretaries pressing 承認 together: the second waits for the first's row lock,
    then finds the application approved and gets TransitionError("すでに承認されています").
    """
    application = _locked(application)
    _refuse(application, S.APPROVED, "承認")
    _refuse_own(application, by)
    _enroll(application, by=by, kind=EventKind.APPROVED)
    return application


def _enroll(application, *, by, kind, comment=""):
    """Enroll the facility and its staff through facilities' services, make each designated
    administrator's login, and mark the application approved.

    A registration nobody approved (kind REGISTERED) makes no login: the administrators wait
    for the contact's e-mail confirmation and the secretariat's acknowledgement
    (application_acknowledge)."""
    program = _lock_program(application.program)  # one approval at a time per program, checks included
    registrants = list(application.registrants.order_by("position"))
    # Staff may have joined since submission: the policy is asked again about what can change.
    check_submission(program, _stored_data(application), [_stored_row(r) for r in registrants])
    facility = facility_enroll(
        program=program, by=by, name=application.facility_name, name_kana=application.facility_name_kana,
        kind=application.facility_kind, postal_code=application.postal_code, address=application.address,
        phone=application.phone, fax=application.fax,
    )
    admins = []
    for registrant in registrants:
        # Active at once where the variant asks nothing more (e.g. no staff pledge); else pending
        # on the ledger with what is missing.
        staff = staff_add(
            facility=facility, by=by, full_name=registrant.full_name, full_name_kana=registrant.full_name_kana,
            gender=registrant.gender, job=registrant.job, email=registrant.email, is_admin=registrant.is_admin,
            on_notice=False,
        )
        if registrant.is_admin and kind != EventKind.REGISTERED:
            admins.append(facility_admin_grant(staff=staff, by=by))
        registrant.staff = staff
        save_with_history(registrant, by)
    application.facility = facility
    application.decided_at = timezone.now()
    application.decided_by = by
    if kind != EventKind.REGISTERED:  # a member approved it: that is the human step
        application.acknowledged_at, application.acknowledged_by = application.decided_at, by
    _move(application, S.APPROVED, kind=kind, by=by, comment=comment)
    for user in admins:
        emails.admin_invitation(user=user, facility=facility)
    if program.policy.secretariat_approves:
        emails.applicant_status(application)
    return facility


def _stored_data(application):
    return {name: getattr(application, name) for name in APPLICATION_FIELDS}


def _stored_row(registrant):
    return {name: getattr(registrant, name) for name in REGISTRANT_FIELDS}


@transaction.atomic
def application_resend_invitations(*, application, by):
    """Send the administrators' set-password links again (they expire; see PASSWORD_RESET_TIMEOUT)."""
    application = _locked(application)
    if application.status != S.APPROVED:
        raise TransitionError("承認済みの申込だけ、管理者へ案内を送れます。", code="not_approved")
    if application.awaits_acknowledgement:
        raise TransitionError("受付確認の前は、管理者へ案内を送れません。", code="not_acknowledged")
    admins = list(
        Role.objects.filter(facility=application.facility, kind=RoleKind.FACILITY_ADMIN, is_active=True)
        .select_related("user", "program")
    )
    _record(application, kind=EventKind.INVITED, from_status=application.status, by=by,
            comment=f"{len(admins)}名に送信")
    for role in admins:
        emails.admin_invitation(user=role.user, facility=application.facility)
    return len(admins)


# --- Registration without approval: the human steps before the first login -------------------


@transaction.atomic
def application_confirm_email(*, application):
    """The contact opened the link e-mailed to them: the address is theirs. Idempotent."""
    application = _locked(application)
    if application.email_confirmed_at is not None:
        return application
    application.email_confirmed_at = timezone.now()
    save_with_history(application, None)
    _record(application, kind=EventKind.EMAIL_CONFIRMED, from_status=application.status)
    if application.awaits_acknowledgement:
        emails.secretariat_received(application, confirmed=True)
    return application


@transaction.atomic
def application_acknowledge(*, application, by):
    """The secretariat has checked the registration (e.g. called the facility back): the designated
    administrators get their logins and the set-password links. Exactly once."""
    application = _locked(application)
    if not application.awaits_acknowledgement:
        raise _stale(application, "受付確認")
    if application.email_confirmed_at is None:
        raise ValidationError(
            "申込者がまだメールアドレスを確認していません。確認のメールのリンクが開かれてから受付確認できます。",
            code="email_unconfirmed",
        )
    _refuse_own(application, by)
    admins = [
        facility_admin_grant(staff=r.staff, by=by)
        for r in application.registrants.filter(is_admin=True).select_related("staff").order_by("position")
        if r.staff_id
    ]
    application.acknowledged_at = timezone.now()
    application.acknowledged_by = by
    save_with_history(application, by)
    _record(application, kind=EventKind.ACKNOWLEDGED, from_status=application.status, by=by,
            comment=f"管理者{len(admins)}名のログインを有効にしました")
    for user in admins:
        emails.admin_invitation(user=user, facility=application.facility)
    return application
