//! Server-side services for server functions: the store, and the one authorisation entry point
//! every server function and REST handler goes through, and the operations on resources both of
//! them use. Compiled only with `ssr`.

mod access;
pub mod auth;
mod deployments;
mod targets;

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

pub use auth::{Caller, Scope};
pub use domain::Permission;
use domain::{DeploymentTarget, DeploymentTargetStatus, NamespaceName, TargetHealth};
use leptos::prelude::*;
use storage::Store;

use crate::error::AppError;

/// What server functions may use; provided as Leptos context by the server for every request.
#[derive(Clone)]
pub struct Services {
    pub store: Store,
    pub health: HealthBoard,
    /// Tells the lifecycle engine that a deployment changed, so it acts at once.
    pub nudger: engine::Nudger,
    /// Failed sign-ins, for rate limiting.
    pub logins: auth::LoginLimiter,
}

impl Services {
    pub fn new(store: Store, health: HealthBoard, nudger: engine::Nudger) -> Self {
        Self { store, health, nudger, logins: auth::LoginLimiter::default() }
    }
}

/// The last observed health of every deployment target, written by the server's prober.
#[derive(Clone, Default)]
pub struct HealthBoard(Arc<RwLock<HashMap<(String, String), TargetHealth>>>);

impl HealthBoard {
    pub fn set(&self, namespace: &str, target: &str, health: TargetHealth) {
        let mut board = self.0.write().unwrap_or_else(|poisoned| poisoned.into_inner());
        board.insert((namespace.to_owned(), target.to_owned()), health);
    }

    pub fn get(&self, namespace: &str, target: &str) -> TargetHealth {
        let board = self.0.read().unwrap_or_else(|poisoned| poisoned.into_inner());
        board
            .get(&(namespace.to_owned(), target.to_owned()))
            .cloned()
            .unwrap_or_else(|| TargetHealth::unknown("not checked yet"))
    }

    /// The target with its observed health as `status`.
    pub fn with_status(&self, mut target: DeploymentTarget) -> DeploymentTarget {
        let health = self.get(&target.metadata.namespace, &target.metadata.name);
        target.status = Some(DeploymentTargetStatus { health });
        target
    }
}

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
