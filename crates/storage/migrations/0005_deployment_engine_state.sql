-- The lifecycle engine's columns of a deployment. People own the document's metadata and spec; the
-- engine owns `status` (the Deployment's status as JSON, served in place of the document's) and
-- `engine` (its write-ahead record: the step under way, attempt counts, the pending start). Each
-- side writes only its own columns and checks its own version (`resource_version` for people,
-- `status_version` for the engine), so neither can overwrite the other's write.
-- Portable SQL: this file runs unchanged on SQLite and PostgreSQL.
ALTER TABLE deployments ADD COLUMN status TEXT;
ALTER TABLE deployments ADD COLUMN engine TEXT;
ALTER TABLE deployments ADD COLUMN status_version BIGINT NOT NULL DEFAULT 0;
