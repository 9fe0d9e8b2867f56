//! What the islands share of the page's DOM (browser build only): finding elements, reading a page
//! fetched again, a form's post as the browser would send it, and whether a field was changed.

use leptos::wasm_bindgen::JsCast;
use leptos::web_sys::{
    self, Document, DomParser, Element, FormData, HtmlElement, HtmlFormElement, HtmlInputElement, HtmlOptionElement,
    HtmlSelectElement, HtmlTextAreaElement, SupportedType, UrlSearchParams,
};

pub fn document() -> Option<Document> {
    web_sys::window().and_then(|window| window.document())
}

/// The page's `<main>`.
pub fn main() -> Option<Element> {
    document()?.query_selector("main").ok().flatten()
}

/// The elements under `root` that match `selector`.
pub fn elements(root: &Element, selector: &str) -> Vec<Element> {
    let Ok(list) = root.query_selector_all(selector) else { return Vec::new() };
    (0..list.length()).filter_map(|i| list.item(i)).filter_map(|n| n.dyn_into::<Element>().ok()).collect()
}

/// A page's HTML, read as a document of its own (nothing of it runs).
pub fn parse_html(html: &str) -> Option<Document> {
    DomParser::new().ok()?.parse_from_string(html, SupportedType::TextHtml).ok()
}

/// `form`'s fields as the browser would post them (`application/x-www-form-urlencoded`), with the
/// button that sent it when it has a name.
pub fn form_body(form: &HtmlFormElement, submitter: Option<&HtmlElement>) -> Option<String> {
    let data = FormData::new_with_form(form).ok()?;
    if let Some(button) = submitter {
        if let (Some(name), Some(value)) = (button.get_attribute("name"), button.get_attribute("value")) {
            let _ = data.append_with_str(&name, &value);
        }
    }
    let body = UrlSearchParams::new_with_str_sequence_sequence(&data).ok()?;
    Some(String::from(body.to_string()))
}

/// Whether a field holds something other than what the page was sent with.
pub fn changed_since_sent(field: &Element) -> bool {
    if let Some(input) = field.dyn_ref::<HtmlInputElement>() {
        input.value() != input.default_value() || input.checked() != input.default_checked()
    } else if let Some(area) = field.dyn_ref::<HtmlTextAreaElement>() {
        area.default_value().is_ok_and(|sent| area.value() != sent)
    } else if let Some(select) = field.dyn_ref::<HtmlSelectElement>() {
        // Without an option marked `selected`, the first one is what the page was sent with.
        let options = elements(select, "option");
        let sent = options
            .iter()
            .position(|option| option.dyn_ref::<HtmlOptionElement>().is_some_and(HtmlOptionElement::default_selected))
            .unwrap_or(0);
        !options.is_empty() && select.selected_index() != sent as i32
    } else {
        false
    }
}

/// Sends `body` (from `form_body`) to `action` as a plain form post: the server answers with the
/// page to show, following its redirects.
pub async fn post_as_form(action: &str, body: String) -> Result<gloo_net::http::Response, gloo_net::Error> {
    gloo_net::http::Request::post(action)
        .header("Accept", "text/html")
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(body)?
        .send()
        .await
}

/// Marks the button that sent a form as busy: disabled, and its `data-busy-label` ("Starting…")
/// shown, until the page's answer replaces it.
pub fn mark_busy(button: &HtmlElement) {
    let _ = button.set_attribute("disabled", "");
    if let Some(busy) = button.get_attribute("data-busy-label") {
        button.set_inner_text(&busy);
    }
}

/// Reads the page at `href` (HTML, as a browser would ask for it).
pub async fn get_page(href: &str) -> Result<gloo_net::http::Response, gloo_net::Error> {
    gloo_net::http::Request::get(href).header("Accept", "text/html").send().await
}
