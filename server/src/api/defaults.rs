//! `/api/v1/namespaces/{ns}/deployment-defaults` (VVP) and `/api/v1/deployment-defaults` (ours:
//! the global layer beneath every namespace's): GET and merge-patch PATCH.

use app::ssr::{parse_namespace, Permission};
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use domain::DefaultsScope;

use super::representation::{read_body, represent};
use super::ApiError;
use crate::AppState;

pub async fn get(
    State(state): State<AppState>,
    Path(namespace): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let namespace = parse_namespace(&namespace)?;
    state.services.require(Permission::ViewDeployments, &namespace).await?;
    let defaults = state.services.deployment_defaults(&DefaultsScope::Namespace(namespace)).await?;
    Ok(represent(&headers, StatusCode::OK, &defaults))
}

pub async fn patch(
    State(state): State<AppState>,
    Path(namespace): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let namespace = parse_namespace(&namespace)?;
    state.services.require(Permission::ManageNamespace, &namespace).await?;
    let patch = read_body(&headers, body).await?;
    let defaults = state.services.patch_deployment_defaults(&DefaultsScope::Namespace(namespace), &patch).await?;
    Ok(represent(&headers, StatusCode::OK, &defaults))
}

pub async fn get_global(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, ApiError> {
    state.services.require_system(Permission::ViewSystem).await?;
    let defaults = state.services.deployment_defaults(&DefaultsScope::Global).await?;
    Ok(represent(&headers, StatusCode::OK, &defaults))
}

pub async fn patch_global(State(state): State<AppState>, headers: HeaderMap, body: Body) -> Result<Response, ApiError> {
    state.services.require_system(Permission::ManageSystem).await?;
    let patch = read_body(&headers, body).await?;
    let defaults = state.services.patch_deployment_defaults(&DefaultsScope::Global, &patch).await?;
    Ok(represent(&headers, StatusCode::OK, &defaults))
}
