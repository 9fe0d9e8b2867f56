//! Scheduled tuning plans (Alibaba Realtime Compute's "resource plans"): a deployment's named list
//! of time points — once at an instant, or daily at a time of day in a time zone — each with the
//! resources to set then. At most one plan of a deployment is applied at a time, and never while
//! its Autopilot is on. When each point is due is the `plans` crate's business; this is the wire.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::wire::wire_enum;

/// The most plans one deployment may have (Alibaba's limit).
pub const MAX_PLANS_PER_DEPLOYMENT: usize = 20;
/// The most time points in one plan.
pub const MAX_TIME_POINTS: usize = 48;

/// A tuning plan of a deployment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct TuningPlan {
    /// Always `v1`.
    pub api_version: String,
    /// Always `TuningPlan`.
    pub kind: String,
    /// Who and what it is.
    pub metadata: TuningPlanMetadata,
    /// Its time points.
    pub spec: TuningPlanSpec,
    /// Whether it is applied, and what it last did.
    #[serde(default)]
    pub status: TuningPlanStatus,
}

/// The plan's identity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct TuningPlanMetadata {
    /// Chosen by the console (a UUID).
    pub id: String,
    /// Unique among the deployment's plans.
    pub name: String,
    /// The deployment's namespace.
    pub namespace: String,
    /// The deployment it belongs to.
    pub deployment_id: String,
    /// RFC 3339.
    pub created_at: String,
    /// RFC 3339.
    pub modified_at: String,
    /// Incremented by every change; a change naming an older one is refused.
    pub resource_version: i64,
}

/// What a plan does.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TuningPlanSpec {
    /// When to set what (1 to `MAX_TIME_POINTS`).
    pub time_points: Vec<TimePoint>,
}

/// One moment of a plan and the resources set then.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TimePoint {
    /// When.
    pub trigger: Trigger,
    /// What.
    pub setting: ResourceSetting,
}

/// When a time point is due.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Trigger {
    /// Once, at an instant (RFC 3339 with its offset, e.g. `2026-12-24T18:00:00+01:00`).
    #[serde(rename_all = "camelCase")]
    Once {
        /// The instant.
        at: String,
    },
    /// Every day at a time of day (`HH:MM`, 24-hour) in an IANA time zone (`Europe/Berlin`, `UTC`);
    /// daylight-saving changes are followed.
    #[serde(rename_all = "camelCase")]
    Daily {
        /// `HH:MM`.
        time: String,
        /// An IANA time zone name.
        time_zone: String,
    },
}

/// The resources a time point sets; what it leaves out stays as it is.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ResourceSetting {
    /// The job's parallelism (`spec.template.spec.parallelism`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parallelism: Option<u32>,
    /// The JobManager's CPU and memory (`spec.template.spec.resources.jobmanager`), where the target honours them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job_manager: Option<ProcessResources>,
    /// Each TaskManager's CPU and memory (`spec.template.spec.resources.taskmanager`), where the target honours them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task_manager: Option<ProcessResources>,
    /// Flink configuration entries set (merged over the deployment's).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub flink_configuration: BTreeMap<String, String>,
}

impl ResourceSetting {
    /// Whether it sets nothing at all.
    pub fn is_empty(&self) -> bool {
        self.parallelism.is_none()
            && self.job_manager.is_none()
            && self.task_manager.is_none()
            && self.flink_configuration.is_empty()
    }

    /// A short description for events and lists: `parallelism 4, taskmanager 2 CPU / 4g, 1 Flink setting`.
    pub fn summary(&self) -> String {
        let mut parts = Vec::new();
        if let Some(p) = self.parallelism {
            parts.push(format!("parallelism {p}"));
        }
        for (label, resources) in [("jobmanager", &self.job_manager), ("taskmanager", &self.task_manager)] {
            if let Some(r) = resources {
                let cpu = r.cpu.map(|c| format!("{c} CPU"));
                let text = [cpu, r.memory.clone()].into_iter().flatten().collect::<Vec<_>>().join(" / ");
                parts.push(format!("{label} {text}"));
            }
        }
        match self.flink_configuration.len() {
            0 => {}
            1 => parts.push("1 Flink setting".to_owned()),
            n => parts.push(format!("{n} Flink settings")),
        }
        if parts.is_empty() {
            "nothing".to_owned()
        } else {
            parts.join(", ")
        }
    }
}

/// A memory size in Flink's syntax — a whole number above 0 with an optional unit (`b`, `k`, `kb`,
/// `m`, `mb`, `g`, `gb`, `t`, `tb`, any case, optionally after a space): `1g`, `1536m`, `2048 mb`,
/// `1073741824` — in bytes; `None` if it is not one.
pub fn memory_bytes(text: &str) -> Option<u64> {
    let text = text.trim();
    let digits = text.chars().take_while(char::is_ascii_digit).count();
    let (number, unit) = text.split_at(digits);
    let number: u64 = number.parse().ok().filter(|n| *n > 0)?;
    let scale: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" | "bytes" => 1,
        "k" | "kb" => 1 << 10,
        "m" | "mb" => 1 << 20,
        "g" | "gb" => 1 << 30,
        "t" | "tb" => 1 << 40,
        _ => return None,
    };
    number.checked_mul(scale)
}

/// CPU and memory of a Flink process, in VVP's shape.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ProcessResources {
    /// Cores (fractions allowed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu: Option<f64>,
    /// Flink's memory size syntax (`1g`, `1536m`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory: Option<String>,
}

/// Whether a plan is applied, and its newest execution.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct TuningPlanStatus {
    /// Whether the engine follows it now.
    pub applied: bool,
    /// When it was last applied (RFC 3339); time points due after it are carried out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub applied_at: Option<String>,
    /// The occurrence it carried out last (RFC 3339); none before it is carried out again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_executed_for: Option<String>,
}

wire_enum!(
    /// How a time point's execution ended.
    PlanExecutionOutcome {
        /// The setting was written to the deployment (a running job is upgraded by the engine).
        Applied = "APPLIED",
        /// It could not be written; the message says why.
        Failed = "FAILED",
    }
);

/// One time point carried out: a row of the plan's executed history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct PlanExecution {
    /// A UUID.
    pub id: String,
    /// The plan.
    pub plan_id: String,
    /// The plan's name then.
    pub plan_name: String,
    /// The deployment.
    pub deployment_id: String,
    /// The time point's position in the plan (0-based).
    pub time_point: u32,
    /// The occurrence carried out (RFC 3339).
    pub scheduled_for: String,
    /// When it was carried out (RFC 3339).
    pub executed_at: String,
    /// How it ended.
    pub outcome: PlanExecutionOutcome,
    /// What was set, or why not.
    pub message: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plan_reads_and_writes_in_its_wire_shape() {
        let json = serde_json::json!({
            "timePoints": [
                {"trigger": {"kind": "DAILY", "time": "08:00", "timeZone": "Europe/Berlin"},
                 "setting": {"parallelism": 4, "taskManager": {"cpu": 2.0, "memory": "4g"}}},
                {"trigger": {"kind": "ONCE", "at": "2026-12-24T18:00:00+01:00"},
                 "setting": {"flinkConfiguration": {"pipeline.max-parallelism": "256"}}}
            ]
        });
        let spec: TuningPlanSpec = serde_json::from_value(json.clone()).expect("reads");
        assert_eq!(spec.time_points.len(), 2);
        assert_eq!(serde_json::to_value(&spec).expect("writes"), json);
        assert_eq!(spec.time_points[0].setting.summary(), "parallelism 4, taskmanager 2 CPU / 4g");
        assert_eq!(spec.time_points[1].setting.summary(), "1 Flink setting");
    }

    #[test]
    fn memory_sizes_are_flinks() {
        assert_eq!(memory_bytes("1g"), Some(1 << 30));
        assert_eq!(memory_bytes("1536m"), Some(1536 << 20));
        assert_eq!(memory_bytes("2048 MB"), Some(2048 << 20));
        assert_eq!(memory_bytes("1073741824"), Some(1 << 30));
        for bad in ["", "g", "1.5g", "-1g", "0m", "1 gigabyte", "99999999999t"] {
            assert_eq!(memory_bytes(bad), None, "{bad}");
        }
    }

    #[test]
    fn unknown_fields_are_refused_not_ignored() {
        let json =
            serde_json::json!({"timePoints": [{"trigger": {"kind": "ONCE", "at": "x"}, "setting": {"paralelism": 2}}]});
        assert!(serde_json::from_value::<TuningPlanSpec>(json).is_err());
    }
}
