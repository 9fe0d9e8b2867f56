//! JSON or YAML both ways: a request body is read as its `Content-Type` says (at most
//! `MAX_BODY_BYTES`), a response is written as the client's `Accept` header asks (JSON unless YAML
//! is named). A body must never cost more than its size to read: YAML is refused before it is built
//! if it holds aliases or nests too deep, and JSON is held to serde_json's depth limit.

use axum::body::Body;
use axum::http::header::{ACCEPT, CONTENT_TYPE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use saphyr_parser::{Event, Parser};
use serde::Serialize;
use serde_json::Value;
use services::ServiceError;

use super::ApiError;

/// The largest request body the API reads (a deployment with a long SQL script fits many times).
pub const MAX_BODY_BYTES: usize = 2 * 1024 * 1024;

/// The largest YAML body: reading YAML costs up to ~150 bytes of memory per byte of body (the
/// checking parser buffers a flow collection whole), so YAML gets a quarter of JSON's limit.
pub const MAX_YAML_BYTES: usize = 512 * 1024;

/// How many YAML bodies are read at once, off the async workers.
const YAML_AT_ONCE: usize = 2;

/// The deepest a YAML body may nest lists and maps: serde_json's limit for JSON bodies (a
/// deployment nests about eight deep).
const MAX_YAML_DEPTH: usize = 128;

/// The most values (scalars, lists and maps) a YAML body may hold; a deployment holds a few hundred.
const MAX_YAML_VALUES: usize = 100_000;

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
        if bytes.len() > MAX_YAML_BYTES {
            return Err(ServiceError::PayloadTooLarge(format!(
                "a YAML body may have at most {} KiB; send larger documents as JSON",
                MAX_YAML_BYTES / 1024
            ))
            .into());
        }
        read_yaml(bytes.to_vec()).await?
    };
    Ok(value)
}

/// Reads a YAML body off the async workers, at most `YAML_AT_ONCE` at a time.
async fn read_yaml(bytes: Vec<u8>) -> Result<Value, ServiceError> {
    static READING: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(YAML_AT_ONCE);
    let _permit = READING.acquire().await.map_err(|_| ServiceError::Internal)?;
    let reading = tokio::task::spawn_blocking(move || {
        let text = std::str::from_utf8(&bytes)
            .map_err(|err| ServiceError::BadRequest(format!("the body is not UTF-8 text: {err}")))?;
        refuse_costly_yaml(text)?;
        serde_yaml_ng::from_str(text)
            .map_err(|err| ServiceError::BadRequest(format!("the body is not valid YAML: {err}")))
    });
    reading.await.map_err(|err| {
        tracing::error!(error = %err, "reading a YAML body stopped");
        ServiceError::Internal
    })?
}

/// Reads a YAML text's events (without building anything) and refuses what would make building it
/// cost far more than its size: an alias (`*name` repeats the node anchored as `&name`, so ten
/// KiB of aliases to aliases expand to gigabytes), nesting deeper than `MAX_YAML_DEPTH` (the YAML
/// parser's work per token grows with the depth, so a deep body takes minutes), or more than
/// `MAX_YAML_VALUES` values. Deployments in Ververica Platform's YAML need none of these.
fn refuse_costly_yaml(text: &str) -> Result<(), ServiceError> {
    let mut depth = 0_usize;
    let mut values = 0_usize;
    for event in Parser::new_from_str(text) {
        let (event, span) = event.map_err(|err| {
            let at = err.marker();
            ServiceError::BadRequest(format!(
                "the body is not valid YAML: {} at line {} column {}",
                err.info(),
                at.line(),
                at.col() + 1
            ))
        })?;
        let at = || format!("line {} column {}", span.start.line(), span.start.col() + 1);
        match event {
            Event::Alias(_) => {
                return Err(ServiceError::BadRequest(format!(
                    "YAML aliases (*name) are not accepted: write the value out (at {})",
                    at()
                )));
            }
            Event::SequenceStart(..) | Event::MappingStart(..) => {
                depth += 1;
                values += 1;
                if depth > MAX_YAML_DEPTH {
                    return Err(ServiceError::BadRequest(format!(
                        "the body is not valid YAML: recursion limit exceeded (lists and maps nest deeper than \
                         {MAX_YAML_DEPTH}) at {}",
                        at()
                    )));
                }
            }
            Event::SequenceEnd | Event::MappingEnd => depth = depth.saturating_sub(1),
            Event::Scalar(..) => values += 1,
            Event::Nothing | Event::StreamStart | Event::StreamEnd | Event::DocumentStart(_) | Event::DocumentEnd => {}
        }
        if values > MAX_YAML_VALUES {
            return Err(ServiceError::BadRequest(format!(
                "the YAML body holds more than {MAX_YAML_VALUES} values (at {})",
                at()
            )));
        }
    }
    Ok(())
}
