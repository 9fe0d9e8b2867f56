//! `/api/v2/namespaces/{ns}/scheduled-plans` and `…/job-resource-upgradings`: Alibaba's scheduled
//! plans over the console's tuning plans (`Services::*_tuning_plan`). A periodic scheduling policy
//! is a console time point: `onlyOnceTriggerTime` (ms) is a ONCE point, `periodicSchedulingLevel`
//! DAY with `periodicTriggerTime` (its time of day, in UTC) a DAILY one; its `resourceSetting`
//! (basic parallelism, JobManager/TaskManager sizes, `flinkConf`) is the point's setting. WEEK and
//! MONTH levels have no counterpart and are refused.

use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::Extension;
use domain::tuning_plan::{ProcessResources, ResourceSetting, TimePoint, Trigger, TuningPlan};
use domain::{NamespaceName, PlanExecution};
use serde::{Deserialize, Serialize};
use serde_json::json;
use services::{parse_namespace, Caller, Permission, ServiceError};

use super::envelope::{self, Empty, Envelope, PageQuery, Paged};
use super::{bad, read, uuid_of, AliError, BasicResourceSetting, ResourceSpec, StreamingResourceSetting};
use crate::AppState;

const DAY_MS: i64 = 24 * 60 * 60 * 1000;

/// `ScheduledPlan`.
#[derive(Debug, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AliScheduledPlan {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scheduled_plan_id: Option<String>,
    /// 1 to 64 characters, unique among the deployment's plans.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deployment_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// Answered `USER`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin: Option<String>,
    /// The plan's time points.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub periodic_scheduling_policies: Option<Vec<SchedulingPolicy>>,
    /// APPLIED or NOT_APPLIED.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modified_at: Option<String>,
}

/// `PeriodicSchedulingPolicy`: one time point.
#[derive(Debug, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SchedulingPolicy {
    /// Once, at this instant (ms since the epoch).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub only_once_trigger_time: Option<i64>,
    /// DAY (every day); WEEK and MONTH are refused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub periodic_scheduling_level: Option<String>,
    /// Accepted and ignored for DAY.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub periodic_scheduling_values: Option<Vec<i64>>,
    /// DAY: a time (ms since the epoch) whose time of day, in UTC, is the point's. Answered as ms
    /// into the day (of the point's own time zone, for a point made elsewhere in another zone).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub periodic_trigger_time: Option<i64>,
    /// What is set then.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_setting: Option<PlanResourceSetting>,
    /// Answers only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_finished: Option<bool>,
    /// Answers only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub only_once_trigger_time_is_expired: Option<bool>,
}

/// `BriefResourceSetting`.
#[derive(Debug, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PlanResourceSetting {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub streaming_resource_setting: Option<StreamingResourceSetting>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub flink_conf: Option<std::collections::BTreeMap<String, serde_json::Value>>,
}

/// `ScheduledPlanAppliedInfo`.
#[derive(Debug, Default, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AppliedInfo {
    pub scheduled_plan_id: String,
    pub scheduled_plan_name: String,
    pub deployment_id: String,
    pub namespace: String,
    /// APPLIED or STOPPED.
    pub status_state: String,
    pub modified_at: String,
}

/// `ScheduledPlanExecutedInfo`: one time point carried out.
#[derive(Debug, Default, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ExecutedInfo {
    pub job_resource_upgrading_id: String,
    /// The plan's name.
    pub name: String,
    pub deployment_id: String,
    pub namespace: String,
    /// SCHEDULED_PLAN.
    pub origin: String,
    pub status: ExecutedStatus,
    pub created_at: String,
    pub modified_at: String,
}

/// `ScheduledPlanExecutedStatus`.
#[derive(Debug, Default, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ExecutedStatus {
    /// APPLIED or FAILED (the console's outcome).
    pub status_state: String,
    /// STATEFUL: a running job gets the change by a stateful upgrade.
    pub restart_type: String,
}

fn time_point(index: usize, policy: &SchedulingPolicy) -> Result<TimePoint, AliError> {
    let field = format!("periodicSchedulingPolicies[{index}]");
    let trigger = match (policy.only_once_trigger_time, policy.periodic_scheduling_level.as_deref()) {
        (Some(ms), None) => Trigger::Once { at: engine::time::rfc3339(ms) },
        (None, Some(level)) if level.eq_ignore_ascii_case("DAY") => {
            let ms = policy
                .periodic_trigger_time
                .ok_or_else(|| bad(&format!("{field}.periodicTriggerTime"), "a DAY policy needs its time"))?;
            let minutes = ms.rem_euclid(DAY_MS) / 60_000;
            Trigger::Daily { time: format!("{:02}:{:02}", minutes / 60, minutes % 60), time_zone: "UTC".into() }
        }
        (None, Some(level)) => {
            return Err(bad(
                &format!("{field}.periodicSchedulingLevel"),
                &format!("{level:?}: only DAY (every day at a time) or a one-off onlyOnceTriggerTime"),
            ))
        }
        (Some(_), Some(_)) => {
            return Err(bad(&field, "either onlyOnceTriggerTime or periodicSchedulingLevel, not both"));
        }
        (None, None) => return Err(bad(&field, "needs onlyOnceTriggerTime or periodicSchedulingLevel DAY")),
    };
    let mut setting = ResourceSetting::default();
    if let Some(given) = &policy.resource_setting {
        let basic = given.streaming_resource_setting.as_ref().and_then(|s| s.basic_resource_setting.as_ref());
        if let Some(basic) = basic {
            setting.parallelism = basic.parallelism;
            let process = |spec: &Option<ResourceSpec>| {
                spec.as_ref().map(|s| ProcessResources { cpu: s.cpu, memory: s.memory.clone() })
            };
            setting.job_manager = process(&basic.jobmanager_resource_setting_spec);
            setting.task_manager = process(&basic.taskmanager_resource_setting_spec);
        }
        for (key, value) in given.flink_conf.iter().flatten() {
            let text = match value {
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            setting.flink_configuration.insert(key.clone(), text);
        }
    }
    Ok(TimePoint { trigger, setting })
}

/// The console's plan document for an Alibaba plan.
fn document(plan: &AliScheduledPlan) -> Result<serde_json::Value, AliError> {
    let points = plan.periodic_scheduling_policies.as_deref().unwrap_or_default();
    let points: Vec<TimePoint> = points.iter().enumerate().map(|(i, p)| time_point(i, p)).collect::<Result<_, _>>()?;
    Ok(json!({"metadata": {"name": plan.name}, "spec": {"timePoints": points}}))
}

fn policy_of(point: &TimePoint, now_ms: i64) -> SchedulingPolicy {
    let setting = &point.setting;
    let spec = |p: &Option<ProcessResources>| p.as_ref().map(|p| ResourceSpec { cpu: p.cpu, memory: p.memory.clone() });
    let resource_setting = Some(PlanResourceSetting {
        streaming_resource_setting: Some(StreamingResourceSetting {
            resource_setting_mode: Some("BASIC".into()),
            basic_resource_setting: Some(BasicResourceSetting {
                parallelism: setting.parallelism,
                jobmanager_resource_setting_spec: spec(&setting.job_manager),
                taskmanager_resource_setting_spec: spec(&setting.task_manager),
            }),
            expert_resource_setting: None,
        }),
        flink_conf: Some(setting.flink_configuration.iter().map(|(k, v)| (k.clone(), json!(v))).collect()),
    });
    match &point.trigger {
        Trigger::Once { at } => {
            let at = engine::time::parse_ms(at);
            SchedulingPolicy {
                only_once_trigger_time: at,
                only_once_trigger_time_is_expired: at.map(|at| at <= now_ms),
                resource_setting,
                ..SchedulingPolicy::default()
            }
        }
        Trigger::Daily { time, .. } => {
            let (hours, minutes) = time.split_once(':').unwrap_or(("0", "0"));
            let of_day = hours.parse::<i64>().unwrap_or(0) * 3_600_000 + minutes.parse::<i64>().unwrap_or(0) * 60_000;
            SchedulingPolicy {
                periodic_scheduling_level: Some("DAY".into()),
                periodic_trigger_time: Some(of_day),
                resource_setting,
                ..SchedulingPolicy::default()
            }
        }
    }
}

fn of(plan: &TuningPlan, now_ms: i64) -> AliScheduledPlan {
    AliScheduledPlan {
        scheduled_plan_id: Some(plan.metadata.id.clone()),
        name: Some(plan.metadata.name.clone()),
        deployment_id: Some(plan.metadata.deployment_id.clone()),
        namespace: Some(plan.metadata.namespace.clone()),
        origin: Some("USER".into()),
        periodic_scheduling_policies: Some(plan.spec.time_points.iter().map(|p| policy_of(p, now_ms)).collect()),
        status: Some(if plan.status.applied { "APPLIED" } else { "NOT_APPLIED" }.into()),
        created_at: Some(plan.metadata.created_at.clone()),
        modified_at: Some(plan.metadata.modified_at.clone()),
    }
}

fn applied_info(plan: &TuningPlan) -> AppliedInfo {
    AppliedInfo {
        scheduled_plan_id: plan.metadata.id.clone(),
        scheduled_plan_name: plan.metadata.name.clone(),
        deployment_id: plan.metadata.deployment_id.clone(),
        namespace: plan.metadata.namespace.clone(),
        status_state: if plan.status.applied { "APPLIED" } else { "STOPPED" }.into(),
        modified_at: plan.metadata.modified_at.clone(),
    }
}

/// The deployment id a plan query names (required: the console's plans belong to a deployment).
fn deployment_of(raw: Option<&str>) -> Result<String, AliError> {
    let raw = raw.filter(|s| !s.is_empty()).ok_or_else(|| bad("deploymentId", "is required"))?;
    uuid_of("deploymentId", raw)
}

#[derive(Deserialize, Default, utoipa::IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// The deployment (a UUID; required).
    deployment_id: Option<String>,
    #[serde(flatten)]
    #[param(ignore)]
    page: PageQuery,
}

/// ListScheduledPlan: a page of a deployment's plans, by name.
#[utoipa::path(get, path = "/api/v2/namespaces/{namespace}/scheduled-plans", tag = super::TAG,
    params(("namespace" = String, Path, description = "The namespace"), ListQuery, PageQuery),
    responses((status = 200, body = Envelope<Vec<AliScheduledPlan>>), (status = 400, body = Envelope<Empty>), (status = 404, body = Envelope<Empty>)))]
pub async fn list(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(namespace): Path<String>,
    Query(query): Query<ListQuery>,
) -> Result<Response, AliError> {
    let namespace = parse_namespace(&namespace)?;
    state.services.require(&caller, Permission::ViewDeployments, &namespace).await?;
    let deployment = deployment_of(query.deployment_id.as_deref())?;
    let page = query.page.params()?;
    let plans = state.services.tuning_plans(&namespace, &deployment).await?;
    let total = plans.len() as u64;
    let now = state.services.now_ms();
    let skip = (page.index as usize - 1) * page.size as usize;
    let items = plans.iter().skip(skip).take(page.size as usize).map(|p| of(p, now)).collect();
    Ok(envelope::page(Paged { items, page, total }))
}

/// CreateScheduledPlan: a new plan of `deploymentId` (not applied).
#[utoipa::path(post, path = "/api/v2/namespaces/{namespace}/scheduled-plans", tag = super::TAG,
    params(("namespace" = String, Path, description = "The namespace")),
    request_body(content = AliScheduledPlan, content_type = "application/json"),
    responses((status = 200, body = Envelope<AliScheduledPlan>), (status = 400, body = Envelope<Empty>), (status = 404, body = Envelope<Empty>), (status = 409, body = Envelope<Empty>)))]
pub async fn create(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(namespace): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, AliError> {
    let namespace = parse_namespace(&namespace)?;
    state.services.require(&caller, Permission::EditDeployments, &namespace).await?;
    let given: AliScheduledPlan = read(&headers, body).await?;
    let deployment = deployment_of(given.deployment_id.as_deref())?;
    let plan = state
        .services
        .create_tuning_plan(&caller, &namespace, &deployment, &document(&given)?)
        .await
        .map_err(in_plan_terms)?;
    Ok(envelope::ok(of(&plan, state.services.now_ms())))
}

/// The console's field names in a plan's refusal, in Alibaba's.
fn in_plan_terms(err: ServiceError) -> AliError {
    AliError(match err {
        ServiceError::BadRequest(m) => ServiceError::BadRequest(
            m.replace("metadata.name", "name").replace("spec.timePoints", "periodicSchedulingPolicies"),
        ),
        other => other,
    })
}

/// UpdateScheduledPlan: replaces a plan's name and policies (an applied plan stays applied).
#[utoipa::path(put, path = "/api/v2/namespaces/{namespace}/scheduled-plans/{scheduledPlanId}", tag = super::TAG,
    params(("namespace" = String, Path, description = "The namespace"), ("scheduledPlanId" = String, Path, description = "The plan's id (a UUID)")),
    request_body(content = AliScheduledPlan, content_type = "application/json"),
    responses((status = 200, body = Envelope<AliScheduledPlan>), (status = 400, body = Envelope<Empty>), (status = 404, body = Envelope<Empty>), (status = 409, body = Envelope<Empty>)))]
pub async fn update(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path((namespace, id)): Path<(String, String)>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, AliError> {
    let namespace = parse_namespace(&namespace)?;
    state.services.require(&caller, Permission::EditDeployments, &namespace).await?;
    let id = uuid_of("scheduledPlanId", &id)?;
    let mut given: AliScheduledPlan = read(&headers, body).await?;
    let current = state.services.tuning_plan(&namespace, &id).await?;
    if given.name.is_none() {
        given.name = Some(current.metadata.name.clone());
    }
    let plan =
        state.services.update_tuning_plan(&caller, &namespace, &id, &document(&given)?).await.map_err(in_plan_terms)?;
    Ok(envelope::ok(of(&plan, state.services.now_ms())))
}

/// DeleteScheduledPlan: deletes a plan (an applied one stops being applied; what it set stays).
#[utoipa::path(delete, path = "/api/v2/namespaces/{namespace}/scheduled-plans/{scheduledPlanId}", tag = super::TAG,
    params(("namespace" = String, Path, description = "The namespace"), ("scheduledPlanId" = String, Path, description = "The plan's id (a UUID)")),
    responses((status = 200, body = Envelope<AliScheduledPlan>), (status = 400, body = Envelope<Empty>), (status = 404, body = Envelope<Empty>), (status = 409, body = Envelope<Empty>)))]
pub async fn delete(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path((namespace, id)): Path<(String, String)>,
) -> Result<Response, AliError> {
    let namespace = parse_namespace(&namespace)?;
    state.services.require(&caller, Permission::EditDeployments, &namespace).await?;
    let plan = state.services.delete_tuning_plan(&caller, &namespace, &uuid_of("scheduledPlanId", &id)?).await?;
    Ok(envelope::ok(of(&plan, state.services.now_ms())))
}

/// `POST …/scheduled-plans/{id}:apply` (also `%3Aapply`).
pub async fn post_action(
    state: State<AppState>,
    caller: Extension<Caller>,
    Path((namespace, id_and_action)): Path<(String, String)>,
) -> Result<Response, AliError> {
    match id_and_action.rsplit_once(':') {
        Some((id, "apply")) => apply(state, caller, Path((namespace, id.to_owned()))).await,
        _ => Err(AliError(ServiceError::NotFound(format!("the operation POST scheduled-plans/{id_and_action:?}")))),
    }
}

/// `PATCH …/scheduled-plans/{id}:stop` (also `%3Astop`).
pub async fn patch_action(
    state: State<AppState>,
    caller: Extension<Caller>,
    Path((namespace, id_and_action)): Path<(String, String)>,
) -> Result<Response, AliError> {
    match id_and_action.rsplit_once(':') {
        Some((id, "stop")) => stop(state, caller, Path((namespace, id.to_owned()))).await,
        _ => Err(AliError(ServiceError::NotFound(format!("the operation PATCH scheduled-plans/{id_and_action:?}")))),
    }
}

/// ApplyScheduledPlan: applies a plan to its deployment (refused while the Autopilot is on or
/// another plan is applied).
#[utoipa::path(post, path = "/api/v2/namespaces/{namespace}/scheduled-plans/{scheduledPlanId}:apply", tag = super::TAG,
    params(("namespace" = String, Path, description = "The namespace"), ("scheduledPlanId" = String, Path, description = "The plan's id (a UUID)")),
    responses((status = 200, body = Envelope<AppliedInfo>), (status = 400, body = Envelope<Empty>), (status = 404, body = Envelope<Empty>), (status = 409, body = Envelope<Empty>)))]
pub async fn apply(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path((namespace, id)): Path<(String, String)>,
) -> Result<Response, AliError> {
    let namespace = parse_namespace(&namespace)?;
    state.services.require(&caller, Permission::EditDeployments, &namespace).await?;
    let plan = state.services.apply_tuning_plan(&caller, &namespace, &uuid_of("scheduledPlanId", &id)?).await?;
    Ok(envelope::ok(applied_info(&plan)))
}

/// StopApplyScheduledPlan: stops applying a plan (what it already set stays).
#[utoipa::path(patch, path = "/api/v2/namespaces/{namespace}/scheduled-plans/{scheduledPlanId}:stop", tag = super::TAG,
    params(("namespace" = String, Path, description = "The namespace"), ("scheduledPlanId" = String, Path, description = "The plan's id (a UUID)")),
    responses((status = 200, body = Envelope<AppliedInfo>), (status = 400, body = Envelope<Empty>), (status = 404, body = Envelope<Empty>), (status = 409, body = Envelope<Empty>)))]
pub async fn stop(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path((namespace, id)): Path<(String, String)>,
) -> Result<Response, AliError> {
    let namespace = parse_namespace(&namespace)?;
    state.services.require(&caller, Permission::EditDeployments, &namespace).await?;
    let plan = state.services.stop_tuning_plan(&caller, &namespace, &uuid_of("scheduledPlanId", &id)?).await?;
    Ok(envelope::ok(applied_info(&plan)))
}

#[derive(Deserialize, Default, utoipa::IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct AppliedQuery {
    /// The deployment (a UUID; required).
    deployment_id: Option<String>,
}

/// GetAppliedScheduledPlan (`GET …/scheduled-plans:getExecutedScheduledPlan`): the plan applied to
/// the deployment; `data` is absent when none is.
#[utoipa::path(get, path = "/api/v2/namespaces/{namespace}/scheduled-plans:getExecutedScheduledPlan", tag = super::TAG,
    params(("namespace" = String, Path, description = "The namespace"), AppliedQuery),
    responses((status = 200, body = Envelope<AppliedInfo>), (status = 400, body = Envelope<Empty>), (status = 404, body = Envelope<Empty>)))]
pub async fn applied(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(namespace): Path<String>,
    Query(query): Query<AppliedQuery>,
) -> Result<Response, AliError> {
    let namespace = parse_namespace(&namespace)?;
    state.services.require(&caller, Permission::ViewDeployments, &namespace).await?;
    let deployment = deployment_of(query.deployment_id.as_deref())?;
    let plans = state.services.tuning_plans(&namespace, &deployment).await?;
    match plans.iter().find(|p| p.status.applied) {
        Some(plan) => Ok(envelope::ok(applied_info(plan))),
        None => Ok(envelope::done()),
    }
}

#[derive(Deserialize, Default, utoipa::IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct HistoryQuery {
    /// The deployment (a UUID; required).
    deployment_id: Option<String>,
    /// SCHEDULED_PLAN (the only origin here) or absent.
    origin: Option<String>,
}

fn executed(namespace: &NamespaceName, row: &PlanExecution) -> ExecutedInfo {
    ExecutedInfo {
        job_resource_upgrading_id: row.id.clone(),
        name: row.plan_name.clone(),
        deployment_id: row.deployment_id.clone(),
        namespace: namespace.as_str().to_owned(),
        origin: "SCHEDULED_PLAN".into(),
        status: ExecutedStatus { status_state: row.outcome.as_str().to_owned(), restart_type: "STATEFUL".into() },
        created_at: row.executed_at.clone(),
        modified_at: row.executed_at.clone(),
    }
}

/// ListScheduledPlanExecutedHistory (`GET …/job-resource-upgradings`): the newest time points the
/// deployment's plans carried out.
#[utoipa::path(get, path = "/api/v2/namespaces/{namespace}/job-resource-upgradings", tag = super::TAG,
    params(("namespace" = String, Path, description = "The namespace"), HistoryQuery),
    responses((status = 200, body = Envelope<Vec<ExecutedInfo>>), (status = 400, body = Envelope<Empty>), (status = 404, body = Envelope<Empty>)))]
pub async fn executed_history(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(namespace): Path<String>,
    Query(query): Query<HistoryQuery>,
) -> Result<Response, AliError> {
    let namespace = parse_namespace(&namespace)?;
    state.services.require(&caller, Permission::ViewDeployments, &namespace).await?;
    if query.origin.as_deref().is_some_and(|o| !o.is_empty() && !o.eq_ignore_ascii_case("SCHEDULED_PLAN")) {
        return Err(bad("origin", "the console's resource changes come from scheduled plans only: SCHEDULED_PLAN"));
    }
    let deployment = deployment_of(query.deployment_id.as_deref())?;
    let rows = state.services.plan_executions(&namespace, &deployment).await?;
    let items: Vec<ExecutedInfo> = rows.iter().map(|r| executed(&namespace, r)).collect();
    let total = items.len() as u64;
    let size = u32::try_from(items.len()).unwrap_or(u32::MAX).max(1);
    Ok(envelope::page(Paged { items, page: envelope::PageParams { index: 1, size }, total }))
}
