import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from facilities.models import Facility


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_backup_drill_restores_every_table_with_the_same_row_counts(capsys):
    call_command("seed_demo", stdout=open("/dev/null", "w"))
    assert Facility.objects.count() > 0
    call_command("backup_drill")
    out = capsys.readouterr().out
    assert "OK: all" in out
    tables = int(out.split("tables: ")[1].split(";")[0])
    assert tables >= 20
    # the scratch database is gone afterwards
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_database WHERE datname = %s", [connection.settings_dict["NAME"] + "_drill"])
        assert cursor.fetchone()[0] == 0


@pytest.mark.django_db
def test_backup_drill_refuses_sqlite():
    if connection.vendor == "postgresql":
        pytest.skip("this is the SQLite answer")
    with pytest.raises(CommandError, match="PostgreSQL"):
        call_command("backup_drill")
