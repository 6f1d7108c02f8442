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
from django.db import transaction
from django.db.models import Max
from django.db.models.functions import Lower
from django.utils import timezone

from core.services import move_status, policy_check, save_with_history
from facilities.models import Program, Role, RoleKind, Staff
from facilities.services import facility_admin_grant, facility_enroll, staff_add
from facilities.texts import facility_pledge_clauses

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


def submission_facts(program, data, registrants):
    """The `submit_application` facts of this application, as MATRIX.md names them."""
    policy = program.policy
    emails = [r["email"] for r in registrants]
    facts = {
        "admin_count": sum(1 for r in registrants if r.get("is_admin")),
        "emails": emails,
        "emails_in_use": emails_in_use(program, emails),
        "facility_in_area": program.is_in_area(postal_code=data.get("postal_code", ""), address=data.get("address", "")),
        "out_of_area_reason": data.get("out_of_area_reason", "") or "",
    }
    if policy.facility_pledge_text is not None:
        facts["facility_pledge"] = bool(data.get("pledge_agreed"))
    if policy.asks_inviter:
        facts["invited_to_group"] = bool((data.get("invited_by") or "").strip())
    return facts


def check_submission(program, data, registrants):
    """The policy's warnings on this application (to store); raises PolicyBlocked if it blocks."""
    return policy_check(program, "submit_application", submission_facts(program, data, registrants))


# --- Small steps ---------------------------------------------------------------------------


def _locked(application):
    """The application's row, locked until the transaction ends: decisions queue up, one at a time."""
    return Application.objects.select_for_update().select_related("program").get(pk=application.pk)


def _lock_program(program):
    # Numbers (受付番号, 施設番号) are allocated one program at a time.
    return Program.objects.select_for_update().get(pk=program.pk)


def _refuse(application, to_status, verb):
    if application.can_move_to(to_status):
        return
    if application.status == S.APPROVED:
        raise TransitionError("この申込はすでに承認されています。", code="already_approved")
    raise TransitionError(
        f"この申込は「{application.get_status_display()}」のため、{verb}できません。", code="bad_transition"
    )


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


@transaction.atomic
def application_submit(*, program, data, registrants):
    """Receive an application from the public form (or record a registration where nobody approves).

    Raises PolicyBlocked (with the articles) when the policy stops it; warnings are kept
    on the application. Returns the application with its 受付番号 and private link.
    """
    warnings = check_submission(program, data, registrants)
    year, sequence, number = _allocate_receipt(program)
    application = Application(
        program=program, receipt_year=year, receipt_sequence=sequence, receipt_number=number,
        access_token=secrets.token_urlsafe(32), findings=warnings,
    )
    _apply_data(application, data)
    save_with_history(application, None)
    _replace_registrants(application, registrants)
    application.submitted_at = timezone.now()
    _move(application, S.SUBMITTED, kind=EventKind.SUBMITTED)
    if not program.policy.secretariat_approves:
        # The variant records registrations (届出) instead of approving them.
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
    warnings = check_submission(application.program, data, registrants)
    _apply_data(application, data)
    application.findings = warnings
    _replace_registrants(application, registrants)
    _move(application, S.RESUBMITTED, kind=EventKind.RESUBMITTED)
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
    _enroll(application, by=by, kind=EventKind.APPROVED)
    return application


def _enroll(application, *, by, kind, comment=""):
    """Enroll the facility and its staff through facilities' services, make each designated
    administrator's login, and mark the application approved."""
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
        if registrant.is_admin:
            admins.append(facility_admin_grant(staff=staff, by=by))
        registrant.staff = staff
        save_with_history(registrant, by)
    application.facility = facility
    application.decided_at = timezone.now()
    application.decided_by = by
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
    admins = list(
        Role.objects.filter(facility=application.facility, kind=RoleKind.FACILITY_ADMIN, is_active=True)
        .select_related("user", "program")
    )
    _record(application, kind=EventKind.INVITED, from_status=application.status, by=by,
            comment=f"{len(admins)}名に送信")
    for role in admins:
        emails.admin_invitation(user=role.user, facility=application.facility)
    return len(admins)
