//! `/api/v1/status` and `/api/v1/status/system-info`: the server is up, and which build it is.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::Extension;
use serde_json::json;
use services::{Caller, Permission, Scope};

use super::representation::represent;
use super::ApiError;
use crate::AppState;

/// The server is up; whether its database answers, and the console's own Flink cluster.
#[utoipa::path(get, path = "/api/v1/status", tag = "status", responses((status = 200, body = Object)))]
pub async fn status(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    state.services.require(&caller, Permission::ViewSystem, Scope::Console).await?;
    let database = if state.services.database_ready().await { "OK" } else { "UNAVAILABLE" };
    let flink = state.flink.describe();
    Ok(represent(&headers, StatusCode::OK, &json!({"status": "OK", "database": database, "flink": flink})))
}

/// Which build of the console this is.
#[utoipa::path(get, path = "/api/v1/status/system-info", tag = "status", responses((status = 200, body = Object)))]
pub async fn system_info(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    state.services.require(&caller, Permission::ViewSystem, Scope::Console).await?;
    let info = json!({
        "apiVersion": "v1",
        "kind": "SystemInformation",
        "status": {"revisionInformation": {"buildVersion": env!("CARGO_PKG_VERSION")}}
    });
    Ok(represent(&headers, StatusCode::OK, &info))
}
