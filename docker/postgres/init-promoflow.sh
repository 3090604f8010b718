#!/bin/sh
# Runs once, when the postgres image initialises an empty data volume
# (/docker-entrypoint-initdb.d): promoflow's database and its two roles, an owner that
# runs the migrations and an app role for the worker and the API, next to Temporal's
# database. What they are and may do: docker/postgres/roles.sql (mounted at
# $PROMOFLOW_ROLES_SQL). The schema itself is applied by the promoflow-migrate service.
set -eu
: "${PROMOFLOW_OWNER_PASSWORD:?PROMOFLOW_OWNER_PASSWORD must be set}"
: "${PROMOFLOW_DB_PASSWORD:?PROMOFLOW_DB_PASSWORD must be set}"
psql -v ON_ERROR_STOP=1 --no-psqlrc --username "$POSTGRES_USER" --dbname "${POSTGRES_DB:-$POSTGRES_USER}" \
     -v db="${PROMOFLOW_DB_NAME:-promoflow}" \
     -v owner="${PROMOFLOW_DB_OWNER:-promoflow_owner}" -v owner_pw="$PROMOFLOW_OWNER_PASSWORD" \
     -v app="${PROMOFLOW_DB_USER:-promoflow}" -v app_pw="$PROMOFLOW_DB_PASSWORD" \
     -f "${PROMOFLOW_ROLES_SQL:-/etc/promoflow/roles.sql}"
