//! Errors from Flink, classified so callers know whether trying again can help.

/// Whether an error may pass by itself (retry with backoff) or needs a change first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorClass {
    /// Connection refused, timeout, 5xx: the cluster may answer later.
    Transient,
    /// Flink refused the request (4xx), e.g. "Cannot map checkpoint/savepoint state for operator".
    Permanent,
}

#[derive(Debug, thiserror::Error)]
pub enum FlinkError {
    #[error("Flink at {url} is unreachable: {source}")]
    Unreachable { url: String, source: reqwest::Error },
    #[error("Flink answered {status} to {what}: {message}")]
    Rejected { what: String, status: u16, message: String },
    #[error("Flink's answer to {what} was not understood: {detail}")]
    BadResponse { what: String, detail: String },
    #[error("cannot read the artifact {path}: {source}")]
    Artifact { path: String, source: std::io::Error },
    #[error("{0}")]
    Unavailable(String),
}

impl FlinkError {
    pub fn class(&self) -> ErrorClass {
        match self {
            Self::Unreachable { .. } | Self::Unavailable(_) => ErrorClass::Transient,
            Self::Rejected { status, .. } if *status >= 500 => ErrorClass::Transient,
            Self::Rejected { .. } | Self::BadResponse { .. } | Self::Artifact { .. } => ErrorClass::Permanent,
        }
    }

    /// Flink's own words, for the user: the `errors` it returned, or our description.
    pub fn user_message(&self) -> String {
        match self {
            Self::Rejected { message, .. } => message.clone(),
            other => other.to_string(),
        }
    }
}
