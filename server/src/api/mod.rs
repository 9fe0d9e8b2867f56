//! The REST API under `/api/v1`, in Ververica Platform's paths and shapes. Every handler
//! authorises through `Services::require` before it reads or writes anything.

mod deployments;
mod error;
mod representation;
mod targets;

use axum::routing::get;
use axum::Router;

use crate::AppState;

pub use error::ApiError;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/namespaces/{namespace}/deployments", get(deployments::list))
        .route("/api/v1/namespaces/{namespace}/deployments/{deployment_id}", get(deployments::get))
        .route("/api/v1/namespaces/{namespace}/deployment-targets", get(targets::list))
}
