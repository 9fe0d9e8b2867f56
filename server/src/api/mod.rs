//! The REST API under `/api/v1` and Ververica Platform's SQL family under `/sql/v1beta1`, in its
//! paths and shapes. Every handler authorises through `Services::require` before it reads or
//! writes anything.

mod access;
pub mod alibaba;
mod artifacts;
mod autopilot;
mod defaults;
mod deployments;
mod error;
mod events;
mod jobs;
mod metrics;
mod namespaces;
pub mod openapi;
mod plans;
mod representation;
mod savepoints;
mod settings;
mod sql;
mod status;
mod targets;
mod watch;

use axum::extract::DefaultBodyLimit;
use axum::middleware;
use axum::routing::{any, delete, get, post, put};
use axum::Router;
use domain::{ListPage, PageRequest, ResourceList};
use serde::Deserialize;
use services::{ServiceError, Services};

use crate::AppState;

pub use error::ApiError;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/openapi.json", get(openapi::document))
        .route("/api/v1/status", get(status::status))
        .route("/metrics", get(metrics::scrape))
        .route("/api/v1/namespaces", get(namespaces::list).post(access::create_namespace))
        .route("/api/v1/users", get(access::list_users).post(access::create_user))
        .route("/api/v1/users/{name}", delete(access::delete_user))
        .route("/api/v1/users/{name}/password", put(access::reset_password))
        .route("/api/v1/namespaces/{namespace}/members", get(access::list_members))
        .route("/api/v1/namespaces/{namespace}/members/{user}", put(access::set_member).delete(access::remove_member))
        .route("/api/v1/namespaces/{namespace}/api-tokens", get(access::list_tokens).post(access::create_token))
        .route("/api/v1/namespaces/{namespace}/api-tokens/{id}", delete(access::revoke_token))
        .route("/api/v1/namespaces/{namespace}/api-tokens/{id}/access-key", post(access::create_access_key))
        .route("/api/v1/namespaces/{namespace}/audit-log", get(access::audit_log))
        .route("/api/v1/namespaces/{namespace}", get(namespaces::get))
        .route("/api/v1/status/system-info", get(status::system_info))
        .route("/api/v1/settings/network", get(settings::get_network).put(settings::put_network))
        .route("/api/v1/deployment-defaults", get(defaults::get_global).patch(defaults::patch_global))
        .route("/api/v1/namespaces/{namespace}/deployment-defaults", get(defaults::get).patch(defaults::patch))
        .route("/api/v1/namespaces/{namespace}/deployments", get(deployments::list).post(deployments::create))
        .route("/api/v1/namespaces/{namespace}/deployments:watch", get(watch::watch))
        .route(
            "/api/v1/namespaces/{namespace}/deployments/{deployment_id}",
            get(deployments::get).patch(deployments::patch).delete(deployments::delete).post(deployments::action),
        )
        .route(
            "/api/v1/namespaces/{namespace}/deployments/{deployment_id}/autopilot-policy",
            get(autopilot::get_policy).put(autopilot::put_policy),
        )
        .route("/api/v1/namespaces/{namespace}/deployments/{deployment_id}/autopilot", get(autopilot::status))
        .route(
            "/api/v1/namespaces/{namespace}/deployments/{deployment_id}/tuning-plans",
            get(plans::list).post(plans::create),
        )
        .route(
            "/api/v1/namespaces/{namespace}/deployments/{deployment_id}/tuning-plan-executions",
            get(plans::executions),
        )
        .route(
            "/api/v1/namespaces/{namespace}/tuning-plans/{plan_id}",
            get(plans::get).put(plans::put).delete(plans::delete).post(plans::action),
        )
        .route("/api/v1/namespaces/{namespace}/deployment-targets", get(targets::list).post(targets::create))
        .route(
            "/api/v1/namespaces/{namespace}/deployment-targets/{name}",
            get(targets::get).put(targets::put).delete(targets::delete),
        )
        .route(
            "/api/v1/namespaces/{namespace}/artifacts",
            // An upload is streamed and counted against the console's own limit, not axum's 2 MB.
            get(artifacts::list).post(artifacts::upload).layer(DefaultBodyLimit::disable()),
        )
        .route("/api/v1/namespaces/{namespace}/artifacts/{name}", get(artifacts::get).delete(artifacts::delete))
        .route("/api/v1/namespaces/{namespace}/artifacts/{name}/content", get(artifacts::content))
        .route("/api/v1/namespaces/{namespace}/jobs", get(jobs::list))
        .route("/api/v1/namespaces/{namespace}/jobs/{job_id}", get(jobs::get))
        .route("/api/v1/namespaces/{namespace}/savepoints", get(savepoints::list).post(savepoints::create))
        .route(
            "/api/v1/namespaces/{namespace}/savepoints/{savepoint_id}",
            get(savepoints::get).post(savepoints::action),
        )
        .route("/api/v1/namespaces/{namespace}/events", get(events::list))
        .route("/namespaces/v1/namespaces", get(namespaces::vvp::list))
        .route("/namespaces/v1/namespaces/{namespace}", get(namespaces::vvp::get))
        .route("/sql/v1beta1/namespaces/{namespace}/{method}", post(sql::custom_method))
        .route("/api/v1/{*rest}", any(|| async { axum::http::StatusCode::NOT_FOUND }))
        .route("/sql/v1beta1/{*rest}", any(|| async { axum::http::StatusCode::NOT_FOUND }))
        .layer(middleware::from_fn(error::shape_bare_errors))
        .merge(alibaba::routes())
}

/// The paging parameters every list takes (Kubernetes' `limit` and `continue`). A list answers at
/// most `limit` items; while more follow, its `metadata.continue` asks for the next page.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// At most this many items, from 1 to 1000 (the default: a namespace of ordinary size fits on
    /// one page). A page may hold fewer while more follow: read on while `metadata.continue` is set.
    #[param(value_type = Option<u32>, minimum = 1, maximum = 1000)]
    limit: Option<String>,
    /// The `metadata.continue` of the page before, to read the page after it (with the same
    /// filters); an opaque token.
    #[serde(rename = "continue")]
    continue_token: Option<String>,
}

impl PageQuery {
    /// The page asked for; a `limit` that is not a number is 400 (its range and the token are
    /// checked by the read).
    pub fn request(&self) -> Result<PageRequest, ServiceError> {
        Services::page_request(self.limit.as_deref(), self.continue_token.as_deref())
    }
}

/// A page as the API answers it: a list called `kind` with `metadata.continue` while more follow.
pub(crate) fn list_of<T>(kind: &str, page: ListPage<T>) -> ResourceList<T> {
    let mut list = ResourceList::new(kind, page.items);
    if let Some(token) = page.continue_token {
        list.metadata.insert("continue".into(), token);
    }
    list
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
