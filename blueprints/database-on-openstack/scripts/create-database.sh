#!/bin/sh
# Creates the application's role and database (idempotent). The password arrives as the
# DB_PASSWORD input (from get_secret, in the 0600 environment file); it goes to psql on
# stdin, never on a command line, and is never logged.
set -eu
# PostgreSQL's binaries on Debian live in /usr/lib/postgresql/<major>/bin, not on PATH.
BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -n "${DB_PASSWORD:-}" ] || ctx abort-operation "DB_PASSWORD is empty: set the secret named by the input db_password_secret"

psql_admin() {
  "$BIN/psql" -h "$DATA_DIR" -p "$DB_PORT" -d postgres -v ON_ERROR_STOP=1 -v DB_USER="$DB_USER" -qAt "$@"
}

if [ "$(psql_admin -c "SELECT 1 FROM pg_roles WHERE rolname = '$DB_USER'")" != 1 ]; then
  psql_admin -c "CREATE ROLE \"$DB_USER\" LOGIN"
fi
# psql reads the password from its environment (\getenv, psql 15+) and quotes it itself.
psql_admin <<'SQL' >/dev/null
\getenv pw DB_PASSWORD
SELECT format('ALTER ROLE %I PASSWORD %L', :'DB_USER', :'pw') \gexec
SQL

if [ "$(psql_admin -c "SELECT 1 FROM pg_database WHERE datname = '$DB_NAME'")" != 1 ]; then
  psql_admin -c "CREATE DATABASE \"$DB_NAME\" OWNER \"$DB_USER\""
fi
ctx instance runtime-properties database "$DB_NAME"
ctx instance runtime-properties user "$DB_USER"
ctx logger info "database $DB_NAME ready for role $DB_USER"
