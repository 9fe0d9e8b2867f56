//! One vertex's scaling, after the operator's autoscaler: true processing rate, thresholds around
//! the target utilisation, scale factor, new parallelism within bounds, key-group alignment.
//! Pure arithmetic; the job-level rules (delay, gates) are `decision`'s.

use crate::graph::Demand;
use crate::window::VertexWindow;
use domain::autopilot::Tuning;

/// A job-level limit narrower than the algorithm's own bounds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct JobCap {
    /// The lowest parallelism any vertex may get.
    pub(crate) min: u32,
    /// The highest parallelism any vertex may get, and which limit says so; `None`: no limit.
    pub(crate) max: Option<(u32, crate::decision::Limit)>,
    /// The `min` limit's name, for the reason.
    pub(crate) min_limit: crate::decision::Limit,
}

/// What the figures say about one vertex.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct VertexScaling {
    /// Busy time of the busiest subtask as a share of the time (0–1).
    pub(crate) busy: f64,
    /// Records in per second over the window.
    pub(crate) input_rate: f64,
    /// Records per second the vertex would process at 100 % busy; `None`: unbounded (idle).
    pub(crate) true_processing_rate: Option<f64>,
    /// Below this true processing rate the vertex is saturated.
    pub(crate) scale_up_threshold: f64,
    /// Above this true processing rate the vertex is underused; `None`: never (backlog).
    pub(crate) scale_down_threshold: Option<f64>,
    /// `ceil(f·p)` within the algorithm's bounds, before job limits and alignment.
    pub(crate) wanted: u32,
    /// `wanted` within the job's limits and aligned to key groups; what is recommended now
    /// (before the delayed scale-down).
    pub(crate) aligned: u32,
    /// The job limit that held `wanted` back, if one did.
    pub(crate) limited_by: Option<crate::decision::Limit>,
    /// Key-group alignment found no parallelism that keeps the direction of the change.
    pub(crate) alignment_blocked: bool,
}

/// Scales one vertex. `backlog`: some source is processing backlog (then the thresholds are
/// utilisation 1 and 0). `hash_input`: some input is partitioned by key.
pub(crate) fn scale(
    window: &VertexWindow<'_>,
    demand: Demand,
    tuning: &Tuning,
    cap: &JobCap,
    backlog: bool,
    hash_input: bool,
) -> Option<VertexScaling> {
    let busy = window.busy_ms? / 1000.0;
    let input_rate = window.input_rate.unwrap_or(0.0);
    let true_processing_rate = (busy > 0.0 && input_rate > 0.0).then(|| input_rate / busy);

    let (upper, lower) = if backlog {
        (1.0, 0.0)
    } else {
        (
            tuning.target_utilization + tuning.utilization_boundary,
            (tuning.target_utilization - tuning.utilization_boundary).max(0.0),
        )
    };
    let restart_term = match tuning.catch_up_duration_seconds {
        0 => 0.0,
        catch_up => demand.target_rate * tuning.restart_time_seconds as f64 / catch_up as f64,
    };
    // Records per second a vertex must manage so that the target rate is `utilisation` of it.
    let capacity = |utilisation: f64, with_restart: bool| -> Option<f64> {
        (utilisation > 0.0).then(|| {
            demand.catch_up_rate + if with_restart { restart_term } else { 0.0 } + demand.target_rate / utilisation
        })
    };
    let scale_up_threshold = capacity(upper, false).unwrap_or(f64::INFINITY);
    let scale_down_threshold = capacity(lower, true);
    let target_capacity = capacity(tuning.target_utilization, true).unwrap_or(f64::INFINITY);

    let factor = match true_processing_rate {
        Some(rate) => target_capacity / rate,
        None => 0.0,
    };
    let factor = factor.clamp(1.0 - tuning.max_scale_down_factor, 1.0 + tuning.max_scale_up_factor);
    let current = window.newest.parallelism.max(1);
    let max_parallelism = window.newest.max_parallelism.max(1);
    // Tiny float error must not add a subtask (2.0000000001 → 3).
    let raw = (factor * f64::from(current) - 1e-9).ceil().max(1.0);
    let raw = if raw >= f64::from(u32::MAX) { u32::MAX } else { raw as u32 };

    // The algorithm's own bounds never force a change by themselves (the operator's FLINK-32134).
    let algo_lower = current.min(tuning.vertex_min_parallelism);
    let algo_upper = max_parallelism.min(current.max(tuning.vertex_max_parallelism));
    let wanted = raw.clamp(algo_lower.min(algo_upper), algo_upper);

    let job_lower = current.min(cap.min.max(algo_lower));
    let job_upper = match cap.max {
        Some((max, _)) => algo_upper.min(current.max(max)),
        None => algo_upper,
    };
    let limited_by = if wanted > job_upper {
        cap.max.map(|(_, limit)| limit)
    } else if wanted < job_lower {
        Some(cap.min_limit)
    } else {
        None
    };
    let limited = wanted.clamp(job_lower.min(job_upper), job_upper);

    let (aligned, alignment_blocked) = if hash_input && limited != current {
        match align_to_key_groups(current, limited, max_parallelism, job_lower, job_upper) {
            Some(aligned) => (aligned, false),
            None => (current, true),
        }
    } else {
        (limited, false)
    };
    Some(VertexScaling {
        busy,
        input_rate,
        true_processing_rate,
        scale_up_threshold,
        scale_down_threshold,
        wanted,
        aligned,
        limited_by,
        alignment_blocked,
    })
}

/// The operator 1.15.0's EVENLY_SPREAD: the next parallelism upward from `wanted` that divides the
/// key groups (`max_parallelism`) evenly, up to `upper` (for a scale-down, up to `current`);
/// failing that the next one downward. `None` when the only aligned value undoes the change's
/// direction (a scale-up that would end at or below `current`, a scale-down at or above it).
pub(crate) fn align_to_key_groups(
    current: u32,
    wanted: u32,
    max_parallelism: u32,
    lower: u32,
    upper: u32,
) -> Option<u32> {
    let divides = |p: u32| p > 0 && max_parallelism.is_multiple_of(p);
    let scaling_up = wanted > current;
    let ceiling = if scaling_up { upper.min(max_parallelism) } else { current.min(max_parallelism) };
    if let Some(up) = (wanted..=ceiling).find(|p| divides(*p)) {
        return (up != current).then_some(up);
    }
    let floor = lower.max(1);
    let down = (floor..wanted).rev().find(|p| divides(*p))?;
    let keeps_direction = if scaling_up { down > current } else { down < current };
    keeps_direction.then_some(down)
}

#[cfg(test)]
mod tests {
    use super::align_to_key_groups;

    #[test]
    fn alignment_moves_up_to_the_next_divisor_of_the_key_groups() {
        assert_eq!(align_to_key_groups(1, 3, 128, 1, 200), Some(4));
        assert_eq!(align_to_key_groups(4, 6, 128, 1, 200), Some(8));
        assert_eq!(align_to_key_groups(2, 7, 120, 1, 200), Some(8));
        assert_eq!(align_to_key_groups(10, 7, 120, 1, 200), Some(8), "a scale-down rounds up, below the current");
    }

    #[test]
    fn alignment_falls_back_downward_within_the_bound() {
        // Upward from 6 to the bound 7 holds no divisor of 128; downward: 4.
        assert_eq!(align_to_key_groups(2, 6, 128, 1, 7), Some(4));
    }

    #[test]
    fn alignment_that_undoes_the_direction_blocks_the_change() {
        // Up from 4 to 6, bounded at 6: upward none, downward 4 = current.
        assert_eq!(align_to_key_groups(4, 6, 128, 1, 6), None);
        // Down from 8 to 6: upward to 8 only finds 8 = current.
        assert_eq!(align_to_key_groups(8, 6, 128, 1, 200), None);
    }
}
