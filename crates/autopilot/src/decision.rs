//! The decision: from a policy, the job's recent samples, the Autopilot's remembered state and the
//! time, what to do now and why, with every vertex's numbers. Pure: the caller reads the clock,
//! gathers the samples, stores `next_state` and applies the action; this never does.

use std::collections::BTreeMap;

use domain::job_metrics::{JobMetricsSample, ShipStrategy, VertexMetrics};
use serde::{Deserialize, Serialize};

use crate::graph::{demands, topological_order};
use crate::resources::JobResources;
use crate::vertex::{scale, JobCap, VertexScaling};
use crate::window::{seconds_to_ms, select, vertex_window, Selection, VertexWindow};
use domain::autopilot::SilentPeriod;
use domain::autopilot::{AutopilotPolicy, Mode, Strategy};

/// What the Autopilot remembers between decisions (the caller stores it, e.g. with the deployment).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase", default)]
pub struct AutopilotState {
    /// When the Autopilot last changed the job (ms since the epoch): the cool-down and STABLE's
    /// quiet period count from here.
    pub last_change_at_ms: Option<i64>,
    /// When STABLE's clocks began: the strategy was chosen or a person last restarted the job. The
    /// caller sets it on such a restart; a decision under STABLE sets it when absent.
    pub stable_since_ms: Option<i64>,
    /// Scale-downs recommended and waiting out the scale-down interval, by vertex id.
    pub pending_scale_downs: BTreeMap<String, PendingScaleDown>,
}

/// A scale-down waiting for the scale-down interval.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct PendingScaleDown {
    /// When it was first recommended (ms since the epoch).
    pub first_recommended_at_ms: i64,
    /// The highest parallelism recommended since: what the scale-down goes to.
    pub highest_parallelism: u32,
}

/// Everything a decision depends on.
#[derive(Debug, Clone, Copy)]
pub struct DecisionInput<'a> {
    /// The deployment's policy.
    pub policy: &'a AutopilotPolicy,
    /// Recent samples of the job, any order; older runs and samples outside the window are ignored.
    pub history: &'a [JobMetricsSample],
    /// What the previous decision left (`Decision::next_state`).
    pub state: &'a AutopilotState,
    /// The job's sizes, needed only when the policy limits CPU or memory.
    pub resources: Option<&'a JobResources>,
    /// The time of the decision (ms since the epoch).
    pub now_ms: i64,
}

/// The outcome of one evaluation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Decision {
    /// When it was made (ms since the epoch).
    pub evaluated_at_ms: i64,
    /// What to do.
    pub action: Action,
    /// The samples it looked at; absent when it looked at none.
    pub window: Option<WindowSummary>,
    /// Some source's backlog takes longer than the backlog threshold to read: nothing scales down.
    pub processing_backlog: bool,
    /// Every vertex's numbers and recommendation, sources first (empty when nothing was evaluated).
    pub vertices: Vec<VertexRecommendation>,
    /// What to remember for the next decision; store it once the action is recorded.
    pub next_state: AutopilotState,
}

/// The samples behind a decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct WindowSummary {
    /// The oldest sample used (ms since the epoch).
    pub from_ms: i64,
    /// The newest sample used (ms since the epoch).
    pub to_ms: i64,
    /// How many samples.
    pub samples: usize,
}

/// The overall outcome.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Action {
    /// Nothing to change.
    NoChange {
        /// Why not.
        reason: NoChangeReason,
    },
    /// Apply the vertices' recommended parallelism; at least one vertex grows.
    ScaleUp,
    /// Apply the vertices' recommended parallelism; every changed vertex shrinks.
    ScaleDown,
    /// A change is needed but cannot be computed or reached.
    Blocked {
        /// Why.
        reason: BlockedReason,
    },
    /// A change is recommended (the vertices' numbers say which) but not applied now.
    NotApplied {
        /// Which way it would go.
        direction: Direction,
        /// Why it is not applied.
        why: NotAppliedReason,
    },
}

/// Which way a change goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Direction {
    /// At least one vertex grows.
    Up,
    /// Every changed vertex shrinks.
    Down,
}

/// Why nothing changes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "SCREAMING_SNAKE_CASE")]
pub enum NoChangeReason {
    /// The policy's mode is DISABLED.
    Disabled,
    /// No sample of the job yet.
    NoMetrics,
    /// The job (re)started recently; its metrics count from `untilMs`.
    #[serde(rename_all = "camelCase")]
    Stabilizing {
        /// When the stabilisation interval ends (ms since the epoch).
        until_ms: i64,
    },
    /// The metrics window is not full yet.
    #[serde(rename_all = "camelCase")]
    CollectingMetrics {
        /// When it is expected to be (ms since the epoch).
        until_ms: i64,
    },
    /// Every vertex is within its thresholds.
    WithinBounds,
    /// A saturated vertex is already at the algorithm's upper bound (its max parallelism or
    /// `vertexMaxParallelism`).
    #[serde(rename_all = "camelCase")]
    ParallelismBound {
        /// The vertex's name.
        vertex: String,
        /// Its parallelism, which stays.
        parallelism: u32,
    },
    /// A scale-down is recommended but waits out the scale-down interval.
    #[serde(rename_all = "camelCase")]
    ScaleDownDelayed {
        /// When the first of the waiting scale-downs may happen (ms since the epoch).
        until_ms: i64,
    },
}

/// Why a needed change cannot be made.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "SCREAMING_SNAKE_CASE")]
pub enum BlockedReason {
    /// A vertex reported no busy time (Flink lists it for every running task).
    #[serde(rename_all = "camelCase")]
    MetricMissing {
        /// The vertex's name.
        vertex: String,
        /// The metric's name.
        metric: String,
    },
    /// Key-group alignment found no parallelism for a keyed vertex that keeps the change's direction.
    #[serde(rename_all = "camelCase")]
    KeyGroupAlignment {
        /// The vertex's name.
        vertex: String,
        /// Its key groups (max parallelism).
        max_parallelism: u32,
        /// The parallelism the algorithm wanted.
        wanted: u32,
    },
    /// The policy limits CPU or memory but the job's sizes were not given.
    ResourcesUnknown,
    /// The job graph's edges form a cycle.
    CyclicGraph,
}

/// Why a recommended change is not applied.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "SCREAMING_SNAKE_CASE")]
pub enum NotAppliedReason {
    /// The policy's mode is MONITORING.
    Monitoring,
    /// The strategy is STABLE and its time is over.
    #[serde(rename_all = "camelCase")]
    StableFinished {
        /// When it ended (ms since the epoch).
        since_ms: i64,
    },
    /// Now is inside a silent period.
    SilentPeriod {
        /// The period.
        period: SilentPeriod,
    },
    /// The previous change was too recent.
    #[serde(rename_all = "camelCase")]
    CoolDown {
        /// When the cool-down ends (ms since the epoch).
        until_ms: i64,
    },
    /// A job limit leaves no change to make.
    LimitReached {
        /// Which limit.
        limit: Limit,
    },
}

/// A job limit of the policy.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Limit {
    /// `limits.jobMinParallelism`.
    JobMinParallelism {
        /// Its value.
        value: u32,
    },
    /// `limits.jobMaxParallelism`.
    JobMaxParallelism {
        /// Its value.
        value: u32,
    },
    /// `limits.jobMaxCpu`, as the parallelism it allows.
    #[serde(rename_all = "camelCase")]
    JobMaxCpu {
        /// The limit, cores.
        cores: f64,
        /// The widest vertex that fits.
        max_parallelism: u32,
    },
    /// `limits.jobMaxMemoryMib`, as the parallelism it allows.
    #[serde(rename_all = "camelCase")]
    JobMaxMemory {
        /// The limit, MiB.
        mib: u64,
        /// The widest vertex that fits.
        max_parallelism: u32,
    },
}

/// Where a vertex stands against its thresholds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Verdict {
    /// Its true processing rate is below the scale-up threshold.
    Saturated,
    /// Its true processing rate is above the scale-down threshold.
    Underused,
    /// Between the two: no reason to rescale for it.
    WithinBounds,
}

/// One vertex's numbers and recommendation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct VertexRecommendation {
    /// Flink's vertex id.
    pub vertex_id: String,
    /// The vertex's name.
    pub name: String,
    /// Busy time of its busiest subtask, % (mean over the window).
    pub busy_percent: f64,
    /// Mean back-pressured time of its subtasks, %, where reported.
    pub back_pressured_percent: Option<f64>,
    /// Records in per second over the window.
    pub input_rate: f64,
    /// Records per second it would process at 100 % busy; absent: unbounded (it is idle).
    pub true_processing_rate: Option<f64>,
    /// Records per second it must sustain (sources' input plus backlog growth, carried downstream).
    pub target_rate: f64,
    /// Extra records per second to work the backlog off within the catch-up duration.
    pub catch_up_rate: f64,
    /// A source's backlog, records, where reported.
    pub pending_records: Option<f64>,
    /// Below this true processing rate it is saturated.
    pub scale_up_threshold: f64,
    /// Above this true processing rate it is underused; absent: never (backlog).
    pub scale_down_threshold: Option<f64>,
    /// Where it stands.
    pub verdict: Verdict,
    /// Its parallelism now.
    pub current_parallelism: u32,
    /// What the algorithm wants, before job limits, key-group alignment and the scale-down delay.
    pub wanted_parallelism: u32,
    /// What it should run with after this decision (equal to `currentParallelism` if unchanged).
    pub recommended_parallelism: u32,
    /// One sentence with the numbers, for events and the page.
    pub reason: String,
}

impl Decision {
    /// Whether the caller should apply the vertices' recommended parallelism now.
    pub fn applies(&self) -> bool {
        matches!(self.action, Action::ScaleUp | Action::ScaleDown)
    }

    /// The recommended parallelism of every vertex, by vertex id: the value of
    /// `pipeline.jobvertex-parallelism-overrides` (`id:p,…`) or of a resource-requirements request.
    pub fn parallelism_by_vertex(&self) -> BTreeMap<String, u32> {
        self.vertices.iter().map(|v| (v.vertex_id.clone(), v.recommended_parallelism)).collect()
    }
}

/// Decides. Expected flow: DISABLED stops here; no samples, stabilisation or a filling window
/// wait; otherwise every vertex is evaluated (targets propagated in graph order), a rescale is
/// wanted only if some vertex is outside its thresholds with a change to make, and then the policy
/// decides whether it is applied now (MONITORING, STABLE finished, silent period, cool-down).
pub fn decide(input: &DecisionInput<'_>) -> Decision {
    let DecisionInput { policy, history, state, resources, now_ms } = *input;
    let mut next_state = state.clone();
    if policy.strategy == Strategy::Stable && next_state.stable_since_ms.is_none() {
        next_state.stable_since_ms = Some(now_ms);
    }
    let nothing = |action: Action, next_state: AutopilotState| Decision {
        evaluated_at_ms: now_ms,
        action,
        window: None,
        processing_backlog: false,
        vertices: Vec::new(),
        next_state,
    };
    let no_change = |reason| Action::NoChange { reason };
    if policy.mode == Mode::Disabled {
        return nothing(no_change(NoChangeReason::Disabled), next_state);
    }
    let samples = match select(history, &policy.tuning, now_ms) {
        Selection::Empty => return nothing(no_change(NoChangeReason::NoMetrics), next_state),
        Selection::Stabilizing { until_ms } => {
            return nothing(no_change(NoChangeReason::Stabilizing { until_ms }), next_state)
        }
        Selection::Collecting { until_ms } => {
            return nothing(no_change(NoChangeReason::CollectingMetrics { until_ms }), next_state)
        }
        Selection::Ready(samples) => samples,
    };
    let (Some(first), Some(newest)) = (samples.first(), samples.last()) else {
        return nothing(no_change(NoChangeReason::NoMetrics), next_state);
    };
    let window = Some(WindowSummary { from_ms: first.taken_at_ms, to_ms: newest.taken_at_ms, samples: samples.len() });
    let blocked = |reason, next_state| Decision { window, ..nothing(Action::Blocked { reason }, next_state) };

    let windows: Vec<VertexWindow<'_>> =
        newest.vertices.iter().filter_map(|v| vertex_window(&samples, &v.id)).collect();
    let ids: Vec<&str> = windows.iter().map(|w| w.newest.id.as_str()).collect();
    let Some(order) = topological_order(&ids, &newest.edges) else {
        return blocked(BlockedReason::CyclicGraph, next_state);
    };
    if let Some(missing) = windows.iter().find(|w| w.busy_ms.is_none()) {
        let reason =
            BlockedReason::MetricMissing { vertex: missing.newest.name.clone(), metric: "busyTimeMsPerSecond".into() };
        return blocked(reason, next_state);
    }
    let cap = match job_cap(policy, resources) {
        Some(cap) => cap,
        None => return blocked(BlockedReason::ResourcesUnknown, next_state),
    };
    let tuning = &policy.tuning;
    let demand = demands(&windows, &newest.edges, &order, tuning.catch_up_duration_seconds);
    let backlog_threshold = tuning.backlog_threshold_seconds as f64;
    let processing_backlog = windows.iter().any(|w| match (w.lag, w.input_rate) {
        (Some(lag), _) if lag <= 0.0 => false,
        (Some(_), None) => true,
        (Some(lag), Some(rate)) => rate <= 0.0 || lag / rate > backlog_threshold,
        (None, _) => false,
    });

    let mut findings = Findings::default();
    let interval_ms = seconds_to_ms(tuning.scale_down_interval_seconds);
    for &v in &order {
        let window = &windows[v];
        let vertex = window.newest;
        let hash_input = newest.edges.iter().any(|e| e.to == vertex.id && e.ship_strategy == ShipStrategy::Hash);
        let Some(scaling) = scale(window, demand[v], tuning, &cap, processing_backlog, hash_input) else {
            continue;
        };
        let current = vertex.parallelism.max(1);
        let verdict = verdict(&scaling);
        // Delayed scale-down: wait out the interval, then go to the highest value recommended meanwhile.
        let recommended = if scaling.aligned < current {
            let pending = next_state
                .pending_scale_downs
                .entry(vertex.id.clone())
                .or_insert(PendingScaleDown { first_recommended_at_ms: now_ms, highest_parallelism: scaling.aligned });
            pending.highest_parallelism = pending.highest_parallelism.max(scaling.aligned);
            let due = pending.first_recommended_at_ms.saturating_add(interval_ms);
            if now_ms >= due {
                pending.highest_parallelism
            } else {
                if verdict != Verdict::WithinBounds {
                    findings.delayed_until = Some(findings.delayed_until.map_or(due, |d| d.min(due)));
                }
                current
            }
        } else {
            next_state.pending_scale_downs.remove(&vertex.id);
            scaling.aligned
        };
        if verdict != Verdict::WithinBounds {
            findings.note(vertex, &scaling, verdict, current, recommended);
        }
        findings.vertices.push(recommendation(window, &scaling, demand[v], verdict, current, recommended));
    }

    let action = if findings.triggers == 0 {
        findings.nothing_to_apply()
    } else {
        let direction = if findings.vertices.iter().any(|v| v.recommended_parallelism > v.current_parallelism) {
            Direction::Up
        } else {
            Direction::Down
        };
        match gate(policy, &next_state, now_ms) {
            Some(why) => Action::NotApplied { direction, why },
            None => {
                next_state.last_change_at_ms = Some(now_ms);
                next_state.pending_scale_downs.clear();
                match direction {
                    Direction::Up => Action::ScaleUp,
                    Direction::Down => Action::ScaleDown,
                }
            }
        }
    };
    let mut vertices = findings.vertices;
    for vertex in &mut vertices {
        vertex.reason = format!(
            "{}; parallelism {} → {}",
            vertex.reason, vertex.current_parallelism, vertex.recommended_parallelism
        );
    }
    Decision { evaluated_at_ms: now_ms, action, window, processing_backlog, vertices, next_state }
}

/// What the vertices outside their thresholds say, as the evaluation goes.
#[derive(Default)]
struct Findings {
    vertices: Vec<VertexRecommendation>,
    /// Vertices outside their thresholds with a change to make now.
    triggers: usize,
    /// When the first waiting scale-down of a vertex outside its thresholds is due.
    delayed_until: Option<i64>,
    /// A job limit that left a vertex outside its thresholds unchanged.
    limit_hit: Option<Limit>,
    /// Key-group alignment that blocked a vertex outside its thresholds.
    alignment_block: Option<BlockedReason>,
    /// A saturated vertex already at the algorithm's upper bound.
    at_bound: Option<NoChangeReason>,
}

impl Findings {
    fn note(
        &mut self,
        vertex: &VertexMetrics,
        scaling: &VertexScaling,
        verdict: Verdict,
        current: u32,
        recommended: u32,
    ) {
        if recommended != current {
            self.triggers += 1;
        }
        if let Some(limit) = scaling.limited_by.filter(|_| recommended == current) {
            self.limit_hit.get_or_insert(limit);
        }
        // Only upward is worth saying: an underused vertex at its minimum is the normal case.
        if verdict == Verdict::Saturated
            && scaling.wanted == current
            && scaling.limited_by.is_none()
            && !scaling.alignment_blocked
        {
            self.at_bound
                .get_or_insert(NoChangeReason::ParallelismBound { vertex: vertex.name.clone(), parallelism: current });
        }
        if scaling.alignment_blocked {
            self.alignment_block.get_or_insert(BlockedReason::KeyGroupAlignment {
                vertex: vertex.name.clone(),
                max_parallelism: vertex.max_parallelism,
                wanted: scaling.wanted,
            });
        }
    }

    /// No vertex triggers a rescale: every vertex keeps its parallelism, and the action says why.
    fn nothing_to_apply(&mut self) -> Action {
        for vertex in &mut self.vertices {
            vertex.recommended_parallelism = vertex.current_parallelism;
        }
        if let Some(reason) = self.alignment_block.take() {
            return Action::Blocked { reason };
        }
        if let Some(limit) = self.limit_hit {
            let direction = if self.vertices.iter().any(|v| v.wanted_parallelism > v.current_parallelism) {
                Direction::Up
            } else {
                Direction::Down
            };
            return Action::NotApplied { direction, why: NotAppliedReason::LimitReached { limit } };
        }
        if let Some(until_ms) = self.delayed_until {
            return Action::NoChange { reason: NoChangeReason::ScaleDownDelayed { until_ms } };
        }
        Action::NoChange { reason: self.at_bound.take().unwrap_or(NoChangeReason::WithinBounds) }
    }
}

/// Why a wanted change must not be applied now, in the order a person would want to hear it.
fn gate(policy: &AutopilotPolicy, state: &AutopilotState, now_ms: i64) -> Option<NotAppliedReason> {
    if policy.mode == Mode::Monitoring {
        return Some(NotAppliedReason::Monitoring);
    }
    if policy.strategy == Strategy::Stable {
        let began = state.stable_since_ms.unwrap_or(now_ms);
        let quiet_since = state.last_change_at_ms.map_or(began, |change| change.max(began));
        let quiet_end = quiet_since.saturating_add(seconds_to_ms(policy.tuning.stable_quiet_period_seconds));
        let max_end = began.saturating_add(seconds_to_ms(policy.tuning.stable_max_duration_seconds));
        let ended = quiet_end.min(max_end);
        if now_ms >= ended {
            return Some(NotAppliedReason::StableFinished { since_ms: ended });
        }
    }
    if let Some(period) = policy.silent_periods.containing(now_ms) {
        return Some(NotAppliedReason::SilentPeriod { period });
    }
    let cool_down_ms = i64::from(policy.limits.cool_down_minutes) * 60_000;
    if let Some(until_ms) = state.last_change_at_ms.map(|at| at.saturating_add(cool_down_ms)).filter(|u| now_ms < *u) {
        return Some(NotAppliedReason::CoolDown { until_ms });
    }
    None
}

/// The job's parallelism limits, the tightest of jobMaxParallelism, CPU and memory; `None` when a
/// CPU or memory limit cannot be turned into one for want of the job's sizes.
fn job_cap(policy: &AutopilotPolicy, resources: Option<&JobResources>) -> Option<JobCap> {
    let limits = &policy.limits;
    let mut max: Option<(u32, Limit)> =
        limits.job_max_parallelism.map(|value| (value, Limit::JobMaxParallelism { value }));
    let mut tighten = |candidate: (u32, Limit)| {
        if max.is_none_or(|(current, _)| candidate.0 < current) {
            max = Some(candidate);
        }
    };
    if let Some(cores) = limits.job_max_cpu {
        let max_parallelism = resources?.slots_within_cpu(cores);
        tighten((max_parallelism, Limit::JobMaxCpu { cores, max_parallelism }));
    }
    if let Some(mib) = limits.job_max_memory_mib {
        let max_parallelism = resources?.slots_within_memory(mib);
        tighten((max_parallelism, Limit::JobMaxMemory { mib, max_parallelism }));
    }
    Some(JobCap {
        min: limits.job_min_parallelism.max(1),
        max,
        min_limit: Limit::JobMinParallelism { value: limits.job_min_parallelism },
    })
}

fn verdict(scaling: &VertexScaling) -> Verdict {
    // A saturated vertex's rate equals its target rate at utilisation 1.0 (target = what it
    // receives); float error from the edge ratios must not tip that equality either way.
    const TOLERANCE: f64 = 1e-9;
    match scaling.true_processing_rate {
        Some(rate) if rate < scaling.scale_up_threshold * (1.0 - TOLERANCE) => Verdict::Saturated,
        Some(rate) if scaling.scale_down_threshold.is_some_and(|down| rate > down * (1.0 + TOLERANCE)) => {
            Verdict::Underused
        }
        Some(_) => Verdict::WithinBounds,
        // Idle: unbounded capacity, above any finite scale-down threshold.
        None if scaling.scale_down_threshold.is_some() => Verdict::Underused,
        None => Verdict::WithinBounds,
    }
}

fn recommendation(
    window: &VertexWindow<'_>,
    scaling: &VertexScaling,
    demand: crate::graph::Demand,
    verdict: Verdict,
    current: u32,
    recommended: u32,
) -> VertexRecommendation {
    let vertex = window.newest;
    let rate = |r: f64| format!("{r:.1}/s");
    let tpr = scaling.true_processing_rate.map_or("unbounded (idle)".to_owned(), rate);
    let reason = match verdict {
        Verdict::Saturated => format!(
            "busy {:.0} %: it manages {tpr} at most, below the scale-up threshold {} (target {} + catch-up {})",
            scaling.busy * 100.0,
            rate(scaling.scale_up_threshold),
            rate(demand.target_rate),
            rate(demand.catch_up_rate)
        ),
        Verdict::Underused => format!(
            "busy {:.0} %: it manages {tpr}, above the scale-down threshold {}",
            scaling.busy * 100.0,
            scaling.scale_down_threshold.map_or("∞".to_owned(), rate)
        ),
        Verdict::WithinBounds => format!(
            "busy {:.0} %: it manages {tpr}, between the thresholds {} and {}",
            scaling.busy * 100.0,
            rate(scaling.scale_up_threshold),
            scaling.scale_down_threshold.map_or("∞".to_owned(), rate)
        ),
    };
    VertexRecommendation {
        vertex_id: vertex.id.clone(),
        name: vertex.name.clone(),
        busy_percent: scaling.busy * 100.0,
        back_pressured_percent: window.back_pressured_ms.map(|ms| ms / 10.0),
        input_rate: scaling.input_rate,
        true_processing_rate: scaling.true_processing_rate,
        target_rate: demand.target_rate,
        catch_up_rate: demand.catch_up_rate,
        pending_records: window.lag,
        scale_up_threshold: scaling.scale_up_threshold,
        scale_down_threshold: scaling.scale_down_threshold,
        verdict,
        current_parallelism: current,
        wanted_parallelism: scaling.wanted,
        recommended_parallelism: recommended,
        // The parallelism is added once the job-level rules have settled it.
        reason,
    }
}
