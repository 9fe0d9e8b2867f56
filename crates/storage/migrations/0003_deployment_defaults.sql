-- Deployment defaults: one partial deployment spec per namespace, and one for every namespace.
-- `scope` is a namespace name, or '*' for the global defaults (never a DNS label, so no clash).
CREATE TABLE deployment_defaults (
    scope            TEXT PRIMARY KEY,
    resource_version BIGINT NOT NULL,
    document         TEXT NOT NULL,
    modified_at      TEXT NOT NULL
);
