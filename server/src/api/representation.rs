//! JSON or YAML, as the client's `Accept` header asks (JSON unless YAML is named).

use axum::http::header::{ACCEPT, CONTENT_TYPE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

fn wants_yaml(headers: &HeaderMap) -> bool {
    headers.get(ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|accept| accept.contains("yaml"))
}

/// `value` in the representation the request asked for.
pub fn represent(headers: &HeaderMap, status: StatusCode, value: &impl Serialize) -> Response {
    if wants_yaml(headers) {
        match serde_yaml_ng::to_string(value) {
            Ok(text) => (status, [(CONTENT_TYPE, HeaderValue::from_static("application/yaml"))], text).into_response(),
            Err(err) => {
                tracing::error!(error = %err, "cannot write YAML");
                StatusCode::INTERNAL_SERVER_ERROR.into_response()
            }
        }
    } else {
        (status, axum::Json(value)).into_response()
    }
}
