//! The engine's own metrics and the fields of its tracing spans: how long passes take, how many
//! deployments wait for one, whether this replica runs the engine, and how savepoints end.
//! Recorded through the `metrics` facade (a no-op until the server installs a recorder). Labels
//! come from fixed sets (outcomes, origins, step names); a deployment id is never one.

use std::time::{Duration, Instant};

use domain::{NamespaceName, Savepoint, SavepointOrigin, SavepointState};
use storage::RowWrite;

use crate::plan::Step;

/// Histogram of the time one engine pass over one deployment takes, in seconds.
pub const PASS_DURATION_SECONDS: &str = "flink_console_engine_pass_duration_seconds";
/// Gauge: deployments whose pass is due but has not started (waiting for a free slot).
pub const QUEUE_DEPTH: &str = "flink_console_engine_queue_depth";
/// Gauge: 1 while this replica runs the engine, else 0.
pub const LEADER: &str = "flink_console_engine_leader";
/// Counter of savepoints that ended, by `outcome` (completed, failed) and `origin`.
pub const SAVEPOINTS_TOTAL: &str = "flink_console_savepoints_total";

/// The outcomes `SAVEPOINTS_TOTAL` counts.
const OUTCOMES: [&str; 2] = ["completed", "failed"];

/// Registers the help text of the engine's metrics and makes each of them exist from the start
/// (at zero, every label set of the savepoint counter included), so a dashboard shows a flat line
/// rather than no data, and `increase()` sees the first savepoint. Call once the recorder is
/// installed.
pub fn describe() {
    metrics::describe_histogram!(
        PASS_DURATION_SECONDS,
        metrics::Unit::Seconds,
        "Time one engine pass over one deployment takes (observe, plan, commit, at most one Flink call)"
    );
    metrics::describe_gauge!(
        QUEUE_DEPTH,
        "Deployments whose engine pass is due but has not started yet (all slots busy, or a pass of theirs still runs)"
    );
    metrics::describe_gauge!(LEADER, "1 while this console replica runs the lifecycle engine, else 0");
    metrics::describe_counter!(
        SAVEPOINTS_TOTAL,
        "Savepoints the engine saw end, by outcome (completed, failed) and origin (USER_REQUEST, SUSPEND, …)"
    );
    // Registered without a sample: rendered with empty buckets until the first pass.
    let _registered = metrics::histogram!(PASS_DURATION_SECONDS);
    metrics::gauge!(QUEUE_DEPTH).set(0.0);
    metrics::gauge!(LEADER).set(0.0);
    for outcome in OUTCOMES {
        for origin in SavepointOrigin::ALL {
            metrics::counter!(SAVEPOINTS_TOTAL, "outcome" => outcome, "origin" => origin.as_str()).absolute(0);
        }
    }
}

/// Says whether this replica runs the engine now (`flink_console_engine_leader`). The leadership
/// loop calls it whenever it gains or loses the lease.
pub fn set_leader(leading: bool) {
    metrics::gauge!(LEADER).set(if leading { 1.0 } else { 0.0 });
}

/// Records how many deployments wait for their pass.
pub(crate) fn set_queue_depth(waiting: usize) {
    metrics::gauge!(QUEUE_DEPTH).set(waiting as f64);
}

/// Times one pass: records its duration when dropped, however the pass ends.
pub(crate) struct PassTimer(Instant);

impl PassTimer {
    pub(crate) fn start() -> Self {
        Self(Instant::now())
    }
}

impl Drop for PassTimer {
    fn drop(&mut self) {
        record_pass(self.0.elapsed());
    }
}

fn record_pass(took: Duration) {
    metrics::histogram!(PASS_DURATION_SECONDS).record(took.as_secs_f64());
}

/// The span of one pass: the deployment it is about, and the step once planned (`record_step`).
pub(crate) fn pass_span(namespace: &NamespaceName, deployment_id: &str) -> tracing::Span {
    tracing::info_span!("engine_pass", %namespace, deployment = %deployment_id, step = tracing::field::Empty)
}

/// Names the planned step on the current pass's span.
pub(crate) fn record_step(step: &Step) {
    tracing::Span::current().record("step", step_name(step));
}

/// Counts the savepoints a committed write ended: rows updated to COMPLETED or FAILED. (A row
/// inserted as COMPLETED, a retained checkpoint, was no savepoint the engine took.)
pub(crate) fn count_savepoint_outcomes(savepoints: &[RowWrite<Savepoint>]) {
    for write in savepoints {
        let RowWrite::Update { row, .. } = write else { continue };
        let outcome = match row.status.state {
            SavepointState::Completed => "completed",
            SavepointState::Failed => "failed",
            SavepointState::Started => continue,
        };
        metrics::counter!(SAVEPOINTS_TOTAL, "outcome" => outcome, "origin" => row.metadata.origin.as_str())
            .increment(1);
    }
}

/// The step's kind, without the data it carries: a bounded name for spans and logs.
pub fn step_name(step: &Step) -> &'static str {
    match step {
        Step::Steady => "Steady",
        Step::Await(_) => "Await",
        Step::Unreachable(_) => "Unreachable",
        Step::RetryLater(_) => "RetryLater",
        Step::JobStarted => "JobStarted",
        Step::JobEndSeen { .. } => "JobEndSeen",
        Step::JobEnded { .. } => "JobEnded",
        Step::SavepointCompleted { .. } => "SavepointCompleted",
        Step::SavepointFailed { .. } => "SavepointFailed",
        Step::RetrySavepoint { .. } => "RetrySavepoint",
        Step::CheckpointSeen(_) => "CheckpointSeen",
        Step::Rest(_) => "Rest",
        Step::AdoptRunningJob => "AdoptRunningJob",
        Step::GiveUp { .. } => "GiveUp",
        Step::RefuseStart { .. } => "RefuseStart",
        Step::IgnoreUpgrade => "IgnoreUpgrade",
        Step::ForgetOperation => "ForgetOperation",
        Step::StartJob { .. } => "StartJob",
        Step::SubmitJob => "SubmitJob",
        Step::StopJob { .. } => "StopJob",
        Step::CancelJob { .. } => "CancelJob",
        Step::TriggerSavepoint { .. } => "TriggerSavepoint",
        Step::Rescale(_) => "Rescale",
        Step::RequestRescale => "RequestRescale",
        Step::RescaleDone => "RescaleDone",
        Step::RescaleTimedOut => "RescaleTimedOut",
        Step::DisposeSavepoint { .. } => "DisposeSavepoint",
    }
}

#[cfg(test)]
mod tests {
    use domain::{SavepointMetadata, SavepointSpec, SavepointStatus};
    use metrics_util::debugging::{DebugValue, DebuggingRecorder};
    use metrics_util::MetricKind;

    use super::*;

    fn savepoint(origin: SavepointOrigin, state: SavepointState) -> Savepoint {
        Savepoint {
            api_version: "v1".into(),
            kind: "Savepoint".into(),
            metadata: SavepointMetadata {
                id: uuid::Uuid::new_v4().to_string(),
                namespace: "default".into(),
                deployment_id: uuid::Uuid::new_v4().to_string(),
                job_id: None,
                origin,
                annotations: Default::default(),
                created_at: "2026-01-01T00:00:00Z".into(),
                modified_at: "2026-01-01T00:00:00Z".into(),
                resource_version: 2,
            },
            spec: SavepointSpec::default(),
            status: SavepointStatus { state, failure: None },
        }
    }

    /// What `record` recorded: (kind, name, labels as `k=v`, value as text).
    fn recorded(record: impl FnOnce()) -> Vec<(MetricKind, String, Vec<String>, String)> {
        let recorder = DebuggingRecorder::new();
        let snapshotter = recorder.snapshotter();
        metrics::with_local_recorder(&recorder, record);
        let mut seen: Vec<_> = snapshotter
            .snapshot()
            .into_vec()
            .into_iter()
            .map(|(key, _, _, value)| {
                let (kind, key) = key.into_parts();
                let labels = key.labels().map(|l| format!("{}={}", l.key(), l.value())).collect();
                let value = match value {
                    DebugValue::Counter(n) => n.to_string(),
                    DebugValue::Gauge(g) => g.to_string(),
                    DebugValue::Histogram(samples) => format!("{} samples", samples.len()),
                };
                (kind, key.name().to_owned(), labels, value)
            })
            .collect();
        seen.sort();
        seen
    }

    #[test]
    fn only_savepoints_a_write_ended_are_counted_by_outcome_and_origin() {
        let update = |origin, state| RowWrite::Update { row: savepoint(origin, state), expected_version: 1 };
        let writes = [
            update(SavepointOrigin::UserRequest, SavepointState::Completed),
            update(SavepointOrigin::Suspend, SavepointState::Failed),
            update(SavepointOrigin::Periodic, SavepointState::Started),
            RowWrite::Insert(savepoint(SavepointOrigin::RetainedCheckpoint, SavepointState::Completed)),
            RowWrite::Insert(savepoint(SavepointOrigin::Periodic, SavepointState::Started)),
        ];
        let counter = |outcome: &str, origin: &str| {
            let labels = vec![format!("outcome={outcome}"), format!("origin={origin}")];
            (MetricKind::Counter, SAVEPOINTS_TOTAL.to_owned(), labels, "1".to_owned())
        };
        assert_eq!(
            recorded(|| count_savepoint_outcomes(&writes)),
            [counter("completed", "USER_REQUEST"), counter("failed", "SUSPEND")]
        );
    }

    #[test]
    fn a_pass_is_timed_however_it_ends_and_the_gauges_say_what_they_were_told() {
        let seen = recorded(|| {
            drop(PassTimer::start());
            set_queue_depth(3);
            set_leader(true);
        });
        assert_eq!(
            seen,
            [
                (MetricKind::Gauge, LEADER.to_owned(), vec![], "1".to_owned()),
                (MetricKind::Gauge, QUEUE_DEPTH.to_owned(), vec![], "3".to_owned()),
                (MetricKind::Histogram, PASS_DURATION_SECONDS.to_owned(), vec![], "1 samples".to_owned()),
            ]
        );
    }
}
