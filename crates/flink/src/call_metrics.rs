//! The console's own metrics of its calls to Flink: how many, how long, and with which outcome,
//! per cluster and per endpoint of Flink's REST API. Recorded through the `metrics` facade (a no-op
//! until the server installs a recorder); it must never put an id (a job's, a jar's, a trigger's)
//! into a label, so every path is reduced to its route template first.

use std::time::Duration;

use crate::{ErrorClass, FlinkError};

/// Histogram of the time each Flink REST call took, in seconds; its `_count` is the number of calls.
/// Labels: `target`, `method`, `endpoint`, `outcome`.
pub const REQUEST_DURATION_SECONDS: &str = "flink_console_flink_request_duration_seconds";

/// Registers the help text of the metrics recorded here (call once the recorder is installed).
pub fn describe() {
    metrics::describe_histogram!(
        REQUEST_DURATION_SECONDS,
        metrics::Unit::Seconds,
        "Time taken by the console's calls to Flink's REST API, per cluster (target = host:port), \
         HTTP method, endpoint (a route template such as /jobs/:jobid/checkpoints) and outcome (ok, transient, permanent)"
    );
}

/// What became of a call, in the classes the engine acts on.
pub(crate) fn outcome<T>(result: &Result<T, FlinkError>) -> &'static str {
    match result {
        Ok(_) => "ok",
        Err(err) => match err.class() {
            ErrorClass::Transient => "transient",
            ErrorClass::Permanent => "permanent",
        },
    }
}

/// Records one finished call.
pub(crate) fn record(target: &str, method: &str, endpoint: String, outcome: &'static str, took: Duration) {
    metrics::histogram!(
        REQUEST_DURATION_SECONDS,
        "target" => target.to_owned(),
        "method" => method.to_owned(),
        "endpoint" => endpoint,
        "outcome" => outcome,
    )
    .record(took.as_secs_f64());
}

/// The label of a cluster: `host:port` of its REST URL (the port the scheme implies if none is
/// given), or `unknown` for a URL that cannot be read (no request to it succeeds either).
pub(crate) fn target_label(base_url: &str) -> String {
    match reqwest::Url::parse(base_url) {
        Ok(url) => match (url.host_str(), url.port_or_known_default()) {
            (Some(host), Some(port)) => format!("{host}:{port}"),
            (Some(host), None) => host.to_owned(),
            _ => "unknown".to_owned(),
        },
        Err(_) => "unknown".to_owned(),
    }
}

/// The words of Flink's REST paths (`docs/ops/rest_api`); any other segment is an id.
const STATIC_SEGMENTS: &[&str] = &[
    "v1",
    "overview",
    "config",
    "jobs",
    "jars",
    "upload",
    "run",
    "plan",
    "status",
    "savepoints",
    "stop",
    "savepoint-disposal",
    "checkpoints",
    "details",
    "subtasks",
    "attempts",
    "accumulators",
    "exceptions",
    "metrics",
    "vertices",
    "backpressure",
    "flamegraph",
    "watermarks",
    "subtasktimes",
    "taskmanagers",
    "jobmanager",
    "logs",
    "stdout",
    "thread-dump",
    "rescaling",
    "resource-requirements",
    "execution-result",
    "cluster",
    "dataset",
    "datasets",
    "delete",
    "statistics",
    "environment",
    "jobmanagers",
    "clients",
    "applications",
];

/// The placeholder an id takes after `previous`, in Flink's own spelling (`/jobs/:jobid`).
fn placeholder(previous: Option<&str>) -> &'static str {
    match previous {
        Some("jobs") => ":jobid",
        Some("jars") => ":jarid",
        Some("vertices") => ":vertexid",
        Some("subtasks") => ":subtaskindex",
        Some("attempts") => ":attempt",
        Some("taskmanagers") => ":taskmanagerid",
        Some("savepoints" | "stop" | "rescaling" | "savepoint-disposal") => ":triggerid",
        Some("checkpoints" | "details") => ":checkpointid",
        Some("logs") => ":filename",
        Some("datasets") => ":datasetid",
        Some("applications") => ":applicationid",
        _ => ":id",
    }
}

/// The route template of a request's path below the cluster's base path: Flink's static words
/// kept, every other segment replaced by a placeholder (`/jobs/ab12…/savepoints/cd34…` →
/// `/jobs/:jobid/savepoints/:triggerid`), the query dropped. The result comes from a fixed
/// vocabulary, so a label holding it has a bounded number of values.
pub fn endpoint_template(path: &str) -> String {
    let path = path.split(['?', '#']).next().unwrap_or_default();
    let mut template = String::new();
    let mut previous: Option<&str> = None;
    for segment in path.split('/').filter(|segment| !segment.is_empty()) {
        template.push('/');
        match STATIC_SEGMENTS.iter().find(|word| **word == segment) {
            Some(word) => {
                template.push_str(word);
                previous = Some(word);
            }
            None => {
                template.push_str(placeholder(previous));
                previous = None;
            }
        }
    }
    if template.is_empty() {
        template.push('/');
    }
    template
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_id_of_a_flink_path_becomes_its_placeholder() {
        let job = "6f2b1c0e8d7a4b3c9e1f0a2b3c4d5e6f";
        let trigger = "0a1b2c3d4e5f60718293a4b5c6d7e8f9";
        let cases = [
            ("/overview", "/overview"),
            ("/jobs/overview", "/jobs/overview"),
            (&format!("/jobs/{job}") as &str, "/jobs/:jobid"),
            (&format!("/jobs/{job}/status"), "/jobs/:jobid/status"),
            (&format!("/jobs/{job}?mode=cancel"), "/jobs/:jobid"),
            (&format!("/jobs/{job}/checkpoints"), "/jobs/:jobid/checkpoints"),
            (&format!("/jobs/{job}/checkpoints/details/42"), "/jobs/:jobid/checkpoints/details/:checkpointid"),
            (&format!("/jobs/{job}/savepoints"), "/jobs/:jobid/savepoints"),
            (&format!("/jobs/{job}/savepoints/{trigger}"), "/jobs/:jobid/savepoints/:triggerid"),
            (&format!("/jobs/{job}/stop"), "/jobs/:jobid/stop"),
            (&format!("/jobs/{job}/resource-requirements"), "/jobs/:jobid/resource-requirements"),
            (&format!("/jobs/{job}/metrics?get=numRestarts"), "/jobs/:jobid/metrics"),
            (
                &format!("/jobs/{job}/vertices/cbc357ccb763df2852fee8c4fc7d55f2/subtasks/metrics?get=a,b&agg=min"),
                "/jobs/:jobid/vertices/:vertexid/subtasks/metrics",
            ),
            ("/jars", "/jars"),
            ("/jars/upload", "/jars/upload"),
            ("/jars/1f0e-4d2c_0123456789abcdef-job.jar/run", "/jars/:jarid/run"),
            ("/jars/1f0e-4d2c_0123456789abcdef-job.jar", "/jars/:jarid"),
            ("/savepoint-disposal", "/savepoint-disposal"),
            (&format!("/savepoint-disposal/{trigger}"), "/savepoint-disposal/:triggerid"),
            ("/jobmanager/config", "/jobmanager/config"),
            ("/v1/jobs/overview", "/v1/jobs/overview"),
            ("/", "/"),
            ("", "/"),
        ];
        for (path, expected) in cases {
            assert_eq!(endpoint_template(path), expected, "{path}");
        }
    }

    #[test]
    fn unknown_words_never_reach_a_label() {
        for path in ["/a-made-up/path/with/many/words", "/jobs/x/../../etc/passwd", "/%2e%2e/secret"] {
            let template = endpoint_template(path);
            for segment in template.split('/').filter(|s| !s.is_empty()) {
                assert!(
                    segment.starts_with(':') || STATIC_SEGMENTS.contains(&segment),
                    "{path} → {template}: {segment} is neither a placeholder nor Flink's word"
                );
            }
        }
    }

    #[test]
    fn a_cluster_is_labelled_by_host_and_port() {
        assert_eq!(target_label("http://127.0.0.1:8081"), "127.0.0.1:8081");
        assert_eq!(target_label("http://flink-jm.example/"), "flink-jm.example:80");
        assert_eq!(target_label("https://flink.example/prefix"), "flink.example:443");
        assert_eq!(target_label("not a url"), "unknown");
    }
}
