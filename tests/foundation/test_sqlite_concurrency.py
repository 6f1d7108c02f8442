"""The embedded database (SQLite, the `make run` default) answers every request under concurrent use.

pytest-django's SQLite test database is in memory, which locks differently from a file, so
these run the scenario in a subprocess against a fresh file database, migrated as `make run`
migrates it (tests/concurrency.py). They run in the PostgreSQL suite too: the subprocess
always uses its own SQLite file.
"""

import sqlite3

from tests.concurrency import run_on_sqlite_file


def test_writers_and_readers_at_the_same_rows_get_no_500(tmp_path):
    # 8 administrators correcting one ledger line 8 times each, 8 others reading it and its
    # facility 16 times each, all at once. Before WAL and immediate transactions: 99 of the
    # 192 requests were 500 "database is locked".
    result = run_on_sqlite_file("staff_load", tmp_path)
    assert result["errors"] == []
    assert result["statuses"] == {"302": 64, "200": 128}
    with sqlite3.connect(tmp_path / "portal.sqlite3") as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
