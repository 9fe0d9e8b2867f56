//! `/autopilot/v2/namespaces/{ns}/deployments/{id}/autopilotpolicy-describe|-update`: Alibaba's
//! Autopilot policy over the console's (`spec.autopilot`, read and written through
//! `Services::autopilot_policy` / `set_autopilot_policy`). `enabled` is the console's ACTIVE mode
//! (the console also has MONITORING, answered `enabled: false`); `policyConfig.limits` are the
//! console's limits. Alibaba's scale-up/-down rules, silent periods and advanced rules have no
//! counterpart here (the console's algorithm is the operator's autoscaler): they are answered
//! absent and refused when sent.

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::Extension;
use domain::autopilot::{AutopilotPolicy, Mode};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use services::{parse_namespace, Caller, Permission};

use super::envelope::{self, Empty, Envelope};
use super::{bad, read, uuid_of, AliError};
use crate::AppState;

/// `GetAutopilotPolicyResponseBodyData` / `UpdateAutopilotPolicyRequest`.
#[derive(Debug, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AliAutopilot {
    /// Whether the Autopilot applies what it decides (the console's ACTIVE mode).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// The policy: only `limits` have a counterpart in the console.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy_config: Option<AliPolicyConfig>,
}

/// `AutopilotPolicy`.
#[derive(Debug, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AliPolicyConfig {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limits: Option<AliLimits>,
    /// Refused when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub scale_up_rules: Option<Value>,
    /// Refused when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub scale_down_rules: Option<Value>,
    /// Refused when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub silent_period_config: Option<Value>,
    /// Refused when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub advanced_rules: Option<Value>,
}

/// `AutopilotPolicyLimits`.
#[derive(Debug, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AliLimits {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cool_down_minutes: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job_min_parallelism: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job_max_parallelism: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job_max_cpu: Option<f64>,
    /// Memory as Flink writes sizes (`16g`, `4096m`); answered in MiB (`4096m`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job_max_memory: Option<String>,
}

fn of(policy: &AutopilotPolicy) -> AliAutopilot {
    let limits = &policy.limits;
    AliAutopilot {
        enabled: Some(policy.mode == Mode::Active),
        policy_config: Some(AliPolicyConfig {
            limits: Some(AliLimits {
                cool_down_minutes: Some(limits.cool_down_minutes),
                job_min_parallelism: Some(limits.job_min_parallelism),
                job_max_parallelism: limits.job_max_parallelism,
                job_max_cpu: limits.job_max_cpu,
                job_max_memory: limits.job_max_memory_mib.map(|mib| format!("{mib}m")),
            }),
            ..AliPolicyConfig::default()
        }),
    }
}

/// GetAutopilotPolicy.
#[utoipa::path(get, path = "/autopilot/v2/namespaces/{namespace}/deployments/{deploymentId}/autopilotpolicy-describe", tag = super::TAG,
    params(("namespace" = String, Path, description = "The namespace"), ("deploymentId" = String, Path, description = "The deployment's id (a UUID)")),
    responses((status = 200, body = Envelope<AliAutopilot>), (status = 400, body = Envelope<Empty>), (status = 404, body = Envelope<Empty>)))]
pub async fn describe(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path((namespace, id)): Path<(String, String)>,
) -> Result<Response, AliError> {
    let namespace = parse_namespace(&namespace)?;
    state.services.require(&caller, Permission::ViewDeployments, &namespace).await?;
    let policy = state.services.autopilot_policy(&namespace, &uuid_of("deploymentId", &id)?).await?;
    Ok(envelope::ok(of(&policy)))
}

/// UpdateAutopilotPolicy: `enabled` switches the console's Autopilot to ACTIVE or DISABLED (left
/// out: the mode stays); `policyConfig.limits` replace the limits given. ACTIVE needs a STATEFUL
/// upgrade strategy and no applied scheduled plan (409 otherwise), as everywhere in the console.
#[utoipa::path(put, path = "/autopilot/v2/namespaces/{namespace}/deployments/{deploymentId}/autopilotpolicy-update", tag = super::TAG,
    params(("namespace" = String, Path, description = "The namespace"), ("deploymentId" = String, Path, description = "The deployment's id (a UUID)")),
    request_body(content = AliAutopilot, content_type = "application/json"),
    responses((status = 200, body = Envelope<AliAutopilot>), (status = 400, body = Envelope<Empty>), (status = 404, body = Envelope<Empty>), (status = 409, body = Envelope<Empty>)))]
pub async fn update(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path((namespace, id)): Path<(String, String)>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, AliError> {
    let namespace = parse_namespace(&namespace)?;
    state.services.require(&caller, Permission::EditDeployments, &namespace).await?;
    let id = uuid_of("deploymentId", &id)?;
    let given: AliAutopilot = read(&headers, body).await?;
    let mut policy = state.services.autopilot_policy(&namespace, &id).await?;
    match given.enabled {
        Some(true) => policy.mode = Mode::Active,
        Some(false) => policy.mode = Mode::Disabled,
        None => {}
    }
    if let Some(config) = &given.policy_config {
        for (field, value) in [
            ("scaleUpRules", &config.scale_up_rules),
            ("scaleDownRules", &config.scale_down_rules),
            ("silentPeriodConfig", &config.silent_period_config),
            ("advancedRules", &config.advanced_rules),
        ] {
            if value.as_ref().is_some_and(|v| !v.is_null()) {
                return Err(bad(
                    &format!("policyConfig.{field}"),
                    "not supported: the console's Autopilot decides by the Flink operator's autoscaler; set limits only",
                ));
            }
        }
        if let Some(limits) = &config.limits {
            let l = &mut policy.limits;
            if let Some(v) = limits.cool_down_minutes {
                l.cool_down_minutes = v;
            }
            if let Some(v) = limits.job_min_parallelism {
                l.job_min_parallelism = v;
            }
            if limits.job_max_parallelism.is_some() {
                l.job_max_parallelism = limits.job_max_parallelism;
            }
            if limits.job_max_cpu.is_some() {
                l.job_max_cpu = limits.job_max_cpu;
            }
            if let Some(memory) = &limits.job_max_memory {
                let bytes = domain::tuning_plan::memory_bytes(memory).ok_or_else(|| {
                    bad(
                        "policyConfig.limits.jobMaxMemory",
                        &format!("{memory:?} is not a memory size such as 16g or 4096m"),
                    )
                })?;
                l.job_max_memory_mib = Some(bytes / (1024 * 1024));
            }
        }
    }
    let document = serde_json::to_value(&policy).map_err(|_| AliError(services::ServiceError::Internal))?;
    let saved =
        state.services.set_autopilot_policy(&caller, &namespace, &id, &document).await.map_err(|err| match err {
            services::ServiceError::BadRequest(m) => services::ServiceError::BadRequest(
                m.replace("spec.autopilot.limits.", "policyConfig.limits.").replace("spec.autopilot.mode", "enabled"),
            ),
            other => other,
        })?;
    Ok(envelope::ok(of(&saved)))
}
