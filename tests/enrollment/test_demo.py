import pytest
from django.core import mail
from django.core.management import call_command

from enrollment.models import Application, ApplicationStatus
from facilities.models import Program
from tests.helpers import variants

pytestmark = pytest.mark.django_db


def test_demo_applications_are_seeded_once_in_several_states(capsys):
    call_command("seed_demo")
    first = Application.objects.count()
    call_command("seed_demo")
    assert Application.objects.count() == first and mail.outbox == []
    for program in Program.objects.all():
        statuses = set(program.applications.values_list("status", flat=True))
        assert ApplicationStatus.APPROVED in statuses
        approved = program.applications.get(status=ApplicationStatus.APPROVED)
        assert approved.facility.program == program and approved.registrants.filter(staff__isnull=False).exists()
    for program in Program.objects.filter(variant__in=variants(secretariat_approves=True)):
        statuses = set(program.applications.values_list("status", flat=True))
        assert {ApplicationStatus.SUBMITTED, ApplicationStatus.RETURNED, ApplicationStatus.RESUBMITTED} <= statuses
    out = capsys.readouterr().out
    assert "利用申込ページ（" in out and ": /p/matsubara/apply/" in out
    assert "http://127.0.0.1:8000/p/" not in out  # a path: the demo server may run on any port
