//! The Deployment resource (`metadata` / `spec` / `status`) in Ververica Platform's wire shape.
//! Field names are camelCase and enums SCREAMING_SNAKE_CASE on the wire (read in any case), so a VVP
//! YAML reads unchanged.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::wire::{stringly, wire_enum};
use crate::{FlinkDuration, ResourceMetadata};

wire_enum!(
    /// The state a person asks for (`spec.state`).
    DesiredState { Running = "RUNNING", Suspended = "SUSPENDED", Cancelled = "CANCELLED" }
);

wire_enum!(
    /// The state the engine has observed (`status.state`).
    DeploymentState {
        Running = "RUNNING",
        Cancelled = "CANCELLED",
        Suspended = "SUSPENDED",
        Finished = "FINISHED",
        Transitioning = "TRANSITIONING",
        Failed = "FAILED",
    }
);

wire_enum!(
    /// Streaming or batch (`spec.executionMode`); filters the Deployments page.
    ExecutionMode { Streaming = "STREAMING", Batch = "BATCH" }
);

#[allow(clippy::derivable_impls, reason = "wire_enum! owns the derives; only this enum has a default")]
impl Default for ExecutionMode {
    fn default() -> Self {
        Self::Streaming
    }
}

wire_enum!(
    /// How a running job is upgraded when its spec changes (`spec.upgradeStrategy.kind`).
    UpgradeStrategyKind { Stateless = "STATELESS", Stateful = "STATEFUL", None = "NONE" }
);

wire_enum!(
    /// Which state a started job restores (`spec.restoreStrategy.kind`).
    RestoreStrategyKind { LatestState = "LATEST_STATE", LatestSavepoint = "LATEST_SAVEPOINT", None = "NONE" }
);

wire_enum!(
    /// What an artifact is (`spec.template.spec.artifact.kind`).
    ArtifactKind { Jar = "JAR", Sqlscript = "SQLSCRIPT" }
);

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct UpgradeStrategy {
    pub kind: UpgradeStrategyKind,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct RestoreStrategy {
    pub kind: RestoreStrategyKind,
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
    pub kind: ArtifactKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jar_uri: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entry_class: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub main_args: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sql_script: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub additional_dependencies: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "stringly::option")]
    pub flink_version: Option<String>,
    /// Fields this console does not interpret (e.g. `kubernetes`, `resources`), kept as given.
    #[serde(flatten)]
    pub extra: BTreeMap<String, serde_json::Value>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct TemplateSpec {
    pub artifact: Option<Artifact>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parallelism: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number_of_task_managers: Option<u32>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty", deserialize_with = "stringly::map")]
    pub flink_configuration: BTreeMap<String, String>,
    /// Fields this console does not interpret (e.g. `kubernetes`, `resources`), kept as given.
    #[serde(flatten)]
    pub extra: BTreeMap<String, serde_json::Value>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Template {
    pub spec: TemplateSpec,
    /// Fields this console does not interpret (e.g. `kubernetes`, `resources`), kept as given.
    #[serde(flatten)]
    pub extra: BTreeMap<String, serde_json::Value>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct DeploymentSpec {
    pub state: DesiredState,
    #[serde(default)]
    pub execution_mode: ExecutionMode,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deployment_target_name: Option<String>,
    pub upgrade_strategy: UpgradeStrategy,
    pub restore_strategy: RestoreStrategy,
    #[serde(default = "default_attempts")]
    pub max_savepoint_creation_attempts: u32,
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

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct RunningStatus {
    pub job_id: String,
    pub transition_time: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Failure {
    pub reason: String,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct DeploymentStatus {
    pub state: DeploymentState,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub running: Option<RunningStatus>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure: Option<Failure>,
}

/// A Deployment as stored and served: always fully specified.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Deployment {
    pub api_version: String,
    pub kind: String,
    pub metadata: ResourceMetadata,
    pub spec: DeploymentSpec,
    pub status: DeploymentStatus,
}

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
