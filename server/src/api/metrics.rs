//! `GET /metrics`: the console's metrics in Prometheus' text format (0.0.4), for the system
//! admins and the holder of the scrape token. docs/operations.md lists them.

use axum::extract::State;
use axum::http::header::CONTENT_TYPE;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::Extension;
use services::Caller;

use super::error::ErrorBody;
use super::ApiError;
use crate::AppState;

/// The content type of Prometheus' text exposition format.
pub const TEXT_FORMAT: &str = "text/plain; version=0.0.4; charset=utf-8";

/// The console's metrics: deployments per state, the engine's passes and queue, its calls to
/// Flink, savepoint outcomes, HTTP request durations. Read by a system admin, or by a scraper
/// sending the token configured with `--metrics-token-file` as `Authorization: Bearer <token>`.
#[utoipa::path(get, path = "/metrics", tag = "status",
    responses(
        (status = 200, description = "Prometheus text exposition format 0.0.4", content_type = "text/plain; version=0.0.4", body = String),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody)))]
pub async fn scrape(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    state.services.require_metrics_reader(&caller, crate::auth::bearer_token(&headers)).await?;
    let totals = state.services.deployment_totals().await?;
    Ok(([(CONTENT_TYPE, TEXT_FORMAT)], crate::metrics::render(&totals)).into_response())
}
