//! The DeploymentTarget resource: where a deployment's jobs run. `local` is the console's own
//! supervised cluster, `flinkSession` any Flink JobManager REST URL; `kubernetes` is kept as given.

use serde::{Deserialize, Serialize};

use crate::wire::wire_enum;
use crate::ResourceMetadata;

/// The console's own cluster, started and supervised from FLINK_HOME.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct LocalTarget {
    pub rest_url: String,
}

/// A Flink session cluster reached at its JobManager's REST URL.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct SessionTarget {
    pub url: String,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct DeploymentTargetSpec {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub local: Option<LocalTarget>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flink_session: Option<SessionTarget>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kubernetes: Option<serde_json::Value>,
}

impl DeploymentTargetSpec {
    /// The REST URL of the cluster, for targets the console can reach.
    pub fn rest_url(&self) -> Option<&str> {
        match (&self.local, &self.flink_session) {
            (Some(local), _) => Some(&local.rest_url),
            (None, Some(session)) => Some(&session.url),
            (None, None) => None,
        }
    }

    pub fn kind(&self) -> &'static str {
        match (&self.local, &self.flink_session, &self.kubernetes) {
            (Some(_), _, _) => "local",
            (None, Some(_), _) => "session",
            (None, None, Some(_)) => "kubernetes",
            (None, None, None) => "unknown",
        }
    }
}

wire_enum!(
    /// How a target's cluster is doing, as last seen by the console (not stored).
    TargetHealthState { Healthy = "HEALTHY", Starting = "STARTING", Unhealthy = "UNHEALTHY", Unknown = "UNKNOWN" }
);

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct TargetHealth {
    pub state: TargetHealthState,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flink_version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slots_available: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slots_total: Option<u32>,
}

impl TargetHealth {
    pub fn unknown(message: impl Into<String>) -> Self {
        Self {
            state: TargetHealthState::Unknown,
            message: Some(message.into()),
            flink_version: None,
            slots_available: None,
            slots_total: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct DeploymentTargetStatus {
    pub health: TargetHealth,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct DeploymentTarget {
    pub api_version: String,
    pub kind: String,
    pub metadata: ResourceMetadata,
    pub spec: DeploymentTargetSpec,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<DeploymentTargetStatus>,
}
