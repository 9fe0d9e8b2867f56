//! `/api/v1/settings/network` (ours): the session-cluster hosts inside the console's network that
//! an admin allows. Admins only, to read and to change.

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::Extension;
use domain::NetworkSettings;
use services::{Caller, Permission, Scope};

use super::error::ErrorBody;
use super::representation::{read_body, represent};
use super::ApiError;
use crate::AppState;

/// The hosts a session cluster may be registered at although they are inside the console's
/// network (loopback, link-local, private ranges); none unless an admin allowed some (admins).
#[utoipa::path(get, path = "/api/v1/settings/network", tag = "settings",
    responses((status = 200, body = NetworkSettings), (status = 403, body = ErrorBody)))]
pub async fn get_network(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    state.services.require(&caller, Permission::ManageSystem, Scope::Console).await?;
    let settings = state.services.network_settings().await?;
    Ok(represent(&headers, StatusCode::OK, &settings))
}

/// Replaces the allowed hosts: exact names, `*.domain` wildcards, IP addresses or CIDR ranges
/// (admins). Every registration and connection from then on is checked against them.
#[utoipa::path(put, path = "/api/v1/settings/network", tag = "settings",
    request_body(content = NetworkSettings, content_type = "application/json"),
    responses((status = 200, body = NetworkSettings), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn put_network(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    state.services.require(&caller, Permission::ManageSystem, Scope::Console).await?;
    let document = read_body(&headers, body).await?;
    let settings = state.services.set_network_settings(&caller, &document).await?;
    Ok(represent(&headers, StatusCode::OK, &settings))
}
