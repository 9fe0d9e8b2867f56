//! Decides a job's parallelism from its metrics: the Flink Kubernetes Operator's autoscaling algorithm (reimplemented from its description) plus the console's Autopilot policy. Pure functions only: no IO, no clock reads (the time is an input), no Flink calls; the caller gathers samples, stores state and applies the decision.
//!
//! `decide` takes a policy (`AutopilotPolicy`), the job's recent `domain::job_metrics` samples,
//! the remembered `AutopilotState` and the time, and returns a `Decision`: the overall action and
//! each vertex's numbers. `docs/autopilot.md` has the algorithm, the decision table and why.

#![warn(missing_docs)]

mod decision;
mod graph;
mod resources;
mod status;
mod vertex;
mod window;

pub use decision::{
    decide, Action, AutopilotState, BlockedReason, Decision, DecisionInput, Direction, Limit, NoChangeReason,
    NotAppliedReason, PendingScaleDown, Verdict, VertexRecommendation, WindowSummary,
};
pub use domain::autopilot::{AutopilotPolicy, Limits, Mode, PolicyError, Strategy, Tuning};
pub use domain::autopilot::{SilentPeriod, SilentPeriods};
pub use domain::job_metrics::{JobEdge, JobMetricsSample, ShipStrategy, VertexMetrics};
pub use resources::JobResources;
pub use status::AutopilotStatus;
