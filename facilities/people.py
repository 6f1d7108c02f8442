"""People and roles: granting and revoking roles as recorded actions, and invitations.

Every write here is a keyword-only service in one transaction (docs/decisions/0013):
- who may grant what is decided here, not only by the view: the secretariat grants every kind in
  its program; a facility's MCS管理者 grants coordinators and administrators of their own facility;
  nobody else grants anything;
- a facility role goes to an active (利用中) line of that facility's ledger, whose login it links;
- the administrator rules hold at every change (ROL-ADMIN, ROL-ADMIN-ONE): the facility row is
  locked while its administrators are counted, so two changes at once are counted one after the other;
- someone without a password gets an invitation: a link valid INVITATION_DAYS days.
"""

import datetime
import hashlib
import secrets

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Prefetch
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import services as accounts
from accounts.models import User
from core import emails
from core.services import policy_check
from core.services import save_with_history as _save
from policy.rules import check

from . import hooks
from .life_models import suspension_facts
from .models import (
    FACILITY_ROLES,
    PROGRAM_ROLES,
    AccountAction,
    AccountActionKind,
    Facility,
    FacilityStatus,
    Invitation,
    Program,
    RemovalReason,
    Role,
    RoleKind,
    Staff,
    StaffStatus,
    role_facility_ids,
)

INVITATION_DAYS = 7

NOT_ALLOWED = "この役割を付与・取消する権限がありません。"
ALREADY_REVOKED = "この役割はすでに取り消されています。画面を開き直して、いまの状態を確認してください。"


def kind_label(program, kind):
    """The role's name as the program's policy says it: the facility administrator is called what
    the variant calls it (いつつばし連絡帳管理者, 武蔵村山市MCS管理者...), the others as RoleKind says."""
    return program.policy.admin_label if kind == RoleKind.FACILITY_ADMIN else RoleKind(kind).label


def role_label(role):
    return kind_label(role.program, role.kind)


def _writes_for_program(user, program):
    """Full secretariat rights (not read-only) in the program."""
    if user.is_superuser:
        return True
    return Role.objects.filter(
        user=user, program=program, kind=RoleKind.SECRETARIAT, is_active=True, program__is_active=True
    ).exists()


def may_grant(user, *, program, kind, facility=None):
    """Whether `user` may grant (or revoke) `kind` at `facility` (None: a program role)."""
    if _writes_for_program(user, program):
        return True
    if kind in PROGRAM_ROLES or facility is None:
        return False
    return facility.pk in role_facility_ids(user, RoleKind.FACILITY_ADMIN)


def grantable_kinds(user, *, program, facility=None):
    kinds = PROGRAM_ROLES if facility is None else FACILITY_ROLES
    return [k for k in RoleKind if k in kinds and may_grant(user, program=program, kind=k, facility=facility)]


def _check_admins(facility, count):
    """Ask the engine about the facility's administrators after the change (active facilities only)."""
    if facility.status == FacilityStatus.ACTIVE:
        policy_check(facility.program, "change_admins", {"admin_count": count})


def _active_admins(facility):
    return Role.objects.filter(facility=facility, kind=RoleKind.FACILITY_ADMIN, is_active=True)


def _lock_facility(facility):
    return Facility.objects.select_for_update().select_related("program").get(pk=facility.pk)


def _login_for(*, email, full_name, full_name_kana=""):
    """The login for an address: the existing one (any case), else a new one without a password."""
    user = User.objects.filter(email__iexact=email.strip()).first()
    if user is None:
        user = User.objects.create_user(email.strip(), None, full_name=full_name, full_name_kana=full_name_kana)
    if not user.is_active:
        raise ValidationError("このメールアドレスのアカウントは停止されています。事務局に確認してください。")
    return user


def _refuse_mixing_read_only(user, kind):
    """A 閲覧のみ account holds nothing else, so that refusing its writes never hides another role."""
    others = Role.objects.filter(user=user, is_active=True)
    if kind == RoleKind.SECRETARIAT_READONLY and others.exclude(kind=kind).exists():
        raise ValidationError("この人はほかの役割を持っています。閲覧のみの役割は、ほかの役割のない人にだけ付与できます。")
    if kind != RoleKind.SECRETARIAT_READONLY and others.filter(kind=RoleKind.SECRETARIAT_READONLY).exists():
        raise ValidationError("この人は閲覧のみの役割を持っています。先にその役割を取り消してください。")


def _activate(role, *, by, reason):
    now = timezone.now()
    role.is_active = True
    role.granted_at, role.granted_by, role.grant_reason = now, by, reason
    role.revoked_at, role.revoked_by, role.revoke_reason = None, None, ""
    return _save(role, by)


def _end(role, *, by, reason):
    role.is_active = False
    role.revoked_at, role.revoked_by, role.revoke_reason = timezone.now(), by, reason
    _save(role, by)
    for invitation in Invitation.objects.select_for_update().filter(
        role=role, accepted_at__isnull=True, cancelled_at__isnull=True
    ):
        invitation.cancelled_at, invitation.cancelled_by = timezone.now(), by
        _save(invitation, by)
    return role


def _reason(reason):
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": ["理由を書いてください（例: 4月から連携リーダーを担当）。"]})
    return reason


def _grant(*, program, by, kind, reason, user, facility=None):
    role = Role.objects.select_for_update().filter(user=user, program=program, facility=facility, kind=kind).first()
    if role is not None and role.is_active:
        raise ValidationError(f"{user.full_name}さんはすでに「{role_label(role)}」です。")
    _refuse_mixing_read_only(user, kind)
    role = role or Role(user=user, program=program, facility=facility, kind=kind)
    _activate(role, by=by, reason=reason)
    if not user.has_usable_password():
        _invite(role=role, by=by)
    return role


def _staff_for_role(staff, facility):
    staff = Staff.objects.select_for_update().get(pk=staff.pk)
    if staff.facility_id != facility.pk:
        raise ValidationError({"staff": ["この施設の管理台帳にいる職員を選んでください。"]})
    if staff.status != StaffStatus.ACTIVE:
        raise ValidationError({"staff": [
            f"{staff.full_name}さんは「{staff.get_status_display()}」です。役割は利用中の職員にだけ付与できます。"
        ]})
    return staff


def _link(staff, by):
    """The ledger line and the login become one person (the engine's facts come from the ledger)."""
    user = staff.user or _login_for(email=staff.email, full_name=staff.full_name, full_name_kana=staff.full_name_kana)
    if staff.user_id != user.pk:
        staff.user = user
        _save(staff, by, validate_constraints=False)
    return user


@transaction.atomic
def facility_role_grant(*, facility, by, kind, staff, reason):
    """Grant a coordinator or administrator role at `facility` to a line of its ledger."""
    facility = _lock_facility(facility)
    if kind not in FACILITY_ROLES or not may_grant(by, program=facility.program, kind=kind, facility=facility):
        raise ValidationError(NOT_ALLOWED)
    if facility.status != FacilityStatus.ACTIVE:
        raise ValidationError(f"「{facility.get_status_display()}」の施設には役割を付与できません。")
    reason = _reason(reason)
    staff = _staff_for_role(staff, facility)
    # Nobody suspended is given a role (ROLE-SUSPENDED), whichever page grants it.
    policy_check(facility.program, "grant_role",
                 suspension_facts(facility=facility, staff=staff, today=timezone.localdate()))
    user = _link(staff, by)
    role = _grant(program=facility.program, by=by, kind=kind, reason=reason, user=user, facility=facility)
    if kind == RoleKind.FACILITY_ADMIN:
        _check_admins(facility, _active_admins(facility).count())
        if not staff.is_admin:
            staff.is_admin = True
            _save(staff, by, validate_constraints=False)
        hooks.admin_changed.call(staff=staff, facility=facility, by=by, became_admin=True)
    return role


@transaction.atomic
def program_role_grant(*, program, by, kind, email, full_name, reason):
    """Grant a secretariat role (member or read-only) to a person by e-mail address."""
    if kind not in PROGRAM_ROLES or not may_grant(by, program=program, kind=kind):
        raise ValidationError(NOT_ALLOWED)
    reason = _reason(reason)
    full_name = (full_name or "").strip()
    if not full_name:
        raise ValidationError({"full_name": ["氏名を入力してください。"]})
    user = _login_for(email=email, full_name=full_name)
    return _grant(program=program, by=by, kind=kind, reason=reason, user=user)


@transaction.atomic
def role_revoke(*, role, by, reason, successor=None):
    """Revoke a role (it is kept, inactive, with who, when and why).

    Revoking an administrator: the engine counts who is left; where that breaks the rules the
    successor (an active line of the same facility's ledger) must be named, and is made
    administrator in this same transaction. A role someone else revoked a moment ago is refused.
    """
    facility = _lock_facility(role.facility) if role.facility_id else None
    if role.kind == RoleKind.SECRETARIAT:
        # Counted under the program's lock (as account_deactivate): two members revoking each
        # other at once are counted one after the other, and one of them stays.
        Program.objects.select_for_update().get(pk=role.program_id)
    role = Role.objects.select_for_update().select_related("user", "program").get(pk=role.pk)
    if not may_grant(by, program=role.program, kind=role.kind, facility=facility):
        raise ValidationError(NOT_ALLOWED)
    if not role.is_active:
        raise ValidationError(ALREADY_REVOKED)
    if is_last_secretariat_role(role):
        raise ValidationError(last_secretariat_message(role))
    reason = _reason(reason)
    _end(role, by=by, reason=reason)
    if role.kind != RoleKind.FACILITY_ADMIN:
        if successor is not None:
            raise ValidationError({"successor": ["後任を指定できるのは管理者の取消のときだけです。"]})
        return role
    Staff.objects.filter(facility=facility, user=role.user, is_admin=True).exclude(status=StaffStatus.REMOVED).update(
        is_admin=False
    )
    if successor is not None:
        successor = _staff_for_role(successor, facility)
        if successor.user_id == role.user_id:
            raise ValidationError({"successor": ["取り消す本人以外の職員を後任に選んでください。"]})
        user = _link(successor, by)
        _grant(program=role.program, by=by, kind=RoleKind.FACILITY_ADMIN, user=user, facility=facility,
               reason=f"{role.user.full_name}さんの後任（{reason}）")
        if not successor.is_admin:
            successor.is_admin = True
            _save(successor, by, validate_constraints=False)
    _check_admins(facility, _active_admins(facility).count())
    # The 施設管理者連絡網 follows (it reads the saved ledger: one call for the revoked and the successor).
    hooks.admin_changed.call(staff=None, facility=facility, by=by, became_admin=False)
    return role


def is_last_secretariat_role(role):
    """Whether `role` is the program's last active secretariat role held by an active login
    (read-only members cannot run the network, so they do not count)."""
    if role.kind != RoleKind.SECRETARIAT or not role.is_active or not role.user.is_active:
        return False
    others = Role.objects.filter(program_id=role.program_id, kind=RoleKind.SECRETARIAT, is_active=True,
                                 user__is_active=True).exclude(pk=role.pk)
    return not others.exists()


def last_secretariat_message(role):
    return (
        f"{role.user.full_name}さんはこのネットワークで最後の事務局メンバーです。ネットワークには事務局が1人は"
        "必要です（閲覧のみの人は数えません）。先にほかの人を事務局にしてから取り消してください。"
    )


def sole_admin_roles(user, program):
    """`user`'s active administrator roles in `program` at facilities where no other active login is
    administrator: stopping `user` leaves those facilities with no administrator who can log in."""
    others = Role.objects.filter(facility=OuterRef("facility"), kind=RoleKind.FACILITY_ADMIN, is_active=True,
                                 user__is_active=True).exclude(user=user)
    return (
        Role.objects.filter(user=user, program=program, kind=RoleKind.FACILITY_ADMIN, is_active=True)
        .exclude(Exists(others)).select_related("facility").order_by("facility__number")
    )


def admin_rule_blocks_revoke(role):
    """Whether revoking `role` alone would break the administrator rules (the form then asks a successor)."""
    if role.kind != RoleKind.FACILITY_ADMIN or role.facility.status != FacilityStatus.ACTIVE:
        return False
    left = _active_admins(role.facility).exclude(pk=role.pk).count()
    return any(v.severity == "block" for v in check(role.program.variant, "change_admins", {"admin_count": left}))


def roles_end_for_removed_staff(*, staff, by, reason):
    """Removing a ledger line ends the roles it carries, with the administrator rules asked after.

    Called by facilities.services.staff_remove inside its transaction.
    """
    if not staff.user_id:
        return 0
    facility = _lock_facility(staff.facility)
    roles = list(Role.objects.select_for_update().filter(user_id=staff.user_id, facility=facility, is_active=True))
    for role in roles:
        _end(role, by=by, reason=reason)
    # A facility that withdraws loses every administrator on purpose (facilities.life.facility_withdraw).
    withdrawing = getattr(getattr(staff, "removal", None), "reason", None) == RemovalReason.FACILITY_WITHDRAWN
    if not withdrawing and any(r.kind == RoleKind.FACILITY_ADMIN for r in roles):
        _check_admins(facility, _active_admins(facility).count())
    return len(roles)


def admin_role_end(*, staff, by, reason):
    """The ledger says `staff` is no longer an administrator: their FACILITY_ADMIN role ends too
    (recorded like a revocation). The caller asks the administrator rules (admins_check) after."""
    roles = Role.objects.select_for_update().filter(
        user_id=staff.user_id, facility_id=staff.facility_id, kind=RoleKind.FACILITY_ADMIN, is_active=True
    ) if staff.user_id else Role.objects.none()
    for role in roles:
        _end(role, by=by, reason=reason)


def admins_check(facility):
    """Ask the engine about the facility's administrators as they now are (ROL-ADMIN, ROL-ADMIN-ONE)."""
    _check_admins(facility, _active_admins(facility).count())


def roles_end_at_withdrawal(*, facility, by, reason):
    """Every role still active at a withdrawing facility ends, recorded like a revocation
    (who, when, why; open invitations cancelled). Called by facilities.life.facility_withdraw."""
    roles = list(Role.objects.select_for_update().filter(facility=facility, is_active=True))
    for role in roles:
        _end(role, by=by, reason=reason)
    return len(roles)


# --- Accounts: two-factor reset, deactivation, reactivation --------------------------------------

OTHER_NETWORK = (
    "{name}さんのアカウントはほかのネットワークでも使われています。"
    "このネットワークの事務局だけでは操作できません。ポータルの運用担当者に連絡してください。"
)


def account_refusal(by, *, program, user):
    """Why the program's secretariat may not act on `user`'s login ("" when it may).

    A login is one person's across programs: the secretariat acts only on one whose active roles
    are all in its program, never on its own (their own security page is theirs) nor on an
    operator's (staff or superuser)."""
    if not _writes_for_program(by, program):
        return NOT_ALLOWED
    if user.pk == by.pk:
        return "自分のアカウントはここでは操作できません（二要素認証はアカウントのセキュリティ画面から設定し直せます）。"
    if user.is_staff or user.is_superuser:
        return "運用担当者のアカウントはここでは操作できません。"
    if Role.objects.filter(user=user, is_active=True).exclude(program=program).exists():
        return OTHER_NETWORK.format(name=user.full_name)
    if not Role.objects.filter(user=user, program=program).exists():
        return "このネットワークで役割を持ったことのない人です。"
    return ""


def _locked_login(*, program, user, by):
    """The login, locked (a double submit waits and then finds the work done), if `by` may act on it."""
    user = User.objects.select_for_update().get(pk=user.pk)
    refusal = account_refusal(by, program=program, user=user)
    if refusal:
        raise ValidationError(refusal)
    return user


def _record(*, program, user, by, kind, reason):
    _save(AccountAction(user=user, program=program, kind=kind, reason=_reason(reason), by=by), by)
    user._history_user = by  # the login's own history names who stopped or restarted it


@transaction.atomic
def account_two_factor_reset(*, program, user, by, reason):
    """A lost phone: every device is forgotten and the person sets two-factor up at the next login."""
    user = _locked_login(program=program, user=user, by=by)
    if not accounts.has_two_factor(user):
        raise ValidationError(f"{user.full_name}さんの二要素認証はすでにリセットされています（未設定）。")
    _record(program=program, user=user, by=by, kind=AccountActionKind.TWO_FACTOR_RESET, reason=reason)
    accounts.two_factor_reset(user=user)
    return user


def _last_secretariat(program, user):
    mine = Role.objects.filter(program=program, kind=RoleKind.SECRETARIAT, is_active=True)
    return mine.filter(user=user).exists() and not mine.filter(user__is_active=True).exclude(user=user).exists()


@transaction.atomic
def account_deactivate(*, program, user, by, reason):
    """Stop the login (its sessions end at their next request); roles and records stay.

    The network keeps one active secretariat member: the program row is locked while they are
    counted, so two members stopping each other at once are counted one after the other."""
    Program.objects.select_for_update().get(pk=program.pk)
    user = _locked_login(program=program, user=user, by=by)
    if not user.is_active:
        raise ValidationError(f"{user.full_name}さんのアカウントはすでに停止されています。")
    if _last_secretariat(program, user):
        raise ValidationError(
            f"{user.full_name}さんはこのネットワークで最後の事務局メンバーです。"
            "ネットワークには事務局が1人は必要です。先にほかの人を事務局にしてから停止してください。"
        )
    _record(program=program, user=user, by=by, kind=AccountActionKind.DEACTIVATE, reason=reason)
    return accounts.user_deactivate(user=user)


@transaction.atomic
def account_reactivate(*, program, user, by, reason):
    """Let a stopped login in again (its password and two-factor are as they were)."""
    user = _locked_login(program=program, user=user, by=by)
    if user.is_active:
        raise ValidationError(f"{user.full_name}さんのアカウントはすでに有効です。")
    _record(program=program, user=user, by=by, kind=AccountActionKind.REACTIVATE, reason=reason)
    return accounts.user_reactivate(user=user)


# --- Invitations ------------------------------------------------------------------------------


def _digest(token):
    return hashlib.sha256(token.encode()).hexdigest()


def _send_invitation(invitation, token):
    role = invitation.role
    program = role.program
    emails.send(
        "facilities/email/invitation",
        {
            "user": invitation.user, "role": role, "role_label": role_label(role), "program": program,
            "policy": program.policy,
            "facility": role.facility, "days": INVITATION_DAYS,
            "url": emails.absolute_url("facilities:invitation-accept", invitation_token=token),
            "expires_on": timezone.localdate(invitation.expires_at),
        },
        [invitation.user.email],
    )


def _new_token(invitation, by):
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    invitation.token_hash = _digest(token)
    invitation.sent_at, invitation.expires_at = now, now + datetime.timedelta(days=INVITATION_DAYS)
    _save(invitation, by)
    _send_invitation(invitation, token)
    return invitation


def _invite(*, role, by):
    return _new_token(Invitation(role=role, user=role.user, created_by=by), by)


def role_invite(*, role, by):
    """Invite the login of a role just granted elsewhere (the yearly confirmation's new
    administrator) to set a password, as a grant on the 役割と招待 page does."""
    return _invite(role=role, by=by)


def _locked_invitation(invitation):
    return Invitation.objects.select_for_update(of=("self",)).select_related("role__program", "role__facility", "user").get(
        pk=invitation.pk
    )


def _still_open(invitation):
    if invitation.accepted_at:
        raise ValidationError("この招待はすでに使われています（パスワード設定済み）。")
    if invitation.cancelled_at:
        raise ValidationError("この招待はすでに取り消されています。")


def _may_manage_invitation(by, invitation):
    role = invitation.role
    if not may_grant(by, program=role.program, kind=role.kind, facility=role.facility):
        raise ValidationError(NOT_ALLOWED)


@transaction.atomic
def invitation_resend(*, invitation, by):
    """A new link (the old one stops working) valid INVITATION_DAYS days from now."""
    invitation = _locked_invitation(invitation)
    _may_manage_invitation(by, invitation)
    _still_open(invitation)
    if not invitation.role.is_active:
        raise ValidationError(ALREADY_REVOKED)
    invitation.send_count += 1
    return _new_token(invitation, by)


@transaction.atomic
def invitation_cancel(*, invitation, by, reason):
    """Cancel an unused invitation: the link stops working and the role it carried is revoked."""
    invitation = _locked_invitation(invitation)
    _may_manage_invitation(by, invitation)
    _still_open(invitation)
    role = invitation.role
    if role.is_active:
        role_revoke(role=role, by=by, reason=f"招待を取消: {_reason(reason)}")
        invitation.refresh_from_db()
    if invitation.cancelled_at is None:
        invitation.cancelled_at, invitation.cancelled_by = timezone.now(), by
        _save(invitation, by)
    return invitation


INVALID_LINK = "このリンクは使えません（期限切れ、取消済み、または使用済み）。事務局または施設のMCS管理者に再送を依頼してください。"


def invitation_for_token(token):
    """The open invitation behind a link, or None (unknown, used, cancelled, expired, role revoked)."""
    invitation = (
        Invitation.objects.select_related("user", "role__program", "role__facility")
        .filter(token_hash=_digest(token or "")).first()
    )
    return invitation if invitation is not None and _usable(invitation) else None


def _usable(invitation):
    if invitation.accepted_at or invitation.cancelled_at or invitation.expires_at <= timezone.now():
        return False
    return invitation.role.is_active and invitation.user.is_active


@transaction.atomic
def invitation_accept(*, invitation, form):
    """Set the password from the invitation's form (accounts' SetPasswordForm), once."""
    invitation = _locked_invitation(invitation)
    if not _usable(invitation):
        raise ValidationError(INVALID_LINK)
    user = form.save()
    invitation.accepted_at = timezone.now()
    _save(invitation, user)
    return user


# --- The people page ---------------------------------------------------------------------------


def people_of_program(program):
    """Everyone who holds or held a role in the program, with their roles, 2FA state, last login and
    the secretariat's account actions (newest first).

    Three queries whatever the number of people: the users (2FA as a subquery), their roles, the actions.
    """
    roles = Role.objects.filter(program=program).select_related("facility").order_by("-is_active", "kind", "pk")
    actions = AccountAction.objects.filter(program=program).select_related("by")
    return (
        User.objects.filter(roles__program=program).distinct()
        .annotate(has_2fa=Exists(TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)))
        .prefetch_related(
            Prefetch("roles", queryset=roles, to_attr="program_roles"),
            Prefetch("account_actions", queryset=actions, to_attr="program_account_actions"),
        )
        .order_by("full_name_kana", "full_name", "pk")
    )

