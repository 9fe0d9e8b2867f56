//! The `FlinkCluster` boundary: everything the engine may ask of a Flink cluster. The real
//! implementation is `FlinkClient`; `testing::FakeFlink` stands in for unit and fault tests only.

use std::collections::BTreeMap;
use std::path::PathBuf;

use async_trait::async_trait;

use crate::{
    CheckpointSummary, ClaimMode, ClusterOverview, FlinkClient, FlinkError, GatheredSample, JobDetails, JobException,
    JobId, JobOverview, JobState, Operation, ParallelismBounds, RunJar, SampleDepth, SourceMetricNames, TriggerId,
};

/// One job to start: an artifact on local disk and how to run it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Submission {
    /// The Flink job id to use. A caller that records the id before submitting can, after a crash,
    /// find the job it may have started; a second submission with the same id is refused
    /// (`FlinkError::is_duplicate_job`) instead of starting a twin. `None`: Flink picks one.
    pub job_id: Option<JobId>,
    /// The JAR on local disk; uploaded if the cluster lacks it.
    pub jar: PathBuf,
    /// The class whose `main` builds the job; `None`: the JAR manifest's `Main-Class`.
    pub entry_class: Option<String>,
    /// The program's arguments.
    pub args: Vec<String>,
    /// The job's default parallelism; `None`: the cluster's.
    pub parallelism: Option<u32>,
    /// A savepoint or retained checkpoint to restore from.
    pub restore_from: Option<String>,
    /// Start even if some restored state maps to no operator.
    pub allow_non_restored_state: bool,
    /// Whether the job takes ownership of the snapshot it restores; `None`: Flink's default (NO_CLAIM).
    pub claim_mode: Option<ClaimMode>,
    /// Flink configuration options for this job only.
    pub flink_configuration: BTreeMap<String, String>,
}

/// How to take a savepoint (plain or stop-with-savepoint).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SavepointRequest {
    /// Where to write it; `None` uses the cluster's `execution.checkpointing.savepoint-dir`.
    pub target_directory: Option<String>,
    /// The operation's id, chosen by the caller. Flink keeps one operation per job and trigger id:
    /// posting the same id again answers the same trigger and starts nothing new, so a caller that
    /// recorded the id before asking can safely ask again after a crash. `None`: Flink picks one.
    pub trigger_id: Option<TriggerId>,
    /// Stop-with-savepoint only: drain the job first (Flink sends MAX_WATERMARK, so event-time
    /// timers and windows fire) before it ends. Ignored by a plain savepoint.
    pub drain: bool,
    /// Take it in the state backend's native format (`formatType: NATIVE`) instead of the canonical one.
    pub native: bool,
}

/// One Flink cluster as the engine uses it: the real REST client, or a fake in tests.
#[async_trait]
pub trait FlinkCluster: Send + Sync {
    /// The cluster at a glance: TaskManagers, slots, Flink version.
    async fn overview(&self) -> Result<ClusterOverview, FlinkError>;
    /// Uploads the artifact if the cluster lacks it, then starts the job.
    async fn submit(&self, submission: &Submission) -> Result<JobId, FlinkError>;
    /// The job's state, or `None` if the cluster does not know the job (it vanished).
    async fn job_state(&self, job: &JobId) -> Result<Option<JobState>, FlinkError>;
    /// Every job the cluster knows, running or ended, with its state: one call for the whole
    /// cluster (`GET /jobs/overview`), which is how the engine watches jobs at rest.
    async fn jobs(&self) -> Result<Vec<JobOverview>, FlinkError>;
    /// Cancels the job (no savepoint); a job Flink does not know is a 404 refusal.
    async fn cancel(&self, job: &JobId) -> Result<(), FlinkError>;
    /// Stop-with-savepoint (drained when `request.drain`): the job ends FINISHED once the savepoint is taken.
    async fn stop_with_savepoint(&self, job: &JobId, request: &SavepointRequest) -> Result<TriggerId, FlinkError>;
    /// A savepoint that leaves the job running.
    async fn trigger_savepoint(&self, job: &JobId, request: &SavepointRequest) -> Result<TriggerId, FlinkError>;
    /// Where the savepoint (or stop-with-savepoint) `trigger` of `job` stands.
    async fn savepoint_operation(&self, job: &JobId, trigger: &TriggerId) -> Result<Operation, FlinkError>;
    /// The job's newest completed checkpoint and savepoint, and what it restored from.
    async fn checkpoints(&self, job: &JobId) -> Result<CheckpointSummary, FlinkError>;
    /// The job's exception history, newest first (why it failed or restarted).
    async fn exceptions(&self, job: &JobId) -> Result<Vec<JobException>, FlinkError>;
    /// The job at a glance: state, start, duration, restarts.
    async fn job_details(&self, job: &JobId) -> Result<JobDetails, FlinkError>;
    /// Asks Flink to delete the savepoint's files at `location`; poll `disposal_operation` for the outcome.
    async fn dispose_savepoint(&self, location: &str) -> Result<TriggerId, FlinkError>;
    /// Where the disposal `trigger` stands.
    async fn disposal_operation(&self, trigger: &TriggerId) -> Result<Operation, FlinkError>;
    /// One metrics sample of a running job for the Autopilot (`FlinkClient::job_metrics_sample`).
    async fn job_metrics_sample(
        &self,
        job: &JobId,
        taken_at_ms: i64,
        depth: SampleDepth,
        names: &mut SourceMetricNames,
    ) -> Result<GatheredSample, FlinkError>;
    /// The cluster's configuration, key by key (`GET /jobmanager/config`; Flink hides secrets): what
    /// a job submitted there runs under, its own options layered over it.
    async fn configuration(&self) -> Result<BTreeMap<String, String>, FlinkError>;
    /// Whether the cluster runs the adaptive scheduler (`jobmanager.scheduler: adaptive`), the only
    /// one that rescales a running job in place: read from its configuration.
    async fn adaptive_scheduler(&self) -> Result<bool, FlinkError> {
        let config = self.configuration().await?;
        Ok(config.get("jobmanager.scheduler").is_some_and(|s| s.trim().eq_ignore_ascii_case("adaptive")))
    }
    /// Each vertex's parallelism bounds (adaptive scheduler only; others refuse, permanently).
    async fn resource_requirements(&self, job: &JobId) -> Result<BTreeMap<String, ParallelismBounds>, FlinkError>;
    /// Rescales a running job in place, naming every vertex (adaptive scheduler only).
    async fn set_resource_requirements(
        &self,
        job: &JobId,
        bounds: &BTreeMap<String, ParallelismBounds>,
    ) -> Result<(), FlinkError>;
    /// Each vertex's parallelism now, by vertex id (`GET /jobs/:id`).
    async fn vertex_parallelism(&self, job: &JobId) -> Result<BTreeMap<String, u32>, FlinkError>;
}

#[async_trait]
impl FlinkCluster for FlinkClient {
    async fn overview(&self) -> Result<ClusterOverview, FlinkError> {
        FlinkClient::overview(self).await
    }

    async fn submit(&self, submission: &Submission) -> Result<JobId, FlinkError> {
        let jar = self.upload_jar(&submission.jar).await?;
        let request = RunJar {
            job_id: submission.job_id.clone(),
            entry_class: submission.entry_class.clone(),
            program_args_list: submission.args.clone(),
            parallelism: submission.parallelism,
            savepoint_path: submission.restore_from.clone(),
            allow_non_restored_state: submission.allow_non_restored_state,
            claim_mode: submission.claim_mode,
            flink_configuration: submission.flink_configuration.clone(),
        };
        match self.run_jar(&jar, &request).await {
            Err(err) if err.is_missing_jar() => {
                self.forget_jar(&jar);
                let jar = self.upload_jar(&submission.jar).await?;
                self.run_jar(&jar, &request).await
            }
            ran => ran,
        }
    }

    async fn job_state(&self, job: &JobId) -> Result<Option<JobState>, FlinkError> {
        match FlinkClient::job_state(self, job).await {
            Ok(state) => Ok(Some(state)),
            Err(FlinkError::Rejected { status: 404, .. }) => Ok(None),
            Err(err) => Err(err),
        }
    }

    async fn jobs(&self) -> Result<Vec<JobOverview>, FlinkError> {
        FlinkClient::jobs(self).await
    }

    async fn cancel(&self, job: &JobId) -> Result<(), FlinkError> {
        FlinkClient::cancel(self, job).await
    }

    async fn stop_with_savepoint(&self, job: &JobId, request: &SavepointRequest) -> Result<TriggerId, FlinkError> {
        FlinkClient::stop_with_savepoint(self, job, request, request.drain).await
    }

    async fn trigger_savepoint(&self, job: &JobId, request: &SavepointRequest) -> Result<TriggerId, FlinkError> {
        FlinkClient::trigger_savepoint(self, job, request).await
    }

    async fn savepoint_operation(&self, job: &JobId, trigger: &TriggerId) -> Result<Operation, FlinkError> {
        FlinkClient::savepoint_operation(self, job, trigger).await
    }

    async fn checkpoints(&self, job: &JobId) -> Result<CheckpointSummary, FlinkError> {
        FlinkClient::checkpoints(self, job).await
    }

    async fn exceptions(&self, job: &JobId) -> Result<Vec<JobException>, FlinkError> {
        FlinkClient::exceptions(self, job).await
    }

    async fn job_details(&self, job: &JobId) -> Result<JobDetails, FlinkError> {
        FlinkClient::job_details(self, job).await
    }

    async fn dispose_savepoint(&self, location: &str) -> Result<TriggerId, FlinkError> {
        FlinkClient::dispose_savepoint(self, location).await
    }

    async fn disposal_operation(&self, trigger: &TriggerId) -> Result<Operation, FlinkError> {
        FlinkClient::disposal_operation(self, trigger).await
    }

    async fn job_metrics_sample(
        &self,
        job: &JobId,
        taken_at_ms: i64,
        depth: SampleDepth,
        names: &mut SourceMetricNames,
    ) -> Result<GatheredSample, FlinkError> {
        FlinkClient::job_metrics_sample(self, job, taken_at_ms, depth, names).await
    }

    async fn configuration(&self) -> Result<BTreeMap<String, String>, FlinkError> {
        FlinkClient::jobmanager_config(self).await
    }

    async fn resource_requirements(&self, job: &JobId) -> Result<BTreeMap<String, ParallelismBounds>, FlinkError> {
        FlinkClient::resource_requirements(self, job).await
    }

    async fn set_resource_requirements(
        &self,
        job: &JobId,
        bounds: &BTreeMap<String, ParallelismBounds>,
    ) -> Result<(), FlinkError> {
        FlinkClient::set_resource_requirements(self, job, bounds).await
    }

    async fn vertex_parallelism(&self, job: &JobId) -> Result<BTreeMap<String, u32>, FlinkError> {
        let vertices = FlinkClient::vertices(self, job).await?;
        Ok(vertices.into_iter().map(|v| (v.id, v.parallelism)).collect())
    }
}
