//! The engine lease: which console replica runs the lifecycle engine, and the fence its writes
//! pass. One row (migration 0013): a holder, an epoch that grows on every takeover (the fencing
//! token) and an expiry. It never trusts a replica's clock: every "now" and every expiry is the
//! database's own (`clock_timestamp()` on PostgreSQL, `julianday('now')` on SQLite).
//!
//! The fence: a store made by `Store::fenced` checks, as the first statement of every transaction
//! it opens, that its holder still holds the lease at its epoch and that it has not expired, and
//! keeps the row locked against a takeover until that transaction ends (PostgreSQL: `FOR SHARE`,
//! which conflicts with the takeover's `UPDATE`; SQLite: the database's write lock, taken by
//! `BEGIN IMMEDIATE`). So a replica that lost the lease cannot commit an engine step: the
//! database refuses it (`StorageError::LeaseLost`), whatever the replica's timers believe.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use crate::{StorageError, Store};

/// One term of the engine lease: its holder and epoch. Writes through a store fenced with it
/// commit only while this holder holds the lease at this epoch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fence {
    /// The replica (random per process).
    pub holder: String,
    /// The epoch of its term: the fencing token.
    pub epoch: i64,
}

/// What an attempt to acquire or renew the lease found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lease {
    /// This replica holds it, for the TTL from the moment the database answered. The epoch is the
    /// term's: the same as before when renewed in time, a new one after a takeover.
    Held(Fence),
    /// Another replica holds it, for `remaining` more (by the database's clock).
    HeldByOther {
        /// The holder.
        holder: String,
        /// Its epoch.
        epoch: i64,
        /// How long until it expires unless renewed.
        remaining: Duration,
    },
}

/// The lease as stored, for tests and operators.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeaseRow {
    /// The last holder (empty before anyone held it).
    pub holder: String,
    /// The current epoch (0 before anyone held it).
    pub epoch: i64,
    /// Milliseconds until it expires; zero or less: it has expired (or was released).
    pub expires_in_ms: i64,
}

/// Engine writes this process had refused by the fence.
static REFUSED_WRITES: AtomicU64 = AtomicU64::new(0);

/// How many engine writes of this process the fence has refused so far (for logs).
pub fn refused_writes() -> u64 {
    REFUSED_WRITES.load(Ordering::Relaxed)
}

impl Store {
    /// The database's clock in milliseconds since the Unix epoch, as an SQL expression.
    fn db_now_ms(&self) -> &'static str {
        if self.is_postgres {
            "CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000 AS BIGINT)"
        } else {
            "CAST((julianday('now') - 2440587.5) * 86400000.0 AS INTEGER)"
        }
    }

    /// Acquires or renews the engine lease for `holder` for `ttl`. `term` is the epoch it holds
    /// now, if any: renewing within it keeps the epoch. The lease is taken, with the epoch plus
    /// one, when it has expired (or was released); held by another replica and not expired, it is
    /// not. One conditional `UPDATE`: of replicas racing for an expired lease exactly one wins.
    pub async fn acquire_engine_lease(
        &self,
        holder: &str,
        term: Option<i64>,
        ttl: Duration,
    ) -> Result<Lease, StorageError> {
        self.take_engine_lease(holder, term, ttl, false).await
    }

    /// Takes the engine lease for `holder` whoever holds it, with a new epoch (unless `holder`
    /// already holds it at `term`): for a console on SQLite at start, where the database is that
    /// console's alone and a lease left by its previous process (killed, so never released) must
    /// not delay the engine. The fence still refuses whatever the previous holder writes.
    pub async fn take_over_engine_lease(
        &self,
        holder: &str,
        term: Option<i64>,
        ttl: Duration,
    ) -> Result<Lease, StorageError> {
        self.take_engine_lease(holder, term, ttl, true).await
    }

    async fn take_engine_lease(
        &self,
        holder: &str,
        term: Option<i64>,
        ttl: Duration,
        whoever_holds_it: bool,
    ) -> Result<Lease, StorageError> {
        let now = self.db_now_ms();
        // In SET, every column named on the right is the row's value before the update.
        let sql = format!(
            "UPDATE engine_lease SET
                 epoch = CASE WHEN holder = $1 AND epoch = $2 AND expires_at_ms > {now} THEN epoch ELSE epoch + 1 END,
                 acquired_at_ms = CASE WHEN holder = $1 AND epoch = $2 AND expires_at_ms > {now} THEN acquired_at_ms ELSE {now} END,
                 holder = $1,
                 expires_at_ms = {now} + $3
             WHERE id = 1 AND ((holder = $1 AND epoch = $2 AND expires_at_ms > {now}) OR expires_at_ms <= {now} OR $4 = 1)
             RETURNING epoch"
        );
        let ttl_ms = i64::try_from(ttl.as_millis()).unwrap_or(i64::MAX / 2);
        let taken: Option<(i64,)> = sqlx::query_as(&sql)
            .bind(holder)
            .bind(term.unwrap_or(-1))
            .bind(ttl_ms)
            .bind(i64::from(whoever_holds_it))
            .fetch_optional(&self.pool)
            .await?;
        if let Some((epoch,)) = taken {
            return Ok(Lease::Held(Fence { holder: holder.to_owned(), epoch }));
        }
        let row = self.engine_lease().await?;
        Ok(Lease::HeldByOther {
            holder: row.holder,
            epoch: row.epoch,
            remaining: Duration::from_millis(u64::try_from(row.expires_in_ms).unwrap_or(0)),
        })
    }

    /// Gives the lease up at once (a graceful stop), so another replica may take it without
    /// waiting for it to expire; answers whether `fence` still held it. It waits for the holder's
    /// engine transactions still open (they hold the row), and refuses every later one. The other
    /// replicas hear of it on the bus (`Bus::lease_releases`), in the same transaction.
    pub async fn release_engine_lease(&self, fence: &Fence) -> Result<bool, StorageError> {
        let now = self.db_now_ms();
        let sql = format!(
            "UPDATE engine_lease SET expires_at_ms = {now}
             WHERE id = 1 AND holder = $1 AND epoch = $2 AND expires_at_ms > {now}"
        );
        let mut tx = self.pool.begin().await?;
        let done = sqlx::query(&sql).bind(&fence.holder).bind(fence.epoch).execute(&mut *tx).await?;
        if done.rows_affected() == 0 {
            return Ok(false);
        }
        let message = serde_json::to_value(crate::bus::LeaseReleased { epoch: fence.epoch })?;
        if self.is_postgres {
            self.bus.notify_in(&mut tx, crate::bus::Topic::Lease, &message).await?;
        }
        tx.commit().await?;
        self.bus.deliver_committed(vec![(crate::bus::Topic::Lease, message)]);
        Ok(true)
    }

    /// The lease as it stands.
    pub async fn engine_lease(&self) -> Result<LeaseRow, StorageError> {
        let sql = format!("SELECT holder, epoch, expires_at_ms - {} FROM engine_lease WHERE id = 1", self.db_now_ms());
        let (holder, epoch, expires_in_ms): (String, i64, i64) = sqlx::query_as(&sql).fetch_one(&self.pool).await?;
        Ok(LeaseRow { holder, epoch, expires_in_ms })
    }

    /// The same store, whose every transaction (each engine step's `commit_engine_write`, an event
    /// the Autopilot appends, any `Tx`) first checks that `fence` still holds the engine lease,
    /// and fails with `StorageError::LeaseLost` otherwise. Reads are not fenced.
    pub fn fenced(&self, fence: Fence) -> Store {
        Store { fence: Some(std::sync::Arc::new(fence)), ..self.clone() }
    }

    /// The fence of a store made by `fenced`.
    pub fn fence(&self) -> Option<&Fence> {
        self.fence.as_deref()
    }

    /// Opens a transaction that, on a fenced store, holds the lease row: PostgreSQL locks it
    /// `FOR SHARE` (engine transactions of the holder share it; a takeover's or a release's
    /// `UPDATE` waits until they end, and one already committed makes the check fail), SQLite
    /// takes the database's write lock at `BEGIN IMMEDIATE` (so a takeover waits the same way).
    pub(crate) async fn begin_transaction(&self) -> Result<sqlx::Transaction<'static, sqlx::Any>, StorageError> {
        // SQLite: take the write lock at BEGIN. A deferred transaction that reads, then writes after
        // another connection wrote, is refused at once ("database is locked") instead of waiting
        // out the busy timeout; an immediate one waits its turn.
        let mut tx =
            if self.is_postgres { self.pool.begin().await? } else { self.pool.begin_with("BEGIN IMMEDIATE").await? };
        if let Some(fence) = &self.fence {
            let lock = if self.is_postgres { " FOR SHARE" } else { "" };
            let sql = format!(
                "SELECT epoch FROM engine_lease WHERE id = 1 AND holder = $1 AND epoch = $2 AND expires_at_ms > {}{lock}",
                self.db_now_ms()
            );
            let held: Option<(i64,)> =
                sqlx::query_as(&sql).bind(&fence.holder).bind(fence.epoch).fetch_optional(&mut *tx).await?;
            if held.is_none() {
                REFUSED_WRITES.fetch_add(1, Ordering::Relaxed);
                tracing::warn!(holder = %fence.holder, epoch = fence.epoch, "engine write refused by the lease fence");
                return Err(StorageError::LeaseLost { holder: fence.holder.clone(), epoch: fence.epoch });
            }
        }
        Ok(tx)
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use domain::{DeploymentState, NamespaceName};

    use super::{Fence, Lease};
    use crate::bus::{Heard, LeaseReleased};
    use crate::testing::{fresh_store, sample_deployment};
    use crate::{EngineWrite, StorageError, Store};

    const TTL: Duration = Duration::from_secs(30);

    fn held(lease: Lease) -> Fence {
        match lease {
            Lease::Held(fence) => fence,
            other => panic!("expected the lease, got {other:?}"),
        }
    }

    /// A store with one deployment; answers its id.
    async fn with_a_deployment(store: &Store) -> String {
        let default = NamespaceName::parse("default").expect("name");
        store.ensure_namespace(&default).await.expect("namespace");
        let deployment = sample_deployment("default", "fenced", domain::ExecutionMode::Streaming);
        store.insert_deployment(&deployment).await.expect("inserted");
        deployment.metadata.id
    }

    /// An engine step that only moves the status on (from `status_version`).
    fn step(store_version: i64, state: DeploymentState) -> EngineWrite {
        let mut status = sample_deployment("default", "fenced", domain::ExecutionMode::Streaming).status;
        status.state = state;
        EngineWrite {
            status,
            engine: "{}".into(),
            expected_status_version: store_version,
            jobs: Vec::new(),
            savepoints: Vec::new(),
            deleted_savepoints: Vec::new(),
            events: Vec::new(),
            deployment: None,
        }
    }

    async fn status_version(store: &Store, id: &str) -> i64 {
        let default = NamespaceName::parse("default").expect("name");
        store.engine_row(&default, id).await.expect("read").expect("the row").status_version
    }

    #[tokio::test]
    async fn one_replica_holds_the_lease_and_a_takeover_after_expiry_raises_the_epoch() {
        let (store, _database) = fresh_store().await;
        let first = held(store.acquire_engine_lease("a", None, TTL).await.expect("acquire"));
        assert_eq!(first.epoch, 1);
        match store.acquire_engine_lease("b", None, TTL).await.expect("try") {
            Lease::HeldByOther { holder, epoch, remaining } => {
                assert_eq!((holder.as_str(), epoch), ("a", 1));
                assert!(remaining > Duration::from_secs(25) && remaining <= TTL, "{remaining:?}");
            }
            other => panic!("b must not get a held lease: {other:?}"),
        }
        let renewed = held(store.acquire_engine_lease("a", Some(1), TTL).await.expect("renew"));
        assert_eq!(renewed.epoch, 1, "a renewal in time keeps the term");
        // A lease that ran out is taken with the next epoch, even by its old holder.
        held(store.acquire_engine_lease("a", Some(1), Duration::ZERO).await.expect("renew for nothing"));
        let b = held(store.acquire_engine_lease("b", None, TTL).await.expect("takeover"));
        assert_eq!(b.epoch, 2);
        assert!(matches!(store.acquire_engine_lease("a", Some(1), TTL).await, Ok(Lease::HeldByOther { .. })));
        let mut releases = store.bus().lease_releases();
        assert!(!store.release_engine_lease(&first).await.expect("release"), "a's term is over");
        assert!(store.release_engine_lease(&b).await.expect("release"));
        let heard = tokio::time::timeout(Duration::from_secs(5), releases.next()).await.expect("in time");
        assert_eq!(heard, Some(Heard::Message(LeaseReleased { epoch: b.epoch })), "said once, for b's term");
        let row = store.engine_lease().await.expect("the row");
        assert!(row.expires_in_ms <= 0, "released: {row:?}");
        let a_again = held(store.acquire_engine_lease("a", Some(1), TTL).await.expect("after the release"));
        assert_eq!(a_again.epoch, 3);
        let taken = held(store.take_over_engine_lease("c", None, TTL).await.expect("take over"));
        assert_eq!(taken.epoch, 4, "taking over a held lease still starts a new term");
    }

    #[tokio::test]
    async fn an_engine_write_commits_only_while_its_fence_holds_the_lease() {
        let (store, _database) = fresh_store().await;
        let default = NamespaceName::parse("default").expect("name");
        let id = with_a_deployment(&store).await;
        let a = held(store.acquire_engine_lease("a", None, TTL).await.expect("acquire"));
        let as_a = store.fenced(a.clone());
        as_a.commit_engine_write(&default, &id, &step(0, DeploymentState::Transitioning)).await.expect("held: commits");
        assert_eq!(status_version(&store, &id).await, 1);

        // The lease runs out and b takes it: a's next step is refused by the database, whatever a believes.
        held(store.acquire_engine_lease("a", Some(a.epoch), Duration::ZERO).await.expect("expire"));
        let b = held(store.acquire_engine_lease("b", None, TTL).await.expect("takeover"));
        let refused = as_a.commit_engine_write(&default, &id, &step(1, DeploymentState::Running)).await;
        assert!(
            matches!(&refused, Err(StorageError::LeaseLost { holder, epoch }) if holder == "a" && *epoch == a.epoch),
            "{refused:?}"
        );
        assert_eq!(status_version(&store, &id).await, 1, "nothing of the refused step was written");
        let event = domain::Event::new(
            "e1".into(),
            "default",
            &id,
            None,
            domain::EventName::AutopilotRecommendation,
            String::from("stale"),
            &crate::now_rfc3339(),
        );
        assert!(matches!(as_a.append_event(&event).await, Err(StorageError::LeaseLost { .. })), "events too");
        assert!(matches!(as_a.begin().await.err(), Some(StorageError::LeaseLost { .. })), "any transaction");

        store
            .fenced(b.clone())
            .commit_engine_write(&default, &id, &step(1, DeploymentState::Running))
            .await
            .expect("the new holder commits");
        // The old term stays refused even when a holds the lease again: the epoch moved on.
        store.release_engine_lease(&b).await.expect("release");
        held(store.acquire_engine_lease("a", None, TTL).await.expect("a again"));
        let stale = as_a.commit_engine_write(&default, &id, &step(2, DeploymentState::Running)).await;
        assert!(matches!(stale, Err(StorageError::LeaseLost { .. })), "{stale:?}");
        // Without a fence (a single console, people's writes) nothing changes.
        store.commit_engine_write(&default, &id, &step(2, DeploymentState::Cancelled)).await.expect("unfenced");
    }

    #[tokio::test]
    async fn a_takeover_waits_for_the_open_engine_transaction_and_refuses_the_next_one() {
        let (store, database) = fresh_store().await;
        let id = with_a_deployment(&store).await;
        let short = Duration::from_millis(300);
        let a = held(store.acquire_engine_lease("a", None, short).await.expect("acquire"));
        let as_a = store.fenced(a.clone());
        // a's step checks the fence (holding the row), then takes longer than the lease.
        let mut tx = as_a.begin().await.expect("fence passes");
        tokio::time::sleep(short * 2).await;
        let other = Store::connect(database.url()).await.expect("another replica's connection");
        let takeover = tokio::spawn(async move { other.acquire_engine_lease("b", None, TTL).await });
        tokio::time::sleep(Duration::from_millis(500)).await;
        let default = NamespaceName::parse("default").expect("name");
        tx.lock_namespace(&default).await.expect("a write inside the fenced transaction");
        assert!(!takeover.is_finished(), "the takeover waits for a's open engine transaction");
        tx.commit().await.expect("a's checked step commits");
        let lease = takeover.await.expect("joined").expect("the takeover");
        assert_eq!(held(lease).epoch, a.epoch + 1);
        let refused = as_a.commit_engine_write(&default, &id, &step(0, DeploymentState::Running)).await;
        assert!(matches!(refused, Err(StorageError::LeaseLost { .. })), "{refused:?}");
    }
}
