-- Deployment targets: where a namespace's deployments run (the local cluster, a Flink session URL).
-- Stored whole as their JSON document; health is observed, never stored.
CREATE TABLE deployment_targets (
    id               TEXT PRIMARY KEY,
    namespace        TEXT NOT NULL REFERENCES namespaces (name),
    name             TEXT NOT NULL,
    resource_version BIGINT NOT NULL,
    document         TEXT NOT NULL,
    created_at       TEXT NOT NULL,
    modified_at      TEXT NOT NULL,
    UNIQUE (namespace, name)
);
