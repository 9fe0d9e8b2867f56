//! Which samples a decision may use (same run, past the stabilisation interval, inside the metrics
//! window) and what they say per vertex over that window. Never reads a clock: `now_ms` is given.

use domain::job_metrics::{JobMetricsSample, VertexMetrics};

use domain::autopilot::Tuning;

/// The usable samples, oldest first, or why there are none yet.
pub(crate) enum Selection<'a> {
    /// No sample at all.
    Empty,
    /// The job (re)started less than the stabilisation interval ago.
    Stabilizing { until_ms: i64 },
    /// The first usable sample is younger than the metrics window (or too few samples in it).
    Collecting { until_ms: i64 },
    /// At least two samples of the current run, spanning the window.
    Ready(Vec<&'a JobMetricsSample>),
}

/// Picks the samples of the newest run that are past its stabilisation and inside the window.
pub(crate) fn select<'a>(history: &'a [JobMetricsSample], tuning: &Tuning, now_ms: i64) -> Selection<'a> {
    let Some(newest) = history.iter().max_by_key(|s| s.taken_at_ms) else {
        return Selection::Empty;
    };
    let stable_from = newest.running_since_ms.saturating_add(seconds_to_ms(tuning.stabilization_seconds));
    if now_ms < stable_from {
        return Selection::Stabilizing { until_ms: stable_from };
    }
    let window_ms = seconds_to_ms(tuning.metrics_window_seconds);
    let mut usable: Vec<&JobMetricsSample> = history
        .iter()
        .filter(|s| s.running_since_ms == newest.running_since_ms && s.taken_at_ms >= stable_from)
        .collect();
    usable.sort_by_key(|s| s.taken_at_ms);
    let Some(first) = usable.first() else {
        return Selection::Collecting { until_ms: stable_from.saturating_add(window_ms) };
    };
    let full_at = first.taken_at_ms.saturating_add(window_ms);
    if now_ms < full_at {
        return Selection::Collecting { until_ms: full_at };
    }
    // The window reaches back to the newest sample at or before its start, so that it spans at
    // least the whole window even when samples are sparse.
    let window_start = now_ms.saturating_sub(window_ms);
    let anchor = usable.iter().rposition(|s| s.taken_at_ms <= window_start).unwrap_or(0);
    let in_window: Vec<&JobMetricsSample> = usable.split_off(anchor);
    if in_window.len() < 2 {
        // The window holds at most one sample (sampling paused): wait until a second arrives.
        return Selection::Collecting { until_ms: now_ms };
    }
    Selection::Ready(in_window)
}

pub(crate) fn seconds_to_ms(seconds: u64) -> i64 {
    i64::try_from(seconds.saturating_mul(1000)).unwrap_or(i64::MAX)
}

/// One vertex over the window.
#[derive(Debug, Clone)]
pub(crate) struct VertexWindow<'a> {
    /// The vertex as the newest sample has it.
    pub(crate) newest: &'a VertexMetrics,
    /// Mean busy time of the busiest subtask, ms per second.
    pub(crate) busy_ms: Option<f64>,
    /// Mean back-pressured time, ms per second.
    pub(crate) back_pressured_ms: Option<f64>,
    /// Records in per second over the window.
    pub(crate) input_rate: Option<f64>,
    /// Records out per second over the window.
    pub(crate) output_rate: Option<f64>,
    /// The newest backlog, where the source reports one.
    pub(crate) lag: Option<f64>,
    /// How fast the backlog grew (negative: shrank), records per second.
    pub(crate) lag_rate: Option<f64>,
}

/// `samples` (oldest first, at least one) for the vertex `id`.
pub(crate) fn vertex_window<'a>(samples: &[&'a JobMetricsSample], id: &str) -> Option<VertexWindow<'a>> {
    let series: Vec<&'a VertexMetrics> =
        samples.iter().filter_map(|s| s.vertices.iter().find(|v| v.id == id)).collect();
    let (first, newest) = (*series.first()?, *series.last()?);
    let (first_at, newest_at) = {
        let times: Vec<i64> =
            samples.iter().filter(|s| s.vertices.iter().any(|v| v.id == id)).map(|s| s.taken_at_ms).collect();
        (*times.first()?, *times.last()?)
    };
    let seconds = (newest_at - first_at) as f64 / 1000.0;
    let counter_rate = |read: fn(&VertexMetrics) -> Option<u64>| -> Option<f64> {
        let (from, to) = (read(first)?, read(newest)?);
        (seconds > 0.0 && to >= from).then(|| (to - from) as f64 / seconds)
    };
    let mean = |read: fn(&VertexMetrics) -> Option<f64>| -> Option<f64> {
        let values: Vec<f64> = series.iter().filter_map(|v| read(v)).filter(|x| x.is_finite()).collect();
        (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64)
    };
    // Without per-subtask figures: the subtasks' average from the accumulated times. Flink 2.3's
    // accumulated busy time of a source is not monotonic (seen falling 361 → 288 → 246 ms while
    // the source was back-pressured): a fall reads as no busy time.
    let per_subtask_rate = |read: fn(&VertexMetrics) -> Option<f64>| -> Option<f64> {
        let (from, to) = (read(first)?, read(newest)?);
        let subtasks = f64::from(newest.parallelism.max(1));
        (seconds > 0.0).then(|| ((to - from).max(0.0) / seconds / subtasks).min(1000.0))
    };
    let lag_rate = match (first.pending_records, newest.pending_records) {
        (Some(from), Some(to)) if seconds > 0.0 => Some((to - from) / seconds),
        _ => None,
    };
    Some(VertexWindow {
        newest,
        busy_ms: mean(|v| v.busy_time_ms_per_second_max).or_else(|| per_subtask_rate(|v| v.accumulated_busy_ms)),
        back_pressured_ms: mean(|v| v.back_pressured_time_ms_per_second_avg)
            .or_else(|| per_subtask_rate(|v| v.accumulated_back_pressured_ms)),
        // Counters are exact over the window; Flink's per-second values are 60 s averages.
        input_rate: counter_rate(|v| v.records_in_total).or_else(|| mean(|v| v.records_in_per_second)),
        output_rate: counter_rate(|v| v.records_out_total),
        lag: newest.pending_records,
        lag_rate,
    })
}
