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
    /// Submitted; the JobManager is setting the job up.
    Initializing,
    /// Set up; waiting for resources to run.
    Created,
    /// Running (some tasks may still be deploying).
    Running,
    /// Failed and being torn down; it ends FAILED or restarts.
    Failing,
    /// Ended by a failure its restart strategy did not recover from.
    Failed,
    /// Being cancelled.
    Cancelling,
    /// Ended by a cancellation.
    Canceled,
    /// Ended normally: its input was exhausted, or it was stopped with a savepoint.
    Finished,
    /// Recovering from a failure under its restart strategy; it cannot take a savepoint now.
    Restarting,
    /// Suspended by a JobManager that lost leadership; another one will take it over.
    Suspended,
    /// Being recovered by a new JobManager leader.
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
    /// The class whose `main` builds the job; absent: the JAR manifest's `Main-Class`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entry_class: Option<String>,
    /// The program's arguments, one per element.
    pub program_args_list: Vec<String>,
    /// The job's default parallelism.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parallelism: Option<u32>,
    /// The savepoint or retained checkpoint to restore from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub savepoint_path: Option<String>,
    /// Start even if some restored state maps to no operator.
    pub allow_non_restored_state: bool,
    /// Whether the job takes ownership of the snapshot it restores.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub claim_mode: Option<ClaimMode>,
    /// Flink configuration options for this job only.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub flink_configuration: BTreeMap<String, String>,
}

/// How a restored job treats the files of the snapshot it starts from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ClaimMode {
    /// The job owns the snapshot's files and deletes them when no longer needed.
    Claim,
    /// The job never touches the snapshot's files; its first checkpoint is a full one.
    NoClaim,
}

/// One row of `GET /jobs/overview`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct JobOverview {
    /// The job's id.
    pub jid: JobId,
    /// The job's name (what its program called it).
    pub name: String,
    /// Where it is in its life.
    pub state: JobState,
    /// When it started (ms since the epoch).
    #[serde(rename = "start-time")]
    pub start_time: i64,
    /// When it ended (ms since the epoch); -1 while it has not.
    #[serde(rename = "end-time")]
    pub end_time: i64,
}

/// `GET /overview`: the cluster at a glance.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct ClusterOverview {
    /// Registered TaskManagers; 0 means no job can run.
    pub taskmanagers: u32,
    /// Task slots of all TaskManagers.
    pub slots_total: u32,
    /// Task slots no job holds.
    pub slots_available: u32,
    /// Jobs in state RUNNING.
    pub jobs_running: u32,
    /// The cluster's Flink version (e.g. `2.3.0`).
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
    /// Flink is still working on it.
    InProgress,
    /// Done; for savepoints, `location` is the savepoint's path.
    Completed {
        /// The savepoint's path, for savepoints; absent for other operations.
        location: Option<String>,
    },
    /// Done without success; `cause` is Flink's reason.
    Failed {
        /// Flink's `failure-cause`, without stack frames.
        cause: String,
    },
}

/// The newest completed checkpoint (or savepoint) of a job, from `GET /jobs/:id/checkpoints`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompletedCheckpoint {
    /// Flink's number for it, counting up per job.
    pub id: u64,
    /// Where it is (`file:/…/chk-7`); a job can be started from it.
    pub external_path: String,
    /// When Flink completed it (ms since the epoch).
    pub completed_at_ms: i64,
    /// Whether it is a savepoint rather than a checkpoint.
    pub is_savepoint: bool,
    /// How many bytes of state it holds (Flink's `state_size`), if reported.
    pub size_bytes: Option<u64>,
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
    /// The vertex's id, for its metrics.
    pub id: String,
    /// The vertex's name (its operators', chained).
    pub name: String,
    /// How many subtasks run it.
    pub parallelism: u32,
}

/// One aggregated metric of a vertex's subtasks (`?agg=min,max,avg,sum`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct AggregatedMetric {
    /// The metric's name (e.g. `busyTimeMsPerSecond`).
    pub id: String,
    /// The smallest subtask's value.
    pub min: Option<f64>,
    /// The largest subtask's value.
    pub max: Option<f64>,
    /// The subtasks' mean.
    pub avg: Option<f64>,
    /// The subtasks' sum.
    pub sum: Option<f64>,
}

/// A job at a glance, as its page shows it: state, since when, how often it restarted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobDetails {
    /// Where the job is in its life.
    pub state: JobState,
    /// When it started (ms since the epoch).
    pub start_time_ms: i64,
    /// How long it has run, or ran (ms).
    pub duration_ms: i64,
    /// How often it restarted after failures (the `numRestarts` metric); `None` until reported.
    pub restarts: Option<u64>,
}

/// One entry of a job's exception history, newest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobException {
    /// The exception's class (e.g. `java.lang.RuntimeException`).
    pub name: String,
    /// Its stack trace, causes included, as Flink recorded it.
    pub stacktrace: String,
    /// When it happened (ms since the epoch).
    pub timestamp_ms: i64,
}

/// The parallelism Flink's adaptive scheduler may give one vertex (`/jobs/:id/resource-requirements`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ParallelismBounds {
    /// It runs with at least this many subtasks (or waits for slots).
    pub lower_bound: u32,
    /// It runs with at most this many subtasks.
    pub upper_bound: u32,
}

impl JobException {
    /// The reason worth showing: the innermost `Caused by:` of the stack trace (Flink wraps the
    /// job's own error in "Recovery is suppressed by …"), or its first line, at most 500 characters.
    pub fn root_cause(&self) -> String {
        let innermost = self.stacktrace.lines().rev().find_map(|line| line.trim().strip_prefix("Caused by: "));
        let line = innermost.or_else(|| self.stacktrace.lines().next()).unwrap_or(&self.name).trim();
        if line.is_empty() {
            self.name.clone()
        } else {
            line.chars().take(500).collect()
        }
    }
}

#[cfg(test)]
mod root_cause_tests {
    use super::JobException;

    fn cause(stacktrace: &str, name: &str) -> String {
        JobException { name: name.into(), stacktrace: stacktrace.into(), timestamp_ms: 0 }.root_cause()
    }

    #[test]
    fn the_reason_of_a_failure_is_its_innermost_cause() {
        let trace = "org.apache.flink.runtime.JobException: Recovery is suppressed by NoRestartBackoffTimeStrategy\n\
                     \tat org.apache.flink.runtime.X.y(X.java:1)\n\
                     Caused by: java.lang.IllegalStateException: failing on purpose: key 0 reached 300\n\
                     \tat console.examples.StatefulCounter.z(StatefulCounter.java:9)";
        assert_eq!(
            cause(trace, "JobException"),
            "java.lang.IllegalStateException: failing on purpose: key 0 reached 300"
        );
        assert_eq!(cause("java.lang.RuntimeException: boom", "x"), "java.lang.RuntimeException: boom");
        assert_eq!(cause("", "java.lang.Error"), "java.lang.Error");
    }
}
