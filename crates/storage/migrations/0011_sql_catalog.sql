-- A namespace's SQL catalog (tables, views, functions, databases created through
-- /sql/v1beta1/…/sqlscripts:execute). Portable SQL (SQLite and PostgreSQL). One row per namespace
-- that has one: `statements` is the JSON array of DDL statements that rebuild it, in replay order,
-- as Flink wrote the catalog down after the last change (a dropped table is simply absent);
-- `version` counts the changes, so a change computed from an older catalog is refused.
CREATE TABLE sql_catalogs (
    namespace   TEXT PRIMARY KEY REFERENCES namespaces (name),
    version     BIGINT NOT NULL,
    statements  TEXT NOT NULL,
    modified_at TEXT NOT NULL
);
