//! The console's logs and traces: how log lines are written (text for people, JSON for a log
//! collector) and the span every HTTP request runs in (method, route template, then status and
//! latency). It records no metric: `metrics` does.

use std::time::Duration;

use axum::extract::MatchedPath;
use axum::http::{Request, Response};
use tracing::field::Empty;
use tracing::Span;
use tracing_subscriber::EnvFilter;

use crate::config::LogFormat;
use crate::metrics::UNMATCHED_ROUTE;

/// The filter when `RUST_LOG` sets none.
const DEFAULT_FILTER: &str = "info,sqlx=warn";

/// Installs the process's log subscriber: `RUST_LOG` (else `info,sqlx=warn`) decides what is
/// written, `format` how. JSON lines carry the fields of the current span and of its parents
/// (`span`, `spans`): an engine pass's namespace, deployment and step, a request's route.
pub fn init_logs(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(DEFAULT_FILTER));
    let logs = tracing_subscriber::fmt().with_env_filter(filter);
    match format {
        LogFormat::Text => logs.init(),
        LogFormat::Json => logs.json().with_current_span(true).with_span_list(true).init(),
    }
}

/// The span of one HTTP request: its method, route template (`unmatched` for none) and path; its
/// status and latency are added when it is answered (`record_response`).
pub fn request_span<B>(request: &Request<B>) -> Span {
    let route = request.extensions().get::<MatchedPath>().map_or(UNMATCHED_ROUTE, MatchedPath::as_str);
    tracing::info_span!(
        "http_request",
        method = %request.method(),
        route,
        path = request.uri().path(),
        status = Empty,
        latency_ms = Empty,
    )
}

/// Adds the answer's status and the latency to the request's span, and says so at DEBUG
/// (`RUST_LOG=info,tower_http=debug` writes one line per request). Server errors are logged at
/// ERROR by the trace layer itself.
pub fn record_response<B>(response: &Response<B>, latency: Duration, span: &Span) {
    let latency_ms = u64::try_from(latency.as_millis()).unwrap_or(u64::MAX);
    span.record("status", response.status().as_u16());
    span.record("latency_ms", latency_ms);
    tracing::debug!(target: "tower_http::trace::on_response", status = response.status().as_u16(), latency_ms, "answered");
}
