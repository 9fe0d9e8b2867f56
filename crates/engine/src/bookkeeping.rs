//! What a step writes: the deployment's next status, the engine's record, and the job, savepoint
//! and event rows that one transaction commits before Flink is asked anything. Pure: it never
//! touches the store, Flink or the clock (the pass's instant is given), so every step's writes are
//! unit-tested as a table (see the tests below). `reconcile` loads, commits and calls Flink.
//!
//! # Expected flow
//! `reconcile` opens a `Book` on the deployment as loaded, has it write the planned step
//! (`Book::write`), commits `Book::take_write` and then does what the answer (`Then`) says: look
//! again later, or make the one Flink call the step recorded the intent of. What Flink answers may
//! be written down too (`submission_failed`, `creation_failed`, `savepoint_refused`) and committed.
//!
//! # Guarantees
//! - Ids Flink will hear of (a new job's Flink job id, a savepoint's trigger id) are chosen here and
//!   are in the rows written, so the intent is durable before the call.
//! - Every row update expects the version it was read at; a step that changes nothing commits
//!   nothing.

use std::collections::BTreeMap;
use std::time::Duration;

use domain::{
    ArtifactKind, CheckpointRecord, Deployment, DeploymentState, DeploymentStatus, DesiredState, Event, EventName,
    Failure, Job, JobMetadata, JobSpec, JobStarted, JobState, JobStatus, NamespaceName, RunningStatus, Savepoint,
    SavepointMetadata, SavepointOrigin, SavepointSpec, SavepointState, SavepointStatus, API_VERSION,
};
use flink::{JobId, TriggerId};
use storage::{EngineWrite, RowWrite};

use crate::observe::{not_ready_attempts, Rows, FINGERPRINT_ANNOTATION, NOT_READY_ANNOTATION};
use crate::plan::{fingerprint, JobOutcome, RestoreFrom, Step, WantedRescale};
use crate::record::{CancelPurpose, EngineRecord, InFlight, RestoreChoice, StartRequest, StopPurpose};
use crate::start_time::{rewrite_sql, CONFIGURATION_KEY};
use crate::time::{rfc3339, rfc3339_millis};
use crate::EngineError;

/// What the pass does once a step's writes are committed.
#[derive(Debug, Clone, PartialEq)]
pub enum Then {
    /// Nothing of Flink: look at the deployment again per `Look`.
    Look(Look),
    /// Submit the STARTING job under its chosen Flink job id.
    Submit(Job),
    /// Stop the job with the STARTED savepoint (its trigger id is on the row).
    StopWithSavepoint {
        /// The job to stop, as written (TERMINATING).
        job: Job,
        /// The savepoint row that carries the trigger id.
        savepoint: Savepoint,
        /// Drain the job first (Alibaba's STOP_WITH_DRAIN).
        drain: bool,
    },
    /// Take the STARTED savepoint of the running job (its trigger id is on the row).
    TriggerSavepoint {
        /// The job to take it of.
        job: Job,
        /// The savepoint row that carries the trigger id.
        savepoint: Savepoint,
    },
    /// Cancel the job in Flink (asked again on every pass until it ended).
    Cancel(Job),
    /// Dispose of a retired savepoint's files; its row is already deleted.
    Dispose {
        /// Where the savepoint's files are.
        location: String,
    },
    /// Ask Flink to rescale the running job in place to these vertex parallelisms.
    Rescale {
        /// The job, as written.
        job: Job,
        /// Every vertex's new parallelism, by Flink vertex id.
        parallelism_by_vertex: BTreeMap<String, u32>,
    },
}

/// When to look again after a step that asks nothing of Flink; `reconcile` turns it into a wait
/// with the engine's settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Look {
    /// At once: the step only recorded something the next plan builds on.
    Now,
    /// After the poll period: Flink works on something the engine asked for.
    Poll,
    /// After the observation period: nothing is under way.
    Observe,
    /// Once Flink's checkpoint statistics have caught up with a job's end.
    AfterStatsLag,
    /// After this wait (the plan's backoff between job creation attempts).
    After(Duration),
    /// Flink has been unreachable this long: a wait that grows with the outage.
    Unreachable {
        /// How long the outage has lasted so far.
        outage: Duration,
    },
    /// The job was not ready for a savepoint for the `attempts`-th time: the poll period, doubled per attempt.
    NotReady {
        /// How often the job was not ready, this time included.
        attempts: u32,
    },
}

/// One pass's working copy of a deployment's status and engine record, and the rows and events
/// its step writes.
pub struct Book<'a> {
    namespace: &'a NamespaceName,
    deployment: &'a Deployment,
    fingerprint: &'a str,
    now_ms: i64,
    status: DeploymentStatus,
    record: EngineRecord,
    /// The status and record as the store holds them: a step that changes neither and writes no
    /// row commits nothing.
    stored: (DeploymentStatus, EngineRecord),
    jobs: Vec<RowWrite<Job>>,
    savepoints: Vec<RowWrite<Savepoint>>,
    deleted_savepoints: Vec<(String, i64)>,
    events: Vec<Event>,
    /// The deployment as the Autopilot's rescale changes its spec (written once).
    changed_deployment: Option<Deployment>,
}

impl<'a> Book<'a> {
    /// A book on `deployment` as loaded (its status, and the engine's `record` of it) at the pass's
    /// instant `now_ms`; `fingerprint` is that of the spec now wanted.
    pub fn new(
        namespace: &'a NamespaceName,
        deployment: &'a Deployment,
        record: EngineRecord,
        fingerprint: &'a str,
        now_ms: i64,
    ) -> Self {
        let status = deployment.status.clone();
        Self {
            namespace,
            deployment,
            fingerprint,
            now_ms,
            stored: (status.clone(), record.clone()),
            status,
            record,
            jobs: Vec::new(),
            savepoints: Vec::new(),
            deleted_savepoints: Vec::new(),
            events: Vec::new(),
            changed_deployment: None,
        }
    }

    /// The deployment's status as written so far.
    pub fn status(&self) -> &DeploymentStatus {
        &self.status
    }

    /// The engine's record as written so far.
    pub fn record(&self) -> &EngineRecord {
        &self.record
    }

    /// What is written since the last call, as one transaction expecting `status_version`; `None`
    /// if nothing changed. The status and record it carries count as stored from then on.
    pub fn take_write(&mut self, status_version: i64) -> Result<Option<EngineWrite>, EngineError> {
        let nothing_written = self.jobs.is_empty()
            && self.savepoints.is_empty()
            && self.deleted_savepoints.is_empty()
            && self.events.is_empty()
            && self.changed_deployment.is_none();
        if nothing_written && self.stored == (self.status.clone(), self.record.clone()) {
            return Ok(None);
        }
        self.stored = (self.status.clone(), self.record.clone());
        Ok(Some(EngineWrite {
            status: self.status.clone(),
            engine: self.record.to_json()?,
            expected_status_version: status_version,
            jobs: std::mem::take(&mut self.jobs),
            savepoints: std::mem::take(&mut self.savepoints),
            deleted_savepoints: std::mem::take(&mut self.deleted_savepoints),
            events: std::mem::take(&mut self.events),
            deployment: self.changed_deployment.take().map(|d| (d, self.deployment.metadata.resource_version)),
        }))
    }

    /// Writes what `step` records (its intent, for a step that asks Flink to act) and says what
    /// the pass does next. `rows` are the deployment's rows the step was planned on.
    pub fn write(&mut self, step: &Step, rows: &Rows) -> Result<Then, EngineError> {
        match step {
            Step::Steady => {
                self.record.unreachable_since_ms = None;
                Ok(Then::Look(Look::Observe))
            }
            Step::Await(_) => Ok(Then::Look(Look::Poll)),
            Step::RetryLater(wait) => Ok(Then::Look(Look::After(*wait))),
            Step::Unreachable(why) => {
                let since = *self.record.unreachable_since_ms.get_or_insert(self.now_ms);
                if since == self.now_ms {
                    self.event(EventName::GeneralFailure, None, format!("Flink cannot be reached: {why}"));
                }
                let outage = Duration::from_millis(u64::try_from(self.now_ms - since).unwrap_or_default());
                Ok(Then::Look(Look::Unreachable { outage }))
            }
            Step::JobStarted => {
                self.job_started(active(rows)?);
                Ok(Then::Look(Look::Observe))
            }
            Step::JobEndSeen { outcome } => {
                let job_id = active(rows)?.metadata.id.clone();
                // Said now, not once the final checkpoint is read: the end shows within the period.
                if let Some((name, message)) = self.unasked_end(&job_id, outcome) {
                    self.event(name, Some(&job_id), message);
                }
                self.record.job_end_seen = Some((job_id, self.now_ms));
                Ok(Then::Look(Look::AfterStatsLag))
            }
            Step::JobEnded { outcome, checkpoint } => {
                self.job_ended(active(rows)?, outcome, checkpoint.as_ref(), &rows.savepoints);
                Ok(Then::Look(Look::Now))
            }
            Step::SavepointCompleted { location } => {
                self.savepoint_completed(under_way(rows)?, location, rows.active_job.as_ref());
                Ok(Then::Look(Look::Now))
            }
            Step::SavepointFailed { cause } => {
                self.savepoint_refused(under_way(rows)?, cause);
                Ok(Then::Look(Look::Now))
            }
            Step::RetrySavepoint { cause } => {
                let attempts = self.retry_savepoint(under_way(rows)?, cause);
                Ok(Then::Look(Look::NotReady { attempts }))
            }
            Step::CheckpointSeen(checkpoint) => {
                let job = active(rows)?;
                let mut seen_job = job.clone();
                seen_job.status.latest_checkpoint = Some(checkpoint.clone());
                self.update_job(job, seen_job);
                Ok(Then::Look(Look::Now))
            }
            Step::Rest(state) => {
                self.status = DeploymentStatus { state: *state, running: None, failure: None };
                self.record.next_start = None;
                self.record.gave_up_at_version = None;
                self.event(EventName::StateTransitionIsCompleted, None, format!("The deployment is {state}"));
                Ok(Then::Look(Look::Observe))
            }
            Step::AdoptRunningJob => {
                let job = active(rows)?;
                self.status = self.running(job);
                self.record.gave_up_at_version = None;
                self.event(
                    EventName::StateTransitionIsCompleted,
                    Some(&job.metadata.id),
                    format!("Job {} runs as desired: the deployment is RUNNING", short(&job.metadata.id)),
                );
                Ok(Then::Look(Look::Now))
            }
            Step::GiveUp { event, reason, message } => {
                self.give_up(rows.active_job.as_ref(), *event, reason, message);
                Ok(Then::Look(Look::Observe))
            }
            Step::RefuseStart { reason, message } => {
                // Forgotten, so that no later change runs the start on the check it may not rely on.
                self.record.next_start = None;
                self.give_up(rows.active_job.as_ref(), EventName::StartRefused, reason, message);
                Ok(Then::Look(Look::Observe))
            }
            Step::IgnoreUpgrade => {
                self.record.ignored_fingerprint = Some(self.fingerprint.to_owned());
                let job_id = self.status.running.as_ref().map(|r| r.job_id.clone());
                self.event(
                    EventName::UsingAnUpgradeStrategy,
                    job_id.as_deref(),
                    "The spec changed, but the upgrade strategy is NONE: the running job keeps its spec until it is \
                     restarted (suspend and resume, or cancel and start)",
                );
                Ok(Then::Look(Look::Now))
            }
            Step::ForgetOperation => {
                self.record.operation = None;
                Ok(Then::Look(Look::Now))
            }
            Step::StartJob { restore, allow_non_restored_state } => {
                Ok(Then::Submit(self.start_job(restore.as_ref(), *allow_non_restored_state)))
            }
            Step::SubmitJob => Ok(Then::Submit(active(rows)?.clone())),
            Step::StopJob { purpose, attempt } => {
                let job = active(rows)?;
                let (savepoint, drain) = self.stop_job(job, *purpose, *attempt);
                Ok(Then::StopWithSavepoint { job: job.clone(), savepoint, drain })
            }
            Step::CancelJob { purpose } => {
                let job = active(rows)?;
                self.cancel_job(job, *purpose);
                Ok(Then::Cancel(job.clone()))
            }
            Step::TriggerSavepoint { origin, requested } => {
                let job = active(rows)?;
                let requested = requested.as_ref().and_then(|id| rows.savepoints.iter().find(|s| &s.metadata.id == id));
                let savepoint = self.trigger_savepoint(job, *origin, requested);
                Ok(Then::TriggerSavepoint { job: job.clone(), savepoint })
            }
            Step::Rescale(wanted) => self.rescale(active(rows)?, wanted),
            Step::RequestRescale => match &self.record.operation {
                Some(InFlight::Rescale { parallelism_by_vertex, .. }) => Ok(Then::Rescale {
                    job: active(rows)?.clone(),
                    parallelism_by_vertex: parallelism_by_vertex.clone(),
                }),
                _ => Err(EngineError::Inconsistent("no in-place rescale is recorded")),
            },
            Step::RescaleDone => {
                if let Some(InFlight::Rescale { job_id, parallelism_by_vertex, asked_at_ms, .. }) =
                    self.record.operation.take()
                {
                    let seconds = (self.now_ms - asked_at_ms) as f64 / 1000.0;
                    self.event(
                        EventName::AutopilotRescale,
                        Some(&job_id),
                        format!(
                            "Job {} was rescaled in place: it runs with parallelism {} ({seconds:.1} s after the \
                             rescale was asked for)",
                            short(&job_id),
                            vertex_list(&parallelism_by_vertex)
                        ),
                    );
                }
                Ok(Then::Look(Look::Observe))
            }
            Step::RescaleTimedOut => {
                let job = active(rows)?;
                self.rescale_refused(job, "it did not finish in time (are there free task slots?)");
                Ok(Then::Look(Look::Now))
            }
            Step::DisposeSavepoint { savepoint_id, location } => {
                let savepoint = rows
                    .savepoints
                    .iter()
                    .find(|s| &s.metadata.id == savepoint_id)
                    .ok_or(EngineError::Inconsistent("the savepoint to dispose is not stored"))?;
                // The row goes first: a crash before the disposal leaks files, never a restore
                // from files that are gone.
                self.deleted_savepoints.push((savepoint.metadata.id.clone(), savepoint.metadata.resource_version));
                self.event(
                    EventName::SavepointDisposed,
                    savepoint.metadata.job_id.as_deref(),
                    format!(
                        "Savepoint {} ({}) is no longer kept by the savepoint policy; its files at {location} are disposed",
                        short(savepoint_id),
                        savepoint.metadata.origin
                    ),
                );
                Ok(Then::Dispose { location: location.clone() })
            }
        }
    }

    /// The Autopilot's rescale: the spec's parallelism becomes the largest vertex's (the next start
    /// keeps it), the Autopilot's state is stored with it, and an event gives the numbers. In place,
    /// the job is recorded as running the new spec and the rescale as under way before Flink is
    /// asked; otherwise the changed spec makes the next pass upgrade the job statefully.
    fn rescale(&mut self, job: &Job, wanted: &WantedRescale) -> Result<Then, EngineError> {
        let mut changed = self.deployment.clone();
        let before = changed.spec.template.spec.parallelism.unwrap_or(1);
        let after = wanted.job_parallelism();
        changed.spec.template.spec.parallelism = Some(after);
        changed.metadata.resource_version += 1;
        changed.metadata.modified_at = rfc3339(self.now_ms);
        let new_fingerprint = fingerprint(&changed.spec);
        self.changed_deployment = Some(changed);
        self.record.autopilot = Some(wanted.next_state.clone());
        self.record.autopilot_fingerprint = Some(new_fingerprint.clone());
        let moves: Vec<String> = wanted
            .parallelism_by_vertex
            .iter()
            .filter(|(vertex, p)| wanted.current.get(*vertex) != Some(*p))
            .map(|(vertex, p)| {
                let name = wanted.names.get(vertex).map_or(short(vertex), String::as_str);
                format!("{name} {} → {p}", wanted.current.get(vertex).copied().unwrap_or(0))
            })
            .collect();
        let (how, then) = if wanted.in_place {
            let previous = job.metadata.annotations.get(FINGERPRINT_ANNOTATION).cloned().unwrap_or_default();
            let mut rescaled = job.clone();
            rescaled.metadata.annotations.insert(FINGERPRINT_ANNOTATION.to_owned(), new_fingerprint);
            self.update_job(job, rescaled);
            self.record.operation = Some(InFlight::Rescale {
                job_id: job.metadata.id.clone(),
                parallelism_by_vertex: wanted.parallelism_by_vertex.clone(),
                asked_at_ms: self.now_ms,
                previous_fingerprint: previous,
            });
            let then = Then::Rescale { job: job.clone(), parallelism_by_vertex: wanted.parallelism_by_vertex.clone() };
            ("in place (adaptive scheduler; Flink restarts the tasks from the latest checkpoint)", then)
        } else {
            (
                "by a stateful upgrade (stop with a savepoint, start from it at the new parallelism)",
                Then::Look(Look::Now),
            )
        };
        self.event(
            EventName::AutopilotRescale,
            Some(&job.metadata.id),
            format!(
                "Autopilot rescales job {} {how}: {}; spec.template.spec.parallelism {before} → {after}. {}",
                short(&job.metadata.id),
                moves.join(", "),
                wanted.explanation
            ),
        );
        Ok(then)
    }

    /// An in-place rescale cannot happen (Flink refused it, or it did not finish in time): the job
    /// is marked as running its old spec again, so the next pass applies the change by a stateful
    /// upgrade.
    pub fn rescale_refused(&mut self, job: &Job, why: &str) {
        let Some(InFlight::Rescale { previous_fingerprint, .. }) = self.record.operation.take() else {
            return;
        };
        let mut back = job.clone();
        back.metadata.annotations.insert(FINGERPRINT_ANNOTATION.to_owned(), previous_fingerprint);
        self.update_job(job, back);
        self.event(
            EventName::AutopilotRescaleFailed,
            Some(&job.metadata.id),
            format!(
                "The in-place rescale of job {} failed: {why}; a stateful upgrade applies it",
                short(&job.metadata.id)
            ),
        );
    }

    /// A submission that may succeed later failed: the job row stays STARTING under its id (a
    /// retry under the same id cannot start a twin), the attempt counts against
    /// `maxJobCreationAttempts`, and the plan waits before the next one.
    pub fn submission_failed(&mut self, job: &Job, why: &str) {
        let attempt = self.count_failure(why);
        self.event(
            EventName::FailedCreatingANewJob,
            Some(&job.metadata.id),
            format!(
                "Submitting job {} failed (attempt {attempt} of {}): {why}",
                short(&job.metadata.id),
                self.deployment.spec.max_job_creation_attempts
            ),
        );
    }

    /// A submission that cannot succeed as asked (Flink refused the program, its arguments or its
    /// state; the artifact is unusable): the job FAILED, and the deployment FAILED at once until a
    /// person changes it.
    pub fn creation_failed(&mut self, job: &Job, why: &str) {
        let mut failed = job.clone();
        failed.status.state = JobState::Failed;
        failed.status.failure = Some(Failure { reason: "JobCreationFailed".into(), message: why.to_owned() });
        failed.metadata.terminated_at = Some(rfc3339(self.now_ms));
        self.update_job(job, failed);
        self.record.operation = None;
        self.count_failure(why);
        self.record.gave_up_at_version = Some(self.deployment.metadata.resource_version);
        self.status = DeploymentStatus {
            state: DeploymentState::Failed,
            running: None,
            failure: Some(Failure { reason: "JobCreationFailed".into(), message: why.to_owned() }),
        };
        self.event(
            EventName::FailedCreatingANewJob,
            Some(&job.metadata.id),
            format!("Creating job {} failed and will not be retried as it is: {why}", short(&job.metadata.id)),
        );
    }

    /// The savepoint failed (Flink refused the request or reported the failure): the row FAILED,
    /// with an event that says whether a stop will try again.
    pub fn savepoint_refused(&mut self, savepoint: &Savepoint, cause: &str) {
        let mut failed = savepoint.clone();
        failed.status = SavepointStatus {
            state: SavepointState::Failed,
            failure: Some(Failure { reason: "SavepointFailed".into(), message: cause.to_owned() }),
        };
        self.update_savepoint(savepoint, failed);
        let stopping = matches!(&self.record.operation, Some(InFlight::Stop { savepoint_id, .. }) if *savepoint_id == savepoint.metadata.id);
        let name = if stopping {
            EventName::RecoverableFailureWhileTriggeringASavepoint
        } else {
            EventName::AnUnrecoverableFailureWhileTakingASavepoint
        };
        self.event(
            name,
            savepoint.metadata.job_id.as_deref(),
            format!("Savepoint {} ({}) failed: {cause}", short(&savepoint.metadata.id), savepoint.metadata.origin),
        );
    }

    fn running(&self, job: &Job) -> DeploymentStatus {
        DeploymentStatus {
            state: DeploymentState::Running,
            running: Some(RunningStatus { job_id: job.metadata.id.clone(), transition_time: rfc3339(self.now_ms) }),
            failure: None,
        }
    }

    fn job_started(&mut self, job: &Job) {
        let mut started = job.clone();
        started.status.state = JobState::Started;
        if let Some(s) = started.status.started.as_mut() {
            s.last_update_time = Some(rfc3339(self.now_ms));
            s.observed_flink_job_status = Some("RUNNING".into());
        }
        self.update_job(job, started);
        self.record.operation = None;
        self.record.next_start = None;
        self.status = self.running(job);
        let restored = job
            .spec
            .savepoint_location
            .as_deref()
            .map_or_else(|| "without state".to_owned(), |location| format!("from {location}"));
        self.event(
            EventName::JobSuccessfullyStarted,
            Some(&job.metadata.id),
            format!("Job {} is running in Flink ({restored})", short(&job.metadata.id)),
        );
    }

    fn savepoint_completed(&mut self, savepoint: &Savepoint, location: &str, active_job: Option<&Job>) {
        let mut done = savepoint.clone();
        done.spec.savepoint_location = Some(location.to_owned());
        done.spec.job_fingerprint =
            active_job.and_then(|job| job.metadata.annotations.get(FINGERPRINT_ANNOTATION).cloned());
        done.status = SavepointStatus { state: SavepointState::Completed, failure: None };
        self.update_savepoint(savepoint, done);
        let name = match savepoint.metadata.origin {
            SavepointOrigin::Suspend => EventName::FoundACompletedSavepointReadyForSuspension,
            SavepointOrigin::SuspendAndUpgrade
            | SavepointOrigin::UserRequest
            | SavepointOrigin::Copied
            | SavepointOrigin::RetainedCheckpoint
            | SavepointOrigin::Periodic => EventName::TransitionedToCompleted,
        };
        self.event(
            name,
            savepoint.metadata.job_id.as_deref(),
            format!(
                "Savepoint {} ({}) completed at {location}",
                short(&savepoint.metadata.id),
                savepoint.metadata.origin
            ),
        );
    }

    /// Back to "asked for, not triggered": the next pass triggers it under a new id. Returns how
    /// often the job was not ready, this time included.
    fn retry_savepoint(&mut self, savepoint: &Savepoint, cause: &str) -> u32 {
        let attempts = not_ready_attempts(savepoint) + 1;
        let mut again_later = savepoint.clone();
        again_later.spec.flink_savepoint_id = None;
        again_later.metadata.annotations.insert(NOT_READY_ANNOTATION.to_owned(), attempts.to_string());
        self.update_savepoint(savepoint, again_later);
        self.event(
            EventName::RecoverableFailureWhileTriggeringASavepoint,
            savepoint.metadata.job_id.as_deref(),
            format!("The job is not ready for savepoint {} yet ({cause}); asking again", short(&savepoint.metadata.id)),
        );
        attempts
    }

    fn give_up(&mut self, active_job: Option<&Job>, event: EventName, reason: &str, message: &str) {
        match active_job.map(|job| (job, job.status.state)) {
            // A stop that could not take a savepoint: the job keeps running.
            Some((job, JobState::Terminating)) => {
                let mut running = job.clone();
                running.status.state = JobState::Started;
                self.update_job(job, running);
            }
            // Submissions under its id failed too often; Flink does not know the id.
            Some((job, JobState::Starting)) => {
                let mut failed = job.clone();
                failed.status.state = JobState::Failed;
                failed.status.failure = Some(Failure { reason: reason.to_owned(), message: message.to_owned() });
                failed.metadata.terminated_at = Some(rfc3339(self.now_ms));
                self.update_job(job, failed);
            }
            Some((
                _,
                JobState::Started | JobState::Standby | JobState::Failed | JobState::Finished | JobState::Terminated,
            ))
            | None => {}
        }
        self.record.operation = None;
        self.record.gave_up_at_version = Some(self.deployment.metadata.resource_version);
        self.status.state = DeploymentState::Failed;
        self.status.failure = Some(Failure { reason: reason.to_owned(), message: message.to_owned() });
        self.event(event, None, message);
    }

    /// Records how the active job ended and what the deployment does next.
    fn job_ended(
        &mut self,
        job: &Job,
        outcome: &JobOutcome,
        checkpoint: Option<&CheckpointRecord>,
        savepoints: &[Savepoint],
    ) {
        let job_id = job.metadata.id.clone();
        let mut ended = job.clone();
        ended.metadata.terminated_at = Some(rfc3339(self.now_ms));
        if checkpoint.is_some() {
            ended.status.latest_checkpoint = checkpoint.cloned();
        }
        let resting = match self.deployment.spec.state {
            DesiredState::Running => DeploymentState::Transitioning,
            DesiredState::Suspended => DeploymentState::Suspended,
            DesiredState::Cancelled => DeploymentState::Cancelled,
        };
        // A checkpoint Flink retained becomes restorable state, unless a savepoint ended the job.
        let retained = match outcome {
            JobOutcome::Stopped(_) | JobOutcome::Finished => None,
            JobOutcome::Cancelled(_) | JobOutcome::CancelledOutside | JobOutcome::Failed(_) | JobOutcome::Vanished => {
                checkpoint.map(|checkpoint| self.retained_checkpoint(job, checkpoint))
            }
        };
        let mut next_status = resting;
        match outcome {
            JobOutcome::Finished => {
                ended.status.state = JobState::Finished;
                next_status = DeploymentState::Finished;
                self.event(
                    EventName::JobSuccessfullyFinished,
                    Some(&job_id),
                    format!("Job {} finished", short(&job_id)),
                );
                self.event(
                    EventName::TransitionedToFinishedState,
                    None,
                    "The deployment is FINISHED; cancel it to run it again",
                );
            }
            JobOutcome::Stopped(purpose) => {
                ended.status.state = JobState::Terminated;
                let savepoint = match &self.record.operation {
                    Some(InFlight::Stop { savepoint_id, .. }) => {
                        savepoints.iter().find(|s| &s.metadata.id == savepoint_id)
                    }
                    _ => None,
                };
                match purpose {
                    StopPurpose::Suspend => {
                        next_status = DeploymentState::Suspended;
                        self.event(
                            EventName::StateTransitionIsCompleted,
                            Some(&job_id),
                            format!("Job {} stopped with a savepoint; the deployment is SUSPENDED", short(&job_id)),
                        );
                    }
                    StopPurpose::Upgrade => {
                        if let Some(savepoint) = savepoint {
                            self.record.next_start = Some(restore_from_savepoint(savepoint));
                        }
                        self.event(
                            EventName::UsingAnUpgradeStrategy,
                            Some(&job_id),
                            format!(
                                "Job {} stopped with a savepoint; the new spec starts from it (STATEFUL upgrade)",
                                short(&job_id)
                            ),
                        );
                    }
                }
            }
            JobOutcome::Cancelled(purpose) => {
                ended.status.state = JobState::Terminated;
                match purpose {
                    CancelPurpose::Cancel => {
                        self.event(
                            EventName::StateTransitionIsCompleted,
                            Some(&job_id),
                            format!("Job {} was cancelled; the deployment is CANCELLED", short(&job_id)),
                        );
                    }
                    CancelPurpose::StatelessUpgrade => {
                        self.record.next_start = Some(StartRequest::restoring(RestoreChoice::Nothing));
                        self.event(
                            EventName::UsingAnUpgradeStrategy,
                            Some(&job_id),
                            format!(
                                "Job {} was cancelled; the new spec starts without state (STATELESS upgrade)",
                                short(&job_id)
                            ),
                        );
                    }
                    CancelPurpose::CheckpointFallback(then) => {
                        if let (StopPurpose::Upgrade, Some(retained)) = (then, &retained) {
                            self.record.next_start = Some(restore_from_savepoint(retained));
                        }
                        if *then == StopPurpose::Suspend {
                            next_status = DeploymentState::Suspended;
                        }
                        self.event(
                            EventName::TerminatingAJobDueToAnUnrecoverableFailure,
                            Some(&job_id),
                            format!(
                                "Job {} could not take a savepoint; it was cancelled and its retained checkpoint {} holds its state",
                                short(&job_id),
                                checkpoint.map_or("(none)", |c| c.location.as_str())
                            ),
                        );
                    }
                }
            }
            JobOutcome::CancelledOutside => {
                ended.status.state = JobState::Terminated;
            }
            JobOutcome::Failed(message) => {
                ended.status.state = JobState::Failed;
                ended.status.failure = Some(Failure { reason: "FlinkJobFailed".into(), message: message.clone() });
                self.count_failure(message);
            }
            JobOutcome::Vanished => {
                ended.status.state = JobState::Failed;
                let message = "Flink no longer knows the job (its cluster restarted or the job was removed)";
                ended.status.failure = Some(Failure { reason: "FlinkJobVanished".into(), message: message.into() });
                self.count_failure(message);
                self.event(
                    EventName::TransitioningToFailedStateBecauseOfAMissingJob,
                    Some(&job_id),
                    format!("Job {}: {message}", short(&job_id)),
                );
            }
        }
        let said = matches!(&self.record.job_end_seen, Some((seen, _)) if *seen == job_id);
        if !said {
            if let Some((name, message)) = self.unasked_end(&job_id, outcome) {
                self.event(name, Some(&job_id), message);
            }
        }
        self.update_job(job, ended);
        if let Some(retained) = retained {
            self.savepoints.push(RowWrite::Insert(retained));
        }
        self.record.operation = None;
        self.record.job_end_seen = None;
        self.status = DeploymentStatus { state: next_status, running: None, failure: None };
    }

    /// The event of a job's end the console did not ask for (cancelled outside it, failed in Flink),
    /// said once: when the end is first seen.
    fn unasked_end(&self, job_id: &str, outcome: &JobOutcome) -> Option<(EventName, String)> {
        match outcome {
            JobOutcome::CancelledOutside => {
                let then = if self.deployment.spec.state == DesiredState::Running {
                    "it will be started again from its latest state"
                } else {
                    "nothing else runs"
                };
                Some((
                    EventName::FoundAStoppedJobAndWillTerminateIt,
                    format!("Job {} was cancelled outside the console; {then}", short(job_id)),
                ))
            }
            JobOutcome::Failed(message) => {
                Some((EventName::GeneralFailure, format!("Job {} failed in Flink: {message}", short(job_id))))
            }
            JobOutcome::Finished | JobOutcome::Stopped(_) | JobOutcome::Cancelled(_) | JobOutcome::Vanished => None,
        }
    }

    /// The STARTING job row (intent), with its Flink job id chosen; returns it for submission. A
    /// source start time asked for with the start is recorded on the job if it starts without
    /// state, and said to be ignored if it restores state.
    fn start_job(&mut self, restore: Option<&RestoreFrom>, allow_non_restored_state: bool) -> Job {
        // The id chosen when the start was asked for, once; every later job gets a fresh one.
        let chosen = self.record.next_start.as_mut().and_then(|request| request.job_id.take());
        let job_id = chosen.unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
        let now = rfc3339(self.now_ms);
        let spec = &self.deployment.spec;
        let asked_start_ms = self.record.next_start.as_ref().and_then(|r| r.source_start_time_ms);
        let job = Job {
            api_version: API_VERSION.into(),
            kind: Job::KIND.into(),
            metadata: JobMetadata {
                id: job_id.clone(),
                namespace: self.namespace.as_str().to_owned(),
                deployment_id: self.deployment.metadata.id.clone(),
                deployment_name: Some(self.deployment.metadata.name.clone()),
                annotations: [(FINGERPRINT_ANNOTATION.to_owned(), self.fingerprint.to_owned())].into(),
                created_at: now.clone(),
                modified_at: now.clone(),
                terminated_at: None,
                resource_version: 1,
            },
            spec: JobSpec {
                template: spec.template.spec.clone(),
                deployment_target_name: spec.deployment_target_name.clone(),
                savepoint_location: restore.map(|r| r.location.clone()),
                savepoint_id: restore.map(|r| r.savepoint_id.clone()),
                allow_non_restored_state,
                // Only a start without state reads from a time: restored sources continue from the
                // positions in their state.
                source_start_time_ms: asked_start_ms.filter(|_| restore.is_none()),
            },
            status: JobStatus {
                state: JobState::Starting,
                started: Some(JobStarted {
                    flink_job_id: JobId::random().0,
                    started_at: now,
                    last_update_time: None,
                    observed_flink_job_status: None,
                    observed_flink_job_restarts: None,
                }),
                failure: None,
                latest_checkpoint: None,
            },
        };
        self.jobs.push(RowWrite::Insert(job.clone()));
        self.record.operation = Some(InFlight::Start { job_id: job_id.clone() });
        // A start of another spec than the Autopilot's last rescale produced is a person's: STABLE's
        // clocks begin again and waiting scale-downs are forgotten (the metrics' stabilisation
        // interval counts from the new job's start anyway).
        let autopilot_on = spec.autopilot.as_ref().is_some_and(|p| p.mode != domain::autopilot::Mode::Disabled);
        if autopilot_on && self.record.autopilot_fingerprint.as_deref() != Some(self.fingerprint) {
            let state = self.record.autopilot.get_or_insert_with(Default::default);
            state.stable_since_ms = Some(self.now_ms);
            state.pending_scale_downs.clear();
        }
        self.status = DeploymentStatus { state: DeploymentState::Transitioning, running: None, failure: None };
        let from = restore.map_or_else(
            || "starting without state".to_owned(),
            |r| format!("starting from savepoint {} ({})", short(&r.savepoint_id), r.location),
        );
        self.event(EventName::CreatingANewJob, Some(&job_id), format!("Creating job {}: {from}", short(&job_id)));
        if let Some(start_ms) = asked_start_ms {
            let time = format!("Source start time {} ({start_ms} ms)", rfc3339_millis(start_ms));
            let message = match restore {
                Some(r) => format!(
                    "{time} is ignored: the job restores state from savepoint {} ({}), and its sources continue \
                     from the positions in that state",
                    short(&r.savepoint_id),
                    r.location
                ),
                None => format!("{time}: sources start reading there. {}", source_start_detail(&job.spec, start_ms)),
            };
            self.event(EventName::SourceStartTime, Some(&job_id), message);
        }
        job
    }

    /// The STARTED savepoint (with its trigger id) a stop takes, and the job TERMINATING; returns
    /// the savepoint and whether the stop drains the job (a suspension asked with a drain at this
    /// version of the deployment).
    fn stop_job(&mut self, job: &Job, purpose: StopPurpose, attempt: u32) -> (Savepoint, bool) {
        let drain = purpose == StopPurpose::Suspend
            && self.record.drain_at_version == Some(self.deployment.metadata.resource_version);
        let origin = match purpose {
            StopPurpose::Suspend => SavepointOrigin::Suspend,
            StopPurpose::Upgrade => SavepointOrigin::SuspendAndUpgrade,
        };
        let savepoint = self.new_savepoint(&job.metadata.id, origin, Some(&TriggerId::random()));
        self.savepoints.push(RowWrite::Insert(savepoint.clone()));
        if job.status.state != JobState::Terminating {
            let mut stopping = job.clone();
            stopping.status.state = JobState::Terminating;
            self.update_job(job, stopping);
        }
        self.record.operation = Some(InFlight::Stop {
            job_id: job.metadata.id.clone(),
            savepoint_id: savepoint.metadata.id.clone(),
            purpose,
            attempt,
            drain,
        });
        self.status.state = DeploymentState::Transitioning;
        let (name, why) = match purpose {
            StopPurpose::Suspend => (EventName::CreatingASavepointBeforeSuspension, "to suspend the deployment"),
            StopPurpose::Upgrade => (EventName::UsingAnUpgradeStrategy, "to upgrade it to the changed spec (STATEFUL)"),
        };
        self.event(
            name,
            Some(&job.metadata.id),
            format!(
                "Stopping job {} with a savepoint {why}{} (attempt {attempt})",
                short(&job.metadata.id),
                if drain { ", draining it first" } else { "" }
            ),
        );
        (savepoint, drain)
    }

    /// The STARTED savepoint (with its trigger id) of the running job: the row a person asked for,
    /// or a new one; returns it as written.
    fn trigger_savepoint(&mut self, job: &Job, origin: SavepointOrigin, requested: Option<&Savepoint>) -> Savepoint {
        let trigger = TriggerId::random();
        let savepoint = match requested {
            Some(requested) => {
                let mut triggered = requested.clone();
                triggered.metadata.job_id = Some(job.metadata.id.clone());
                triggered.spec.flink_savepoint_id = Some(trigger.0.clone());
                self.update_savepoint(requested, triggered.clone());
                triggered.metadata.resource_version += 1;
                triggered
            }
            None => {
                let savepoint = self.new_savepoint(&job.metadata.id, origin, Some(&trigger));
                self.savepoints.push(RowWrite::Insert(savepoint.clone()));
                savepoint
            }
        };
        match origin {
            SavepointOrigin::Periodic => self.record.last_periodic_savepoint_ms = Some(self.now_ms),
            SavepointOrigin::UserRequest
            | SavepointOrigin::SuspendAndUpgrade
            | SavepointOrigin::Suspend
            | SavepointOrigin::Copied
            | SavepointOrigin::RetainedCheckpoint => {
                self.record.handled_savepoint_nonce = self.deployment.spec.savepoint_trigger_nonce;
            }
        }
        self.event(
            EventName::NeedToTriggerASavepoint,
            Some(&job.metadata.id),
            format!("Taking a savepoint ({origin}) of job {}", short(&job.metadata.id)),
        );
        savepoint
    }

    /// The job TERMINATING and the cancellation recorded, the first time only: a cancellation is
    /// asked for again on later passes without writing anything.
    fn cancel_job(&mut self, job: &Job, purpose: CancelPurpose) {
        if matches!(self.record.operation, Some(InFlight::Cancel { .. })) {
            return;
        }
        if job.status.state != JobState::Terminating {
            let mut cancelling = job.clone();
            cancelling.status.state = JobState::Terminating;
            self.update_job(job, cancelling);
        }
        self.record.operation = Some(InFlight::Cancel { job_id: job.metadata.id.clone(), purpose });
        self.status.state = DeploymentState::Transitioning;
        let why = match purpose {
            CancelPurpose::Cancel => "the deployment is to be CANCELLED",
            CancelPurpose::StatelessUpgrade => "the spec changed (STATELESS upgrade)",
            CancelPurpose::CheckpointFallback(_) => {
                "it cannot take a savepoint; its retained checkpoint holds its state"
            }
        };
        self.event(
            EventName::FoundAJobToTerminate,
            Some(&job.metadata.id),
            format!("Cancelling job {}: {why}", short(&job.metadata.id)),
        );
    }

    fn new_savepoint(&self, job_id: &str, origin: SavepointOrigin, trigger: Option<&TriggerId>) -> Savepoint {
        let now = rfc3339(self.now_ms);
        Savepoint {
            api_version: API_VERSION.into(),
            kind: Savepoint::KIND.into(),
            metadata: SavepointMetadata {
                id: uuid::Uuid::new_v4().to_string(),
                namespace: self.namespace.as_str().to_owned(),
                deployment_id: self.deployment.metadata.id.clone(),
                job_id: Some(job_id.to_owned()),
                origin,
                annotations: Default::default(),
                created_at: now.clone(),
                modified_at: now,
                resource_version: 1,
            },
            spec: SavepointSpec {
                savepoint_location: None,
                flink_savepoint_id: trigger.map(|t| t.0.clone()),
                job_fingerprint: None,
                format_type: None,
            },
            status: SavepointStatus { state: SavepointState::Started, failure: None },
        }
    }

    /// A completed RETAINED_CHECKPOINT savepoint for a checkpoint Flink kept when the job ended.
    fn retained_checkpoint(&self, job: &Job, checkpoint: &CheckpointRecord) -> Savepoint {
        let mut savepoint = self.new_savepoint(&job.metadata.id, SavepointOrigin::RetainedCheckpoint, None);
        savepoint.spec.savepoint_location = Some(checkpoint.location.clone());
        // The job that wrote it, which may differ from the spec now wanted (an upgrade is under way).
        savepoint.spec.job_fingerprint = job.metadata.annotations.get(FINGERPRINT_ANNOTATION).cloned();
        savepoint.status.state = SavepointState::Completed;
        savepoint
    }

    /// Counts a failed job creation (or a failed job) at this version of the deployment; returns
    /// how many are recorded at it.
    fn count_failure(&mut self, why: &str) -> usize {
        let version = self.deployment.metadata.resource_version;
        if self.record.failures_at_version != Some(version) {
            self.record.job_failures_ms.clear();
            self.record.failures_at_version = Some(version);
        }
        self.record.job_failures_ms.push(self.now_ms);
        self.record.last_job_failure = Some(why.to_owned());
        self.record.job_failures_ms.len()
    }

    fn update_job(&mut self, old: &Job, mut new: Job) {
        new.metadata.resource_version = old.metadata.resource_version + 1;
        new.metadata.modified_at = rfc3339(self.now_ms);
        self.jobs.push(RowWrite::Update { row: new, expected_version: old.metadata.resource_version });
    }

    fn update_savepoint(&mut self, old: &Savepoint, mut new: Savepoint) {
        new.metadata.resource_version = old.metadata.resource_version + 1;
        new.metadata.modified_at = rfc3339(self.now_ms);
        self.savepoints.push(RowWrite::Update { row: new, expected_version: old.metadata.resource_version });
    }

    fn event(&mut self, name: EventName, job_id: Option<&str>, message: impl Into<String>) {
        // Events of one pass share its instant; a nanosecond apart each, they list in the order written.
        let at = crate::time::rfc3339_nanos(self.now_ms, self.events.len());
        self.events.push(Event::new(
            uuid::Uuid::new_v4().to_string(),
            self.namespace.as_str(),
            &self.deployment.metadata.id,
            job_id,
            name,
            message,
            &at,
        ));
    }
}

/// How a job's sources learn the source start time: a SQL script's tables (which start there, which
/// cannot), a JAR's program through its Flink configuration.
fn source_start_detail(job: &JobSpec, start_ms: i64) -> String {
    let script = job
        .template
        .artifact
        .as_ref()
        .filter(|a| a.kind == ArtifactKind::Sqlscript)
        .and_then(|a| a.sql_script.as_deref());
    match script.map(|script| rewrite_sql(script, start_ms)) {
        Some(Ok(rewritten)) => rewritten.describe(),
        // The submission fails with the same reason and says so.
        Some(Err(why)) => format!("The SQL script cannot be read to set it: {why}."),
        None => format!("The job's program reads it from its Flink configuration entry {CONFIGURATION_KEY}."),
    }
}

fn restore_from_savepoint(savepoint: &Savepoint) -> StartRequest {
    let restore = match &savepoint.spec.savepoint_location {
        Some(location) => {
            RestoreChoice::Savepoint { savepoint_id: savepoint.metadata.id.clone(), location: location.clone() }
        }
        None => RestoreChoice::ByStrategy,
    };
    StartRequest::restoring(restore)
}

fn active(rows: &Rows) -> Result<&Job, EngineError> {
    rows.active_job.as_ref().ok_or(EngineError::Inconsistent("the plan needs the active job, but there is none"))
}

fn under_way(rows: &Rows) -> Result<&Savepoint, EngineError> {
    rows.savepoint_under_way
        .as_ref()
        .ok_or(EngineError::Inconsistent("the plan needs the savepoint under way, but there is none"))
}

/// The first 8 characters of an id, as the events name jobs and savepoints.
/// `id:p, …` with each vertex id shortened.
fn vertex_list(parallelism: &BTreeMap<String, u32>) -> String {
    parallelism.iter().map(|(vertex, p)| format!("{} {p}", short(vertex))).collect::<Vec<_>>().join(", ")
}

fn short(id: &str) -> &str {
    id.get(..8).unwrap_or(id)
}

#[cfg(test)]
mod tests {
    //! Each step's writes, row by row: (desired, status, record, rows) × step → what the pass does
    //! next, and the committed status state, events' names, and job and savepoint rows.

    use domain::*;

    use super::*;

    const NOW: i64 = 1_000_000_000;
    const FINGERPRINT: &str = "fp-now";

    /// The deployment and rows a step is written on; by default a RUNNING deployment whose job runs.
    #[derive(Clone)]
    struct Given {
        desired: DesiredState,
        status: DeploymentState,
        record: EngineRecord,
        /// The active job `job-1`, in this state.
        job: Option<JobState>,
        /// The savepoint `savepoint-1` of `job-1` (STARTED, under way), of this origin.
        savepoint: Option<SavepointOrigin>,
    }

    impl Default for Given {
        fn default() -> Self {
            Self {
                desired: DesiredState::Running,
                status: DeploymentState::Running,
                record: EngineRecord::default(),
                job: Some(JobState::Started),
                savepoint: None,
            }
        }
    }

    /// What a step wrote, in the table's terms.
    #[derive(Debug, PartialEq)]
    struct Wrote {
        /// What the pass does next: "look", "submit", "stop", "trigger", "cancel" or "dispose".
        then: &'static str,
        /// The one transaction committed, or `None` if nothing changed.
        commit: Option<Commit>,
    }

    #[derive(Debug, PartialEq)]
    struct Commit {
        state: DeploymentState,
        events: Vec<EventName>,
        /// "insert STARTING", "update FAILED", …
        jobs: Vec<String>,
        /// "insert STARTED", "update COMPLETED", "delete", …
        savepoints: Vec<String>,
    }

    fn nothing(then: &'static str) -> Wrote {
        Wrote { then, commit: None }
    }

    fn commit(
        then: &'static str,
        state: DeploymentState,
        events: &[EventName],
        jobs: &[&str],
        savepoints: &[&str],
    ) -> Wrote {
        let strings = |rows: &[&str]| rows.iter().map(|r| (*r).to_owned()).collect();
        Wrote {
            then,
            commit: Some(Commit {
                state,
                events: events.to_vec(),
                jobs: strings(jobs),
                savepoints: strings(savepoints),
            }),
        }
    }

    fn namespace() -> NamespaceName {
        NamespaceName::parse("default").expect("a namespace name")
    }

    fn deployment(desired: DesiredState, status: DeploymentState) -> Deployment {
        serde_json::from_value(serde_json::json!({
            "apiVersion": "v1",
            "kind": "Deployment",
            "metadata": {
                "id": "deployment-1", "name": "counter", "namespace": "default",
                "createdAt": rfc3339(0), "modifiedAt": rfc3339(0), "resourceVersion": 3
            },
            "spec": {
                "state": desired.as_str(),
                "upgradeStrategy": {"kind": "STATEFUL"},
                "restoreStrategy": {"kind": "LATEST_STATE"},
                "savepointTriggerNonce": 5,
                "template": {"spec": {"artifact": {"kind": "JAR", "jarUri": "file:///job.jar"}, "parallelism": 1}}
            },
            "status": {"state": status.as_str()}
        }))
        .expect("a deployment")
    }

    /// The rows of `given`: the job as a start writes it, then moved to its state (version 2).
    fn rows(given: &Given, namespace: &NamespaceName, deployment: &Deployment) -> Rows {
        let mut fixtures = Book::new(namespace, deployment, EngineRecord::default(), FINGERPRINT, NOW - 60_000);
        let mut job = fixtures.start_job(None, false);
        job.metadata.id = "job-1".into();
        job.metadata.resource_version = 2;
        let savepoint = given.savepoint.map(|origin| {
            let mut savepoint = fixtures.new_savepoint("job-1", origin, Some(&TriggerId("trigger-1".into())));
            savepoint.metadata.id = "savepoint-1".into();
            savepoint
        });
        Rows {
            active_job: given.job.map(|state| {
                job.status.state = state;
                job
            }),
            savepoint_under_way: savepoint.clone(),
            savepoints: savepoint.into_iter().collect(),
        }
    }

    fn write(given: &Given, step: &Step) -> Wrote {
        let namespace = namespace();
        let deployment = deployment(given.desired, given.status);
        let rows = rows(given, &namespace, &deployment);
        let mut book = Book::new(&namespace, &deployment, given.record.clone(), FINGERPRINT, NOW);
        let then = match book.write(step, &rows).expect("the rows the step needs are given") {
            Then::Look(_) => "look",
            Then::Submit(_) => "submit",
            Then::StopWithSavepoint { .. } => "stop",
            Then::TriggerSavepoint { .. } => "trigger",
            Then::Cancel(_) => "cancel",
            Then::Dispose { .. } => "dispose",
            Then::Rescale { .. } => "rescale",
        };
        let write = book.take_write(7).expect("the record serialises");
        Wrote { then, commit: write.map(|write| summary(&write)) }
    }

    fn summary(write: &EngineWrite) -> Commit {
        let row = |insert: bool, state: String| format!("{} {state}", if insert { "insert" } else { "update" });
        Commit {
            state: write.status.state,
            events: write.events.iter().map(|e| e.metadata.name).collect(),
            jobs: write
                .jobs
                .iter()
                .map(|w| match w {
                    RowWrite::Insert(job) => row(true, job.status.state.to_string()),
                    RowWrite::Update { row: job, .. } => row(false, job.status.state.to_string()),
                })
                .collect(),
            savepoints: write
                .savepoints
                .iter()
                .map(|w| match w {
                    RowWrite::Insert(sp) => row(true, sp.status.state.to_string()),
                    RowWrite::Update { row: sp, .. } => row(false, sp.status.state.to_string()),
                })
                .chain(write.deleted_savepoints.iter().map(|_| "delete".to_owned()))
                .collect(),
        }
    }

    fn checkpoint() -> CheckpointRecord {
        CheckpointRecord { location: "file:/chk-7".into(), completed_at: rfc3339(NOW - 1_000) }
    }

    /// 2026-01-01T00:00:00.250Z.
    const START_MS: i64 = 1_767_225_600_250;

    /// A record whose next start restores `restore` and asks sources to start at `START_MS`.
    fn at_start_time(restore: RestoreChoice) -> EngineRecord {
        EngineRecord {
            next_start: Some(StartRequest { source_start_time_ms: Some(START_MS), ..StartRequest::restoring(restore) }),
            ..EngineRecord::default()
        }
    }

    fn restored() -> RestoreFrom {
        RestoreFrom { savepoint_id: "0f1e2d3c-savepoint".into(), location: "file:/savepoints/sp-1".into() }
    }

    /// The job a start wrote and its events' messages.
    fn started(deployment: &Deployment, record: EngineRecord, restore: Option<RestoreFrom>) -> (Job, Vec<String>) {
        let namespace = namespace();
        let mut book = Book::new(&namespace, deployment, record, FINGERPRINT, NOW);
        let step = Step::StartJob { restore, allow_non_restored_state: false };
        let no_rows = Rows { active_job: None, savepoint_under_way: None, savepoints: vec![] };
        let Then::Submit(job) = book.write(&step, &no_rows).expect("written") else {
            panic!("a start submits");
        };
        let write = book.take_write(7).expect("serialises").expect("the intent");
        (job, write.events.iter().map(|e| e.spec.message.clone()).collect())
    }

    #[test]
    fn every_step_writes_its_status_events_and_rows() {
        use DeploymentState::{Cancelled, Failed, Finished, Running, Suspended, Transitioning};
        use EventName as E;

        let running = Given::default();
        let starting = Given { status: Transitioning, job: Some(JobState::Starting), ..Given::default() };
        let no_job = Given { status: Cancelled, job: None, ..Given::default() };
        let stopping = Given {
            desired: DesiredState::Suspended,
            status: Transitioning,
            job: Some(JobState::Terminating),
            record: EngineRecord {
                operation: Some(InFlight::Stop {
                    job_id: "job-1".into(),
                    savepoint_id: "savepoint-1".into(),
                    purpose: StopPurpose::Suspend,
                    attempt: 1,
                    drain: false,
                }),
                ..EngineRecord::default()
            },
            ..Given::default()
        };
        let cancelling = Given {
            desired: DesiredState::Cancelled,
            status: Transitioning,
            job: Some(JobState::Terminating),
            record: EngineRecord {
                operation: Some(InFlight::Cancel { job_id: "job-1".into(), purpose: CancelPurpose::Cancel }),
                ..EngineRecord::default()
            },
            ..Given::default()
        };
        let with_savepoint = |origin| Given { savepoint: Some(origin), ..Given::default() };
        let ended = |outcome| Step::JobEnded { outcome, checkpoint: None };

        let table: Vec<(&str, Given, Step, Wrote)> = vec![
            ("steady: nothing to write", running.clone(), Step::Steady, nothing("look")),
            (
                "steady after an outage: the outage is over",
                Given {
                    record: EngineRecord { unreachable_since_ms: Some(NOW - 5_000), ..EngineRecord::default() },
                    ..running.clone()
                },
                Step::Steady,
                commit("look", Running, &[], &[], &[]),
            ),
            ("await", starting.clone(), Step::Await("the job to start"), nothing("look")),
            ("retry later", no_job.clone(), Step::RetryLater(Duration::from_secs(2)), nothing("look")),
            (
                "unreachable: one event per outage",
                running.clone(),
                Step::Unreachable("connection refused".into()),
                commit("look", Running, &[E::GeneralFailure], &[], &[]),
            ),
            (
                "unreachable still: nothing new",
                Given {
                    record: EngineRecord { unreachable_since_ms: Some(NOW - 5_000), ..EngineRecord::default() },
                    ..running.clone()
                },
                Step::Unreachable("connection refused".into()),
                nothing("look"),
            ),
            (
                "job started",
                starting.clone(),
                Step::JobStarted,
                commit("look", Running, &[E::JobSuccessfullyStarted], &["update STARTED"], &[]),
            ),
            (
                "job end seen: remembered and said",
                running.clone(),
                Step::JobEndSeen { outcome: JobOutcome::CancelledOutside },
                commit("look", Running, &[E::FoundAStoppedJobAndWillTerminateIt], &[], &[]),
            ),
            (
                "job finished",
                running.clone(),
                ended(JobOutcome::Finished),
                commit(
                    "look",
                    Finished,
                    &[E::JobSuccessfullyFinished, E::TransitionedToFinishedState],
                    &["update FINISHED"],
                    &[],
                ),
            ),
            (
                "job stopped to suspend",
                stopping.clone(),
                ended(JobOutcome::Stopped(StopPurpose::Suspend)),
                commit("look", Suspended, &[E::StateTransitionIsCompleted], &["update TERMINATED"], &[]),
            ),
            (
                "job stopped to upgrade",
                Given { desired: DesiredState::Running, ..stopping.clone() },
                ended(JobOutcome::Stopped(StopPurpose::Upgrade)),
                commit("look", Transitioning, &[E::UsingAnUpgradeStrategy], &["update TERMINATED"], &[]),
            ),
            (
                "job cancelled as asked",
                cancelling.clone(),
                ended(JobOutcome::Cancelled(CancelPurpose::Cancel)),
                commit("look", Cancelled, &[E::StateTransitionIsCompleted], &["update TERMINATED"], &[]),
            ),
            (
                "job cancelled as asked, its retained checkpoint recorded",
                cancelling.clone(),
                Step::JobEnded {
                    outcome: JobOutcome::Cancelled(CancelPurpose::Cancel),
                    checkpoint: Some(checkpoint()),
                },
                commit(
                    "look",
                    Cancelled,
                    &[E::StateTransitionIsCompleted],
                    &["update TERMINATED"],
                    &["insert COMPLETED"],
                ),
            ),
            (
                "job cancelled for a STATELESS upgrade",
                Given { desired: DesiredState::Running, ..cancelling.clone() },
                ended(JobOutcome::Cancelled(CancelPurpose::StatelessUpgrade)),
                commit("look", Transitioning, &[E::UsingAnUpgradeStrategy], &["update TERMINATED"], &[]),
            ),
            (
                "job cancelled to fall back to its checkpoint",
                Given { desired: DesiredState::Suspended, ..cancelling.clone() },
                Step::JobEnded {
                    outcome: JobOutcome::Cancelled(CancelPurpose::CheckpointFallback(StopPurpose::Suspend)),
                    checkpoint: Some(checkpoint()),
                },
                commit(
                    "look",
                    Suspended,
                    &[E::TerminatingAJobDueToAnUnrecoverableFailure],
                    &["update TERMINATED"],
                    &["insert COMPLETED"],
                ),
            ),
            (
                "job cancelled outside the console",
                running.clone(),
                ended(JobOutcome::CancelledOutside),
                commit("look", Transitioning, &[E::FoundAStoppedJobAndWillTerminateIt], &["update TERMINATED"], &[]),
            ),
            (
                "job failed in Flink",
                running.clone(),
                ended(JobOutcome::Failed("boom".into())),
                commit("look", Transitioning, &[E::GeneralFailure], &["update FAILED"], &[]),
            ),
            (
                "job vanished",
                running.clone(),
                ended(JobOutcome::Vanished),
                commit(
                    "look",
                    Transitioning,
                    &[E::TransitioningToFailedStateBecauseOfAMissingJob],
                    &["update FAILED"],
                    &[],
                ),
            ),
            (
                "suspension savepoint completed",
                Given { savepoint: Some(SavepointOrigin::Suspend), ..stopping.clone() },
                Step::SavepointCompleted { location: "file:/sp".into() },
                commit(
                    "look",
                    Transitioning,
                    &[E::FoundACompletedSavepointReadyForSuspension],
                    &[],
                    &["update COMPLETED"],
                ),
            ),
            (
                "other savepoint completed",
                with_savepoint(SavepointOrigin::UserRequest),
                Step::SavepointCompleted { location: "file:/sp".into() },
                commit("look", Running, &[E::TransitionedToCompleted], &[], &["update COMPLETED"]),
            ),
            (
                "savepoint failed",
                with_savepoint(SavepointOrigin::Periodic),
                Step::SavepointFailed { cause: "declined".into() },
                commit("look", Running, &[E::AnUnrecoverableFailureWhileTakingASavepoint], &[], &["update FAILED"]),
            ),
            (
                "a stop's savepoint failed: the stop tries again",
                Given { savepoint: Some(SavepointOrigin::Suspend), ..stopping.clone() },
                Step::SavepointFailed { cause: "declined".into() },
                commit(
                    "look",
                    Transitioning,
                    &[E::RecoverableFailureWhileTriggeringASavepoint],
                    &[],
                    &["update FAILED"],
                ),
            ),
            (
                "savepoint retried: the job was not ready",
                with_savepoint(SavepointOrigin::UserRequest),
                Step::RetrySavepoint { cause: "not all required tasks are currently running".into() },
                commit("look", Running, &[E::RecoverableFailureWhileTriggeringASavepoint], &[], &["update STARTED"]),
            ),
            (
                "checkpoint seen",
                running.clone(),
                Step::CheckpointSeen(checkpoint()),
                commit("look", Running, &[], &["update STARTED"], &[]),
            ),
            (
                "rest",
                Given { desired: DesiredState::Suspended, status: Transitioning, job: None, ..Given::default() },
                Step::Rest(Suspended),
                commit("look", Suspended, &[E::StateTransitionIsCompleted], &[], &[]),
            ),
            (
                "adopt the running job",
                Given { status: Failed, ..Given::default() },
                Step::AdoptRunningJob,
                commit("look", Running, &[E::StateTransitionIsCompleted], &[], &[]),
            ),
            (
                "give up a stop: the job keeps running",
                Given {
                    record: EngineRecord { operation: stopping.record.operation.clone(), ..EngineRecord::default() },
                    ..stopping.clone()
                },
                Step::GiveUp {
                    event: E::TooManyFailedSuspensionAttempts,
                    reason: "TooManyFailedSavepointAttempts",
                    message: "4 savepoint attempts failed".into(),
                },
                commit("look", Failed, &[E::TooManyFailedSuspensionAttempts], &["update STARTED"], &[]),
            ),
            (
                "give up a STARTING job: it failed",
                starting.clone(),
                Step::GiveUp {
                    event: E::TooManyFailedJobCreationAttempts,
                    reason: "TooManyFailedJobCreationAttempts",
                    message: "4 job creation attempts failed".into(),
                },
                commit("look", Failed, &[E::TooManyFailedJobCreationAttempts], &["update FAILED"], &[]),
            ),
            (
                "give up without a job",
                no_job.clone(),
                Step::GiveUp {
                    event: E::ReferencedDeploymentTargetDoesNotExist,
                    reason: "DeploymentTargetNotFound",
                    message: "no deployment target \"gone\"".into(),
                },
                commit("look", Failed, &[E::ReferencedDeploymentTargetDoesNotExist], &[], &[]),
            ),
            (
                "ignore an upgrade",
                running.clone(),
                Step::IgnoreUpgrade,
                commit("look", Running, &[E::UsingAnUpgradeStrategy], &[], &[]),
            ),
            (
                "forget an operation",
                Given { job: None, ..cancelling.clone() },
                Step::ForgetOperation,
                commit("look", Transitioning, &[], &[], &[]),
            ),
            (
                "start a job",
                no_job.clone(),
                Step::StartJob { restore: None, allow_non_restored_state: false },
                commit("submit", Transitioning, &[E::CreatingANewJob], &["insert STARTING"], &[]),
            ),
            (
                "start a job without state at a source start time",
                Given { record: at_start_time(RestoreChoice::Nothing), ..no_job.clone() },
                Step::StartJob { restore: None, allow_non_restored_state: false },
                commit("submit", Transitioning, &[E::CreatingANewJob, E::SourceStartTime], &["insert STARTING"], &[]),
            ),
            (
                "start a job restoring state: the source start time is ignored, and said so",
                Given { record: at_start_time(RestoreChoice::ByStrategy), ..no_job.clone() },
                Step::StartJob { restore: Some(restored()), allow_non_restored_state: false },
                commit("submit", Transitioning, &[E::CreatingANewJob, E::SourceStartTime], &["insert STARTING"], &[]),
            ),
            (
                "refuse a start: FAILED until started again",
                no_job.clone(),
                Step::RefuseStart { reason: "IncompatibleStateNotConfirmed", message: "INCOMPATIBLE".into() },
                commit("look", Failed, &[E::StartRefused], &[], &[]),
            ),
            ("submit the STARTING job again", starting.clone(), Step::SubmitJob, nothing("submit")),
            (
                "stop to suspend",
                Given { desired: DesiredState::Suspended, ..Given::default() },
                Step::StopJob { purpose: StopPurpose::Suspend, attempt: 1 },
                commit(
                    "stop",
                    Transitioning,
                    &[E::CreatingASavepointBeforeSuspension],
                    &["update TERMINATING"],
                    &["insert STARTED"],
                ),
            ),
            (
                "stop again after a failed attempt: the job is TERMINATING already",
                stopping.clone(),
                Step::StopJob { purpose: StopPurpose::Suspend, attempt: 2 },
                commit("stop", Transitioning, &[E::CreatingASavepointBeforeSuspension], &[], &["insert STARTED"]),
            ),
            (
                "stop to upgrade",
                running.clone(),
                Step::StopJob { purpose: StopPurpose::Upgrade, attempt: 1 },
                commit(
                    "stop",
                    Transitioning,
                    &[E::UsingAnUpgradeStrategy],
                    &["update TERMINATING"],
                    &["insert STARTED"],
                ),
            ),
            (
                "cancel",
                Given { desired: DesiredState::Cancelled, ..Given::default() },
                Step::CancelJob { purpose: CancelPurpose::Cancel },
                commit("cancel", Transitioning, &[E::FoundAJobToTerminate], &["update TERMINATING"], &[]),
            ),
            (
                "cancel again: asked, not written",
                cancelling.clone(),
                Step::CancelJob { purpose: CancelPurpose::Cancel },
                nothing("cancel"),
            ),
            (
                "trigger a periodic savepoint",
                running.clone(),
                Step::TriggerSavepoint { origin: SavepointOrigin::Periodic, requested: None },
                commit("trigger", Running, &[E::NeedToTriggerASavepoint], &[], &["insert STARTED"]),
            ),
            (
                "trigger the savepoint a person asked for",
                with_savepoint(SavepointOrigin::UserRequest),
                Step::TriggerSavepoint { origin: SavepointOrigin::UserRequest, requested: Some("savepoint-1".into()) },
                commit("trigger", Running, &[E::NeedToTriggerASavepoint], &[], &["update STARTED"]),
            ),
            (
                "dispose a retired savepoint: the row goes first",
                with_savepoint(SavepointOrigin::Periodic),
                Step::DisposeSavepoint { savepoint_id: "savepoint-1".into(), location: "file:/sp".into() },
                commit("dispose", Running, &[E::SavepointDisposed], &[], &["delete"]),
            ),
        ];
        for (name, given, step, expected) in table {
            assert_eq!(write(&given, &step), expected, "{name}");
        }
    }

    #[test]
    fn a_start_gives_its_job_the_id_chosen_when_it_was_asked_for_once() {
        let deployment = deployment(DesiredState::Running, DeploymentState::Cancelled);
        let chosen = "6f1c2b9a-0d4e-4c3b-9a8f-1e2d3c4b5a69";
        let record = EngineRecord {
            next_start: Some(StartRequest {
                job_id: Some(chosen.into()),
                ..StartRequest::restoring(RestoreChoice::Nothing)
            }),
            ..EngineRecord::default()
        };
        let namespace = namespace();
        let mut book = Book::new(&namespace, &deployment, record, FINGERPRINT, NOW);
        let step = Step::StartJob { restore: None, allow_non_restored_state: false };
        let no_rows = Rows { active_job: None, savepoint_under_way: None, savepoints: vec![] };
        let Then::Submit(job) = book.write(&step, &no_rows).expect("written") else {
            panic!("a start submits");
        };
        assert_eq!(job.metadata.id, chosen, "the id the start's answer named");
        let left = book.record().next_start.as_ref().and_then(|request| request.job_id.clone());
        assert_eq!(left, None, "taken out of the record with the job's write: a later job gets a fresh id");
        let (fresh, _) = started(&deployment, at_start_time(RestoreChoice::Nothing), None);
        assert_ne!(fresh.metadata.id, chosen);
    }

    #[test]
    fn a_start_says_where_it_starts_from_and_where_its_sources_start_reading() {
        let deployment = deployment(DesiredState::Running, DeploymentState::Cancelled);
        let (job, said) = started(&deployment, at_start_time(RestoreChoice::Nothing), None);
        assert_eq!(job.spec.source_start_time_ms, Some(START_MS), "recorded on the job");
        let id = &job.metadata.id[..8];
        assert_eq!(
            said,
            [
                format!("Creating job {id}: starting without state"),
                "Source start time 2026-01-01T00:00:00.250Z (1767225600250 ms): sources start reading there. The \
                 job's program reads it from its Flink configuration entry console.source-start-time-ms."
                    .to_owned()
            ]
        );

        let (job, said) = started(&deployment, at_start_time(RestoreChoice::ByStrategy), Some(restored()));
        assert_eq!(job.spec.source_start_time_ms, None, "not recorded: the job restores state");
        assert_eq!(job.spec.savepoint_id.as_deref(), Some("0f1e2d3c-savepoint"));
        let id = &job.metadata.id[..8];
        assert_eq!(
            said,
            [
                format!("Creating job {id}: starting from savepoint 0f1e2d3c (file:/savepoints/sp-1)"),
                "Source start time 2026-01-01T00:00:00.250Z (1767225600250 ms) is ignored: the job restores state from \
                 savepoint 0f1e2d3c (file:/savepoints/sp-1), and its sources continue from the positions in that state"
                    .to_owned()
            ]
        );

        let (job, said) = started(&deployment, EngineRecord::default(), None);
        assert_eq!(job.spec.source_start_time_ms, None);
        assert_eq!(said.len(), 1, "no start time, nothing said of one: {said:?}");

        let mut sql = deployment.clone();
        sql.spec.template.spec.artifact = Some(
            serde_json::from_value(serde_json::json!({
                "kind": "SQLSCRIPT",
                "sqlScript": "CREATE TEMPORARY TABLE clicks (id BIGINT) WITH ('connector' = 'kafka', 'topic' = 'c');\n\
                              CREATE TEMPORARY TABLE gen (id BIGINT) WITH ('connector' = 'datagen');\n\
                              INSERT INTO clicks SELECT id FROM gen;"
            }))
            .expect("an artifact"),
        );
        let (_, said) = started(&sql, at_start_time(RestoreChoice::Nothing), None);
        assert_eq!(
            said[1],
            "Source start time 2026-01-01T00:00:00.250Z (1767225600250 ms): sources start reading there. Tables that \
             start there: clicks (kafka). Tables whose connector has no start position, read as their DDL says: gen \
             (datagen)."
        );
    }

    #[test]
    fn a_refused_start_fails_the_deployment_and_forgets_the_start_request() {
        let namespace = namespace();
        let deployment = deployment(DesiredState::Running, DeploymentState::Suspended);
        let mut book = Book::new(&namespace, &deployment, at_start_time(RestoreChoice::Nothing), FINGERPRINT, NOW);
        let message = "The state compatibility check answered INCOMPATIBLE for savepoint sp-1 (file:/sp-1); start \
                       again and confirm 'Start anyway', or choose another state";
        let step = Step::RefuseStart { reason: "IncompatibleStateNotConfirmed", message: message.into() };
        let no_rows = Rows { active_job: None, savepoint_under_way: None, savepoints: vec![] };
        assert_eq!(book.write(&step, &no_rows).expect("written"), Then::Look(Look::Observe));
        assert_eq!(book.record().next_start, None, "a later change does not start on that check");
        assert_eq!(book.record().gave_up_at_version, Some(3), "it waits for a person");
        let failure = book.status().failure.clone().expect("the status says why");
        assert_eq!((failure.reason.as_str(), failure.message.as_str()), ("IncompatibleStateNotConfirmed", message));
        let write = book.take_write(7).expect("serialises").expect("written");
        assert_eq!(write.events[0].metadata.name, EventName::StartRefused);
        assert_eq!(write.events[0].spec.message, message);
    }

    #[test]
    fn what_flink_answers_a_submission_or_a_savepoint_request_is_written_down() {
        use DeploymentState::{Failed, Running, Transitioning};
        use EventName as E;

        let namespace = namespace();
        let deployment = deployment(DesiredState::Running, Transitioning);
        let starting = Given { status: Transitioning, job: Some(JobState::Starting), ..Given::default() };
        let rows = rows(&starting, &namespace, &deployment);
        let job = rows.active_job.clone().expect("the STARTING job");
        let wrote = |answer: &dyn Fn(&mut Book<'_>)| {
            let mut book = Book::new(&namespace, &deployment, EngineRecord::default(), FINGERPRINT, NOW);
            answer(&mut book);
            let write = book.take_write(7).expect("serialises").expect("something is written");
            (summary(&write), book.record().clone())
        };

        let (transient, record) = wrote(&|book| book.submission_failed(&job, "NoResourceAvailableException"));
        assert_eq!(
            transient,
            Commit { state: Transitioning, events: vec![E::FailedCreatingANewJob], jobs: vec![], savepoints: vec![] },
            "a transient refusal keeps the STARTING job"
        );
        assert_eq!(record.job_failures_ms, [NOW], "and counts the attempt");
        assert_eq!(record.gave_up_at_version, None);

        let (permanent, record) = wrote(&|book| book.creation_failed(&job, "ClassNotFoundException"));
        assert_eq!(
            permanent,
            Commit {
                state: Failed,
                events: vec![E::FailedCreatingANewJob],
                jobs: vec!["update FAILED".into()],
                savepoints: vec![]
            },
            "a permanent refusal fails the job and the deployment"
        );
        assert_eq!(record.gave_up_at_version, Some(3), "until a person changes it");
        assert_eq!(record.operation, None);

        let deployment = self::deployment(DesiredState::Running, Running);
        let with_savepoint = Given { savepoint: Some(SavepointOrigin::Periodic), ..Given::default() };
        let savepoint = self::rows(&with_savepoint, &namespace, &deployment).savepoint_under_way.expect("a savepoint");
        let mut book = Book::new(&namespace, &deployment, EngineRecord::default(), FINGERPRINT, NOW);
        book.savepoint_refused(&savepoint, "the job is not running");
        let write = book.take_write(7).expect("serialises").expect("something is written");
        assert_eq!(
            summary(&write),
            Commit {
                state: Running,
                events: vec![E::AnUnrecoverableFailureWhileTakingASavepoint],
                jobs: vec![],
                savepoints: vec!["update FAILED".into()]
            }
        );
    }

    #[test]
    fn ids_flink_will_hear_of_are_in_the_rows_written_before_it_is_asked() {
        let namespace = namespace();
        let deployment = deployment(DesiredState::Suspended, DeploymentState::Running);
        let given = Given { desired: DesiredState::Suspended, ..Given::default() };
        let rows = rows(&given, &namespace, &deployment);

        let mut book = Book::new(&namespace, &deployment, EngineRecord::default(), FINGERPRINT, NOW);
        let Then::Submit(job) = book
            .write(
                &Step::StartJob { restore: None, allow_non_restored_state: false },
                &Rows { active_job: None, savepoint_under_way: None, savepoints: vec![] },
            )
            .expect("written")
        else {
            panic!("a start submits");
        };
        let write = book.take_write(7).expect("serialises").expect("the intent");
        assert!(job.status.started.as_ref().is_some_and(|s| !s.flink_job_id.is_empty()), "a Flink job id is chosen");
        assert_eq!(write.jobs, [RowWrite::Insert(job)], "and stored with the job row");

        let mut book = Book::new(&namespace, &deployment, EngineRecord::default(), FINGERPRINT, NOW);
        let step = Step::StopJob { purpose: StopPurpose::Suspend, attempt: 1 };
        let Then::StopWithSavepoint { savepoint, .. } = book.write(&step, &rows).expect("written") else {
            panic!("a stop stops");
        };
        let write = book.take_write(7).expect("serialises").expect("the intent");
        assert!(savepoint.spec.flink_savepoint_id.is_some(), "a trigger id is chosen");
        assert_eq!(write.savepoints, [RowWrite::Insert(savepoint.clone())], "and stored with the savepoint row");
        assert_eq!(
            book.record().operation,
            Some(InFlight::Stop {
                job_id: "job-1".into(),
                savepoint_id: savepoint.metadata.id,
                purpose: StopPurpose::Suspend,
                attempt: 1,
                drain: false,
            })
        );
    }
}
