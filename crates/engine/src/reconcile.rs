//! One pass of the engine for one deployment: load, observe, plan, commit the step's writes, act.
//! It does the IO — the store and Flink — and never decides itself what a step writes: that is
//! `bookkeeping`'s, and which step is `plan`'s.
//!
//! # Expected flow
//! `reconcile` reloads the deployment (it never knows why it runs), observes Flink, asks `plan` for
//! one step and carries it out: `bookkeeping::Book` writes the step down — status, the engine's
//! record, job, savepoint and event rows — which is committed in one transaction, and only then is
//! Flink asked to act (at most once). What Flink answers is written down and committed the same way.
//! It returns when to look again; it never waits for Flink inside a pass.
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

use domain::{Deployment, Job, NamespaceName, Savepoint};
use flink::{ErrorClass, FlinkCluster, FlinkError, ParallelismBounds, SavepointRequest, TriggerId};

use crate::artifact::{savepoint_directory, submission};
use crate::bookkeeping::{Book, Look, Then};
use crate::observe::{flink_job_id, observe, Rows};
use crate::plan::{fingerprint, next_due_ms, plan, Desired, FlinkView, Step};
use crate::record::EngineRecord;
use crate::{ClusterError, Engine, EngineError, Watch};

/// When to look at a deployment again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Requeue {
    /// After this wait (zero: at once).
    After(Duration),
    /// The deployment no longer exists.
    Never,
}

/// What a pass did, for tests and logs.
#[derive(Debug, Clone, PartialEq)]
pub struct PassReport {
    /// The step the plan chose.
    pub step: Step,
    /// When to look again.
    pub requeue: Requeue,
    /// The deployment is at rest with a job in Flink: the controller watches it through its
    /// cluster's job overview and passes it again once the job's state changes (`board`).
    pub watch: Option<Watch>,
}

impl Engine {
    /// One pass for one deployment. See the module documentation.
    pub async fn reconcile(&self, namespace: &NamespaceName, deployment_id: &str) -> Result<PassReport, EngineError> {
        let Some(row) = self.store.engine_row(namespace, deployment_id).await? else {
            return Ok(PassReport { step: Step::Steady, requeue: Requeue::Never, watch: None });
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
        let (mut seen, rows) = observe(self, namespace, deployment_id, &record, cluster_ref, now_ms).await?;
        seen.autopilot = self.autopilot.wanted(namespace.as_str(), deployment_id, now_ms);
        let fingerprint = fingerprint(&deployment.spec);
        let desired = Desired {
            spec: &deployment.spec,
            version: deployment.metadata.resource_version,
            fingerprint: &fingerprint,
        };
        let step = plan(desired, &deployment.status, &record, &seen);
        tracing::debug!(%namespace, deployment = %deployment.metadata.name, ?step, "planned");
        let flink_state = seen.job.as_ref().and_then(|job| match job.flink {
            FlinkView::Job(state) => Some(state),
            FlinkView::Unreachable(_) | FlinkView::Missing | FlinkView::NotAsked => None,
        });
        let at_rest = AtRest {
            due_ms: next_due_ms(desired, &record, &seen),
            running: flink_state == Some(flink::JobState::Running),
            passing: flink_state.is_some_and(passing_state),
        };
        // The job Flink runs (or holds) for the deployment, to watch if the pass ends at rest.
        let watch = match (&cluster, seen.job.as_ref().map(|job| &job.flink), rows.active_job.as_ref()) {
            (Ok(cluster), Some(FlinkView::Job(state)), Some(job)) => {
                flink_job_id(job).map(|job| Watch { cluster: cluster.clone(), job, state: *state })
            }
            _ => None,
        };
        let mut pass = Pass {
            engine: self,
            namespace,
            deployment: &deployment,
            book: Book::new(namespace, &deployment, record, &fingerprint, now_ms),
            status_version: row.status_version,
            at_rest,
            idle: false,
        };
        let requeue = pass.act(&step, rows, cluster.ok()).await?;
        let watch = if pass.idle { watch } else { None };
        Ok(PassReport { step, requeue, watch })
    }
}

/// One pass's working copy of the deployment (its book) and the status version it commits on.
struct Pass<'a> {
    engine: &'a Engine,
    namespace: &'a NamespaceName,
    deployment: &'a Deployment,
    book: Book<'a>,
    status_version: i64,
    /// What decides how long the deployment may rest if the step leaves it at rest.
    at_rest: AtRest,
    /// The step left the deployment at rest (`Look::Observe`).
    idle: bool,
}

/// A deployment at rest: when something of its own falls due, and whether its job runs (its
/// newest checkpoint is then recorded every `Settings::checkpoint_refresh`).
#[derive(Debug, Clone, Copy)]
struct AtRest {
    due_ms: Option<i64>,
    running: bool,
    /// Flink is moving the job through a state that lasts moments (`passing_state`).
    passing: bool,
}

/// A state Flink moves a job through in moments (a cancellation under way, a job being created):
/// such a job is polled, not left to the next overview, so that what follows shows within one
/// period. A job that is RESTARTING or FAILING may stay so for long: the overview watches it.
fn passing_state(state: flink::JobState) -> bool {
    use flink::JobState as F;
    match state {
        F::Cancelling | F::Created | F::Initializing | F::Reconciling => true,
        F::Running | F::Restarting | F::Failing | F::Finished | F::Canceled | F::Failed | F::Suspended => false,
    }
}

impl Pass<'_> {
    /// Writes the step down, commits it, then makes the one Flink call it recorded the intent of.
    async fn act(
        &mut self,
        step: &Step,
        rows: Rows,
        cluster: Option<Arc<dyn FlinkCluster>>,
    ) -> Result<Requeue, EngineError> {
        let cluster = cluster.as_deref();
        let then = self.book.write(step, &rows)?;
        self.commit().await?;
        if matches!(step, Step::Rescale(_)) {
            let now_ms = self.engine.clock.now_ms();
            self.engine.autopilot.applied(self.namespace.as_str(), &self.deployment.metadata.id, now_ms);
        }
        match then {
            Then::Look(look) => Ok(self.requeue(look)),
            Then::Submit(job) => self.submit(&job, cluster).await,
            Then::StopWithSavepoint { job, savepoint, drain } => {
                let request = SavepointRequest { drain, ..savepoint_request(&job, &savepoint) };
                let asked = match (cluster, flink_job_id(&job)) {
                    (Some(cluster), Some(flink_id)) => {
                        cluster.stop_with_savepoint(&flink_id, &request).await.map(|_| ())
                    }
                    _ => Ok(()),
                };
                self.after_savepoint_request(asked, &savepoint).await
            }
            Then::TriggerSavepoint { job, savepoint } => {
                let request = savepoint_request(&job, &savepoint);
                let asked = match (cluster, flink_job_id(&job)) {
                    (Some(cluster), Some(flink_id)) => cluster.trigger_savepoint(&flink_id, &request).await.map(|_| ()),
                    _ => Ok(()),
                };
                self.after_savepoint_request(asked, &savepoint).await
            }
            Then::Cancel(job) => {
                if let (Some(cluster), Some(flink_id)) = (cluster, flink_job_id(&job)) {
                    match cluster.cancel(&flink_id).await {
                        Ok(()) => {}
                        Err(FlinkError::Rejected { status: 404, .. }) => {}
                        Err(err) => {
                            tracing::warn!(error = %err, job = %job.metadata.id, "cancellation failed; will try again")
                        }
                    }
                }
                Ok(self.requeue(Look::Poll))
            }
            Then::Dispose { location } => {
                if let Some(cluster) = cluster {
                    if let Err(err) = cluster.dispose_savepoint(&location).await {
                        tracing::warn!(error = %err, %location, "disposing a retired savepoint failed; its files stay");
                    }
                }
                Ok(self.requeue(Look::Now))
            }
            Then::Rescale { job, parallelism_by_vertex } => {
                let bounds = parallelism_by_vertex
                    .iter()
                    .map(|(vertex, p)| (vertex.clone(), ParallelismBounds { lower_bound: 1, upper_bound: *p }))
                    .collect();
                let asked = match (cluster, flink_job_id(&job)) {
                    (Some(cluster), Some(flink_id)) => cluster.set_resource_requirements(&flink_id, &bounds).await,
                    _ => Ok(()),
                };
                match asked {
                    Ok(()) => Ok(self.requeue(Look::Poll)),
                    Err(err) if err.class() == ErrorClass::Transient => Ok(self.requeue(Look::Poll)),
                    Err(err) => {
                        self.book.rescale_refused(&job, &format!("Flink refused it: {}", err.user_message()));
                        self.commit().await?;
                        Ok(self.requeue(Look::Now))
                    }
                }
            }
        }
    }

    fn requeue(&mut self, look: Look) -> Requeue {
        let settings = &self.engine.settings;
        Requeue::After(match look {
            Look::Now => Duration::ZERO,
            Look::Poll => settings.poll_every,
            Look::Observe if self.at_rest.passing => settings.poll_every,
            Look::Observe => {
                self.idle = true;
                let mut wait = settings.idle_recheck;
                if self.at_rest.running {
                    wait = wait.min(settings.checkpoint_refresh);
                }
                if let Some(due_ms) = self.at_rest.due_ms {
                    let until = due_ms.saturating_sub(self.engine.clock.now_ms());
                    wait = wait.min(Duration::from_millis(u64::try_from(until).unwrap_or_default()));
                }
                wait
            }
            Look::AfterStatsLag => settings.checkpoint_stats_lag,
            Look::After(wait) => wait,
            Look::Unreachable { outage } => outage.clamp(settings.poll_every, settings.max_backoff),
            Look::NotReady { attempts } => settings.poll_every * 2u32.saturating_pow(attempts),
        })
    }

    /// Asks Flink to run the STARTING job under its chosen id.
    async fn submit(&mut self, job: &Job, cluster: Option<&dyn FlinkCluster>) -> Result<Requeue, EngineError> {
        let settings = &self.engine.settings;
        let Some(flink_id) = flink_job_id(job) else {
            return self.creation_failed(job, "the job has no Flink job id").await;
        };
        // A SQL script runs with its namespace's catalog as it is now (read for this submission only).
        let sql_catalog = match job.spec.template.artifact.as_ref().map(|a| a.kind) {
            Some(domain::ArtifactKind::Sqlscript) => self.engine.store.sql_catalog(self.namespace).await?.statements,
            _ => Vec::new(),
        };
        let submission = match submission(
            &job.spec,
            self.deployment.spec.execution_mode,
            &flink_id,
            &settings.sql_runner_jar,
            &settings.artifacts,
            self.namespace,
            &sql_catalog,
        )
        .await
        {
            Ok(submission) => submission,
            Err(why) => return self.creation_failed(job, &why).await,
        };
        let Some(cluster) = cluster else {
            return Ok(self.requeue(Look::Poll));
        };
        match cluster.submit(&submission).await {
            // Flink often reports a new job RUNNING at once: look again now, not after a poll.
            Ok(_) => Ok(self.requeue(Look::Now)),
            Err(err) if err.is_duplicate_job() => Ok(self.requeue(Look::Now)),
            Err(err) if err.class() == ErrorClass::Transient => {
                self.book.submission_failed(job, &err.user_message());
                self.commit().await?;
                Ok(self.requeue(Look::Now))
            }
            Err(err) => self.creation_failed(job, &err.user_message()).await,
        }
    }

    /// The submission cannot succeed as asked: the job and the deployment FAILED until a person
    /// changes it.
    async fn creation_failed(&mut self, job: &Job, why: &str) -> Result<Requeue, EngineError> {
        self.book.creation_failed(job, why);
        self.commit().await?;
        Ok(self.requeue(Look::Observe))
    }

    /// A refused savepoint request fails the savepoint now; a transient error leaves it to the
    /// next observation (Flink may have received it).
    async fn after_savepoint_request(
        &mut self,
        asked: Result<(), FlinkError>,
        savepoint: &Savepoint,
    ) -> Result<Requeue, EngineError> {
        match asked {
            // Flink takes a savepoint in no less than a checkpoint's time: asking at once only
            // answers "in progress".
            Ok(()) => Ok(self.requeue(Look::Poll)),
            Err(err) if err.class() == ErrorClass::Transient => Ok(self.requeue(Look::Poll)),
            Err(err) => {
                self.book.savepoint_refused(savepoint, &err.user_message());
                self.commit().await?;
                Ok(self.requeue(Look::Now))
            }
        }
    }

    /// Commits what the book wrote since the last commit, in one transaction; nothing if nothing changed.
    async fn commit(&mut self) -> Result<(), EngineError> {
        let Some(write) = self.book.take_write(self.status_version)? else {
            return Ok(());
        };
        for event in &write.events {
            let name = event.metadata.name;
            tracing::info!(namespace = %self.namespace, deployment = %self.deployment.metadata.name, event = %name, "{}", event.spec.message);
        }
        self.engine.store.commit_engine_write(self.namespace, &self.deployment.metadata.id, &write).await?;
        self.status_version += 1;
        Ok(())
    }
}

/// The request for the savepoint `savepoint` of `job`, under the trigger id its row carries.
fn savepoint_request(job: &Job, savepoint: &Savepoint) -> SavepointRequest {
    SavepointRequest {
        target_directory: savepoint_directory(&job.spec),
        trigger_id: savepoint.spec.flink_savepoint_id.clone().map(TriggerId),
        drain: false,
        native: savepoint.spec.format_type == Some(domain::SavepointFormat::Native),
    }
}
