-- Who may do what: users, their sign-in sessions, their role in each namespace, the namespaces' API
-- tokens, and the audit log. Portable SQL: this file runs unchanged on SQLite and PostgreSQL.
--
-- No secret is ever stored: passwords, session cookies and API tokens are kept as hashes the
-- server computes. Times compared or sorted on (`expires_at`, `created_order`, `at`) are stored
-- as fixed-width UTC (`2021-03-01T10:00:05.000000000Z`), so that text order is time order.
--
-- SQLite enforces foreign keys on one connection of the pool only: the store deletes dependent
-- rows itself (a user's sessions and memberships) instead of relying on ON DELETE CASCADE.

-- A person who can sign in. Names are unique as written (case-sensitive); `admin` is 1 for the
-- system admin, 0 otherwise.
CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    name          TEXT NOT NULL UNIQUE,
    admin         BIGINT NOT NULL,
    password_hash TEXT NOT NULL,
    created_at    TEXT NOT NULL
);

-- A signed-in browser, by the hash of its cookie's secret. Valid while `expires_at` is later than
-- now.
CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id),
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);

CREATE INDEX sessions_by_user ON sessions (user_id);
CREATE INDEX sessions_by_expiry ON sessions (expires_at);

-- A user's role (VIEWER, EDITOR, OWNER) in a namespace: at most one per user and namespace.
CREATE TABLE memberships (
    namespace TEXT NOT NULL REFERENCES namespaces (name),
    user_id   TEXT NOT NULL REFERENCES users (id),
    role      TEXT NOT NULL,
    PRIMARY KEY (namespace, user_id)
);

CREATE INDEX memberships_by_user ON memberships (user_id);

-- An API token of a namespace, by the hash of its secret. A revoked token keeps its row (and its
-- name, so that `token:<name>` in the audit log names one token) with `revoked_at` set.
-- `created_at` is kept as written; `created_order` is the same time rewritten for sorting.
CREATE TABLE api_tokens (
    id            TEXT PRIMARY KEY,
    namespace     TEXT NOT NULL REFERENCES namespaces (name),
    name          TEXT NOT NULL,
    role          TEXT NOT NULL,
    token_hash    TEXT NOT NULL UNIQUE,
    created_at    TEXT NOT NULL,
    created_order TEXT NOT NULL,
    created_by    TEXT NOT NULL,
    revoked_at    TEXT,
    UNIQUE (namespace, name)
);

CREATE INDEX api_tokens_by_namespace ON api_tokens (namespace, created_order);

-- The audit log: append-only, never updated. Each entry is stored whole as its JSON document, with
-- the columns the console filters and sorts on copied beside it. `namespace` is NULL for
-- system-wide changes (users, namespaces, global defaults); it has no foreign key, so that the log
-- outlives what it tells about.
CREATE TABLE audit_log (
    id            TEXT PRIMARY KEY,
    namespace     TEXT,
    actor         TEXT NOT NULL,
    action        TEXT NOT NULL,
    resource_kind TEXT NOT NULL,
    resource_name TEXT NOT NULL,
    document      TEXT NOT NULL,
    at            TEXT NOT NULL
);

CREATE INDEX audit_log_by_namespace ON audit_log (namespace, at);
CREATE INDEX audit_log_by_time ON audit_log (at);
