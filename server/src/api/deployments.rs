//! `/api/v1/namespaces/{ns}/deployments` (read side).

use app::error::AppError;
use app::ssr::{parse_namespace, Permission};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use domain::LabelSelector;
use serde::Deserialize;
use serde_json::json;

use super::representation::represent;
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

/// One deployment by its id.
pub async fn get(
    State(state): State<AppState>,
    Path((namespace, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let namespace = parse_namespace(&namespace)?;
    state.services.require(Permission::ViewDeployments, &namespace).await?;
    let id =
        uuid::Uuid::parse_str(&id).map_err(|_| AppError::BadRequest(format!("deploymentId {id:?} is not a UUID")))?;
    let deployment = state
        .services
        .store
        .get_deployment(&namespace, &id.to_string())
        .await?
        .ok_or_else(|| AppError::NotFound(format!("deployment {id}")))?;
    Ok(represent(&headers, StatusCode::OK, &deployment))
}
