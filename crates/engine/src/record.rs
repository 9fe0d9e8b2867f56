//! The engine's own record of a deployment, stored beside its status and written before every
//! side effect (write-ahead): the step under way, failed attempts, and how the next job starts.
//! After a crash the next pass reads it back and finds out, from Flink, how far the step got.

use serde::{Deserialize, Serialize};

/// Everything the engine remembers about one deployment between passes.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EngineRecord {
    /// The step under way, recorded before Flink was asked to do it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation: Option<InFlight>,
    /// When job creation attempts (or running jobs) failed, in ms since the epoch. Counted against
    /// `maxJobCreationAttempts` unless older than `jobFailureExpirationTime` or recorded at an
    /// older version of the deployment; the newest one starts the wait before the next attempt.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub job_failures_ms: Vec<i64>,
    /// Why the newest counted failure happened (Flink's words), for the status when the engine gives up.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_job_failure: Option<String>,
    /// The deployment version (`metadata.resourceVersion`) the failures were counted at: a change
    /// by a person starts the count afresh.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failures_at_version: Option<i64>,
    /// How the next job starts: the Start dialog's choice, or the savepoint an upgrade took.
    /// Consumed by the start it describes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_start: Option<StartRequest>,
    /// The deployment version (`metadata.resourceVersion`) whose desired state SUSPENDED asked to
    /// drain the job (Alibaba's STOP_WITH_DRAIN): the suspension of that version drains; any later
    /// change by a person is a new version, so the wish never outlives the request it came with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub drain_at_version: Option<i64>,
    /// The `savepointTriggerNonce` already acted upon.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub handled_savepoint_nonce: Option<i64>,
    /// When the last periodic savepoint was asked for (ms since the epoch).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_periodic_savepoint_ms: Option<i64>,
    /// The spec version (`metadata.resourceVersion`) at which the engine gave up (status FAILED):
    /// it waits for a change of the deployment before trying again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gave_up_at_version: Option<i64>,
    /// The spec fingerprint an upgrade with strategy NONE was refused for (said once, in an event).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ignored_fingerprint: Option<String>,
    /// The active job Flink reported ended, and when the engine first saw it (ms since the epoch).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job_end_seen: Option<(String, i64)>,
    /// Since when Flink has been unreachable (ms since the epoch), for backoff and one event per outage.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unreachable_since_ms: Option<i64>,
    /// What the Autopilot remembers across console restarts: when it last changed the job (its
    /// cool-down) and when STABLE's clocks began. Written with the rescale it applied, and when a
    /// person starts the job (STABLE's clocks begin again).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub autopilot: Option<autopilot::AutopilotState>,
    /// The spec fingerprint the Autopilot's last rescale produced: a start with it is the
    /// Autopilot's own (by a stateful upgrade), any other start is a person's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub autopilot_fingerprint: Option<String>,
}

/// A step that spans passes. Its Flink side effect is idempotent given what is recorded here and
/// on the job and savepoint rows: a chosen Flink job id, a chosen savepoint trigger id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", tag = "kind")]
pub enum InFlight {
    /// The job row `job_id` (STARTING, with its Flink job id chosen) is being submitted.
    Start {
        /// The Job resource's id.
        job_id: String,
    },
    /// The job `job_id` is being stopped with a savepoint (the savepoint row carries the trigger).
    Stop {
        /// The Job resource's id.
        job_id: String,
        /// The STARTED Savepoint resource the stop writes.
        savepoint_id: String,
        /// Suspend, or a STATEFUL upgrade.
        purpose: StopPurpose,
        /// 1 for the first savepoint attempt.
        attempt: u32,
        /// Whether the stop drains the job first (asked again the same way after a crash).
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        drain: bool,
    },
    /// The running job `job_id` is being rescaled in place (adaptive scheduler): the spec and the
    /// job already show the new parallelism; Flink is asked for these bounds until it runs them.
    Rescale {
        /// The Job resource's id.
        job_id: String,
        /// Every vertex's new parallelism, by Flink vertex id.
        parallelism_by_vertex: std::collections::BTreeMap<String, u32>,
        /// When the rescale was recorded (ms since the epoch), for its timeout.
        asked_at_ms: i64,
        /// The fingerprint the job ran before: a timed-out rescale gives it back, so that the
        /// stateful upgrade applies the change instead.
        previous_fingerprint: String,
    },
    /// The job `job_id` is being cancelled.
    Cancel {
        /// The Job resource's id.
        job_id: String,
        /// What the deployment does once the job ended.
        purpose: CancelPurpose,
    },
}

/// Why a job is stopped with a savepoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum StopPurpose {
    /// Desired state SUSPENDED (savepoint origin SUSPEND).
    Suspend,
    /// A STATEFUL upgrade: the new spec starts from this savepoint (origin SUSPEND_AND_UPGRADE).
    Upgrade,
}

/// Why a job is cancelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum CancelPurpose {
    /// Desired state CANCELLED.
    Cancel,
    /// A STATELESS upgrade: the new spec starts without state.
    StatelessUpgrade,
    /// The job could not take a savepoint; it is cancelled and its retained checkpoint is the
    /// state it is suspended with (or upgraded from).
    CheckpointFallback(StopPurpose),
}

/// How the next job should start, chosen per start.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StartRequest {
    /// Which state the job restores.
    pub restore: RestoreChoice,
    /// Overrides `restoreStrategy.allowNonRestoredState` for this start.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allow_non_restored_state: Option<bool>,
    /// Initial mode: where the job's sources start reading (ms since the epoch). Ignored, with an
    /// event saying so, when the start restores state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_start_time_ms: Option<i64>,
    /// The compatibility check run for the chosen savepoint when the start was asked for. The
    /// engine refuses to start on INCOMPATIBLE unless the person confirmed it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checked: Option<CheckedStart>,
    /// The id the job of this start gets (chosen when the start was asked for, so the answer can
    /// name the job before the engine creates it; Alibaba's `jobs:start`). Used once: the engine
    /// takes it out of the record in the step that writes the job. Absent: a fresh id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job_id: Option<String>,
}

impl StartRequest {
    /// A start restoring `restore`, with nothing else asked.
    pub fn restoring(restore: RestoreChoice) -> Self {
        Self { restore, allow_non_restored_state: None, source_start_time_ms: None, checked: None, job_id: None }
    }
}

/// The compatibility verdict a start was accepted with.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CheckedStart {
    /// The check's verdict for the chosen savepoint and the spec at `deploymentVersion`.
    pub compatibility: domain::Compatibility,
    /// The person confirmed starting although the verdict is INCOMPATIBLE ("Start anyway").
    pub confirmed: bool,
    /// The deployment version whose spec was checked.
    pub deployment_version: i64,
}

/// Which state a start restores.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", tag = "kind")]
pub enum RestoreChoice {
    /// Whatever `restoreStrategy` picks (LATEST_STATE, LATEST_SAVEPOINT, NONE).
    ByStrategy,
    /// No state (initial mode, or a STATELESS upgrade).
    Nothing,
    /// This savepoint (of this deployment or another one).
    Savepoint {
        /// The Savepoint resource's id.
        savepoint_id: String,
        /// Where its state is.
        location: String,
    },
}

impl EngineRecord {
    /// Reads a stored record; an absent one is the empty record of a deployment the engine has
    /// not touched yet.
    pub fn read(stored: Option<&str>) -> Result<Self, serde_json::Error> {
        stored.map_or_else(|| Ok(Self::default()), serde_json::from_str)
    }

    /// The record as stored (JSON).
    pub fn to_json(&self) -> Result<String, serde_json::Error> {
        serde_json::to_string(self)
    }
}
