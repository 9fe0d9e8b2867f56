-- The Deployments page at scale: search by name and label, filter by state, sort by state or time,
-- count by state — all in SQL, with indexes, so a namespace of 10,000 deployments stays fast.
-- Portable SQL: this file runs unchanged on SQLite and PostgreSQL.
--
-- `created_sort` and `modified_sort` are the document's createdAt and modifiedAt rewritten as
-- fixed-width UTC (`2021-03-01T10:00:05.000000000Z`, as the jobs' created_at), so that text order
-- is time order. `search_version` says whether a row has them and its `deployment_labels` rows:
-- 0 for rows written before this migration. The store fills those in when it starts
-- (`Store::connect`), in Rust, because reading labels out of a JSON document is written
-- differently on each backend; every write since sets 1.
ALTER TABLE deployments ADD COLUMN created_sort TEXT NOT NULL DEFAULT '';
ALTER TABLE deployments ADD COLUMN modified_sort TEXT NOT NULL DEFAULT '';
ALTER TABLE deployments ADD COLUMN search_version BIGINT NOT NULL DEFAULT 0;

-- A deployment's labels, one row each, copied from its document's metadata.labels by every write
-- of the deployment: a label selector becomes EXISTS / NOT EXISTS on this table.
CREATE TABLE deployment_labels (
    deployment_id TEXT NOT NULL REFERENCES deployments (id) ON DELETE CASCADE,
    label_key     TEXT NOT NULL,
    label_value   TEXT NOT NULL,
    PRIMARY KEY (deployment_id, label_key)
);
-- A selector's requirement reads the ids with one label (and value) from here.
CREATE INDEX deployment_labels_by_label ON deployment_labels (label_key, label_value, deployment_id);

-- Filtered by state and counted by state; sorted by name, state, creation or change time (the
-- name breaks ties, and the page's keyset compares both). Each ends with the id, which a label
-- requirement compares (`id IN (…)`): a list or a count then reads only the index until it has
-- the rows of its page. The index by name replaces 0001's, which lacked the id.
DROP INDEX deployments_by_namespace;
CREATE INDEX deployments_by_name ON deployments (namespace, execution_mode, name, id);
CREATE INDEX deployments_by_state ON deployments (namespace, execution_mode, status_state, name, id);
CREATE INDEX deployments_by_created ON deployments (namespace, execution_mode, created_sort, name, id);
CREATE INDEX deployments_by_modified ON deployments (namespace, execution_mode, modified_sort, name, id);
