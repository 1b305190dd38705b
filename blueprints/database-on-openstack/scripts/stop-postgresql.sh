#!/bin/sh
# Stops the cluster (fast shutdown: open sessions are ended). Missing cluster: nothing to do.
set -eu
# PostgreSQL's binaries on Debian live in /usr/lib/postgresql/<major>/bin, not on PATH.
BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
DATA_DIR=${DATA_DIR:-$HOME/pgdata}
if [ -n "$BIN" ] && "$BIN/pg_ctl" -D "$DATA_DIR" status >/dev/null 2>&1; then
  "$BIN/pg_ctl" -D "$DATA_DIR" -m fast -w stop >/dev/null
  ctx logger info "PostgreSQL stopped"
fi
