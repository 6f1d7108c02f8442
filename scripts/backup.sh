#!/usr/bin/env bash
# Nightly backup: a custom-format pg_dump of $DATABASE_URL into $BACKUP_DIR, keeping $KEEP_DAYS days.
#   DATABASE_URL=postgres://portal@db/portal BACKUP_DIR=/var/backups/portal scripts/backup.sh
set -euo pipefail
: "${DATABASE_URL:?set DATABASE_URL=postgres://...}"
BACKUP_DIR=${BACKUP_DIR:-var/backups}
KEEP_DAYS=${KEEP_DAYS:-35}
mkdir -p "$BACKUP_DIR"
umask 077   # dumps hold patients' personal data
file="$BACKUP_DIR/portal-$(date +%Y%m%d-%H%M%S).dump"
pg_dump --format=custom --no-owner --file="$file" "$DATABASE_URL"
find "$BACKUP_DIR" -name 'portal-*.dump' -mtime +"$KEEP_DAYS" -delete
echo "$file"
