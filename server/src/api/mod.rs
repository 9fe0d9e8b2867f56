//! The REST API under `/api/v1`, in Ververica Platform's paths and shapes. Every handler
//! authorises through `Services::require` before it reads or writes anything.

mod defaults;
mod deployments;
mod error;
mod representation;
mod status;
mod targets;

use axum::middleware;
use axum::routing::{any, get};
use axum::Router;

use crate::AppState;

pub use error::ApiError;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/status", get(status::status))
        .route("/api/v1/status/system-info", get(status::system_info))
        .route("/api/v1/deployment-defaults", get(defaults::get_global).patch(defaults::patch_global))
        .route("/api/v1/namespaces/{namespace}/deployment-defaults", get(defaults::get).patch(defaults::patch))
        .route("/api/v1/namespaces/{namespace}/deployments", get(deployments::list).post(deployments::create))
        .route(
            "/api/v1/namespaces/{namespace}/deployments/{deployment_id}",
            get(deployments::get).patch(deployments::patch).delete(deployments::delete),
        )
        .route("/api/v1/namespaces/{namespace}/deployment-targets", get(targets::list))
        .route("/api/v1/{*rest}", any(|| async { axum::http::StatusCode::NOT_FOUND }))
        .layer(middleware::from_fn(error::shape_bare_errors))
}
