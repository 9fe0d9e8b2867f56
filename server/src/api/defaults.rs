//! `/api/v1/namespaces/{ns}/deployment-defaults` (VVP) and `/api/v1/deployment-defaults` (ours:
//! the global layer beneath every namespace's): GET and merge-patch PATCH.

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::Extension;
use domain::{DefaultsScope, DeploymentDefaults};
use services::{parse_namespace, Caller, Permission, Scope};

use super::error::ErrorBody;
use super::representation::{read_body, represent};
use super::ApiError;
use crate::AppState;

/// The namespace's deployment defaults (resourceVersion 0 if never set).
#[utoipa::path(get, path = "/api/v1/namespaces/{namespace}/deployment-defaults", tag = "deployment-defaults",
    params(("namespace" = String, Path, description = "The namespace (a DNS label)")), responses((status = 200, body = DeploymentDefaults), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(namespace): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let namespace = parse_namespace(&namespace)?;
    state.services.require(&caller, Permission::ViewDeployments, &namespace).await?;
    let mut defaults = state.services.deployment_defaults(&DefaultsScope::Namespace(namespace.clone())).await?;
    with_default_target_id(&state, &namespace, &mut defaults).await?;
    Ok(represent(&headers, StatusCode::OK, &defaults))
}

/// Adds `spec.deploymentTargetId`, the id of the default target named by `deploymentTargetName`,
/// as Ververica Platform answers it: notebooks (jupyter-vvp) read the default target from there.
/// Only the answer gets it; the defaults keep the name, so a re-created target is still found.
async fn with_default_target_id(
    state: &AppState,
    namespace: &domain::NamespaceName,
    defaults: &mut DeploymentDefaults,
) -> Result<(), ApiError> {
    let Some(spec) = defaults.spec.as_object_mut() else { return Ok(()) };
    let Some(name) = spec.get("deploymentTargetName").and_then(|name| name.as_str()).map(str::to_owned) else {
        return Ok(());
    };
    match state.services.deployment_target(namespace, &name).await {
        Ok(target) => {
            spec.insert("deploymentTargetId".into(), target.metadata.id.into());
            Ok(())
        }
        // Defaults may name a target that was deleted since; there is no id to give then.
        Err(services::ServiceError::NotFound(_)) => Ok(()),
        Err(err) => Err(err.into()),
    }
}

/// Changes the namespace's defaults; they apply to deployments created or changed afterwards.
#[utoipa::path(patch, path = "/api/v1/namespaces/{namespace}/deployment-defaults", tag = "deployment-defaults",
    params(("namespace" = String, Path, description = "The namespace (a DNS label)")), request_body(content = Object, description = "A JSON merge patch (RFC 7386) of `metadata.labels` and `spec`", content_type = "application/merge-patch+json"),
    responses((status = 200, body = DeploymentDefaults), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn patch(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(namespace): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let namespace = parse_namespace(&namespace)?;
    state.services.require(&caller, Permission::ManageNamespace, &namespace).await?;
    let patch = read_body(&headers, body).await?;
    let scope = DefaultsScope::Namespace(namespace);
    let defaults = state.services.patch_deployment_defaults(&caller, &scope, &patch).await?;
    Ok(represent(&headers, StatusCode::OK, &defaults))
}

/// The defaults beneath every namespace's (ours; not in VVP).
#[utoipa::path(get, path = "/api/v1/deployment-defaults", tag = "deployment-defaults",
    responses((status = 200, body = DeploymentDefaults)))]
pub async fn get_global(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    state.services.require(&caller, Permission::ViewSystem, Scope::Console).await?;
    let defaults = state.services.deployment_defaults(&DefaultsScope::Global).await?;
    Ok(represent(&headers, StatusCode::OK, &defaults))
}

/// Changes the defaults beneath every namespace's (admins).
#[utoipa::path(patch, path = "/api/v1/deployment-defaults", tag = "deployment-defaults", request_body(content = Object, description = "A JSON merge patch (RFC 7386) of `metadata.labels` and `spec`", content_type = "application/merge-patch+json"),
    responses((status = 200, body = DeploymentDefaults), (status = 400, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn patch_global(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    state.services.require(&caller, Permission::ManageSystem, Scope::Console).await?;
    let patch = read_body(&headers, body).await?;
    let defaults = state.services.patch_deployment_defaults(&caller, &DefaultsScope::Global, &patch).await?;
    Ok(represent(&headers, StatusCode::OK, &defaults))
}
