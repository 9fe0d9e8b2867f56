//! Errors from Flink, classified by what Flink's answer means (the exceptions it names), so callers
//! know whether trying again can help. It never retries anything itself.

/// Whether an error may pass by itself (retry with backoff) or needs a change first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorClass {
    /// The cluster may answer differently later: it was unreachable, timed out, was short of
    /// resources or between leaders (see `MARKERS`).
    Transient,
    /// Asking again with the same request fails the same way: Flink refused the program, its
    /// arguments or its state (see `MARKERS`), or its answer was not understood.
    Permanent,
}

/// Something named in Flink's answer (an exception class or a phrase of its message) and what it
/// means for a retry.
#[derive(Debug, Clone, Copy)]
pub struct Marker {
    /// Matched as a substring of the error text Flink returned (its `errors`, without stack frames).
    pub text: &'static str,
    /// Whether an answer containing `text` is worth asking again.
    pub class: ErrorClass,
    /// Why the marker means what it does, for the next reader of this table.
    pub why: &'static str,
}

/// The one list of what Flink's refusals mean. Flink wraps the cause of a refusal in outer
/// exceptions (`RestHandlerException`, `CompletionException`, `ProgramInvocationException`), each
/// line a `Caused by:` deeper; the marker found **last** in the text (the innermost cause) decides.
/// An answer without a marker is classified by its status: 408, 429 and 5xx transient, other 4xx
/// permanent. The status alone misleads: Flink 2.3 answers 500 to a run with an unknown entry class.
pub const MARKERS: &[Marker] = &[
    // The program cannot run as submitted: the same jar, class and arguments fail the same way.
    Marker {
        text: "ClassNotFoundException",
        class: ErrorClass::Permanent,
        why: "the entry class, or a class it needs, is not in the jar (Flink 2.3: HTTP 500)",
    },
    Marker {
        text: "was not found in the jar file",
        class: ErrorClass::Permanent,
        why: "PackagedProgram: the program's entry point class is not in the jar",
    },
    Marker { text: "Could not find class", class: ErrorClass::Permanent, why: "an entry class that does not exist" },
    Marker {
        text: "NoClassDefFoundError",
        class: ErrorClass::Permanent,
        why: "the jar was built against classes the cluster lacks",
    },
    Marker {
        text: "threw an error during initialization",
        class: ErrorClass::Permanent,
        why: "PackagedProgram: the entry class's static initialiser failed",
    },
    Marker {
        text: "does not have a main",
        class: ErrorClass::Permanent,
        why: "the entry class has no main(String[]) method",
    },
    Marker {
        text: "has no main(",
        class: ErrorClass::Permanent,
        why: "PackagedProgram: the entry class has no main(String[]) method",
    },
    Marker {
        text: "non-static main method",
        class: ErrorClass::Permanent,
        why: "PackagedProgram: main must be static",
    },
    Marker {
        text: "non-public main method",
        class: ErrorClass::Permanent,
        why: "PackagedProgram: main must be public",
    },
    Marker {
        text: "NoSuchMethodException",
        class: ErrorClass::Permanent,
        why: "a method the program needs (main, or one of a library) does not exist",
    },
    Marker {
        text: "NoSuchMethodError",
        class: ErrorClass::Permanent,
        why: "the jar was built against another Flink or library version",
    },
    Marker {
        text: "UnsupportedClassVersionError",
        class: ErrorClass::Permanent,
        why: "the jar was compiled for a newer Java than the cluster runs",
    },
    Marker {
        text: "IllegalArgumentException",
        class: ErrorClass::Permanent,
        why: "the program (or ParameterTool) refused its arguments or configuration",
    },
    Marker {
        text: "ProgramParametrizationException",
        class: ErrorClass::Permanent,
        why: "the program refused its parameters",
    },
    Marker {
        text: "ProgramMissingJobException",
        class: ErrorClass::Permanent,
        why: "main() returned without defining a job",
    },
    Marker {
        text: "ValidationException",
        class: ErrorClass::Permanent,
        why: "the Table API refused a SQL statement (unknown table, type mismatch)",
    },
    Marker { text: "SqlParserException", class: ErrorClass::Permanent, why: "a SQL statement does not parse" },
    // The state to restore cannot be used with this program.
    Marker {
        text: "FileNotFoundException",
        class: ErrorClass::Permanent,
        why: "the savepoint path does not exist (Flink 2.3: HTTP 400, a FAILED job left under the id)",
    },
    Marker {
        text: "Cannot map checkpoint/savepoint state",
        class: ErrorClass::Permanent,
        why: "the savepoint holds state of an operator the program no longer has; needs allowNonRestoredState",
    },
    // The cluster cannot do it now but may shortly.
    Marker {
        text: "Jar file ",
        class: ErrorClass::Transient,
        why: "JarRunHandler: the uploaded jar is gone (evicted by MAX_UPLOADED_JARS, JobManager restarted); \
              the next submission uploads it again",
    },
    Marker {
        text: "NoResourceAvailableException",
        class: ErrorClass::Transient,
        why: "no free task slots now; TaskManagers may register or jobs end",
    },
    Marker {
        text: "TimeoutException",
        class: ErrorClass::Transient,
        why: "an internal ask timed out (also AskTimeoutException, SocketTimeoutException) on a busy cluster",
    },
    Marker {
        text: "ConnectException",
        class: ErrorClass::Transient,
        why: "the JobManager (or a service main() contacts) refused a connection; it may be restarting",
    },
    Marker { text: "Connection refused", class: ErrorClass::Transient, why: "as ConnectException" },
    Marker { text: "Connection reset", class: ErrorClass::Transient, why: "a connection dropped mid-request" },
    Marker {
        text: "ongoing leader election",
        class: ErrorClass::Transient,
        why: "REST 503 while the JobManagers elect a leader",
    },
    Marker {
        text: "LeaderRetrievalException",
        class: ErrorClass::Transient,
        why: "the JobManager leader is not known yet (HA failover)",
    },
    Marker {
        text: "FencingTokenException",
        class: ErrorClass::Transient,
        why: "the request reached a JobManager that lost its leadership",
    },
    Marker {
        text: "RecipientUnreachableException",
        class: ErrorClass::Transient,
        why: "an RPC endpoint (dispatcher, resource manager) is not reachable yet",
    },
    // In-place rescale (`/jobs/:id/resource-requirements`), as observed on Flink 2.3.
    Marker {
        text: "does not support changing the parallelism without a job restart",
        class: ErrorClass::Permanent,
        why: "the cluster runs the default scheduler (HTTP 500): rescale with a stateful upgrade instead",
    },
    Marker {
        text: "missing job vertex",
        class: ErrorClass::Permanent,
        why: "a resource-requirements request must name every vertex of the job (HTTP 400)",
    },
];

/// What went wrong talking to Flink.
#[derive(Debug, thiserror::Error)]
pub enum FlinkError {
    /// The request did not get an answer (connection refused, timeout).
    #[error("Flink at {url} is unreachable: {source}")]
    Unreachable {
        /// The JobManager's base URL.
        url: String,
        /// reqwest's reason.
        source: reqwest::Error,
    },
    /// Flink answered with an error status.
    #[error("Flink answered {status} to {what}: {message}")]
    Rejected {
        /// The request, in words ("job submission").
        what: String,
        /// The HTTP status.
        status: u16,
        /// Flink's `errors`, without Java stack frames.
        message: String,
    },
    /// Flink answered success with a body this client does not understand.
    #[error("Flink's answer to {what} was not understood: {detail}")]
    BadResponse {
        /// The request, in words.
        what: String,
        /// What was wrong with the answer.
        detail: String,
    },
    /// The artifact to upload cannot be read from local disk.
    #[error("cannot read the artifact {path}: {source}")]
    Artifact {
        /// The artifact's path.
        path: String,
        /// The IO error.
        source: std::io::Error,
    },
    /// Flink cannot be asked now (the local cluster is starting or stopped).
    #[error("{0}")]
    Unavailable(String),
    /// The console's network policy forbids connecting there (see `network::NetworkPolicy`).
    #[error("the console may not connect to {url}: {reason}")]
    Refused {
        /// The JobManager's base URL.
        url: String,
        /// Why, in the console's words.
        reason: String,
    },
}

/// The innermost cause of a failed connection (e.g. "connection refused", a name that does not
/// resolve): the local system's words, as none of it comes from the other side.
fn network_failure(source: &reqwest::Error) -> String {
    let mut cause: &(dyn std::error::Error + 'static) = source;
    while let Some(next) = cause.source() {
        if let Some(io) = next.downcast_ref::<std::io::Error>() {
            // An OS error reads best as its kind ("connection refused"); others carry their own
            // words ("failed to lookup address information: …").
            return if io.raw_os_error().is_some() { io.kind().to_string() } else { io.to_string() };
        }
        cause = next;
    }
    if source.is_connect() {
        "cannot connect".to_owned()
    } else {
        format!("no usable answer: {cause}")
    }
}

/// The class of a refusal with this HTTP status and error text: the innermost marker, else the status.
pub fn classify_refusal(status: u16, message: &str) -> ErrorClass {
    let innermost = MARKERS
        .iter()
        .filter_map(|marker| message.rfind(marker.text).map(|at| (at, marker)))
        .max_by_key(|(at, marker)| (*at, marker.text.len()));
    match innermost {
        Some((_, marker)) => marker.class,
        None if status >= 500 || status == 408 || status == 429 => ErrorClass::Transient,
        None => ErrorClass::Permanent,
    }
}

impl FlinkError {
    /// Whether asking again may help (see `MARKERS` for refusals).
    pub fn class(&self) -> ErrorClass {
        match self {
            Self::Unreachable { .. } | Self::Unavailable(_) => ErrorClass::Transient,
            Self::Rejected { status, message, .. } => classify_refusal(*status, message),
            // A refused address stays refused until an admin allows it or the target changes.
            Self::BadResponse { .. } | Self::Artifact { .. } | Self::Refused { .. } => ErrorClass::Permanent,
        }
    }

    /// Whether Flink refused a run because the uploaded jar it names is gone (`Jar file … does
    /// not exist`: the JobManager restarted, or another console deleted the upload).
    pub fn is_missing_jar(&self) -> bool {
        matches!(self, Self::Rejected { message, .. } if message.contains("Jar file") && message.contains("does not exist"))
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

    /// What happened to the request for `path`, in the console's words only: the status, the
    /// network's failure or the policy's refusal, never text the other side sent (a URL a person
    /// typed may lead to anything, and its answer is not theirs to read).
    pub fn summary(&self, path: &str) -> String {
        match self {
            Self::Rejected { status, .. } => format!("HTTP {status} from {path}"),
            Self::BadResponse { .. } => format!("not a Flink JobManager: its answer to {path} is not Flink's"),
            Self::Unreachable { source, .. } if source.is_timeout() => format!("no answer from {path} in time"),
            Self::Unreachable { source, .. } => network_failure(source),
            Self::Refused { reason, .. } => reason.clone(),
            Self::Unavailable(reason) => reason.clone(),
            Self::Artifact { .. } => self.to_string(),
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

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::StatusCode;

    /// Flink 2.3's answer to `POST /jars/:id/run`, as `FlinkClient` reports it.
    fn run_refused(status: u16, body: serde_json::Value) -> FlinkError {
        let status = StatusCode::from_u16(status).expect("an HTTP status");
        crate::client::rejection("job submission", status, &body.to_string())
    }

    /// A `RestHandlerException` around `causes`, with stack frames as Flink sends them.
    fn chain(causes: &[&str]) -> serde_json::Value {
        let mut text = String::from(
            "org.apache.flink.runtime.rest.handler.RestHandlerException: Could not execute application.\n\
             \tat org.apache.flink.runtime.webmonitor.handlers.JarRunHandler.lambda$handleRequest$1(JarRunHandler.java:114)\n\
             \tat java.base/java.util.concurrent.CompletableFuture.uniHandle(CompletableFuture.java:934)\n",
        );
        for cause in causes {
            text.push_str(&format!("Caused by: {cause}\n\tat org.apache.flink.client.program.PackagedProgram.x(PackagedProgram.java:1)\n\t... 12 more\n"));
        }
        serde_json::json!({ "errors": [text] })
    }

    #[test]
    fn an_unknown_entry_class_is_permanent_although_flink_answers_500() {
        let refused = run_refused(
            500,
            chain(&[
                "java.util.concurrent.CompletionException: org.apache.flink.util.FlinkRuntimeException: Could not execute application.",
                "org.apache.flink.client.program.ProgramInvocationException: The program's entry point class 'com.example.Missing' was not found in the jar file.",
                "java.lang.ClassNotFoundException: com.example.Missing",
            ]),
        );
        assert_eq!(refused.class(), ErrorClass::Permanent, "{refused}");
        let message = refused.user_message();
        assert!(message.contains("com.example.Missing") && !message.contains("\tat "), "{message}");
    }

    #[test]
    fn program_errors_are_permanent() {
        let refusals = [
            chain(&["org.apache.flink.client.program.ProgramInvocationException: The class com.example.Job has no main(String[]) method."]),
            chain(&["org.apache.flink.client.program.ProgramInvocationException: The given program class does not have a main(String[]) method."]),
            chain(&[
                "org.apache.flink.client.program.ProgramInvocationException: The main method caused an error: No data for required key 'input'",
                "java.lang.IllegalArgumentException: No data for required key 'input'",
            ]),
            chain(&["java.lang.NoSuchMethodException: com.example.Job.main([Ljava.lang.String;)"]),
            chain(&[
                "org.apache.flink.client.program.ProgramInvocationException: The main method caused an error: Object 'sink' not found",
                "org.apache.flink.table.api.ValidationException: Object 'sink' not found",
            ]),
        ];
        for body in refusals {
            let refused = run_refused(500, body);
            assert_eq!(refused.class(), ErrorClass::Permanent, "{refused}");
        }
    }

    #[test]
    fn state_that_cannot_be_restored_is_permanent() {
        let missing = run_refused(
            400,
            chain(&[
                "java.util.concurrent.CompletionException: java.io.FileNotFoundException: Cannot find checkpoint or savepoint file/directory 'file:/sp/savepoint-1' on file system 'file'.",
            ]),
        );
        assert_eq!(missing.class(), ErrorClass::Permanent, "{missing}");
        let unmappable = run_refused(
            400,
            chain(&[
                "java.lang.IllegalStateException: Failed to rollback to checkpoint/savepoint file:/sp/savepoint-1. Cannot map checkpoint/savepoint state for operator 9dd63673dd41ea021b896d5203f3ba7c to the new program, because the operator is not available in the new program.",
            ]),
        );
        assert_eq!(unmappable.class(), ErrorClass::Permanent, "{unmappable}");
    }

    #[test]
    fn a_cluster_short_of_resources_or_time_or_a_leader_is_transient() {
        let no_slots = run_refused(
            500,
            chain(&[
                "org.apache.flink.runtime.jobmanager.scheduler.NoResourceAvailableException: Could not acquire the minimum required resources.",
            ]),
        );
        assert_eq!(no_slots.class(), ErrorClass::Transient, "{no_slots}");
        // The innermost cause decides: a program whose main() timed out may run next time.
        let timed_out = run_refused(
            500,
            chain(&[
                "org.apache.flink.client.program.ProgramInvocationException: The main method caused an error: java.util.concurrent.TimeoutException",
                "java.util.concurrent.TimeoutException: Invocation of [RemoteRpcInvocation(DispatcherGateway.submitJob(JobGraph, Duration))] at recipient [pekko://flink/user/rpc/dispatcher_0] timed out.",
            ]),
        );
        assert_eq!(timed_out.class(), ErrorClass::Transient, "{timed_out}");
        let electing = run_refused(
            503,
            serde_json::json!({"errors": ["Service temporarily unavailable due to an ongoing leader election. Please refresh."]}),
        );
        assert_eq!(electing.class(), ErrorClass::Transient, "{electing}");
    }

    #[test]
    fn without_a_known_exception_the_status_decides() {
        let internal = run_refused(
            500,
            serde_json::json!({"errors": ["Internal server error.", "<Exception on server side:\nsomething odd\nEnd of exception on server side>"]}),
        );
        assert_eq!(internal.class(), ErrorClass::Transient, "{internal}");
        let bad_request = run_refused(
            400,
            serde_json::json!({"errors": ["Request did not match expected format JarRunRequestBody."]}),
        );
        assert_eq!(bad_request.class(), ErrorClass::Permanent, "{bad_request}");
        assert_eq!(run_refused(429, serde_json::json!({})).class(), ErrorClass::Transient);
    }

    #[test]
    fn every_marker_says_why() {
        for marker in MARKERS {
            assert!(!marker.text.is_empty() && !marker.why.is_empty(), "{marker:?}");
        }
    }

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
