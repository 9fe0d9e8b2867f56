//! A deployment's Autopilot policy (`spec.autopilot`): whether it acts, how long it keeps acting,
//! the limits it must stay within and the algorithm's knobs. The wire shape (camelCase JSON) is the
//! REST API's; `validate` is the one check of a policy a person wrote. It never decides anything
//! itself: the `autopilot` crate does, and re-exports these types. They live here because the
//! deployment's spec carries them and `autopilot` depends on `domain`, not the other way round.

mod silent;

use serde::{Deserialize, Serialize};

pub use silent::{SilentPeriod, SilentPeriods};

/// What the Autopilot does with its recommendations (Ververica Platform's modes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Mode {
    /// Nothing is computed, nothing is applied.
    #[default]
    Disabled,
    /// Recommendations are computed and published as events; nothing is applied.
    Monitoring,
    /// Recommendations are applied (a rescale of the job) when the policy allows it.
    Active,
}

/// How long the Autopilot keeps adjusting (Alibaba's strategies).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Strategy {
    /// Keeps adjusting for as long as the job runs.
    #[default]
    Adaptive,
    /// Stops adjusting after a quiet period without a change (`Tuning::stable_quiet_period_seconds`)
    /// or a fixed time after it began (`Tuning::stable_max_duration_seconds`); only a restart by a
    /// person starts the clocks again.
    Stable,
}

/// A deployment's Autopilot policy. Every field has a default, so `{}` is a valid policy
/// (DISABLED, ADAPTIVE, the operator's defaults).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase", default)]
pub struct AutopilotPolicy {
    /// DISABLED (default), MONITORING (recommend only) or ACTIVE (apply).
    pub mode: Mode,
    /// ADAPTIVE (default: keep adjusting) or STABLE (stop after a quiet period).
    pub strategy: Strategy,
    /// Bounds on what the Autopilot may do to the job.
    pub limits: Limits,
    /// Times of day or week when nothing is changed (recommendations are still made).
    pub silent_periods: SilentPeriods,
    /// The algorithm's knobs; the defaults are the Flink Kubernetes Operator's.
    pub tuning: Tuning,
}

/// Bounds on the Autopilot's changes, as Alibaba's policy names them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase", default)]
pub struct Limits {
    /// Minutes that must pass after a change by the Autopilot before it makes the next one.
    /// Default 10 (Alibaba's example; the operator has none besides its stabilisation interval).
    pub cool_down_minutes: u32,
    /// No vertex is scaled below this parallelism. Default 1.
    pub job_min_parallelism: u32,
    /// No vertex is scaled above this parallelism. Default: no limit.
    pub job_max_parallelism: Option<u32>,
    /// The most CPU cores the job may use (JobManager plus TaskManagers, from `JobResources`).
    /// Default: no limit.
    pub job_max_cpu: Option<f64>,
    /// The most memory the job may use, in MiB (JobManager plus TaskManagers). Default: no limit.
    pub job_max_memory_mib: Option<u64>,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            cool_down_minutes: 10,
            job_min_parallelism: 1,
            job_max_parallelism: None,
            job_max_cpu: None,
            job_max_memory_mib: None,
        }
    }
}

/// The algorithm's knobs. Defaults are those of the Flink Kubernetes Operator's autoscaler
/// (`job.autoscaler.*`), except the two STABLE clocks (Alibaba's 24 h and 72 h).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase", default)]
pub struct Tuning {
    /// Seconds after the job (re)starts whose metrics are ignored (`stabilization.interval`, 300).
    pub stabilization_seconds: u64,
    /// Seconds of metrics a decision looks at (`metrics.window`, 900); no decision before the
    /// first usable sample is this old.
    pub metrics_window_seconds: u64,
    /// The utilisation a rescale aims at (`utilization.target`, 0.7).
    pub target_utilization: f64,
    /// Utilisation may stray this far from the target before a rescale (`target.utilization.boundary`, 0.3).
    pub utilization_boundary: f64,
    /// A scale-down happens only once it has been recommended for this long, and then to the
    /// highest parallelism recommended meanwhile (`scale-down.interval`, 3600; 0 disables the delay).
    pub scale_down_interval_seconds: u64,
    /// One scale-down removes at most this share of a vertex's parallelism (`scale-down.max-factor`, 0.6).
    pub max_scale_down_factor: f64,
    /// One scale-up multiplies a vertex's parallelism by at most 1 + this (`scale-up.max-factor`, 100000).
    pub max_scale_up_factor: f64,
    /// Seconds in which a backlog should be worked off after a rescale (`catch-up.duration`, 1800;
    /// 0: backlog is not considered).
    pub catch_up_duration_seconds: u64,
    /// Seconds a rescale is expected to take, records arriving meanwhile are backlog
    /// (`restart.time`, 300).
    pub restart_time_seconds: u64,
    /// The lowest parallelism the algorithm picks for a vertex (`vertex.min-parallelism`, 1).
    pub vertex_min_parallelism: u32,
    /// The highest parallelism the algorithm picks for a vertex (`vertex.max-parallelism`, 200).
    pub vertex_max_parallelism: u32,
    /// A source whose backlog takes longer than this to read at its current rate is "processing
    /// backlog": then no vertex is scaled down (`backlog-processing.lag-threshold`, 300).
    pub backlog_threshold_seconds: u64,
    /// STABLE stops after this many seconds without a change (24 h).
    pub stable_quiet_period_seconds: u64,
    /// STABLE stops this many seconds after it began or the job was last restarted by a person (72 h).
    pub stable_max_duration_seconds: u64,
}

impl Default for Tuning {
    fn default() -> Self {
        Self {
            stabilization_seconds: 5 * 60,
            metrics_window_seconds: 15 * 60,
            target_utilization: 0.7,
            utilization_boundary: 0.3,
            scale_down_interval_seconds: 60 * 60,
            max_scale_down_factor: 0.6,
            max_scale_up_factor: 100_000.0,
            catch_up_duration_seconds: 30 * 60,
            restart_time_seconds: 5 * 60,
            vertex_min_parallelism: 1,
            vertex_max_parallelism: 200,
            backlog_threshold_seconds: 5 * 60,
            stable_quiet_period_seconds: 24 * 60 * 60,
            stable_max_duration_seconds: 72 * 60 * 60,
        }
    }
}

/// Why a policy cannot be used, naming the field in its JSON spelling.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{field}: {problem}")]
pub struct PolicyError {
    /// The offending field, as a JSON path (`tuning.targetUtilization`).
    pub field: &'static str,
    /// What is wrong with it, for a person to read.
    pub problem: String,
}

impl AutopilotPolicy {
    /// Every problem of this policy; empty when it can be used.
    pub fn validate(&self) -> Vec<PolicyError> {
        let mut errors = Vec::new();
        let mut refuse = |field: &'static str, problem: String| errors.push(PolicyError { field, problem });
        let t = &self.tuning;
        if !(t.target_utilization > 0.0 && t.target_utilization <= 1.0) {
            refuse("tuning.targetUtilization", format!("must be in (0, 1], not {}", t.target_utilization));
        }
        if !(0.0..=1.0).contains(&t.utilization_boundary) {
            refuse("tuning.utilizationBoundary", format!("must be in [0, 1], not {}", t.utilization_boundary));
        }
        if !(0.0..1.0).contains(&t.max_scale_down_factor) {
            refuse("tuning.maxScaleDownFactor", format!("must be in [0, 1), not {}", t.max_scale_down_factor));
        }
        if t.max_scale_up_factor.is_nan() || t.max_scale_up_factor < 0.0 {
            refuse("tuning.maxScaleUpFactor", format!("must be 0 or more, not {}", t.max_scale_up_factor));
        }
        if t.metrics_window_seconds == 0 {
            refuse("tuning.metricsWindowSeconds", "must be more than 0".into());
        }
        if t.vertex_min_parallelism == 0 {
            refuse("tuning.vertexMinParallelism", "must be at least 1".into());
        }
        if t.vertex_max_parallelism < t.vertex_min_parallelism {
            refuse("tuning.vertexMaxParallelism", "must not be below vertexMinParallelism".into());
        }
        let l = &self.limits;
        if l.job_min_parallelism == 0 {
            refuse("limits.jobMinParallelism", "must be at least 1".into());
        }
        if l.job_max_parallelism.is_some_and(|max| max < l.job_min_parallelism) {
            refuse("limits.jobMaxParallelism", "must not be below jobMinParallelism".into());
        }
        if l.job_max_cpu.is_some_and(|cpu| cpu.is_nan() || cpu <= 0.0) {
            refuse("limits.jobMaxCpu", "must be more than 0".into());
        }
        if l.job_max_memory_mib == Some(0) {
            refuse("limits.jobMaxMemoryMib", "must be more than 0".into());
        }
        for problem in self.silent_periods.problems() {
            refuse("silentPeriods", problem);
        }
        errors
    }
}
