//! Scheduled tuning plans (Alibaba Realtime Compute's resource plans): a deployment's plans under
//! `…/deployments/{id}/tuning-plans`, each plan under `…/tuning-plans/{planId}` with the custom
//! methods `:apply` and `:stop`, and the executed history under
//! `…/deployments/{id}/tuning-plan-executions`. Viewers read; editors write, apply and stop.

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::Extension;
use domain::{PlanExecution, ResourceList, TuningPlan};
use services::{parse_namespace, Caller, Permission, ServiceError};

use super::error::ErrorBody;
use super::representation::{read_body, represent};
use super::{parse_uuid, ApiError};
use crate::AppState;

/// The plans of a deployment, by name (at most 20, so never paged).
#[utoipa::path(get, path = "/api/v1/namespaces/{namespace}/deployments/{deploymentId}/tuning-plans", tag = "tuning-plans",
    params(("namespace" = String, Path, description = "The namespace (a DNS label)"), ("deploymentId" = String, Path, description = "The deployment's id (a UUID)")),
    responses((status = 200, body = ResourceList<TuningPlan>), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path((namespace, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let namespace = parse_namespace(&namespace)?;
    state.services.require(&caller, Permission::ViewDeployments, &namespace).await?;
    let plans = state.services.tuning_plans(&namespace, &parse_uuid("deploymentId", &id)?).await?;
    Ok(represent(&headers, StatusCode::OK, &ResourceList::new("TuningPlanList", plans)))
}

/// Creates a plan for the deployment, not applied: `{"metadata": {"name"}, "spec": {"timePoints":
/// [{"trigger": {"kind": "DAILY", "time": "08:00", "timeZone": "Europe/Berlin"} | {"kind": "ONCE",
/// "at": "<RFC 3339>"}, "setting": {"parallelism", "jobManager", "taskManager",
/// "flinkConfiguration"}}]}}`. 400 names the wrong field; 409 when the name is taken or the
/// deployment has 20 plans.
#[utoipa::path(post, path = "/api/v1/namespaces/{namespace}/deployments/{deploymentId}/tuning-plans", tag = "tuning-plans",
    params(("namespace" = String, Path, description = "The namespace (a DNS label)"), ("deploymentId" = String, Path, description = "The deployment's id (a UUID)")),
    request_body(content = TuningPlan, content_type = "application/json", description = "metadata.name and spec, as JSON or YAML"),
    responses((status = 201, body = TuningPlan), (status = 400, body = ErrorBody, description = "A field is wrong; the message names it"),
              (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path((namespace, id)): Path<(String, String)>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let namespace = parse_namespace(&namespace)?;
    state.services.require(&caller, Permission::EditDeployments, &namespace).await?;
    let id = parse_uuid("deploymentId", &id)?;
    let document = read_body(&headers, body).await?;
    let plan = state.services.create_tuning_plan(&caller, &namespace, &id, &document).await?;
    Ok(represent(&headers, StatusCode::CREATED, &plan))
}

/// The executed history of the deployment's plans, newest first (the newest 50).
#[utoipa::path(get, path = "/api/v1/namespaces/{namespace}/deployments/{deploymentId}/tuning-plan-executions", tag = "tuning-plans",
    params(("namespace" = String, Path, description = "The namespace (a DNS label)"), ("deploymentId" = String, Path, description = "The deployment's id (a UUID)")),
    responses((status = 200, body = ResourceList<PlanExecution>), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn executions(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path((namespace, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let namespace = parse_namespace(&namespace)?;
    state.services.require(&caller, Permission::ViewDeployments, &namespace).await?;
    let rows = state.services.plan_executions(&namespace, &parse_uuid("deploymentId", &id)?).await?;
    Ok(represent(&headers, StatusCode::OK, &ResourceList::new("PlanExecutionList", rows)))
}

/// One plan.
#[utoipa::path(get, path = "/api/v1/namespaces/{namespace}/tuning-plans/{planId}", tag = "tuning-plans",
    params(("namespace" = String, Path, description = "The namespace (a DNS label)"), ("planId" = String, Path, description = "The plan's id (a UUID)")),
    responses((status = 200, body = TuningPlan), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path((namespace, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let namespace = parse_namespace(&namespace)?;
    state.services.require(&caller, Permission::ViewDeployments, &namespace).await?;
    let plan = state.services.tuning_plan(&namespace, &parse_uuid("planId", &id)?).await?;
    Ok(represent(&headers, StatusCode::OK, &plan))
}

/// Replaces a plan's name and time points (an applied plan stays applied). With
/// `metadata.resourceVersion` it must be the stored one (409 otherwise).
#[utoipa::path(put, path = "/api/v1/namespaces/{namespace}/tuning-plans/{planId}", tag = "tuning-plans",
    params(("namespace" = String, Path, description = "The namespace (a DNS label)"), ("planId" = String, Path, description = "The plan's id (a UUID)")),
    request_body(content = TuningPlan, content_type = "application/json", description = "metadata.name and spec, as JSON or YAML"),
    responses((status = 200, body = TuningPlan), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn put(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path((namespace, id)): Path<(String, String)>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let namespace = parse_namespace(&namespace)?;
    state.services.require(&caller, Permission::EditDeployments, &namespace).await?;
    let id = parse_uuid("planId", &id)?;
    let document = read_body(&headers, body).await?;
    let plan = state.services.update_tuning_plan(&caller, &namespace, &id, &document).await?;
    Ok(represent(&headers, StatusCode::OK, &plan))
}

/// Deletes a plan (an applied one stops); its history stays.
#[utoipa::path(delete, path = "/api/v1/namespaces/{namespace}/tuning-plans/{planId}", tag = "tuning-plans",
    params(("namespace" = String, Path, description = "The namespace (a DNS label)"), ("planId" = String, Path, description = "The plan's id (a UUID)")),
    responses((status = 200, body = TuningPlan), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn delete(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path((namespace, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let namespace = parse_namespace(&namespace)?;
    state.services.require(&caller, Permission::EditDeployments, &namespace).await?;
    let plan = state.services.delete_tuning_plan(&caller, &namespace, &parse_uuid("planId", &id)?).await?;
    Ok(represent(&headers, StatusCode::OK, &plan))
}

/// `POST …/tuning-plans/{planId}:apply` and `:stop`; anything else is 404.
pub async fn action(
    state: State<AppState>,
    caller: Extension<Caller>,
    Path((namespace, id_and_action)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    match id_and_action.rsplit_once(':') {
        Some((id, "apply")) => apply(state, caller, Path((namespace, id.to_owned())), headers).await,
        Some((id, "stop")) => stop(state, caller, Path((namespace, id.to_owned())), headers).await,
        _ => Err(ServiceError::NotFound(format!("the operation POST {id_and_action:?}")).into()),
    }
}

/// Applies a plan: its time points are carried out as they come from now on. 409 while another
/// plan of the deployment is applied or its Autopilot is on.
#[utoipa::path(post, path = "/api/v1/namespaces/{namespace}/tuning-plans/{planId}:apply", tag = "tuning-plans",
    params(("namespace" = String, Path, description = "The namespace (a DNS label)"), ("planId" = String, Path, description = "The plan's id (a UUID)")),
    responses((status = 200, body = TuningPlan), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody, description = "Another plan is applied, or the Autopilot is on")))]
pub async fn apply(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path((namespace, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let namespace = parse_namespace(&namespace)?;
    state.services.require(&caller, Permission::EditDeployments, &namespace).await?;
    let plan = state.services.apply_tuning_plan(&caller, &namespace, &parse_uuid("planId", &id)?).await?;
    Ok(represent(&headers, StatusCode::OK, &plan))
}

/// Stops applying a plan; what it set stays.
#[utoipa::path(post, path = "/api/v1/namespaces/{namespace}/tuning-plans/{planId}:stop", tag = "tuning-plans",
    params(("namespace" = String, Path, description = "The namespace (a DNS label)"), ("planId" = String, Path, description = "The plan's id (a UUID)")),
    responses((status = 200, body = TuningPlan), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn stop(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path((namespace, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let namespace = parse_namespace(&namespace)?;
    state.services.require(&caller, Permission::EditDeployments, &namespace).await?;
    let plan = state.services.stop_tuning_plan(&caller, &namespace, &parse_uuid("planId", &id)?).await?;
    Ok(represent(&headers, StatusCode::OK, &plan))
}
