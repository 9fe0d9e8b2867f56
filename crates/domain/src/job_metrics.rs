//! One reading of a running job's graph and load, in Flink's vocabulary but without Flink's REST
//! shapes: what `flink` gathers and what the autopilot decides on. Pure data; it never asks Flink.
//!
//! It lives here, not in `flink` or `autopilot`, so neither of those depends on the other: the
//! REST client fills it, the decision reads it, and the engine can store a series of them.

use serde::{Deserialize, Serialize};

/// A job's metrics at one instant. Counters are cumulative since the job's (re)start, so two
/// samples of the same run give rates; per-second values are Flink's own (60 s) averages.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct JobMetricsSample {
    /// When the sample was taken (ms since the epoch), by the caller's clock.
    pub taken_at_ms: i64,
    /// When the job last became RUNNING (ms since the epoch; Flink's `timestamps.RUNNING`). A
    /// restart or rescale moves it, and samples of an earlier run no longer compare.
    pub running_since_ms: i64,
    /// The job's vertices (chains of operators), sources first when Flink lists them so.
    pub vertices: Vec<VertexMetrics>,
    /// The data exchanges between vertices.
    pub edges: Vec<JobEdge>,
}

/// One vertex's size and load, aggregated over its subtasks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct VertexMetrics {
    /// Flink's vertex id (32 hex characters), the key of `pipeline.jobvertex-parallelism-overrides`.
    pub id: String,
    /// The vertex's name (its chained operators).
    pub name: String,
    /// Subtasks running it now.
    pub parallelism: u32,
    /// The most subtasks it can ever have: its number of key groups.
    pub max_parallelism: u32,
    /// No other vertex feeds it: it reads from outside the job.
    pub is_source: bool,
    /// The busiest subtask's `busyTimeMsPerSecond` (0–1000); absent when Flink reported none.
    pub busy_time_ms_per_second_max: Option<f64>,
    /// The subtasks' mean `backPressuredTimeMsPerSecond` (0–1000).
    pub back_pressured_time_ms_per_second_avg: Option<f64>,
    /// Records the vertex reads per second, summed over subtasks (a source: what it reads from
    /// outside, `Source__<name>.numRecordsInPerSecond`).
    pub records_in_per_second: Option<f64>,
    /// Records read since the job started, summed over subtasks (a source: `Source__<name>.numRecordsIn`).
    pub records_in_total: Option<u64>,
    /// Records written to downstream vertices since the job started (Flink's `write-records`).
    pub records_out_total: Option<u64>,
    /// A source's backlog (`pendingRecords` summed over subtasks), where the connector reports one.
    pub pending_records: Option<f64>,
    /// Busy time since the job started, ms summed over subtasks (Flink's `accumulated-busy-time`):
    /// with two samples, the subtasks' average busy time per second.
    #[serde(default)]
    pub accumulated_busy_ms: Option<f64>,
    /// Back-pressured time since the job started, ms summed over subtasks
    /// (`accumulated-backpressured-time`).
    #[serde(default)]
    pub accumulated_back_pressured_ms: Option<f64>,
}

/// How records travel over an edge; only HASH matters to the autopilot (key groups).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ShipStrategy {
    /// Partitioned by key (`keyBy`): the downstream's parallelism splits its key groups.
    Hash,
    /// One-to-one to the subtask with the same index.
    Forward,
    /// Round-robin to all downstream subtasks.
    Rebalance,
    /// Round-robin to a subset of downstream subtasks.
    Rescale,
    /// Every record to every downstream subtask.
    Broadcast,
    /// A strategy this console does not distinguish (custom partitioners, batch exchanges).
    Other,
}

impl ShipStrategy {
    /// Reads Flink's plan spelling (`HASH`, `FORWARD`, `REBALANCE`, …).
    pub fn from_flink(name: &str) -> Self {
        match name.trim().to_ascii_uppercase().as_str() {
            "HASH" => Self::Hash,
            "FORWARD" => Self::Forward,
            "REBALANCE" => Self::Rebalance,
            "RESCALE" => Self::Rescale,
            "BROADCAST" => Self::Broadcast,
            _ => Self::Other,
        }
    }
}

/// Records flowing from one vertex to another.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct JobEdge {
    /// The upstream vertex's id.
    pub from: String,
    /// The downstream vertex's id.
    pub to: String,
    /// How records are distributed over the downstream's subtasks.
    pub ship_strategy: ShipStrategy,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flinks_ship_strategy_names_are_read() {
        assert_eq!(ShipStrategy::from_flink("HASH"), ShipStrategy::Hash);
        assert_eq!(ShipStrategy::from_flink("FORWARD"), ShipStrategy::Forward);
        assert_eq!(ShipStrategy::from_flink("REBALANCE"), ShipStrategy::Rebalance);
        assert_eq!(ShipStrategy::from_flink("CUSTOM"), ShipStrategy::Other);
    }
}
