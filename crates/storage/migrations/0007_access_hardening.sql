-- Access that ends when it should, and the console's own settings. Portable SQL (SQLite and
-- PostgreSQL).
--
-- An API token belongs to the person who made it (`owner_user_id`; a token made with a token
-- belongs to that token's owner): removing that person from the namespace, lowering their role
-- below the token's, or deleting them revokes it. `expires_at` (RFC 3339, NULL: never) ends a token
-- by itself. Tokens made before this migration belong to the user their `created_by` names.
ALTER TABLE api_tokens ADD COLUMN owner_user_id TEXT;
ALTER TABLE api_tokens ADD COLUMN expires_at TEXT;
UPDATE api_tokens SET owner_user_id = (SELECT users.id FROM users WHERE 'user:' || users.name = api_tokens.created_by);
CREATE INDEX api_tokens_by_owner ON api_tokens (owner_user_id);

-- 1 when the user signs in with a password someone else chose or the console generated: until
-- they choose their own, they may do nothing but change it.
ALTER TABLE users ADD COLUMN must_change_password BIGINT NOT NULL DEFAULT 0;

-- Console-wide settings an admin changes (e.g. which session-cluster hosts may be registered), one
-- JSON document per name.
CREATE TABLE settings (
    name        TEXT PRIMARY KEY,
    document    TEXT NOT NULL,
    modified_at TEXT NOT NULL
);
