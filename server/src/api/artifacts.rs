//! `/api/v1/namespaces/{ns}/artifacts`: list, upload (multipart, streamed to disk), get, download
//! (`…/{name}/content`, streamed from disk), delete the JARs of a namespace. The upload also serves the Artifacts page's plain HTML form: a browser's
//! post is answered with a redirect back to the page, the outcome handed over in a short-lived
//! cookie only that page receives. It must never hold an upload in memory whole.

use axum::body::{Body, Bytes};
use axum::extract::{Multipart, Path, Query, State};
use axum::http::header::{
    ACCEPT, CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_LENGTH, CONTENT_TYPE, ETAG, IF_NONE_MATCH, LOCATION,
    SET_COOKIE, X_CONTENT_TYPE_OPTIONS,
};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use domain::{NamespaceName, ResourceList, UploadedArtifact};
use serde::Deserialize;
use services::{parse_namespace, too_large, Caller, Permission, ServiceError, UploadOutcome};
use tokio::io::AsyncReadExt;

use super::error::ErrorBody;
use super::representation::represent;
use super::{list_of, ApiError, PageQuery};
use crate::AppState;

/// What a multipart body may hold besides the file (boundaries, headers, the `overwrite` field).
const MULTIPART_OVERHEAD: u64 = 64 * 1024;

/// Lists the namespace's artifacts by name, with size, SHA-256, uploader and time; one page at a
/// time (`limit`, `continue`).
#[utoipa::path(get, path = "/api/v1/namespaces/{namespace}/artifacts", tag = "artifacts",
    params(("namespace" = String, Path, description = "The namespace (a DNS label)"), PageQuery),
    responses((status = 200, body = ResourceList<UploadedArtifact>), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(namespace): Path<String>,
    Query(page): Query<PageQuery>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let namespace = parse_namespace(&namespace)?;
    state.services.require(&caller, Permission::ViewDeployments, &namespace).await?;
    let artifacts = state.services.artifacts(&namespace, &page.request()?).await?;
    Ok(represent(&headers, StatusCode::OK, &list_of("ArtifactList", artifacts)))
}

/// The multipart form of an upload.
#[derive(utoipa::ToSchema)]
#[allow(dead_code, reason = "describes the multipart body in the OpenAPI document; read field by field")]
pub struct UploadForm {
    /// The JAR; its file name (`filename` of the part) is the artifact's name: a plain file name
    /// ending in `.jar`.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
    /// `true` replaces an artifact of the same name with other bytes (refused while a deployment
    /// names it); the query parameter of the same name does the same.
    overwrite: Option<bool>,
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UploadQuery {
    /// `true` replaces an artifact of the same name with other bytes (refused while a deployment
    /// names it). Without it, other bytes under a taken name are 409.
    overwrite: Option<bool>,
}

/// Uploads a JAR (editors): `multipart/form-data` with the field `file`, streamed to disk. 201 with
/// the new artifact; 200 when the name already held these very bytes, or when `overwrite=true`
/// replaced them; 409 for other bytes under a taken name (or an overwrite of a JAR a deployment
/// names); 413 over the console's limit (`--max-artifact-bytes`), nothing stored; 400 for a name
/// that is not a plain `.jar` file name or bytes that are not a JAR. A browser's form post
/// (`Accept: text/html`) is answered 303 to the namespace's Artifacts page instead.
#[utoipa::path(post, path = "/api/v1/namespaces/{namespace}/artifacts", tag = "artifacts",
    params(("namespace" = String, Path, description = "The namespace (a DNS label)"), UploadQuery),
    request_body(content = UploadForm, content_type = "multipart/form-data"),
    responses((status = 201, body = UploadedArtifact, description = "Uploaded"),
              (status = 200, body = UploadedArtifact, description = "The same bytes were there already, or replaced with overwrite=true"),
              (status = 303, description = "A browser's form post: back to the Artifacts page"),
              (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
              (status = 413, body = ErrorBody), (status = 415, body = ErrorBody)))]
pub async fn upload(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(namespace): Path<String>,
    Query(query): Query<UploadQuery>,
    headers: HeaderMap,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<Response, ApiError> {
    let namespace = parse_namespace(&namespace)?;
    let from_page = is_browser_form(&headers);
    let outcome = receive(&state, &caller, &namespace, query.overwrite.unwrap_or(false), &headers, multipart).await;
    if from_page {
        return Ok(back_to_page(&namespace, &headers, &outcome));
    }
    let outcome = outcome?;
    let (status, what) = match outcome {
        UploadOutcome::Created(_) => (StatusCode::CREATED, "created"),
        UploadOutcome::Unchanged(_) => (StatusCode::OK, "unchanged"),
        UploadOutcome::Replaced(_) => (StatusCode::OK, "replaced"),
    };
    let mut response = represent(&headers, status, outcome.artifact());
    // Which of the two 200s it was, for the page's own upload (it shows the outcome in words).
    response.headers_mut().insert("x-upload-outcome", HeaderValue::from_static(what));
    Ok(response)
}

/// Authorises, then streams the multipart body's `file` into an upload and finishes it.
async fn receive(
    state: &AppState,
    caller: &Caller,
    namespace: &NamespaceName,
    overwrite: bool,
    headers: &HeaderMap,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<UploadOutcome, ServiceError> {
    let services = &state.services;
    services.require(caller, Permission::EditDeployments, namespace).await?;
    let max = services.max_artifact_bytes();
    let declared = headers.get(CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|length| length > max.saturating_add(MULTIPART_OVERHEAD)) {
        return Err(too_large(max));
    }
    let mut multipart = multipart.map_err(|_| {
        ServiceError::UnsupportedMediaType(
            "send the JAR as multipart/form-data with the field `file` (curl -F file=@job.jar)".into(),
        )
    })?;
    let unreadable = |err: axum::extract::multipart::MultipartError| {
        ServiceError::BadRequest(format!("the multipart body cannot be read: {}", err.body_text()))
    };
    let mut overwrite = overwrite;
    let mut upload = None;
    while let Some(mut field) = multipart.next_field().await.map_err(unreadable)? {
        match field.name() {
            Some("file") if upload.is_none() => {
                let name = field.file_name().map(str::to_owned).ok_or_else(|| {
                    ServiceError::BadRequest("file: the part has no file name (the artifact's name)".into())
                })?;
                let mut started = services.begin_artifact_upload(namespace, &name).await?;
                while let Some(chunk) = field.chunk().await.map_err(unreadable)? {
                    started.write(&chunk).await?;
                }
                upload = Some(started);
            }
            Some("file") => return Err(ServiceError::BadRequest("file: one JAR per upload".into())),
            Some("overwrite") => {
                let mut value = Vec::new();
                while let Some(chunk) = field.chunk().await.map_err(unreadable)? {
                    value.extend_from_slice(&chunk);
                    if value.len() > 16 {
                        return Err(ServiceError::BadRequest("overwrite: true or false".into()));
                    }
                }
                overwrite |= matches!(String::from_utf8_lossy(&value).trim(), "true" | "on" | "1");
            }
            _ => {}
        }
    }
    let upload =
        upload.ok_or_else(|| ServiceError::BadRequest("file: the multipart body has no field `file`".into()))?;
    services.finish_artifact_upload(caller, upload, overwrite).await
}

/// A plain HTML form post from a browser (it asks for HTML, not JSON).
fn is_browser_form(headers: &HeaderMap) -> bool {
    let accept = headers.get(ACCEPT).and_then(|v| v.to_str().ok()).unwrap_or_default();
    accept.contains("text/html") && !accept.contains("application/json")
}

/// 303 back to the Artifacts page with what happened in a cookie only that page receives.
fn back_to_page(
    namespace: &NamespaceName,
    headers: &HeaderMap,
    outcome: &Result<UploadOutcome, ServiceError>,
) -> Response {
    let (ok, message) = match outcome {
        Ok(UploadOutcome::Created(a)) => (true, format!("Uploaded {} ({} bytes).", a.name, a.size_bytes)),
        Ok(UploadOutcome::Unchanged(a)) => (true, format!("{} is already here with these very bytes.", a.name)),
        Ok(UploadOutcome::Replaced(a)) => (true, format!("Replaced {} ({} bytes).", a.name, a.size_bytes)),
        Err(err) => (false, err.to_string()),
    };
    let over_tls = headers.get("x-forwarded-proto").and_then(|v| v.to_str().ok()) == Some("https");
    let cookie = app::ssr::upload_result_cookie(namespace, ok, &message, over_tls);
    let mut response = StatusCode::SEE_OTHER.into_response();
    if let Ok(location) = HeaderValue::from_str(&format!("/namespaces/{namespace}/artifacts")) {
        response.headers_mut().insert(LOCATION, location);
    }
    match HeaderValue::from_str(&cookie) {
        Ok(cookie) => {
            response.headers_mut().insert(SET_COOKIE, cookie);
        }
        Err(err) => tracing::error!(error = %err, "an upload's result cannot be handed to the page"),
    }
    response.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8"));
    response
}

/// One artifact by name.
#[utoipa::path(get, path = "/api/v1/namespaces/{namespace}/artifacts/{name}", tag = "artifacts",
    params(("namespace" = String, Path, description = "The namespace (a DNS label)"), ("name" = String, Path, description = "The artifact's file name")),
    responses((status = 200, body = UploadedArtifact), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path((namespace, name)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let namespace = parse_namespace(&namespace)?;
    state.services.require(&caller, Permission::ViewDeployments, &namespace).await?;
    let artifact = state.services.artifact(&namespace, &name).await?;
    Ok(represent(&headers, StatusCode::OK, &artifact))
}

/// The bytes of one artifact, as uploaded (viewers too, like the artifact's record):
/// `application/java-archive`, offered as a download under the artifact's name, with its length,
/// and its SHA-256 as the ETag (an `If-None-Match` naming it answers 304). The bytes are streamed
/// from the file, never held in memory whole.
#[utoipa::path(get, path = "/api/v1/namespaces/{namespace}/artifacts/{name}/content", tag = "artifacts",
    params(("namespace" = String, Path, description = "The namespace (a DNS label)"), ("name" = String, Path, description = "The artifact's file name")),
    responses((status = 200, content_type = "application/java-archive", body = Vec<u8>, description = "The JAR's bytes"),
              (status = 304, description = "The ETag sent in If-None-Match is the artifact's"),
              (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn content(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path((namespace, name)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let namespace = parse_namespace(&namespace)?;
    state.services.require(&caller, Permission::ViewDeployments, &namespace).await?;
    let (artifact, file) = state.services.open_artifact(&namespace, &name).await?;
    let etag = format!("\"{}\"", artifact.sha256);
    let seen = headers
        .get(IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|tags| tags.split(',').any(|tag| tag.trim() == etag || tag.trim() == "*"));
    let mut response = if seen {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        let mut response = Response::new(Body::from_stream(chunks_of(file)));
        response.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static("application/java-archive"));
        response.headers_mut().insert(CONTENT_LENGTH, HeaderValue::from(artifact.size_bytes));
        let disposition = format!(
            "attachment; filename=\"{}\"; filename*=UTF-8''{}",
            artifact.name.ascii_file_name(),
            artifact.name.percent_encoded()
        );
        if let Ok(disposition) = HeaderValue::from_str(&disposition) {
            response.headers_mut().insert(CONTENT_DISPOSITION, disposition);
        }
        response
    };
    let headers = response.headers_mut();
    if let Ok(etag) = HeaderValue::from_str(&etag) {
        headers.insert(ETAG, etag);
    }
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("private, no-cache"));
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    Ok(response)
}

/// A file's bytes as a stream of chunks of at most 32 KiB.
fn chunks_of(file: tokio::fs::File) -> impl futures_util::Stream<Item = std::io::Result<Bytes>> {
    futures_util::stream::try_unfold(file, |mut file| async move {
        let mut chunk = vec![0; 32 * 1024];
        let read = file.read(&mut chunk).await?;
        if read == 0 {
            return Ok(None);
        }
        chunk.truncate(read);
        Ok(Some((Bytes::from(chunk), file)))
    })
}

/// Deletes an artifact no deployment of the namespace names (editors); 409 naming the deployments
/// that do.
#[utoipa::path(delete, path = "/api/v1/namespaces/{namespace}/artifacts/{name}", tag = "artifacts",
    params(("namespace" = String, Path, description = "The namespace (a DNS label)"), ("name" = String, Path, description = "The artifact's file name")),
    responses((status = 200, body = UploadedArtifact), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody)))]
pub async fn delete(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path((namespace, name)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let namespace = parse_namespace(&namespace)?;
    state.services.require(&caller, Permission::EditDeployments, &namespace).await?;
    let artifact = state.services.delete_artifact(&caller, &namespace, &name).await?;
    Ok(represent(&headers, StatusCode::OK, &artifact))
}
