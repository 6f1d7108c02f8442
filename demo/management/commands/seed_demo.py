"""Load (or refresh) the demo networks: one program per policy variant, with logins.

Idempotent: running it again updates the same rows instead of adding new ones.
"""

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction

from accounts import demo as accounts_demo
from accounts.models import User
from consent import demo as consent_demo
from demo import data
from enrollment import demo as enrollment_demo
from facilities import demo as facilities_demo
from groups import demo as groups_demo
from oversight import demo as oversight_demo

ROLE_LABELS = {"secretariat": "事務局", "facility_admin": "MCS管理者", "coordinator": "コーディネーター"}


class Command(BaseCommand):
    help = "Load the demo programs, facilities, staff and login accounts (idempotent)."

    @transaction.atomic
    def handle(self, *args, **options):
        logins, extra = [], []
        for spec in data.PROGRAMS:
            program, facilities, program_logins = facilities_demo.seed_program(
                spec, facilities=data.FACILITIES, accounts=data.ACCOUNTS, password=data.DEMO_PASSWORD
            )
            logins.extend((program, *login) for login in program_logins)
            # Each app adds its own rows, bottom of the dependency order first.
            for app_demo in (enrollment_demo, consent_demo, groups_demo, oversight_demo):
                extra.extend(app_demo.seed(program, facilities=facilities, stdout=self.stdout))
        admin_email = "admin@example.jp"
        if not User.objects.filter(email__iexact=admin_email).exists():
            User.objects.create_superuser(admin_email, data.DEMO_PASSWORD, full_name="システム 管理者")

        out = self.stdout
        out.write(f"Demo data ready: {len(data.PROGRAMS)} programs, {len(logins)} program logins.")
        out.write(f"Password for every demo account: {data.DEMO_PASSWORD}")
        out.write(f"  {'superuser (管理サイト)':<28} {admin_email}")
        for program, email, role, facility in logins:
            where = f"{program.name}" + (f" / {facility.name}" if facility else "")
            out.write(f"  {ROLE_LABELS[role]:<12} {email:<42} {where}")
        out.write("Pages below are paths on the address the server runs at (e.g. http://127.0.0.1:8000 for "
                  f"`manage.py runserver`); links in e-mails use SITE_URL ({settings.SITE_URL}).")
        for line in extra:
            out.write(line)

        # Every demo account needs the second factor too: an authenticator app or a backup code.
        out.write("Two-factor: add the TOTP secret to an authenticator app, or type a backup code (each works once).")
        emails = [admin_email, *dict.fromkeys(email for _, email, _, _ in logins)]
        for email in emails:
            secret, codes = accounts_demo.seed_two_factor(User.objects.get(email__iexact=email))
            out.write(f"  {email:<42} TOTP {secret}  backup {' '.join(codes)}")
