//! `FakeFlink`: a stateful, in-process stand-in for a Flink cluster, with fault switches and call
//! counters, for the engine's unit and fault-injection tests. It is never the product's default and
//! never evidence that something works with Flink (that is what the real-Flink tests are for).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use domain::job_metrics::JobMetricsSample;

use crate::{
    CheckpointSummary, ClusterOverview, CompletedCheckpoint, FlinkCluster, FlinkError, GatheredSample, JobDetails,
    JobException, JobId, JobOverview, JobState, Operation, ParallelismBounds, SampleDepth, SavepointRequest,
    SourceMetricNames, Submission, TriggerId,
};

/// What a job's metrics read at an instant (ms since the epoch, the caller's clock), given the job
/// as the fake knows it (its parallelism per vertex included); `None`: Flink reports nothing yet.
pub type MetricsModel = Arc<dyn Fn(&FakeJob, i64) -> Option<JobMetricsSample> + Send + Sync>;

/// The metrics model, printable for `Debug`.
#[derive(Clone)]
struct Model(MetricsModel);

impl std::fmt::Debug for Model {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MetricsModel")
    }
}

/// Switches that make the fake misbehave the way real clusters do.
#[derive(Debug, Clone, Default)]
pub struct Faults {
    /// Every call fails as if the cluster were down.
    pub unreachable: bool,
    /// The next N submissions are refused as a busy cluster refuses them (HTTP 500,
    /// `NoResourceAvailableException`: transient), before any job exists.
    pub fail_job_creation: u32,
    /// Every submission is refused with this answer, before any job exists, until cleared.
    pub refuse_submissions: Option<Refusal>,
    /// The next N savepoints (triggered or stop-with-savepoint) fail.
    pub fail_savepoints: u32,
    /// Operations answer IN_PROGRESS this many times before they finish (slow operations); with 0
    /// they finish when triggered, polled or not.
    pub operation_polls: u32,
    /// In-place rescales happen as soon as they are asked for (otherwise: at `apply_rescales`).
    pub rescale_at_once: bool,
}

/// An error answer of Flink's REST API: its HTTP status and its `errors` as `FlinkClient` reports
/// them (exception chain, no stack frames).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// The HTTP status Flink answered with.
    pub status: u16,
    /// Flink's `errors`, as `FlinkClient` reports them.
    pub message: String,
}

impl Refusal {
    /// Flink 2.3's answer to `POST /jars/:id/run` with an entry class the jar lacks: HTTP 500.
    pub fn unknown_entry_class(class: &str) -> Self {
        Self {
            status: 500,
            message: format!(
                "org.apache.flink.runtime.rest.handler.RestHandlerException: Could not execute application.\n\
                 Caused by: java.util.concurrent.CompletionException: org.apache.flink.util.FlinkRuntimeException: \
                 Could not execute application.\n\
                 Caused by: org.apache.flink.client.program.ProgramInvocationException: The program's entry point \
                 class '{class}' was not found in the jar file.\n\
                 Caused by: java.lang.ClassNotFoundException: {class}"
            ),
        }
    }

    /// A cluster without free task slots: HTTP 500, `NoResourceAvailableException`.
    pub fn no_resources() -> Self {
        Self {
            status: 500,
            message: "org.apache.flink.runtime.rest.handler.RestHandlerException: Could not execute application.\n\
                      Caused by: org.apache.flink.runtime.jobmanager.scheduler.NoResourceAvailableException: \
                      Could not acquire the minimum required resources."
                .into(),
        }
    }

    fn into_error(self, what: &str) -> FlinkError {
        rejected(what, self.status, self.message)
    }
}

/// How often each call was made.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Calls {
    /// Submissions, accepted or not.
    pub submit: u32,
    /// Questions about a job's state.
    pub job_state: u32,
    /// Questions about every job of the cluster at once (`GET /jobs/overview`).
    pub jobs_overview: u32,
    /// Cancellations.
    pub cancel: u32,
    /// Stop-with-savepoint requests.
    pub stop_with_savepoint: u32,
    /// Of those, the ones that drain the job first.
    pub drained_stops: u32,
    /// Savepoints and stops asked in the state backend's native format.
    pub native_savepoints: u32,
    /// Savepoint requests that leave the job running.
    pub trigger_savepoint: u32,
    /// Questions about a savepoint operation.
    pub savepoint_polls: u32,
    /// Questions about a job's checkpoints.
    pub checkpoints: u32,
    /// Savepoint disposals.
    pub dispose: u32,
    /// Metrics samples gathered (each counted as the calls a real sample would make).
    pub metrics_samples: u32,
    /// In-place rescale requests (`PUT /jobs/:id/resource-requirements`).
    pub set_resource_requirements: u32,
}

/// A job as the fake knows it.
#[derive(Debug, Clone, PartialEq)]
pub struct FakeJob {
    /// How it was submitted.
    pub submission: Submission,
    /// Its state, as Flink would report it.
    pub state: JobState,
    /// The snapshot it restored, if any.
    pub restored_from: Option<String>,
    /// Its completed checkpoints and savepoints, oldest first.
    pub checkpoints: Vec<CompletedCheckpoint>,
    /// When it was submitted, on the fake's clock (ms).
    pub started_at_ms: i64,
    /// How often it restarted (tests set it).
    pub restarts: u64,
    /// Each vertex's parallelism once an in-place rescale changed it (absent: the submission's).
    pub vertex_parallelism: BTreeMap<String, u32>,
    /// The parallelism bounds an in-place rescale asked for, not yet applied (`apply_rescales`).
    pub requested_bounds: BTreeMap<String, ParallelismBounds>,
    /// In-place rescales applied.
    pub rescales: u32,
    /// The vertex ids its metrics named (the fake knows a job's graph only from its metrics model).
    pub vertices: Vec<String>,
}

impl FakeJob {
    /// The parallelism `vertex` runs with: set by an in-place rescale, else the submission's.
    pub fn parallelism_of(&self, vertex: &str) -> u32 {
        self.vertex_parallelism.get(vertex).copied().unwrap_or_else(|| self.submission.parallelism.unwrap_or(1))
    }
}

#[derive(Debug)]
struct PendingOperation {
    polls_left: u32,
    outcome: Operation,
    /// Stop-with-savepoint: the job ends FINISHED when the savepoint succeeds.
    stops_job: bool,
    /// Whether the outcome took effect (snapshot written, job stopped); it does so once.
    settled: bool,
}

/// Flink keys asynchronous operations by job and trigger id (disposals have no job), so the same
/// trigger id names different operations for different jobs.
type OperationKey = (Option<JobId>, TriggerId);

#[derive(Debug, Default)]
struct Inner {
    jobs: BTreeMap<JobId, FakeJob>,
    snapshots: BTreeSet<String>,
    operations: BTreeMap<OperationKey, PendingOperation>,
    faults: Faults,
    calls: Calls,
    sequence: u64,
    clock_ms: i64,
    /// Whether the cluster runs the adaptive scheduler (in-place rescale).
    adaptive: bool,
    /// The cluster's configuration as `/jobmanager/config` answers it (with the scheduler's key
    /// when `adaptive`).
    configuration: BTreeMap<String, String>,
    /// The jobs' load, for metrics samples.
    metrics: Option<Model>,
}

impl Inner {
    /// Makes an operation's outcome take effect, as Flink does when it finishes the operation
    /// whether or not anyone polls: the savepoint exists, the job knows it as its latest savepoint,
    /// and a stop ends the job.
    fn settle(&mut self, key: &OperationKey) {
        let Some(pending) = self.operations.get_mut(key).filter(|p| !p.settled) else {
            return;
        };
        pending.settled = true;
        let Operation::Completed { location: Some(location) } = pending.outcome.clone() else {
            return;
        };
        let stops_job = pending.stops_job;
        self.snapshots.insert(location.clone());
        self.sequence += 1;
        self.clock_ms += 1000;
        let (id, now) = (self.sequence, self.clock_ms);
        if let Some(fake) = key.0.as_ref().and_then(|job| self.jobs.get_mut(job)) {
            fake.checkpoints.push(CompletedCheckpoint {
                id,
                external_path: location,
                completed_at_ms: now,
                is_savepoint: true,
                size_bytes: Some(4096),
            });
            if stops_job && fake.state == JobState::Running {
                fake.state = JobState::Finished;
            }
        }
    }
}

/// An in-process Flink cluster for tests: jobs, savepoints and checkpoints in memory, with fault
/// switches (`set_faults`) and call counters (`calls`). Tests move its jobs themselves.
#[derive(Debug, Default)]
pub struct FakeFlink {
    inner: Mutex<Inner>,
}

fn rejected(what: &str, status: u16, message: impl Into<String>) -> FlinkError {
    FlinkError::Rejected { what: what.to_owned(), status, message: message.into() }
}

/// What a real Flink 2.3 answered (HTTP 400) to a second `POST /jars/:id/run` with a job id it
/// already knew, running or ended, as `FlinkClient` reports it (without Java stack frames).
fn duplicate_job() -> FlinkError {
    rejected(
        "job submission",
        400,
        "org.apache.flink.runtime.rest.handler.RestHandlerException: Could not execute application.\n\
         Caused by: org.apache.flink.util.FlinkException: Failed to execute job 'fake'.\n\
         Caused by: org.apache.flink.runtime.client.DuplicateApplicationSubmissionException: \
         Application has already been submitted.",
    )
}

/// Flink parses job and trigger ids as 32 hex characters and refuses anything else with HTTP 400.
fn check_flink_id(what: &str, kind: &str, id: &str) -> Result<(), FlinkError> {
    if id.len() == 32 && id.chars().all(|c| c.is_ascii_hexdigit()) {
        return Ok(());
    }
    Err(rejected(what, 400, format!("Cannot parse {kind} from \"{id}\". The expected format is [0-9a-fA-F]{{32}}.")))
}

/// Fake ids look like Flink's (32 hex characters), so they survive the same checks.
fn fake_id(sequence: u64) -> String {
    format!("{sequence:032x}")
}

impl FakeFlink {
    /// A cluster that knows no job and answers everything.
    pub fn new() -> Self {
        Self::default()
    }

    fn with<T>(&self, f: impl FnOnce(&mut Inner) -> T) -> T {
        let mut inner = self.inner.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        f(&mut inner)
    }

    /// Changes which faults the cluster shows from now on.
    pub fn set_faults(&self, change: impl FnOnce(&mut Faults)) {
        self.with(|inner| change(&mut inner.faults));
    }

    /// How often each call was made so far.
    pub fn calls(&self) -> Calls {
        self.with(|inner| inner.calls.clone())
    }

    /// The job as the fake knows it, or `None` if it does not.
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

    /// Every job the fake knows, running or ended, by id.
    pub fn jobs(&self) -> Vec<(JobId, FakeJob)> {
        self.with(|inner| inner.jobs.iter().map(|(id, job)| (id.clone(), job.clone())).collect())
    }

    /// Forgets a job, as a restarted cluster without HA does.
    pub fn forget_job(&self, job: &JobId) {
        self.with(|inner| {
            inner.jobs.remove(job);
            inner.operations.retain(|(owner, _), _| owner.as_ref() != Some(job));
        });
    }

    /// A JobManager restart without HA: every job and every pending or finished operation is
    /// forgotten (polling an old trigger answers 404), while snapshot files on disk survive.
    pub fn restart_cluster(&self) {
        self.with(|inner| {
            inner.jobs.clear();
            inner.operations.clear();
        });
    }

    /// Lets every pending operation finish now, as time passing would on a real cluster (for a
    /// caller that lost a trigger id and so never polls it).
    pub fn finish_operations(&self) {
        self.with(|inner| {
            let keys: Vec<OperationKey> = inner.operations.keys().cloned().collect();
            for key in keys {
                if let Some(pending) = inner.operations.get_mut(&key) {
                    pending.polls_left = 0;
                }
                inner.settle(&key);
            }
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
                size_bytes: Some(1024),
            });
            inner.snapshots.insert(path.clone());
            Some(path)
        })
    }

    /// The savepoints Flink completed (triggered or by a stop) whose files still exist.
    pub fn completed_savepoints(&self) -> Vec<String> {
        self.with(|inner| {
            let savepoints = inner.jobs.values().flat_map(|job| job.checkpoints.iter()).filter(|c| c.is_savepoint);
            let mut locations: Vec<String> = savepoints.map(|c| c.external_path.clone()).collect();
            locations.retain(|location| inner.snapshots.contains(location));
            locations
        })
    }

    /// The cluster's configuration from now on (`FlinkCluster::configuration`; empty at first).
    pub fn set_configuration(&self, configuration: BTreeMap<String, String>) {
        self.with(|inner| inner.configuration = configuration);
    }

    /// Runs the adaptive scheduler (in-place rescale allowed) or not (the default).
    pub fn set_adaptive_scheduler(&self, adaptive: bool) {
        self.with(|inner| inner.adaptive = adaptive);
    }

    /// Jobs' metrics from now on come from `model`.
    pub fn set_metrics(&self, model: MetricsModel) {
        self.with(|inner| inner.metrics = Some(Model(model)));
    }

    /// Lets every requested in-place rescale happen now: each vertex runs at its upper bound (Flink
    /// restarts the job's tasks from its latest checkpoint; the job stays RUNNING under its id).
    pub fn apply_rescales(&self) {
        self.with(|inner| {
            for job in inner.jobs.values_mut().filter(|j| !j.requested_bounds.is_empty()) {
                let bounds = std::mem::take(&mut job.requested_bounds);
                for (vertex, bound) in bounds {
                    job.vertex_parallelism.insert(vertex, bound.upper_bound);
                }
                job.rescales += 1;
            }
        });
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

    fn start_savepoint(
        &self,
        job: &JobId,
        request: &SavepointRequest,
        stops_job: bool,
    ) -> Result<TriggerId, FlinkError> {
        self.with(|inner| {
            let what = if stops_job { "stop-with-savepoint" } else { "savepoint" };
            Self::reachable(inner, what)?;
            inner.calls.native_savepoints += u32::from(request.native);
            if stops_job {
                inner.calls.stop_with_savepoint += 1;
                inner.calls.drained_stops += u32::from(request.drain);
            } else {
                inner.calls.trigger_savepoint += 1;
            }
            if let Some(trigger) = &request.trigger_id {
                check_flink_id(what, "TriggerId", &trigger.0)?;
                // Like Flink, a known trigger id answers the existing operation before anything
                // else is looked at: asking again after the stop finished the job is no error, and
                // a savepoint and a stop of one job share their trigger ids.
                if inner.operations.contains_key(&(Some(job.clone()), trigger.clone())) {
                    return Ok(trigger.clone());
                }
            }
            inner.sequence += 1;
            // Flink accepts (202) a savepoint or stop of a job it does not run, ended jobs included,
            // and reports the failure, at once, when the operation is polled.
            let refusal = match inner.jobs.get(job).map(|fake| fake.state) {
                Some(JobState::Running) => None,
                Some(state) if !state.is_terminal() => {
                    Some("org.apache.flink.runtime.checkpoint.CheckpointException: Not all required tasks are currently running.".to_owned())
                }
                _ => Some(format!(
                    "java.util.concurrent.CompletionException: \
                     org.apache.flink.runtime.messages.FlinkJobNotFoundException: Could not find Flink job ({job})"
                )),
            };
            let (outcome, polls_left) = if let Some(cause) = refusal {
                (Operation::Failed { cause }, 0)
            } else if inner.faults.fail_savepoints > 0 {
                inner.faults.fail_savepoints -= 1;
                (Operation::Failed { cause: "injected: savepoint failed".into() }, inner.faults.operation_polls)
            } else {
                let directory = request.target_directory.as_deref().unwrap_or("file:///fake/savepoints");
                // Locations in the form `FlinkClient` reports them (`file:/dir/…`, never `/dir/…`).
                let scheme = if directory.starts_with('/') { "file:" } else { "" };
                let directory = directory.trim_end_matches('/');
                let location = format!("{scheme}{directory}/savepoint-{}", inner.sequence);
                (Operation::Completed { location: Some(location) }, inner.faults.operation_polls)
            };
            let trigger = request.trigger_id.clone().unwrap_or_else(|| TriggerId(fake_id(inner.sequence)));
            let key = (Some(job.clone()), trigger.clone());
            inner.operations.insert(key.clone(), PendingOperation { polls_left, outcome, stops_job, settled: false });
            // Without slow operations the savepoint is done at once, as on a healthy cluster, even if
            // nobody polls it.
            if polls_left == 0 {
                inner.settle(&key);
            }
            Ok(trigger)
        })
    }

    fn poll(&self, key: OperationKey) -> Result<Operation, FlinkError> {
        self.with(|inner| {
            Self::reachable(inner, "operation status")?;
            inner.calls.savepoint_polls += 1;
            let Some(pending) = inner.operations.get_mut(&key) else {
                return Err(rejected("operation status", 404, format!("unknown trigger {}", key.1)));
            };
            if pending.polls_left > 0 {
                pending.polls_left -= 1;
                return Ok(Operation::InProgress);
            }
            let outcome = pending.outcome.clone();
            inner.settle(&key);
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
            if let Some(job) = &submission.job_id {
                check_flink_id("job submission", "JobID", &job.0)?;
            }
            // Refused before any job exists (as a bad entry class is): the id stays free.
            if let Some(refusal) = inner.faults.refuse_submissions.clone() {
                return Err(refusal.into_error("job submission"));
            }
            if inner.faults.fail_job_creation > 0 {
                inner.faults.fail_job_creation -= 1;
                return Err(Refusal::no_resources().into_error("job submission"));
            }
            if submission.job_id.as_ref().is_some_and(|job| inner.jobs.contains_key(job)) {
                return Err(duplicate_job());
            }
            inner.sequence += 1;
            let job = submission.job_id.clone().unwrap_or_else(|| JobId(fake_id(inner.sequence)));
            // Flink finds a missing snapshot only after creating the job: it answers 400 and keeps a
            // FAILED job under the id, so a retry with the same id is a duplicate.
            let missing_snapshot = submission.restore_from.as_ref().filter(|path| !inner.snapshots.contains(*path));
            let refusal = missing_snapshot.map(|path| {
                rejected(
                    "job submission",
                    400,
                    format!(
                        "java.io.FileNotFoundException: Cannot find checkpoint or savepoint file/directory '{path}'"
                    ),
                )
            });
            let state = if refusal.is_some() { JobState::Failed } else { JobState::Running };
            inner.jobs.insert(
                job.clone(),
                FakeJob {
                    submission: submission.clone(),
                    state,
                    restored_from: submission.restore_from.clone(),
                    checkpoints: Vec::new(),
                    started_at_ms: inner.clock_ms,
                    restarts: 0,
                    vertex_parallelism: BTreeMap::new(),
                    requested_bounds: BTreeMap::new(),
                    rescales: 0,
                    vertices: Vec::new(),
                },
            );
            if let Some(refusal) = refusal {
                return Err(refusal);
            }
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

    async fn jobs(&self) -> Result<Vec<JobOverview>, FlinkError> {
        self.with(|inner| {
            Self::reachable(inner, "job overview")?;
            inner.calls.jobs_overview += 1;
            Ok(inner
                .jobs
                .iter()
                .map(|(id, job)| JobOverview {
                    jid: id.clone(),
                    name: job.submission.entry_class.clone().unwrap_or_default(),
                    state: job.state,
                    start_time: job.started_at_ms,
                    end_time: -1,
                })
                .collect())
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

    async fn stop_with_savepoint(&self, job: &JobId, request: &SavepointRequest) -> Result<TriggerId, FlinkError> {
        self.start_savepoint(job, request, true)
    }

    async fn trigger_savepoint(&self, job: &JobId, request: &SavepointRequest) -> Result<TriggerId, FlinkError> {
        self.start_savepoint(job, request, false)
    }

    async fn savepoint_operation(&self, job: &JobId, trigger: &TriggerId) -> Result<Operation, FlinkError> {
        self.poll((Some(job.clone()), trigger.clone()))
    }

    async fn checkpoints(&self, job: &JobId) -> Result<CheckpointSummary, FlinkError> {
        self.with(|inner| {
            Self::reachable(inner, "checkpoints")?;
            inner.calls.checkpoints += 1;
            let fake =
                inner.jobs.get(job).ok_or_else(|| rejected("checkpoints", 404, format!("Job {job} not found")))?;
            Ok(CheckpointSummary {
                latest_completed: fake.checkpoints.last().cloned(),
                latest_savepoint: fake.checkpoints.iter().rfind(|c| c.is_savepoint).cloned(),
                restored_from: fake.restored_from.clone(),
            })
        })
    }

    async fn job_details(&self, job: &JobId) -> Result<JobDetails, FlinkError> {
        self.with(|inner| {
            Self::reachable(inner, "job details")?;
            let fake =
                inner.jobs.get(job).ok_or_else(|| rejected("job details", 404, format!("Job {job} not found")))?;
            Ok(JobDetails {
                state: fake.state,
                start_time_ms: fake.started_at_ms,
                duration_ms: inner.clock_ms - fake.started_at_ms,
                restarts: Some(fake.restarts),
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
            let trigger = TriggerId(fake_id(inner.sequence));
            inner.operations.insert(
                (None, trigger.clone()),
                PendingOperation { polls_left: 0, outcome, stops_job: false, settled: true },
            );
            Ok(trigger)
        })
    }

    async fn disposal_operation(&self, trigger: &TriggerId) -> Result<Operation, FlinkError> {
        self.poll((None, trigger.clone()))
    }

    async fn job_metrics_sample(
        &self,
        job: &JobId,
        taken_at_ms: i64,
        depth: SampleDepth,
        _names: &mut SourceMetricNames,
    ) -> Result<GatheredSample, FlinkError> {
        self.with(|inner| {
            Self::reachable(inner, "metrics")?;
            inner.calls.metrics_samples += 1;
            let fake = inner.jobs.get(job).ok_or_else(|| rejected("metrics", 404, format!("Job {job} not found")))?;
            let sample = inner.metrics.as_ref().and_then(|model| (model.0)(fake, taken_at_ms));
            let sample = sample.ok_or_else(|| FlinkError::Unavailable("the fake has no metrics for the job".into()))?;
            if let Some(fake) = inner.jobs.get_mut(job) {
                fake.vertices = sample.vertices.iter().map(|v| v.id.clone()).collect();
            }
            let requests = match depth {
                SampleDepth::JobDetails => 1,
                SampleDepth::PerVertex => 1 + u32::try_from(sample.vertices.len()).unwrap_or(u32::MAX),
            };
            Ok(GatheredSample { sample, requests })
        })
    }

    async fn configuration(&self) -> Result<BTreeMap<String, String>, FlinkError> {
        self.with(|inner| {
            Self::reachable(inner, "configuration")?;
            let mut configuration = inner.configuration.clone();
            if inner.adaptive {
                configuration.insert("jobmanager.scheduler".into(), "adaptive".into());
            }
            Ok(configuration)
        })
    }

    async fn resource_requirements(&self, job: &JobId) -> Result<BTreeMap<String, ParallelismBounds>, FlinkError> {
        self.with(|inner| {
            Self::reachable(inner, "resource requirements")?;
            if !inner.adaptive {
                return Err(rejected("resource requirements", 500, "java.lang.UnsupportedOperationException"));
            }
            let fake = inner.jobs.get(job).ok_or_else(|| rejected("resource requirements", 404, "no such job"))?;
            if !fake.requested_bounds.is_empty() {
                return Ok(fake.requested_bounds.clone());
            }
            Ok(fake
                .vertex_parallelism
                .iter()
                .map(|(v, p)| (v.clone(), ParallelismBounds { lower_bound: 1, upper_bound: *p }))
                .collect())
        })
    }

    async fn set_resource_requirements(
        &self,
        job: &JobId,
        bounds: &BTreeMap<String, ParallelismBounds>,
    ) -> Result<(), FlinkError> {
        self.with(|inner| {
            Self::reachable(inner, "rescale")?;
            inner.calls.set_resource_requirements += 1;
            if !inner.adaptive {
                return Err(rejected(
                    "rescale",
                    500,
                    "java.lang.UnsupportedOperationException: The DefaultScheduler does not support changing the \
                     parallelism without a job restart",
                ));
            }
            let at_once = inner.faults.rescale_at_once;
            let fake = inner.jobs.get_mut(job).ok_or_else(|| rejected("rescale", 404, "no such job"))?;
            if at_once {
                let changed = bounds.iter().any(|(v, b)| fake.parallelism_of(v) != b.upper_bound);
                for (vertex, bound) in bounds {
                    fake.vertex_parallelism.insert(vertex.clone(), bound.upper_bound);
                }
                fake.rescales += u32::from(changed);
            } else {
                fake.requested_bounds = bounds.clone();
            }
            Ok(())
        })
    }

    async fn vertex_parallelism(&self, job: &JobId) -> Result<BTreeMap<String, u32>, FlinkError> {
        self.with(|inner| {
            Self::reachable(inner, "job details")?;
            let fake = inner.jobs.get(job).ok_or_else(|| rejected("job details", 404, "no such job"))?;
            Ok(fake.vertices.iter().map(|v| (v.clone(), fake.parallelism_of(v))).collect())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn submission() -> Submission {
        Submission { jar: "job.jar".into(), ..Submission::default() }
    }

    fn into_dir(directory: &str) -> SavepointRequest {
        SavepointRequest { target_directory: Some(directory.into()), trigger_id: None, drain: false, native: false }
    }

    fn with_trigger(trigger: &TriggerId) -> SavepointRequest {
        SavepointRequest { target_directory: None, trigger_id: Some(trigger.clone()), drain: false, native: false }
    }

    #[tokio::test]
    async fn stop_with_savepoint_finishes_the_job_only_when_the_savepoint_succeeds() {
        let flink = FakeFlink::new();
        flink.set_faults(|f| {
            f.fail_savepoints = 1;
            f.operation_polls = 1;
        });
        let job = flink.submit(&submission()).await.expect("submitted");
        let failing = flink.stop_with_savepoint(&job, &into_dir("/sp")).await.expect("triggered");
        assert_eq!(flink.savepoint_operation(&job, &failing).await.expect("poll"), Operation::InProgress);
        assert!(matches!(flink.savepoint_operation(&job, &failing).await.expect("poll"), Operation::Failed { .. }));
        assert_eq!(flink.job(&job).expect("job").state, JobState::Running, "a failed savepoint leaves the job running");

        let stop = flink.stop_with_savepoint(&job, &into_dir("/sp")).await.expect("triggered");
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
    async fn a_refused_submission_answers_flinks_words_and_leaves_no_job() {
        let flink = FakeFlink::new();
        flink.set_faults(|f| f.refuse_submissions = Some(Refusal::unknown_entry_class("com.example.Missing")));
        let err = flink.submit(&submission()).await.expect_err("refused");
        assert!(matches!(&err, FlinkError::Rejected { status: 500, .. }), "{err}");
        assert!(err.user_message().contains("ClassNotFoundException: com.example.Missing"), "{err}");
        assert_eq!(err.class(), crate::ErrorClass::Permanent);
        assert!(flink.jobs().is_empty());
        flink.set_faults(|f| f.fail_job_creation = 1);
        flink.set_faults(|f| f.refuse_submissions = None);
        assert_eq!(flink.submit(&submission()).await.expect_err("busy").class(), crate::ErrorClass::Transient);
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

    #[tokio::test]
    async fn a_chosen_job_id_is_used_and_a_second_submission_with_it_is_refused_as_a_duplicate() {
        let flink = FakeFlink::new();
        let chosen = JobId::random();
        let job = flink.submit(&Submission { job_id: Some(chosen.clone()), ..submission() }).await.expect("submitted");
        assert_eq!(job, chosen);
        let again = flink
            .submit(&Submission { job_id: Some(chosen.clone()), ..submission() })
            .await
            .expect_err("the id is taken");
        assert!(again.is_duplicate_job(), "{again}");
        flink.cancel(&job).await.expect("cancel");
        let after_end = flink
            .submit(&Submission { job_id: Some(chosen.clone()), ..submission() })
            .await
            .expect_err("an ended job keeps its id");
        assert!(after_end.is_duplicate_job(), "{after_end}");
        assert_eq!(flink.jobs().len(), 1, "no twin was started");

        let malformed = flink
            .submit(&Submission { job_id: Some(JobId("job-1".into())), ..submission() })
            .await
            .expect_err("Flink parses job ids as 32 hex characters");
        assert!(!malformed.is_duplicate_job());
        assert_eq!(malformed.class(), crate::ErrorClass::Permanent);
    }

    #[tokio::test]
    async fn a_submission_refused_after_the_job_was_created_keeps_its_id_as_a_failed_job() {
        let flink = FakeFlink::new();
        let chosen = JobId::random();
        let missing =
            Submission { job_id: Some(chosen.clone()), restore_from: Some("file:///nowhere".into()), ..submission() };
        let refused = flink.submit(&missing).await.expect_err("no such snapshot");
        assert!(!refused.is_duplicate_job(), "{refused}");
        assert_eq!(flink.job_state(&chosen).await.expect("answers"), Some(JobState::Failed));
        let retried = flink.submit(&Submission { restore_from: None, ..missing }).await.expect_err("the id is burnt");
        assert!(retried.is_duplicate_job(), "{retried}");

        // Refused before a job exists: the id stays free.
        let free = JobId::random();
        flink.set_faults(|f| f.fail_job_creation = 1);
        flink.submit(&Submission { job_id: Some(free.clone()), ..submission() }).await.expect_err("injected");
        assert_eq!(flink.job_state(&free).await.expect("answers"), None);
        flink.submit(&Submission { job_id: Some(free.clone()), ..submission() }).await.expect("the id is free");
    }

    #[tokio::test]
    async fn the_same_trigger_id_is_one_operation_even_after_the_stop_ended_the_job() {
        let flink = FakeFlink::new();
        flink.set_faults(|f| f.operation_polls = 1);
        let job = flink.submit(&submission()).await.expect("submitted");
        let trigger = TriggerId::random();
        assert_eq!(flink.stop_with_savepoint(&job, &with_trigger(&trigger)).await.expect("stop"), trigger);
        assert_eq!(flink.stop_with_savepoint(&job, &with_trigger(&trigger)).await.expect("again"), trigger);
        assert_eq!(flink.savepoint_operation(&job, &trigger).await.expect("poll"), Operation::InProgress);
        let Operation::Completed { location: Some(location) } =
            flink.savepoint_operation(&job, &trigger).await.expect("poll")
        else {
            panic!("the stop completes");
        };
        assert!(location.starts_with("file:///fake/savepoints/"), "the cluster's directory: {location}");
        assert_eq!(flink.job(&job).expect("job").state, JobState::Finished);
        // Asked again after the job ended: the same operation, not a failed second stop.
        assert_eq!(flink.stop_with_savepoint(&job, &with_trigger(&trigger)).await.expect("third"), trigger);
        assert_eq!(
            flink.savepoint_operation(&job, &trigger).await.expect("poll"),
            Operation::Completed { location: Some(location.clone()) }
        );
        let summary = flink.checkpoints(&job).await.expect("checkpoints");
        let savepoint = summary.latest_savepoint.expect("the stop's savepoint");
        assert_eq!(savepoint.external_path, location);
        assert!(savepoint.is_savepoint);
        assert_eq!(summary.latest_completed.map(|c| c.external_path), Some(location));
        let savepoints = flink.job(&job).expect("job").checkpoints.iter().filter(|c| c.is_savepoint).count();
        assert_eq!(savepoints, 1, "one savepoint for three requests");
        assert_eq!(flink.calls().stop_with_savepoint, 3);
    }

    #[tokio::test]
    async fn a_trigger_id_belongs_to_its_job_and_must_look_like_flinks() {
        let flink = FakeFlink::new();
        let first = flink.submit(&submission()).await.expect("submitted");
        let second = flink.submit(&submission()).await.expect("submitted");
        let trigger = TriggerId::random();
        flink.trigger_savepoint(&first, &with_trigger(&trigger)).await.expect("savepoint of the first");
        flink.trigger_savepoint(&second, &with_trigger(&trigger)).await.expect("savepoint of the second");
        let locations = [&first, &second].map(|job| flink.job(job).and_then(|j| j.checkpoints.last().cloned()));
        assert!(locations.iter().all(Option::is_some) && locations[0] != locations[1], "{locations:?}");
        // A stop reusing the savepoint's trigger id is that savepoint: the job keeps running.
        flink.stop_with_savepoint(&first, &with_trigger(&trigger)).await.expect("answered");
        assert_eq!(flink.job(&first).expect("job").state, JobState::Running);

        let malformed = TriggerId("trigger-1".into());
        let err = flink.trigger_savepoint(&first, &with_trigger(&malformed)).await.expect_err("not 32 hex characters");
        assert_eq!(err.class(), crate::ErrorClass::Permanent);
    }

    #[tokio::test]
    async fn a_savepoint_of_a_job_the_cluster_does_not_run_is_accepted_and_then_fails() {
        let flink = FakeFlink::new();
        let job = flink.submit(&submission()).await.expect("submitted");
        flink.cancel(&job).await.expect("cancel");
        for target in [job, JobId::random()] {
            let trigger = flink.stop_with_savepoint(&target, &SavepointRequest::default()).await.expect("accepted");
            let Operation::Failed { cause } = flink.savepoint_operation(&target, &trigger).await.expect("poll") else {
                panic!("a stop of a job that is not running fails");
            };
            assert!(cause.contains("FlinkJobNotFoundException"), "{cause}");
        }
    }

    #[tokio::test]
    async fn a_stop_whose_trigger_was_lost_still_ends_the_job_and_names_its_savepoint() {
        let flink = FakeFlink::new();
        flink.set_faults(|f| f.operation_polls = 3);
        let job = flink.submit(&submission()).await.expect("submitted");
        flink.stop_with_savepoint(&job, &SavepointRequest::default()).await.expect("stop");
        assert_eq!(flink.job_state(&job).await.expect("state"), Some(JobState::Running), "still in progress");
        assert_eq!(flink.checkpoints(&job).await.expect("checkpoints").latest_savepoint, None);
        flink.finish_operations();
        assert_eq!(flink.job_state(&job).await.expect("state"), Some(JobState::Finished));
        let savepoint = flink.checkpoints(&job).await.expect("checkpoints").latest_savepoint.expect("written");
        assert!(flink.snapshot_exists(&savepoint.external_path));
    }

    #[tokio::test]
    async fn a_restarted_cluster_forgets_jobs_and_operations_but_keeps_snapshot_files() {
        let flink = FakeFlink::new();
        let chosen = JobId::random();
        let job = flink.submit(&Submission { job_id: Some(chosen.clone()), ..submission() }).await.expect("submitted");
        let running = flink.submit(&submission()).await.expect("submitted");
        let trigger = TriggerId::random();
        flink.stop_with_savepoint(&job, &with_trigger(&trigger)).await.expect("stop");
        let Operation::Completed { location: Some(location) } =
            flink.savepoint_operation(&job, &trigger).await.expect("poll")
        else {
            panic!("the stop completes");
        };

        flink.restart_cluster();
        assert!(flink.jobs().is_empty());
        assert_eq!(flink.job_state(&running).await.expect("answers"), None, "the running job is gone too");
        let lost = flink.savepoint_operation(&job, &trigger).await.expect_err("the operation is forgotten");
        assert!(matches!(lost, FlinkError::Rejected { status: 404, .. }), "{lost}");
        assert!(flink.snapshot_exists(&location));
        let restored = flink
            .submit(&Submission { job_id: Some(chosen.clone()), restore_from: Some(location), ..submission() })
            .await
            .expect("the id is free again and the savepoint is still there");
        assert_eq!(restored, chosen);
        assert_eq!(flink.jobs().into_iter().map(|(id, _)| id).collect::<Vec<_>>(), vec![chosen]);
    }
}
