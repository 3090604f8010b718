#!/bin/sh
# One-shot (temporalio/admin-tools): create Temporal's two databases on PostgreSQL and
# bring their schemas to the version this admin-tools image ships (postgres12 plugin).
# Safe to run again: an existing database is kept, update-schema only applies what is new.
set -eu

: "${POSTGRES_SEEDS:?POSTGRES_SEEDS (the PostgreSQL host) must be set}"
: "${POSTGRES_USER:?POSTGRES_USER must be set}"
: "${SQL_PASSWORD:?SQL_PASSWORD (the password of POSTGRES_USER) must be set}"
: "${DB_PORT:=5432}"
: "${DBNAME:=temporal}"
: "${VISIBILITY_DBNAME:=temporal_visibility}"
: "${TEMPORAL_HOME:=/etc/temporal}"
export SQL_PASSWORD

SCHEMA="${TEMPORAL_HOME}/schema/postgresql/v12"

echo "waiting for PostgreSQL at ${POSTGRES_SEEDS}:${DB_PORT}"
tries=0
until nc -z "${POSTGRES_SEEDS}" "${DB_PORT}"; do
  tries=$((tries + 1))
  [ "$tries" -lt 60 ] || { echo "PostgreSQL did not answer"; exit 1; }
  sleep 1
done

sql_tool() {
  temporal-sql-tool --plugin postgres12 --ep "${POSTGRES_SEEDS}" -p "${DB_PORT}" -u "${POSTGRES_USER}" "$@"
}

setup() {  # setup <database> <schema dir>
  sql_tool --db "$1" create || echo "database $1 exists already"
  sql_tool --db "$1" setup-schema -v 0.0
  sql_tool --db "$1" update-schema -d "$2"
}

setup "${DBNAME}" "${SCHEMA}/temporal/versioned"
setup "${VISIBILITY_DBNAME}" "${SCHEMA}/visibility/versioned"
echo "Temporal schemas are ready: ${DBNAME}, ${VISIBILITY_DBNAME}"
