//! `/healthz` (the process is alive) and `/readyz` (it can serve: the database answers).

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde_json::{json, Value};

use crate::AppState;

pub async fn healthz() -> &'static str {
    "ok"
}

/// Ready when the database answers. Anyone may ask, so the answer says ready or not and nothing
/// more; the Flink cluster's health is in `/api/v1/status` for those signed in.
pub async fn readyz(State(state): State<AppState>) -> (StatusCode, Json<Value>) {
    if state.services.database_ready().await {
        (StatusCode::OK, Json(json!({"status": "ready"})))
    } else {
        tracing::warn!("not ready: the database does not answer");
        (StatusCode::SERVICE_UNAVAILABLE, Json(json!({"status": "not ready"})))
    }
}
