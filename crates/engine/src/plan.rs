//! The engine's rules, in one pure function: given what a person asked for (the spec), what the
//! engine remembers (its record and the deployment's status) and what it just observed, `plan`
//! names the one next step. No IO, no clock: everything it needs is in its arguments, so the whole
//! transition table of `docs/engine.md` is unit-tested as a table (see the tests below).
//!
//! # Expected flow
//! A savepoint under way is settled first (its outcome decides what the job may do next). With an
//! active job, Flink's view of it decides: a job that is starting is awaited, a job that ended is
//! recorded, a running job is stopped, cancelled, upgraded, rescaled (the Autopilot's wish, under
//! an ACTIVE policy: `Step::Rescale`, then an in-place rescale is awaited) or left alone per the
//! desired state.
//! Without an active job, the deployment starts a job (desired RUNNING) or rests in the desired
//! state.
//!
//! # Guarantees
//! - A job is never stopped without a savepoint unless the person asked to cancel, the upgrade
//!   strategy is STATELESS, or the job cannot take a savepoint and a retained checkpoint (not older
//!   than `restoreStrategy.maxCheckpointAge`) holds its state (`CheckpointFallback`).
//! - A start is planned only when the deployment has no active job.
//! - A start that restores state on a compatibility check of another version of the deployment, or
//!   on an INCOMPATIBLE verdict nobody confirmed, is refused (`RefuseStart`), never submitted.
//! - Every variant of every input is matched explicitly (no `_ =>` on states), so a new state is a
//!   compile error here first.

use std::collections::BTreeMap;

use domain::{
    CheckpointRecord, Compatibility, DeploymentSpec, DeploymentState, DeploymentStatus, DesiredState, EventName,
    JobState, RestoreStrategyKind, SavepointOrigin, UpgradeStrategyKind,
};
use std::time::Duration;

use flink::JobState as FlinkState;
use sha2::{Digest, Sha256};

use crate::backoff::Backoff;
use crate::record::{CancelPurpose, EngineRecord, InFlight, RestoreChoice, StopPurpose};

/// What a person asked for, as the plan needs it.
#[derive(Debug, Clone, Copy)]
pub struct Desired<'a> {
    /// The deployment's spec.
    pub spec: &'a DeploymentSpec,
    /// `metadata.resourceVersion`: moves whenever a person changes the deployment.
    pub version: i64,
    /// `fingerprint(spec)`: what a running job must have been started with.
    pub fingerprint: &'a str,
}

/// What the engine saw this pass: Flink's view of the active job and of a savepoint under way, and
/// the state a new job could restore.
#[derive(Debug, Clone, PartialEq)]
pub struct Observation {
    /// The pass's instant (ms since the epoch).
    pub now_ms: i64,
    /// Whether the deployment's cluster can be asked at all.
    pub cluster: ClusterView,
    /// The deployment's job that has not ended (at most one exists).
    pub job: Option<ObservedJob>,
    /// A savepoint of this deployment in state STARTED (at most one is under way).
    pub savepoint: Option<ObservedSavepoint>,
    /// This deployment's completed savepoints (every origin, retained checkpoints included), newest first.
    pub restorable: Vec<Restorable>,
    /// How long Flink's checkpoint statistics may lag behind (its REST cache): a job's final
    /// checkpoint is read only this long after the job was seen ending.
    pub checkpoint_stats_lag_ms: i64,
    /// The waits between job creation attempts after failed ones (the engine's settings).
    pub job_creation_backoff: Backoff,
    /// A rescale the Autopilot decided (ACTIVE) and wants applied, fresh from its sampler.
    pub autopilot: Option<WantedRescale>,
    /// How long an in-place rescale may take before the engine applies it by a stateful upgrade.
    pub rescale_timeout_ms: i64,
}

/// A rescale the Autopilot decided: the vertices' new parallelism and how to apply it.
#[derive(Debug, Clone, PartialEq)]
pub struct WantedRescale {
    /// When it was decided (ms since the epoch).
    pub decided_at_ms: i64,
    /// The job it was decided for (the Job resource's id): a decision about another job is stale.
    pub job_id: String,
    /// Every vertex's parallelism now, by Flink vertex id.
    pub current: BTreeMap<String, u32>,
    /// Every vertex's new parallelism, by Flink vertex id.
    pub parallelism_by_vertex: BTreeMap<String, u32>,
    /// Every vertex's name, by Flink vertex id.
    pub names: BTreeMap<String, String>,
    /// Whether the cluster rescales a running job in place (adaptive scheduler).
    pub in_place: bool,
    /// What the Autopilot remembers once the rescale is recorded (`Decision::next_state`).
    pub next_state: autopilot::AutopilotState,
    /// The numbers behind it, per vertex, for the event.
    pub explanation: String,
}

impl WantedRescale {
    /// The job parallelism a stateful upgrade starts with (and the spec shows): the largest
    /// vertex's, since Flink 2.3's `/jars/:id/run` takes no per-vertex parallelism.
    pub fn job_parallelism(&self) -> u32 {
        self.parallelism_by_vertex.values().copied().max().unwrap_or(1).max(1)
    }
}

/// Where an in-place rescale under way stands in Flink.
#[derive(Debug, Clone, PartialEq)]
pub struct RescaleProgress {
    /// The upper bounds Flink holds, by vertex (absent: it could not be asked).
    pub requested: Option<BTreeMap<String, u32>>,
    /// Each vertex's parallelism now (absent: it could not be asked).
    pub running: Option<BTreeMap<String, u32>>,
}

/// Whether the deployment's cluster could be found.
#[derive(Debug, Clone, PartialEq)]
pub enum ClusterView {
    /// Found (whether it answers is seen on the job and savepoint).
    Known,
    /// The deployment's target does not exist (any more): permanent until a person changes it.
    NoTarget(String),
    /// The target could not be looked up now (the store failed): transient, like an unreachable cluster.
    LookupFailed(String),
}

/// The active job: its row and what Flink says of it.
#[derive(Debug, Clone, PartialEq)]
pub struct ObservedJob {
    /// The Job resource's id.
    pub id: String,
    /// Its state on its row.
    pub state: JobState,
    /// The fingerprint of the spec the job was started with.
    pub fingerprint: String,
    /// When it was created for submission (ms since the epoch).
    pub started_at_ms: i64,
    /// What Flink says of it.
    pub flink: FlinkView,
    /// The newest checkpoint already recorded on the job.
    pub recorded_checkpoint: Option<CheckpointRecord>,
    /// The newest checkpoint Flink reports now (absent if Flink reports none or was not asked).
    pub flink_checkpoint: Option<CheckpointRecord>,
    /// Flink's root exception, for a job that failed.
    pub failure: Option<String>,
    /// Where the in-place rescale the record names stands (read only while one is under way).
    pub rescale: Option<RescaleProgress>,
}

/// A job as Flink sees it.
#[derive(Debug, Clone, PartialEq)]
pub enum FlinkView {
    /// Flink could not be asked (transient); the message says why.
    Unreachable(String),
    /// Flink does not know the job id.
    Missing,
    /// Flink knows the job, in this state.
    Job(FlinkState),
    /// Not asked this pass: a savepoint under way decides the step, and Flink was asked about that
    /// instead (one call where the savepoint is polled, not two).
    NotAsked,
}

/// The savepoint under way: its row and where Flink is with it.
#[derive(Debug, Clone, PartialEq)]
pub struct ObservedSavepoint {
    /// The Savepoint resource's id.
    pub id: String,
    /// Why it is taken; a stop's savepoint is not retried like others.
    pub origin: SavepointOrigin,
    /// Where Flink is with it.
    pub progress: Progress,
    /// How often Flink was asked for this savepoint and answered that the job was not ready.
    pub not_ready_attempts: u32,
}

/// How often a savepoint (not a stop's) is asked for again while Flink says the job's tasks are
/// not all running yet (right after a start).
pub const NOT_READY_RETRIES: u32 = 4;

/// Whether Flink refused a savepoint because the job has just started (its tasks are not all
/// running yet) or is restarting after a task failure (its checkpoint coordinator is suspended
/// until it runs again, measured on Flink 2.3: "Checkpoint Coordinator is suspending."): asking
/// again shortly succeeds once it runs.
pub fn job_not_ready(cause: &str) -> bool {
    let cause = cause.to_ascii_lowercase();
    cause.contains("not all required tasks are currently running")
        || cause.contains("is not being executed at the moment")
        || cause.contains("checkpoint coordinator is suspending")
}

/// Where a savepoint under way stands in Flink.
#[derive(Debug, Clone, PartialEq)]
pub enum Progress {
    /// Asked for (by a person, through the API), not yet triggered in Flink.
    NotTriggered,
    /// Flink is taking it.
    InProgress,
    /// Flink wrote it.
    Completed {
        /// Where.
        location: String,
    },
    /// Flink could not take it.
    Failed {
        /// Flink's reason.
        cause: String,
    },
    /// Flink could not be asked (transient).
    Unreachable(String),
}

/// A completed savepoint or retained checkpoint a job could start from.
#[derive(Debug, Clone, PartialEq)]
pub struct Restorable {
    /// The Savepoint resource's id.
    pub savepoint_id: String,
    /// Where the state is (`file:/…`).
    pub location: String,
    /// Why it exists; LATEST_SAVEPOINT skips retained checkpoints, retention keeps some origins.
    pub origin: SavepointOrigin,
    /// When it was recorded (ms since the epoch); the newest is restored first.
    pub created_ms: i64,
}

/// The state a job starts from.
#[derive(Debug, Clone, PartialEq)]
pub struct RestoreFrom {
    /// The Savepoint resource's id, recorded on the job.
    pub savepoint_id: String,
    /// Where the state is, passed to Flink as the savepoint path.
    pub location: String,
}

/// How an active job ended.
#[derive(Debug, Clone, PartialEq)]
pub enum JobOutcome {
    /// A finite job completed (status FINISHED).
    Finished,
    /// The stop-with-savepoint the engine asked for is done.
    Stopped(StopPurpose),
    /// The cancellation the engine asked for is done.
    Cancelled(CancelPurpose),
    /// Cancelled by someone else (Flink's UI, its REST API).
    CancelledOutside,
    /// Failed in Flink.
    Failed(String),
    /// Flink no longer knows the job (its cluster restarted without HA).
    Vanished,
}

/// The one next step. Steps that only record what was observed touch the store; the others write
/// their intent to the store and then ask Flink.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    /// Nothing to do until something changes; look again after the observation period.
    Steady,
    /// Flink is working on something the engine asked for; look again soon.
    Await(&'static str),
    /// Flink cannot be reached now; nothing changes.
    Unreachable(String),
    /// Job creation failed recently: wait this long before the next attempt (capped exponential
    /// backoff over the failures that count against `maxJobCreationAttempts`).
    RetryLater(Duration),

    /// The starting job runs: status RUNNING.
    JobStarted,
    /// The active job has ended in Flink; remember when, say so (an end the console did not ask
    /// for), and read its final checkpoint once Flink's statistics have caught up.
    JobEndSeen {
        /// How it ended.
        outcome: JobOutcome,
    },
    /// The active job has ended; its retained checkpoint (if any) becomes restorable state.
    JobEnded {
        /// How it ended.
        outcome: JobOutcome,
        /// Its newest completed checkpoint, once Flink's statistics caught up.
        checkpoint: Option<CheckpointRecord>,
    },
    /// The savepoint under way completed at `location`.
    SavepointCompleted {
        /// Where Flink wrote it.
        location: String,
    },
    /// The savepoint under way failed.
    SavepointFailed {
        /// Flink's reason.
        cause: String,
    },
    /// Flink refused the savepoint because the job has just started: ask again a little later.
    RetrySavepoint {
        /// Flink's reason ("not all required tasks are currently running").
        cause: String,
    },
    /// The running job completed a newer checkpoint.
    CheckpointSeen(CheckpointRecord),
    /// No job runs and none should: the deployment rests in `state`.
    Rest(DeploymentState),
    /// The active job runs as desired but the status says otherwise (after a failed suspension
    /// was taken back, or a restart of the console): status RUNNING again.
    AdoptRunningJob,
    /// The engine cannot reach the desired state without a change from a person: status FAILED.
    GiveUp {
        /// The event that says so.
        event: EventName,
        /// `status.failure.reason` (e.g. `TooManyFailedJobCreationAttempts`).
        reason: &'static str,
        /// `status.failure.message` and the event's: what a person has to change.
        message: String,
    },
    /// The start asked for must not happen: it restores state the compatibility check found
    /// INCOMPATIBLE and nobody confirmed, or the deployment changed after the check. Status FAILED as
    /// for `GiveUp`, and the start request is forgotten: only a new start (with a new check) runs
    /// the deployment again.
    RefuseStart {
        /// `status.failure.reason`: `IncompatibleStateNotConfirmed` or `CompatibilityCheckOutdated`.
        reason: &'static str,
        /// `status.failure.message` and the event's: what a person has to do.
        message: String,
    },
    /// Upgrade strategy NONE: the changed spec is not applied (said once, in an event).
    IgnoreUpgrade,
    /// A recorded operation no longer matches any active job.
    ForgetOperation,

    /// Create a job (intent: a STARTING job row with a chosen Flink job id), then submit it.
    StartJob {
        /// The state to restore; `None`: start without state.
        restore: Option<RestoreFrom>,
        /// Whether Flink may skip restored state that maps to no operator.
        allow_non_restored_state: bool,
    },
    /// Submit the STARTING job again under its chosen id (Flink does not know it yet).
    SubmitJob,
    /// Stop the job with a savepoint (intent: a STARTED savepoint row with a chosen trigger id).
    StopJob {
        /// Suspend, or a STATEFUL upgrade.
        purpose: StopPurpose,
        /// Which savepoint attempt this is (1 for the first), against `maxSavepointCreationAttempts`.
        attempt: u32,
    },
    /// Cancel the job (intent: the job is TERMINATING).
    CancelJob {
        /// Why it is cancelled, which decides what the deployment does once the job ended.
        purpose: CancelPurpose,
    },
    /// Take a savepoint of the running job; `requested` is the row a person already created.
    TriggerSavepoint {
        /// USER_REQUEST or PERIODIC.
        origin: SavepointOrigin,
        /// The id of the Savepoint row a person created through the API; `None`: a new row.
        requested: Option<String>,
    },
    /// The Autopilot (ACTIVE) changes the job's parallelism: the spec's parallelism becomes the
    /// largest vertex's (so the next start keeps it) with an event giving the numbers; in place
    /// (intent: the job runs the new spec's fingerprint and the record names the rescale) the
    /// vertices' bounds are then sent to Flink, otherwise the next pass upgrades the job statefully.
    Rescale(Box<WantedRescale>),
    /// Send the in-place rescale's bounds to Flink (again: after a crash Flink may not have them).
    RequestRescale,
    /// The in-place rescale finished: every vertex runs at its new parallelism.
    RescaleDone,
    /// The in-place rescale did not finish in time: the job is upgraded statefully instead.
    RescaleTimedOut,
    /// Retention: forget a savepoint the policy no longer keeps and dispose its files in Flink.
    DisposeSavepoint {
        /// The Savepoint resource to delete.
        savepoint_id: String,
        /// Where its files are.
        location: String,
    },
}

/// The fingerprint of what a job runs: its template and the restart nonce. A running job whose
/// fingerprint differs from the spec's is upgraded.
pub fn fingerprint(spec: &DeploymentSpec) -> String {
    let identity = serde_json::json!({"template": spec.template, "restartNonce": spec.restart_nonce});
    let digest = Sha256::digest(identity.to_string().as_bytes());
    hex::encode(&digest[..12])
}

/// The one next step for a deployment. See the module documentation for the rules' order.
pub fn plan(desired: Desired<'_>, status: &DeploymentStatus, record: &EngineRecord, seen: &Observation) -> Step {
    if let Some(savepoint) = &seen.savepoint {
        return match &savepoint.progress {
            Progress::InProgress => Step::Await("a savepoint to complete"),
            Progress::Completed { location } => Step::SavepointCompleted { location: location.clone() },
            Progress::Failed { cause }
                if job_not_ready(cause)
                    && savepoint.not_ready_attempts < NOT_READY_RETRIES
                    && !matches!(savepoint.origin, SavepointOrigin::Suspend | SavepointOrigin::SuspendAndUpgrade) =>
            {
                Step::RetrySavepoint { cause: cause.clone() }
            }
            Progress::Failed { cause } => Step::SavepointFailed { cause: cause.clone() },
            Progress::Unreachable(why) => Step::Unreachable(why.clone()),
            Progress::NotTriggered => {
                let running = seen.job.as_ref().is_some_and(|job| {
                    job.state == JobState::Started && job.flink == FlinkView::Job(FlinkState::Running)
                });
                if running {
                    Step::TriggerSavepoint { origin: savepoint.origin, requested: Some(savepoint.id.clone()) }
                } else {
                    Step::SavepointFailed { cause: "the deployment has no running job to take a savepoint of".into() }
                }
            }
        };
    }
    match &seen.job {
        Some(job) => plan_with_job(desired, status, record, seen, job),
        None => plan_without_job(desired, status, record, seen),
    }
}

fn plan_with_job(
    desired: Desired<'_>,
    status: &DeploymentStatus,
    record: &EngineRecord,
    seen: &Observation,
    job: &ObservedJob,
) -> Step {
    let flink_state = match &job.flink {
        FlinkView::Unreachable(why) => return Step::Unreachable(why.clone()),
        // The observation asks whenever a plan needs it; look again rather than guess.
        FlinkView::NotAsked => return Step::Await("the job's state in Flink (not read this pass)"),
        FlinkView::Missing => {
            let vanished = Step::JobEnded { outcome: JobOutcome::Vanished, checkpoint: newest_checkpoint(job) };
            return match &record.operation {
                // Not yet submitted under its id, or refused before Flink created it: submit (again).
                Some(InFlight::Start { .. }) => match job.state {
                    JobState::Starting => creation_attempt(desired, record, seen, Step::SubmitJob),
                    JobState::Started
                    | JobState::Standby
                    | JobState::Terminating
                    | JobState::Failed
                    | JobState::Finished
                    | JobState::Terminated => vanished,
                },
                // A cancelled job Flink has already forgotten is cancelled all the same.
                Some(InFlight::Cancel { purpose, .. }) => {
                    Step::JobEnded { outcome: JobOutcome::Cancelled(*purpose), checkpoint: newest_checkpoint(job) }
                }
                Some(InFlight::Stop { .. } | InFlight::Rescale { .. }) | None => vanished,
            };
        }
        FlinkView::Job(state) => *state,
    };
    let ended = match flink_state {
        FlinkState::Finished => Some(match &record.operation {
            Some(InFlight::Stop { purpose, .. }) => JobOutcome::Stopped(*purpose),
            Some(InFlight::Start { .. } | InFlight::Cancel { .. } | InFlight::Rescale { .. }) | None => {
                JobOutcome::Finished
            }
        }),
        FlinkState::Canceled => Some(match &record.operation {
            Some(InFlight::Cancel { purpose, .. }) => JobOutcome::Cancelled(*purpose),
            Some(InFlight::Start { .. } | InFlight::Stop { .. } | InFlight::Rescale { .. }) | None => {
                JobOutcome::CancelledOutside
            }
        }),
        FlinkState::Failed => {
            Some(JobOutcome::Failed(job.failure.clone().unwrap_or_else(|| "the job failed in Flink".into())))
        }
        FlinkState::Initializing
        | FlinkState::Created
        | FlinkState::Running
        | FlinkState::Failing
        | FlinkState::Cancelling
        | FlinkState::Restarting
        | FlinkState::Suspended
        | FlinkState::Reconciling => None,
    };
    if let Some(outcome) = ended {
        // A job that ended without a savepoint leaves its last checkpoint as its state. Flink's
        // checkpoint statistics are cached: read them only once they include the job's end.
        let keeps_checkpoint = !matches!(outcome, JobOutcome::Stopped(_) | JobOutcome::Finished);
        let checkpointed = job.flink_checkpoint.is_some() || job.recorded_checkpoint.is_some();
        if keeps_checkpoint && checkpointed {
            match &record.job_end_seen {
                Some((id, _)) if *id != job.id => return Step::JobEndSeen { outcome },
                None => return Step::JobEndSeen { outcome },
                Some((_, seen_ms)) if seen.now_ms.saturating_sub(*seen_ms) < seen.checkpoint_stats_lag_ms => {
                    return Step::Await("Flink's checkpoint statistics to include the job's end");
                }
                Some(_) => {}
            }
        }
        return Step::JobEnded { outcome, checkpoint: newest_checkpoint(job) };
    }
    if job.state == JobState::Starting {
        return match flink_state {
            FlinkState::Running => Step::JobStarted,
            FlinkState::Initializing
            | FlinkState::Created
            | FlinkState::Restarting
            | FlinkState::Reconciling
            | FlinkState::Failing
            | FlinkState::Cancelling
            | FlinkState::Suspended
            | FlinkState::Failed
            | FlinkState::Canceled
            | FlinkState::Finished => Step::Await("the job to start"),
        };
    }
    let unhealthy = matches!(flink_state, FlinkState::Restarting | FlinkState::Failing);
    match &record.operation {
        Some(InFlight::Cancel { purpose, .. }) => {
            return if flink_state == FlinkState::Cancelling {
                Step::Await("the job to be cancelled")
            } else {
                Step::CancelJob { purpose: *purpose }
            };
        }
        Some(InFlight::Stop { purpose, attempt, savepoint_id, .. }) => {
            // No savepoint is under way (settled above): either it completed and the job is about to
            // finish, or the attempt failed.
            let completed = seen.restorable.iter().any(|r| &r.savepoint_id == savepoint_id);
            if completed {
                return Step::Await("the job to finish after its savepoint");
            }
            if *attempt < desired.spec.max_savepoint_creation_attempts {
                return Step::StopJob { purpose: *purpose, attempt: attempt + 1 };
            }
            return fall_back_or_give_up(desired, job, seen, *purpose);
        }
        Some(InFlight::Start { .. }) => return Step::ForgetOperation,
        Some(InFlight::Rescale { parallelism_by_vertex, asked_at_ms, .. }) => {
            return rescale_progress(job, flink_state, parallelism_by_vertex, *asked_at_ms, seen);
        }
        None => {}
    }
    if status.state == DeploymentState::Failed && record.gave_up_at_version == Some(desired.version) {
        return Step::Steady;
    }
    match desired.spec.state {
        DesiredState::Cancelled => Step::CancelJob { purpose: CancelPurpose::Cancel },
        DesiredState::Suspended => stop(desired, job, seen, StopPurpose::Suspend, unhealthy),
        DesiredState::Running => {
            if job.fingerprint != desired.fingerprint {
                match desired.spec.upgrade_strategy.kind {
                    UpgradeStrategyKind::Stateless => {
                        return Step::CancelJob { purpose: CancelPurpose::StatelessUpgrade }
                    }
                    UpgradeStrategyKind::Stateful => return stop(desired, job, seen, StopPurpose::Upgrade, unhealthy),
                    UpgradeStrategyKind::None => {
                        if record.ignored_fingerprint.as_deref() != Some(desired.fingerprint) {
                            return Step::IgnoreUpgrade;
                        }
                    }
                }
            }
            if status.state != DeploymentState::Running {
                return Step::AdoptRunningJob;
            }
            if let Some(checkpoint) = &job.flink_checkpoint {
                if job.recorded_checkpoint.as_ref() != Some(checkpoint) {
                    return Step::CheckpointSeen(checkpoint.clone());
                }
            }
            if flink_state != FlinkState::Running {
                return retire_or_rest(desired, record, seen);
            }
            let nonce = desired.spec.savepoint_trigger_nonce;
            if nonce.is_some() && nonce != record.handled_savepoint_nonce {
                return Step::TriggerSavepoint { origin: SavepointOrigin::UserRequest, requested: None };
            }
            if let Some(wanted) = wanted_rescale(desired, job, seen) {
                return Step::Rescale(Box::new(wanted.clone()));
            }
            if periodic_savepoint_due(desired.spec, record, job, seen.now_ms) {
                return Step::TriggerSavepoint { origin: SavepointOrigin::Periodic, requested: None };
            }
            retire_or_rest(desired, record, seen)
        }
    }
}

fn plan_without_job(
    desired: Desired<'_>,
    status: &DeploymentStatus,
    record: &EngineRecord,
    seen: &Observation,
) -> Step {
    if record.operation.is_some() {
        return Step::ForgetOperation;
    }
    let gave_up = status.state == DeploymentState::Failed && record.gave_up_at_version == Some(desired.version);
    match desired.spec.state {
        DesiredState::Running => {
            if gave_up || status.state == DeploymentState::Finished {
                return Step::Steady;
            }
            match &seen.cluster {
                ClusterView::Known => {}
                ClusterView::NoTarget(why) => {
                    return Step::GiveUp {
                        event: EventName::ReferencedDeploymentTargetDoesNotExist,
                        reason: "DeploymentTargetNotFound",
                        message: why.clone(),
                    }
                }
                ClusterView::LookupFailed(why) => return Step::Unreachable(why.clone()),
            }
            let (restore, allow_non_restored_state) = choose_restore(desired.spec, record, &seen.restorable);
            if let Some(refusal) = unconfirmed_start(desired, record, restore.as_ref()) {
                return refusal;
            }
            creation_attempt(desired, record, seen, Step::StartJob { restore, allow_non_restored_state })
        }
        DesiredState::Suspended => match status.state {
            DeploymentState::Suspended | DeploymentState::Finished => retire_or_rest(desired, record, seen),
            DeploymentState::Failed if gave_up => Step::Steady,
            DeploymentState::Running
            | DeploymentState::Cancelled
            | DeploymentState::Transitioning
            | DeploymentState::Failed => Step::Rest(DeploymentState::Suspended),
        },
        DesiredState::Cancelled => match status.state {
            DeploymentState::Cancelled => retire_or_rest(desired, record, seen),
            DeploymentState::Running
            | DeploymentState::Suspended
            | DeploymentState::Finished
            | DeploymentState::Transitioning
            | DeploymentState::Failed => Step::Rest(DeploymentState::Cancelled),
        },
    }
}

/// The Autopilot's rescale, if it applies now: the policy is (still) ACTIVE, the decision is
/// about this job, and it changes something.
fn wanted_rescale<'a>(desired: Desired<'_>, job: &ObservedJob, seen: &'a Observation) -> Option<&'a WantedRescale> {
    let wanted = seen.autopilot.as_ref()?;
    let active = desired.spec.autopilot.as_ref().is_some_and(|p| p.mode == autopilot::Mode::Active);
    let changes = wanted.parallelism_by_vertex.iter().any(|(vertex, p)| wanted.current.get(vertex) != Some(p));
    (active && changes && wanted.job_id == job.id && job.state == JobState::Started).then_some(wanted)
}

/// An in-place rescale under way: done once every vertex runs at its new parallelism; asked again
/// while Flink does not hold the new bounds (a crash between recording and asking); handed to a
/// stateful upgrade once it took longer than the timeout.
fn rescale_progress(
    job: &ObservedJob,
    flink_state: FlinkState,
    wanted: &BTreeMap<String, u32>,
    asked_at_ms: i64,
    seen: &Observation,
) -> Step {
    let progress = job.rescale.as_ref();
    let running = progress.and_then(|p| p.running.as_ref());
    if flink_state == FlinkState::Running && running == Some(wanted) {
        return Step::RescaleDone;
    }
    if seen.now_ms.saturating_sub(asked_at_ms) > seen.rescale_timeout_ms {
        return Step::RescaleTimedOut;
    }
    match progress.and_then(|p| p.requested.as_ref()) {
        Some(requested) if requested != wanted && flink_state == FlinkState::Running => Step::RequestRescale,
        Some(_) | None => Step::Await("the in-place rescale to finish"),
    }
}

/// At rest: dispose of the oldest savepoint retention no longer keeps, if any.
fn retire_or_rest(desired: Desired<'_>, record: &EngineRecord, seen: &Observation) -> Step {
    if seen.cluster != ClusterView::Known {
        return Step::Steady;
    }
    match retired(desired.spec, record, &seen.restorable, seen.now_ms).first() {
        Some(old) => Step::DisposeSavepoint { savepoint_id: old.savepoint_id.clone(), location: old.location.clone() },
        None => Step::Steady,
    }
}

/// The savepoints `spec.savepointPolicy` no longer keeps (oldest first): of those the console took
/// (SUSPEND, SUSPEND_AND_UPGRADE, PERIODIC, RETAINED_CHECKPOINT), the ones beyond `maxCount` and
/// those older than `maxAge`. Never USER_REQUEST or COPIED ones, never the newest restorable state
/// of the deployment, never the one the next start is to restore.
pub fn retired<'a>(
    spec: &DeploymentSpec,
    record: &EngineRecord,
    restorable: &'a [Restorable],
    now_ms: i64,
) -> Vec<&'a Restorable> {
    let Some(policy) = &spec.savepoint_policy else {
        return Vec::new();
    };
    let newest = restorable.first().map(|r| r.savepoint_id.as_str());
    let pinned = match record.next_start.as_ref().map(|r| &r.restore) {
        Some(RestoreChoice::Savepoint { savepoint_id, .. }) => Some(savepoint_id.as_str()),
        Some(RestoreChoice::ByStrategy | RestoreChoice::Nothing) | None => None,
    };
    let managed = restorable.iter().filter(|r| managed_by_retention(r.origin));
    let max_count = policy.max_count.map_or(usize::MAX, |n| n as usize);
    let mut out: Vec<&Restorable> = managed
        .enumerate()
        .filter(|(kept, r)| {
            let too_many = *kept >= max_count;
            let too_old =
                policy.max_age.as_ref().is_some_and(|age| now_ms.saturating_sub(r.created_ms) > age.millis() as i64);
            too_many || too_old
        })
        .map(|(_, r)| r)
        .filter(|r| Some(r.savepoint_id.as_str()) != newest && Some(r.savepoint_id.as_str()) != pinned)
        .collect();
    out.reverse();
    out
}

/// Stop with a savepoint; a job that cannot take one (restarting, failing) falls back to its
/// retained checkpoint when the restore strategy allows.
fn stop(desired: Desired<'_>, job: &ObservedJob, seen: &Observation, purpose: StopPurpose, unhealthy: bool) -> Step {
    if unhealthy && usable_checkpoint(desired, job, seen.now_ms).is_some() {
        return Step::CancelJob { purpose: CancelPurpose::CheckpointFallback(purpose) };
    }
    Step::StopJob { purpose, attempt: 1 }
}

fn fall_back_or_give_up(desired: Desired<'_>, job: &ObservedJob, seen: &Observation, purpose: StopPurpose) -> Step {
    if usable_checkpoint(desired, job, seen.now_ms).is_some() {
        return Step::CancelJob { purpose: CancelPurpose::CheckpointFallback(purpose) };
    }
    let why = match desired.spec.restore_strategy.kind {
        RestoreStrategyKind::LatestState => "and no retained checkpoint recent enough to fall back to",
        RestoreStrategyKind::LatestSavepoint | RestoreStrategyKind::None => {
            "and the restore strategy does not fall back to checkpoints"
        }
    };
    Step::GiveUp {
        event: EventName::TooManyFailedSuspensionAttempts,
        reason: "TooManyFailedSavepointAttempts",
        message: format!(
            "{} savepoint attempts failed (maxSavepointCreationAttempts) {why}; the job keeps running",
            desired.spec.max_savepoint_creation_attempts
        ),
    }
}

/// The job's newest checkpoint, if the restore strategy may use it (LATEST_STATE) and it is not
/// older than `restoreStrategy.maxCheckpointAge`.
fn usable_checkpoint<'a>(desired: Desired<'_>, job: &'a ObservedJob, now_ms: i64) -> Option<&'a CheckpointRecord> {
    if desired.spec.restore_strategy.kind != RestoreStrategyKind::LatestState {
        return None;
    }
    let checkpoint = job.flink_checkpoint.as_ref().or(job.recorded_checkpoint.as_ref())?;
    match &desired.spec.restore_strategy.max_checkpoint_age {
        Some(max_age) => {
            let completed_ms = crate::time::parse_ms(&checkpoint.completed_at)?;
            (now_ms.saturating_sub(completed_ms) <= max_age.millis() as i64).then_some(checkpoint)
        }
        None => Some(checkpoint),
    }
}

fn newest_checkpoint(job: &ObservedJob) -> Option<CheckpointRecord> {
    job.flink_checkpoint.clone().or_else(|| job.recorded_checkpoint.clone())
}

/// `attempt` (a start or a submission), unless the failed attempts that still count have reached
/// `maxJobCreationAttempts` (give up) or the newest of them was too recent (wait, doubling per
/// failure up to the cap).
fn creation_attempt(desired: Desired<'_>, record: &EngineRecord, seen: &Observation, attempt: Step) -> Step {
    let failures = counted_failures(desired, record, seen.now_ms);
    if failures >= desired.spec.max_job_creation_attempts {
        let last = record.last_job_failure.as_deref().map(|why| format!(" The last: {why}")).unwrap_or_default();
        return Step::GiveUp {
            event: EventName::TooManyFailedJobCreationAttempts,
            reason: "TooManyFailedJobCreationAttempts",
            message: format!(
                "{failures} job creation attempts failed (maxJobCreationAttempts is {}); change the deployment or \
                 start it again to retry.{last}",
                desired.spec.max_job_creation_attempts
            ),
        };
    }
    let newest = record.job_failures_ms.iter().max().copied().filter(|_| failures > 0);
    if let Some(newest) = newest {
        let wait_ms = i64::try_from(seen.job_creation_backoff.after(failures).as_millis()).unwrap_or(i64::MAX);
        let due_ms = newest.saturating_add(wait_ms);
        if seen.now_ms < due_ms {
            return Step::RetryLater(Duration::from_millis(u64::try_from(due_ms - seen.now_ms).unwrap_or_default()));
        }
    }
    attempt
}

/// Failed job creations that still count: those recorded at this version of the deployment (a
/// change by a person starts the count afresh) and younger than `jobFailureExpirationTime`.
fn counted_failures(desired: Desired<'_>, record: &EngineRecord, now_ms: i64) -> u32 {
    if record.failures_at_version != Some(desired.version) {
        return 0;
    }
    let expiry = desired.spec.job_failure_expiration_time.as_ref().filter(|d| !d.is_zero());
    let counted = record
        .job_failures_ms
        .iter()
        .filter(|at| expiry.is_none_or(|expiry| now_ms.saturating_sub(**at) < expiry.millis() as i64))
        .count();
    u32::try_from(counted).unwrap_or(u32::MAX)
}

/// Which state the next job restores, and whether Flink may skip state it cannot map.
pub fn choose_restore(
    spec: &DeploymentSpec,
    record: &EngineRecord,
    restorable: &[Restorable],
) -> (Option<RestoreFrom>, bool) {
    let request = record.next_start.as_ref();
    let allow =
        request.and_then(|r| r.allow_non_restored_state).unwrap_or(spec.restore_strategy.allow_non_restored_state);
    let choice = request.map_or(&RestoreChoice::ByStrategy, |r| &r.restore);
    let from = |r: &Restorable| RestoreFrom { savepoint_id: r.savepoint_id.clone(), location: r.location.clone() };
    let restore = match choice {
        RestoreChoice::Nothing => None,
        RestoreChoice::Savepoint { savepoint_id, location } => {
            Some(RestoreFrom { savepoint_id: savepoint_id.clone(), location: location.clone() })
        }
        RestoreChoice::ByStrategy => match spec.restore_strategy.kind {
            RestoreStrategyKind::None => None,
            RestoreStrategyKind::LatestState => restorable.first().map(from),
            RestoreStrategyKind::LatestSavepoint => {
                restorable.iter().find(|r| r.origin != SavepointOrigin::RetainedCheckpoint).map(from)
            }
        },
    };
    (restore, allow)
}

/// The refusal of a start that restores `restore` on a compatibility check the start may not rely
/// on: one of an older version of the deployment (its spec may have changed since), or one that
/// answered INCOMPATIBLE without the person's "Start anyway". A start without state, or one the
/// services did not check (an upgrade, a restart after a failure), is never refused here.
fn unconfirmed_start(desired: Desired<'_>, record: &EngineRecord, restore: Option<&RestoreFrom>) -> Option<Step> {
    let restore = restore?;
    let checked = record.next_start.as_ref()?.checked.as_ref()?;
    if checked.deployment_version != desired.version {
        return Some(Step::RefuseStart {
            reason: "CompatibilityCheckOutdated",
            message: format!(
                "The deployment changed after the state compatibility check (version {} was checked, it is now at \
                 version {}); start it again",
                checked.deployment_version, desired.version
            ),
        });
    }
    match checked.compatibility {
        Compatibility::Incompatible if !checked.confirmed => Some(Step::RefuseStart {
            reason: "IncompatibleStateNotConfirmed",
            message: format!(
                "The state compatibility check answered INCOMPATIBLE for savepoint {} ({}); start again and confirm \
                 'Start anyway', or choose another state",
                restore.savepoint_id, restore.location
            ),
        }),
        Compatibility::Incompatible
        | Compatibility::FullyCompatible
        | Compatibility::PartiallyCompatible
        | Compatibility::Unknown => None,
    }
}

fn periodic_savepoint_due(spec: &DeploymentSpec, record: &EngineRecord, job: &ObservedJob, now_ms: i64) -> bool {
    periodic_savepoint_at(spec, record, job).is_some_and(|due_ms| now_ms >= due_ms)
}

/// When the running job's next periodic savepoint falls due (`savepointPolicy.interval`), if it has one.
fn periodic_savepoint_at(spec: &DeploymentSpec, record: &EngineRecord, job: &ObservedJob) -> Option<i64> {
    let interval = spec.savepoint_policy.as_ref()?.interval.as_ref().filter(|i| !i.is_zero())?;
    let since = record.last_periodic_savepoint_ms.unwrap_or(job.started_at_ms).max(job.started_at_ms);
    Some(since.saturating_add(i64::try_from(interval.millis()).unwrap_or(i64::MAX)))
}

/// When something of the deployment's own falls due while nothing happens in Flink and nobody
/// changes it: the running job's next periodic savepoint, or the moment a kept savepoint grows
/// older than `savepointPolicy.maxAge`. `None`: nothing, until Flink or a person changes something.
/// Only instants after `seen.now_ms` count: what was due already and did not happen waits for
/// something else (a job that is not RUNNING takes no savepoint; the newest savepoint is never
/// retired), and asking again at once would only spin.
pub fn next_due_ms(desired: Desired<'_>, record: &EngineRecord, seen: &Observation) -> Option<i64> {
    let periodic = seen
        .job
        .as_ref()
        .filter(|job| job.state == JobState::Started)
        .and_then(|job| periodic_savepoint_at(desired.spec, record, job));
    let max_age = desired.spec.savepoint_policy.as_ref().and_then(|p| p.max_age.as_ref());
    let retention = max_age.and_then(|age| {
        let age_ms = i64::try_from(age.millis()).unwrap_or(i64::MAX);
        seen.restorable
            .iter()
            .filter(|r| managed_by_retention(r.origin))
            // `retired` retires what is strictly older than maxAge.
            .map(|r| r.created_ms.saturating_add(age_ms).saturating_add(1))
            .filter(|due_ms| *due_ms > seen.now_ms)
            .min()
    });
    [periodic.filter(|due_ms| *due_ms > seen.now_ms), retention].into_iter().flatten().min()
}

/// Whether retention may retire savepoints of this origin (the console took them).
fn managed_by_retention(origin: SavepointOrigin) -> bool {
    match origin {
        SavepointOrigin::Suspend
        | SavepointOrigin::SuspendAndUpgrade
        | SavepointOrigin::Periodic
        | SavepointOrigin::RetainedCheckpoint => true,
        SavepointOrigin::UserRequest | SavepointOrigin::Copied => false,
    }
}

#[cfg(test)]
mod tests {
    //! The transition table of `docs/engine.md`, row by row: status × desired × observation × strategy → step.

    use domain::*;
    use flink::JobState as F;

    use super::*;
    use crate::record::{CheckedStart, StartRequest};

    const NOW: i64 = 1_000_000_000;

    fn spec(state: DesiredState) -> DeploymentSpec {
        serde_json::from_value(serde_json::json!({
            "state": state.as_str(),
            "upgradeStrategy": {"kind": "STATEFUL"},
            "restoreStrategy": {"kind": "LATEST_STATE"},
            "template": {"spec": {"artifact": {"kind": "JAR", "jarUri": "file:///job.jar"}, "parallelism": 1}}
        }))
        .expect("a spec")
    }

    fn status(state: DeploymentState) -> DeploymentStatus {
        DeploymentStatus { state, running: None, failure: None }
    }

    fn job(state: JobState, flink: FlinkView, fingerprint: &str) -> ObservedJob {
        ObservedJob {
            id: "job-1".into(),
            state,
            fingerprint: fingerprint.into(),
            started_at_ms: NOW - 60_000,
            flink,
            recorded_checkpoint: None,
            flink_checkpoint: None,
            failure: None,
            rescale: None,
        }
    }

    fn checkpoint(age_ms: i64) -> CheckpointRecord {
        CheckpointRecord { location: "file:/chk-7".into(), completed_at: crate::time::rfc3339(NOW - age_ms) }
    }

    fn seen(job: Option<ObservedJob>) -> Observation {
        Observation {
            now_ms: NOW,
            cluster: ClusterView::Known,
            job,
            savepoint: None,
            restorable: Vec::new(),
            checkpoint_stats_lag_ms: 0,
            job_creation_backoff: Backoff::new(Duration::from_secs(2), Duration::from_secs(60)),
            autopilot: None,
            rescale_timeout_ms: 300_000,
        }
    }

    fn savepoint(id: &str, origin: SavepointOrigin) -> Restorable {
        Restorable { savepoint_id: id.into(), location: format!("file:/{id}"), origin, created_ms: NOW }
    }

    /// Plans with the spec's own fingerprint as "what the job runs" unless `job_fp` says otherwise.
    fn step(spec: &DeploymentSpec, status: &DeploymentStatus, record: &EngineRecord, seen: &Observation) -> Step {
        let fp = fingerprint(spec);
        plan(Desired { spec, version: 1, fingerprint: &fp }, status, record, seen)
    }

    fn running_job(spec: &DeploymentSpec, flink: F) -> ObservedJob {
        job(JobState::Started, FlinkView::Job(flink), &fingerprint(spec))
    }

    #[test]
    fn a_resting_deployment_asked_to_run_starts_a_job_from_its_latest_state() {
        let spec = spec(DesiredState::Running);
        for from in [DeploymentState::Cancelled, DeploymentState::Suspended, DeploymentState::Failed] {
            let mut seen = seen(None);
            seen.restorable =
                vec![savepoint("chk", SavepointOrigin::RetainedCheckpoint), savepoint("sp", SavepointOrigin::Suspend)];
            let planned = step(&spec, &status(from), &EngineRecord::default(), &seen);
            let expected = Step::StartJob {
                restore: Some(RestoreFrom { savepoint_id: "chk".into(), location: "file:/chk".into() }),
                allow_non_restored_state: false,
            };
            assert_eq!(planned, expected, "from {from}");
        }
    }

    #[test]
    fn restore_strategies_pick_their_state() {
        let restorable =
            vec![savepoint("chk", SavepointOrigin::RetainedCheckpoint), savepoint("sp", SavepointOrigin::Suspend)];
        let record = EngineRecord::default();
        let mut spec = spec(DesiredState::Running);
        let picked = |spec: &DeploymentSpec, record: &EngineRecord| {
            choose_restore(spec, record, &restorable).0.map(|r| r.savepoint_id)
        };
        assert_eq!(picked(&spec, &record).as_deref(), Some("chk"), "LATEST_STATE: the newest of both");
        spec.restore_strategy.kind = RestoreStrategyKind::LatestSavepoint;
        assert_eq!(picked(&spec, &record).as_deref(), Some("sp"), "LATEST_SAVEPOINT: savepoints only");
        spec.restore_strategy.kind = RestoreStrategyKind::None;
        assert_eq!(picked(&spec, &record), None, "NONE: no state");
        let chosen = EngineRecord {
            next_start: Some(StartRequest {
                restore: RestoreChoice::Savepoint { savepoint_id: "other".into(), location: "file:/other".into() },
                allow_non_restored_state: Some(true),
                source_start_time_ms: None,
                checked: None,
                job_id: None,
            }),
            ..EngineRecord::default()
        };
        assert_eq!(picked(&spec, &chosen).as_deref(), Some("other"), "a start's own choice wins");
        assert!(choose_restore(&spec, &chosen, &restorable).1, "and its allowNonRestoredState");
        let fresh = EngineRecord {
            next_start: Some(StartRequest::restoring(RestoreChoice::Nothing)),
            ..EngineRecord::default()
        };
        spec.restore_strategy.kind = RestoreStrategyKind::LatestState;
        assert_eq!(picked(&spec, &fresh), None, "initial mode starts without state");
    }

    #[test]
    fn a_start_on_a_compatibility_check_it_may_not_rely_on_is_refused() {
        let spec = spec(DesiredState::Running);
        let suspended = status(DeploymentState::Suspended);
        let chosen = RestoreChoice::Savepoint { savepoint_id: "sp-1".into(), location: "file:/sp-1".into() };
        let start = |restore: RestoreChoice, compatibility, confirmed, deployment_version| EngineRecord {
            next_start: Some(StartRequest {
                checked: Some(CheckedStart { compatibility, confirmed, deployment_version }),
                ..StartRequest::restoring(restore)
            }),
            ..EngineRecord::default()
        };
        let starts = Step::StartJob {
            restore: Some(RestoreFrom { savepoint_id: "sp-1".into(), location: "file:/sp-1".into() }),
            allow_non_restored_state: false,
        };
        let table: Vec<(&str, EngineRecord, Result<Step, &str>)> = vec![
            ("fully compatible", start(chosen.clone(), Compatibility::FullyCompatible, false, 1), Ok(starts.clone())),
            (
                "partially compatible",
                start(chosen.clone(), Compatibility::PartiallyCompatible, false, 1),
                Ok(starts.clone()),
            ),
            ("unknown", start(chosen.clone(), Compatibility::Unknown, false, 1), Ok(starts.clone())),
            (
                "incompatible, confirmed",
                start(chosen.clone(), Compatibility::Incompatible, true, 1),
                Ok(starts.clone()),
            ),
            (
                "incompatible, not confirmed",
                start(chosen.clone(), Compatibility::Incompatible, false, 1),
                Err("IncompatibleStateNotConfirmed"),
            ),
            (
                "the spec changed after the check",
                start(chosen.clone(), Compatibility::FullyCompatible, false, 0),
                Err("CompatibilityCheckOutdated"),
            ),
            (
                "even a confirmed one",
                start(chosen.clone(), Compatibility::Incompatible, true, 0),
                Err("CompatibilityCheckOutdated"),
            ),
            (
                "a start without state has no state to check",
                start(RestoreChoice::Nothing, Compatibility::Incompatible, false, 0),
                Ok(Step::StartJob { restore: None, allow_non_restored_state: false }),
            ),
            (
                "no check: an upgrade's or a restart's start",
                EngineRecord::default(),
                Ok(Step::StartJob { restore: None, allow_non_restored_state: false }),
            ),
        ];
        for (name, record, expected) in table {
            let planned = step(&spec, &suspended, &record, &seen(None));
            match expected {
                Ok(expected) => assert_eq!(planned, expected, "{name}"),
                Err(reason) => {
                    let Step::RefuseStart { reason: refused, .. } = &planned else {
                        panic!("{name}: expected a refusal, got {planned:?}");
                    };
                    assert_eq!(*refused, reason, "{name}");
                }
            }
        }
        let Step::RefuseStart { message, .. } =
            step(&spec, &suspended, &start(chosen.clone(), Compatibility::Incompatible, false, 1), &seen(None))
        else {
            panic!("refused");
        };
        assert_eq!(
            message,
            "The state compatibility check answered INCOMPATIBLE for savepoint sp-1 (file:/sp-1); start again and \
             confirm 'Start anyway', or choose another state"
        );
        let Step::RefuseStart { message, .. } =
            step(&spec, &suspended, &start(chosen, Compatibility::FullyCompatible, false, 0), &seen(None))
        else {
            panic!("refused");
        };
        assert_eq!(
            message,
            "The deployment changed after the state compatibility check (version 0 was checked, it is now at version \
             1); start it again"
        );
    }

    #[test]
    fn a_target_that_could_not_be_looked_up_is_waited_for_and_a_missing_one_fails() {
        let spec = spec(DesiredState::Running);
        let cancelled = status(DeploymentState::Cancelled);
        let mut seen = seen(None);
        seen.cluster = ClusterView::LookupFailed("database is locked".into());
        assert_eq!(
            step(&spec, &cancelled, &EngineRecord::default(), &seen),
            Step::Unreachable("database is locked".into())
        );
        seen.cluster = ClusterView::NoTarget("no deployment target \"gone\"".into());
        assert!(matches!(
            step(&spec, &cancelled, &EngineRecord::default(), &seen),
            Step::GiveUp { event: EventName::ReferencedDeploymentTargetDoesNotExist, .. }
        ));
    }

    #[test]
    fn a_failed_creation_waits_doubling_before_the_next_attempt() {
        let spec = spec(DesiredState::Running);
        let transitioning = status(DeploymentState::Transitioning);
        let failed = |ages_s: &[i64]| EngineRecord {
            job_failures_ms: ages_s.iter().map(|age| NOW - age * 1000).collect(),
            failures_at_version: Some(1),
            ..EngineRecord::default()
        };
        let start = Step::StartJob { restore: None, allow_non_restored_state: false };
        assert_eq!(step(&spec, &transitioning, &failed(&[1]), &seen(None)), Step::RetryLater(Duration::from_secs(1)));
        assert_eq!(step(&spec, &transitioning, &failed(&[2]), &seen(None)), start, "2 s after one failure");
        assert_eq!(
            step(&spec, &transitioning, &failed(&[10, 1]), &seen(None)),
            Step::RetryLater(Duration::from_secs(3)),
            "4 s after two"
        );
        let starting = job(JobState::Starting, FlinkView::Missing, &fingerprint(&spec));
        let submitting =
            EngineRecord { operation: Some(InFlight::Start { job_id: "job-1".into() }), ..failed(&[20, 10, 5]) };
        assert_eq!(
            step(&spec, &transitioning, &submitting, &seen(Some(starting.clone()))),
            Step::RetryLater(Duration::from_secs(3)),
            "a resubmission waits too: 8 s after three"
        );
        let later = EngineRecord { operation: submitting.operation.clone(), ..failed(&[20, 10, 8]) };
        assert_eq!(step(&spec, &transitioning, &later, &seen(Some(starting.clone()))), Step::SubmitJob);
        let exhausted = EngineRecord {
            operation: submitting.operation.clone(),
            last_job_failure: Some("NoResourceAvailableException".into()),
            ..failed(&[40, 20, 10, 5])
        };
        let Step::GiveUp { event, message, .. } = step(&spec, &transitioning, &exhausted, &seen(Some(starting))) else {
            panic!("the fourth failed submission is the last");
        };
        assert_eq!(event, EventName::TooManyFailedJobCreationAttempts);
        assert!(message.contains("NoResourceAvailableException"), "Flink's reason: {message}");
    }

    #[test]
    fn job_creation_gives_up_after_max_attempts_unless_failures_expired() {
        let mut spec = spec(DesiredState::Running);
        let record = EngineRecord {
            job_failures_ms: vec![NOW - 50_000, NOW - 40_000, NOW - 30_000, NOW - 20_000],
            failures_at_version: Some(1),
            ..EngineRecord::default()
        };
        let planned = step(&spec, &status(DeploymentState::Transitioning), &record, &seen(None));
        assert!(
            matches!(planned, Step::GiveUp { event: EventName::TooManyFailedJobCreationAttempts, .. }),
            "{planned:?}"
        );
        spec.job_failure_expiration_time = Some(FlinkDuration::parse("35 s").expect("duration"));
        let planned = step(&spec, &status(DeploymentState::Transitioning), &record, &seen(None));
        assert!(matches!(planned, Step::StartJob { .. }), "two failures expired: {planned:?}");
        let other_version = EngineRecord { failures_at_version: Some(0), ..record };
        spec.job_failure_expiration_time = None;
        let planned = step(&spec, &status(DeploymentState::Transitioning), &other_version, &seen(None));
        assert!(matches!(planned, Step::StartJob { .. }), "a person's change starts the count afresh: {planned:?}");
    }

    #[test]
    fn a_failed_deployment_waits_for_a_change_before_trying_again() {
        let spec = spec(DesiredState::Running);
        let record = EngineRecord { gave_up_at_version: Some(1), ..EngineRecord::default() };
        assert_eq!(step(&spec, &status(DeploymentState::Failed), &record, &seen(None)), Step::Steady);
        let changed = EngineRecord { gave_up_at_version: Some(0), ..record };
        assert!(matches!(step(&spec, &status(DeploymentState::Failed), &changed, &seen(None)), Step::StartJob { .. }));
    }

    #[test]
    fn a_missing_target_fails_the_start_with_its_event() {
        let spec = spec(DesiredState::Running);
        let mut seen = seen(None);
        seen.cluster = ClusterView::NoTarget("no deployment target \"gone\"".into());
        let planned = step(&spec, &status(DeploymentState::Cancelled), &EngineRecord::default(), &seen);
        assert!(
            matches!(planned, Step::GiveUp { event: EventName::ReferencedDeploymentTargetDoesNotExist, .. }),
            "{planned:?}"
        );
    }

    #[test]
    fn a_starting_job_is_submitted_awaited_then_running() {
        let spec = spec(DesiredState::Running);
        let starting =
            EngineRecord { operation: Some(InFlight::Start { job_id: "job-1".into() }), ..Default::default() };
        let fp = fingerprint(&spec);
        let transitioning = status(DeploymentState::Transitioning);
        let with = |flink| seen(Some(job(JobState::Starting, flink, &fp)));
        assert_eq!(step(&spec, &transitioning, &starting, &with(FlinkView::Missing)), Step::SubmitJob);
        assert_eq!(
            step(&spec, &transitioning, &starting, &with(FlinkView::Job(F::Initializing))),
            Step::Await("the job to start")
        );
        assert_eq!(step(&spec, &transitioning, &starting, &with(FlinkView::Job(F::Running))), Step::JobStarted);
        assert!(matches!(
            step(&spec, &transitioning, &starting, &with(FlinkView::Job(F::Failed))),
            Step::JobEnded { outcome: JobOutcome::Failed(_), .. }
        ));
        assert!(matches!(
            step(&spec, &transitioning, &starting, &with(FlinkView::Unreachable("down".into()))),
            Step::Unreachable(_)
        ));
    }

    #[test]
    fn running_to_suspended_stops_with_a_savepoint() {
        let spec = spec(DesiredState::Suspended);
        let planned = step(
            &spec,
            &status(DeploymentState::Running),
            &EngineRecord::default(),
            &seen(Some(running_job(&spec, F::Running))),
        );
        assert_eq!(planned, Step::StopJob { purpose: StopPurpose::Suspend, attempt: 1 });
    }

    #[test]
    fn running_to_cancelled_cancels_without_a_savepoint() {
        let spec = spec(DesiredState::Cancelled);
        let planned = step(
            &spec,
            &status(DeploymentState::Running),
            &EngineRecord::default(),
            &seen(Some(running_job(&spec, F::Running))),
        );
        assert_eq!(planned, Step::CancelJob { purpose: CancelPurpose::Cancel });
    }

    #[test]
    fn a_failed_suspension_is_retried_to_the_limit_then_falls_back_or_gives_up() {
        let mut spec = spec(DesiredState::Suspended);
        let stopping = |attempt| EngineRecord {
            operation: Some(InFlight::Stop {
                job_id: "job-1".into(),
                savepoint_id: "sp-failed".into(),
                purpose: StopPurpose::Suspend,
                attempt,
                drain: false,
            }),
            ..Default::default()
        };
        let mut job = running_job(&spec, F::Running);
        job.state = JobState::Terminating;
        let transitioning = status(DeploymentState::Transitioning);
        assert_eq!(
            step(&spec, &transitioning, &stopping(1), &seen(Some(job.clone()))),
            Step::StopJob { purpose: StopPurpose::Suspend, attempt: 2 }
        );
        assert!(matches!(
            step(&spec, &transitioning, &stopping(4), &seen(Some(job.clone()))),
            Step::GiveUp { event: EventName::TooManyFailedSuspensionAttempts, .. }
        ));
        job.flink_checkpoint = Some(checkpoint(10_000));
        assert_eq!(
            step(&spec, &transitioning, &stopping(4), &seen(Some(job.clone()))),
            Step::CancelJob { purpose: CancelPurpose::CheckpointFallback(StopPurpose::Suspend) },
            "LATEST_STATE falls back to the retained checkpoint"
        );
        spec.restore_strategy.max_checkpoint_age = Some(FlinkDuration::parse("5 s").expect("duration"));
        assert!(
            matches!(step(&spec, &transitioning, &stopping(4), &seen(Some(job.clone()))), Step::GiveUp { .. }),
            "but not to one older than maxCheckpointAge"
        );
        spec.restore_strategy.max_checkpoint_age = None;
        spec.restore_strategy.kind = RestoreStrategyKind::LatestSavepoint;
        assert!(
            matches!(step(&spec, &transitioning, &stopping(4), &seen(Some(job))), Step::GiveUp { .. }),
            "LATEST_SAVEPOINT never falls back to checkpoints"
        );
    }

    #[test]
    fn a_stop_whose_savepoint_completed_waits_for_the_job_to_finish() {
        let spec = spec(DesiredState::Suspended);
        let record = EngineRecord {
            operation: Some(InFlight::Stop {
                job_id: "job-1".into(),
                savepoint_id: "sp".into(),
                purpose: StopPurpose::Suspend,
                attempt: 1,
                drain: false,
            }),
            ..Default::default()
        };
        let mut seen = seen(Some(running_job(&spec, F::Running)));
        seen.restorable = vec![savepoint("sp", SavepointOrigin::Suspend)];
        assert_eq!(
            step(&spec, &status(DeploymentState::Transitioning), &record, &seen),
            Step::Await("the job to finish after its savepoint")
        );
        seen.job = Some(running_job(&spec, F::Finished));
        assert_eq!(
            step(&spec, &status(DeploymentState::Transitioning), &record, &seen),
            Step::JobEnded { outcome: JobOutcome::Stopped(StopPurpose::Suspend), checkpoint: None }
        );
    }

    #[test]
    fn an_unhealthy_job_falls_back_to_its_checkpoint_instead_of_a_savepoint() {
        let spec = spec(DesiredState::Suspended);
        let mut job = running_job(&spec, F::Restarting);
        job.recorded_checkpoint = Some(checkpoint(1_000));
        assert_eq!(
            step(&spec, &status(DeploymentState::Running), &EngineRecord::default(), &seen(Some(job))),
            Step::CancelJob { purpose: CancelPurpose::CheckpointFallback(StopPurpose::Suspend) }
        );
    }

    #[test]
    fn a_changed_spec_is_upgraded_per_strategy() {
        let mut spec = spec(DesiredState::Running);
        let old = job(JobState::Started, FlinkView::Job(F::Running), "old-fingerprint");
        let running = status(DeploymentState::Running);
        let none = EngineRecord::default();
        assert_eq!(
            step(&spec, &running, &none, &seen(Some(old.clone()))),
            Step::StopJob { purpose: StopPurpose::Upgrade, attempt: 1 },
            "STATEFUL"
        );
        spec.upgrade_strategy.kind = UpgradeStrategyKind::Stateless;
        assert_eq!(
            step(&spec, &running, &none, &seen(Some(old.clone()))),
            Step::CancelJob { purpose: CancelPurpose::StatelessUpgrade },
            "STATELESS"
        );
        spec.upgrade_strategy.kind = UpgradeStrategyKind::None;
        assert_eq!(step(&spec, &running, &none, &seen(Some(old.clone()))), Step::IgnoreUpgrade, "NONE says so once");
        let said = EngineRecord { ignored_fingerprint: Some(fingerprint(&spec)), ..Default::default() };
        assert_eq!(step(&spec, &running, &said, &seen(Some(old))), Step::Steady, "then leaves the job alone");
    }

    #[test]
    fn a_restart_nonce_changes_the_fingerprint() {
        let mut spec = spec(DesiredState::Running);
        let before = fingerprint(&spec);
        spec.restart_nonce = Some(1);
        assert_ne!(fingerprint(&spec), before);
        spec.state = DesiredState::Suspended;
        spec.restart_nonce = Some(1);
        let mut again = spec.clone();
        again.state = DesiredState::Running;
        assert_eq!(fingerprint(&spec), fingerprint(&again), "the desired state is not part of what a job runs");
    }

    #[test]
    fn a_job_that_ended_in_flink_is_recorded_with_how_it_ended() {
        let spec = spec(DesiredState::Running);
        let running = status(DeploymentState::Running);
        let none = EngineRecord::default();
        let ended =
            |flink: FlinkView| match step(&spec, &running, &none, &seen(Some(job(JobState::Started, flink, "x")))) {
                Step::JobEnded { outcome, .. } => outcome,
                other => panic!("expected JobEnded, got {other:?}"),
            };
        assert_eq!(ended(FlinkView::Job(F::Finished)), JobOutcome::Finished, "a finite job: FINISHED");
        assert_eq!(ended(FlinkView::Job(F::Canceled)), JobOutcome::CancelledOutside, "cancelled in Flink's UI");
        assert!(matches!(ended(FlinkView::Job(F::Failed)), JobOutcome::Failed(_)), "failed in Flink");
        assert_eq!(ended(FlinkView::Missing), JobOutcome::Vanished, "the cluster restarted");
    }

    #[test]
    fn a_finished_deployment_stays_finished_until_cancelled() {
        let spec = spec(DesiredState::Running);
        assert_eq!(
            step(&spec, &status(DeploymentState::Finished), &EngineRecord::default(), &seen(None)),
            Step::Steady
        );
        let cancelled = self::spec(DesiredState::Cancelled);
        assert_eq!(
            step(&cancelled, &status(DeploymentState::Finished), &EngineRecord::default(), &seen(None)),
            Step::Rest(DeploymentState::Cancelled)
        );
    }

    #[test]
    fn a_failed_deployment_asked_to_cancel_becomes_cancelled() {
        let spec = spec(DesiredState::Cancelled);
        assert_eq!(
            step(&spec, &status(DeploymentState::Failed), &EngineRecord::default(), &seen(None)),
            Step::Rest(DeploymentState::Cancelled)
        );
        let with_job = seen(Some(running_job(&spec, F::Running)));
        assert_eq!(
            step(&spec, &status(DeploymentState::Failed), &EngineRecord::default(), &with_job),
            Step::CancelJob { purpose: CancelPurpose::Cancel },
            "cancel whatever may still run"
        );
    }

    #[test]
    fn a_savepoint_under_way_is_settled_first() {
        let spec = spec(DesiredState::Suspended);
        let mut seen = seen(Some(running_job(&spec, F::Running)));
        let under_way = |progress| ObservedSavepoint {
            id: "sp".into(),
            origin: SavepointOrigin::UserRequest,
            progress,
            not_ready_attempts: 0,
        };
        let running = status(DeploymentState::Running);
        let none = EngineRecord::default();
        seen.savepoint = Some(under_way(Progress::InProgress));
        assert_eq!(step(&spec, &running, &none, &seen), Step::Await("a savepoint to complete"));
        seen.savepoint = Some(under_way(Progress::Completed { location: "file:/sp".into() }));
        assert_eq!(step(&spec, &running, &none, &seen), Step::SavepointCompleted { location: "file:/sp".into() });
        let not_ready = "java.util.concurrent.CompletionException: Not all required tasks are currently running.";
        seen.savepoint = Some(under_way(Progress::Failed { cause: not_ready.into() }));
        assert_eq!(step(&spec, &running, &none, &seen), Step::RetrySavepoint { cause: not_ready.into() });
        let restarting = "java.util.concurrent.CompletionException: org.apache.flink.runtime.checkpoint.CheckpointException: Checkpoint Coordinator is suspending.";
        seen.savepoint = Some(under_way(Progress::Failed { cause: restarting.into() }));
        assert_eq!(step(&spec, &running, &none, &seen), Step::RetrySavepoint { cause: restarting.into() });
        seen.savepoint = Some(ObservedSavepoint {
            not_ready_attempts: NOT_READY_RETRIES,
            ..under_way(Progress::Failed { cause: not_ready.into() })
        });
        assert_eq!(
            step(&spec, &running, &none, &seen),
            Step::SavepointFailed { cause: not_ready.into() },
            "not forever"
        );
        seen.savepoint = Some(under_way(Progress::NotTriggered));
        assert_eq!(
            step(&spec, &running, &none, &seen),
            Step::TriggerSavepoint { origin: SavepointOrigin::UserRequest, requested: Some("sp".into()) }
        );
    }

    #[test]
    fn savepoint_nonce_and_period_trigger_savepoints_of_a_running_job() {
        let mut spec = spec(DesiredState::Running);
        let running = status(DeploymentState::Running);
        spec.savepoint_trigger_nonce = Some(3);
        let seen = seen(Some(running_job(&spec, F::Running)));
        assert_eq!(
            step(&spec, &running, &EngineRecord::default(), &seen),
            Step::TriggerSavepoint { origin: SavepointOrigin::UserRequest, requested: None }
        );
        let handled = EngineRecord { handled_savepoint_nonce: Some(3), ..Default::default() };
        assert_eq!(step(&spec, &running, &handled, &seen), Step::Steady);
        spec.savepoint_policy =
            Some(SavepointPolicy { interval: FlinkDuration::parse("30 s").ok(), ..Default::default() });
        let seen = super::tests::seen(Some(running_job(&spec, F::Running)));
        assert_eq!(
            step(&spec, &running, &handled, &seen),
            Step::TriggerSavepoint { origin: SavepointOrigin::Periodic, requested: None },
            "the job has run 60 s"
        );
        let recent = EngineRecord { last_periodic_savepoint_ms: Some(NOW - 10_000), ..handled };
        assert_eq!(step(&spec, &running, &recent, &seen), Step::Steady, "the last one was 10 s ago");
    }

    #[test]
    fn at_rest_the_next_periodic_savepoint_or_retention_by_age_is_what_falls_due() {
        let mut spec = spec(DesiredState::Running);
        let due = |spec: &DeploymentSpec, record: &EngineRecord, seen: &Observation| {
            let fp = fingerprint(spec);
            next_due_ms(Desired { spec, version: 1, fingerprint: &fp }, record, seen)
        };
        let record = EngineRecord::default();
        assert_eq!(due(&spec, &record, &seen(Some(running_job(&spec, F::Running)))), None, "no policy: nothing");

        spec.savepoint_policy =
            Some(SavepointPolicy { interval: FlinkDuration::parse("2 min").ok(), ..Default::default() });
        let running = seen(Some(running_job(&spec, F::Running)));
        assert_eq!(due(&spec, &record, &running), Some(NOW + 60_000), "started 60 s ago, every 2 min");
        let recent = EngineRecord { last_periodic_savepoint_ms: Some(NOW - 30_000), ..Default::default() };
        assert_eq!(due(&spec, &recent, &running), Some(NOW + 90_000));
        let overdue = EngineRecord { last_periodic_savepoint_ms: Some(NOW - 600_000), ..Default::default() };
        let late_start = ObservedJob { started_at_ms: NOW - 600_000, ..running_job(&spec, F::Restarting) };
        assert_eq!(
            due(&spec, &overdue, &seen(Some(late_start))),
            None,
            "overdue but not taken (the job is not RUNNING): the job's state change wakes it, not a spin"
        );
        assert_eq!(due(&spec, &record, &seen(None)), None, "no job, no periodic savepoint");

        spec.savepoint_policy =
            Some(SavepointPolicy { max_age: FlinkDuration::parse("1 h").ok(), ..Default::default() });
        let mut resting = seen(None);
        let aged = |id: &str, origin, age_ms: i64| Restorable { created_ms: NOW - age_ms, ..savepoint(id, origin) };
        resting.restorable = vec![
            aged("newest", SavepointOrigin::Suspend, 600_000),
            aged("user", SavepointOrigin::UserRequest, 1_800_000),
            aged("older", SavepointOrigin::Periodic, 3_000_000),
            aged("too-old", SavepointOrigin::Periodic, 7_200_000),
        ];
        assert_eq!(
            due(&spec, &record, &resting),
            Some(NOW - 3_000_000 + 3_600_000 + 1),
            "the oldest kept savepoint not yet past maxAge; a person's own savepoints are never retired"
        );
    }

    #[test]
    fn a_running_job_records_newer_checkpoints_and_is_otherwise_steady() {
        let spec = spec(DesiredState::Running);
        let mut job = running_job(&spec, F::Running);
        let running = status(DeploymentState::Running);
        assert_eq!(step(&spec, &running, &EngineRecord::default(), &seen(Some(job.clone()))), Step::Steady);
        job.flink_checkpoint = Some(checkpoint(0));
        assert_eq!(
            step(&spec, &running, &EngineRecord::default(), &seen(Some(job.clone()))),
            Step::CheckpointSeen(checkpoint(0))
        );
        job.recorded_checkpoint = Some(checkpoint(0));
        assert_eq!(step(&spec, &running, &EngineRecord::default(), &seen(Some(job))), Step::Steady);
    }

    #[test]
    fn resting_states_follow_the_desired_state() {
        let suspended = spec(DesiredState::Suspended);
        let none = EngineRecord::default();
        assert_eq!(
            step(&suspended, &status(DeploymentState::Transitioning), &none, &seen(None)),
            Step::Rest(DeploymentState::Suspended)
        );
        assert_eq!(step(&suspended, &status(DeploymentState::Suspended), &none, &seen(None)), Step::Steady);
        let cancelled = spec(DesiredState::Cancelled);
        assert_eq!(step(&cancelled, &status(DeploymentState::Cancelled), &none, &seen(None)), Step::Steady);
    }

    #[test]
    fn retention_keeps_max_count_drops_old_ones_and_never_user_requests_or_the_newest_state() {
        let mut spec = spec(DesiredState::Cancelled);
        let at = |id: &str, origin, age_s: i64| Restorable {
            savepoint_id: id.into(),
            location: format!("file:/{id}"),
            origin,
            created_ms: NOW - age_s * 1000,
        };
        let newest_first = vec![
            at("p4", SavepointOrigin::Periodic, 10),
            at("user", SavepointOrigin::UserRequest, 20),
            at("p3", SavepointOrigin::Periodic, 30),
            at("copied", SavepointOrigin::Copied, 40),
            at("s2", SavepointOrigin::Suspend, 50),
            at("p1", SavepointOrigin::Periodic, 4000),
        ];
        let ids = |spec: &DeploymentSpec, record: &EngineRecord| -> Vec<String> {
            retired(spec, record, &newest_first, NOW).iter().map(|r| r.savepoint_id.clone()).collect()
        };
        let none = EngineRecord::default();
        assert!(ids(&spec, &none).is_empty(), "no policy, no retention");
        spec.savepoint_policy = Some(SavepointPolicy { max_count: Some(2), ..Default::default() });
        assert_eq!(ids(&spec, &none), ["p1", "s2"], "the two newest managed ones stay; oldest goes first");
        spec.savepoint_policy =
            Some(SavepointPolicy { max_age: FlinkDuration::parse("1 h").ok(), ..Default::default() });
        assert_eq!(ids(&spec, &none), ["p1"]);
        spec.savepoint_policy = Some(SavepointPolicy { max_count: Some(0), ..Default::default() });
        assert_eq!(ids(&spec, &none), ["p1", "s2", "p3"], "the newest state (p4) is never retired");
        let pinned = EngineRecord {
            next_start: Some(StartRequest {
                restore: RestoreChoice::Savepoint { savepoint_id: "s2".into(), location: "file:/s2".into() },
                allow_non_restored_state: None,
                source_start_time_ms: None,
                checked: None,
                job_id: None,
            }),
            ..Default::default()
        };
        assert_eq!(ids(&spec, &pinned), ["p1", "p3"], "nor the one the next start restores");
        let mut seen = seen(None);
        seen.restorable = newest_first.clone();
        assert_eq!(
            step(&spec, &status(DeploymentState::Cancelled), &none, &seen),
            Step::DisposeSavepoint { savepoint_id: "p1".into(), location: "file:/p1".into() }
        );
    }

    #[test]
    fn a_final_checkpoint_is_read_only_after_flinks_statistics_caught_up() {
        let spec = spec(DesiredState::Running);
        let mut job = running_job(&spec, F::Failed);
        job.flink_checkpoint = Some(checkpoint(500));
        let mut seen = seen(Some(job));
        seen.checkpoint_stats_lag_ms = 3_500;
        let running = status(DeploymentState::Running);
        let seen_end = Step::JobEndSeen { outcome: JobOutcome::Failed("the job failed in Flink".into()) };
        assert_eq!(step(&spec, &running, &EngineRecord::default(), &seen), seen_end);
        let just_seen = EngineRecord { job_end_seen: Some(("job-1".into(), NOW - 1_000)), ..Default::default() };
        assert!(matches!(step(&spec, &running, &just_seen, &seen), Step::Await(_)));
        let settled = EngineRecord { job_end_seen: Some(("job-1".into(), NOW - 4_000)), ..Default::default() };
        assert!(matches!(
            step(&spec, &running, &settled, &seen),
            Step::JobEnded { outcome: JobOutcome::Failed(_), checkpoint: Some(_) }
        ));
        let other_job = EngineRecord { job_end_seen: Some(("job-0".into(), NOW - 4_000)), ..Default::default() };
        assert_eq!(step(&spec, &running, &other_job, &seen), seen_end, "an older job's end does not count");
    }

    fn wanted(job_id: &str, in_place: bool) -> WantedRescale {
        WantedRescale {
            decided_at_ms: NOW,
            job_id: job_id.into(),
            current: [("src".to_owned(), 1), ("counter".to_owned(), 1)].into(),
            parallelism_by_vertex: [("src".to_owned(), 1), ("counter".to_owned(), 4)].into(),
            names: BTreeMap::new(),
            in_place,
            next_state: ::autopilot::AutopilotState::default(),
            explanation: String::new(),
        }
    }

    #[test]
    fn an_autopilot_rescale_is_planned_only_for_an_active_policy_and_the_job_it_was_decided_for() {
        let mut spec = spec(DesiredState::Running);
        let running = status(DeploymentState::Running);
        let none = EngineRecord::default();
        let mut seen = seen(Some(running_job(&spec, F::Running)));
        seen.autopilot = Some(wanted("job-1", false));
        assert_eq!(step(&spec, &running, &none, &seen), Step::Steady, "no policy: nothing is applied");
        spec.autopilot = Some(domain::autopilot::AutopilotPolicy {
            mode: domain::autopilot::Mode::Monitoring,
            ..Default::default()
        });
        let seen_now = |spec: &DeploymentSpec, wanted: WantedRescale| {
            let mut seen = super::tests::seen(Some(running_job(spec, F::Running)));
            seen.autopilot = Some(wanted);
            seen
        };
        assert_eq!(step(&spec, &running, &none, &seen_now(&spec, wanted("job-1", false))), Step::Steady, "MONITORING");
        spec.autopilot.as_mut().expect("a policy").mode = domain::autopilot::Mode::Active;
        assert_eq!(
            step(&spec, &running, &none, &seen_now(&spec, wanted("job-1", true))),
            Step::Rescale(Box::new(wanted("job-1", true)))
        );
        assert_eq!(
            step(&spec, &running, &none, &seen_now(&spec, wanted("job-0", true))),
            Step::Steady,
            "a decision about an older job is stale"
        );
        let mut nothing = wanted("job-1", true);
        nothing.parallelism_by_vertex = nothing.current.clone();
        assert_eq!(step(&spec, &running, &none, &seen_now(&spec, nothing)), Step::Steady, "no change, no rescale");
        let mut requested = spec.clone();
        requested.savepoint_trigger_nonce = Some(1);
        assert!(
            matches!(
                step(&requested, &running, &none, &seen_now(&requested, wanted("job-1", true))),
                Step::TriggerSavepoint { .. }
            ),
            "a savepoint a person asked for goes first"
        );
        assert_eq!(wanted("job-1", true).job_parallelism(), 4, "a stateful upgrade runs the widest vertex's");
    }

    #[test]
    fn an_in_place_rescale_is_awaited_asked_again_after_a_crash_and_handed_to_an_upgrade_when_late() {
        let spec = spec(DesiredState::Running);
        let running = status(DeploymentState::Running);
        let target: BTreeMap<String, u32> = [("src".to_owned(), 1), ("counter".to_owned(), 4)].into();
        let record = EngineRecord {
            operation: Some(InFlight::Rescale {
                job_id: "job-1".into(),
                parallelism_by_vertex: target.clone(),
                asked_at_ms: NOW - 10_000,
                previous_fingerprint: "old".into(),
            }),
            ..Default::default()
        };
        let with = |requested: Option<BTreeMap<String, u32>>, now: Option<BTreeMap<String, u32>>, flink: F| {
            let mut job = running_job(&spec, flink);
            job.rescale = Some(RescaleProgress { requested, running: now });
            seen(Some(job))
        };
        let before: BTreeMap<String, u32> = [("src".to_owned(), 1), ("counter".to_owned(), 1)].into();
        assert_eq!(
            step(&spec, &running, &record, &with(Some(before.clone()), Some(before.clone()), F::Running)),
            Step::RequestRescale,
            "Flink does not hold the new bounds (the console died before asking)"
        );
        assert!(matches!(
            step(&spec, &running, &record, &with(Some(target.clone()), Some(before.clone()), F::Running)),
            Step::Await(_)
        ));
        assert!(matches!(
            step(&spec, &running, &record, &with(Some(target.clone()), Some(target.clone()), F::Restarting)),
            Step::Await(_)
        ));
        assert_eq!(
            step(&spec, &running, &record, &with(Some(target.clone()), Some(target.clone()), F::Running)),
            Step::RescaleDone
        );
        let mut late = seen(Some(running_job(&spec, F::Running)));
        late.now_ms = NOW + late.rescale_timeout_ms;
        assert_eq!(step(&spec, &running, &record, &late), Step::RescaleTimedOut);
    }
}
