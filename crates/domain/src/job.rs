//! The Job resource: one run of a deployment, in Ververica Platform's wire shape (`JobMetadata`,
//! `JobSpec`, `JobStatus`). A job's spec is the immutable copy of the template it ran, so it must
//! never be rewritten after the job is created; only its status and `terminatedAt` move.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::wire::wire_enum;
use crate::{Failure, TemplateSpec};

wire_enum!(
    /// Where a job is in its life (`status.state`).
    JobState {
        /// Submitted, not yet running in Flink.
        Starting = "STARTING",
        /// VVP's state for a job waiting for its cluster; the console's jobs never enter it.
        Standby = "STANDBY",
        /// Running in Flink (`status.started` says since when, as which Flink job).
        Started = "STARTED",
        /// Being stopped or cancelled.
        Terminating = "TERMINATING",
        /// Ended: its submission was refused, it failed in Flink, or Flink no longer knows it.
        Failed = "FAILED",
        /// Ended: stopped with a savepoint or cancelled, by the console or in Flink.
        Terminated = "TERMINATED",
        /// Ended: a finite job completed.
        Finished = "FINISHED",
    }
);

impl JobState {
    /// Whether the job has ended for good: a deployment has at most one job that has not.
    pub fn is_terminal(self) -> bool {
        match self {
            Self::Failed | Self::Terminated | Self::Finished => true,
            Self::Starting | Self::Standby | Self::Started | Self::Terminating => false,
        }
    }
}

/// A job's `metadata`: its identity, its deployment, and when it was created and ended.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct JobMetadata {
    /// The job's id (a UUID; not Flink's job id, which is in `status.started`).
    pub id: String,
    /// The namespace of its deployment.
    pub namespace: String,
    /// The deployment the job belongs to.
    pub deployment_id: String,
    /// The deployment's name when the job was created.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deployment_name: Option<String>,
    /// Annotations; the engine keeps the fingerprint of the spec the job runs here.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
    /// When the job was created (RFC 3339).
    pub created_at: String,
    /// When the job row last changed (RFC 3339).
    pub modified_at: String,
    /// When the job ended (RFC 3339): FAILED, TERMINATED or FINISHED.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub terminated_at: Option<String>,
    /// Moves with every change of the row (optimistic concurrency).
    pub resource_version: i64,
}

/// What the job runs and from which state. As in VVP, the template's spec (`artifact`,
/// `parallelism`, `flinkConfiguration`, and uninterpreted fields such as `logging`, `resources`,
/// `kubernetes`) sits directly in the job's spec.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct JobSpec {
    /// The deployment's template spec when the job was created.
    #[serde(flatten)]
    pub template: TemplateSpec,
    /// The deployment target the job was submitted to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deployment_target_name: Option<String>,
    /// The savepoint or retained checkpoint the job restored; absent when it started without state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub savepoint_location: Option<String>,
    /// Our addition: the id of the Savepoint resource at `savepointLocation`, when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub savepoint_id: Option<String>,
    /// Whether Flink may skip restored state that maps to no operator.
    #[serde(default)]
    pub allow_non_restored_state: bool,
    /// Our addition: where the job's sources start reading (ms since the epoch), chosen in the
    /// Start dialog's initial mode; absent when the job restored state or none was chosen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_start_time_ms: Option<i64>,
}

/// Present once the job has been submitted to Flink (VVP's `JobStatusStarted`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct JobStarted {
    /// Flink's job id (32 hex digits), chosen by the console before submission.
    pub flink_job_id: String,
    /// When the job was created for submission (RFC 3339).
    pub started_at: String,
    /// When the console last saw the job in Flink (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_update_time: Option<String>,
    /// Flink's own job status (`RUNNING`, `RESTARTING`, …) as last observed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observed_flink_job_status: Option<String>,
    /// How often Flink has restarted the job, as last observed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observed_flink_job_restarts: Option<u32>,
}

/// A job's `status`: where it is in its life, as the engine observed it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct JobStatus {
    /// Where the job is in its life.
    pub state: JobState,
    /// Flink's side of the job, once it was submitted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started: Option<JobStarted>,
    /// Why the job failed, for a FAILED job.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure: Option<Failure>,
    /// Our addition: the newest completed checkpoint Flink reported for this job, restorable state
    /// when the job fails or vanishes (checkpoints are retained on cancellation).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latest_checkpoint: Option<CheckpointRecord>,
}

/// A completed checkpoint of a job: where it is and when Flink completed it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct CheckpointRecord {
    /// Where Flink wrote it (`file:/…/chk-7`); a job can be started from it.
    pub location: String,
    /// When Flink completed it (RFC 3339).
    pub completed_at: String,
}

/// A Job resource: one run of a deployment's template in Flink. A deployment has at most one job that has not ended.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Job {
    /// Always `v1`.
    pub api_version: String,
    /// Always `Job`.
    pub kind: String,
    /// Identity and lifetime.
    pub metadata: JobMetadata,
    /// What it runs and from which state.
    pub spec: JobSpec,
    /// Where it is in its life.
    pub status: JobStatus,
}

impl Job {
    /// The `kind` of every job.
    pub const KIND: &'static str = "Job";
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::ArtifactKind;

    fn vvp_job() -> serde_json::Value {
        json!({
            "apiVersion": "v1",
            "kind": "Job",
            "metadata": {
                "id": "5b2f8a64-53a4-4bd2-9bd4-1e7ff1a1f6a9",
                "namespace": "default",
                "deploymentId": "19570815-2528-4bda-a6ba-733cc29282c4",
                "deploymentName": "top-speed-windowing",
                "annotations": {"com.dataartisans.appmanager.controller.deployment.spec.version": "3"},
                "createdAt": "2021-03-01T10:00:00Z",
                "modifiedAt": "2021-03-01T11:00:00Z",
                "terminatedAt": "2021-03-01T11:00:00Z",
                "resourceVersion": 7
            },
            "spec": {
                "artifact": {
                    "kind": "JAR",
                    "jarUri": "https://repo1.maven.org/TopSpeedWindowing.jar",
                    "entryClass": "org.apache.flink.streaming.examples.windowing.TopSpeedWindowing",
                    "flinkVersion": "1.12"
                },
                "parallelism": 2,
                "numberOfTaskManagers": 1,
                "flinkConfiguration": {"execution.checkpointing.interval": "10s"},
                "logging": {"log4jLoggers": {"": "INFO"}},
                "resources": {"jobmanager": {"cpu": 1, "memory": "1G"}},
                "deploymentTarget": {"kubernetes": {"namespace": "vvp-jobs"}},
                "savepointLocation": "s3://flink/savepoints/savepoint-5b2f8a-0123456789ab",
                "allowNonRestoredState": false
            },
            "status": {
                "state": "FAILED",
                "started": {
                    "flinkJobId": "d7f1e9a3c1b24f0e8a6b5c4d3e2f1a0b",
                    "startedAt": "2021-03-01T10:00:05Z",
                    "lastUpdateTime": "2021-03-01T10:59:00Z",
                    "observedFlinkJobStatus": "FAILING",
                    "observedFlinkJobRestarts": 3
                },
                "failure": {"reason": "FlinkJobFailed", "message": "java.lang.RuntimeException: boom"}
            }
        })
    }

    #[test]
    fn a_vvp_job_reads_and_writes_back_unchanged() {
        let job: Job = serde_json::from_value(vvp_job()).expect("a VVP job parses");
        assert_eq!(job.status.state, JobState::Failed);
        assert_eq!(job.spec.template.parallelism, Some(2));
        assert_eq!(job.spec.template.artifact.as_ref().map(|a| a.kind), Some(ArtifactKind::Jar));
        assert!(job.spec.template.extra.contains_key("logging"), "uninterpreted template fields are kept");
        assert_eq!(job.spec.savepoint_location.as_deref(), Some("s3://flink/savepoints/savepoint-5b2f8a-0123456789ab"));
        let started = job.status.started.as_ref().expect("started");
        assert_eq!(started.flink_job_id, "d7f1e9a3c1b24f0e8a6b5c4d3e2f1a0b");
        assert_eq!(started.observed_flink_job_restarts, Some(3));
        assert_eq!(serde_json::to_value(&job).expect("serialises"), vvp_job());
    }

    #[test]
    fn a_job_reads_from_yaml_in_any_case() {
        let yaml = "apiVersion: v1\nkind: Job\nmetadata:\n  id: a\n  namespace: default\n  deploymentId: d\n  \
                    createdAt: '2021-03-01T10:00:00Z'\n  modifiedAt: '2021-03-01T10:00:00Z'\n  resourceVersion: 1\n\
                    spec:\n  artifact: {kind: sqlscript, sqlScript: 'SELECT 1'}\n  parallelism: 4\n  \
                    flinkConfiguration: {taskmanager.numberOfTaskSlots: 2}\nstatus:\n  state: starting\n";
        let job: Job = serde_yaml_ng::from_str(yaml).expect("a YAML job parses");
        assert_eq!(job.status.state, JobState::Starting);
        assert_eq!(job.spec.template.parallelism, Some(4));
        assert_eq!(job.spec.template.flink_configuration["taskmanager.numberOfTaskSlots"], "2");
        assert_eq!(job.spec.savepoint_location, None);
        assert!(!job.spec.allow_non_restored_state);
        let back = serde_json::to_value(&job).expect("serialises");
        assert_eq!(back["status"]["state"], "STARTING");
        assert_eq!(back["spec"]["artifact"]["kind"], "SQLSCRIPT");
    }

    #[test]
    fn unknown_job_states_are_refused() {
        let err = serde_json::from_str::<JobState>("\"RUNNING\"").expect_err("VVP jobs are STARTED, not RUNNING");
        assert!(
            err.to_string().contains("STARTING, STANDBY, STARTED, TERMINATING, FAILED, TERMINATED, FINISHED"),
            "{err}"
        );
    }

    #[test]
    fn only_failed_terminated_and_finished_jobs_have_ended() {
        let ended: Vec<_> = JobState::ALL.iter().filter(|s| s.is_terminal()).map(|s| s.as_str()).collect();
        assert_eq!(ended, ["FAILED", "TERMINATED", "FINISHED"]);
    }
}
