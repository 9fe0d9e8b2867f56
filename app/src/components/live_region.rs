//! What keeps a server-rendered page live: the `LiveRegion` island. Pages render on the server
//! only; this island subscribes to the namespace's change stream (`providers::live`) and, when a
//! change concerns what the page shows, reads the page again (the same address, a plain GET) and
//! puts the new HTML of its regions (elements named by id) in place of the old — one read for a
//! burst of changes, never a poll. It also shows the stream's state ("● Live"). Without JavaScript
//! it renders "○ Static" and nothing else happens.
//!
//! A region is swapped whole, so it holds no island of its own; links and forms in it work as
//! plain HTML (the Start links are opened by `StartModal` from anywhere on the page). A region with
//! a form being filled in waits (and is read again a little later); disclosures stay open.

use leptos::prelude::*;

use crate::providers::live::{use_live_changes, LiveEvent};

/// Marks an element whose part of the page reads Flink's own figures (a running job's uptime,
/// restarts, checkpoints): those change without any write, so while such an element is on the page
/// the island reads the page again every `every_secs`.
pub const WATCH_FLINK: &str = "data-watch-flink";

/// Marks a row or item of the page that shows a deployment (its id): a change of a deployment shown
/// refreshes the page even when the page's filter does not otherwise concern it.
pub const SHOWS_DEPLOYMENT: &str = "data-deployment-id";

/// The live indicator of a page and the refresh of its `regions` (element ids).
/// - `deployment`: only changes of this deployment concern the page (a deployment's page);
///   without it, changes of deployments the page shows (`SHOWS_DEPLOYMENT`) or of its
///   `execution_mode` (STREAMING/BATCH) do.
/// - `targets`: changes of deployment targets and their health concern the page.
/// - `since`: the stream position the page was read at, so changes in between are replayed.
/// - `every_secs`: how often to read the page again while it shows Flink's figures (`WATCH_FLINK`).
#[island]
pub fn LiveRegion(
    namespace: String,
    regions: Vec<String>,
    deployment: Option<String>,
    execution_mode: Option<String>,
    targets: bool,
    since: Option<String>,
    every_secs: Option<u64>,
) -> impl IntoView {
    let refresh = refresher(regions);
    #[cfg(feature = "hydrate")]
    let refresh_on_timer = refresh.clone();
    let concerns = move |event: &LiveEvent| match event {
        LiveEvent::Deployment(change) => match &deployment {
            Some(id) => &change.id == id,
            None => execution_mode.as_deref() == Some(change.execution_mode.as_str()) || page_shows(&change.id),
        },
        LiveEvent::Target(_) => targets,
        LiveEvent::Resync => true,
    };
    let since = StoredValue::new(since);
    let live = use_live_changes(
        Signal::stored(namespace),
        move || since.get_value(),
        move |event| {
            if concerns(&event) {
                refresh();
            }
        },
    );
    #[cfg(feature = "hydrate")]
    if let Some(every) = every_secs {
        let _ = set_interval_with_handle(
            move || {
                if browser::page_has(&format!("[{WATCH_FLINK}]")) {
                    refresh_on_timer();
                }
            },
            std::time::Duration::from_secs(every.max(1)),
        );
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = every_secs;
    view! {
        <span data-testid="live" class=move || live.get().classes() title=move || live.get().title()>
            {move || live.get().label()}
        </span>
    }
}

/// Whether the page shows deployment `id` (`SHOWS_DEPLOYMENT`).
fn page_shows(id: &str) -> bool {
    #[cfg(feature = "hydrate")]
    {
        // Ids are UUIDs; anything else cannot be on the page.
        id.chars().all(|c| c.is_ascii_hexdigit() || c == '-')
            && browser::page_has(&format!("[{SHOWS_DEPLOYMENT}=\"{id}\"]"))
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = id;
        false
    }
}

/// How long the island gathers changes before it reads the page again (one read for a burst).
#[cfg(feature = "hydrate")]
const REFRESH_AFTER: std::time::Duration = std::time::Duration::from_millis(400);
/// How long a region with a form being filled in waits before it is read again.
#[cfg(feature = "hydrate")]
const RETRY_AFTER: std::time::Duration = std::time::Duration::from_secs(3);

/// A function that reads the page again soon and swaps `regions`; calls while one is pending join it.
fn refresher(regions: Vec<String>) -> impl Fn() + Clone + Send + Sync + 'static {
    let pending = StoredValue::new(false);
    let regions = StoredValue::new(regions);
    move || {
        #[cfg(feature = "hydrate")]
        {
            if pending.get_value() {
                return;
            }
            pending.set_value(true);
            fn after(wait: std::time::Duration, pending: StoredValue<bool>, regions: StoredValue<Vec<String>>) {
                set_timeout(
                    move || {
                        leptos::task::spawn_local(async move {
                            let ids = regions.get_value();
                            // A region with a form being filled in waits, and is read again later.
                            if browser::swap_regions(&ids).await {
                                pending.try_set_value(false);
                            } else {
                                after(RETRY_AFTER, pending, regions);
                            }
                        });
                    },
                    wait,
                );
            }
            after(REFRESH_AFTER, pending, regions);
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (pending, regions);
    }
}

#[cfg(feature = "hydrate")]
mod browser {
    //! Reading the page again and putting its regions in place.

    use leptos::web_sys::{self, Document, Element};

    use crate::components::dom::{changed_since_sent, document, elements, get_page, parse_html};

    pub(super) fn page_has(selector: &str) -> bool {
        document().and_then(|document| document.query_selector(selector).ok().flatten()).is_some()
    }

    /// Reads this page's address again and replaces each region's content with the new one's, the
    /// disclosures the person opened staying open. A region with a form being filled in (a field
    /// that differs from what the page was sent with, or the focus in a field) is left as it is:
    /// answers false then, so the caller tries again later.
    pub(super) async fn swap_regions(ids: &[String]) -> bool {
        let Some(document) = document() else { return true };
        let regions: Vec<Element> = ids.iter().filter_map(|id| document.get_element_by_id(id)).collect();
        if regions.iter().any(|region| being_filled_in(&document, region)) {
            return false;
        }
        let Some(href) = web_sys::window().and_then(|window| window.location().href().ok()) else {
            return true;
        };
        let Ok(response) = get_page(&href).await else {
            return true;
        };
        // A page that now redirects (signed out, deployment deleted) is left for the person to reload.
        if !response.ok() || response.redirected() {
            return true;
        }
        let Ok(html) = response.text().await else { return true };
        let Some(fresh) = parse_html(&html) else { return true };
        // The person may have started filling something in while the page was read.
        if regions.iter().any(|region| being_filled_in(&document, region)) {
            return false;
        }
        for region in regions {
            let Some(new) = fresh.get_element_by_id(&region.id()) else { continue };
            let open = open_disclosures(&region);
            region.set_inner_html(&new.inner_html());
            reopen(&region, &open);
        }
        true
    }

    /// Whether the person is filling in a form of `region`.
    fn being_filled_in(document: &Document, region: &Element) -> bool {
        if typing_in(document, region).is_some() {
            return true;
        }
        elements(region, "input, textarea, select").iter().any(changed_since_sent)
    }

    /// The summaries of the open disclosures (`<details open>`) of `region`.
    fn open_disclosures(region: &Element) -> Vec<String> {
        elements(region, "details[open] > summary").iter().filter_map(|summary| summary.text_content()).collect()
    }

    fn reopen(region: &Element, summaries: &[String]) {
        for summary in elements(region, "details > summary") {
            if summary.text_content().is_some_and(|text| summaries.contains(&text)) {
                if let Some(details) = summary.parent_element() {
                    let _ = details.set_attribute("open", "");
                }
            }
        }
    }

    /// The text field inside `region` that has the focus, if any.
    fn typing_in(document: &Document, region: &Element) -> Option<Element> {
        let active = document.active_element()?;
        let tag = active.tag_name().to_ascii_lowercase();
        (region.contains(Some(&active)) && matches!(tag.as_str(), "input" | "textarea" | "select")).then_some(active)
    }
}
