#!/bin/sh
# Creates the database cluster in DATA_DIR (once) and writes its network settings:
# listen on every address, on DB_PORT, password (SCRAM) logins from LISTEN_CIDR only.
set -eu
# PostgreSQL's binaries on Debian live in /usr/lib/postgresql/<major>/bin, not on PATH.
BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -n "$BIN" ] || ctx abort-operation "no PostgreSQL binaries found (did install run?)"
DATA_DIR=${DATA_DIR:-$HOME/pgdata}

if [ ! -s "$DATA_DIR/PG_VERSION" ]; then
  mkdir -p "$DATA_DIR"
  chmod 700 "$DATA_DIR"
  "$BIN/initdb" -D "$DATA_DIR" --auth-local=peer --auth-host=scram-sha-256 \
    --encoding=UTF8 --locale=C.UTF-8 --username="$(id -un)" >/dev/null
  ctx logger info "created a PostgreSQL cluster in $DATA_DIR"
fi

# Settings of our own in one include file, rewritten on every configure (idempotent).
cat > "$DATA_DIR/trellis.conf" <<CONF
listen_addresses = '*'
port = $DB_PORT
unix_socket_directories = '$DATA_DIR'
password_encryption = scram-sha-256
CONF
grep -q "^include_if_exists = 'trellis.conf'" "$DATA_DIR/postgresql.conf" ||
  echo "include_if_exists = 'trellis.conf'" >> "$DATA_DIR/postgresql.conf"

RULE="host all all $LISTEN_CIDR scram-sha-256"
grep -qxF "$RULE" "$DATA_DIR/pg_hba.conf" || echo "$RULE" >> "$DATA_DIR/pg_hba.conf"

ctx instance runtime-properties data_dir "$DATA_DIR"
ctx instance runtime-properties bin_dir "$BIN"
ctx instance runtime-properties version "$(cat "$DATA_DIR/PG_VERSION")"
