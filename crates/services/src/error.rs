//! The one error type of the services: what the caller may be told, with the HTTP status it stands
//! for. Internal details are logged here, never handed to a caller.

/// Why a service operation did not happen. Nothing was written when one is returned.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ServiceError {
    /// The caller's input is wrong; the message names the field (`<field>: <what is wrong>`).
    #[error("{0}")]
    BadRequest(String),
    /// Nobody is signed in, or the credentials are wrong.
    #[error("{0}")]
    Unauthorized(String),
    /// The resource does not exist, or the caller may not know that it does.
    #[error("{0} was not found")]
    NotFound(String),
    /// The caller is known but may not do this.
    #[error("you may not {0}")]
    Forbidden(String),
    /// The resource's state forbids it now (changed by someone else, in use, running).
    #[error("{0}")]
    Conflict(String),
    /// The input is larger than the console accepts.
    #[error("{0}")]
    PayloadTooLarge(String),
    /// The input is in a representation the console does not read.
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// Too many attempts; the message says when to try again.
    #[error("{0}")]
    TooManyRequests(String),
    /// A service the console depends on failed (the artifact bucket); the message names it.
    #[error("{0}")]
    Unavailable(String),
    /// Something failed inside the console (logged where it happened).
    #[error("something went wrong on the server; it has been logged")]
    Internal,
}

impl ServiceError {
    /// The HTTP status this error stands for.
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
            Self::Internal => 500,
            Self::Unavailable(_) => 503,
        }
    }
}

impl From<storage::StorageError> for ServiceError {
    fn from(err: storage::StorageError) -> Self {
        use storage::StorageError::*;
        match err {
            AlreadyExists { .. } | Conflict { .. } => Self::Conflict(err.to_string()),
            NoSuchNamespace(name) => Self::NotFound(format!("namespace {name}")),
            WrongCursor => crate::reads::bad_token(),
            // Only the engine writes through a fenced store; another replica runs it now.
            LeaseLost { .. } => Self::Unavailable(err.to_string()),
            Database(_) | Migration(_) | CorruptDocument(_) | CorruptColumn { .. } => {
                tracing::error!(error = %err, "storage failed");
                Self::Internal
            }
        }
    }
}

impl From<domain::InvalidInput> for ServiceError {
    fn from(err: domain::InvalidInput) -> Self {
        Self::BadRequest(err.to_string())
    }
}

impl From<engine::requests::RequestError> for ServiceError {
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
