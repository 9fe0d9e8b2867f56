//! One pass of the engine for one deployment: observe, plan, record intent, act.
//!
//! # Expected flow
//! `reconcile` reloads the deployment (it never knows why it runs), observes Flink, asks `plan` for
//! one step and carries it out: every step first commits its writes — status, the engine's record,
//! job, savepoint and event rows — in one transaction, and only then asks Flink to act. It returns
//! when to look again; it never waits for Flink inside a pass.
//!
//! # Guarantees
//! - Intent is durable before any side effect: a new job's Flink id and a savepoint's trigger id are
//!   chosen and stored before Flink hears of them, so asking again after a crash is idempotent and
//!   what Flink already did is found by the next observation.
//! - The store never holds two active jobs of one deployment (a unique index), and a job is
//!   submitted only after its row won that race.
//! - Status writes check the status version: a concurrent pass (there should be none) loses with a
//!   conflict and changes nothing.
//!
//! # Errors
//! Store errors end the pass (`EngineError`) and the controller retries with backoff. Flink errors
//! are classified: transient ones (unreachable, 5xx) leave the intent in place for the next pass;
//! permanent ones (Flink refused) are recorded on the job or savepoint and in an event.

use std::sync::Arc;
use std::time::Duration;

use domain::{
    Deployment, DeploymentState, DeploymentStatus, Event, EventName, Failure, Job, JobMetadata, JobSpec, JobStarted,
    JobState, JobStatus, NamespaceName, RunningStatus, Savepoint, SavepointMetadata, SavepointOrigin, SavepointSpec,
    SavepointState, SavepointStatus, API_VERSION,
};
use flink::{ErrorClass, FlinkCluster, FlinkError, JobId, SavepointRequest, TriggerId};
use storage::{EngineWrite, RowWrite};

use crate::artifact::{savepoint_directory, submission};
use crate::observe::{flink_job_id, not_ready_attempts, observe, Rows, FINGERPRINT_ANNOTATION, NOT_READY_ANNOTATION};
use crate::plan::{fingerprint, plan, Desired, JobOutcome, RestoreFrom, Step};
use crate::record::{CancelPurpose, EngineRecord, InFlight, RestoreChoice, StartRequest, StopPurpose};
use crate::time::rfc3339;
use crate::{ClusterError, Engine, EngineError};

/// When to look at a deployment again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Requeue {
    After(Duration),
    /// The deployment no longer exists.
    Never,
}

/// What a pass did, for tests and logs.
#[derive(Debug, Clone, PartialEq)]
pub struct PassReport {
    pub step: Step,
    pub requeue: Requeue,
}

impl Engine {
    /// One pass for one deployment. See the module documentation.
    pub async fn reconcile(&self, namespace: &NamespaceName, deployment_id: &str) -> Result<PassReport, EngineError> {
        let Some(row) = self.store.engine_row(namespace, deployment_id).await? else {
            return Ok(PassReport { step: Step::Steady, requeue: Requeue::Never });
        };
        let record = EngineRecord::read(row.engine.as_deref())?;
        let deployment = row.deployment;
        let target = deployment.spec.deployment_target_name.clone().unwrap_or_default();
        let cluster = self.clusters.cluster(namespace, &target).await;
        let cluster_ref: Result<&dyn FlinkCluster, &ClusterError> = match &cluster {
            Ok(cluster) => Ok(cluster.as_ref()),
            Err(why) => Err(why),
        };
        let now_ms = self.clock.now_ms();
        let (seen, rows) =
            observe(&self.store, namespace, deployment_id, &record, cluster_ref, now_ms, &self.settings).await?;
        let fingerprint = fingerprint(&deployment.spec);
        let desired = Desired {
            spec: &deployment.spec,
            version: deployment.metadata.resource_version,
            fingerprint: &fingerprint,
        };
        let step = plan(desired, &deployment.status, &record, &seen);
        tracing::debug!(%namespace, deployment = %deployment.metadata.name, ?step, "planned");
        let mut pass = Pass {
            engine: self,
            namespace,
            status: deployment.status.clone(),
            deployment: &deployment,
            record,
            status_version: row.status_version,
            now_ms,
            fingerprint: &fingerprint,
            write: Writes::default(),
        };
        let requeue = pass.act(&step, rows, cluster.ok()).await?;
        Ok(PassReport { step, requeue })
    }
}

#[derive(Default)]
struct Writes {
    jobs: Vec<RowWrite<Job>>,
    savepoints: Vec<RowWrite<Savepoint>>,
    deleted_savepoints: Vec<(String, i64)>,
    events: Vec<Event>,
}

/// One pass's working copy of the deployment's engine state and the writes it will commit.
struct Pass<'a> {
    engine: &'a Engine,
    namespace: &'a NamespaceName,
    deployment: &'a Deployment,
    status: DeploymentStatus,
    record: EngineRecord,
    status_version: i64,
    now_ms: i64,
    fingerprint: &'a str,
    write: Writes,
}

impl Pass<'_> {
    async fn act(
        &mut self,
        step: &Step,
        rows: Rows,
        cluster: Option<Arc<dyn FlinkCluster>>,
    ) -> Result<Requeue, EngineError> {
        let settings = &self.engine.settings;
        let again = Requeue::After(Duration::ZERO);
        let poll = Requeue::After(settings.poll_every);
        let cluster = cluster.as_deref();
        match step {
            Step::Steady => {
                if self.record.unreachable_since_ms.take().is_some() {
                    self.commit().await?;
                }
                Ok(Requeue::After(settings.observe_every))
            }
            Step::Await(_) => Ok(poll),
            Step::RetryLater(wait) => Ok(Requeue::After(*wait)),
            Step::Unreachable(why) => {
                let since = *self.record.unreachable_since_ms.get_or_insert(self.now_ms);
                if since == self.now_ms {
                    self.event(EventName::GeneralFailure, None, format!("Flink cannot be reached: {why}"));
                    self.commit().await?;
                }
                let outage = Duration::from_millis(u64::try_from(self.now_ms - since).unwrap_or_default());
                Ok(Requeue::After(outage.clamp(settings.poll_every, settings.max_backoff)))
            }
            Step::JobStarted => {
                let job = active(&rows)?;
                let mut started = job.clone();
                started.status.state = JobState::Started;
                if let Some(s) = started.status.started.as_mut() {
                    s.last_update_time = Some(rfc3339(self.now_ms));
                    s.observed_flink_job_status = Some("RUNNING".into());
                }
                self.update_job(job, started);
                self.record.operation = None;
                self.record.next_start = None;
                self.status = DeploymentStatus {
                    state: DeploymentState::Running,
                    running: Some(RunningStatus {
                        job_id: job.metadata.id.clone(),
                        transition_time: rfc3339(self.now_ms),
                    }),
                    failure: None,
                };
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
                self.commit().await?;
                Ok(Requeue::After(settings.observe_every))
            }
            Step::JobEndSeen => {
                let job = active(&rows)?;
                self.record.job_end_seen = Some((job.metadata.id.clone(), self.now_ms));
                self.commit().await?;
                Ok(Requeue::After(settings.checkpoint_stats_lag))
            }
            Step::JobEnded { outcome, checkpoint } => {
                self.job_ended(active(&rows)?, outcome, checkpoint.as_ref(), &rows.savepoints)?;
                self.commit().await?;
                Ok(again)
            }
            Step::SavepointCompleted { location } => {
                let savepoint = under_way(&rows)?;
                let mut done = savepoint.clone();
                done.spec.savepoint_location = Some(location.clone());
                done.spec.job_fingerprint = rows
                    .active_job
                    .as_ref()
                    .and_then(|job| job.metadata.annotations.get(FINGERPRINT_ANNOTATION).cloned());
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
                self.commit().await?;
                Ok(again)
            }
            Step::SavepointFailed { cause } => {
                let savepoint = under_way(&rows)?;
                self.fail_savepoint(savepoint, cause);
                self.commit().await?;
                Ok(again)
            }
            Step::RetrySavepoint { cause } => {
                // Back to "asked for, not triggered": the next pass triggers it under a new id.
                let savepoint = under_way(&rows)?;
                let attempts = not_ready_attempts(savepoint) + 1;
                let mut again_later = savepoint.clone();
                again_later.spec.flink_savepoint_id = None;
                again_later.metadata.annotations.insert(NOT_READY_ANNOTATION.to_owned(), attempts.to_string());
                self.update_savepoint(savepoint, again_later);
                self.event(
                    EventName::RecoverableFailureWhileTriggeringASavepoint,
                    savepoint.metadata.job_id.as_deref(),
                    format!(
                        "The job is not ready for savepoint {} yet ({cause}); asking again",
                        short(&savepoint.metadata.id)
                    ),
                );
                self.commit().await?;
                Ok(Requeue::After(settings.poll_every * 2u32.saturating_pow(attempts)))
            }
            Step::CheckpointSeen(checkpoint) => {
                let job = active(&rows)?;
                let mut seen_job = job.clone();
                seen_job.status.latest_checkpoint = Some(checkpoint.clone());
                self.update_job(job, seen_job);
                self.commit().await?;
                Ok(again)
            }
            Step::Rest(state) => {
                self.status = DeploymentStatus { state: *state, running: None, failure: None };
                self.record.next_start = None;
                self.record.gave_up_at_version = None;
                self.event(EventName::StateTransitionIsCompleted, None, format!("The deployment is {state}"));
                self.commit().await?;
                Ok(Requeue::After(settings.observe_every))
            }
            Step::AdoptRunningJob => {
                let job = active(&rows)?;
                self.status = DeploymentStatus {
                    state: DeploymentState::Running,
                    running: Some(RunningStatus {
                        job_id: job.metadata.id.clone(),
                        transition_time: rfc3339(self.now_ms),
                    }),
                    failure: None,
                };
                self.record.gave_up_at_version = None;
                self.event(
                    EventName::StateTransitionIsCompleted,
                    Some(&job.metadata.id),
                    format!("Job {} runs as desired: the deployment is RUNNING", short(&job.metadata.id)),
                );
                self.commit().await?;
                Ok(again)
            }
            Step::GiveUp { event, reason, message } => {
                match rows.active_job.as_ref().map(|job| (job, job.status.state)) {
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
                        failed.status.failure =
                            Some(Failure { reason: (*reason).to_owned(), message: message.clone() });
                        failed.metadata.terminated_at = Some(rfc3339(self.now_ms));
                        self.update_job(job, failed);
                    }
                    Some((
                        _,
                        JobState::Started
                        | JobState::Standby
                        | JobState::Failed
                        | JobState::Finished
                        | JobState::Terminated,
                    ))
                    | None => {}
                }
                self.record.operation = None;
                self.record.gave_up_at_version = Some(self.deployment.metadata.resource_version);
                self.status.state = DeploymentState::Failed;
                self.status.failure = Some(Failure { reason: (*reason).to_owned(), message: message.clone() });
                self.event(*event, None, message.clone());
                self.commit().await?;
                Ok(Requeue::After(settings.observe_every))
            }
            Step::IgnoreUpgrade => {
                self.record.ignored_fingerprint = Some(self.fingerprint.to_owned());
                self.event(
                    EventName::UsingAnUpgradeStrategy,
                    self.status.running.as_ref().map(|r| r.job_id.clone()).as_deref(),
                    "The spec changed, but the upgrade strategy is NONE: the running job keeps its spec until it is \
                     restarted (suspend and resume, or cancel and start)",
                );
                self.commit().await?;
                Ok(again)
            }
            Step::ForgetOperation => {
                self.record.operation = None;
                self.commit().await?;
                Ok(again)
            }
            Step::StartJob { restore, allow_non_restored_state } => {
                self.start_job(restore.as_ref(), *allow_non_restored_state, cluster).await
            }
            Step::SubmitJob => {
                let job = active(&rows)?.clone();
                self.submit(&job, cluster).await
            }
            Step::StopJob { purpose, attempt } => self.stop_job(active(&rows)?, *purpose, *attempt, cluster).await,
            Step::CancelJob { purpose } => self.cancel_job(active(&rows)?, *purpose, cluster).await,
            Step::DisposeSavepoint { savepoint_id, location } => {
                let savepoint = rows
                    .savepoints
                    .iter()
                    .find(|s| &s.metadata.id == savepoint_id)
                    .ok_or(EngineError::Inconsistent("the savepoint to dispose is not stored"))?;
                // The row goes first: a crash before the disposal leaks files, never a restore
                // from files that are gone.
                self.write
                    .deleted_savepoints
                    .push((savepoint.metadata.id.clone(), savepoint.metadata.resource_version));
                self.event(
                    EventName::SavepointDisposed,
                    savepoint.metadata.job_id.as_deref(),
                    format!(
                        "Savepoint {} ({}) is no longer kept by the savepoint policy; its files at {location} are disposed",
                        short(savepoint_id),
                        savepoint.metadata.origin
                    ),
                );
                self.commit().await?;
                if let Some(cluster) = cluster {
                    if let Err(err) = cluster.dispose_savepoint(location).await {
                        tracing::warn!(error = %err, %location, "disposing a retired savepoint failed; its files stay");
                    }
                }
                Ok(again)
            }
            Step::TriggerSavepoint { origin, requested } => {
                let requested =
                    requested.as_ref().and_then(|id| rows.savepoints.iter().find(|s| &s.metadata.id == id)).cloned();
                self.trigger_savepoint(active(&rows)?, *origin, requested, cluster).await
            }
        }
    }

    /// Records how the active job ended and what the deployment does next.
    fn job_ended(
        &mut self,
        job: &Job,
        outcome: &JobOutcome,
        checkpoint: Option<&domain::CheckpointRecord>,
        savepoints: &[Savepoint],
    ) -> Result<(), EngineError> {
        let job_id = job.metadata.id.clone();
        let mut ended = job.clone();
        ended.metadata.terminated_at = Some(rfc3339(self.now_ms));
        if checkpoint.is_some() {
            ended.status.latest_checkpoint = checkpoint.cloned();
        }
        let desired_running = self.deployment.spec.state == domain::DesiredState::Running;
        let resting = match self.deployment.spec.state {
            domain::DesiredState::Running => DeploymentState::Transitioning,
            domain::DesiredState::Suspended => DeploymentState::Suspended,
            domain::DesiredState::Cancelled => DeploymentState::Cancelled,
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
                        self.record.next_start =
                            Some(StartRequest { restore: RestoreChoice::Nothing, allow_non_restored_state: None });
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
                let then = if desired_running {
                    "it will be started again from its latest state"
                } else {
                    "nothing else runs"
                };
                self.event(
                    EventName::FoundAStoppedJobAndWillTerminateIt,
                    Some(&job_id),
                    format!("Job {} was cancelled outside the console; {then}", short(&job_id)),
                );
            }
            JobOutcome::Failed(message) => {
                ended.status.state = JobState::Failed;
                ended.status.failure = Some(Failure { reason: "FlinkJobFailed".into(), message: message.clone() });
                self.count_failure(message);
                self.event(
                    EventName::GeneralFailure,
                    Some(&job_id),
                    format!("Job {} failed in Flink: {message}", short(&job_id)),
                );
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
        self.update_job(job, ended);
        if let Some(retained) = retained {
            self.write.savepoints.push(RowWrite::Insert(retained));
        }
        self.record.operation = None;
        self.record.job_end_seen = None;
        self.status = DeploymentStatus { state: next_status, running: None, failure: None };
        Ok(())
    }

    /// Creates the job row (intent) and submits it.
    async fn start_job(
        &mut self,
        restore: Option<&RestoreFrom>,
        allow_non_restored_state: bool,
        cluster: Option<&dyn FlinkCluster>,
    ) -> Result<Requeue, EngineError> {
        let job_id = uuid::Uuid::new_v4().to_string();
        let now = rfc3339(self.now_ms);
        let spec = &self.deployment.spec;
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
        self.write.jobs.push(RowWrite::Insert(job.clone()));
        self.record.operation = Some(InFlight::Start { job_id: job_id.clone() });
        self.status = DeploymentStatus { state: DeploymentState::Transitioning, running: None, failure: None };
        let from = restore.map_or_else(|| "without state".to_owned(), |r| format!("from {}", r.location));
        self.event(EventName::CreatingANewJob, Some(&job_id), format!("Creating job {} {from}", short(&job_id)));
        self.commit().await?;
        self.submit(&job, cluster).await
    }

    /// Asks Flink to run the STARTING job under its chosen id.
    async fn submit(&mut self, job: &Job, cluster: Option<&dyn FlinkCluster>) -> Result<Requeue, EngineError> {
        let settings = &self.engine.settings;
        let Some(flink_id) = flink_job_id(job) else {
            return self.creation_failed(job, "the job has no Flink job id").await;
        };
        let submission =
            match submission(&job.spec, self.deployment.spec.execution_mode, &flink_id, &settings.sql_runner_jar) {
                Ok(submission) => submission,
                Err(why) => return self.creation_failed(job, &why).await,
            };
        let Some(cluster) = cluster else {
            return Ok(Requeue::After(settings.poll_every));
        };
        match cluster.submit(&submission).await {
            // Flink often reports a new job RUNNING at once: look again now, not after a poll.
            Ok(_) => Ok(Requeue::After(Duration::ZERO)),
            Err(err) if err.is_duplicate_job() => Ok(Requeue::After(Duration::ZERO)),
            Err(err) if err.class() == ErrorClass::Transient => self.submission_failed(job, &err.user_message()).await,
            Err(err) => self.creation_failed(job, &err.user_message()).await,
        }
    }

    /// A submission that may succeed later failed: the job row stays STARTING under its id (a
    /// retry under the same id cannot start a twin), the attempt counts against
    /// `maxJobCreationAttempts`, and the plan waits before the next one.
    async fn submission_failed(&mut self, job: &Job, why: &str) -> Result<Requeue, EngineError> {
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
        self.commit().await?;
        Ok(Requeue::After(Duration::ZERO))
    }

    /// A submission that cannot succeed as asked (Flink refused the program, its arguments or its
    /// state; the artifact is unusable): the job FAILED, and the deployment FAILED at once until a
    /// person changes it.
    async fn creation_failed(&mut self, job: &Job, why: &str) -> Result<Requeue, EngineError> {
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
        self.commit().await?;
        Ok(Requeue::After(self.engine.settings.observe_every))
    }

    async fn stop_job(
        &mut self,
        job: &Job,
        purpose: StopPurpose,
        attempt: u32,
        cluster: Option<&dyn FlinkCluster>,
    ) -> Result<Requeue, EngineError> {
        let origin = match purpose {
            StopPurpose::Suspend => SavepointOrigin::Suspend,
            StopPurpose::Upgrade => SavepointOrigin::SuspendAndUpgrade,
        };
        let trigger = TriggerId::random();
        let savepoint = self.new_savepoint(&job.metadata.id, origin, Some(&trigger));
        self.write.savepoints.push(RowWrite::Insert(savepoint.clone()));
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
        });
        self.status.state = DeploymentState::Transitioning;
        let (name, why) = match purpose {
            StopPurpose::Suspend => (EventName::CreatingASavepointBeforeSuspension, "to suspend the deployment"),
            StopPurpose::Upgrade => (EventName::UsingAnUpgradeStrategy, "to upgrade it to the changed spec (STATEFUL)"),
        };
        self.event(
            name,
            Some(&job.metadata.id),
            format!("Stopping job {} with a savepoint {why} (attempt {attempt})", short(&job.metadata.id)),
        );
        self.commit().await?;
        let request = SavepointRequest { target_directory: savepoint_directory(&job.spec), trigger_id: Some(trigger) };
        let asked = match (cluster, flink_job_id(job)) {
            (Some(cluster), Some(flink_id)) => cluster.stop_with_savepoint(&flink_id, &request).await.map(|_| ()),
            _ => Ok(()),
        };
        self.after_savepoint_request(asked, &savepoint).await
    }

    async fn trigger_savepoint(
        &mut self,
        job: &Job,
        origin: SavepointOrigin,
        requested: Option<Savepoint>,
        cluster: Option<&dyn FlinkCluster>,
    ) -> Result<Requeue, EngineError> {
        let trigger = TriggerId::random();
        let savepoint = match requested {
            Some(requested) => {
                let mut triggered = requested.clone();
                triggered.metadata.job_id = Some(job.metadata.id.clone());
                triggered.spec.flink_savepoint_id = Some(trigger.0.clone());
                self.update_savepoint(&requested, triggered.clone());
                triggered.metadata.resource_version += 1;
                triggered
            }
            None => {
                let savepoint = self.new_savepoint(&job.metadata.id, origin, Some(&trigger));
                self.write.savepoints.push(RowWrite::Insert(savepoint.clone()));
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
        self.commit().await?;
        let request = SavepointRequest { target_directory: savepoint_directory(&job.spec), trigger_id: Some(trigger) };
        let asked = match (cluster, flink_job_id(job)) {
            (Some(cluster), Some(flink_id)) => cluster.trigger_savepoint(&flink_id, &request).await.map(|_| ()),
            _ => Ok(()),
        };
        self.after_savepoint_request(asked, &savepoint).await
    }

    /// A refused savepoint request fails the savepoint now; a transient error leaves it to the
    /// next observation (Flink may have received it).
    async fn after_savepoint_request(
        &mut self,
        asked: Result<(), FlinkError>,
        savepoint: &Savepoint,
    ) -> Result<Requeue, EngineError> {
        let poll = Requeue::After(self.engine.settings.poll_every);
        match asked {
            Ok(()) => Ok(Requeue::After(Duration::ZERO)),
            Err(err) if err.class() == ErrorClass::Transient => Ok(poll),
            Err(err) => {
                self.fail_savepoint(savepoint, &err.user_message());
                self.commit().await?;
                Ok(Requeue::After(Duration::ZERO))
            }
        }
    }

    async fn cancel_job(
        &mut self,
        job: &Job,
        purpose: CancelPurpose,
        cluster: Option<&dyn FlinkCluster>,
    ) -> Result<Requeue, EngineError> {
        let first_time = !matches!(self.record.operation, Some(InFlight::Cancel { .. }));
        if first_time {
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
            self.commit().await?;
        }
        if let (Some(cluster), Some(flink_id)) = (cluster, flink_job_id(job)) {
            match cluster.cancel(&flink_id).await {
                Ok(()) => {}
                Err(FlinkError::Rejected { status: 404, .. }) => {}
                Err(err) => tracing::warn!(error = %err, job = %job.metadata.id, "cancellation failed; will try again"),
            }
        }
        Ok(Requeue::After(self.engine.settings.poll_every))
    }

    fn fail_savepoint(&mut self, savepoint: &Savepoint, cause: &str) {
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
            },
            status: SavepointStatus { state: SavepointState::Started, failure: None },
        }
    }

    /// A completed RETAINED_CHECKPOINT savepoint for a checkpoint Flink kept when the job ended.
    fn retained_checkpoint(&self, job: &Job, checkpoint: &domain::CheckpointRecord) -> Savepoint {
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
        self.write.jobs.push(RowWrite::Update { row: new, expected_version: old.metadata.resource_version });
    }

    fn update_savepoint(&mut self, old: &Savepoint, mut new: Savepoint) {
        new.metadata.resource_version = old.metadata.resource_version + 1;
        new.metadata.modified_at = rfc3339(self.now_ms);
        self.write.savepoints.push(RowWrite::Update { row: new, expected_version: old.metadata.resource_version });
    }

    fn event(&mut self, name: EventName, job_id: Option<&str>, message: impl Into<String>) {
        let message = message.into();
        tracing::info!(namespace = %self.namespace, deployment = %self.deployment.metadata.name, event = %name, "{message}");
        // Events of one pass share its instant; a nanosecond apart each, they list in the order written.
        let at = crate::time::rfc3339_nanos(self.now_ms, self.write.events.len());
        self.write.events.push(Event::new(
            uuid::Uuid::new_v4().to_string(),
            self.namespace.as_str(),
            &self.deployment.metadata.id,
            job_id,
            name,
            message,
            &at,
        ));
    }

    /// Commits the pass's writes in one transaction.
    async fn commit(&mut self) -> Result<(), EngineError> {
        let writes = std::mem::take(&mut self.write);
        let write = EngineWrite {
            status: self.status.clone(),
            engine: self.record.to_json()?,
            expected_status_version: self.status_version,
            jobs: writes.jobs,
            savepoints: writes.savepoints,
            deleted_savepoints: writes.deleted_savepoints,
            events: writes.events,
        };
        self.engine.store.commit_engine_write(self.namespace, &self.deployment.metadata.id, &write).await?;
        self.status_version += 1;
        Ok(())
    }
}

fn restore_from_savepoint(savepoint: &Savepoint) -> StartRequest {
    let restore = match &savepoint.spec.savepoint_location {
        Some(location) => {
            RestoreChoice::Savepoint { savepoint_id: savepoint.metadata.id.clone(), location: location.clone() }
        }
        None => RestoreChoice::ByStrategy,
    };
    StartRequest { restore, allow_non_restored_state: None }
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
fn short(id: &str) -> &str {
    id.get(..8).unwrap_or(id)
}
