#!/usr/bin/env bash
# make bench: a fresh PostgreSQL database, migrated, loaded in bulk, measured; prints one JSON line.
set -euo pipefail
cd "$(dirname "$0")/.."
PGURL=${BENCH_PG:-postgres://postgres@127.0.0.1:5432}
DB=${BENCH_DB:-mcs_bench}
if ! pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql)" main start || true
  sleep 2
fi
mkdir -p var/static
psql -q "$PGURL/postgres" -c "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB" >/dev/null
export DATABASE_URL="$PGURL/$DB" DEBUG=false TESTING=true SECURE_SSL=false \
       SECRET_KEY=bench-only-secret-key-0123456789abcdefghijklmnop ALLOWED_HOSTS=testserver
.venv/bin/python manage.py migrate -v0
.venv/bin/python -m bench.bench
