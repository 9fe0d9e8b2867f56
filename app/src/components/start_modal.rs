//! The Start dialog as a modal: the `StartModal` island of the pages with Start buttons. A Start
//! link (`START_LINK`; a deployment's Start, a savepoint's "Start from this") leads to the Start
//! page, which works without JavaScript; with it, the island reads that page instead, shows its
//! dialog over the current page and runs the dialog's forms in place: "Check compatibility" reads
//! the page again with the check (its answer appears in the dialog), Start posts the form as the
//! page would and closes the dialog once the start is accepted (a refusal comes back as the
//! dialog with its reason). The dialog itself is rendered on the server (`start_dialog`); the
//! page's `PageForms` island keeps its fields in step with the choices (`form_rules`). Escape, the backdrop and
//! Cancel close it; focus moves into it when it opens. What the start changes, the page's
//! `LiveRegion` shows.

use leptos::prelude::*;

/// The attribute that marks a link to a Start page as one the modal opens instead.
pub const START_LINK: &str = "data-start-dialog";
/// The element the modal is drawn into.
const MODAL: &str = "start-modal";

#[island]
pub fn StartModal() -> impl IntoView {
    #[cfg(feature = "hydrate")]
    browser::install();
    view! { <div id=MODAL></div> }
}

#[cfg(feature = "hydrate")]
mod browser {
    //! The modal's behaviour, on the page's DOM.

    use leptos::prelude::*;
    use leptos::wasm_bindgen::JsCast;
    use leptos::web_sys::{self, Element, HtmlElement};

    use super::{MODAL, START_LINK};
    use crate::components::dom::{document, form_body, get_page, mark_busy, parse_html, post_as_form};
    use crate::components::form_rules;
    use crate::components::start_dialog::{DIALOG, DIALOG_TITLE};

    const BACKDROP: &str = "fixed inset-0 z-40 flex items-start justify-center overflow-y-auto bg-slate-900/40 p-6";
    const LOADING: &str = r#"<div class="mt-24 rounded-lg bg-white p-6 text-slate-500 shadow-xl" role="status">Loading the Start dialog…</div>"#;

    fn root() -> Option<Element> {
        document().and_then(|document| document.get_element_by_id(MODAL))
    }

    fn is_open() -> bool {
        root().is_some_and(|root| root.child_element_count() > 0)
    }

    fn close() {
        if let Some(root) = root() {
            root.set_inner_html("");
        }
    }

    /// The element an event happened on, and the closest ancestor matching `selector`.
    fn closest(ev: &web_sys::Event, selector: &str) -> Option<Element> {
        ev.target()?.dyn_into::<Element>().ok()?.closest(selector).ok().flatten()
    }

    pub(super) fn install() {
        // The listeners live as long as the page.
        std::mem::forget(window_event_listener(leptos::ev::click, on_click));
        std::mem::forget(window_event_listener(leptos::ev::keydown, |ev| {
            if ev.key() == "Escape" && is_open() {
                close();
            }
        }));
        std::mem::forget(window_event_listener(leptos::ev::submit, on_submit));
    }

    fn on_click(ev: web_sys::MouseEvent) {
        if ev.default_prevented() {
            return;
        }
        // A click on the backdrop itself, or on the dialog's Cancel.
        let target = ev.target().and_then(|target| target.dyn_into::<Element>().ok());
        if target.as_ref().is_some_and(|t| t.has_attribute("data-backdrop")) {
            close();
            return;
        }
        if closest(&ev, &format!("#{MODAL} a[data-dialog-cancel]")).is_some() {
            ev.prevent_default();
            close();
            return;
        }
        if ev.button() != 0 || ev.ctrl_key() || ev.meta_key() || ev.shift_key() || ev.alt_key() {
            return;
        }
        let Some(href) = closest(&ev, &format!("a[{START_LINK}]")).and_then(|link| link.get_attribute("href")) else {
            return;
        };
        ev.prevent_default();
        let Some(root) = root() else { return };
        root.set_inner_html(&format!(r#"<div class="{BACKDROP}" data-backdrop="">{LOADING}</div>"#));
        leptos::task::spawn_local(async move {
            let page = get_page(&href).await;
            show_or_go(page, &href).await;
        });
    }

    /// Shows the dialog of the Start page `page`; a page without one (the person may not start
    /// it, or was signed out) is opened as itself, so its reason shows.
    async fn show_or_go(page: Result<gloo_net::http::Response, gloo_net::Error>, href: &str) {
        let html = match page {
            Ok(response) if response.ok() => response.text().await.ok(),
            _ => None,
        };
        let dialog = html.as_deref().and_then(dialog_of);
        match dialog {
            Some(dialog) => show(&dialog),
            None => {
                close();
                if let Some(window) = web_sys::window() {
                    let _ = window.location().assign(href);
                }
            }
        }
    }

    /// The dialog element of a Start page's HTML.
    fn dialog_of(html: &str) -> Option<Element> {
        parse_html(html)?.get_element_by_id(DIALOG)
    }

    fn show(dialog: &Element) {
        let Some(root) = root() else { return };
        let _ = dialog.set_attribute("aria-modal", "true");
        root.set_inner_html(&format!(r#"<div class="{BACKDROP}" data-backdrop="">{}</div>"#, dialog.outer_html()));
        let Some(document) = document() else { return };
        // The person's own time zone, for the start time.
        let offset = leptos::web_sys::js_sys::Date::new_0().get_timezone_offset() as i64;
        if let Ok(Some(field)) = document.query_selector(&format!("#{MODAL} input[name=\"tz_offset_minutes\"]")) {
            let _ = field.set_attribute("value", &offset.to_string());
        }
        if let Ok(Some(label)) = document.query_selector(&format!("#{MODAL} [data-zone-label]")) {
            let east = -offset;
            let sign = if east < 0 { '-' } else { '+' };
            label.set_text_content(Some(&format!(
                "your time zone, UTC{sign}{:02}:{:02}",
                east.abs() / 60,
                east.abs() % 60
            )));
        }
        if let Ok(Some(form)) = document.query_selector(&format!("#{MODAL} form")) {
            form_rules::browser::apply(&form);
        }
        if let Some(title) = document.get_element_by_id(DIALOG_TITLE).and_then(|t| t.dyn_into::<HtmlElement>().ok()) {
            let _ = title.focus();
        }
    }

    /// Runs a form of the dialog in place: a GET (the check) reads the Start page again; a POST
    /// (the start) is sent as the page would send it.
    fn on_submit(ev: web_sys::SubmitEvent) {
        let Some(form) = closest(&ev, &format!("#{MODAL} form")) else { return };
        let Some(html_form) = form.dyn_ref::<web_sys::HtmlFormElement>() else { return };
        ev.prevent_default();
        let submitter = ev.submitter().and_then(|s| s.dyn_into::<HtmlElement>().ok());
        let attribute = |name: &str| submitter.as_ref().and_then(|s| s.get_attribute(name));
        let method = attribute("formmethod").unwrap_or_else(|| html_form.method()).to_ascii_lowercase();
        let action = attribute("formaction").unwrap_or_else(|| html_form.action());
        let Some(query) = form_body(html_form, submitter.as_ref()) else { return };
        if let Some(button) = &submitter {
            mark_busy(button);
        }
        leptos::task::spawn_local(async move {
            if method == "get" {
                let href = format!("{action}?{query}");
                let page = get_page(&href).await;
                show_or_go(page, &href).await;
                return;
            }
            match post_as_form(&action, query).await {
                // Refused: the server sends the form back to the Start page with its reason.
                Ok(response) if is_start_page(&response.url()) => {
                    let url = response.url();
                    show_or_go(Ok(response), &url).await;
                }
                // Accepted: the answer is the deployment's page; this page shows the change live.
                Ok(response) if response.ok() => close(),
                _ => {
                    if let Some(button) = &submitter {
                        let _ = button.remove_attribute("disabled");
                        button.set_inner_text("Start");
                    }
                    if let Ok(Some(alert)) = form.query_selector("[data-send-error]") {
                        alert.set_text_content(Some("The console did not answer; try again."));
                    }
                }
            }
        });
    }

    fn is_start_page(url: &str) -> bool {
        url.split(['?', '#']).next().is_some_and(|path| path.ends_with("/start"))
    }
}
