//! `/api/v1/namespaces` and `/api/v1/namespaces/{namespace}` (ours; VVP serves namespaces from a
//! separate API): the namespaces a caller may open.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::Extension;
use domain::{Namespace, ResourceList};
use services::{parse_namespace, Caller, Permission, Scope};

use super::error::ErrorBody;
use super::representation::represent;
use super::ApiError;
use crate::AppState;

/// The namespaces the caller may open, by name.
#[utoipa::path(get, path = "/api/v1/namespaces", tag = "namespaces",
    responses((status = 200, body = ResourceList<Namespace>), (status = 401, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    state.services.require(&caller, Permission::ViewSystem, Scope::Console).await?;
    let mut visible = Vec::new();
    for namespace in state.services.namespaces().await? {
        let Ok(name) = parse_namespace(&namespace.metadata.name) else { continue };
        if state.services.require(&caller, Permission::ViewDeployments, &name).await.is_ok() {
            visible.push(namespace);
        }
    }
    Ok(represent(&headers, StatusCode::OK, &ResourceList::new("NamespaceList", visible)))
}

/// One namespace.
#[utoipa::path(get, path = "/api/v1/namespaces/{namespace}", tag = "namespaces",
    params(("namespace" = String, Path, description = "The namespace (a DNS label)")),
    responses((status = 200, body = Namespace), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(namespace): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let name = parse_namespace(&namespace)?;
    state.services.require(&caller, Permission::ViewDeployments, &name).await?;
    let found = state.services.namespaces().await?.into_iter().find(|n| n.metadata.name == name.as_str());
    let found = found.ok_or_else(|| services::ServiceError::NotFound(format!("namespace {name}")))?;
    Ok(represent(&headers, StatusCode::OK, &found))
}
