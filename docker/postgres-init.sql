-- The database and its two roles, created once when the PostgreSQL volume is first initialised.
-- Run by docker/postgres-init.sh as the image's superuser, which passes the psql variables
-- owner_user, owner_password, app_user, app_password and database.
--
-- owner: owns the database and every table; runs `manage.py migrate --database owner`.
-- app:   what web, worker and beat connect as. Not superuser, not BYPASSRLS and never an owner,
--        so PostgreSQL row-level security applies to every query it makes. Its table grants come
--        from the owner's migrations (wellbeing/tenancy/signals.py), so new tables are covered.
\set ON_ERROR_STOP on

CREATE ROLE :"owner_user" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS
    PASSWORD :'owner_password';
CREATE ROLE :"app_user" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS NOINHERIT
    PASSWORD :'app_password';

CREATE DATABASE :"database" OWNER :"owner_user";
REVOKE ALL ON DATABASE :"database" FROM PUBLIC;
GRANT CONNECT, TEMPORARY ON DATABASE :"database" TO :"app_user";

\connect :"database"
-- Since PostgreSQL 15 only the database owner may create objects in schema public. Nobody else
-- gets even USAGE until a migration grants it to the application role.
REVOKE ALL ON SCHEMA public FROM PUBLIC;
