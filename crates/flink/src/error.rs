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

    /// Whether Flink refused a submission because a job with the chosen id already exists (running
    /// or ended): the submission the caller is retrying did reach Flink. Observed on Flink 2.3: the
    /// second `POST /jars/:id/run` with the same `jobId` answers HTTP 400, its error chain ending in
    /// "org.apache.flink.runtime.client.DuplicateApplicationSubmissionException: Application has
    /// already been submitted." (2.3 makes the job id the application's id too), also after the job
    /// was cancelled. `POST /jobs` and Flink 1.x say `DuplicateJobSubmissionException` ("Job has
    /// already been submitted"). Matched on the exception names and the phrase, not the status,
    /// which Flink has changed between versions.
    ///
    /// It does not say the job runs: a submission Flink refused after creating the job (a missing
    /// savepoint: 400 `FileNotFoundException`) leaves a FAILED job under the id, so retrying it is a
    /// duplicate too. Ask for the job's state. (A refusal before any job exists, e.g. an unknown
    /// entry class, 500, leaves the id free.)
    pub fn is_duplicate_job(&self) -> bool {
        let Self::Rejected { message, .. } = self else {
            return false;
        };
        ["DuplicateApplicationSubmissionException", "DuplicateJobSubmissionException", "has already been submitted"]
            .iter()
            .any(|marker| message.contains(marker))
    }

    /// Flink's own words, for the user: the `errors` it returned, or our description.
    pub fn user_message(&self) -> String {
        match self {
            Self::Rejected { message, .. } => message.clone(),
            other => other.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rejected(status: u16, message: &str) -> FlinkError {
        FlinkError::Rejected { what: "job submission".into(), status, message: message.into() }
    }

    #[test]
    fn a_refused_duplicate_job_id_is_recognised_and_other_refusals_are_not() {
        // As `FlinkClient` reported Flink 2.3's answer to a second run with the same jobId.
        let duplicate = rejected(
            400,
            "org.apache.flink.runtime.rest.handler.RestHandlerException: Could not execute application.\n\
             Caused by: org.apache.flink.util.FlinkException: Failed to execute job 'stateful-counter'.\n\
             Caused by: org.apache.flink.runtime.client.DuplicateApplicationSubmissionException: \
             Application has already been submitted.",
        );
        assert!(duplicate.is_duplicate_job());
        assert!(rejected(
            500,
            "org.apache.flink.runtime.client.DuplicateJobSubmissionException: Job has already been submitted."
        )
        .is_duplicate_job());
        assert!(!rejected(400, "Cannot map checkpoint/savepoint state for operator 1234 to the new program")
            .is_duplicate_job());
        assert!(!FlinkError::Unavailable("has already been submitted".into()).is_duplicate_job());
    }
}
