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
impl From<storage::StorageError> for AppError {
    fn from(err: storage::StorageError) -> Self {
        use storage::StorageError::*;
        match err {
            AlreadyExists { .. } | Conflict { .. } => Self::Conflict(err.to_string()),
            NoSuchNamespace(name) => Self::NotFound(format!("namespace {name}")),
            Database(_) | Migration(_) | CorruptDocument(_) => {
                tracing::error!(error = %err, "storage failed");
                Self::Internal
            }
        }
    }
}

impl From<domain::InvalidInput> for AppError {
    fn from(err: domain::InvalidInput) -> Self {
        Self::BadRequest(err.to_string())
    }
}

#[cfg(feature = "ssr")]
impl From<engine::requests::RequestError> for AppError {
    fn from(err: engine::requests::RequestError) -> Self {
        use engine::requests::RequestError::*;
        match err {
            NoSuchDeployment(id) => Self::NotFound(format!("deployment {id}")),
            NotPossible(why) => Self::Conflict(why),
            Storage(err) => err.into(),
            Record(err) => {
                tracing::error!(error = %err, "the engine's record is unreadable");
                Self::Internal
            }
        }
    }
}
