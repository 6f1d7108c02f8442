"""Two secretaries importing the same file at once (PostgreSQL, real connections): the program row
lock makes the second wait and plan against what the first wrote, so nothing is doubled."""

import io
import threading

import pytest
from django.db import connection

from facilities.models import Facility, Staff
from ledger_import.services import ledger_import
from tests.factories import ProgramFactory
from tests.ledger_import.files import person, xlsx

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_the_same_file_imported_twice_at_once_is_written_once():
    program = ProgramFactory(variant="matsubara")
    content = xlsx([person(n, is_admin="○" if n == 1 else "") for n in range(1, 21)])
    results, start = {}, threading.Barrier(2)

    def run(key):
        try:
            start.wait(5)
            results[key] = ledger_import(program=program, by=None, file=io.BytesIO(content), filename=f"{key}.xlsx")
        except Exception as exc:  # reported by the assertion below
            results[key] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(key,)) for key in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not [r for r in results.values() if isinstance(r, Exception)], results
    summaries = sorted(r.summary() for r in results.values())
    assert summaries == [
        "facilities: 0 created, 0 updated, 1 unchanged; staff: 0 created, 0 updated, 20 unchanged; errors: 0",
        "facilities: 1 created, 0 updated, 0 unchanged; staff: 20 created, 0 updated, 0 unchanged; errors: 0",
    ], results
    assert Facility.objects.filter(program=program).count() == 1
    assert Staff.objects.filter(program=program).count() == 20
