//! `GET /api/v1/namespaces/{ns}/deployments:watch`: the namespace's changes as server-sent events,
//! for live pages (instead of polling) and for API clients. Authorised like the list
//! (`ViewDeployments`), checked again every `RECHECK_EVERY` while the stream is open. Carries one
//! event per changed deployment or target, never a whole list; bounded everywhere: a slow reader is
//! told to resync rather than buffered for, and at most `MAX_STREAMS` streams are open at once.
//! The protocol is in `docs/live.md`.

use std::convert::Infallible;
use std::sync::{Arc, LazyLock};
use std::time::Duration;

use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use domain::live::{self, Change, End, Ready, Resync};
use domain::NamespaceName;
use serde::Deserialize;
use services::live::{Next, Start, Subscription};
use services::{parse_namespace, Caller, ServiceError, Services};
use tokio::sync::{mpsc, Semaphore};

use super::error::ErrorBody;
use super::ApiError;
use crate::AppState;

/// How often an open stream checks that its caller may still view the namespace.
pub const RECHECK_EVERY: Duration = Duration::from_secs(30);
/// How often a quiet stream sends a comment, so proxies and browsers keep it open.
const KEEP_ALIVE_EVERY: Duration = Duration::from_secs(15);
/// How long a browser waits before reconnecting a dropped stream.
const RECONNECT_AFTER: Duration = Duration::from_secs(3);
/// The most streams open at once, console-wide.
pub const MAX_STREAMS: usize = 1000;
/// The longest `timeoutSeconds` accepted (a day).
const MAX_TIMEOUT_SECONDS: u64 = 86_400;
/// Events waiting to be written to one stream; a stream further behind gets a resync.
const STREAM_BUFFER: usize = 64;

static OPEN_STREAMS: LazyLock<Arc<Semaphore>> = LazyLock::new(|| Arc::new(Semaphore::new(MAX_STREAMS)));

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WatchQuery {
    since: Option<String>,
    timeout_seconds: Option<String>,
}

/// The namespace's changes as they happen (`text/event-stream`). Events: `deployment` (a
/// deployment was created, changed — spec or status — or deleted: its id, name, state, desired
/// state, modification time and versions), `target` (a deployment target or its health changed),
/// `ready` (caught up; its data and id are the position to resume from), `resync` (changes may
/// have been missed: read the lists again), `end` (the server ends the stream: access revoked,
/// signed out, or `timeoutSeconds` elapsed). Every change event's `id` is its position: a
/// reconnecting client sends the last one as `Last-Event-ID` (browsers do) or `since`, and gets what
/// it missed, or a `resync` when that is no longer known.
#[utoipa::path(get, path = "/api/v1/namespaces/{namespace}/deployments:watch", tag = "deployments",
    params(("namespace" = String, Path, description = "The namespace (a DNS label)"),
           ("since" = Option<String>, Query, description = "Resume after this position (a `ready` event's or a change's id); `Last-Event-ID` wins if both are sent"),
           ("timeoutSeconds" = Option<u64>, Query, description = "End the stream after this many seconds (0: after catching up); without it the stream stays open"),
           ("Last-Event-ID" = Option<String>, Header, description = "Resume after this position (browsers send it when they reconnect)")),
    responses((status = 200, content_type = "text/event-stream", body = String, description = "Server-sent events: `deployment`, `target`, `ready`, `resync`, `end`"),
              (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 429, body = ErrorBody, description = "Too many streams are open")))]
pub async fn watch(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(namespace): Path<String>,
    Query(query): Query<WatchQuery>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let namespace = parse_namespace(&namespace)?;
    let timeout = parse_timeout(query.timeout_seconds.as_deref())?;
    let last_event_id = headers.get("last-event-id").and_then(|value| value.to_str().ok());
    let since = last_event_id.map(str::to_owned).or(query.since).filter(|since| !since.trim().is_empty());
    let subscription = state.services.watch_changes(&caller, &namespace, since.as_deref()).await?;
    let permit = OPEN_STREAMS.clone().try_acquire_owned().map_err(|_| {
        ServiceError::TooManyRequests(format!("{MAX_STREAMS} live streams are open already; try again later"))
    })?;
    let credentials = Credentials {
        session: services::auth::session_secret(&headers),
        bearer: crate::auth::bearer_token(&headers).map(str::to_owned),
    };
    let (sender, mut receiver) = mpsc::channel(STREAM_BUFFER);
    let pump = Pump { services: state.services.clone(), namespace, credentials, sender, timeout };
    tokio::spawn(async move {
        pump.run(subscription).await;
        drop(permit);
    });
    let events =
        futures_util::stream::poll_fn(move |cx| receiver.poll_recv(cx).map(|event| event.map(Ok::<_, Infallible>)));
    Ok(Sse::new(events).keep_alive(KeepAlive::new().interval(KEEP_ALIVE_EVERY)).into_response())
}

/// `timeoutSeconds`: a whole number of seconds up to a day.
fn parse_timeout(raw: Option<&str>) -> Result<Option<Duration>, ServiceError> {
    let Some(raw) = raw else { return Ok(None) };
    match raw.trim().parse::<u64>() {
        Ok(seconds) if seconds <= MAX_TIMEOUT_SECONDS => Ok(Some(Duration::from_secs(seconds))),
        _ => Err(ServiceError::BadRequest(format!(
            "timeoutSeconds: {raw:?} is not a whole number of seconds from 0 to {MAX_TIMEOUT_SECONDS}"
        ))),
    }
}

/// What identified the caller when the stream opened, to ask again later.
struct Credentials {
    session: Option<String>,
    bearer: Option<String>,
}

/// Moves one subscription's events of one namespace into one stream, until the client leaves, the
/// caller loses access, the timeout elapses or the feed closes.
struct Pump {
    services: Services,
    namespace: NamespaceName,
    credentials: Credentials,
    sender: mpsc::Sender<Event>,
    timeout: Option<Duration>,
}

impl Pump {
    async fn run(self, mut subscription: Subscription) {
        let start = std::mem::replace(&mut subscription.start, Start::Now);
        let mut opening = vec![Event::default().retry(RECONNECT_AFTER).comment("live")];
        match start {
            Start::Now => {}
            Start::CaughtUp(missed) => {
                opening.extend(missed.iter().filter_map(|change| self.change_event(&subscription, change)));
            }
            Start::Resync(reason) => opening.push(self.resync_event(reason)),
        }
        let ready = Ready { position: subscription.position().to_string() };
        opening.push(json_event(live::EVENT_READY, &ready).id(ready.position.clone()));
        for event in opening {
            if self.sender.send(event).await.is_err() {
                return;
            }
        }
        let timeout = self.timeout;
        let deadline = async move {
            match timeout {
                Some(timeout) => tokio::time::sleep(timeout).await,
                None => std::future::pending().await,
            }
        };
        tokio::pin!(deadline);
        let mut recheck = tokio::time::interval_at(tokio::time::Instant::now() + RECHECK_EVERY, RECHECK_EVERY);
        loop {
            let event = tokio::select! {
                next = subscription.next() => match next {
                    Next::Change(change) => match self.change_event(&subscription, &change) {
                        Some(event) => event,
                        None => continue,
                    },
                    Next::Lagged => self.resync_event("this stream fell too far behind the console's changes"),
                    Next::Missed => self.resync_event("changes of other consoles may have been missed"),
                    Next::Closed => return,
                },
                _ = recheck.tick() => match self.services.still_allowed(
                    self.credentials.session.as_deref(),
                    self.credentials.bearer.as_deref(),
                    &self.namespace,
                ).await {
                    Ok(()) => continue,
                    Err(err) => {
                        let reason = format!("access ended: {err}");
                        tracing::info!(namespace = %self.namespace, %reason, "live stream ended");
                        let _ = self.sender.send(json_event(live::EVENT_END, &End { reason })).await;
                        return;
                    }
                },
                _ = &mut deadline => {
                    let end = End { reason: "timeoutSeconds elapsed".into() };
                    let _ = self.sender.send(json_event(live::EVENT_END, &end)).await;
                    return;
                },
                _ = self.sender.closed() => return,
            };
            // A full buffer means the client reads slower than the console changes: it gets a
            // resync instead of an ever longer queue.
            match self.sender.try_send(event) {
                Ok(()) => {}
                Err(mpsc::error::TrySendError::Closed(_)) => return,
                Err(mpsc::error::TrySendError::Full(_)) => {
                    if self.sender.send(self.resync_event("this stream's reader fell behind")).await.is_err() {
                        return;
                    }
                }
            }
        }
    }

    /// The event of a change, if it is one of this namespace.
    fn change_event(&self, subscription: &Subscription, change: &services::live::Sequenced) -> Option<Event> {
        if change.change.namespace() != self.namespace.as_str() {
            return None;
        }
        let id = subscription.position_of(change).to_string();
        let event = match &change.change {
            Change::Deployment(deployment) => json_event(live::EVENT_DEPLOYMENT, deployment),
            Change::Target(target) => json_event(live::EVENT_TARGET, target),
        };
        Some(event.id(id))
    }

    /// A `resync` event with the feed's position now (the lists read after it are current).
    fn resync_event(&self, reason: &str) -> Event {
        json_event(live::EVENT_RESYNC, &Resync { reason: reason.to_owned() }).id(self.services.live_position())
    }
}

/// An event named `name` with `data` as JSON.
fn json_event(name: &str, data: &impl serde::Serialize) -> Event {
    // These types always serialise; an empty object would still be a valid event.
    Event::default().event(name).data(serde_json::to_string(data).unwrap_or_else(|_| "{}".into()))
}

#[cfg(test)]
mod tests {
    use super::parse_timeout;

    #[test]
    fn a_timeout_is_whole_seconds_up_to_a_day() {
        assert_eq!(parse_timeout(None).expect("none"), None);
        assert_eq!(parse_timeout(Some("0")).expect("zero"), Some(std::time::Duration::ZERO));
        for bad in ["-1", "1.5", "86401", "soon"] {
            let err = parse_timeout(Some(bad)).expect_err(bad).to_string();
            assert!(err.contains("timeoutSeconds"), "{bad}: {err}");
        }
    }
}
