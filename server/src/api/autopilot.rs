//! `/api/v1/namespaces/{ns}/deployments/{id}/autopilot-policy` (read and replace a deployment's
//! Autopilot policy, `spec.autopilot`) and `…/autopilot` (its newest decision and the samples
//! behind it). Ours, in the shape of Alibaba's `autopilotpolicy-describe` / `-update`; viewers
//! read, editors write, like the deployment itself.

use autopilot::AutopilotStatus;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::Extension;
use domain::autopilot::AutopilotPolicy;
use services::{parse_namespace, Caller, Permission};

use super::error::ErrorBody;
use super::representation::{read_body, represent};
use super::{parse_uuid, ApiError};
use crate::AppState;

/// A deployment's Autopilot policy (`spec.autopilot`); every field at its default (mode DISABLED)
/// when it has none.
#[utoipa::path(get, path = "/api/v1/namespaces/{namespace}/deployments/{deploymentId}/autopilot-policy", tag = "autopilot",
    params(("namespace" = String, Path, description = "The namespace (a DNS label)"), ("deploymentId" = String, Path, description = "The deployment's id (a UUID)")),
    responses((status = 200, body = AutopilotPolicy), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_policy(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path((namespace, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let namespace = parse_namespace(&namespace)?;
    state.services.require(&caller, Permission::ViewDeployments, &namespace).await?;
    let policy = state.services.autopilot_policy(&namespace, &parse_uuid("deploymentId", &id)?).await?;
    Ok(represent(&headers, StatusCode::OK, &policy))
}

/// Replaces a deployment's Autopilot policy as a whole (fields left out take their defaults);
/// checked like every write of the spec: a bad field is 400 naming `spec.autopilot.<field>`, and
/// ACTIVE needs `spec.upgradeStrategy.kind` STATEFUL. The running job is not restarted.
#[utoipa::path(put, path = "/api/v1/namespaces/{namespace}/deployments/{deploymentId}/autopilot-policy", tag = "autopilot",
    params(("namespace" = String, Path, description = "The namespace (a DNS label)"), ("deploymentId" = String, Path, description = "The deployment's id (a UUID)")),
    request_body(content = AutopilotPolicy, content_type = "application/json", description = "The policy, as JSON or YAML"),
    responses((status = 200, body = AutopilotPolicy), (status = 400, body = ErrorBody, description = "A field of the policy is wrong; the message names it"),
              (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn put_policy(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path((namespace, id)): Path<(String, String)>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let namespace = parse_namespace(&namespace)?;
    state.services.require(&caller, Permission::EditDeployments, &namespace).await?;
    let id = parse_uuid("deploymentId", &id)?;
    let policy = read_body(&headers, body).await?;
    let policy = state.services.set_autopilot_policy(&caller, &namespace, &id, &policy).await?;
    Ok(represent(&headers, StatusCode::OK, &policy))
}

/// What the Autopilot knows of a deployment now: the newest decision (action, and per vertex busy
/// %, back-pressure, rates, thresholds, old → recommended parallelism and why), the Flink calls it
/// cost, what it remembers, and the samples of the job's current run for a chart (kept in the
/// console's memory: a console restart starts a new metrics window).
#[utoipa::path(get, path = "/api/v1/namespaces/{namespace}/deployments/{deploymentId}/autopilot", tag = "autopilot",
    params(("namespace" = String, Path, description = "The namespace (a DNS label)"), ("deploymentId" = String, Path, description = "The deployment's id (a UUID)")),
    responses((status = 200, body = AutopilotStatus), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn status(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path((namespace, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let namespace = parse_namespace(&namespace)?;
    state.services.require(&caller, Permission::ViewDeployments, &namespace).await?;
    let status = state.services.autopilot_status(&namespace, &parse_uuid("deploymentId", &id)?).await?;
    Ok(represent(&headers, StatusCode::OK, &status))
}
