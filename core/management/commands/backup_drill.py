"""Backup drill: dump the database with pg_dump, restore it into a scratch database, compare.

    python manage.py backup_drill [--dump FILE] [--keep]

Dumps the current PostgreSQL database (custom format), creates `<name>_drill`, restores the
dump there with pg_restore, compares the row count of every table, drops the scratch
database (unless --keep) and exits non-zero on any difference. See docs/operations.md.
"""

import os
import subprocess
import tempfile
from pathlib import Path

import psycopg
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from psycopg import sql


def _conninfo(settings_dict, dbname):
    parts = {"dbname": dbname, "user": settings_dict.get("USER"), "password": settings_dict.get("PASSWORD"),
             "host": settings_dict.get("HOST"), "port": settings_dict.get("PORT")}
    return psycopg.conninfo.make_conninfo(**{k: str(v) for k, v in parts.items() if v})


def table_counts(conninfo):
    with psycopg.connect(conninfo, autocommit=True) as conn:
        tables = [row[0] for row in conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename").fetchall()]
        return {t: conn.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(t))).fetchone()[0]
                for t in tables}


class Command(BaseCommand):
    help = "Dump, restore into a scratch database and compare row counts (PostgreSQL only)."

    def add_arguments(self, parser):
        parser.add_argument("--dump", help="keep the dump at this path (default: a temporary file)")
        parser.add_argument("--keep", action="store_true", help="keep the scratch database")

    def handle(self, *args, dump=None, keep=False, **options):
        if connection.vendor != "postgresql":
            raise CommandError("the backup drill needs PostgreSQL (DATABASE_URL=postgres://...)")
        settings_dict = connection.settings_dict
        source = settings_dict["NAME"]
        scratch = f"{source}_drill"
        env = {**os.environ, **({"PGPASSWORD": str(settings_dict["PASSWORD"])} if settings_dict.get("PASSWORD") else {})}
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(dump or Path(tmp) / "portal.dump")
            self._run(["pg_dump", "--format=custom", "--no-owner", f"--file={path}",
                       _conninfo(settings_dict, source)], env)
            admin = _conninfo(settings_dict, "postgres")
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(scratch)))
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(scratch)))
            try:
                self._run(["pg_restore", "--no-owner", "--exit-on-error",
                           f"--dbname={_conninfo(settings_dict, scratch)}", str(path)], env)
                before = table_counts(_conninfo(settings_dict, source))
                after = table_counts(_conninfo(settings_dict, scratch))
            finally:
                if not keep:
                    with psycopg.connect(admin, autocommit=True) as conn:
                        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(scratch)))
            size = path.stat().st_size
        differences = {t: (before.get(t), after.get(t)) for t in before.keys() | after.keys()
                       if before.get(t) != after.get(t)}
        rows = sum(before.values())
        self.stdout.write(f"dump: {size} bytes; tables: {len(before)}; rows: {rows}")
        if differences:
            for table, (was, now) in sorted(differences.items()):
                self.stdout.write(f"  MISMATCH {table}: source {was}, restored {now}")
            raise CommandError(f"restore differs from the source in {len(differences)} tables")
        self.stdout.write(f"OK: all {len(before)} tables restored with identical row counts")

    def _run(self, argv, env):
        result = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)  # noqa: S603
        if result.returncode != 0:
            raise CommandError(f"{argv[0]} failed: {result.stderr.strip()[:500]}")
