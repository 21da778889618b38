-- Cairn database bootstrap: run ONCE per cluster as a superuser (or a role with CREATEROLE + CREATEDB), e.g.
--   psql "postgresql://postgres@db/postgres" -v owner_password=... -v app_password=... -v database=cairn -f sql/bootstrap.sql
-- It creates the two roles and the database. Everything else is a numbered migration that `cairn migrate` applies
-- as cairn_owner.
--
--   cairn_owner  owns the schema and every object in it, runs migrations. Not superuser, no BYPASSRLS:
--                FORCE ROW LEVEL SECURITY binds it too.
--   cairn_app    the server's login. DML only (granted by the migrations), owns nothing, no BYPASSRLS.
\set ON_ERROR_STOP on

SELECT format('CREATE ROLE cairn_owner LOGIN PASSWORD %L NOSUPERUSER NOBYPASSRLS NOCREATEROLE NOCREATEDB', :'owner_password')
WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'cairn_owner') \gexec
SELECT format('CREATE ROLE cairn_app LOGIN PASSWORD %L NOSUPERUSER NOBYPASSRLS NOCREATEROLE NOCREATEDB NOINHERIT', :'app_password')
WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'cairn_app') \gexec

ALTER ROLE cairn_owner NOSUPERUSER NOBYPASSRLS;
ALTER ROLE cairn_app NOSUPERUSER NOBYPASSRLS NOCREATEROLE NOCREATEDB;

SELECT format('CREATE DATABASE %I OWNER cairn_owner', :'database')
WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = :'database') \gexec

\connect :database
REVOKE ALL ON DATABASE :"database" FROM PUBLIC;
GRANT CONNECT, TEMPORARY ON DATABASE :"database" TO cairn_owner;
GRANT CONNECT ON DATABASE :"database" TO cairn_app;
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
-- btree_gist (deployment history exclusion constraints) and pgcrypto are trusted extensions in PostgreSQL 13+,
-- but creating them up front keeps the migrations free of superuser needs on managed services too.
CREATE EXTENSION IF NOT EXISTS btree_gist;
CREATE EXTENSION IF NOT EXISTS pgcrypto;
