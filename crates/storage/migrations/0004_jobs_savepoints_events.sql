-- Jobs, savepoints and events: each stored whole as its JSON document, with the columns the console
-- filters and sorts on copied beside it. Portable SQL: this file runs unchanged on SQLite and
-- PostgreSQL.
--
-- `created_at` here is the document's createdAt rewritten as fixed-width UTC
-- (`2021-03-01T10:00:05.000000000Z`), so that text order is time order: lists are newest first.
--
-- No foreign key to deployments: a deleted deployment's savepoints may still restore another
-- deployment ("other deployment's state"), and its history stays readable.

-- One run of a deployment. `active` is 1 until the job has ended (FAILED, TERMINATED, FINISHED); the
-- partial unique index makes a second active job of the same deployment impossible, whatever the
-- engine does.
CREATE TABLE jobs (
    id               TEXT PRIMARY KEY,
    namespace        TEXT NOT NULL REFERENCES namespaces (name),
    deployment_id    TEXT NOT NULL,
    state            TEXT NOT NULL,
    active           BIGINT NOT NULL,
    resource_version BIGINT NOT NULL,
    document         TEXT NOT NULL,
    created_at       TEXT NOT NULL,
    modified_at      TEXT NOT NULL
);

CREATE INDEX jobs_by_deployment ON jobs (namespace, deployment_id, created_at);
CREATE UNIQUE INDEX jobs_one_active_per_deployment ON jobs (namespace, deployment_id) WHERE active = 1;

-- Savepoints (and retained checkpoints) of a deployment, by the job that wrote them if one did.
CREATE TABLE savepoints (
    id               TEXT PRIMARY KEY,
    namespace        TEXT NOT NULL REFERENCES namespaces (name),
    deployment_id    TEXT NOT NULL,
    job_id           TEXT,
    origin           TEXT NOT NULL,
    state            TEXT NOT NULL,
    resource_version BIGINT NOT NULL,
    document         TEXT NOT NULL,
    created_at       TEXT NOT NULL,
    modified_at      TEXT NOT NULL
);

CREATE INDEX savepoints_by_deployment ON savepoints (namespace, deployment_id, created_at);

-- A deployment's event log: append-only, never updated.
CREATE TABLE events (
    id            TEXT PRIMARY KEY,
    namespace     TEXT NOT NULL REFERENCES namespaces (name),
    deployment_id TEXT NOT NULL,
    job_id        TEXT,
    name          TEXT NOT NULL,
    document      TEXT NOT NULL,
    created_at    TEXT NOT NULL
);

CREATE INDEX events_by_deployment ON events (namespace, deployment_id, created_at);
