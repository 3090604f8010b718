-- promoflow's database and its two roles: the one place they are defined. Run once, as a
-- superuser, by docker/postgres/init-promoflow.sh with the psql variables db, owner,
-- owner_pw, app, app_pw; tests/test_compose.py runs that script against the embedded
-- PostgreSQL and checks what each role can do.
--
--   :owner  owns the database, the schema and every table; the migrations run as it
--           (the promoflow-migrate service). Only it can alter `events` or drop its
--           append-only trigger.
--   :app    the worker and the API: rows only. SELECT/INSERT/UPDATE/DELETE on what the
--           migrations create (default privileges below), which store/roles.py narrows after
--           each migration run: `events` INSERT and SELECT only, views SELECT only, nothing
--           on schema_migrations.
\set ON_ERROR_STOP on

CREATE ROLE :"owner" LOGIN PASSWORD :'owner_pw';
CREATE ROLE :"app" LOGIN PASSWORD :'app_pw';
CREATE DATABASE :"db" OWNER :"owner";
REVOKE ALL ON DATABASE :"db" FROM PUBLIC;
GRANT CONNECT ON DATABASE :"db" TO :"app";

\connect :"db"
ALTER SCHEMA public OWNER TO :"owner";
REVOKE ALL ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO :"app";
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" IN SCHEMA public
    GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO :"app";
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" IN SCHEMA public
    GRANT USAGE ON SEQUENCES TO :"app";
