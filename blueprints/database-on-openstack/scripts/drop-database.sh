#!/bin/sh
# Drops the application's database and role when the deployment is uninstalled (the VM
# goes too, but an external or kept VM should not keep stale credentials).
set -eu
# PostgreSQL's binaries on Debian live in /usr/lib/postgresql/<major>/bin, not on PATH.
BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
if [ -z "$BIN" ] || ! "$BIN/pg_isready" -h "$DATA_DIR" -p "$DB_PORT" -t 5 >/dev/null 2>&1; then
  ctx logger warning "PostgreSQL is not running: nothing to drop"
  exit 0
fi
"$BIN/psql" -h "$DATA_DIR" -p "$DB_PORT" -d postgres -v ON_ERROR_STOP=1 -qAt \
  -c "DROP DATABASE IF EXISTS \"$DB_NAME\" WITH (FORCE)" \
  -c "DROP ROLE IF EXISTS \"$DB_USER\""
ctx logger info "dropped database $DB_NAME and role $DB_USER"
