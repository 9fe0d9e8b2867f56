//! `/healthz` (the process is alive) and `/readyz` (it can serve: the database answers).

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde_json::{json, Value};

use crate::AppState;

pub async fn healthz() -> &'static str {
    "ok"
}

/// Ready when the database answers; the Flink cluster's health is reported beside it, since the
/// console serves (and shows the problem) while Flink is down.
pub async fn readyz(State(state): State<AppState>) -> (StatusCode, Json<Value>) {
    let flink = state.flink.describe();
    match state.services.store.ping().await {
        Ok(()) => (StatusCode::OK, Json(json!({"status": "ready", "database": "ok", "flink": flink}))),
        Err(err) => {
            tracing::warn!(error = %err, "not ready: database");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(json!({"status": "not ready", "database": "unavailable", "flink": flink})),
            )
        }
    }
}
