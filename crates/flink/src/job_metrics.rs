//! Gathers one `domain::job_metrics::JobMetricsSample` of a running job in as few REST calls as
//! Flink 2.3 allows: the job's details (graph, parallelism, edges) and one call per vertex for its
//! subtasks' aggregated metrics; a source's operator metric names are listed once per job and kept
//! by the caller. It never decides anything about the numbers.
//!
//! Observed on Flink 2.3 (docs/autopilot.md has the commands): `…/subtasks/metrics?get=a,b,…`
//! takes any number of names in any order, but one name the vertex does not report (e.g. a
//! `pendingRecords` the connector lacks) empties the whole answer (`[]`), so optional names must
//! be known before they are asked for; a DataGeneratorSource counts only `Source__<name>.numRecordsOut`
//! (its `numRecordsIn` stays 0), as the operator's fallback expects.

use std::collections::BTreeMap;

use domain::job_metrics::{JobEdge, JobMetricsSample, ShipStrategy, VertexMetrics};
use serde::Deserialize;

use crate::{AggregatedMetric, FlinkClient, FlinkError, JobId};

/// Task metrics every vertex reports; asked in one call per vertex.
const TASK_METRICS: [&str; 5] =
    ["busyTimeMsPerSecond", "backPressuredTimeMsPerSecond", "numRecordsIn", "numRecordsInPerSecond", "numRecordsOut"];

/// The operator metric names of each source vertex, found by listing its metrics once. Keep one
/// per job between samples to save that listing; a fresh one only costs the listing again.
#[derive(Debug, Clone, Default)]
pub struct SourceMetricNames {
    job: Option<JobId>,
    by_vertex: BTreeMap<String, SourceNames>,
}

impl SourceMetricNames {
    /// Whether the source vertex's operator metrics have been listed (they appear a few seconds
    /// after a start).
    pub fn listed(&self, vertex: &str) -> bool {
        self.by_vertex.contains_key(vertex)
    }

    /// Whether a listed source reports a backlog (`pendingRecords`): only per-vertex samples see it.
    pub fn reports_backlog(&self) -> bool {
        self.by_vertex.values().any(|names| names.pending_records.is_some())
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct SourceNames {
    records_in: Option<String>,
    records_in_per_second: Option<String>,
    records_out: Option<String>,
    records_out_per_second: Option<String>,
    pending_records: Option<String>,
}

impl SourceNames {
    fn from_listing(names: &[String]) -> Self {
        let find = |suffix: &str| names.iter().find(|n| n.starts_with("Source__") && n.ends_with(suffix)).cloned();
        Self {
            records_in: find(".numRecordsIn"),
            records_in_per_second: find(".numRecordsInPerSecond"),
            records_out: find(".numRecordsOut"),
            records_out_per_second: find(".numRecordsOutPerSecond"),
            // Connectors report it on the source operator (`Source__<name>.pendingRecords`).
            pending_records: names.iter().find(|n| n.ends_with(".pendingRecords") || *n == "pendingRecords").cloned(),
        }
    }

    fn all(&self) -> impl Iterator<Item = &str> {
        [
            &self.records_in,
            &self.records_in_per_second,
            &self.records_out,
            &self.records_out_per_second,
            &self.pending_records,
        ]
        .into_iter()
        .filter_map(|n| n.as_deref())
    }
}

/// How much a sample asks of Flink.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SampleDepth {
    /// `GET /jobs/:id` and one metrics call per vertex (`1 + V`, plus a listing per source once
    /// per job): the busiest subtask's busy time (the operator's default MAX aggregation),
    /// back-pressure, Flink's per-second rates and a source's `pendingRecords`.
    PerVertex,
    /// `GET /jobs/:id` alone (1 call): busy and back-pressured time as the subtasks' average (from
    /// the accumulated times, so over two samples), record counters from `read-records` /
    /// `write-records`; no `pendingRecords`, so no backlog is seen.
    JobDetails,
}

/// A sample and what it cost.
#[derive(Debug, Clone, PartialEq)]
pub struct GatheredSample {
    /// The job's graph and load.
    pub sample: JobMetricsSample,
    /// REST calls made for it.
    pub requests: u32,
}

#[derive(Deserialize)]
struct JobDetails {
    #[serde(default)]
    timestamps: BTreeMap<String, i64>,
    #[serde(rename = "start-time", default)]
    start_time: i64,
    vertices: Vec<DetailVertex>,
    plan: Plan,
}

#[derive(Deserialize)]
struct DetailVertex {
    id: String,
    name: String,
    parallelism: u32,
    #[serde(rename = "maxParallelism")]
    max_parallelism: u32,
    metrics: Option<IoMetrics>,
}

#[derive(Deserialize)]
struct IoMetrics {
    #[serde(rename = "read-records")]
    read_records: Option<u64>,
    #[serde(rename = "write-records")]
    write_records: Option<u64>,
    #[serde(rename = "accumulated-busy-time")]
    accumulated_busy_time: Option<f64>,
    #[serde(rename = "accumulated-backpressured-time")]
    accumulated_backpressured_time: Option<f64>,
}

#[derive(Deserialize)]
struct Plan {
    nodes: Vec<PlanNode>,
}

#[derive(Deserialize)]
struct PlanNode {
    id: String,
    #[serde(default)]
    inputs: Vec<PlanInput>,
}

#[derive(Deserialize)]
struct PlanInput {
    id: String,
    ship_strategy: String,
}

impl FlinkClient {
    /// One sample of `job` for the autopilot, stamped `taken_at_ms` (the caller's clock): `GET
    /// /jobs/:id`, then for `SampleDepth::PerVertex` per vertex `GET
    /// /jobs/:id/vertices/:vid/subtasks/metrics` with every name at once (aggregated max, avg,
    /// sum), plus a listing per source the first time `names` meets the job. Metrics Flink has not
    /// reported yet (≈10 s after a start) are `None`. Flink refreshes its metric store lazily (a
    /// request is answered from the last fetch and triggers the next): sample at a steady cadence.
    pub async fn job_metrics_sample(
        &self,
        job: &JobId,
        taken_at_ms: i64,
        depth: SampleDepth,
        names: &mut SourceMetricNames,
    ) -> Result<GatheredSample, FlinkError> {
        if names.job.as_ref() != Some(job) {
            *names = SourceMetricNames { job: Some(job.clone()), by_vertex: BTreeMap::new() };
        }
        let what = format!("details of job {job}");
        let details: JobDetails = self.send(&what, self.http.get(self.url(&format!("/jobs/{job}")))).await?;
        let mut requests = 1;

        let mut edges = Vec::new();
        for node in &details.plan.nodes {
            for input in &node.inputs {
                edges.push(JobEdge {
                    from: input.id.clone(),
                    to: node.id.clone(),
                    ship_strategy: ShipStrategy::from_flink(&input.ship_strategy),
                });
            }
        }
        let mut vertices = Vec::with_capacity(details.vertices.len());
        for vertex in &details.vertices {
            let is_source = !edges.iter().any(|e| e.to == vertex.id);
            if depth == SampleDepth::JobDetails {
                vertices.push(vertex_metrics(vertex, is_source, None, &[]));
                continue;
            }
            if is_source && !names.by_vertex.contains_key(&vertex.id) {
                let listed = self.vertex_metric_names(job, &vertex.id).await?;
                requests += 1;
                // Right after a start the listing can hold only task metrics (the operator's are
                // registered later): keep it only once it names the source's record counters.
                let found = SourceNames::from_listing(&listed);
                if found.records_in.is_some() || found.records_out.is_some() {
                    names.by_vertex.insert(vertex.id.clone(), found);
                }
            }
            let source_names = names.by_vertex.get(&vertex.id).filter(|_| is_source);
            let mut wanted: Vec<&str> = TASK_METRICS.to_vec();
            wanted.extend(source_names.into_iter().flat_map(SourceNames::all));
            let metrics = self.vertex_metrics(job, &vertex.id, &wanted).await?;
            requests += 1;
            vertices.push(vertex_metrics(vertex, is_source, source_names, &metrics));
        }
        let running_since_ms =
            details.timestamps.get("RUNNING").copied().filter(|t| *t > 0).unwrap_or(details.start_time);
        Ok(GatheredSample { sample: JobMetricsSample { taken_at_ms, running_since_ms, vertices, edges }, requests })
    }
}

fn vertex_metrics(
    vertex: &DetailVertex,
    is_source: bool,
    source_names: Option<&SourceNames>,
    metrics: &[AggregatedMetric],
) -> VertexMetrics {
    let find = |name: Option<&str>| name.and_then(|n| metrics.iter().find(|m| m.id == n));
    let sum = |name: Option<&str>| find(name).and_then(|m| m.sum);
    let counter = |name: Option<&str>| sum(name).filter(|v| v.is_finite() && *v >= 0.0).map(|v| v as u64);
    let io = vertex.metrics.as_ref();
    let (records_in_total, records_in_per_second) = match source_names.filter(|_| is_source) {
        // What a source reads from outside; a source that counts only what it emits (the
        // DataGeneratorSource) is read by its output, as the operator falls back to.
        Some(names) => {
            let read = counter(names.records_in.as_deref()).filter(|n| *n > 0);
            match read {
                Some(read) => (Some(read), sum(names.records_in_per_second.as_deref())),
                None => (counter(names.records_out.as_deref()), sum(names.records_out_per_second.as_deref())),
            }
        }
        // Names not known yet: what the source's task emits is what it read.
        None if is_source => (counter(Some("numRecordsOut")).or_else(|| io.and_then(|m| m.write_records)), None),
        None => (
            counter(Some("numRecordsIn")).or_else(|| io.and_then(|m| m.read_records)),
            sum(Some("numRecordsInPerSecond")),
        ),
    };
    VertexMetrics {
        id: vertex.id.clone(),
        name: vertex.name.clone(),
        parallelism: vertex.parallelism,
        max_parallelism: vertex.max_parallelism,
        is_source,
        busy_time_ms_per_second_max: find(Some("busyTimeMsPerSecond")).and_then(|m| m.max),
        back_pressured_time_ms_per_second_avg: find(Some("backPressuredTimeMsPerSecond")).and_then(|m| m.avg),
        records_in_per_second,
        records_in_total,
        records_out_total: counter(Some("numRecordsOut")).or_else(|| io.and_then(|m| m.write_records)),
        pending_records: source_names.and_then(|n| sum(n.pending_records.as_deref())),
        accumulated_busy_ms: io.and_then(|m| m.accumulated_busy_time),
        accumulated_back_pressured_ms: io.and_then(|m| m.accumulated_backpressured_time),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sources_operator_metrics_are_found_in_its_listing() {
        let listed: Vec<String> = [
            "busyTimeMsPerSecond",
            "Source__numbers.numRecordsIn",
            "Source__numbers.numRecordsInPerSecond",
            "Source__numbers.numRecordsOut",
            "Source__numbers.numRecordsOutPerSecond",
            "Source__numbers.split.1.watermark.currentWatermark",
        ]
        .map(String::from)
        .to_vec();
        let names = SourceNames::from_listing(&listed);
        assert_eq!(names.records_in.as_deref(), Some("Source__numbers.numRecordsIn"));
        assert_eq!(names.records_out_per_second.as_deref(), Some("Source__numbers.numRecordsOutPerSecond"));
        assert_eq!(names.pending_records, None, "asked for only when listed: an unknown name empties the answer");
        assert_eq!(names.all().count(), 4);
    }

    #[test]
    fn job_details_alone_give_counters_and_accumulated_times() {
        let details: JobDetails = serde_json::from_str(
            r#"{"start-time": 5, "timestamps": {"RUNNING": 7},
                "vertices": [{"id": "s", "name": "Source: numbers", "parallelism": 1, "maxParallelism": 128,
                              "metrics": {"read-records": 0, "write-records": 21092,
                                          "accumulated-backpressured-time": 12937, "accumulated-busy-time": 1517.0}}],
                "plan": {"nodes": [{"id": "s"}]}}"#,
        )
        .expect("Flink 2.3's shape");
        let source = vertex_metrics(&details.vertices[0], true, None, &[]);
        assert_eq!(source.records_in_total, Some(21092), "a source's output is what it read");
        assert_eq!(source.accumulated_busy_ms, Some(1517.0));
        assert_eq!(source.accumulated_back_pressured_ms, Some(12937.0));
        assert_eq!(source.busy_time_ms_per_second_max, None, "no per-subtask figures from job details");
    }

    #[test]
    fn a_listing_without_the_sources_counters_is_not_kept() {
        let early = SourceNames::from_listing(&["busyTimeMsPerSecond", "numRecordsOut"].map(String::from));
        assert_eq!(early, SourceNames::default(), "only task metrics: list again next time");
    }

    #[test]
    fn a_source_that_counts_only_its_output_is_read_by_it() {
        let vertex = DetailVertex {
            id: "s".into(),
            name: "Source: numbers".into(),
            parallelism: 1,
            max_parallelism: 128,
            metrics: None,
        };
        let names = SourceNames::from_listing(
            &[
                "Source__numbers.numRecordsIn",
                "Source__numbers.numRecordsOut",
                "Source__numbers.numRecordsOutPerSecond",
            ]
            .map(String::from),
        );
        let metric = |id: &str, sum: f64| AggregatedMetric {
            id: id.into(),
            min: None,
            max: Some(sum),
            avg: Some(sum),
            sum: Some(sum),
        };
        let metrics = [
            metric("busyTimeMsPerSecond", 40.0),
            metric("backPressuredTimeMsPerSecond", 750.0),
            metric("Source__numbers.numRecordsIn", 0.0),
            metric("Source__numbers.numRecordsOut", 24214.0),
            metric("Source__numbers.numRecordsOutPerSecond", 403.5),
        ];
        let converted = vertex_metrics(&vertex, true, Some(&names), &metrics);
        assert_eq!(converted.records_in_total, Some(24214));
        assert_eq!(converted.records_in_per_second, Some(403.5));
        assert_eq!(converted.back_pressured_time_ms_per_second_avg, Some(750.0));
        assert_eq!(converted.busy_time_ms_per_second_max, Some(40.0));
    }
}
