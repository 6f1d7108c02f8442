"""Publish each program's staff pledge wording as a new version where the policy's wording changed.

Idempotent: a program whose latest version already matches its policy gets nothing new.
Run after a change to the policy profiles, so printed pledges and recorded ones agree.
"""

from django.core.management.base import BaseCommand

from facilities.models import PledgeText, Program
from facilities.services import pledge_text_publish


class Command(BaseCommand):
    help = "Publish a new staff pledge version for every program whose policy wording changed."

    def handle(self, *args, **options):
        published = 0
        for program in Program.objects.active():
            before = PledgeText.objects.filter(program=program).count()
            pledge_text_publish(program=program)
            published += PledgeText.objects.filter(program=program).count() - before
        self.stdout.write(f"Published {published} new pledge text version(s).")
