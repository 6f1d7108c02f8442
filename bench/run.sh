#!/usr/bin/env bash
# make bench: a fresh PostgreSQL database per scale, migrated, loaded in bulk, measured.
#
#   bash bench/run.sh                       scale 1 (BENCH_SCALE), in-process figures: one JSON line
#   bash bench/run.sh --scales 0.2,1,3      one run per scale, then the growth table (pages only
#                                           at the scales other than the last, to keep it short)
#   bash bench/run.sh --http                also the concurrent HTTP load: gunicorn with 2 sync
#                                           workers on PostgreSQL, 8 connections (BENCH_CONNECTIONS,
#                                           BENCH_REQUESTS per page), at the last scale
# BENCH_PAGES_ONLY=1 skips the PDF, CSV and import figures at every scale.
# make bench SCALE=0.2,1 HTTP=1 passes these through. Each run's JSON goes to var/bench/scale-<s>.json.
set -euo pipefail
cd "$(dirname "$0")/.."
SCALES=${BENCH_SCALE:-1.0}
HTTP=${BENCH_HTTP:-}
while [ $# -gt 0 ]; do
  case "$1" in
    --scales) SCALES=$2; shift 2 ;;
    --http) HTTP=1; shift ;;
    *) echo "usage: bench/run.sh [--scales 0.2,1,3] [--http]" >&2; exit 2 ;;
  esac
done
PY=${BENCH_PYTHON:-.venv/bin/python}
PGURL=${BENCH_PG:-postgres://postgres@127.0.0.1:5432}
DB=${BENCH_DB:-mcs_bench}
PORT=${BENCH_PORT:-8765}
if ! pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql)" main start || true
  sleep 2
fi
mkdir -p var/static var/bench
export DATABASE_URL="$PGURL/$DB" DEBUG=false TESTING=true SECURE_SSL=false \
       SECRET_KEY=bench-only-secret-key-0123456789abcdefghijklmnop ALLOWED_HOSTS=testserver
IFS=, read -ra LIST <<< "$SCALES"
LAST=${LIST[${#LIST[@]}-1]}
OUTS=()
for SCALE in "${LIST[@]}"; do
  OUT=var/bench/scale-$SCALE.json
  psql -q "$PGURL/postgres" -c "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB" >/dev/null
  "$PY" manage.py migrate -v0
  PAGES_ONLY=${BENCH_PAGES_ONLY:-}; [ "$SCALE" != "$LAST" ] && PAGES_ONLY=1
  TARGETS=""; [ -n "$HTTP" ] && [ "$SCALE" = "$LAST" ] && TARGETS=var/bench/http-targets.json
  BENCH_SCALE=$SCALE BENCH_PAGES_ONLY=$PAGES_ONLY BENCH_TARGETS=$TARGETS "$PY" -m bench.bench | tee "$OUT"
  if [ -n "$TARGETS" ]; then
    "$(dirname "$PY")/gunicorn" config.wsgi -w 2 -k sync -b "127.0.0.1:$PORT" --timeout 120 \
        --log-level warning --pid var/bench/gunicorn.pid &
    GPID=$!
    for _ in $(seq 60); do (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break; sleep 1; done
    "$PY" -m bench.http_load "$TARGETS" --base "http://127.0.0.1:$PORT" \
        --connections "${BENCH_CONNECTIONS:-8}" --requests "${BENCH_REQUESTS:-80}" | tee -a "$OUT"
    kill "$GPID"; wait "$GPID" || true
  fi
  OUTS+=("$OUT")
done
"$PY" -m bench.growth "${OUTS[@]}"
