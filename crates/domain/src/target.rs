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
    /// The REST URL of the supervised cluster's JobManager.
    pub rest_url: String,
}

/// A Flink session cluster reached at its JobManager's REST URL.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct SessionTarget {
    /// The JobManager's REST URL (e.g. `http://flink:8081`).
    pub url: String,
}

/// A target's `spec`: which kind of cluster it is and how to reach it; exactly one field is set.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct DeploymentTargetSpec {
    /// The console's own supervised cluster.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub local: Option<LocalTarget>,
    /// A Flink session cluster reached at its REST URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flink_session: Option<SessionTarget>,
    /// VVP's Kubernetes target, kept as given; the console cannot run jobs on it.
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

    /// The kind of target, for lists: `local`, `session`, `kubernetes` or `unknown`.
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
    TargetHealthState {
        /// The cluster answers and has TaskManagers.
        Healthy = "HEALTHY",
        /// Starting up: the console's own cluster is launching, or a cluster answers without TaskManagers yet.
        Starting = "STARTING",
        /// The cluster does not answer, failed, or was stopped (`message` says which).
        Unhealthy = "UNHEALTHY",
        /// Not known: the console has not looked (yet).
        Unknown = "UNKNOWN",
    }
);

/// How a target's cluster is doing, as last seen by the console.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct TargetHealth {
    /// HEALTHY, STARTING, UNHEALTHY or UNKNOWN.
    pub state: TargetHealthState,
    /// Why it is not healthy, in words for a person.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// The Flink version the cluster reports.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flink_version: Option<String>,
    /// Task slots free for new jobs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slots_available: Option<u32>,
    /// Task slots in the cluster.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slots_total: Option<u32>,
}

impl TargetHealth {
    /// Health not known: `message` says why (e.g. the cluster could not be asked).
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

/// A target's `status`, filled in when served (not stored).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct DeploymentTargetStatus {
    /// How its cluster is doing.
    pub health: TargetHealth,
}

/// A DeploymentTarget resource: a Flink cluster deployments run their jobs on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct DeploymentTarget {
    /// Always `v1`.
    pub api_version: String,
    /// Always `DeploymentTarget`.
    pub kind: String,
    /// Identity and labels.
    pub metadata: ResourceMetadata,
    /// Which cluster and how to reach it.
    pub spec: DeploymentTargetSpec,
    /// Health, when served.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<DeploymentTargetStatus>,
}
