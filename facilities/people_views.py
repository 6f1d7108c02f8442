"""The people pages: who holds which role (program and facility), grants, revocations, invitations."""

from django.contrib import messages
from django.contrib.auth import login, password_validation
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from accounts.forms import SetPasswordForm
from accounts.services import has_two_factor
from core.csv import csv_response
from core.forms import add_service_errors
from core.views import show_errors
from policy.rules import profile

from . import people
from .access import (
    get_account_for_user,
    get_facility_for_user,
    get_invitation_for_user,
    get_program_for_user,
    get_role_for_user,
)
from .models import FACILITY_ROLES, AccountActionKind, Invitation, Role, RoleKind, Staff, StaffStatus
from .people_forms import (
    AccountActionForm,
    CancelInvitationForm,
    FacilityRoleForm,
    PeopleFilterForm,
    ProgramRoleForm,
    RevokeForm,
)


def _people(program, filters):
    users = people.people_of_program(program)
    data = filters.cleaned_data if filters.is_valid() else {}
    q, kind, state, two_factor = (data.get(k, "") for k in ("q", "kind", "state", "two_factor"))
    if q:
        users = users.filter(full_name__icontains=q) | users.filter(full_name_kana__icontains=q) | users.filter(
            email__icontains=q
        )
    roles = Role.objects.filter(program=program)
    if kind:
        roles = roles.filter(kind=kind)
    if state == "revoked":
        users = users.exclude(pk__in=Role.objects.filter(program=program, is_active=True).values("user_id"))
    elif state != "all":
        roles = roles.filter(is_active=True)
    users = users.filter(pk__in=roles.values("user_id"))
    if two_factor:
        users = users.filter(has_2fa=two_factor == "on")
    return users


def people_list(request, slug):
    """Everyone with a role in the program: roles, facility, last login, two-factor state."""
    program = get_program_for_user(request.user, slug, secretariat=True)
    filters = PeopleFilterForm(request.GET or None, program=program)
    users = list(_people(program, filters))
    can_grant = people.may_grant(request.user, program=program, kind=RoleKind.SECRETARIAT)
    return render(request, "facilities/people_list.html", {
        "program": program, "policy": program.policy, "filters": filters, "users": users, "can_grant": can_grant,
        "query": request.GET.urlencode(),
    })


def people_csv(request, slug):
    program = get_program_for_user(request.user, slug, secretariat=True)
    users = _people(program, PeopleFilterForm(request.GET or None, program=program))
    header = ["氏名", "カナ", "メールアドレス", "役割", "施設番号", "施設", "状態", "付与日", "最終ログイン", "二要素認証",
              "アカウント"]

    def rows():
        for user in users:
            for role in user.program_roles:
                facility = role.facility
                yield [
                    user.full_name, user.full_name_kana, user.email, people.kind_label(program, role.kind),
                    facility.number if facility else "", facility.name if facility else "",
                    "有効" if role.is_active else "取消済み",
                    timezone.localdate(role.granted_at or role.created_at).isoformat(),
                    timezone.localtime(user.last_login).strftime("%Y-%m-%d %H:%M") if user.last_login else "",
                    "設定済み" if user.has_2fa else "未設定", "有効" if user.is_active else "停止",
                ]

    return csv_response(header, rows(), f"people_{program.slug}.csv")


@require_http_methods(["GET", "POST"])
def program_role_grant(request, slug):
    program = get_program_for_user(request.user, slug, secretariat=True)
    if not people.may_grant(request.user, program=program, kind=RoleKind.SECRETARIAT):
        raise PermissionDenied
    form = ProgramRoleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            role = people.program_role_grant(program=program, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _granted(role))
            return redirect("facilities:people", slug=program.slug)
    return render(request, "facilities/role_grant.html", {"program": program, "form": form})


def _granted(role):
    text = f"{role.user.full_name}さんを「{people.role_label(role)}」にしました。"
    if not role.user.has_usable_password():
        text += f"パスワード設定の案内をメールで送りました（有効期限{people.INVITATION_DAYS}日）。"
    return text


@require_http_methods(["GET", "POST"])
def facility_people(request, facility_pk):
    """A facility's roles and open invitations; its MCS管理者 and the secretariat grant here."""
    facility = get_facility_for_user(request.user, facility_pk, manage=True)
    kinds = people.grantable_kinds(request.user, program=facility.program, facility=facility)
    if not kinds:
        raise PermissionDenied
    form = FacilityRoleForm(request.POST or None, facility=facility, kinds=kinds)
    if request.method == "POST" and form.is_valid():
        try:
            role = people.facility_role_grant(facility=facility, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _granted(role))
            return redirect("facilities:facility-people", facility_pk=facility.pk)
    roles = (
        Role.objects.filter(facility=facility, kind__in=FACILITY_ROLES).select_related("user", "granted_by", "revoked_by")
        .order_by("-is_active", "kind", "user__full_name_kana", "pk")
    )
    now = timezone.now()
    invitations = list(
        Invitation.objects.filter(role__facility=facility).select_related("user", "role")
        .order_by("-sent_at", "-pk")[:50]
    )
    for invitation in invitations:
        invitation.state_now = invitation.state(now)
    return render(request, "facilities/facility_people.html", {
        "facility": facility, "policy": facility.program.policy, "form": form, "roles": roles,
        "invitations": invitations, "cancel_form": CancelInvitationForm(),
        "active_staff": Staff.objects.filter(facility=facility, status=StaffStatus.ACTIVE).count(),
    })


def _back(role):
    if role.facility_id:
        return redirect("facilities:facility-people", facility_pk=role.facility_id)
    return redirect("facilities:people", slug=role.program.slug)


@require_http_methods(["GET", "POST"])
def role_revoke(request, role_pk):
    role = get_role_for_user(request.user, role_pk, manage=True)
    if not role.is_active and request.method == "GET":
        messages.info(request, people.ALREADY_REVOKED)
        return _back(role)
    form = RevokeForm(request.POST or None, role=role)
    own = role.user_id == request.user.pk
    if request.method == "POST" and form.is_valid():
        try:
            people.role_revoke(role=role, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"{role.user.full_name}さんの「{people.role_label(role)}」を取り消しました。")
            if own and not request.user.is_superuser:
                return redirect("home")  # the page they came from may no longer be theirs
            return _back(role)
    return render(request, "facilities/role_revoke.html", {
        "role": role, "label": people.role_label(role), "form": form,
        "needs_successor": people.admin_rule_blocks_revoke(role), "policy": role.program.policy, "own": own,
        "last_secretariat": people.last_secretariat_message(role) if people.is_last_secretariat_role(role) else "",
    })


ACCOUNT_ACTIONS = {
    AccountActionKind.TWO_FACTOR_RESET: (people.account_two_factor_reset, "の二要素認証をリセットしました。次のログインで設定し直します。"),
    AccountActionKind.DEACTIVATE: (people.account_deactivate, "のアカウントを停止しました。ログイン中の画面も終了します。"),
    AccountActionKind.REACTIVATE: (people.account_reactivate, "のアカウントの利用を再開しました。"),
}


@require_http_methods(["GET", "POST"])
def account_action(request, slug, user_pk, kind):
    """Reset two-factor, stop or restart a login: GET says what will happen, POST does it."""
    program, account = get_account_for_user(request.user, slug, user_pk)
    act, done = ACCOUNT_ACTIONS[kind]
    form = AccountActionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            act(program=program, user=account, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"{account.full_name}さん{done}")
            return redirect("facilities:people", slug=program.slug)
    return render(request, "facilities/account_action.html", {
        "program": program, "account": account, "kind": kind, "kinds": AccountActionKind, "form": form,
        "refusal": people.account_refusal(request.user, program=program, user=account),
        "has_two_factor": has_two_factor(account),
        "roles": account.roles.filter(program=program, is_active=True).select_related("facility"),
        "policy": program.policy,
        "sole_admin_roles": people.sole_admin_roles(account, program) if kind == AccountActionKind.DEACTIVATE else [],
        "history": account.account_actions.filter(program=program).select_related("by")[:10],
    })


@require_POST
def invitation_resend(request, invitation_pk):
    invitation = get_invitation_for_user(request.user, invitation_pk, manage=True)
    try:
        people.invitation_resend(invitation=invitation, by=request.user)
    except ValidationError as exc:
        show_errors(request, exc)
    else:
        messages.success(request, f"{invitation.user.email} に案内を再送しました（有効期限{people.INVITATION_DAYS}日）。")
    return _back(invitation.role)


@require_POST
def invitation_cancel(request, invitation_pk):
    invitation = get_invitation_for_user(request.user, invitation_pk, manage=True)
    form = CancelInvitationForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError("取消の理由を書いてください。")
        people.invitation_cancel(invitation=invitation, by=request.user, reason=form.cleaned_data["reason"])
    except ValidationError as exc:
        show_errors(request, exc)
    else:
        messages.success(request, f"{invitation.user.email} への招待を取り消しました。")
    return _back(invitation.role)


@login_not_required
@require_http_methods(["GET", "POST"])
def invitation_accept(request, invitation_token):
    """The invited person sets a password, is signed in and goes on to set up two-factor."""
    invitation = people.invitation_for_token(invitation_token)
    if invitation is None:
        return render(request, "facilities/invitation_accept.html", {"invalid": people.INVALID_LINK}, status=404)
    form = SetPasswordForm(invitation.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = people.invitation_accept(invitation=invitation, form=form)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            login(request, user, backend="accounts.backends.EmailBackend")
            messages.success(request, "パスワードを設定しました。続けて二要素認証を設定してください。")
            return redirect("accounts:two-factor-setup")
    user = invitation.user
    return render(request, "facilities/invitation_accept.html", {
        "form": form, "invitation": invitation, "program": invitation.role.program,
        "password_help": password_validation.password_validators_help_texts(),
        "password_rules": [(profile(v).policy_title, profile(v).password_rule) for v in user.policy_variants()],
    })
