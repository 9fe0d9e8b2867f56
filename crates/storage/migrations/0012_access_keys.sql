-- Access-key pairs of API tokens, for clients that sign requests the way Alibaba Cloud's SDKs do
-- (ACS3-HMAC-SHA256). Portable SQL (SQLite and PostgreSQL).
--
-- Only the AccessKey ID is stored. The AccessKey Secret is never stored, not even hashed: the
-- console derives it from the id with an HMAC under a key of its own, kept outside the database
-- (`<data dir>/access-key-master.key`), and derives it again to verify a signature. A key acts as
-- its token: it works while the token is neither revoked nor expired, and dies with it.
--
-- A token has at most one key (`token_id` is unique); making a new one replaces the old one in
-- the same transaction. The store deletes the rows itself (SQLite checks foreign keys on one
-- connection of the pool only).
CREATE TABLE access_keys (
    id         TEXT PRIMARY KEY,
    token_id   TEXT NOT NULL UNIQUE REFERENCES api_tokens (id),
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL
);
