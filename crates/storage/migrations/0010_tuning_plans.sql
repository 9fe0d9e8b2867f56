-- Scheduled tuning plans of deployments, and what they carried out. Portable SQL (SQLite and
-- PostgreSQL). A plan is stored whole as its JSON document with the columns the console looks
-- things up by beside it; it goes with its deployment. `applied` is 0 or 1; at most one plan of a
-- deployment is applied (the services check it with the namespace locked).
CREATE TABLE tuning_plans (
    id               TEXT PRIMARY KEY,
    namespace        TEXT NOT NULL REFERENCES namespaces (name),
    deployment_id    TEXT NOT NULL REFERENCES deployments (id) ON DELETE CASCADE,
    name             TEXT NOT NULL,
    applied          BIGINT NOT NULL,
    resource_version BIGINT NOT NULL,
    document         TEXT NOT NULL,
    UNIQUE (deployment_id, name)
);

CREATE INDEX tuning_plans_applied ON tuning_plans (applied);

-- The executed history, newest first per deployment; kept when its plan is deleted, gone with the
-- deployment. `executed_at` is sortable UTC text (as events' `created_at`).
CREATE TABLE tuning_plan_executions (
    id            TEXT PRIMARY KEY,
    namespace     TEXT NOT NULL REFERENCES namespaces (name),
    deployment_id TEXT NOT NULL REFERENCES deployments (id) ON DELETE CASCADE,
    plan_id       TEXT NOT NULL,
    document      TEXT NOT NULL,
    executed_at   TEXT NOT NULL
);

CREATE INDEX tuning_plan_executions_by_deployment ON tuning_plan_executions (deployment_id, executed_at);
