from django.urls import reverse

from facilities.models import secretariat_program_ids


def nav(user):
    # One entry and no query (the role scope is cached per request): the page lists the programs.
    if user.is_superuser or secretariat_program_ids(user):
        return [("台帳の取込", reverse("ledger_import:programs"))]
    return []


def panels(user):
    return []
