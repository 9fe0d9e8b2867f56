//! Observing a deployment: its active job and savepoint rows from the store, and what Flink says of
//! them. Read-only: nothing here writes to the store or changes anything in Flink.

use domain::{CheckpointRecord, Job, JobState, NamespaceName, Savepoint, SavepointState};
use flink::{FlinkCluster, FlinkError, JobId, Operation, TriggerId};

use crate::plan::{
    ClusterView, FlinkView, Observation, ObservedJob, ObservedSavepoint, Progress, RescaleProgress, Restorable,
};
use crate::record::{EngineRecord, InFlight};
use crate::time::{parse_ms, rfc3339};
use crate::{ClusterError, Engine, EngineError, Settings};

/// How many of a deployment's newest savepoints a pass reads (restore, settle, retire): a pass
/// costs the same however long the deployment's history grows.
const SAVEPOINTS_CONSIDERED: u32 = 200;

/// The annotation on a savepoint that counts the times Flink said the job was not ready for it.
pub const NOT_READY_ANNOTATION: &str = "console.flink/not-ready-attempts";

/// How often Flink said the job was not ready for this savepoint.
pub fn not_ready_attempts(savepoint: &Savepoint) -> u32 {
    savepoint.metadata.annotations.get(NOT_READY_ANNOTATION).and_then(|n| n.parse().ok()).unwrap_or(0)
}

/// The annotation on a job that holds the fingerprint of the spec it runs.
pub const FINGERPRINT_ANNOTATION: &str = "console.flink/spec-fingerprint";

/// What the observation read from the store, kept for the step that acts on it.
pub struct Rows {
    /// The deployment's job that has not ended, if any.
    pub active_job: Option<Job>,
    /// The deployment's STARTED savepoint, if any.
    pub savepoint_under_way: Option<Savepoint>,
    /// Every savepoint row of the deployment.
    pub savepoints: Vec<Savepoint>,
}

/// Reads the deployment's rows and asks Flink about its active job and savepoint under way.
pub async fn observe(
    engine: &Engine,
    namespace: &NamespaceName,
    deployment_id: &str,
    record: &EngineRecord,
    cluster: Result<&dyn FlinkCluster, &ClusterError>,
    now_ms: i64,
) -> Result<(Observation, Rows), EngineError> {
    let (store, settings, checkpoint_reads) = (&engine.store, &engine.settings, &engine.checkpoint_reads);
    let active_job = store.active_job(namespace, deployment_id).await?;
    let savepoints = store.live_savepoints(namespace, deployment_id, SAVEPOINTS_CONSIDERED).await?;
    // The oldest savepoint still under way is settled first (normally there is at most one).
    let savepoint_under_way = savepoints.iter().rev().find(|s| s.status.state == SavepointState::Started).cloned();
    let restorable = savepoints
        .iter()
        .filter(|s| s.status.state == SavepointState::Completed)
        .filter_map(|s| {
            Some(Restorable {
                savepoint_id: s.metadata.id.clone(),
                location: s.spec.savepoint_location.clone()?,
                origin: s.metadata.origin,
                created_ms: parse_ms(&s.metadata.created_at).unwrap_or_default(),
            })
        })
        .collect();

    let cluster_view = match cluster {
        Ok(_) => ClusterView::Known,
        Err(ClusterError::NoTarget(why)) => ClusterView::NoTarget(why.clone()),
        Err(lookup @ ClusterError::Lookup(_)) => ClusterView::LookupFailed(lookup.to_string()),
    };
    // A savepoint under way is settled first: while Flink takes it (or once it is done or failed)
    // the plan does not look at the job, so Flink is asked about the savepoint alone.
    let savepoint = match &savepoint_under_way {
        Some(savepoint) => {
            let known: Vec<String> = savepoints.iter().filter_map(|s| s.spec.savepoint_location.clone()).collect();
            Some(observe_savepoint(savepoint, active_job.as_ref(), record, cluster, &known).await)
        }
        None => None,
    };
    let job_needed = savepoint.as_ref().is_none_or(|s| s.progress == Progress::NotTriggered);
    let job = match &active_job {
        Some(job) if job_needed => Some(observe_job(job, cluster, record, now_ms, settings, checkpoint_reads).await),
        Some(job) => Some(ObservedJob { flink: FlinkView::NotAsked, ..unobserved(job) }),
        None => None,
    };
    let observation = Observation {
        now_ms,
        cluster: cluster_view,
        job,
        savepoint,
        restorable,
        checkpoint_stats_lag_ms: i64::try_from(settings.checkpoint_stats_lag.as_millis()).unwrap_or(i64::MAX),
        job_creation_backoff: settings.job_creation_backoff,
        // The Autopilot's wish is the sampler's, not Flink's: the pass adds it.
        autopilot: None,
        rescale_timeout_ms: i64::try_from(settings.rescale_timeout.as_millis()).unwrap_or(i64::MAX),
    };
    Ok((observation, Rows { active_job, savepoint_under_way, savepoints }))
}

/// The Flink job id chosen for a job when it was created.
pub fn flink_job_id(job: &Job) -> Option<JobId> {
    job.status.started.as_ref().map(|started| JobId(started.flink_job_id.clone()))
}

/// The job as its row tells it, before Flink is asked anything.
fn unobserved(job: &Job) -> ObservedJob {
    let started_at_ms = job
        .status
        .started
        .as_ref()
        .and_then(|s| parse_ms(&s.started_at))
        .or_else(|| parse_ms(&job.metadata.created_at));
    ObservedJob {
        id: job.metadata.id.clone(),
        state: job.status.state,
        fingerprint: job.metadata.annotations.get(FINGERPRINT_ANNOTATION).cloned().unwrap_or_default(),
        started_at_ms: started_at_ms.unwrap_or_default(),
        flink: FlinkView::Missing,
        recorded_checkpoint: job.status.latest_checkpoint.clone(),
        flink_checkpoint: None,
        failure: None,
        rescale: None,
    }
}

/// When the engine last read each active job's checkpoint statistics (ms since the epoch), in
/// memory: a running job's newest checkpoint is recorded every `Settings::checkpoint_refresh`, not
/// on every look. Bounded: past `MAX_REMEMBERED` jobs it starts afresh (every job then counts from
/// its start, so at worst some are read early).
#[derive(Debug, Default)]
pub struct CheckpointReads(std::sync::Mutex<std::collections::HashMap<String, i64>>);

impl CheckpointReads {
    const MAX_REMEMBERED: usize = 200_000;

    fn last(&self, job_id: &str) -> Option<i64> {
        self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).get(job_id).copied()
    }

    fn read(&self, job_id: &str, at_ms: i64) {
        let mut reads = self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if reads.len() >= Self::MAX_REMEMBERED && !reads.contains_key(job_id) {
            reads.clear();
        }
        reads.insert(job_id.to_owned(), at_ms);
    }
}

/// Whether a pass needs the job's checkpoint statistics, given Flink's state of it. Only where the
/// plan uses them: a job that ended without a savepoint (its last checkpoint is its state), a job
/// that cannot take a savepoint (restarting or failing: a stop may fall back to a checkpoint), a
/// stop whose savepoint failed (the same), and a running job whose newest checkpoint was last
/// recorded `checkpoint_refresh` ago or longer.
pub fn wants_checkpoints(state: flink::JobState, stopping: bool, refresh_due: bool) -> bool {
    use flink::JobState as F;
    match state {
        F::Canceled | F::Failed | F::Restarting | F::Failing => true,
        F::Running => stopping || refresh_due,
        F::Finished | F::Initializing | F::Created | F::Cancelling | F::Suspended | F::Reconciling => false,
    }
}

async fn observe_job(
    job: &Job,
    cluster: Result<&dyn FlinkCluster, &ClusterError>,
    record: &EngineRecord,
    now_ms: i64,
    settings: &Settings,
    checkpoint_reads: &CheckpointReads,
) -> ObservedJob {
    let mut observed = unobserved(job);
    let cluster = match cluster {
        Ok(cluster) => cluster,
        Err(why) => {
            observed.flink = FlinkView::Unreachable(why.to_string());
            return observed;
        }
    };
    // A job row without a Flink id was never written by this engine: Flink cannot know it.
    let Some(flink_id) = flink_job_id(job) else {
        return observed;
    };
    observed.flink = match cluster.job_state(&flink_id).await {
        Ok(Some(state)) => FlinkView::Job(state),
        Ok(None) => FlinkView::Missing,
        Err(err) => FlinkView::Unreachable(err.user_message()),
    };
    if let FlinkView::Job(state) = &observed.flink {
        let stopping = matches!(&record.operation, Some(InFlight::Stop { .. }));
        let last_read_ms = checkpoint_reads.last(&job.metadata.id).unwrap_or(observed.started_at_ms);
        let refresh_ms = i64::try_from(settings.checkpoint_refresh.as_millis()).unwrap_or(i64::MAX);
        let refresh_due = now_ms.saturating_sub(last_read_ms) >= refresh_ms;
        if job.status.state != JobState::Starting && wants_checkpoints(*state, stopping, refresh_due) {
            checkpoint_reads.read(&job.metadata.id, now_ms);
            if let Ok(summary) = cluster.checkpoints(&flink_id).await {
                observed.flink_checkpoint = summary
                    .latest_completed
                    .filter(|c| !c.is_savepoint)
                    .map(|c| CheckpointRecord { location: c.external_path, completed_at: rfc3339(c.completed_at_ms) });
            }
        }
        let rescaling =
            matches!(&record.operation, Some(InFlight::Rescale { job_id, .. }) if *job_id == job.metadata.id);
        if rescaling {
            let requested = cluster.resource_requirements(&flink_id).await.ok();
            let running = cluster.vertex_parallelism(&flink_id).await.ok();
            observed.rescale = Some(RescaleProgress {
                requested: requested.map(|bounds| bounds.into_iter().map(|(v, b)| (v, b.upper_bound)).collect()),
                running,
            });
        }
        if *state == flink::JobState::Failed {
            observed.failure = match cluster.exceptions(&flink_id).await {
                Ok(exceptions) => exceptions.first().map(flink::JobException::root_cause),
                Err(_) => None,
            };
        }
    }
    observed
}

async fn observe_savepoint(
    savepoint: &Savepoint,
    active_job: Option<&Job>,
    record: &EngineRecord,
    cluster: Result<&dyn FlinkCluster, &ClusterError>,
    known_locations: &[String],
) -> ObservedSavepoint {
    let progress = match (&savepoint.spec.flink_savepoint_id, cluster) {
        (None, _) => Progress::NotTriggered,
        (Some(_), Err(why)) => Progress::Unreachable(why.to_string()),
        (Some(trigger), Ok(cluster)) => {
            let job = active_job.filter(|job| Some(&job.metadata.id) == savepoint.metadata.job_id.as_ref());
            match job.and_then(flink_job_id) {
                None => Progress::Failed { cause: "the job it was taken of is no longer running".into() },
                Some(flink_id) => {
                    let trigger = TriggerId(trigger.clone());
                    match cluster.savepoint_operation(&flink_id, &trigger).await {
                        Ok(Operation::InProgress) => Progress::InProgress,
                        Ok(Operation::Completed { location: Some(location) }) => Progress::Completed { location },
                        Ok(Operation::Completed { location: None }) => {
                            Progress::Failed { cause: "Flink completed the savepoint without a location".into() }
                        }
                        Ok(Operation::Failed { cause }) => Progress::Failed { cause },
                        Err(err) if is_unknown_operation(&err) => {
                            lost_operation(cluster, &flink_id, savepoint, record, known_locations).await
                        }
                        Err(err) => Progress::Unreachable(err.user_message()),
                    }
                }
            }
        }
    };
    let not_ready_attempts = not_ready_attempts(savepoint);
    ObservedSavepoint {
        id: savepoint.metadata.id.clone(),
        origin: savepoint.metadata.origin,
        progress,
        not_ready_attempts,
    }
}

/// Flink no longer knows the trigger (its JobManager restarted, or the trigger was never received).
/// If the job was stopped with a savepoint anyway, that savepoint is found in the job's checkpoint
/// statistics, so a completed savepoint is never forgotten.
async fn lost_operation(
    cluster: &dyn FlinkCluster,
    flink_id: &JobId,
    savepoint: &Savepoint,
    record: &EngineRecord,
    known_locations: &[String],
) -> Progress {
    let stopping = matches!(&record.operation, Some(InFlight::Stop { savepoint_id, .. }) if *savepoint_id == savepoint.metadata.id);
    // The job's newest savepoint is this one unless it is already recorded as another (clocks of
    // the console and the JobManager need not agree, so times are not compared).
    if let Ok(summary) = cluster.checkpoints(flink_id).await {
        if let Some(found) = summary.latest_savepoint.filter(|s| !known_locations.contains(&s.external_path)) {
            return Progress::Completed { location: found.external_path };
        }
    }
    let job_state = cluster.job_state(flink_id).await.ok().flatten();
    match job_state {
        Some(state) if stopping && state == flink::JobState::Running => Progress::Failed {
            cause: "Flink no longer knows the stop-with-savepoint request; the job still runs".into(),
        },
        _ => Progress::Failed {
            cause: "Flink no longer knows the savepoint request (did its JobManager restart?)".into(),
        },
    }
}

fn is_unknown_operation(err: &FlinkError) -> bool {
    matches!(err, FlinkError::Rejected { status: 404, .. })
        || matches!(err, FlinkError::Rejected { message, .. } if message.contains("UnknownOperationKey") || message.contains("Unknown operation"))
}

#[cfg(test)]
mod tests {
    use flink::JobState as F;

    use super::wants_checkpoints;

    #[test]
    fn checkpoint_statistics_are_read_only_where_the_plan_uses_them() {
        // (Flink's state, a stop under way, the refresh due) → read?
        let table = [
            (F::Running, false, false, false),
            (F::Running, false, true, true),
            (F::Running, true, false, true),
            (F::Canceled, false, false, true),
            (F::Failed, false, false, true),
            (F::Restarting, false, false, true),
            (F::Failing, false, false, true),
            (F::Finished, true, true, false),
            (F::Cancelling, false, true, false),
            (F::Initializing, false, true, false),
            (F::Created, false, true, false),
            (F::Suspended, false, true, false),
            (F::Reconciling, false, true, false),
        ];
        for (state, stopping, refresh_due, read) in table {
            assert_eq!(
                wants_checkpoints(state, stopping, refresh_due),
                read,
                "{state:?} stopping={stopping} due={refresh_due}"
            );
        }
    }
}
