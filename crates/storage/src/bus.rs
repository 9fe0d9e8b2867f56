//! The notification bus between console replicas sharing one database: nudges for the engine,
//! the store's change feed, "access changed", "the engine lease was released". On PostgreSQL a
//! message is a `NOTIFY` (`pg_notify`) every replica `LISTEN`s to — sent inside the writing
//! transaction where there is one, so it is delivered if and only if the write commits; on SQLite
//! (one console) it is delivered in-process only. Every message is also delivered in-process at
//! once (the replica's own listener skips its own messages).
//!
//! It carries hints, never state, and never blocks a writer: a subscriber that is told
//! `Heard::MayHaveMissed` (the listening connection was lost and is back, or it fell behind) reads
//! what it cares about again. A message too large for a `NOTIFY` (8000 bytes) arrives as
//! `MayHaveMissed` too.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use domain::live::{Change, DeploymentChange, TargetChange};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use sqlx::AnyPool;
use tokio::sync::{broadcast, mpsc, watch};

use crate::changes::ChangeFeed;
use crate::StorageError;

/// Messages a slow subscriber may be behind before it is told it may have missed some.
const CHANNEL: usize = 1024;
/// The largest payload sent; PostgreSQL refuses a `NOTIFY` payload of 8000 bytes or more.
const MAX_PAYLOAD: usize = 7900;
/// How long the listener waits before connecting again after a failure.
const RECONNECT_AFTER: Duration = Duration::from_secs(1);

/// What a message is about; each topic is a `NOTIFY` channel of its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Topic {
    /// A deployment changed: the engine should look at it now (`Nudge`).
    Nudge,
    /// Sessions, tokens, users, memberships or roles changed (`AccessChange`): caches of who may
    /// do what must forget what they hold of it.
    Access,
    /// The engine lease was released (`LeaseReleased`): replicas may take it now.
    Lease,
    /// Committed changes of deployments and targets, for the change feed (internal).
    Change,
}

impl Topic {
    const ALL: [Topic; 4] = [Topic::Nudge, Topic::Access, Topic::Lease, Topic::Change];

    /// The PostgreSQL channel.
    pub fn channel(self) -> &'static str {
        match self {
            Topic::Nudge => "console_nudge",
            Topic::Access => "console_access",
            Topic::Lease => "console_lease",
            Topic::Change => "console_change",
        }
    }

    fn of_channel(channel: &str) -> Option<Topic> {
        Topic::ALL.into_iter().find(|topic| topic.channel() == channel)
    }
}

/// A deployment to look at now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Nudge {
    /// Its namespace.
    pub namespace: String,
    /// Its id.
    pub deployment_id: String,
}

/// What changed about who may do what. Carries ids and hashes only, never a secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum AccessChange {
    /// One session ended (signed out, expired or deleted), named by its token's hash.
    #[serde(rename_all = "camelCase")]
    Session {
        /// The session token's hash, as stored.
        token_hash: String,
    },
    /// A user changed (password, admin flag, deleted): their sessions and tokens may have too.
    #[serde(rename_all = "camelCase")]
    User {
        /// The user's id.
        user_id: String,
    },
    /// A user's role in a namespace was set or removed.
    #[serde(rename_all = "camelCase")]
    Membership {
        /// The namespace.
        namespace: String,
        /// The user's id.
        user_id: String,
    },
    /// An API token of a namespace was created, revoked, or got a new access key.
    #[serde(rename_all = "camelCase")]
    Token {
        /// The namespace.
        namespace: String,
        /// The token's id.
        token_id: String,
    },
    /// Anything may have changed: forget everything.
    Everything,
}

/// The engine lease of `epoch` was released: whoever wants it may take it now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeaseReleased {
    /// The epoch of the term that ended.
    pub epoch: i64,
}

/// What a subscriber hears.
#[derive(Debug, Clone, PartialEq)]
pub enum Heard<T> {
    /// A message.
    Message(T),
    /// Messages may have been lost (the listening connection was lost and is back, the subscriber
    /// fell behind, or a message was too large to send): read the state again.
    MayHaveMissed,
}

/// A message between processes: who sent it, and what (`None`: too large to send, so dropped).
#[derive(Debug, Serialize, Deserialize)]
struct Envelope {
    #[serde(rename = "o")]
    origin: String,
    #[serde(rename = "m", default)]
    message: Option<serde_json::Value>,
}

/// A change as it travels between replicas (`Change` itself has no wire form).
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
enum WireChange {
    Deployment(DeploymentChange),
    Target(TargetChange),
}

impl From<&Change> for WireChange {
    fn from(change: &Change) -> Self {
        match change {
            Change::Deployment(change) => WireChange::Deployment(change.clone()),
            Change::Target(change) => WireChange::Target(change.clone()),
        }
    }
}

impl From<WireChange> for Change {
    fn from(change: WireChange) -> Self {
        match change {
            WireChange::Deployment(change) => Change::Deployment(change),
            WireChange::Target(change) => Change::Target(change),
        }
    }
}

/// What the in-process channels carry: a message's JSON, or "may have missed".
#[derive(Debug, Clone)]
enum Delivery {
    Message(Arc<serde_json::Value>),
    Missed,
}

/// The bus of one store; cheap to clone.
#[derive(Clone)]
pub struct Bus(Arc<Inner>);

struct Inner {
    /// This process's name on the bus (random per store), so its listener skips its own messages.
    origin: String,
    nudge: broadcast::Sender<Delivery>,
    access: broadcast::Sender<Delivery>,
    lease: broadcast::Sender<Delivery>,
    /// PostgreSQL: messages sent outside a transaction go to the publisher task through this.
    outbox: OnceLock<mpsc::UnboundedSender<(Topic, String)>>,
    /// Dropped with the bus: its tasks end.
    _alive: watch::Sender<()>,
}

impl Default for Bus {
    fn default() -> Self {
        let channel = || broadcast::channel(CHANNEL).0;
        Self(Arc::new(Inner {
            origin: uuid::Uuid::new_v4().simple().to_string(),
            nudge: channel(),
            access: channel(),
            lease: channel(),
            outbox: OnceLock::new(),
            _alive: watch::channel(()).0,
        }))
    }
}

impl Bus {
    fn local(&self, topic: Topic) -> Option<&broadcast::Sender<Delivery>> {
        match topic {
            Topic::Nudge => Some(&self.0.nudge),
            Topic::Access => Some(&self.0.access),
            Topic::Lease => Some(&self.0.lease),
            // The change feed is the store's own (`ChangeFeed`); the bus only carries it across.
            Topic::Change => None,
        }
    }

    /// Delivers a message to this process's subscribers.
    fn deliver(&self, topic: Topic, delivery: Delivery) {
        if let Some(sender) = self.local(topic) {
            // An error only means nobody listens right now.
            let _ = sender.send(delivery);
        }
    }

    /// The `NOTIFY` payload of a message from this process (a too-large message travels as "missed").
    fn envelope(&self, message: &serde_json::Value) -> String {
        let envelope = Envelope { origin: self.0.origin.clone(), message: Some(message.clone()) };
        let text = serde_json::to_string(&envelope).unwrap_or_default();
        if text.len() <= MAX_PAYLOAD {
            return text;
        }
        serde_json::to_string(&Envelope { origin: self.0.origin.clone(), message: None }).unwrap_or_default()
    }

    /// Publishes a message now, outside any transaction: to this process at once, to the other
    /// replicas through the publisher task (never waits).
    fn publish(&self, topic: Topic, message: &impl Serialize) {
        let Ok(message) = serde_json::to_value(message) else { return };
        if let Some(outbox) = self.0.outbox.get() {
            let _ = outbox.send((topic, self.envelope(&message)));
        }
        self.deliver(topic, Delivery::Message(Arc::new(message)));
    }

    /// Tells the engine (the replica running it) to look at a deployment now.
    pub fn nudge(&self, namespace: &str, deployment_id: &str) {
        let nudge = Nudge { namespace: namespace.to_owned(), deployment_id: deployment_id.to_owned() };
        self.publish(Topic::Nudge, &nudge);
    }

    /// Says that access changed, outside a transaction (prefer `Tx::access_changed`, which says it
    /// if and only if the write commits).
    pub fn access_changed(&self, change: &AccessChange) {
        self.publish(Topic::Access, change);
    }

    /// Nudges from every replica, from now on.
    pub fn nudges(&self) -> Subscription<Nudge> {
        self.subscribe(Topic::Nudge)
    }

    /// Access changes from every replica, from now on.
    pub fn access_changes(&self) -> Subscription<AccessChange> {
        self.subscribe(Topic::Access)
    }

    /// Releases of the engine lease (`Store::release_engine_lease`), from now on.
    pub fn lease_releases(&self) -> Subscription<LeaseReleased> {
        self.subscribe(Topic::Lease)
    }

    fn subscribe<T>(&self, topic: Topic) -> Subscription<T> {
        let receiver = match self.local(topic) {
            Some(sender) => sender.subscribe(),
            None => broadcast::channel(1).1,
        };
        Subscription { receiver, _message: std::marker::PhantomData }
    }

    /// Sends `message` on `topic` inside the transaction `tx` (PostgreSQL): the other replicas
    /// hear it when, and only if, the transaction commits. The caller delivers it in-process
    /// after the commit (`deliver_committed`).
    pub(crate) async fn notify_in(
        &self,
        tx: &mut sqlx::Transaction<'static, sqlx::Any>,
        topic: Topic,
        message: &serde_json::Value,
    ) -> Result<(), StorageError> {
        sqlx::query("SELECT pg_notify($1, $2)")
            .bind(topic.channel())
            .bind(self.envelope(message))
            .execute(&mut **tx)
            .await?;
        Ok(())
    }

    /// Delivers in-process what a committed transaction sent.
    pub(crate) fn deliver_committed(&self, sent: Vec<(Topic, serde_json::Value)>) {
        for (topic, message) in sent {
            self.deliver(topic, Delivery::Message(Arc::new(message)));
        }
    }

    /// The feed's changes as a message (`Topic::Change`).
    pub(crate) fn changes_message(changes: &[Change]) -> serde_json::Value {
        let wire: Vec<WireChange> = changes.iter().map(WireChange::from).collect();
        serde_json::to_value(wire).unwrap_or_default()
    }

    /// PostgreSQL: starts the task that sends messages published outside a transaction, and the
    /// listener that hears the other replicas (their changes go into `feed`). Both end with the bus.
    pub(crate) fn connect_replicas(&self, pool: AnyPool, url: String, feed: ChangeFeed) {
        let (outbox, outgoing) = mpsc::unbounded_channel();
        if self.0.outbox.set(outbox).is_err() {
            return;
        }
        tokio::spawn(send_outgoing(pool, outgoing));
        let alive = self.0._alive.subscribe();
        tokio::spawn(listen(Arc::downgrade(&self.0), url, feed, alive));
    }
}

/// Messages of one topic, as a subscriber hears them.
pub struct Subscription<T> {
    receiver: broadcast::Receiver<Delivery>,
    _message: std::marker::PhantomData<fn() -> T>,
}

impl<T: DeserializeOwned> Subscription<T> {
    /// The next message, or `None` once the bus is gone. A message that does not read as `T` (a
    /// newer replica's) is skipped.
    pub async fn next(&mut self) -> Option<Heard<T>> {
        loop {
            match self.receiver.recv().await {
                Ok(Delivery::Message(message)) => match T::deserialize(message.as_ref()) {
                    Ok(message) => return Some(Heard::Message(message)),
                    Err(err) => tracing::warn!(error = %err, "a bus message of an unknown form was skipped"),
                },
                Ok(Delivery::Missed) | Err(broadcast::error::RecvError::Lagged(_)) => {
                    return Some(Heard::MayHaveMissed)
                }
                Err(broadcast::error::RecvError::Closed) => return None,
            }
        }
    }
}

/// Sends the messages published outside transactions, in order, until the bus is gone.
async fn send_outgoing(pool: AnyPool, mut outgoing: mpsc::UnboundedReceiver<(Topic, String)>) {
    while let Some((topic, payload)) = outgoing.recv().await {
        let sent = sqlx::query("SELECT pg_notify($1, $2)").bind(topic.channel()).bind(payload).execute(&pool).await;
        if let Err(err) = sent {
            // The replicas resync on their own schedule; a lost hint only delays them.
            tracing::warn!(error = %err, channel = topic.channel(), "a bus message could not be sent");
        }
    }
}

/// Listens to every channel, hands the other replicas' messages to this process's subscribers
/// (changes to `feed`), and after a lost connection is back tells them they may have missed some.
async fn listen(bus: std::sync::Weak<Inner>, url: String, feed: ChangeFeed, mut alive: watch::Receiver<()>) {
    let mut first = true;
    loop {
        let mut listener = tokio::select! {
            listener = connect_listener(&url) => listener,
            _ = alive.changed() => return,
        };
        let Some(origin) = bus.upgrade().map(|inner| inner.origin.clone()) else { return };
        if !first {
            tracing::info!("listening to the other replicas again; telling subscribers they may have missed messages");
            announce_missed(&bus, &feed);
        }
        first = false;
        loop {
            let received = tokio::select! {
                received = listener.try_recv() => received,
                _ = alive.changed() => return,
            };
            match received {
                Ok(Some(notification)) => {
                    let Some(inner) = bus.upgrade() else { return };
                    hear(&Bus(inner), &origin, &feed, notification.channel(), notification.payload());
                }
                // Lost, and listening again already (sqlx reconnects at once).
                Ok(None) => {
                    tracing::warn!("the bus's listening connection was lost and is back");
                    announce_missed(&bus, &feed);
                }
                Err(err) => {
                    tracing::warn!(error = %err, "the bus's listening connection failed; connecting again");
                    break;
                }
            }
        }
        tokio::select! {
            _ = tokio::time::sleep(RECONNECT_AFTER) => {}
            _ = alive.changed() => return,
        }
    }
}

/// A listener on every channel; tries until it has one.
async fn connect_listener(url: &str) -> sqlx::postgres::PgListener {
    loop {
        let connected = async {
            let mut listener = sqlx::postgres::PgListener::connect(url).await?;
            listener.listen_all(Topic::ALL.iter().map(|topic| topic.channel())).await?;
            Ok::<_, sqlx::Error>(listener)
        }
        .await;
        match connected {
            Ok(listener) => return listener,
            Err(err) => {
                tracing::warn!(error = %crate::redacted(url, &err.to_string()), "the bus cannot listen yet; trying again");
                tokio::time::sleep(RECONNECT_AFTER).await;
            }
        }
    }
}

fn announce_missed(bus: &std::sync::Weak<Inner>, feed: &ChangeFeed) {
    if let Some(inner) = bus.upgrade() {
        let bus = Bus(inner);
        for topic in [Topic::Nudge, Topic::Access, Topic::Lease] {
            bus.deliver(topic, Delivery::Missed);
        }
    }
    feed.gap();
}

/// One notification from the database: skipped if this process sent it.
fn hear(bus: &Bus, origin: &str, feed: &ChangeFeed, channel: &str, payload: &str) {
    let Some(topic) = Topic::of_channel(channel) else { return };
    let envelope: Envelope = match serde_json::from_str(payload) {
        Ok(envelope) => envelope,
        Err(err) => {
            tracing::warn!(error = %err, channel, "an unreadable bus message was skipped");
            return;
        }
    };
    if envelope.origin == origin {
        return;
    }
    match (topic, envelope.message) {
        (Topic::Change, Some(message)) => match serde_json::from_value::<Vec<WireChange>>(message) {
            Ok(changes) => feed.publish(changes.into_iter().map(Change::from).collect()),
            Err(_) => feed.gap(),
        },
        (Topic::Change, None) => feed.gap(),
        (topic, Some(message)) => bus.deliver(topic, Delivery::Message(Arc::new(message))),
        (topic, None) => bus.deliver(topic, Delivery::Missed),
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use domain::NamespaceName;

    use super::{AccessChange, Heard, Nudge, Subscription};
    use crate::changes::Next;
    use crate::testing::{backend, fresh_store, sample_deployment};
    use crate::Store;

    const WITHIN: Duration = Duration::from_secs(10);

    async fn next<T: serde::de::DeserializeOwned>(subscription: &mut Subscription<T>) -> Heard<T> {
        tokio::time::timeout(WITHIN, subscription.next()).await.expect("a message in time").expect("the bus")
    }

    async fn nothing_more<T: serde::de::DeserializeOwned + std::fmt::Debug>(subscription: &mut Subscription<T>) {
        let more = tokio::time::timeout(Duration::from_millis(300), subscription.next()).await;
        assert!(more.is_err(), "nothing more: {more:?}");
    }

    fn nudge(id: &str) -> Heard<Nudge> {
        Heard::Message(Nudge { namespace: "default".into(), deployment_id: id.into() })
    }

    /// Two replicas on one PostgreSQL database, both listening already.
    async fn two_replicas() -> (Store, Store, crate::testing::TestDatabase) {
        let (first, database) = fresh_store().await;
        let second = Store::connect(database.url()).await.expect("a second replica");
        // Each listener connects on its own; a message before it listens is not heard.
        for (from, to) in [(&first, &second), (&second, &first)] {
            let mut heard = to.bus().nudges();
            let warmed = tokio::time::timeout(WITHIN, async {
                loop {
                    from.bus().nudge("default", "warm-up");
                    if let Ok(Some(Heard::Message(_))) =
                        tokio::time::timeout(Duration::from_millis(100), heard.next()).await
                    {
                        return;
                    }
                }
            })
            .await;
            assert!(warmed.is_ok(), "the replicas hear each other");
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
        (first, second, database)
    }

    #[tokio::test]
    async fn a_message_is_heard_in_process_at_once_and_once() {
        let (store, _database) = fresh_store().await;
        let mut nudges = store.bus().nudges();
        store.bus().nudge("default", "d1");
        assert_eq!(next(&mut nudges).await, nudge("d1"));
        // On PostgreSQL the process's own listener hears it too, and skips it.
        nothing_more(&mut nudges).await;
    }

    #[tokio::test]
    async fn an_access_change_is_said_only_if_its_transaction_commits() {
        let (store, _database) = fresh_store().await;
        let mut changes = store.bus().access_changes();
        let change = AccessChange::Membership { namespace: "default".into(), user_id: "u1".into() };
        let mut dropped = store.begin().await.expect("tx");
        dropped.access_changed(&change).await.expect("said");
        drop(dropped);
        let mut tx = store.begin().await.expect("tx");
        tx.access_changed(&change).await.expect("said");
        nothing_more(&mut changes).await;
        tx.commit().await.expect("committed");
        assert_eq!(next(&mut changes).await, Heard::Message(change));
        nothing_more(&mut changes).await;
    }

    #[tokio::test]
    async fn another_replica_hears_nudges_access_changes_and_committed_changes() {
        if backend() != "postgres" {
            return; // On SQLite the bus is one process's.
        }
        let (first, second, _database) = two_replicas().await;
        let mut nudges = second.bus().nudges();
        let mut access = second.bus().access_changes();
        let mut feed = second.changes().subscribe(None);

        first.bus().nudge("default", "d1");
        assert_eq!(next(&mut nudges).await, nudge("d1"));

        let change = AccessChange::Session { token_hash: "abc".into() };
        let mut dropped = first.begin().await.expect("tx");
        dropped.access_changed(&AccessChange::Everything).await.expect("said");
        drop(dropped);
        let mut tx = first.begin().await.expect("tx");
        tx.access_changed(&change).await.expect("said");
        tx.commit().await.expect("committed");
        assert_eq!(next(&mut access).await, Heard::Message(change), "the rolled-back one never arrives");

        let default = NamespaceName::parse("default").expect("name");
        first.ensure_namespace(&default).await.expect("namespace");
        let deployment = sample_deployment("default", "seen-elsewhere", domain::ExecutionMode::Streaming);
        first.insert_deployment(&deployment).await.expect("inserted");
        let heard = tokio::time::timeout(WITHIN, feed.next()).await.expect("in time");
        let Next::Change(change) = heard else { panic!("a change, got {heard:?}") };
        let domain::live::Change::Deployment(change) = &change.change else { panic!("{change:?}") };
        assert_eq!(change.id, deployment.metadata.id);
        assert_eq!(feed.position(), second.changes().position(), "numbered in the second replica's sequence");

        let mut releases = second.bus().lease_releases();
        let Ok(crate::Lease::Held(fence)) = first.acquire_engine_lease("first", None, WITHIN).await else {
            panic!("the first replica takes the lease")
        };
        assert!(first.release_engine_lease(&fence).await.expect("released"));
        assert_eq!(next(&mut releases).await, Heard::Message(super::LeaseReleased { epoch: fence.epoch }));
        nothing_more(&mut nudges).await;
    }

    #[tokio::test]
    async fn after_a_lost_listening_connection_subscribers_are_told_they_may_have_missed_messages() {
        if backend() != "postgres" {
            return;
        }
        let (first, second, _database) = two_replicas().await;
        let mut nudges = second.bus().nudges();
        let mut feed = second.changes().subscribe(None);
        let before = second.changes().position().to_string();
        let terminated: Vec<(bool,)> = sqlx::query_as(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
             WHERE datname = current_database() AND pid <> pg_backend_pid() AND query LIKE 'LISTEN%'",
        )
        .fetch_all(&first.pool)
        .await
        .expect("the listeners terminated");
        assert_eq!(terminated.len(), 2, "both replicas listen");
        assert_eq!(next(&mut nudges).await, Heard::MayHaveMissed);
        let missed = tokio::time::timeout(WITHIN, feed.next()).await.expect("in time");
        assert!(matches!(missed, Next::Missed), "{missed:?}");
        let resumed = second.changes().subscribe(Some(&before));
        assert!(matches!(resumed.start, crate::changes::Start::Resync(_)), "{:?}", resumed.start);
        // Listening again: messages arrive as before.
        let heard = tokio::time::timeout(WITHIN, async {
            loop {
                first.bus().nudge("default", "after");
                if let Ok(Some(Heard::Message(_))) =
                    tokio::time::timeout(Duration::from_millis(200), nudges.next()).await
                {
                    return;
                }
            }
        })
        .await;
        assert!(heard.is_ok(), "the replicas hear each other again");
    }
}
