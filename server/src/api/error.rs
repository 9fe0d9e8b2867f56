//! The REST API's one error shape: `{"kind":"Error","statusCode":…,"reason":…,"message":…}`.

use axum::extract::Request;
use axum::http::header::{ALLOW, CONTENT_TYPE};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use services::ServiceError;

#[derive(Debug)]
pub struct ApiError(pub ServiceError);

impl From<ServiceError> for ApiError {
    fn from(err: ServiceError) -> Self {
        Self(err)
    }
}

impl From<storage::StorageError> for ApiError {
    fn from(err: storage::StorageError) -> Self {
        Self(ServiceError::from(err))
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.0.status_code()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let reason = match &self.0 {
            ServiceError::BadRequest(_) => "BadRequest",
            ServiceError::Unauthorized(_) => "Unauthorized",
            ServiceError::TooManyRequests(_) => "TooManyRequests",
            ServiceError::NotFound(_) => "NotFound",
            ServiceError::Forbidden(_) => "Forbidden",
            ServiceError::Conflict(_) => "Conflict",
            ServiceError::PayloadTooLarge(_) => "PayloadTooLarge",
            ServiceError::UnsupportedMediaType(_) => "UnsupportedMediaType",
            ServiceError::Internal => "InternalError",
            ServiceError::Unavailable(_) => "ServiceUnavailable",
        };
        error_response(status, reason, &self.0.to_string())
    }
}

/// What every failed API call answers.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ErrorBody {
    /// Always `Error`.
    pub kind: &'static str,
    pub status_code: u16,
    /// `BadRequest`, `NotFound`, `Forbidden`, `Conflict`, `PayloadTooLarge`, …
    pub reason: String,
    /// What went wrong, naming the field (`spec.template.spec.parallelism: …`) where one is at fault.
    pub message: String,
}

/// The error shape for any status.
pub fn error_response(status: StatusCode, reason: &str, message: &str) -> Response {
    let body =
        ErrorBody { kind: "Error", status_code: status.as_u16(), reason: reason.into(), message: message.into() };
    (status, Json(body)).into_response()
}

/// Gives the router's own bodiless answers under `/api` (no such path, method not allowed) the
/// error shape too.
pub async fn shape_bare_errors(request: Request, next: Next) -> Response {
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let response = next.run(request).await;
    let bare = response.headers().get(CONTENT_TYPE).is_none();
    match response.status() {
        StatusCode::NOT_FOUND if bare => {
            error_response(StatusCode::NOT_FOUND, "NotFound", &format!("there is no API resource at {path}"))
        }
        StatusCode::METHOD_NOT_ALLOWED if bare => {
            let mut shaped = error_response(
                StatusCode::METHOD_NOT_ALLOWED,
                "MethodNotAllowed",
                &format!("{method} is not supported on {path}"),
            );
            if let Some(allow) = response.headers().get(ALLOW) {
                shaped.headers_mut().insert(ALLOW, allow.clone());
            }
            shaped
        }
        _ => response,
    }
}
