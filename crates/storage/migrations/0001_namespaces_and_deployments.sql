-- Namespaces group deployments; every deployment belongs to exactly one.
-- Portable SQL: this file runs unchanged on SQLite and PostgreSQL.
CREATE TABLE namespaces (
    name       TEXT PRIMARY KEY,
    created_at TEXT NOT NULL
);

-- A deployment is stored whole as its JSON document (metadata/spec/status, always fully specified),
-- with the columns the console filters and sorts on copied beside it.
CREATE TABLE deployments (
    id               TEXT PRIMARY KEY,
    namespace        TEXT NOT NULL REFERENCES namespaces (name),
    name             TEXT NOT NULL,
    execution_mode   TEXT NOT NULL,
    desired_state    TEXT NOT NULL,
    status_state     TEXT NOT NULL,
    resource_version BIGINT NOT NULL,
    document         TEXT NOT NULL,
    created_at       TEXT NOT NULL,
    modified_at      TEXT NOT NULL,
    UNIQUE (namespace, name)
);

CREATE INDEX deployments_by_namespace ON deployments (namespace, execution_mode, name);
