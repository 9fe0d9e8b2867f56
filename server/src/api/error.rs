//! The REST API's one error shape: `{"kind":"Error","statusCode":…,"reason":…,"message":…}`.

use app::error::AppError;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

#[derive(Debug)]
pub struct ApiError(pub AppError);

impl From<AppError> for ApiError {
    fn from(err: AppError) -> Self {
        Self(err)
    }
}

impl From<storage::StorageError> for ApiError {
    fn from(err: storage::StorageError) -> Self {
        Self(AppError::from(err))
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.0.status_code()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let reason = match &self.0 {
            AppError::BadRequest(_) => "BadRequest",
            AppError::NotFound(_) => "NotFound",
            AppError::Forbidden(_) => "Forbidden",
            AppError::Internal | AppError::Transport(_) => "InternalError",
        };
        let body =
            json!({"kind": "Error", "statusCode": status.as_u16(), "reason": reason, "message": self.0.to_string()});
        (status, Json(body)).into_response()
    }
}
