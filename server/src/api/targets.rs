//! `/api/v1/namespaces/{ns}/deployment-targets`: list, register a Flink session cluster, get,
//! change (ours: VVP 2.1 has no PUT), delete.

use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::Extension;
use domain::{DeploymentTarget, ResourceList};
use services::{parse_namespace, Caller, Permission};

use super::error::ErrorBody;
use super::representation::{read_body, represent};
use super::{list_of, ApiError, PageQuery};
use crate::AppState;

/// Lists the namespace's targets by name, each with its cluster's observed health as
/// `status.health`; one page at a time (`limit`, `continue`).
#[utoipa::path(get, path = "/api/v1/namespaces/{namespace}/deployment-targets", tag = "deployment-targets",
    params(("namespace" = String, Path, description = "The namespace (a DNS label)"), PageQuery),
    responses((status = 200, body = ResourceList<DeploymentTarget>), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(namespace): Path<String>,
    Query(page): Query<PageQuery>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let namespace = parse_namespace(&namespace)?;
    state.services.require(&caller, Permission::ViewDeployments, &namespace).await?;
    let items = state.services.deployment_targets(&namespace, &page.request()?).await?;
    Ok(represent(&headers, StatusCode::OK, &list_of("DeploymentTargetList", items)))
}

/// Registers a Flink session cluster (`spec.flinkSession.url`) as a target (owners).
#[utoipa::path(post, path = "/api/v1/namespaces/{namespace}/deployment-targets", tag = "deployment-targets",
    params(("namespace" = String, Path, description = "The namespace (a DNS label)")), request_body(content = DeploymentTarget, content_type = "application/json",
        description = "A DeploymentTarget with `spec.flinkSession.url`, as JSON or YAML"),
    responses((status = 201, body = DeploymentTarget), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(namespace): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let namespace = parse_namespace(&namespace)?;
    state.services.require(&caller, Permission::ManageNamespace, &namespace).await?;
    let document = read_body(&headers, body).await?;
    let target = state.services.create_deployment_target(&caller, &namespace, &document).await?;
    Ok(represent(&headers, StatusCode::CREATED, &target))
}

/// One target by name, with its observed health.
#[utoipa::path(get, path = "/api/v1/namespaces/{namespace}/deployment-targets/{name}", tag = "deployment-targets",
    params(("namespace" = String, Path, description = "The namespace (a DNS label)"), ("name" = String, Path, description = "The target's name")), responses((status = 200, body = DeploymentTarget), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path((namespace, name)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let namespace = parse_namespace(&namespace)?;
    state.services.require(&caller, Permission::ViewDeployments, &namespace).await?;
    let target = state.services.deployment_target(&namespace, &name).await?;
    Ok(represent(&headers, StatusCode::OK, &target))
}

/// Changes a session-cluster target (owners): its URL, display name and labels, as a whole
/// DeploymentTarget document like the one that registered it. `metadata.resourceVersion`, when
/// given, must be the stored one (409 otherwise). A new URL is refused (409) while a deployment on
/// the target runs, and checked against the network policy like a new target's.
#[utoipa::path(put, path = "/api/v1/namespaces/{namespace}/deployment-targets/{name}", tag = "deployment-targets",
    params(("namespace" = String, Path, description = "The namespace (a DNS label)"), ("name" = String, Path, description = "The target's name")),
    request_body(content = DeploymentTarget, content_type = "application/json", description = "The target with `spec.flinkSession.url`, as JSON or YAML"),
    responses((status = 200, body = DeploymentTarget), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn put(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path((namespace, name)): Path<(String, String)>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let namespace = parse_namespace(&namespace)?;
    state.services.require(&caller, Permission::ManageNamespace, &namespace).await?;
    let document = read_body(&headers, body).await?;
    let version = match document.pointer("/metadata/resourceVersion") {
        None | Some(serde_json::Value::Null) => None,
        Some(given) => Some(given.as_i64().ok_or_else(|| {
            services::ServiceError::BadRequest(format!("metadata.resourceVersion: must be a whole number, got {given}"))
        })?),
    };
    let target = state.services.update_deployment_target(&caller, &namespace, &name, &document, version).await?;
    Ok(represent(&headers, StatusCode::OK, &target))
}

/// Removes a target no deployment uses (owners).
#[utoipa::path(delete, path = "/api/v1/namespaces/{namespace}/deployment-targets/{name}", tag = "deployment-targets",
    params(("namespace" = String, Path, description = "The namespace (a DNS label)"), ("name" = String, Path, description = "The target's name")),
    responses((status = 200, body = DeploymentTarget), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn delete(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path((namespace, name)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let namespace = parse_namespace(&namespace)?;
    state.services.require(&caller, Permission::ManageNamespace, &namespace).await?;
    let target = state.services.delete_deployment_target(&caller, &namespace, &name).await?;
    Ok(represent(&headers, StatusCode::OK, &target))
}
