#!/bin/sh
# Runs once, when the postgres image initialises an empty data volume
# (/docker-entrypoint-initdb.d): promoflow gets its own role and database next to
# Temporal's. The schema itself is applied by the promoflow-migrate service.
set -eu
: "${PROMOFLOW_DB_PASSWORD:?PROMOFLOW_DB_PASSWORD must be set}"
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "${POSTGRES_DB:-$POSTGRES_USER}" \
     -v pw="$PROMOFLOW_DB_PASSWORD" <<'SQL'
CREATE ROLE promoflow LOGIN PASSWORD :'pw';
CREATE DATABASE promoflow OWNER promoflow;
SQL
