//! The Deployment resource (`metadata` / `spec` / `status`) in Ververica Platform's wire shape.
//! Field names are camelCase and enums SCREAMING_SNAKE_CASE on the wire (read in any case), so a VVP
//! YAML reads unchanged.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::wire::{stringly, wire_enum};
use crate::{FlinkDuration, ResourceMetadata};

wire_enum!(
    /// The state a person asks for (`spec.state`).
    DesiredState {
        /// A job should run: start one (restored per the restore strategy) if none does.
        Running = "RUNNING",
        /// No job should run, and its state is kept: stop the job with a savepoint.
        Suspended = "SUSPENDED",
        /// No job should run, and no savepoint is taken: cancel the job.
        Cancelled = "CANCELLED",
    }
);

wire_enum!(
    /// The state the engine has observed (`status.state`).
    DeploymentState {
        /// The deployment's job runs in Flink (`status.running` names it).
        Running = "RUNNING",
        /// No job runs; the last one was cancelled without a savepoint.
        Cancelled = "CANCELLED",
        /// No job runs; the last one was stopped with a savepoint, which the next start restores.
        Suspended = "SUSPENDED",
        /// The job (a finite one, e.g. batch) completed; cancel the deployment to run it again.
        Finished = "FINISHED",
        /// The engine is moving the deployment towards the desired state (starting, stopping, upgrading).
        Transitioning = "TRANSITIONING",
        /// The engine cannot reach the desired state without a change from a person (`status.failure` says why).
        Failed = "FAILED",
    }
);

wire_enum!(
    /// Streaming or batch (`spec.executionMode`); filters the Deployments page.
    ExecutionMode {
        /// An unbounded job that runs until stopped.
        Streaming = "STREAMING",
        /// A bounded job that finishes when its input is read.
        Batch = "BATCH",
    }
);

#[allow(clippy::derivable_impls, reason = "wire_enum! owns the derives; only this enum has a default")]
impl Default for ExecutionMode {
    fn default() -> Self {
        Self::Streaming
    }
}

wire_enum!(
    /// How a running job is upgraded when its spec changes (`spec.upgradeStrategy.kind`).
    UpgradeStrategyKind {
        /// Cancel the job and start the new spec without state.
        Stateless = "STATELESS",
        /// Stop the job with a savepoint and start the new spec from it.
        Stateful = "STATEFUL",
        /// Leave the running job as it is; the change applies at its next start.
        None = "NONE",
    }
);

wire_enum!(
    /// Which state a started job restores (`spec.restoreStrategy.kind`).
    RestoreStrategyKind {
        /// The newest of the deployment's savepoints and retained checkpoints.
        LatestState = "LATEST_STATE",
        /// The newest of the deployment's savepoints; checkpoints are never restored.
        LatestSavepoint = "LATEST_SAVEPOINT",
        /// No state: every job starts empty.
        None = "NONE",
    }
);

wire_enum!(
    /// What an artifact is (`spec.template.spec.artifact.kind`).
    ArtifactKind {
        /// A JAR whose entry class builds the job (`jarUri`, `entryClass`, `mainArgs`).
        Jar = "JAR",
        /// SQL statements (`sqlScript`) run by the bundled SQL runner JAR.
        Sqlscript = "SQLSCRIPT",
    }
);

/// `spec.upgradeStrategy`: what the engine does to a running job whose spec changed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct UpgradeStrategy {
    /// STATELESS, STATEFUL or NONE.
    pub kind: UpgradeStrategyKind,
}

/// `spec.restoreStrategy`: which state a new job of the deployment starts from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct RestoreStrategy {
    /// LATEST_STATE, LATEST_SAVEPOINT or NONE.
    pub kind: RestoreStrategyKind,
    /// Let Flink start a job even if some restored state maps to no operator (`--allowNonRestoredState`).
    #[serde(default)]
    pub allow_non_restored_state: bool,
    /// Our addition: a retained checkpoint older than this is not used when a job that cannot take
    /// a savepoint falls back to its last checkpoint (absent: any age).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_checkpoint_age: Option<FlinkDuration>,
}

/// What a job runs: a JAR with an entry class, or a SQL script run by the bundled SQL runner.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Artifact {
    /// JAR or SQLSCRIPT.
    pub kind: ArtifactKind,
    /// Where the job's JAR is: `artifact:///<name>` (an artifact uploaded to the deployment's
    /// namespace), `file://` or an absolute path inside the console's artifact directories, or an
    /// `http(s)://` URL the console downloads when a job starts; JAR artifacts only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jar_uri: Option<String>,
    /// The class whose `main` runs the job; absent: the JAR manifest's `Main-Class`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entry_class: Option<String>,
    /// The program arguments, one string split as a shell would.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub main_args: Option<String>,
    /// The SQL statements a SQLSCRIPT artifact runs through the bundled SQL runner.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sql_script: Option<String>,
    /// Further JARs the job needs on its class path.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub additional_dependencies: Vec<String>,
    /// The Flink version the artifact was built for (e.g. `1.20`); informational.
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "stringly::option")]
    pub flink_version: Option<String>,
    /// Fields this console does not interpret (e.g. `kubernetes`, `resources`), kept as given.
    #[serde(flatten)]
    pub extra: BTreeMap<String, serde_json::Value>,
}

/// What every job of a deployment runs (`spec.template.spec`), copied into each job's spec.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct TemplateSpec {
    /// The program; required before the deployment can run.
    pub artifact: Option<Artifact>,
    /// The job's default parallelism (Flink's `parallelism.default`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parallelism: Option<u32>,
    /// How many TaskManagers the job wants; informational on a session cluster.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number_of_task_managers: Option<u32>,
    /// Flink configuration options for the job (e.g. `execution.checkpointing.interval`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty", deserialize_with = "stringly::map")]
    pub flink_configuration: BTreeMap<String, String>,
    /// Fields this console does not interpret (e.g. `kubernetes`, `resources`), kept as given.
    #[serde(flatten)]
    pub extra: BTreeMap<String, serde_json::Value>,
}

/// `spec.template`: the job template every job of the deployment is made from.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Template {
    /// What the jobs run.
    pub spec: TemplateSpec,
    /// Fields this console does not interpret (e.g. `kubernetes`, `resources`), kept as given.
    #[serde(flatten)]
    pub extra: BTreeMap<String, serde_json::Value>,
}

/// A deployment's `spec`: everything a person asks for. Only people write it; the engine reads it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct DeploymentSpec {
    /// The state the deployment should be in; the engine works towards it.
    pub state: DesiredState,
    /// STREAMING (the default) or BATCH; passed to Flink as `execution.runtime-mode`.
    #[serde(default)]
    pub execution_mode: ExecutionMode,
    /// The name of the deployment target its jobs run on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deployment_target_name: Option<String>,
    /// What happens to a running job when the spec changes.
    pub upgrade_strategy: UpgradeStrategy,
    /// Which state a new job starts from.
    pub restore_strategy: RestoreStrategy,
    /// How often a stop-with-savepoint is tried before the engine gives up (status FAILED); default 4.
    #[serde(default = "default_attempts")]
    pub max_savepoint_creation_attempts: u32,
    /// How many failed job creations the engine tolerates before it gives up (status FAILED); default 4.
    #[serde(default = "default_attempts")]
    pub max_job_creation_attempts: u32,
    /// Failed job creations older than this no longer count against `maxJobCreationAttempts`
    /// (absent or 0: they always count).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job_failure_expiration_time: Option<FlinkDuration>,
    /// Changing it restarts a running job with the same spec (by its upgrade strategy).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restart_nonce: Option<i64>,
    /// Changing it takes a savepoint of the running job (origin USER_REQUEST).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub savepoint_trigger_nonce: Option<i64>,
    /// Our addition: periodic savepoints and how many the console keeps.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub savepoint_policy: Option<SavepointPolicy>,
    /// Our addition (Alibaba's and Ververica's Autopilot): whether the console recommends or applies
    /// the job's parallelism from its metrics, and within which limits. Absent: DISABLED. Not part
    /// of what a job runs, so changing it never restarts the job.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub autopilot: Option<crate::autopilot::AutopilotPolicy>,
    /// What the jobs run.
    pub template: Template,
    /// Fields this console does not interpret (e.g. `kubernetes`, `resources`), kept as given.
    #[serde(flatten)]
    pub extra: BTreeMap<String, serde_json::Value>,
}

/// Periodic savepoints of a running job, and retention of the savepoints the console took. Retention
/// never deletes USER_REQUEST or COPIED savepoints, nor the newest restorable one.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct SavepointPolicy {
    /// Take a savepoint (origin PERIODIC) this often while the job runs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval: Option<FlinkDuration>,
    /// Keep at most this many of the deployment's savepoints that retention may delete.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_count: Option<u32>,
    /// Delete those older than this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_age: Option<FlinkDuration>,
}

fn default_attempts() -> u32 {
    4
}

/// `status.running`: which job the deployment runs, present while it is RUNNING.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct RunningStatus {
    /// The id of the deployment's running Job resource.
    pub job_id: String,
    /// When the deployment became RUNNING (RFC 3339).
    pub transition_time: String,
}

/// Why something failed: a machine-readable reason and Flink's or the engine's words.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Failure {
    /// A short CamelCase code (e.g. `JobCreationFailed`, `TooManyFailedSavepointAttempts`).
    pub reason: String,
    /// What happened, for a person to read.
    pub message: String,
}

/// A deployment's `status`: what the engine has observed. Only the engine writes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct DeploymentStatus {
    /// Where the deployment is.
    pub state: DeploymentState,
    /// The running job, while RUNNING.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub running: Option<RunningStatus>,
    /// Why the deployment FAILED, while it is FAILED.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure: Option<Failure>,
}

/// A Deployment as stored and served: always fully specified.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Deployment {
    /// Always `v1`.
    pub api_version: String,
    /// Always `Deployment`.
    pub kind: String,
    /// Identity, labels, and `resourceVersion` (moves with every change a person makes).
    pub metadata: ResourceMetadata,
    /// What a person asked for.
    pub spec: DeploymentSpec,
    /// What the engine observed.
    pub status: DeploymentStatus,
}

/// The `apiVersion` of every resource.
pub const API_VERSION: &str = "v1";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enums_use_the_vvp_wire_names() {
        let json = serde_json::json!({
            "state": "RUNNING",
            "upgradeStrategy": {"kind": "STATEFUL"},
            "restoreStrategy": {"kind": "LATEST_STATE", "allowNonRestoredState": true},
            "template": {"spec": {"artifact": {"kind": "JAR", "jarUri": "file:///x.jar"}, "parallelism": 2}}
        });
        let spec: DeploymentSpec = serde_json::from_value(json).expect("a VVP spec parses");
        assert_eq!(spec.state, DesiredState::Running);
        assert_eq!(spec.execution_mode, ExecutionMode::Streaming);
        assert_eq!(spec.restore_strategy.kind, RestoreStrategyKind::LatestState);
        assert_eq!(spec.max_job_creation_attempts, 4);
        let back = serde_json::to_value(&spec).expect("serialises");
        assert_eq!(back["restoreStrategy"]["kind"], "LATEST_STATE");
        assert_eq!(back["template"]["spec"]["artifact"]["jarUri"], "file:///x.jar");
    }

    #[test]
    fn unknown_enum_values_are_refused() {
        let err = serde_json::from_str::<DesiredState>("\"PAUSED\"").expect_err("not a state");
        assert!(err.to_string().contains("expected one of RUNNING, SUSPENDED, CANCELLED"), "{err}");
    }

    #[test]
    fn enums_are_read_in_any_case_and_written_in_capitals() {
        let kind: RestoreStrategyKind = serde_json::from_str("\"latest_savepoint\"").expect("lowercase");
        assert_eq!(kind, RestoreStrategyKind::LatestSavepoint);
        assert_eq!(serde_json::to_string(&kind).expect("serialises"), "\"LATEST_SAVEPOINT\"");
    }
}
