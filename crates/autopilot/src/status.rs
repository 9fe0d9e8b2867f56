//! What the console knows of a deployment's Autopilot at a glance: the answer of `GET
//! …/deployments/{id}/autopilot`, for the deployment page's recommendation and chart. Pure data;
//! the engine fills it from its sampler's memory.

use domain::autopilot::Mode;
use domain::job_metrics::JobMetricsSample;
use serde::{Deserialize, Serialize};

use crate::decision::{AutopilotState, Decision};

/// A deployment's Autopilot now.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct AutopilotStatus {
    /// The policy's mode (`spec.autopilot.mode`; DISABLED when absent).
    pub mode: Mode,
    /// Why there is no decision yet, or what the sampler is waiting for, in words; absent while it
    /// samples the running job.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub waiting_for: Option<String>,
    /// The Flink job the samples are of.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flink_job_id: Option<String>,
    /// Whether the job's cluster rescales in place (adaptive scheduler); absent until asked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub in_place_rescale: Option<bool>,
    /// How often the job is sampled, in seconds.
    pub sample_interval_seconds: u64,
    /// The newest decision, with every vertex's numbers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decision: Option<Decision>,
    /// Flink REST calls the newest decision cost (its sample, plus the scheduler check once per job).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flink_calls_per_decision: Option<u32>,
    /// What the Autopilot remembers (cool-down, STABLE's clocks, waiting scale-downs).
    pub state: AutopilotState,
    /// The samples of the job's current run, oldest first, trimmed to the metrics window: the
    /// chart's data. Kept in the console's memory only: a restart of the console starts a new
    /// window (and so waits a full window before the next decision).
    pub samples: Vec<JobMetricsSample>,
}
