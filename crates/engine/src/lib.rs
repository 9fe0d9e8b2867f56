//! The lifecycle engine: drives every deployment's Flink job towards its desired state without
//! losing state. Each pass observes Flink (read only), plans one step with the pure `plan::plan`,
//! records the intent in the store, then acts; `controller` runs passes for every deployment. It
//! must never depend on HTTP or the UI: the console only writes specs and nudges.
//!
//! Where to read: `plan.rs` holds the rules (the transition table of `docs/engine.md`),
//! `bookkeeping.rs` what each step writes, `reconcile.rs` how a step is carried out safely (commit,
//! then call Flink), `record.rs` what the engine remembers between passes, `docs/engine.md` why.

#![warn(missing_docs)]

pub mod artifact;
pub mod autopilot;
pub mod backoff;
pub mod board;
pub mod bookkeeping;
pub mod controller;
pub mod metrics;
pub mod observe;
pub mod plan;
pub mod reconcile;
pub mod record;
pub mod requests;
pub mod start_time;
pub mod time;
pub mod uploads;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use domain::NamespaceName;
use flink::FlinkCluster;
use storage::{StorageError, Store};

pub use autopilot::{AutopilotSettings, Monitor};
pub use backoff::Backoff;
pub use board::Watch;
pub use controller::{spawn_controller, ControllerSettings, Nudger};
pub use plan::{plan, Step};
pub use reconcile::{PassReport, Requeue};
pub use record::{CheckedStart, EngineRecord, RestoreChoice, StartRequest};
pub use time::{Clock, ManualClock, SystemClock};

/// Finds the Flink cluster of a deployment target.
#[async_trait]
pub trait Clusters: Send + Sync {
    /// The cluster behind `target` in `namespace`, or why there is none: the target does not
    /// exist (the deployment FAILS until a person changes it), or it could not be looked up now
    /// (the pass is retried with backoff, nothing fails).
    async fn cluster(&self, namespace: &NamespaceName, target: &str) -> Result<Arc<dyn FlinkCluster>, ClusterError>;
}

/// Why `Clusters::cluster` has no cluster for a target; the variant is the error's class.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClusterError {
    /// Permanent: the target does not exist or names no Flink REST URL the console can reach.
    #[error("{0}")]
    NoTarget(String),
    /// Transient: the target could not be looked up (the store failed); it may exist.
    #[error("the deployment target could not be looked up: {0}")]
    Lookup(String),
}

/// How often the engine looks, and where the bundled SQL runner is.
#[derive(Debug, Clone)]
pub struct Settings {
    /// How often each cluster's job overview is read (one call per cluster): a job at rest whose
    /// state changed behind the console's back gets a pass, and its status says so, within this period.
    pub observe_every: Duration,
    /// A running job's newest checkpoint is recorded this often (a restore after Flink lost the job
    /// starts from it); the only per-job Flink call of a deployment at rest.
    pub checkpoint_refresh: Duration,
    /// A deployment at rest with nothing due is passed again after this long at the latest, whether
    /// or not anything woke it: a safety net under the cluster watch and the nudges.
    pub idle_recheck: Duration,
    /// An operation under way (start, savepoint, cancellation) is polled this often.
    pub poll_every: Duration,
    /// The longest wait between two looks while Flink cannot be reached.
    pub max_backoff: Duration,
    /// The waits between job creation attempts after failed ones (counted against
    /// `maxJobCreationAttempts`), so a refusing cluster is not asked again every `poll_every`.
    pub job_creation_backoff: Backoff,
    /// How long Flink's REST API may report stale checkpoint statistics (its
    /// `rest.cache.checkpoint-statistics.timeout`, by default `web.refresh-interval`, 3 s).
    pub checkpoint_stats_lag: Duration,
    /// How long an Autopilot rescale in place may take before the engine applies it by a stateful
    /// upgrade instead (Flink 2.3 rescales after the next completed checkpoint, and only with free slots).
    pub rescale_timeout: Duration,
    /// The SQL runner jar that runs SQLSCRIPT deployments.
    pub sql_runner_jar: PathBuf,
    /// Where the JARs of JAR deployments may come from.
    pub artifacts: artifact::ArtifactStore,
}

impl Settings {
    /// The product's settings, with the SQL runner jar at `sql_runner_jar`.
    pub fn new(sql_runner_jar: PathBuf) -> Self {
        Self {
            observe_every: Duration::from_secs(3),
            checkpoint_refresh: Duration::from_secs(30),
            idle_recheck: Duration::from_secs(600),
            poll_every: Duration::from_millis(250),
            max_backoff: Duration::from_secs(30),
            job_creation_backoff: Backoff::new(Duration::from_secs(2), Duration::from_secs(60)),
            checkpoint_stats_lag: Duration::from_millis(3_500),
            rescale_timeout: Duration::from_secs(300),
            // The bundled jobs' directory, until the console names its artifact directories.
            artifacts: artifact::ArtifactStore::new(sql_runner_jar.parent().map(std::path::Path::to_path_buf)),
            sql_runner_jar,
        }
    }
}

/// The engine: the store, the clusters, a clock and its settings. Cheap to share (`Arc`).
pub struct Engine {
    store: Store,
    clusters: Arc<dyn Clusters>,
    clock: Arc<dyn Clock>,
    settings: Settings,
    autopilot: Arc<Monitor>,
    checkpoint_reads: observe::CheckpointReads,
}

impl Engine {
    /// An engine on `store` that finds clusters through `clusters` and reads time from `clock`.
    pub fn new(store: Store, clusters: Arc<dyn Clusters>, clock: Arc<dyn Clock>, settings: Settings) -> Self {
        let autopilot = Arc::new(Monitor::new(AutopilotSettings::default()));
        Self { store, clusters, clock, settings, autopilot, checkpoint_reads: observe::CheckpointReads::default() }
    }

    /// The same engine, sampling and applying the Autopilot with `settings` (tests shrink them).
    pub fn with_autopilot_settings(mut self, settings: AutopilotSettings) -> Self {
        self.autopilot = Arc::new(Monitor::new(settings));
        self
    }

    /// The same engine for one term of the engine lease: every write it makes goes through a
    /// store fenced with `fence` (`storage::Store::fenced`), so once the term is over (another
    /// replica took over, the lease ran out or was released) the database refuses its writes
    /// (`StorageError::LeaseLost`) even from passes still under way. The Autopilot's memory is
    /// shared; when checkpoints were last read is not (a term starts like a restarted engine).
    pub fn fenced(&self, fence: storage::Fence) -> Self {
        Self {
            store: self.store.fenced(fence),
            clusters: self.clusters.clone(),
            clock: self.clock.clone(),
            settings: self.settings.clone(),
            autopilot: self.autopilot.clone(),
            checkpoint_reads: observe::CheckpointReads::default(),
        }
    }

    /// The Autopilot's memory, to share with the API (`GET …/autopilot`).
    pub fn autopilot_monitor(&self) -> Arc<Monitor> {
        self.autopilot.clone()
    }

    /// The store the engine reads and writes.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// How often it looks.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }
}

/// Why a pass could not finish; the controller tries again later.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// The store failed (unreachable, or a status conflict with a concurrent writer).
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// The stored engine record is not valid JSON of an `EngineRecord`.
    #[error("the engine's record of the deployment is not readable: {0}")]
    Record(#[from] serde_json::Error),
    /// The plan named a row the store does not hold (e.g. the active job is gone).
    #[error("inconsistent observation: {0}")]
    Inconsistent(&'static str),
}
