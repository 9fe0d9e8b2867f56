//! Request and response shapes of Flink's REST API (2.x), as observed on a real 2.3 cluster.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// A Flink job id (32 hex characters).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct JobId(pub String);

impl JobId {
    /// A fresh id in Flink's form (32 lowercase hex characters), for a caller that names its job
    /// before submitting it, so a retried submission can be recognised as the same job.
    pub fn random() -> Self {
        Self(uuid::Uuid::new_v4().simple().to_string())
    }
}

impl std::fmt::Display for JobId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The id Flink gave an uploaded jar (`<uuid>_<file name>`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct JarId(pub String);

/// The states a Flink job can be in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum JobState {
    Initializing,
    Created,
    Running,
    Failing,
    Failed,
    Cancelling,
    Canceled,
    Finished,
    Restarting,
    Suspended,
    Reconciling,
}

impl JobState {
    /// A globally terminal state: the job will never run again by itself.
    pub fn is_terminal(self) -> bool {
        matches!(self, Self::Failed | Self::Canceled | Self::Finished)
    }
}

/// `POST /jars/:id/run`. `programArgsList` (not `programArgs`, which 2.3 ignores).
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RunJar {
    /// The job id to use instead of one Flink picks; Flink refuses a second job with the same id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub job_id: Option<JobId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entry_class: Option<String>,
    pub program_args_list: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parallelism: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub savepoint_path: Option<String>,
    pub allow_non_restored_state: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub claim_mode: Option<ClaimMode>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub flink_configuration: BTreeMap<String, String>,
}

/// How a restored job treats the files of the snapshot it starts from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ClaimMode {
    Claim,
    NoClaim,
}

/// One row of `GET /jobs/overview`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct JobOverview {
    pub jid: JobId,
    pub name: String,
    pub state: JobState,
    #[serde(rename = "start-time")]
    pub start_time: i64,
    #[serde(rename = "end-time")]
    pub end_time: i64,
}

/// `GET /overview`: the cluster at a glance.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct ClusterOverview {
    pub taskmanagers: u32,
    pub slots_total: u32,
    pub slots_available: u32,
    pub jobs_running: u32,
    pub flink_version: String,
}

/// The id Flink gives an asynchronous operation (savepoint, stop, disposal), to poll it later.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct TriggerId(pub String);

impl TriggerId {
    /// A fresh trigger id in Flink's form (32 lowercase hex characters), chosen by the caller so a
    /// repeated trigger request is the same operation.
    pub fn random() -> Self {
        Self(uuid::Uuid::new_v4().simple().to_string())
    }
}

impl std::fmt::Display for TriggerId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Where an asynchronous operation stands. Flink reports a failed savepoint as `COMPLETED` with a
/// `failure-cause`; that is `Failed` here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Operation {
    InProgress,
    /// Done; for savepoints, `location` is the savepoint's path.
    Completed {
        location: Option<String>,
    },
    Failed {
        cause: String,
    },
}

/// The newest completed checkpoint (or savepoint) of a job, from `GET /jobs/:id/checkpoints`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompletedCheckpoint {
    pub id: u64,
    pub external_path: String,
    pub completed_at_ms: i64,
    pub is_savepoint: bool,
}

/// What `GET /jobs/:id/checkpoints` says about snapshots.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CheckpointSummary {
    /// The newest completed checkpoint or savepoint, whichever is newer.
    pub latest_completed: Option<CompletedCheckpoint>,
    /// The newest completed savepoint (`latest.savepoint`), including the one a stop-with-savepoint
    /// wrote: it lets a caller that lost the stop's trigger id still find the savepoint.
    pub latest_savepoint: Option<CompletedCheckpoint>,
    /// The snapshot this job restored from, if any.
    pub restored_from: Option<String>,
}

/// One vertex (a chain of operators) of a running job.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Vertex {
    pub id: String,
    pub name: String,
    pub parallelism: u32,
}

/// One aggregated metric of a vertex's subtasks (`?agg=min,max,avg,sum`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct AggregatedMetric {
    pub id: String,
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub avg: Option<f64>,
    pub sum: Option<f64>,
}

/// One entry of a job's exception history, newest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobException {
    pub name: String,
    pub stacktrace: String,
    pub timestamp_ms: i64,
}
