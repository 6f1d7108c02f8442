"""Scoped getters for applications: the one way a view fetches one.

Secretariat pages: outsiders (another program) get 404, insiders without the
secretariat role 403. Applicant pages: the private link's token is the key; a wrong
token is a 404 like any unknown page.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404

from facilities.access import is_secretariat

from .models import Application

MIN_TOKEN_LENGTH = 32


def get_application_for_user(user, pk, *, slug):
    application = get_object_or_404(
        Application.objects.visible_to(user).select_related("program", "facility", "decided_by"),
        pk=pk, program__slug=slug,
    )
    if not is_secretariat(user, application.program):
        raise PermissionDenied
    return application


def get_application_by_token(token):
    if len(token) < MIN_TOKEN_LENGTH:
        raise Http404
    return get_object_or_404(Application.objects.select_related("program", "facility"), access_token=token)
