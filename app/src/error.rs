//! The one error type of the UI and its server functions: what the user may be told, with the HTTP
//! status it stands for. Internal details are logged on the server, never sent to the client.

use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    Unauthorized(String),
    #[error("{0} was not found")]
    NotFound(String),
    #[error("you may not {0}")]
    Forbidden(String),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    PayloadTooLarge(String),
    #[error("{0}")]
    UnsupportedMediaType(String),
    #[error("{0}")]
    TooManyRequests(String),
    /// A service the console depends on failed (the artifact bucket).
    #[error("{0}")]
    Unavailable(String),
    #[error("something went wrong on the server; it has been logged")]
    Internal,
    #[error("the console could not be reached: {0}")]
    Transport(String),
}

impl AppError {
    pub fn status_code(&self) -> u16 {
        match self {
            Self::BadRequest(_) => 400,
            Self::Unauthorized(_) => 401,
            Self::NotFound(_) => 404,
            Self::Forbidden(_) => 403,
            Self::Conflict(_) => 409,
            Self::PayloadTooLarge(_) => 413,
            Self::UnsupportedMediaType(_) => 415,
            Self::TooManyRequests(_) => 429,
            Self::Unavailable(_) => 503,
            Self::Internal | Self::Transport(_) => 500,
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            ServerFnErrorErr::Args(message) | ServerFnErrorErr::MissingArg(message) => Self::BadRequest(message),
            other => Self::Transport(other.to_string()),
        }
    }
}

#[cfg(feature = "ssr")]
impl From<services::ServiceError> for AppError {
    fn from(err: services::ServiceError) -> Self {
        use services::ServiceError as E;
        match err {
            E::BadRequest(m) => Self::BadRequest(m),
            E::Unauthorized(m) => Self::Unauthorized(m),
            E::NotFound(m) => Self::NotFound(m),
            E::Forbidden(m) => Self::Forbidden(m),
            E::Conflict(m) => Self::Conflict(m),
            E::PayloadTooLarge(m) => Self::PayloadTooLarge(m),
            E::UnsupportedMediaType(m) => Self::UnsupportedMediaType(m),
            E::TooManyRequests(m) => Self::TooManyRequests(m),
            E::Unavailable(m) => Self::Unavailable(m),
            E::Internal => Self::Internal,
        }
    }
}

impl From<domain::InvalidInput> for AppError {
    fn from(err: domain::InvalidInput) -> Self {
        Self::BadRequest(err.to_string())
    }
}
