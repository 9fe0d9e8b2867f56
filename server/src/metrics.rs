//! The console's Prometheus metrics: installs the recorder that the engine, the Flink client and
//! the HTTP layer record through, times every HTTP request by its route template, and renders the
//! exposition text (format 0.0.4) that `GET /metrics` serves. It never decides who may read them:
//! `Services::require_metrics_reader` does.
//!
//! Why the `metrics` facade with `metrics-exporter-prometheus` (without its HTTP listener and push
//! gateway): the engine and the Flink client record with one macro call each, through a global
//! facade that is a no-op where no recorder is installed (their own tests), so no registry has to
//! be threaded through crates that know nothing of HTTP; and the exporter writes the text format
//! (`# HELP`/`# TYPE`, cumulative histogram buckets, label escaping) so this module need not.
//! Serving the text ourselves keeps `/metrics` behind the console's own authorisation.
//! docs/operations.md lists every metric.

use std::sync::{Mutex, OnceLock};
use std::time::Instant;

use axum::extract::{MatchedPath, Request};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use domain::DeploymentState;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use services::StateCounts;

/// Histogram of the time the console took to answer an HTTP request (until its headers), by
/// `method`, `route` (the matched route template) and `status` class.
pub const HTTP_REQUEST_DURATION_SECONDS: &str = "flink_console_http_request_duration_seconds";
/// Gauge: deployments of every namespace in each `state`.
pub const DEPLOYMENTS: &str = "flink_console_deployments";
/// The `route` of a request no route matched (static files, not found).
pub const UNMATCHED_ROUTE: &str = "unmatched";

/// The upper bounds of every `_seconds` histogram's buckets: from a millisecond (a cached page) to
/// a minute (a Flink call's timeout).
const DURATION_BUCKETS: &[f64] =
    &[0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0];

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

/// Installs the console's recorder as the process's global one (once: later calls, e.g. from the
/// tests' many consoles in one process, answer the same handle) and registers every metric's help
/// text. If another recorder was installed first, the handle renders none of the console's
/// figures; that is logged, not fatal.
pub fn install() -> &'static PrometheusHandle {
    HANDLE.get_or_init(|| {
        let builder = match PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), DURATION_BUCKETS)
        {
            Ok(builder) => builder,
            Err(err) => {
                tracing::error!(error = %err, "histogram buckets refused: durations are rendered as summaries");
                PrometheusBuilder::new()
            }
        };
        let recorder = builder.build_recorder();
        let handle = recorder.handle();
        match metrics::set_global_recorder(recorder) {
            Ok(()) => describe(),
            Err(_) => tracing::warn!(
                "another metrics recorder was installed first: /metrics shows none of the console's figures"
            ),
        }
        handle
    })
}

fn describe() {
    metrics::describe_histogram!(
        HTTP_REQUEST_DURATION_SECONDS,
        metrics::Unit::Seconds,
        "Time the console took to answer an HTTP request (until its headers), by method, route template and status class"
    );
    metrics::describe_gauge!(DEPLOYMENTS, "Deployments of every namespace in each state");
    flink::call_metrics::describe();
    engine::metrics::describe();
}

/// Keeps the recorder's memory bounded between scrapes (histogram samples are folded into their
/// buckets) until `shutdown` turns true. Without a scraper nothing else would.
pub async fn upkeep_forever(mut shutdown: tokio::sync::watch::Receiver<bool>) {
    let handle = install();
    loop {
        tokio::select! {
            _ = shutdown.changed() => {}
            _ = tokio::time::sleep(std::time::Duration::from_secs(5)) => handle.run_upkeep(),
        }
        if *shutdown.borrow() {
            return;
        }
    }
}

/// The exposition text: every metric recorded in this process, with the deployments per state as
/// `totals` says (set here, so a scrape shows the store as it was read for it).
pub fn render(totals: &StateCounts) -> String {
    // Setting the gauges and rendering are one step: two consoles in one process (tests) must not
    // show each other's counts.
    static RENDERING: Mutex<()> = Mutex::new(());
    let handle = install();
    let _one_at_a_time = RENDERING.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    for state in DeploymentState::ALL {
        metrics::gauge!(DEPLOYMENTS, "state" => state.as_str()).set(totals.of(*state) as f64);
    }
    handle.render()
}

/// Middleware: times every request and records it by method, route template and status class.
/// It must run inside the router (`Router::layer`), where the matched route is known.
pub async fn time_requests(request: Request, next: Next) -> Response {
    let route = request.extensions().get::<MatchedPath>().map_or(UNMATCHED_ROUTE, MatchedPath::as_str).to_owned();
    let method = method_label(request.method());
    let started = Instant::now();
    let response = next.run(request).await;
    metrics::histogram!(
        HTTP_REQUEST_DURATION_SECONDS,
        "method" => method,
        "route" => route,
        "status" => status_class(response.status()),
    )
    .record(started.elapsed().as_secs_f64());
    response
}

/// The method as a label: the standard ones by name, any other as `other` (a client may send any
/// token as a method; labels must stay few).
pub fn method_label(method: &Method) -> &'static str {
    const KNOWN: [Method; 9] = [
        Method::GET,
        Method::HEAD,
        Method::POST,
        Method::PUT,
        Method::PATCH,
        Method::DELETE,
        Method::OPTIONS,
        Method::CONNECT,
        Method::TRACE,
    ];
    KNOWN.iter().find(|known| *known == method).map_or("other", |known| known.as_str())
}

/// `2xx`, `4xx`, …
pub fn status_class(status: StatusCode) -> &'static str {
    match status.as_u16() {
        100..=199 => "1xx",
        200..=299 => "2xx",
        300..=399 => "3xx",
        400..=499 => "4xx",
        _ => "5xx",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn methods_and_statuses_make_few_labels() {
        assert_eq!(method_label(&Method::GET), "GET");
        assert_eq!(method_label(&Method::from_bytes(b"BREW").expect("a method token")), "other");
        assert_eq!(status_class(StatusCode::NO_CONTENT), "2xx");
        assert_eq!(status_class(StatusCode::SEE_OTHER), "3xx");
        assert_eq!(status_class(StatusCode::FORBIDDEN), "4xx");
        assert_eq!(status_class(StatusCode::SERVICE_UNAVAILABLE), "5xx");
    }
}
