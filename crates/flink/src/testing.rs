//! `FakeFlink`: a stateful, in-process stand-in for a Flink cluster, with fault switches and call
//! counters, for the engine's unit and fault-injection tests. It is never the product's default and
//! never evidence that something works with Flink (that is what the real-Flink tests are for).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;

use async_trait::async_trait;

use crate::{
    CheckpointSummary, ClusterOverview, CompletedCheckpoint, FlinkCluster, FlinkError, JobException, JobId, JobState,
    Operation, Submission, TriggerId,
};

/// Switches that make the fake misbehave the way real clusters do.
#[derive(Debug, Clone, Default)]
pub struct Faults {
    /// Every call fails as if the cluster were down.
    pub unreachable: bool,
    /// The next N submissions are refused.
    pub fail_job_creation: u32,
    /// The next N savepoints (triggered or stop-with-savepoint) fail.
    pub fail_savepoints: u32,
    /// Operations answer IN_PROGRESS this many times before they finish (slow operations).
    pub operation_polls: u32,
}

/// How often each call was made.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Calls {
    pub submit: u32,
    pub job_state: u32,
    pub cancel: u32,
    pub stop_with_savepoint: u32,
    pub trigger_savepoint: u32,
    pub savepoint_polls: u32,
    pub checkpoints: u32,
    pub dispose: u32,
}

/// A job as the fake knows it.
#[derive(Debug, Clone, PartialEq)]
pub struct FakeJob {
    pub submission: Submission,
    pub state: JobState,
    pub restored_from: Option<String>,
    pub checkpoints: Vec<CompletedCheckpoint>,
}

#[derive(Debug)]
struct PendingOperation {
    job: Option<JobId>,
    polls_left: u32,
    outcome: Operation,
    /// Stop-with-savepoint: the job ends FINISHED when the savepoint succeeds.
    stops_job: bool,
}

#[derive(Debug, Default)]
struct Inner {
    jobs: BTreeMap<JobId, FakeJob>,
    snapshots: BTreeSet<String>,
    operations: BTreeMap<TriggerId, PendingOperation>,
    faults: Faults,
    calls: Calls,
    sequence: u64,
    clock_ms: i64,
}

#[derive(Debug, Default)]
pub struct FakeFlink {
    inner: Mutex<Inner>,
}

fn rejected(what: &str, status: u16, message: impl Into<String>) -> FlinkError {
    FlinkError::Rejected { what: what.to_owned(), status, message: message.into() }
}

impl FakeFlink {
    pub fn new() -> Self {
        Self::default()
    }

    fn with<T>(&self, f: impl FnOnce(&mut Inner) -> T) -> T {
        let mut inner = self.inner.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        f(&mut inner)
    }

    pub fn set_faults(&self, change: impl FnOnce(&mut Faults)) {
        self.with(|inner| change(&mut inner.faults));
    }

    pub fn calls(&self) -> Calls {
        self.with(|inner| inner.calls.clone())
    }

    pub fn job(&self, job: &JobId) -> Option<FakeJob> {
        self.with(|inner| inner.jobs.get(job).cloned())
    }

    /// Jobs that are not in a terminal state.
    pub fn active_jobs(&self) -> Vec<JobId> {
        self.with(|inner| inner.jobs.iter().filter(|(_, j)| !j.state.is_terminal()).map(|(id, _)| id.clone()).collect())
    }

    /// Changes a job's state behind the console's back (it failed, finished, was cancelled in Flink's UI).
    pub fn set_job_state(&self, job: &JobId, state: JobState) {
        self.with(|inner| {
            if let Some(fake) = inner.jobs.get_mut(job) {
                fake.state = state;
            }
        });
    }

    /// Forgets a job, as a restarted cluster without HA does.
    pub fn forget_job(&self, job: &JobId) {
        self.with(|inner| {
            inner.jobs.remove(job);
        });
    }

    /// A running job completes a checkpoint (retained on cancellation); returns its path.
    pub fn complete_checkpoint(&self, job: &JobId) -> Option<String> {
        self.with(|inner| {
            inner.sequence += 1;
            inner.clock_ms += 1000;
            let (id, now) = (inner.sequence, inner.clock_ms);
            let fake = inner.jobs.get_mut(job).filter(|j| j.state == JobState::Running)?;
            let path = format!("file:///fake/checkpoints/{job}/chk-{id}");
            fake.checkpoints.push(CompletedCheckpoint {
                id,
                external_path: path.clone(),
                completed_at_ms: now,
                is_savepoint: false,
            });
            inner.snapshots.insert(path.clone());
            Some(path)
        })
    }

    /// Whether a snapshot's files exist (not disposed).
    pub fn snapshot_exists(&self, location: &str) -> bool {
        self.with(|inner| inner.snapshots.contains(location))
    }

    fn reachable(inner: &Inner, what: &str) -> Result<(), FlinkError> {
        if inner.faults.unreachable {
            return Err(FlinkError::Unavailable(format!("fake cluster unreachable ({what})")));
        }
        Ok(())
    }

    fn start_savepoint(&self, job: &JobId, stops_job: bool) -> Result<TriggerId, FlinkError> {
        self.with(|inner| {
            let what = if stops_job { "stop-with-savepoint" } else { "savepoint" };
            Self::reachable(inner, what)?;
            if stops_job {
                inner.calls.stop_with_savepoint += 1;
            } else {
                inner.calls.trigger_savepoint += 1;
            }
            match inner.jobs.get(job) {
                None => return Err(rejected(what, 404, format!("Job {job} not found"))),
                Some(fake) if fake.state != JobState::Running => {
                    return Err(rejected(what, 409, format!("Job {job} is not running")))
                }
                Some(_) => {}
            }
            inner.sequence += 1;
            let outcome = if inner.faults.fail_savepoints > 0 {
                inner.faults.fail_savepoints -= 1;
                Operation::Failed { cause: "injected: savepoint failed".into() }
            } else {
                Operation::Completed { location: Some(format!("file:///fake/savepoints/savepoint-{}", inner.sequence)) }
            };
            let trigger = TriggerId(format!("trigger-{}", inner.sequence));
            let polls_left = inner.faults.operation_polls;
            inner
                .operations
                .insert(trigger.clone(), PendingOperation { job: Some(job.clone()), polls_left, outcome, stops_job });
            Ok(trigger)
        })
    }

    fn poll(&self, trigger: &TriggerId) -> Result<Operation, FlinkError> {
        self.with(|inner| {
            Self::reachable(inner, "operation status")?;
            inner.calls.savepoint_polls += 1;
            let Some(pending) = inner.operations.get_mut(trigger) else {
                return Err(rejected("operation status", 404, format!("unknown trigger {trigger}")));
            };
            if pending.polls_left > 0 {
                pending.polls_left -= 1;
                return Ok(Operation::InProgress);
            }
            let outcome = pending.outcome.clone();
            let (stops_job, job) = (pending.stops_job, pending.job.clone());
            if let Operation::Completed { location: Some(location) } = &outcome {
                inner.snapshots.insert(location.clone());
                if let Some(fake) = job.as_ref().and_then(|job| inner.jobs.get_mut(job)) {
                    if stops_job && fake.state == JobState::Running {
                        fake.state = JobState::Finished;
                    }
                }
            }
            Ok(outcome)
        })
    }
}

#[async_trait]
impl FlinkCluster for FakeFlink {
    async fn overview(&self) -> Result<ClusterOverview, FlinkError> {
        self.with(|inner| {
            Self::reachable(inner, "overview")?;
            let running = inner.jobs.values().filter(|j| j.state == JobState::Running).count();
            Ok(ClusterOverview {
                taskmanagers: 1,
                slots_total: 4,
                slots_available: 4u32.saturating_sub(running as u32),
                jobs_running: running as u32,
                flink_version: "fake".into(),
            })
        })
    }

    async fn submit(&self, submission: &Submission) -> Result<JobId, FlinkError> {
        self.with(|inner| {
            Self::reachable(inner, "job submission")?;
            inner.calls.submit += 1;
            if inner.faults.fail_job_creation > 0 {
                inner.faults.fail_job_creation -= 1;
                return Err(rejected("job submission", 400, "injected: job creation failed"));
            }
            if let Some(path) = &submission.restore_from {
                if !inner.snapshots.contains(path) {
                    return Err(rejected("job submission", 400, format!("java.io.FileNotFoundException: {path}")));
                }
            }
            inner.sequence += 1;
            let job = JobId(format!("{:032x}", inner.sequence));
            inner.jobs.insert(
                job.clone(),
                FakeJob {
                    submission: submission.clone(),
                    state: JobState::Running,
                    restored_from: submission.restore_from.clone(),
                    checkpoints: Vec::new(),
                },
            );
            Ok(job)
        })
    }

    async fn job_state(&self, job: &JobId) -> Result<Option<JobState>, FlinkError> {
        self.with(|inner| {
            Self::reachable(inner, "job status")?;
            inner.calls.job_state += 1;
            Ok(inner.jobs.get(job).map(|j| j.state))
        })
    }

    async fn cancel(&self, job: &JobId) -> Result<(), FlinkError> {
        self.with(|inner| {
            Self::reachable(inner, "cancellation")?;
            inner.calls.cancel += 1;
            match inner.jobs.get_mut(job) {
                None => Err(rejected("cancellation", 404, format!("Job {job} not found"))),
                Some(fake) => {
                    if !fake.state.is_terminal() {
                        fake.state = JobState::Canceled;
                    }
                    Ok(())
                }
            }
        })
    }

    async fn stop_with_savepoint(&self, job: &JobId, _target_directory: &str) -> Result<TriggerId, FlinkError> {
        self.start_savepoint(job, true)
    }

    async fn trigger_savepoint(&self, job: &JobId, _target_directory: &str) -> Result<TriggerId, FlinkError> {
        self.start_savepoint(job, false)
    }

    async fn savepoint_operation(&self, _job: &JobId, trigger: &TriggerId) -> Result<Operation, FlinkError> {
        self.poll(trigger)
    }

    async fn checkpoints(&self, job: &JobId) -> Result<CheckpointSummary, FlinkError> {
        self.with(|inner| {
            Self::reachable(inner, "checkpoints")?;
            inner.calls.checkpoints += 1;
            let fake =
                inner.jobs.get(job).ok_or_else(|| rejected("checkpoints", 404, format!("Job {job} not found")))?;
            Ok(CheckpointSummary {
                latest_completed: fake.checkpoints.last().cloned(),
                restored_from: fake.restored_from.clone(),
            })
        })
    }

    async fn exceptions(&self, job: &JobId) -> Result<Vec<JobException>, FlinkError> {
        self.with(|inner| {
            Self::reachable(inner, "exceptions")?;
            let failed = inner.jobs.get(job).is_some_and(|j| j.state == JobState::Failed);
            Ok(failed
                .then(|| JobException {
                    name: "java.lang.RuntimeException".into(),
                    stacktrace: "injected failure".into(),
                    timestamp_ms: inner.clock_ms,
                })
                .into_iter()
                .collect())
        })
    }

    async fn dispose_savepoint(&self, location: &str) -> Result<TriggerId, FlinkError> {
        self.with(|inner| {
            Self::reachable(inner, "savepoint disposal")?;
            inner.calls.dispose += 1;
            inner.sequence += 1;
            let outcome = if inner.snapshots.remove(location) {
                Operation::Completed { location: None }
            } else {
                Operation::Failed { cause: format!("java.io.FileNotFoundException: {location}") }
            };
            let trigger = TriggerId(format!("disposal-{}", inner.sequence));
            inner
                .operations
                .insert(trigger.clone(), PendingOperation { job: None, polls_left: 0, outcome, stops_job: false });
            Ok(trigger)
        })
    }

    async fn disposal_operation(&self, trigger: &TriggerId) -> Result<Operation, FlinkError> {
        self.poll(trigger)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn submission() -> Submission {
        Submission { jar: "job.jar".into(), ..Submission::default() }
    }

    #[tokio::test]
    async fn stop_with_savepoint_finishes_the_job_only_when_the_savepoint_succeeds() {
        let flink = FakeFlink::new();
        flink.set_faults(|f| {
            f.fail_savepoints = 1;
            f.operation_polls = 1;
        });
        let job = flink.submit(&submission()).await.expect("submitted");
        let failing = flink.stop_with_savepoint(&job, "/sp").await.expect("triggered");
        assert_eq!(flink.savepoint_operation(&job, &failing).await.expect("poll"), Operation::InProgress);
        assert!(matches!(flink.savepoint_operation(&job, &failing).await.expect("poll"), Operation::Failed { .. }));
        assert_eq!(flink.job(&job).expect("job").state, JobState::Running, "a failed savepoint leaves the job running");

        let stop = flink.stop_with_savepoint(&job, "/sp").await.expect("triggered");
        assert_eq!(flink.savepoint_operation(&job, &stop).await.expect("poll"), Operation::InProgress);
        let Operation::Completed { location: Some(location) } =
            flink.savepoint_operation(&job, &stop).await.expect("poll")
        else {
            panic!("the second savepoint succeeds");
        };
        assert_eq!(flink.job(&job).expect("job").state, JobState::Finished);
        let restored =
            flink.submit(&Submission { restore_from: Some(location.clone()), ..submission() }).await.expect("restore");
        assert_eq!(flink.job(&restored).expect("job").restored_from, Some(location));
        assert_eq!(flink.calls().stop_with_savepoint, 2);
    }

    #[tokio::test]
    async fn fault_switches_fail_creation_and_reachability() {
        let flink = FakeFlink::new();
        flink.set_faults(|f| f.fail_job_creation = 2);
        assert!(flink.submit(&submission()).await.is_err());
        assert!(flink.submit(&submission()).await.is_err());
        let job = flink.submit(&submission()).await.expect("third try works");
        flink.set_faults(|f| f.unreachable = true);
        let err = flink.job_state(&job).await.expect_err("down");
        assert_eq!(err.class(), crate::ErrorClass::Transient);
        flink.set_faults(|f| f.unreachable = false);
        flink.forget_job(&job);
        assert_eq!(flink.job_state(&job).await.expect("answers"), None, "a vanished job is None");
    }

    #[tokio::test]
    async fn restoring_from_a_missing_snapshot_is_refused() {
        let flink = FakeFlink::new();
        let err = flink
            .submit(&Submission { restore_from: Some("file:///nowhere".into()), ..submission() })
            .await
            .expect_err("no such snapshot");
        assert_eq!(err.class(), crate::ErrorClass::Permanent);
    }
}
