"""Scoped getters: the one way a view fetches a program or facility for a user.

Outsiders (another program or facility) get 404, so they learn nothing about what
exists; insiders without the needed role get 403.
"""

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from .models import Facility, Program, RoleKind, role_facility_ids, secretariat_program_ids


def is_secretariat(user, program):
    return user.is_superuser or program.pk in secretariat_program_ids(user)


def get_program_for_user(user, slug, *, secretariat=False):
    program = get_object_or_404(Program.objects.visible_to(user), slug=slug)
    if secretariat and not is_secretariat(user, program):
        raise PermissionDenied
    return program


def get_facility_for_user(user, pk, *, manage=False):
    """A facility the user can see; with manage=True, one whose ledger they may change."""
    facility = get_object_or_404(Facility.objects.visible_to(user).select_related("program"), pk=pk)
    if manage and not (
        is_secretariat(user, facility.program) or facility.pk in role_facility_ids(user, RoleKind.FACILITY_ADMIN)
    ):
        raise PermissionDenied
    return facility
