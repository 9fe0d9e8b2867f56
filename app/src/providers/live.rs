//! Live changes of a namespace, pushed by the server: `use_live_changes` opens the namespace's
//! change stream (`GET /api/v1/namespaces/{ns}/deployments:watch`, server-sent events, through the
//! browser's EventSource via `gloo-net`) and hands each change to the page, which decides what to
//! read again. It never polls the server. Rendered on the server or without JavaScript nothing
//! connects and the status stays `Static`.
//!
//! Reconnecting: the browser reconnects a dropped stream itself and sends the last event's id
//! (`Last-Event-ID`), so the server replays what was missed. When the browser gives up (the
//! console refused or was gone), the hook opens a new stream after a growing pause, resuming
//! from the last position it saw (`since=`). Either way a `resync` event tells the page that
//! changes may have been missed and it should read its lists again once.

use domain::live::{DeploymentChange, TargetChange};
use leptos::prelude::*;

/// Where the stream is, for the page's "● Live" indicator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LiveStatus {
    /// Rendered on the server, or in a browser without JavaScript: the page does not update.
    Static,
    /// Opening the stream.
    Connecting,
    /// The stream is open and caught up: changes appear as they happen.
    Live,
    /// The stream dropped; the browser or the hook is opening it again.
    Reconnecting,
}

impl LiveStatus {
    /// The indicator's text.
    pub fn label(self) -> &'static str {
        match self {
            LiveStatus::Static => "○ Static",
            LiveStatus::Connecting => "○ Connecting…",
            LiveStatus::Live => "● Live",
            LiveStatus::Reconnecting => "○ Reconnecting…",
        }
    }

    /// The indicator's colour classes.
    pub fn classes(self) -> &'static str {
        match self {
            LiveStatus::Live => "text-xs text-emerald-700",
            LiveStatus::Reconnecting => "text-xs text-amber-700",
            LiveStatus::Static | LiveStatus::Connecting => "text-xs text-slate-400",
        }
    }

    /// The indicator's tooltip.
    pub fn title(self) -> &'static str {
        match self {
            LiveStatus::Static => "This page shows what was true when it was loaded; reload it to see changes",
            LiveStatus::Connecting => "Connecting to the console's change stream",
            LiveStatus::Live => "Changes appear as they happen: the console pushes them to this page",
            LiveStatus::Reconnecting => {
                "The connection to the console dropped; reconnecting (what changed meanwhile follows)"
            }
        }
    }
}

/// What the stream tells a page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LiveEvent {
    /// A deployment of the namespace was created, changed (spec or status) or deleted.
    Deployment(DeploymentChange),
    /// A deployment target of the namespace, or its health, changed.
    Target(TargetChange),
    /// Changes may have been missed: read what the page shows again, once.
    Resync,
}

/// Subscribes the calling component to the live changes of `namespace` (again whenever it changes)
/// until the component goes away; `on_event` receives each change of that namespace in order.
/// `since` is called once, when the first stream opens: the position the page's data was read at
/// (`live_from` of the Deployments page's data), so changes between reading and connecting are
/// replayed; `None` starts from the connection. Answers the stream's status for the indicator.
pub fn use_live_changes(
    namespace: Signal<String>,
    since: impl Fn() -> Option<String> + Send + Sync + 'static,
    on_event: impl Fn(LiveEvent) + Send + Sync + 'static,
) -> ReadSignal<LiveStatus> {
    let status = RwSignal::new(LiveStatus::Static);
    #[cfg(feature = "hydrate")]
    browser::connect(namespace, since, on_event, status);
    #[cfg(not(feature = "hydrate"))]
    let _ = (namespace, since, on_event);
    status.read_only()
}

#[cfg(feature = "hydrate")]
mod browser {
    //! The browser side: one EventSource at a time per hook, its events dispatched to the page.

    use std::sync::Arc;
    use std::time::Duration;

    use domain::live::{self, DeploymentChange, Ready, TargetChange};
    use futures::StreamExt;
    use gloo_net::eventsource::futures::EventSource;
    use gloo_net::eventsource::State;
    use leptos::prelude::*;

    use super::{LiveEvent, LiveStatus};

    /// The first pause before the hook opens a stream the browser gave up on; it doubles up to `MAX_PAUSE`.
    const FIRST_PAUSE: Duration = Duration::from_secs(2);
    const MAX_PAUSE: Duration = Duration::from_secs(60);
    /// How often the indicator looks at the connection's state (no network involved).
    const LOOK_EVERY: Duration = Duration::from_secs(1);

    pub(super) fn connect(
        namespace: Signal<String>,
        since: impl Fn() -> Option<String> + Send + Sync + 'static,
        on_event: impl Fn(LiveEvent) + Send + Sync + 'static,
        status: RwSignal<LiveStatus>,
    ) {
        let since = Arc::new(since);
        let on_event = Arc::new(on_event);
        // Effects run only in the browser, after hydration.
        Effect::new(move |_| {
            let namespace = namespace.get();
            // The open EventSource, closed by dropping it: when this effect runs again or its
            // component goes away.
            let source = StoredValue::new_local(None::<EventSource>);
            let stopped = StoredValue::new(false);
            status.set(LiveStatus::Connecting);
            let (since, on_event) = (since.clone(), on_event.clone());
            leptos::task::spawn_local(async move {
                run(namespace, since(), on_event, status, source, stopped).await;
            });
            // The browser reconnects a dropped stream by itself without telling the page (gloo-net
            // reports only a closed one): the indicator looks at the connection's state.
            let look = set_interval_with_handle(
                move || {
                    let connecting = source
                        .try_with_value(|source| source.as_ref().map(EventSource::state) == Some(State::Connecting))
                        .unwrap_or(false);
                    if connecting && status.get_untracked() == LiveStatus::Live {
                        status.set(LiveStatus::Reconnecting);
                    }
                },
                LOOK_EVERY,
            )
            .ok();
            on_cleanup(move || {
                stopped.try_set_value(true);
                source.try_update_value(|source| source.take());
                if let Some(look) = look {
                    look.clear();
                }
            });
        });
    }

    /// Opens streams one after the other until `stopped`, dispatching their events.
    async fn run(
        namespace: String,
        mut position: Option<String>,
        on_event: Arc<dyn Fn(LiveEvent) + Send + Sync>,
        status: RwSignal<LiveStatus>,
        source: StoredValue<Option<EventSource>, LocalStorage>,
        stopped: StoredValue<bool>,
    ) {
        let is_stopped = move || stopped.try_get_value().unwrap_or(true);
        let mut pause = FIRST_PAUSE;
        while !is_stopped() {
            let mut url = format!("/api/v1/namespaces/{namespace}/deployments:watch");
            if let Some(position) = &position {
                url = crate::view_model::link_with_query(&url, &[("since", Some(position))]);
            }
            if let Some(mut events) = open(&url, source) {
                while let Some(next) = events.next().await {
                    if is_stopped() {
                        return;
                    }
                    // An error: the browser gave up on this stream (refused, or the console is gone).
                    let Ok((name, message)) = next else { break };
                    let id = message.last_event_id();
                    if !id.is_empty() {
                        position = Some(id);
                    }
                    let data = message.data().as_string().unwrap_or_default();
                    match name.as_str() {
                        live::EVENT_READY => {
                            if let Ok(ready) = serde_json::from_str::<Ready>(&data) {
                                position = Some(ready.position);
                            }
                            status.set(LiveStatus::Live);
                            pause = FIRST_PAUSE;
                        }
                        live::EVENT_DEPLOYMENT => {
                            if let Ok(change) = serde_json::from_str::<DeploymentChange>(&data) {
                                on_event(LiveEvent::Deployment(change));
                            }
                        }
                        live::EVENT_TARGET => {
                            if let Ok(change) = serde_json::from_str::<TargetChange>(&data) {
                                on_event(LiveEvent::Target(change));
                            }
                        }
                        live::EVENT_RESYNC => on_event(LiveEvent::Resync),
                        // The server ended the stream for good (access ended, or its time was up).
                        _ => break,
                    }
                }
            }
            source.try_update_value(|source| source.take());
            if is_stopped() {
                return;
            }
            status.set(LiveStatus::Reconnecting);
            sleep(pause).await;
            pause = (pause * 2).min(MAX_PAUSE);
        }
    }

    /// Opens a stream at `url`, keeps it in `source`, and merges its events of every kind.
    fn open(
        url: &str,
        source: StoredValue<Option<EventSource>, LocalStorage>,
    ) -> Option<futures::stream::SelectAll<gloo_net::eventsource::futures::EventSourceSubscription>> {
        let mut events = EventSource::new(url).ok()?;
        let names =
            [live::EVENT_READY, live::EVENT_DEPLOYMENT, live::EVENT_TARGET, live::EVENT_RESYNC, live::EVENT_END];
        let subscriptions: Result<Vec<_>, _> = names.iter().map(|name| events.subscribe(*name)).collect();
        let subscriptions = subscriptions.ok()?;
        source.try_set_value(Some(events));
        Some(futures::stream::select_all(subscriptions))
    }

    /// Waits `duration` (a browser timer).
    async fn sleep(duration: Duration) {
        let (done, wait) = futures::channel::oneshot::channel::<()>();
        set_timeout(
            move || {
                let _ = done.send(());
            },
            duration,
        );
        let _ = wait.await;
    }
}
