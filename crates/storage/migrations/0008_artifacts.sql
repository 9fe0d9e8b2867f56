-- Artifacts: the JARs a namespace's members upload. The bytes live on disk under the console's
-- artifact directory (`<artifacts dir>/<namespace>/<name>`); this table says what they are and who
-- put them there. Portable SQL (SQLite and PostgreSQL).
--
-- `name` is a plain file name ending in `.jar`, unique in its namespace. `sha256` is the hex
-- SHA-256 of the bytes, `size_bytes` their count. `uploaded_by` is the actor of the audit log
-- (`user:<name>`, `token:<name>`); `created_at` is RFC 3339 as written (the list is by name).
CREATE TABLE artifacts (
    namespace   TEXT NOT NULL REFERENCES namespaces (name),
    name        TEXT NOT NULL,
    size_bytes  BIGINT NOT NULL,
    sha256      TEXT NOT NULL,
    uploaded_by TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    PRIMARY KEY (namespace, name)
);
