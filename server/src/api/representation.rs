//! JSON or YAML both ways: a request body is read as its `Content-Type` says (at most
//! `MAX_BODY_BYTES`), a response is written as the client's `Accept` header asks (JSON unless YAML
//! is named). A body must never cost more than its size to read: YAML goes through
//! `services::yaml` (aliases, depth and size refused before it is built), and JSON is held to
//! serde_json's depth limit.

use axum::body::Body;
use axum::http::header::{ACCEPT, CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::Value;
use services::ServiceError;

use super::ApiError;

/// The largest request body the API reads (a deployment with a long SQL script fits many times).
pub const MAX_BODY_BYTES: usize = 2 * 1024 * 1024;

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

/// `value` as a YAML file to save as `file_name` (a name of letters, digits, `-`, `_` and `.`).
pub fn yaml_file(file_name: &str, value: &impl Serialize) -> Response {
    match serde_yaml_ng::to_string(value) {
        Ok(text) => {
            let disposition = format!("attachment; filename=\"{file_name}\"");
            match HeaderValue::from_str(&disposition) {
                Ok(disposition) => (
                    StatusCode::OK,
                    [(CONTENT_TYPE, HeaderValue::from_static("application/yaml")), (CONTENT_DISPOSITION, disposition)],
                    text,
                )
                    .into_response(),
                Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
            }
        }
        Err(err) => {
            tracing::error!(error = %err, "cannot write YAML");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

/// Reads a request body as JSON or YAML (by `Content-Type`; YAML, a superset of JSON, when none is
/// given). Too large → 413, another media type → 415, unreadable → 400 naming line and column.
pub async fn read_body(headers: &HeaderMap, body: Body) -> Result<Value, ApiError> {
    let content_type = headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let media_type = content_type.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    let is_json = media_type == "application/json" || media_type.ends_with("+json");
    let is_yaml = media_type.is_empty() || media_type.contains("yaml");
    if !is_json && !is_yaml {
        return Err(ServiceError::UnsupportedMediaType(format!(
            "Content-Type {content_type:?} is not supported; send application/json or application/yaml"
        ))
        .into());
    }
    let bytes = axum::body::to_bytes(body, MAX_BODY_BYTES).await.map_err(|err| {
        let too_large =
            std::error::Error::source(&err).is_some_and(|source| source.is::<http_body_util::LengthLimitError>());
        if too_large {
            ServiceError::PayloadTooLarge(format!(
                "the request body is larger than {} MiB",
                MAX_BODY_BYTES / (1024 * 1024)
            ))
        } else {
            ServiceError::BadRequest(format!("the request body could not be read: {err}"))
        }
    })?;
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ServiceError::BadRequest("the request body is empty".into()).into());
    }
    let value = if is_json {
        serde_json::from_slice(&bytes)
            .map_err(|err| ServiceError::BadRequest(format!("the body is not valid JSON: {err}")))?
    } else {
        services::yaml::read(bytes.to_vec(), "body").await?
    };
    Ok(value)
}
