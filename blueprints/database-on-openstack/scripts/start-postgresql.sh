#!/bin/sh
# Starts the cluster and waits until it accepts connections.
set -eu
# PostgreSQL's binaries on Debian live in /usr/lib/postgresql/<major>/bin, not on PATH.
BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
DATA_DIR=${DATA_DIR:-$HOME/pgdata}

if "$BIN/pg_ctl" -D "$DATA_DIR" status >/dev/null 2>&1; then
  "$BIN/pg_ctl" -D "$DATA_DIR" reload >/dev/null
else
  # -l: the server log survives the SSH session; setsid keeps it out of our process group,
  # which the runner kills when the operation ends.
  setsid "$BIN/pg_ctl" -D "$DATA_DIR" -l "$DATA_DIR/server.log" -w -t 60 start >/dev/null
fi
"$BIN/pg_isready" -h "$DATA_DIR" -p "$DB_PORT" -t 30 >/dev/null ||
  ctx abort-operation "PostgreSQL did not become ready: $(tail -n 5 "$DATA_DIR/server.log")"

ctx instance runtime-properties port "@$DB_PORT"
ctx logger info "PostgreSQL $(cat "$DATA_DIR/PG_VERSION") is accepting connections on port $DB_PORT"
