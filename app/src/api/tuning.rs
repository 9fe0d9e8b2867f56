//! Server functions of the deployment page's Autopilot & plans tab: save the Autopilot's policy
//! (its common fields over what is stored), and create, apply, stop and delete tuning plans. Each
//! authorises on the server and calls the same services as the REST API; a plain form post returns
//! to the tab, with the refusal as `error`.

use leptos::prelude::*;

use crate::error::AppError;

/// Replaces the common fields of the deployment's Autopilot policy (mode, strategy, target
/// utilisation, metrics window, stabilisation, cool-down, job min/max parallelism); its other
/// fields stay as stored. Answers the mode saved.
#[allow(clippy::too_many_arguments)]
#[server(endpoint = "save_autopilot_policy")]
pub async fn save_autopilot_policy(
    namespace: String,
    deployment_id: String,
    mode: String,
    strategy: String,
    target_utilization: String,
    metrics_window_seconds: String,
    stabilization_seconds: String,
    cool_down_minutes: String,
    min_parallelism: String,
    max_parallelism: Option<String>,
) -> Result<String, AppError> {
    use crate::api::deployments::back_to_tab;
    use crate::ssr::{answer, caller, parse_namespace, plain_form_post, services, Permission};
    use serde_json::{json, Value};

    let result = answer(async {
        let services = services()?;
        let ns = parse_namespace(&namespace)?;
        services.require(&caller(), Permission::EditDeployments, &ns).await?;
        let number =
            |field: &str, raw: &str| -> Result<Value, AppError> {
                let raw = raw.trim();
                if let Ok(whole) = raw.parse::<u64>() {
                    return Ok(json!(whole));
                }
                raw.parse::<f64>().ok().filter(|n| n.is_finite()).map(|n| json!(n)).ok_or_else(|| {
                    AppError::BadRequest(format!("spec.autopilot.{field}: must be a number, got {raw:?}"))
                })
            };
        let current = services.autopilot_policy(&ns, &deployment_id).await?;
        let mut policy = serde_json::to_value(&current).map_err(|_| AppError::Internal)?;
        policy["mode"] = json!(mode.trim().to_ascii_uppercase());
        policy["strategy"] = json!(strategy.trim().to_ascii_uppercase());
        policy["tuning"]["targetUtilization"] = number("tuning.targetUtilization", &target_utilization)?;
        policy["tuning"]["metricsWindowSeconds"] = number("tuning.metricsWindowSeconds", &metrics_window_seconds)?;
        policy["tuning"]["stabilizationSeconds"] = number("tuning.stabilizationSeconds", &stabilization_seconds)?;
        policy["limits"]["coolDownMinutes"] = number("limits.coolDownMinutes", &cool_down_minutes)?;
        policy["limits"]["jobMinParallelism"] = number("limits.jobMinParallelism", &min_parallelism)?;
        policy["limits"]["jobMaxParallelism"] = match max_parallelism.as_deref().map(str::trim) {
            None | Some("") => Value::Null,
            Some(raw) => number("limits.jobMaxParallelism", raw)?,
        };
        let saved = services.set_autopilot_policy(&caller(), &ns, &deployment_id, &policy).await?;
        Ok(serde_json::to_value(saved.mode).ok().and_then(|m| m.as_str().map(str::to_owned)).unwrap_or_default())
    })
    .await;
    back_to_tab(&namespace, &deployment_id, "tuning", &result, plain_form_post());
    result
}

/// Creates a tuning plan from the tab's form: a name and up to three time points, each a kind
/// (`DAILY` at `HH:MM` in a time zone, or `ONCE` at an instant with its offset) and a parallelism;
/// blank rows are left out. Answers the plan's id.
#[allow(clippy::too_many_arguments)]
#[server(endpoint = "create_tuning_plan")]
pub async fn create_tuning_plan(
    namespace: String,
    deployment_id: String,
    name: String,
    kind_1: String,
    at_1: String,
    zone_1: String,
    parallelism_1: String,
    kind_2: Option<String>,
    at_2: Option<String>,
    zone_2: Option<String>,
    parallelism_2: Option<String>,
    kind_3: Option<String>,
    at_3: Option<String>,
    zone_3: Option<String>,
    parallelism_3: Option<String>,
) -> Result<String, AppError> {
    use crate::api::deployments::back_to_tab;
    use crate::ssr::{answer, caller, parse_namespace, plain_form_post, services, Permission};
    use serde_json::json;

    let rows = [
        (Some(kind_1), Some(at_1), Some(zone_1), Some(parallelism_1)),
        (kind_2, at_2, zone_2, parallelism_2),
        (kind_3, at_3, zone_3, parallelism_3),
    ];
    let result = answer(async {
        let services = services()?;
        let ns = parse_namespace(&namespace)?;
        services.require(&caller(), Permission::EditDeployments, &ns).await?;
        let mut points = Vec::new();
        for (i, (kind, at, zone, parallelism)) in rows.into_iter().enumerate() {
            let text = |value: Option<String>| value.map(|v| v.trim().to_owned()).unwrap_or_default();
            let (kind, at, zone, parallelism) = (text(kind), text(at), text(zone), text(parallelism));
            if at.is_empty() && parallelism.is_empty() {
                continue;
            }
            let field = format!("spec.timePoints[{}]", points.len());
            let parallelism: u32 = parallelism.parse().map_err(|_| {
                AppError::BadRequest(format!("{field}.setting.parallelism: time point {} needs a whole number", i + 1))
            })?;
            let trigger = match kind.to_ascii_uppercase().as_str() {
                "ONCE" => json!({"kind": "ONCE", "at": at}),
                _ => json!({"kind": "DAILY", "time": at, "timeZone": if zone.is_empty() { "UTC".to_owned() } else { zone }}),
            };
            points.push(json!({"trigger": trigger, "setting": {"parallelism": parallelism}}));
        }
        let document = json!({"metadata": {"name": name}, "spec": {"timePoints": points}});
        let plan = services.create_tuning_plan(&caller(), &ns, &deployment_id, &document).await?;
        Ok(plan.metadata.id)
    })
    .await;
    back_to_tab(&namespace, &deployment_id, "tuning", &result, plain_form_post());
    result
}

/// What the plan buttons of the tab do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum PlanAction {
    Apply,
    Stop,
    Delete,
}

/// Applies, stops or deletes a tuning plan of the deployment. Answers the plan's id.
#[server(endpoint = "change_tuning_plan")]
pub async fn change_tuning_plan(
    namespace: String,
    deployment_id: String,
    plan_id: String,
    action: PlanAction,
) -> Result<String, AppError> {
    use crate::api::deployments::back_to_tab;
    use crate::ssr::{answer, caller, parse_namespace, plain_form_post, services, Permission};

    let result = answer(async {
        let services = services()?;
        let ns = parse_namespace(&namespace)?;
        services.require(&caller(), Permission::EditDeployments, &ns).await?;
        let plan = services.tuning_plan(&ns, &plan_id).await?;
        if plan.metadata.deployment_id != deployment_id {
            return Err(AppError::NotFound(format!("tuning plan {plan_id}")));
        }
        let plan = match action {
            PlanAction::Apply => services.apply_tuning_plan(&caller(), &ns, &plan_id).await?,
            PlanAction::Stop => services.stop_tuning_plan(&caller(), &ns, &plan_id).await?,
            PlanAction::Delete => services.delete_tuning_plan(&caller(), &ns, &plan_id).await?,
        };
        Ok(plan.metadata.id)
    })
    .await;
    back_to_tab(&namespace, &deployment_id, "tuning", &result, plain_form_post());
    result
}
