import io

import pytest
from django.core.management import CommandError, call_command

from consent.models import AccessLog, ConsentRecord, Patient
from facilities.models import Program
from tests.factories import ProgramFactory

pytestmark = pytest.mark.django_db


def test_bench_prints_the_warm_render_time():
    out = io.StringIO()
    call_command("bench_consent_pdf", runs=2, variant="matsubara", stdout=out)
    assert "warm median" in out.getvalue()


def test_bench_fails_over_the_limit():
    with pytest.raises(CommandError, match="over the limit"):
        call_command("bench_consent_pdf", runs=1, max_ms=0.001, stdout=io.StringIO())


def test_demo_seeds_patients_with_consent_once():
    call_command("seed_demo", stdout=io.StringIO())
    first = (Patient.objects.count(), ConsentRecord.objects.count())
    call_command("seed_demo", stdout=io.StringIO())
    assert (Patient.objects.count(), ConsentRecord.objects.count()) == first
    assert first == (3 * Program.objects.count(), 2 * Program.objects.count())
    assert ConsentRecord.objects.filter(withdrawn_on__isnull=False).count() == Program.objects.count()
    assert not AccessLog.objects.exists()


def test_demo_seed_without_the_demo_logins_adds_nothing():
    from consent import demo
    from tests.factories import FacilityFactory

    program = ProgramFactory()
    assert demo.seed(program, facilities=[FacilityFactory(program=program), FacilityFactory(program=program)]) == []
    assert not Patient.objects.exists()
