//! What identifying and authorising a request read from the database lately, so that the next
//! request by the same caller usually reads nothing: live credentials (sessions and API tokens by
//! the SHA-256 of their secret, as the store keeps them; access keys by their id, their secret
//! being derived, never kept) and role bindings (does a namespace exist, and what is a user's role
//! there).
//!
//! It must never answer with access that has ended:
//! - every change of access forgets everything it holds (`Services::access_changed`, called once
//!   the change has committed; another replica's changes arrive through `forget_cached_access`);
//! - an answer read from the database while access changed is not kept: a read takes a `Ticket`
//!   before it starts, and keeping its answer is refused once anything was forgotten since;
//! - a session's or token's expiry is checked against the clock on every hit;
//! - only what grants access is kept (a live credential, an existing namespace): unknown, revoked
//!   and expired credentials are read again each time, so a guesser cannot fill the cache.
//!
//! Bounded: at most `MAX_ENTRIES` credentials and as many role bindings, the oldest forgotten
//! first; an entry is also forgotten `TIME_TO_LIVE` after it was read, a safety net should a
//! change ever be missed (a replica's notification lost).

use std::collections::{HashMap, VecDeque};
use std::hash::Hash;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use domain::{NamespaceName, Role};
use time::OffsetDateTime;

use crate::{Caller, ServiceError, Services};

/// The most credentials kept, and the most role bindings.
pub const MAX_ENTRIES: usize = 10_000;
/// How long an entry is believed at most after it was read from the database.
pub const TIME_TO_LIVE: Duration = Duration::from_secs(30);

/// A credential as the cache knows it: never the secret itself.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub(crate) enum Credential {
    /// A session cookie, by the hash of its secret.
    Session(String),
    /// An API token sent as a bearer token, by the hash of its secret.
    Token(String),
    /// An API token's access key, by its AccessKey ID.
    AccessKey(String),
}

/// Who a live credential signs in, until when (`None`: a token that never expires).
#[derive(Clone, Debug)]
pub(crate) struct Identity {
    pub(crate) caller: Caller,
    pub(crate) expires: Option<OffsetDateTime>,
}

impl Identity {
    /// Whether the credential still signs its caller in at `now`.
    fn live_at(&self, now: OffsetDateTime) -> bool {
        self.expires.is_none_or(|expires| now < expires)
    }
}

/// A namespace (by name) and a user (by id; `None` for a token or an admin, who need only know
/// that the namespace exists).
type Binding = (String, Option<String>);

/// Taken before a database read whose answer may be kept: keeping it is refused if anything was
/// forgotten since (the answer may predate the change).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Ticket(u64);

/// The cache; cheap to clone (clones share it).
#[derive(Clone, Default)]
pub(crate) struct AccessCache {
    inner: Arc<Mutex<Inner>>,
}

#[derive(Default)]
struct Inner {
    /// Counts the times everything was forgotten.
    generation: u64,
    identities: Bounded<Credential, Identity>,
    /// A member's role in an existing namespace (`None`: not a member).
    roles: Bounded<Binding, Option<Role>>,
}

impl AccessCache {
    fn inner(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// To take before reading what may be kept.
    pub(crate) fn ticket(&self) -> Ticket {
        Ticket(self.inner().generation)
    }

    /// The caller `credential` signs in, if it was read lately and has not expired.
    pub(crate) fn identity(&self, credential: &Credential) -> Option<Caller> {
        self.identity_at(credential, Instant::now(), OffsetDateTime::now_utc())
    }

    fn identity_at(&self, credential: &Credential, now: Instant, wall: OffsetDateTime) -> Option<Caller> {
        let inner = self.inner();
        inner.identities.get(credential, now).filter(|identity| identity.live_at(wall)).map(|i| i.caller.clone())
    }

    /// Keeps who a live credential signs in, unless access changed since `ticket` was taken.
    pub(crate) fn keep_identity(&self, ticket: Ticket, credential: Credential, identity: Identity) {
        self.keep_identity_at(ticket, credential, identity, Instant::now());
    }

    fn keep_identity_at(&self, ticket: Ticket, credential: Credential, identity: Identity, now: Instant) {
        let mut inner = self.inner();
        if inner.generation == ticket.0 {
            inner.identities.insert(credential, identity, now);
        }
    }

    /// The role of `user_id` (`None`: a token or an admin) in the existing `namespace`, if read
    /// lately: `Some(None)` when they are not a member. `None` when nothing is known.
    pub(crate) fn role(&self, namespace: &str, user_id: Option<&str>) -> Option<Option<Role>> {
        let key = (namespace.to_owned(), user_id.map(str::to_owned));
        self.inner().roles.get(&key, Instant::now()).copied()
    }

    /// Keeps the role of `user_id` in the existing `namespace`, unless access changed since
    /// `ticket` was taken.
    pub(crate) fn keep_role(&self, ticket: Ticket, namespace: &str, user_id: Option<&str>, role: Option<Role>) {
        let mut inner = self.inner();
        if inner.generation == ticket.0 {
            inner.roles.insert((namespace.to_owned(), user_id.map(str::to_owned)), role, Instant::now());
        }
    }

    /// Forgets everything, and refuses to keep what reads under way bring back.
    pub(crate) fn forget_all(&self) {
        let mut inner = self.inner();
        inner.generation = inner.generation.wrapping_add(1);
        inner.identities.clear();
        inner.roles.clear();
    }

    /// How many credentials and role bindings are kept now.
    #[cfg(test)]
    pub(crate) fn len(&self) -> (usize, usize) {
        let inner = self.inner();
        (inner.identities.entries.len(), inner.roles.entries.len())
    }
}

/// A change of who may do what, committed by this process: `Services::access_changed` is told of
/// each, after its transaction committed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccessChange {
    /// Someone signed in: a new session.
    SessionStarted,
    /// A session ended (signed out).
    SessionEnded,
    /// A user was created.
    UserCreated,
    /// A user was deleted, with their sessions, memberships and tokens.
    UserDeleted,
    /// A user's password changed (by them or an admin): their other sessions, or all, ended.
    PasswordChanged,
    /// A member was added, changed role (lowering it revokes tokens) or was removed (with their
    /// tokens there).
    MembershipChanged,
    /// A namespace was created (with its first owner).
    NamespaceCreated,
    /// An API token was created.
    TokenCreated,
    /// An API token was revoked.
    TokenRevoked,
    /// A token's access key was made or replaced (the old one stops working).
    AccessKeyReplaced,
}

impl AccessChange {
    /// Whether the change can end or narrow access that a cache holds. A new session or token
    /// cannot: its secret was drawn just now, so no cache has kept it (unknown credentials are
    /// never kept). Everything else can, or is too rare to be worth telling apart.
    pub fn may_end_access(self) -> bool {
        match self {
            Self::SessionStarted | Self::TokenCreated => false,
            Self::SessionEnded
            | Self::UserCreated
            | Self::UserDeleted
            | Self::PasswordChanged
            | Self::MembershipChanged
            | Self::NamespaceCreated
            | Self::TokenRevoked
            | Self::AccessKeyReplaced => true,
        }
    }

    /// A name for logs and notifications (`token-revoked`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::SessionStarted => "session-started",
            Self::SessionEnded => "session-ended",
            Self::UserCreated => "user-created",
            Self::UserDeleted => "user-deleted",
            Self::PasswordChanged => "password-changed",
            Self::MembershipChanged => "membership-changed",
            Self::NamespaceCreated => "namespace-created",
            Self::TokenCreated => "token-created",
            Self::TokenRevoked => "token-revoked",
            Self::AccessKeyReplaced => "access-key-replaced",
        }
    }
}

/// Told of every change of access this process commits that may end access (to tell the other
/// replicas, which then call `Services::forget_cached_access`).
pub type AccessNotifier = Arc<dyn Fn(AccessChange) + Send + Sync>;

impl Services {
    /// The same services, telling `notify` of every change of access this process commits that
    /// may end access (`AccessChange::may_end_access`), after its own cache forgot everything: the
    /// replicas' bus publishes it, and each other replica calls `forget_cached_access`. Called
    /// synchronously on the writer's task: hand the change over (a channel), do not wait.
    pub fn on_access_change(mut self, notify: impl Fn(AccessChange) + Send + Sync + 'static) -> Self {
        self.access_notifier = Some(Arc::new(notify));
        self
    }

    /// The one place every change of sessions, tokens, access keys, users, memberships, roles and
    /// namespaces is reported, once its transaction has committed: this process's cache of
    /// credentials and role bindings forgets everything (and answers being read now are not kept),
    /// and the other replicas are told (`on_access_change`). Everything, rather than the entries
    /// the change concerns: such changes are rare (people's and owners' actions, not requests),
    /// and forgetting costs each active caller one read of the database on their next request —
    /// what every request cost before the cache — while working out which entries a change
    /// touches (a user's tokens, a namespace's members) would be a second copy of the rules.
    pub fn access_changed(&self, what: AccessChange) {
        if !what.may_end_access() {
            return;
        }
        self.access_cache.forget_all();
        tracing::debug!(change = what.as_str(), "access changed: cached credentials and roles forgotten");
        if let Some(notify) = &self.access_notifier {
            notify(what);
        }
    }

    /// Forgets every cached credential and role binding: for another replica's change of access
    /// (their bus calls it), or whenever the cache may have missed a change (that bus reconnected).
    /// The next request of each caller reads the database again.
    pub fn forget_cached_access(&self) {
        self.access_cache.forget_all();
    }

    /// Whether `namespace` exists, and `user_id`'s role there (`None` without a user, or when they
    /// are not a member): from the cache, else from the store (and kept if the namespace exists).
    pub(crate) async fn namespace_access(
        &self,
        namespace: &NamespaceName,
        user_id: Option<&str>,
    ) -> Result<(bool, Option<Role>), ServiceError> {
        if let Some(role) = self.access_cache.role(namespace.as_str(), user_id) {
            return Ok((true, role));
        }
        let ticket = self.access_cache.ticket();
        let (exists, role) = self.store.namespace_access(namespace, user_id).await?;
        if exists {
            self.access_cache.keep_role(ticket, namespace.as_str(), user_id, role);
        }
        Ok((exists, role))
    }
}

/// A map of at most `MAX_ENTRIES` entries, each believed for `TIME_TO_LIVE`; the oldest go first.
struct Bounded<K, V> {
    entries: HashMap<K, (V, Instant)>,
    /// The keys in the order they were kept, with when: an item whose time is not its entry's any
    /// more (kept again since, or forgotten) is skipped.
    order: VecDeque<(K, Instant)>,
}

impl<K, V> Default for Bounded<K, V> {
    fn default() -> Self {
        Self { entries: HashMap::new(), order: VecDeque::new() }
    }
}

impl<K: Clone + Eq + Hash, V> Bounded<K, V> {
    fn get(&self, key: &K, now: Instant) -> Option<&V> {
        let (value, kept) = self.entries.get(key)?;
        (now.saturating_duration_since(*kept) < TIME_TO_LIVE).then_some(value)
    }

    fn insert(&mut self, key: K, value: V, now: Instant) {
        self.entries.insert(key.clone(), (value, now));
        self.order.push_back((key, now));
        while let Some((key, kept)) = self.order.front() {
            let current = self.entries.get(key).is_some_and(|(_, at)| at == kept);
            let full = self.entries.len() > MAX_ENTRIES;
            let stale = now.saturating_duration_since(*kept) >= TIME_TO_LIVE;
            if current && !full && !stale {
                break;
            }
            if let Some((key, _)) = self.order.pop_front() {
                if current {
                    self.entries.remove(&key);
                }
            }
        }
        // Keys kept again leave items behind in `order`; drop them before they outgrow the map.
        if self.order.len() > 2 * MAX_ENTRIES {
            let entries = &self.entries;
            self.order.retain(|(key, kept)| entries.get(key).is_some_and(|(_, at)| at == kept));
        }
    }

    fn clear(&mut self) {
        self.entries.clear();
        self.order.clear();
    }
}

#[cfg(test)]
mod tests {
    use domain::User;

    use super::*;

    fn someone(name: &str) -> Caller {
        Caller::User(User {
            id: format!("id-{name}"),
            name: name.into(),
            admin: false,
            created_at: "2026-01-01T00:00:00Z".into(),
            must_change_password: false,
        })
    }

    fn session(n: usize) -> Credential {
        Credential::Session(format!("hash-{n}"))
    }

    fn forever(name: &str) -> Identity {
        Identity { caller: someone(name), expires: None }
    }

    #[test]
    fn a_kept_identity_is_answered_until_its_expiry_by_the_clock() {
        let cache = AccessCache::default();
        let now = Instant::now();
        let wall = OffsetDateTime::now_utc();
        let expires = wall + time::Duration::seconds(5);
        cache.keep_identity_at(
            cache.ticket(),
            session(1),
            Identity { caller: someone("ann"), expires: Some(expires) },
            now,
        );
        assert_eq!(cache.identity_at(&session(1), now, wall), Some(someone("ann")));
        assert_eq!(
            cache.identity_at(&session(1), now, expires - time::Duration::milliseconds(1)),
            Some(someone("ann"))
        );
        assert_eq!(cache.identity_at(&session(1), now, expires), None, "at its expiry the session ends");
        assert_eq!(cache.identity_at(&Credential::Token("hash-1".into()), now, wall), None, "a token is not a session");
    }

    #[test]
    fn an_entry_is_believed_for_its_time_to_live_only() {
        let cache = AccessCache::default();
        let now = Instant::now();
        let wall = OffsetDateTime::now_utc();
        cache.keep_identity_at(cache.ticket(), session(1), forever("ann"), now);
        assert!(cache.identity_at(&session(1), now + TIME_TO_LIVE - Duration::from_millis(1), wall).is_some());
        assert_eq!(cache.identity_at(&session(1), now + TIME_TO_LIVE, wall), None);
        cache.keep_identity_at(cache.ticket(), session(2), forever("bo"), now + TIME_TO_LIVE);
        assert_eq!(cache.len().0, 1, "the stale entry went when another was kept");
    }

    #[test]
    fn forgetting_refuses_what_a_read_under_way_brings_back() {
        let cache = AccessCache::default();
        cache.keep_identity(cache.ticket(), session(1), forever("ann"));
        cache.keep_role(cache.ticket(), "default", Some("id-ann"), Some(Role::Owner));
        let before_the_change = cache.ticket();
        cache.forget_all();
        assert_eq!(cache.identity(&session(1)), None);
        assert_eq!(cache.role("default", Some("id-ann")), None);
        cache.keep_identity(before_the_change, session(1), forever("ann"));
        cache.keep_role(before_the_change, "default", Some("id-ann"), Some(Role::Owner));
        assert_eq!(cache.len(), (0, 0), "read before the change: maybe stale, not kept");
        cache.keep_role(cache.ticket(), "default", Some("id-ann"), Some(Role::Viewer));
        cache.keep_role(cache.ticket(), "default", None, None);
        assert_eq!(cache.role("default", Some("id-ann")), Some(Some(Role::Viewer)));
        assert_eq!(cache.role("default", None), Some(None));
        assert_eq!(cache.role("other", None), None);
    }

    #[test]
    fn at_most_max_entries_are_kept_and_the_oldest_go_first() {
        let cache = AccessCache::default();
        let now = Instant::now();
        for n in 0..MAX_ENTRIES + 10 {
            cache.keep_identity_at(cache.ticket(), session(n), forever("ann"), now + Duration::from_micros(n as u64));
        }
        assert_eq!(cache.len().0, MAX_ENTRIES);
        let later = now + Duration::from_secs(1);
        let wall = OffsetDateTime::now_utc();
        assert_eq!(cache.identity_at(&session(9), later, wall), None, "among the oldest");
        assert!(cache.identity_at(&session(10), later, wall).is_some());
        assert!(cache.identity_at(&session(MAX_ENTRIES + 9), later, wall).is_some());
    }

    #[test]
    fn keeping_the_same_key_again_keeps_the_bounds() {
        let mut map = Bounded::<u32, u32>::default();
        let now = Instant::now();
        for n in 0..5 * MAX_ENTRIES as u64 {
            map.insert(7, 7, now + Duration::from_nanos(n));
        }
        assert_eq!(map.entries.len(), 1);
        assert!(map.order.len() <= 2 * MAX_ENTRIES, "{}", map.order.len());
        assert_eq!(map.get(&7, now + Duration::from_secs(1)), Some(&7));
    }
}
