//! Forms that answer in place: the `PageForms` island of every page. Each form of the console
//! works as plain HTML — it posts to its server function, which sends the browser back to the page
//! (with `done` or the error in the address) or on to the next one. With JavaScript this island
//! sends the same post itself and, when the answer is the same page, puts that page's `<main>` in
//! place of the current one instead of loading it: no reload, the page's islands (its live region)
//! keep running, and after a refusal the fields keep what the person typed. An answer that is
//! another page (a new deployment's, the sign-in page) is opened as a page. An upload (a multipart
//! form) is sent the same way with the browser's XMLHttpRequest, the one API that reports upload
//! progress, and shows a progress bar while it is sent (`UPLOAD_PROGRESS`). The Start dialog's
//! forms are the `StartModal`'s. It also keeps every form's fields in step with the choices made
//! (`form_rules`: which fields apply).

use leptos::prelude::*;

/// Marks the progress bar of an upload under way.
pub const UPLOAD_PROGRESS: &str = "data-upload-progress";

#[island]
pub fn PageForms() -> impl IntoView {
    #[cfg(feature = "hydrate")]
    browser::install();
}

#[cfg(feature = "hydrate")]
mod browser {
    //! The island's behaviour, on the page's DOM.

    use std::sync::atomic::{AtomicU64, Ordering};

    use leptos::prelude::*;
    use leptos::wasm_bindgen::JsCast;
    use leptos::web_sys::{
        self, Element, HtmlElement, HtmlFormElement, HtmlInputElement, HtmlSelectElement, HtmlTextAreaElement,
    };

    use crate::components::dom::{changed_since_sent, elements, form_body, main, parse_html, post_as_form};
    use crate::components::form_rules;

    /// What a person typed or chose in a form: (field name, value, checked).
    type Typed = Vec<(String, String, bool)>;

    /// How many posts this page sent; only the newest one's answer is shown.
    static SENT: AtomicU64 = AtomicU64::new(0);

    /// Query parameters that belong to one answer, not to the page: left out of the address shown.
    const ONE_ANSWER: [&str; 4] = ["done", "subject", "__err", "__path"];

    pub(super) fn install() {
        // The listeners live as long as the page.
        std::mem::forget(window_event_listener(leptos::ev::submit, on_submit));
        // Which fields apply follows the choices made (`form_rules`), in any form of the page.
        std::mem::forget(window_event_listener(leptos::ev::change, |ev| {
            let target = ev.target().and_then(|t| t.dyn_into::<Element>().ok());
            let field = target.as_ref().and_then(|t| t.closest("[name]").ok().flatten());
            if let (Some(form), Some(field)) = (target.and_then(|t| t.closest("form").ok().flatten()), field) {
                form_rules::browser::changed(&form, &field);
            }
        }));
        // A code editor's gutter follows its text as it is typed.
        std::mem::forget(window_event_listener(leptos::ev::input, |ev| {
            let target = ev.target().and_then(|t| t.dyn_into::<Element>().ok());
            if let Some(field) = target {
                if let Some(form) = field.closest("form").ok().flatten() {
                    form_rules::browser::typed(&form, &field);
                }
            }
        }));
        apply_rules();
    }

    /// Applies the rules of every form of the page (after it loads, and after its `<main>` changed).
    fn apply_rules() {
        if let Some(main) = main() {
            for form in elements(&main, "form") {
                form_rules::browser::apply(&form);
            }
        }
    }

    fn on_submit(ev: web_sys::SubmitEvent) {
        if ev.default_prevented() {
            return;
        }
        let Some(form) = ev.target().and_then(|t| t.dyn_into::<HtmlFormElement>().ok()) else { return };
        // The Start dialog's forms are the modal's.
        if form.closest("#start-modal").ok().flatten().is_some() {
            return;
        }
        let submitter = ev.submitter().and_then(|s| s.dyn_into::<HtmlElement>().ok());
        let attribute = |name: &str| submitter.as_ref().and_then(|s| s.get_attribute(name));
        let method = attribute("formmethod").unwrap_or_else(|| form.method()).to_ascii_lowercase();
        if method != "post" {
            return;
        }
        let action = attribute("formaction").unwrap_or_else(|| form.action());
        if form.enctype().contains("multipart") {
            if upload::send(&form, &action, submitter.as_ref()).is_ok() {
                ev.prevent_default();
            }
            return;
        }
        let Some(body) = form_body(&form, submitter.as_ref()) else { return };
        ev.prevent_default();
        if let Some(button) = &submitter {
            let _ = button.set_attribute("disabled", "");
        }
        let typed = typed_values(&form, false);
        let position = form_position(&form);
        let this = SENT.fetch_add(1, Ordering::Relaxed) + 1;
        leptos::task::spawn_local(async move {
            let answer = post_as_form(&action, body).await.ok();
            let Some(answer) = answer else {
                // The console did not answer: the form stays as it is, usable again.
                if let Some(button) = &submitter {
                    let _ = button.remove_attribute("disabled");
                }
                return;
            };
            let url = answer.url();
            let html = answer.text().await.unwrap_or_default();
            // A post sent after this one answers with a newer page: this one's is not shown.
            if SENT.load(Ordering::Relaxed) != this {
                return;
            }
            // What the person filled in elsewhere on the page meanwhile stays (the answer's page
            // has those forms as they were sent).
            let elsewhere = filled_in_except(position.as_ref());
            if !show_answer(&url, &html) {
                return;
            }
            for (action, index, values) in &elsewhere {
                restore(action, *index, values);
            }
            if url.contains("__err=") || url.contains("error=") {
                if let Some((action, index)) = &position {
                    restore(action, *index, &typed);
                }
            }
        });
    }

    /// The fields of the page's forms (but `except`) whose values differ from what the page was
    /// sent with: (action, place among the forms with that action, values).
    fn filled_in_except(except: Option<&(String, usize)>) -> Vec<(String, usize, Typed)> {
        let Some(main) = main() else { return Vec::new() };
        let mut seen: Vec<(String, usize)> = Vec::new();
        let mut filled = Vec::new();
        for form in elements(&main, "form") {
            let Some(action) = form.get_attribute("action") else { continue };
            let index = seen.iter().filter(|(a, _)| *a == action).count();
            seen.push((action.clone(), index));
            if except.is_some_and(|(a, i)| *a == action && *i == index) {
                continue;
            }
            let Some(form) = form.dyn_ref::<HtmlFormElement>() else { continue };
            let changed = typed_values(form, true);
            if !changed.is_empty() {
                filled.push((action, index, changed));
            }
        }
        filled
    }

    /// Shows the page a form's answer is: in place when it is this page (true), else by opening it.
    fn show_answer(url: &str, html: &str) -> bool {
        if !same_page(url) || !swap_main(html) {
            go(url);
            return false;
        }
        show_address(url);
        true
    }

    /// Whether `url` is the page shown now (the same path; the query may differ).
    fn same_page(url: &str) -> bool {
        let path = |u: &str| {
            let without_origin = u.split_once("://").map_or(u, |(_, rest)| rest.find('/').map_or("/", |i| &rest[i..]));
            without_origin.split(['?', '#']).next().unwrap_or_default().to_owned()
        };
        web_sys::window().and_then(|w| w.location().pathname().ok()).is_some_and(|current| current == path(url))
    }

    fn go(url: &str) {
        if let Some(window) = web_sys::window() {
            let _ = window.location().assign(url);
        }
    }

    /// Puts the `<main>` of `html` in place of the page's, keeping the page's islands (they run on);
    /// false when either page has no `<main>`.
    fn swap_main(html: &str) -> bool {
        let Some(new_main) = parse_html(html).and_then(|fresh| fresh.query_selector("main").ok().flatten()) else {
            return false;
        };
        let Some(main) = main() else { return false };
        let islands = elements(&main, "leptos-island");
        main.set_inner_html(&new_main.inner_html());
        for fresh_island in elements(&main, "leptos-island") {
            let name = fresh_island.get_attribute("data-component");
            if let Some(running) = islands.iter().find(|i| i.get_attribute("data-component") == name) {
                let _ = fresh_island.replace_with_with_node_1(running);
            }
        }
        apply_rules();
        true
    }

    /// Which form of the page this is: its action and its place among the forms with that action.
    fn form_position(form: &HtmlFormElement) -> Option<(String, usize)> {
        let action = form.get_attribute("action")?;
        let main = main()?;
        let same = elements(&main, &format!("form[action=\"{action}\"]"));
        let index = same.iter().position(|f| f.is_same_node(Some(form)))?;
        Some((action, index))
    }

    /// What the person typed or chose in `form` (not hidden fields, passwords or files); with
    /// `only_changed`, only the fields that differ from what the page was sent with.
    fn typed_values(form: &HtmlFormElement, only_changed: bool) -> Typed {
        let mut values = Vec::new();
        for field in elements(form, "[name]") {
            if only_changed && !changed_since_sent(&field) {
                continue;
            }
            let name = field.get_attribute("name").unwrap_or_default();
            if let Some(input) = field.dyn_ref::<HtmlInputElement>() {
                match input.type_().as_str() {
                    "hidden" | "password" | "file" | "submit" => {}
                    "radio" | "checkbox" => values.push((name, input.value(), input.checked())),
                    _ => values.push((name, input.value(), true)),
                }
            } else if let Some(select) = field.dyn_ref::<HtmlSelectElement>() {
                values.push((name, select.value(), true));
            } else if let Some(area) = field.dyn_ref::<HtmlTextAreaElement>() {
                values.push((name, area.value(), true));
            }
        }
        values
    }

    /// Puts `typed` back into the form at `index` among the page's forms posting to `action`.
    fn restore(action: &str, index: usize, typed: &[(String, String, bool)]) {
        let Some(main) = main() else { return };
        let Some(form) = elements(&main, &format!("form[action=\"{action}\"]")).into_iter().nth(index) else { return };
        for (name, value, on) in typed {
            for field in elements(&form, &format!("[name=\"{name}\"]")) {
                if let Some(input) = field.dyn_ref::<HtmlInputElement>() {
                    match input.type_().as_str() {
                        "radio" | "checkbox" => {
                            if input.value() == *value {
                                input.set_checked(*on);
                            }
                        }
                        "hidden" | "password" | "file" | "submit" => {}
                        _ => input.set_value(value),
                    }
                } else if let Some(select) = field.dyn_ref::<HtmlSelectElement>() {
                    select.set_value(value);
                } else if let Some(area) = field.dyn_ref::<HtmlTextAreaElement>() {
                    area.set_value(value);
                }
            }
        }
    }

    /// Shows `url` as the page's address, without the marks of this one answer.
    fn show_address(url: &str) {
        let Some(window) = web_sys::window() else { return };
        let (path, query) = url.split_once('?').unwrap_or((url, ""));
        let kept: Vec<&str> = query
            .split('&')
            .filter(|pair| !pair.is_empty() && !ONE_ANSWER.contains(&pair.split('=').next().unwrap_or_default()))
            .collect();
        let shown = if kept.is_empty() { path.to_owned() } else { format!("{path}?{}", kept.join("&")) };
        if let Ok(history) = window.history() {
            let _ = history.replace_state_with_url(&leptos::wasm_bindgen::JsValue::NULL, "", Some(&shown));
        }
    }

    mod upload {
        //! An upload sent in the background, with its progress shown in the form.

        use leptos::wasm_bindgen::closure::Closure;
        use leptos::wasm_bindgen::{JsCast, JsValue};
        use leptos::web_sys::{FormData, HtmlElement, HtmlFormElement, ProgressEvent, XmlHttpRequest};

        use super::show_answer;
        use crate::components::page_forms::UPLOAD_PROGRESS;
        use crate::view_model::progress_words;

        /// Sends `form` to `action` as its plain post would be (the answer is the page to show),
        /// drawing the progress into the form.
        pub fn send(form: &HtmlFormElement, action: &str, button: Option<&HtmlElement>) -> Result<(), JsValue> {
            let data = FormData::new_with_form(form)?;
            let request = XmlHttpRequest::new()?;
            request.open_with_async("POST", action, true)?;
            request.set_request_header("Accept", "text/html")?;
            let document = crate::components::dom::document().ok_or(JsValue::NULL)?;
            let bar = document.create_element("div")?;
            bar.set_class_name("flex basis-full items-center gap-3");
            bar.set_attribute(UPLOAD_PROGRESS, "")?;
            bar.set_attribute("data-testid", "upload-progress")?;
            bar.set_inner_html(r#"<progress class="h-2 w-64 accent-indigo-600" max="1" value="0" aria-label="Upload progress"></progress><span class="text-xs tabular-nums text-slate-600">Starting…</span>"#);
            form.append_child(&bar)?;
            if let Some(button) = button {
                crate::components::dom::mark_busy(button);
            }
            let shown = bar.clone();
            let on_progress = Closure::<dyn FnMut(ProgressEvent)>::new(move |event: ProgressEvent| {
                if !event.length_computable() {
                    return;
                }
                let (sent, total) = (event.loaded() as u64, event.total() as u64);
                if let Ok(Some(progress)) = shown.query_selector("progress") {
                    let _ = progress.set_attribute("max", &total.to_string());
                    let _ = progress.set_attribute("value", &sent.to_string());
                }
                if let Ok(Some(words)) = shown.query_selector("span") {
                    words.set_text_content(Some(&progress_words(sent, total)));
                }
            });
            request.upload()?.set_onprogress(Some(on_progress.as_ref().unchecked_ref()));
            let answered = request.clone();
            let on_end = Closure::once(move || {
                // The progress handler lives exactly as long as the request.
                drop(on_progress);
                let status = answered.status().unwrap_or(0);
                let url = answered.response_url();
                let html = answered.response_text().ok().flatten().unwrap_or_default();
                if status == 0 || url.is_empty() {
                    // The console could not be reached: say so where the progress was.
                    bar.set_class_name("basis-full text-sm text-rose-700");
                    let _ = bar.set_attribute("role", "alert");
                    bar.set_text_content(Some("The upload was interrupted: the console could not be reached."));
                    return;
                }
                show_answer(&url, &html);
            });
            request.set_onloadend(Some(on_end.as_ref().unchecked_ref()));
            // Freed by the browser's last reference to the request: one small closure per upload.
            on_end.forget();
            request.send_with_opt_form_data(Some(&data))
        }
    }
}
