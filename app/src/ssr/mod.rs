//! The Leptos glue around the services (`crates/services`): who is calling, the services of the
//! request, cookies and response statuses, and the view models pages show, built from the
//! services' reads. Compiled only with `ssr`; every rule lives in the services.

mod forms;
mod upload_result;
mod views;

use domain::NamespaceName;
pub use forms::{deployment_form_data, save_deployment_form};
use leptos::prelude::*;
pub use services::auth::{self, ClientAddress};
pub use services::{Caller, HealthBoard, Permission, Scope, Services};
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
pub fn plain_form_post() -> bool {
    use_context::<http::request::Parts>().is_some_and(|parts| {
        parts.headers.get(http::header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|v| v.contains("text/html"))
    })
}

/// A server function's answer: `work`'s result, with the response's HTTP status set from its error.
pub async fn answer<T>(work: impl std::future::Future<Output = Result<T, AppError>>) -> Result<T, AppError> {
    let result = work.await;
    if let Err(err) = &result {
        set_status_for(err);
    }
    result
}

/// Sets the HTTP status of the current server-function or page response from an error.
pub fn set_status_for(err: &AppError) {
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        if let Ok(status) = http::StatusCode::from_u16(err.status_code()) {
            response.set_status(status);
        }
    }
}
