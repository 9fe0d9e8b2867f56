//! The authentication layer: every request leaves here with a `Caller` (from the session cookie or
//! an `Authorization: Bearer` API token, else anonymous) and the client's address on it. It also
//! refuses cross-site writes made with a session cookie, sends people who are not signed in to the
//! sign-in page, and sweeps expired sessions away. Whether a caller may do something is decided
//! later, by `Services::require`.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use services::auth::{session_secret, ClientAddress};
use services::Caller;

use crate::AppState;

pub async fn authenticate(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let headers = request.headers();
    let session = session_secret(headers);
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(|v| v.trim().to_owned());
    if session.is_some() && bearer.is_none() && is_write(request.method()) && is_cross_site(headers) {
        return (
            StatusCode::FORBIDDEN,
            "cross-site request refused: this console only accepts changes from its own pages",
        )
            .into_response();
    }
    let caller = match state.services.identify(session.as_deref(), bearer.as_deref()).await {
        Ok(caller) => caller,
        Err(err) => {
            tracing::error!(error = %err, "cannot identify the caller");
            Caller::Anonymous
        }
    };
    if caller == Caller::Anonymous && is_page(&request) {
        return Redirect::to("/login").into_response();
    }
    let address = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map_or_else(|| "unknown".to_owned(), |ConnectInfo(address)| address.ip().to_string());
    request.extensions_mut().insert(ClientAddress(address));
    request.extensions_mut().insert(caller);
    next.run(request).await
}

fn is_write(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// A browser says where a request comes from (`Origin`, `Sec-Fetch-Site`); a write from another
/// site is refused. Clients that send neither (curl, scripts) are not browsers a site can misuse.
fn is_cross_site(headers: &HeaderMap) -> bool {
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        return !matches!(site, "same-origin" | "none");
    }
    let (Some(origin), Some(host)) = (
        headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()),
        headers.get(header::HOST).and_then(|v| v.to_str().ok()),
    ) else {
        return false;
    };
    origin.split_once("://").map(|(_, authority)| authority) != Some(host)
}

/// A page a person opens (not the API, static files or the sign-in page itself).
fn is_page(request: &Request) -> bool {
    let path = request.uri().path();
    request.method() == Method::GET
        && !path.starts_with("/api/")
        && !path.starts_with("/pkg/")
        && !matches!(path, "/login" | "/healthz" | "/readyz")
        && !path.rsplit('/').next().is_some_and(|last| last.contains('.'))
}

/// How often expired sessions are swept away.
const SWEEP_EVERY: std::time::Duration = std::time::Duration::from_secs(3600);

/// Deletes expired sessions now and then until `shutdown` turns true. An expired session signs
/// nobody in already; this keeps the table from growing with every sign-in.
pub async fn sweep_expired_sessions(store: storage::Store, mut shutdown: tokio::sync::watch::Receiver<bool>) {
    loop {
        match store.delete_expired_sessions(&storage::now_rfc3339()).await {
            Ok(0) => {}
            Ok(count) => tracing::info!(count, "expired sessions deleted"),
            Err(err) => tracing::warn!(error = %err, "cannot delete expired sessions"),
        }
        tokio::select! {
            _ = shutdown.changed() => {}
            _ = tokio::time::sleep(SWEEP_EVERY) => {}
        }
        if *shutdown.borrow() {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for (name, value) in pairs {
            headers.append(*name, HeaderValue::from_static(value));
        }
        headers
    }

    #[test]
    fn writes_from_another_site_are_recognised() {
        assert!(is_cross_site(&headers(&[("sec-fetch-site", "cross-site")])));
        assert!(!is_cross_site(&headers(&[("sec-fetch-site", "same-origin")])));
        assert!(is_cross_site(&headers(&[("origin", "https://evil.example"), ("host", "127.0.0.1:3000")])));
        assert!(!is_cross_site(&headers(&[("origin", "http://127.0.0.1:3000"), ("host", "127.0.0.1:3000")])));
        assert!(!is_cross_site(&headers(&[("host", "127.0.0.1:3000")])), "curl sends neither");
    }
}
