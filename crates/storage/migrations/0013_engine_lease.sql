-- The engine lease: which console replica runs the lifecycle engine. Portable SQL (SQLite and
-- PostgreSQL). One row, always present (`id` = 1); nobody holds it while `expires_at_ms` is past.
--
-- `holder` is the replica holding it (random per process), `epoch` the fencing token: it grows by
-- one on every takeover (a new holder, or the same one after its lease ran out) and never
-- otherwise, so an epoch names one term of one holder. Times are milliseconds since the epoch by
-- the DATABASE's clock (never a replica's): every statement computes "now" itself, so replicas
-- with skewed clocks agree on who holds the lease. Every engine write checks, in its own
-- transaction and with the row locked against a takeover, that its holder still holds the lease at
-- its epoch (`storage::lease`, docs/engine.md "Several replicas").
CREATE TABLE engine_lease (
    id             INTEGER PRIMARY KEY CHECK (id = 1),
    holder         TEXT NOT NULL,
    epoch          BIGINT NOT NULL,
    expires_at_ms  BIGINT NOT NULL,
    acquired_at_ms BIGINT NOT NULL
);
INSERT INTO engine_lease (id, holder, epoch, expires_at_ms, acquired_at_ms) VALUES (1, '', 0, 0, 0);
