from django.urls import reverse

from facilities.models import Program, secretariat_program_ids


def nav(user):
    if not user.is_superuser and not secretariat_program_ids(user):
        return []  # no query for people who run no program
    programs = Program.objects.active().run_by(user).only("slug", "name")
    return [(f"{p.name} 台帳の取込", reverse("ledger_import:import", args=[p.slug])) for p in programs]


def panels(user):
    return []
