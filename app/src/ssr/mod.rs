//! The Leptos glue around the services (`crates/services`): who is calling, the services of the
//! request, cookies and response statuses, and the view models pages show, built from the
//! services' reads. Compiled only with `ssr`; every rule lives in the services.

mod forms;
mod sql_result;
mod upload_result;
mod views;

use domain::NamespaceName;
pub use forms::{deployment_form_data, save_deployment_form};
use leptos::prelude::*;
pub use services::auth::{self, ClientAddress};
pub use services::{Caller, HealthBoard, Permission, Scope, Services};
pub use sql_result::{hand_over_sql_result, take_sql_result};
pub use upload_result::{take_upload_result, upload_result_cookie};
pub use views::{
    deployment_detail, hand_over_new_access_key, hand_over_new_token, namespace_rows, start_dialog_data, start_options,
    take_new_access_key, take_new_token, tuning_setup, user_rows,
};

use crate::error::AppError;

/// Who is calling this server function (the server's authentication layer put it on the request).
pub fn caller() -> Caller {
    use_context::<http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<Caller>().cloned())
        .unwrap_or(Caller::Anonymous)
}

/// The services of the current request; absent only if the server forgot to provide them.
pub fn services() -> Result<Services, AppError> {
    use_context::<Services>().ok_or_else(|| {
        tracing::error!("server functions called without Services in context");
        AppError::Internal
    })
}

/// Parses a namespace from a request, reporting a bad one as the user's mistake.
pub fn parse_namespace(raw: &str) -> Result<NamespaceName, AppError> {
    NamespaceName::parse(raw).map_err(|err| AppError::BadRequest(format!("namespace {raw:?}: {err}")))
}

/// Parses the resource version a form sent back (a hidden field), reporting a bad one as the
/// user's mistake.
pub fn parse_resource_version(raw: &str) -> Result<i64, AppError> {
    raw.trim()
        .parse::<i64>()
        .map_err(|_| AppError::BadRequest(format!("resourceVersion: must be a whole number, got {raw:?}")))
}

/// Adds a `Set-Cookie` to the current response: `name=value` with `attributes` (path, SameSite,
/// Max-Age), always HttpOnly, and Secure when the request came over TLS.
pub fn set_cookie(name: &str, value: &str, attributes: &str) -> Result<(), AppError> {
    let parts = use_context::<http::request::Parts>();
    let over_tls = parts.as_ref().is_some_and(|p| {
        p.headers.get("x-forwarded-proto").and_then(|v| v.to_str().ok()) == Some("https")
            || p.uri.scheme_str() == Some("https")
    });
    let secure = if over_tls { "; Secure" } else { "" };
    let response = use_context::<leptos_axum::ResponseOptions>().ok_or(AppError::Internal)?;
    let cookie = format!("{name}={value}; {attributes}; HttpOnly{secure}");
    let value = http::HeaderValue::from_str(&cookie).map_err(|_| AppError::Internal)?;
    response.append_header(http::header::SET_COOKIE, value);
    Ok(())
}

/// A cookie of the current request.
pub fn request_cookie(name: &str) -> Option<String> {
    use_context::<http::request::Parts>().and_then(|parts| auth::cookie(&parts.headers, name))
}

/// Whether the current request is a plain form post (no JavaScript): the browser then follows a
/// redirect back to the page, and only what the page shows reaches the person.
/// A page being rendered (a GET) is not one, even though it accepts HTML and its server functions
/// run inside it.
pub fn plain_form_post() -> bool {
    use_context::<http::request::Parts>().is_some_and(|parts| {
        parts.method == http::Method::POST
            && parts
                .headers
                .get(http::header::ACCEPT)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.contains("text/html"))
    })
}

/// A server function's answer: `work`'s result, with the response's HTTP status set from its error.
/// A plain form post's refusal is a redirect instead (303): the server function's `Location` leads
/// back to the page with the error in its query, where the form's action shows it — a browser
/// follows no `Location` of a 4xx answer and would show the error's JSON. A success goes back to
/// the page (Leptos' default for a plain form post).
pub async fn answer<T>(work: impl std::future::Future<Output = Result<T, AppError>>) -> Result<T, AppError> {
    let result = work.await;
    match &result {
        Err(_) if plain_form_post() => {
            if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
                response.set_status(http::StatusCode::SEE_OTHER);
            }
        }
        Err(err) => set_status_for(err),
        Ok(_) => {}
    }
    result
}

/// `answer`, for a server function whose success the page says in words: a plain form post that
/// succeeded goes back to its page with `done` naming the server function and `subject` (a user
/// created, a password set; `None` for none), which `components::form::done_by` reads.
pub async fn answer_naming<T>(
    work: impl std::future::Future<Output = Result<T, AppError>>,
    subject: impl FnOnce(&T) -> Option<String>,
) -> Result<T, AppError> {
    let result = work.await;
    let plain = plain_form_post();
    match &result {
        Err(_) if plain => {
            if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
                response.set_status(http::StatusCode::SEE_OTHER);
            }
        }
        Err(err) => set_status_for(err),
        Ok(value) if plain => {
            if let Some(page) = back_with_done(subject(value).as_deref()) {
                leptos_axum::redirect(&page);
            }
        }
        Ok(_) => {}
    }
    result
}

/// The page a plain form post came from (its `Referer`, path and query only), without the marks of
/// an earlier post, plus `done=<this server function's path>` and the `subject`.
fn back_with_done(subject: Option<&str>) -> Option<String> {
    use crate::view_model::start::encode;
    let parts = use_context::<http::request::Parts>()?;
    let referer = parts.headers.get(http::header::REFERER)?.to_str().ok()?;
    let uri: http::Uri = referer.parse().ok()?;
    let mut page = uri.path().to_owned();
    let kept: Vec<&str> = uri
        .query()
        .unwrap_or_default()
        .split('&')
        .filter(|pair| !pair.is_empty())
        .filter(|pair| {
            let key = pair.split('=').next().unwrap_or_default();
            !matches!(key, "done" | "subject" | "__err" | "__path" | "error")
        })
        .collect();
    page.push('?');
    for pair in kept {
        page.push_str(pair);
        page.push('&');
    }
    page.push_str(&format!("done={}", encode(parts.uri.path())));
    if let Some(subject) = subject {
        page.push_str(&format!("&subject={}", encode(subject)));
    }
    Some(page)
}

/// Sets the HTTP status of the current server-function or page response from an error.
pub fn set_status_for(err: &AppError) {
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        if let Ok(status) = http::StatusCode::from_u16(err.status_code()) {
            response.set_status(status);
        }
    }
}
