"""Scoped getters: the one way a view fetches a program, facility, staff member, notice or
yearly confirmation for a user.

Outsiders (another program or facility) get 404, so they learn nothing about what
exists; insiders without the needed role get 403.
"""

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from accounts.models import User

from .models import (
    ChangeNotice,
    ConfirmationCampaign,
    Facility,
    FacilityConfirmation,
    Invitation,
    NoticeLine,
    PledgeText,
    Program,
    Role,
    RoleKind,
    Staff,
    role_facility_ids,
    secretariat_program_ids,
)
from .people import may_grant


def is_secretariat(user, program):
    return user.is_superuser or program.pk in secretariat_program_ids(user)


def can_manage(user, facility):
    """May change the facility's ledger: its MCS管理者, or the program's secretariat."""
    admin_of = role_facility_ids(user, RoleKind.FACILITY_ADMIN)
    return is_secretariat(user, facility.program) or facility.pk in admin_of


def get_program_for_user(user, slug, *, secretariat=False):
    program = get_object_or_404(Program.objects.visible_to(user), slug=slug)
    if secretariat and not is_secretariat(user, program):
        raise PermissionDenied
    return program


def get_facility_for_user(user, pk, *, manage=False):
    """A facility the user can see; with manage=True, one whose ledger they may change."""
    facility = get_object_or_404(Facility.objects.visible_to(user).select_related("program"), pk=pk)
    if manage and not can_manage(user, facility):
        raise PermissionDenied
    return facility


def get_staff_for_user(user, pk, *, manage=False):
    """A line of a ledger the user can see; with manage=True, one they may change."""
    staff = get_object_or_404(
        Staff.objects.visible_to(user).select_related("program", "facility__program"), pk=pk
    )
    if manage and not can_manage(user, staff.facility):
        raise PermissionDenied
    return staff


def get_notice_for_user(user, pk, *, manage=False, secretariat=False):
    """A change notice the user can see; manage=True: the facility's side (file it);
    secretariat=True: the secretariat's side (acknowledge, ask for a correction)."""
    notice = get_object_or_404(
        ChangeNotice.objects.visible_to(user).select_related("program", "facility__program"), pk=pk
    )
    if manage and not can_manage(user, notice.facility):
        raise PermissionDenied
    if secretariat and not is_secretariat(user, notice.program):
        raise PermissionDenied
    return notice


def get_notice_line_for_user(user, pk, *, manage=False):
    """A line of a change notice the user can see; with manage=True, one whose facility they manage."""
    line = get_object_or_404(
        NoticeLine.objects.filter(notice__in=ChangeNotice.objects.visible_to(user)).select_related(
            "notice__program", "notice__facility__program", "staff__removal", "record"
        ),
        pk=pk,
    )
    if manage and not can_manage(user, line.notice.facility):
        raise PermissionDenied
    return line


def get_role_for_user(user, pk, *, manage=False):
    """A role the user can see; with manage=True, one they may revoke (facilities.people.may_grant)."""
    role = get_object_or_404(Role.objects.visible_to(user).select_related("user", "program", "facility"), pk=pk)
    if manage and not may_grant(user, program=role.program, kind=role.kind, facility=role.facility):
        raise PermissionDenied
    return role


def get_invitation_for_user(user, pk, *, manage=False):
    invitation = get_object_or_404(
        Invitation.objects.visible_to(user).select_related("user", "role__program", "role__facility"), pk=pk
    )
    role = invitation.role
    if manage and not may_grant(user, program=role.program, kind=role.kind, facility=role.facility):
        raise PermissionDenied
    return invitation


def get_campaign_for_user(user, pk):
    """A yearly confirmation campaign: the secretariat's; anyone else of the program gets 403."""
    campaign = get_object_or_404(
        ConfirmationCampaign.objects.filter(program__in=Program.objects.visible_to(user)).select_related("program"),
        pk=pk,
    )
    if not is_secretariat(user, campaign.program):
        raise PermissionDenied
    return campaign


def get_confirmation_for_user(user, pk):
    """One facility's yearly confirmation, for those who may change its ledger (who answer it)."""
    confirmation = get_object_or_404(
        FacilityConfirmation.objects.visible_to(user).select_related(
            "campaign__program", "facility__program", "submitted_by"
        ),
        pk=pk,
    )
    if not can_manage(user, confirmation.facility):
        raise PermissionDenied
    return confirmation


def get_account_for_user(user, slug, pk):
    """(program, login) for the secretariat's account pages: a login that holds or held a role in
    the program; only full secretariat rights act (the read-only member gets 403 already here)."""
    program = get_program_for_user(user, slug, secretariat=True)
    account = get_object_or_404(User.objects.filter(roles__program=program).distinct(), pk=pk)
    if not may_grant(user, program=program, kind=RoleKind.SECRETARIAT):
        raise PermissionDenied
    return program, account


def get_pledge_text_for_user(user, pk):
    """A published pledge version of a program whose secretariat the user is (404 outside it)."""
    text = get_object_or_404(PledgeText.objects.filter(program__in=Program.objects.visible_to(user))
                             .select_related("program"), pk=pk)
    if not is_secretariat(user, text.program):
        raise PermissionDenied
    return text
