"""Scoped getters: the one way a view fetches a program, facility, staff member or notice for a user.

Outsiders (another program or facility) get 404, so they learn nothing about what
exists; insiders without the needed role get 403.
"""

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from .models import (
    ChangeNotice,
    Facility,
    PledgeText,
    Program,
    RoleKind,
    Staff,
    role_facility_ids,
    secretariat_program_ids,
)


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


def get_pledge_text_for_user(user, pk):
    """A published pledge version of a program whose secretariat the user is (404 outside it)."""
    text = get_object_or_404(PledgeText.objects.filter(program__in=Program.objects.visible_to(user))
                             .select_related("program"), pk=pk)
    if not is_secretariat(user, text.program):
        raise PermissionDenied
    return text
