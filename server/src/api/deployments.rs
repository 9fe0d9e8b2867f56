//! `/api/v1/namespaces/{ns}/deployments`: list, create, get, merge-patch, delete.

use app::error::AppError;
use app::ssr::{parse_namespace, Permission};
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use domain::LabelSelector;
use serde::Deserialize;
use serde_json::json;

use super::representation::{read_body, represent};
use super::ApiError;
use crate::AppState;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListQuery {
    label_selector: Option<String>,
}

/// Lists a namespace's deployments, those matching `labelSelector` if one is given.
pub async fn list(
    State(state): State<AppState>,
    Path(namespace): Path<String>,
    Query(query): Query<ListQuery>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let namespace = parse_namespace(&namespace)?;
    state.services.require(Permission::ViewDeployments, &namespace).await?;
    let selector =
        LabelSelector::parse(query.label_selector.as_deref().unwrap_or_default()).map_err(AppError::BadRequest)?;
    let deployments = state.services.store.list_deployments(&namespace, None).await?;
    let items: Vec<_> = deployments.into_iter().filter(|d| selector.matches(&d.metadata.labels)).collect();
    let list = json!({"apiVersion": "v1", "kind": "DeploymentList", "metadata": {}, "items": items});
    Ok(represent(&headers, StatusCode::OK, &list))
}

/// Creates a deployment from a Deployment document (JSON or YAML), defaults expanded: 201.
pub async fn create(
    State(state): State<AppState>,
    Path(namespace): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let namespace = parse_namespace(&namespace)?;
    state.services.require(Permission::EditDeployments, &namespace).await?;
    let document = read_body(&headers, body).await?;
    let deployment = state.services.create_deployment(&namespace, &document).await?;
    Ok(represent(&headers, StatusCode::CREATED, &deployment))
}

/// One deployment by its id.
pub async fn get(
    State(state): State<AppState>,
    Path((namespace, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let namespace = parse_namespace(&namespace)?;
    state.services.require(Permission::ViewDeployments, &namespace).await?;
    let deployment = state.services.deployment(&namespace, &parse_id(&id)?).await?;
    Ok(represent(&headers, StatusCode::OK, &deployment))
}

/// Changes a deployment with a JSON merge patch; a stale `metadata.resourceVersion` is 409.
pub async fn patch(
    State(state): State<AppState>,
    Path((namespace, id)): Path<(String, String)>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let namespace = parse_namespace(&namespace)?;
    state.services.require(Permission::EditDeployments, &namespace).await?;
    let id = parse_id(&id)?;
    let patch = read_body(&headers, body).await?;
    let deployment = state.services.patch_deployment(&namespace, &id, &patch).await?;
    Ok(represent(&headers, StatusCode::OK, &deployment))
}

/// Deletes a deployment that is not running; answers with what was deleted.
pub async fn delete(
    State(state): State<AppState>,
    Path((namespace, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let namespace = parse_namespace(&namespace)?;
    state.services.require(Permission::EditDeployments, &namespace).await?;
    let deployment = state.services.delete_deployment(&namespace, &parse_id(&id)?).await?;
    Ok(represent(&headers, StatusCode::OK, &deployment))
}

/// A deployment id from a path: a UUID, in its canonical text.
fn parse_id(raw: &str) -> Result<String, AppError> {
    uuid::Uuid::parse_str(raw)
        .map(|id| id.to_string())
        .map_err(|_| AppError::BadRequest(format!("deploymentId {raw:?} is not a UUID")))
}
