//! The console's service layer: the one authorisation function (`Services::require`) and the only
//! write path. The REST API and the server functions both call it; neither touches the store. Every
//! change it makes is checked here and lands in the audit log. It knows nothing of HTTP routing or
//! of Leptos.

#![warn(missing_docs)]

mod access;
mod access_cache;
#[cfg(test)]
#[path = "access_cache_tests.rs"]
mod access_cache_store_tests;
mod access_keys;
mod artifacts;
pub mod auth;
mod autopilot;
mod compatibility;
mod current_job;
mod deployments;
mod error;
mod forms;
mod guard;
pub mod live;
mod metrics_access;
mod network;
mod plans;
mod reads;
mod savepoints;
mod sql;
mod start;
mod targets;
pub mod yaml;

pub use access_cache::{AccessChange, AccessNotifier};
pub use access_keys::{AccessKeyMaster, ACCESS_KEY_ID_PREFIX};
pub use artifacts::{
    human_bytes, parse_artifact_name, too_large, ArtifactUpload, UploadOutcome, DEFAULT_MAX_ARTIFACT_BYTES,
};
pub use compatibility::CompatibilityChecker;
pub use current_job::{CurrentJob, JobExceptions, LiveJob};
pub use metrics_access::{ScrapeToken, COUNTS_FRESH_FOR, MIN_SCRAPE_TOKEN_CHARS};
pub use network::stored_network_policy;
pub use plans::{describe_time_point, TuningSetup, PLAN_HISTORY_SHOWN};
pub use savepoints::COPIED_FROM;
pub use sql::MAX_CATALOG_STATEMENTS;
pub use start::RESTORABLE_LISTED;
pub use targets::MAX_TARGETS;

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

pub use auth::{Caller, Scope, Secret};
pub use domain::Permission;
use domain::{DeploymentTarget, DeploymentTargetStatus, NamespaceName, TargetHealth};
pub use error::ServiceError;
use flink::network::NetworkPolicy;
pub use storage::StateCounts;
use storage::Store;

/// The services of the console; cheap to clone, one per process.
#[derive(Clone)]
pub struct Services {
    /// Private: every read and write goes through a method that knows its rules.
    store: Store,
    /// The last observed health of every deployment target.
    pub health: HealthBoard,
    /// Tells the lifecycle engine that a deployment changed, so it acts at once.
    nudger: engine::Nudger,
    /// Sign-in limits and the password-hashing pool.
    guard: guard::Guard,
    /// Where the JARs deployments name may come from, uploads included.
    artifacts: engine::artifact::ArtifactStore,
    /// The largest artifact an upload may have, in bytes.
    max_artifact_bytes: u64,
    /// Which session-cluster addresses the console may reach; shared with the Flink clients.
    network: NetworkPolicy,
    /// The state compatibility check's helper; without it every check answers UNKNOWN.
    compat: Option<CompatibilityChecker>,
    /// Flink's SQL parser and planner (a helper JVM); without it the SQL endpoints answer 503.
    sql: Option<flinksql::SqlHelper>,
    /// Where the console's clusters keep savepoints and checkpoints (absolute directories): the
    /// only places a registered `file:` savepoint location may name.
    savepoint_roots: Vec<String>,
    /// The clusters of the deployment targets, for the pages' read-only views of running jobs and
    /// the configuration the compatibility check builds a job under; without them those views say
    /// Flink is not read, and the check builds the job under its own options alone.
    clusters: Option<Arc<dyn engine::Clusters>>,
    /// Where the time comes from for what the services schedule (tuning plans); tests move it.
    clock: Arc<dyn engine::time::Clock>,
    /// The engine's Autopilot memory (decisions and samples); without it the API says the engine
    /// does not run.
    autopilot: Option<Arc<engine::Monitor>>,
    /// Where AccessKey Secrets are derived from, and the nonces signed requests used.
    access_keys: access_keys::AccessKeys,
    /// Who may read `/metrics` besides the admins, and the deployment counts it serves.
    metrics: metrics_access::MetricsAccess,
    /// The credentials and role bindings read lately, so that most requests read none; forgotten
    /// at every change of access (`access_changed`).
    access_cache: access_cache::AccessCache,
    /// Told of this process's changes of access, for the other replicas (`on_access_change`).
    access_notifier: Option<AccessNotifier>,
}

impl Services {
    /// The services over `store`, telling the engine of changes through `nudger`. Nothing inside
    /// the console's network may be registered unless `with_network_policy` says otherwise.
    pub fn new(store: Store, health: HealthBoard, nudger: engine::Nudger) -> Self {
        health.publish_to(store.changes().clone());
        Self {
            store,
            health,
            nudger,
            guard: guard::Guard::default(),
            artifacts: Default::default(),
            max_artifact_bytes: DEFAULT_MAX_ARTIFACT_BYTES,
            network: NetworkPolicy::default(),
            compat: None,
            sql: None,
            savepoint_roots: Vec::new(),
            clusters: None,
            autopilot: None,
            clock: Arc::new(engine::time::SystemClock),
            access_keys: access_keys::AccessKeys::default(),
            metrics: metrics_access::MetricsAccess::default(),
            access_cache: access_cache::AccessCache::default(),
            access_notifier: None,
        }
    }

    /// The same services, reading the time from `clock` (a hand-moved one in tests).
    pub fn with_clock(mut self, clock: Arc<dyn engine::time::Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Now, by the services' clock, in milliseconds since the epoch.
    pub fn now_ms(&self) -> i64 {
        self.clock.now_ms()
    }

    /// The same services, answering what the Autopilot knows from `monitor` (the engine's).
    pub fn with_autopilot(mut self, monitor: Arc<engine::Monitor>) -> Self {
        self.autopilot = Some(monitor);
        self
    }

    /// The same services, accepting registered `file:` savepoint locations inside `roots`
    /// (absolute directories; none are accepted without this).
    pub fn with_savepoint_roots(mut self, roots: Vec<String>) -> Self {
        self.savepoint_roots = roots;
        self
    }

    /// The same services, reading running jobs from Flink through `clusters` (the engine's).
    pub fn with_clusters(mut self, clusters: Arc<dyn engine::Clusters>) -> Self {
        self.clusters = Some(clusters);
        self
    }

    /// The same services, checking state compatibility with `checker`.
    pub fn with_compatibility_checker(mut self, checker: CompatibilityChecker) -> Self {
        self.compat = Some(checker);
        self
    }

    /// The same services, taking JARs only from `artifacts` (none at all without this).
    pub fn with_artifacts(mut self, artifacts: engine::artifact::ArtifactStore) -> Self {
        self.artifacts = artifacts;
        self
    }

    /// The same services, checking session clusters against `policy` (the one the Flink clients
    /// use, so an admin's change reaches both).
    pub fn with_network_policy(mut self, policy: NetworkPolicy) -> Self {
        self.network = policy;
        self
    }
}

/// The last observed health of every deployment target, written by the server's prober. A change
/// of a target's health is published on the store's change feed (once `Services::new` connected
/// the board to it), so live pages show it without asking.
#[derive(Clone, Default)]
pub struct HealthBoard {
    board: Arc<RwLock<HashMap<(String, String), TargetHealth>>>,
    feed: Arc<std::sync::OnceLock<storage::changes::ChangeFeed>>,
}

impl HealthBoard {
    /// Publishes health changes on `feed` from now on (the first feed given stays).
    fn publish_to(&self, feed: storage::changes::ChangeFeed) {
        let _ = self.feed.set(feed);
    }

    /// Records what was just observed of a target.
    pub fn set(&self, namespace: &str, target: &str, health: TargetHealth) {
        let mut board = self.board.write().unwrap_or_else(|poisoned| poisoned.into_inner());
        let key = (namespace.to_owned(), target.to_owned());
        let changed = board.get(&key) != Some(&health);
        board.insert(key, health);
        drop(board);
        if let (true, Some(feed)) = (changed, self.feed.get()) {
            use domain::live::{Change, ChangeKind, TargetChange};
            let change = TargetChange { change: ChangeKind::Updated, namespace: namespace.into(), name: target.into() };
            feed.publish(vec![Change::Target(change)]);
        }
    }

    /// The last observation of a target, or "not checked yet".
    pub fn get(&self, namespace: &str, target: &str) -> TargetHealth {
        let board = self.board.read().unwrap_or_else(|poisoned| poisoned.into_inner());
        board
            .get(&(namespace.to_owned(), target.to_owned()))
            .cloned()
            .unwrap_or_else(|| TargetHealth::unknown("not checked yet"))
    }

    /// The target with its observed health as `status`.
    pub fn with_status(&self, mut target: DeploymentTarget) -> DeploymentTarget {
        let health = self.get(&target.metadata.namespace, &target.metadata.name);
        target.status = Some(DeploymentTargetStatus { health });
        target
    }
}

/// Parses a namespace from a request, reporting a bad one as the caller's mistake.
pub fn parse_namespace(raw: &str) -> Result<NamespaceName, ServiceError> {
    NamespaceName::parse(raw).map_err(|err| ServiceError::BadRequest(format!("namespace {raw:?}: {err}")))
}
