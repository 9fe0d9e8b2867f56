//! The Deployment resource (`metadata` / `spec` / `status`) in Ververica Platform's wire shape.
//! Field names are camelCase and enums SCREAMING_CASE on the wire, so a VVP YAML reads unchanged.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::ResourceMetadata;

/// The state a person asks for (`spec.state`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum DesiredState {
    Running,
    Suspended,
    Cancelled,
}

/// The state the engine has observed (`status.state`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum DeploymentState {
    Running,
    Cancelled,
    Suspended,
    Finished,
    Transitioning,
    Failed,
}

impl DeploymentState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Running => "RUNNING",
            Self::Cancelled => "CANCELLED",
            Self::Suspended => "SUSPENDED",
            Self::Finished => "FINISHED",
            Self::Transitioning => "TRANSITIONING",
            Self::Failed => "FAILED",
        }
    }
}

impl DesiredState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Running => "RUNNING",
            Self::Suspended => "SUSPENDED",
            Self::Cancelled => "CANCELLED",
        }
    }
}

/// Streaming or batch (`spec.executionMode`); filters the Deployments page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ExecutionMode {
    #[default]
    Streaming,
    Batch,
}

impl ExecutionMode {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Streaming => "STREAMING",
            Self::Batch => "BATCH",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum UpgradeStrategyKind {
    Stateless,
    Stateful,
    None,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RestoreStrategyKind {
    LatestState,
    LatestSavepoint,
    None,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpgradeStrategy {
    pub kind: UpgradeStrategyKind,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RestoreStrategy {
    pub kind: RestoreStrategyKind,
    #[serde(default)]
    pub allow_non_restored_state: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ArtifactKind {
    Jar,
    Sqlscript,
}

/// What a job runs: a JAR with an entry class, or a SQL script run by the bundled SQL runner.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flink_version: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TemplateSpec {
    pub artifact: Option<Artifact>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parallelism: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number_of_task_managers: Option<u32>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub flink_configuration: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Template {
    pub spec: TemplateSpec,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
    pub template: Template,
}

fn default_attempts() -> u32 {
    4
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RunningStatus {
    pub job_id: String,
    pub transition_time: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Failure {
    pub reason: String,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
        assert!(err.to_string().contains("unknown variant"), "{err}");
    }
}
