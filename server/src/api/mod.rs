//! The REST API under `/api/v1`, in Ververica Platform's paths and shapes. Every handler
//! authorises through `Services::require` before it reads or writes anything.

mod access;
mod defaults;
mod deployments;
mod error;
mod events;
mod jobs;
mod namespaces;
pub mod openapi;
mod representation;
mod savepoints;
mod settings;
mod status;
mod targets;

use axum::middleware;
use axum::routing::{any, delete, get, put};
use axum::Router;

use services::ServiceError;

use crate::AppState;

pub use error::ApiError;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/openapi.json", get(openapi::document))
        .route("/api/v1/status", get(status::status))
        .route("/api/v1/namespaces", get(namespaces::list).post(access::create_namespace))
        .route("/api/v1/users", get(access::list_users).post(access::create_user))
        .route("/api/v1/users/{name}", delete(access::delete_user))
        .route("/api/v1/users/{name}/password", put(access::reset_password))
        .route("/api/v1/namespaces/{namespace}/members", get(access::list_members))
        .route("/api/v1/namespaces/{namespace}/members/{user}", put(access::set_member).delete(access::remove_member))
        .route("/api/v1/namespaces/{namespace}/api-tokens", get(access::list_tokens).post(access::create_token))
        .route("/api/v1/namespaces/{namespace}/api-tokens/{id}", delete(access::revoke_token))
        .route("/api/v1/namespaces/{namespace}/audit-log", get(access::audit_log))
        .route("/api/v1/namespaces/{namespace}", get(namespaces::get))
        .route("/api/v1/status/system-info", get(status::system_info))
        .route("/api/v1/settings/network", get(settings::get_network).put(settings::put_network))
        .route("/api/v1/deployment-defaults", get(defaults::get_global).patch(defaults::patch_global))
        .route("/api/v1/namespaces/{namespace}/deployment-defaults", get(defaults::get).patch(defaults::patch))
        .route("/api/v1/namespaces/{namespace}/deployments", get(deployments::list).post(deployments::create))
        .route(
            "/api/v1/namespaces/{namespace}/deployments/{deployment_id}",
            get(deployments::get).patch(deployments::patch).delete(deployments::delete),
        )
        .route("/api/v1/namespaces/{namespace}/deployment-targets", get(targets::list).post(targets::create))
        .route("/api/v1/namespaces/{namespace}/deployment-targets/{name}", get(targets::get).delete(targets::delete))
        .route("/api/v1/namespaces/{namespace}/jobs", get(jobs::list))
        .route("/api/v1/namespaces/{namespace}/jobs/{job_id}", get(jobs::get))
        .route("/api/v1/namespaces/{namespace}/savepoints", get(savepoints::list).post(savepoints::create))
        .route("/api/v1/namespaces/{namespace}/savepoints/{savepoint_id}", get(savepoints::get))
        .route("/api/v1/namespaces/{namespace}/events", get(events::list))
        .route("/api/v1/{*rest}", any(|| async { axum::http::StatusCode::NOT_FOUND }))
        .layer(middleware::from_fn(error::shape_bare_errors))
}

/// An id from a path or query parameter named `parameter`: a UUID, in its canonical text.
pub(crate) fn parse_uuid(parameter: &str, raw: &str) -> Result<String, ServiceError> {
    uuid::Uuid::parse_str(raw)
        .map(|id| id.to_string())
        .map_err(|_| ServiceError::BadRequest(format!("{parameter} {raw:?} is not a UUID")))
}

/// An optional query parameter that, when given, is a UUID.
pub(crate) fn parse_optional_uuid(parameter: &str, raw: Option<&str>) -> Result<Option<String>, ServiceError> {
    raw.map(|raw| parse_uuid(parameter, raw)).transpose()
}
