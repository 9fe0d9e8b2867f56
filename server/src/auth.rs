//! The authentication layer: every request leaves here with a `Caller` (from the session cookie,
//! an `Authorization: Bearer` API token, or an ACS3-HMAC-SHA256 signature by a token's access key,
//! else anonymous) and the client's address on it. A signed request whose signature does not hold
//! is answered 401 here, naming why. It also
//! refuses writes a browser posts from another site (signing in included), sends people who are
//! not signed in to the sign-in page, and sweeps expired sessions away. Whether a caller may do
//! something is decided later, by `Services::require`.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderMap, Method, StatusCode, Uri};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use services::auth::{session_secret, ClientAddress};
use services::Caller;

use crate::AppState;

pub async fn authenticate(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if is_refused_cross_site(request.method(), request.uri(), request.headers()) {
        return (
            StatusCode::FORBIDDEN,
            "cross-site request refused: this console only accepts changes from its own pages",
        )
            .into_response();
    }
    let (mut request, caller) = match acs3::Authorization::from_headers(request.headers()) {
        Some(authorization) => match signed_caller(&state, request, authorization).await {
            Ok(identified) => identified,
            Err(refusal) => return refusal,
        },
        None => {
            let session = session_secret(request.headers());
            let bearer = bearer_token(request.headers()).map(str::to_owned);
            let caller = match state.services.identify(session.as_deref(), bearer.as_deref()).await {
                Ok(caller) => caller,
                Err(err) => {
                    tracing::error!(error = %err, "cannot identify the caller");
                    Caller::Anonymous
                }
            };
            (request, caller)
        }
    };
    if caller == Caller::Anonymous && is_page(&request) {
        return Redirect::to("/login").into_response();
    }
    let peer = request.extensions().get::<ConnectInfo<SocketAddr>>().map(|ConnectInfo(address)| address.ip());
    let address = client_address(peer, request.headers(), trusted_proxies());
    request.extensions_mut().insert(ClientAddress(address));
    request.extensions_mut().insert(caller);
    next.run(request).await
}

/// The largest body of a signed request: it is read whole to check its hash before anything else
/// happens. Requests that are not signed that way are never buffered here (uploads stream).
pub const MAX_SIGNED_BODY_BYTES: usize = 10 * 1024 * 1024;

/// The token behind an ACS3-HMAC-SHA256 signature, with the request given back whole (its body was
/// read to hash it), or the answer refusing it: 401 naming Alibaba Cloud's error code, 413 past
/// `MAX_SIGNED_BODY_BYTES`.
async fn signed_caller(
    state: &AppState,
    request: Request,
    authorization: Result<acs3::Authorization, acs3::Refusal>,
) -> Result<(Request, Caller), Response> {
    let authorization = authorization.map_err(|refusal| refused_signature(&refusal))?;
    let (parts, body) = request.into_parts();
    let too_large = || {
        signature_error(
            StatusCode::PAYLOAD_TOO_LARGE,
            "RequestTooLarge",
            &format!("a signed request's body may have at most {MAX_SIGNED_BODY_BYTES} bytes"),
        )
    };
    let declared = parts.headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    if declared.is_some_and(|length| length > MAX_SIGNED_BODY_BYTES as u64) {
        return Err(too_large());
    }
    let body = match axum::body::to_bytes(body, MAX_SIGNED_BODY_BYTES).await {
        Ok(body) => body,
        Err(err) => {
            return Err(if err.into_inner().is::<http_body_util::LengthLimitError>() {
                too_large()
            } else {
                signature_error(StatusCode::BAD_REQUEST, "InvalidBody", "the request's body could not be read")
            })
        }
    };
    let signed = acs3::Request {
        method: parts.method.as_str(),
        path: parts.uri.path(),
        query: parts.uri.query().unwrap_or(""),
        headers: &parts.headers,
        authority: parts.uri.authority().map(|authority| authority.as_str()),
        body: &body,
    };
    match state.services.identify_signed(&signed, &authorization).await {
        Ok(Ok(caller)) => Ok((Request::from_parts(parts, axum::body::Body::from(body)), caller)),
        Ok(Err(refusal)) => {
            tracing::info!(access_key = %authorization.access_key_id, code = refusal.code(), "signed request refused");
            Err(refused_signature(&refusal))
        }
        Err(err) => {
            tracing::error!(error = %err, "cannot check a signed request");
            Err(signature_error(StatusCode::INTERNAL_SERVER_ERROR, "InternalError", &err.to_string()))
        }
    }
}

fn refused_signature(refusal: &acs3::Refusal) -> Response {
    let status = match refusal {
        acs3::Refusal::TooManyRequests(_) => StatusCode::TOO_MANY_REQUESTS,
        _ => StatusCode::UNAUTHORIZED,
    };
    signature_error(status, refusal.code(), &refusal.to_string())
}

/// A refused signed request's answer, read alike by the console's clients (`kind`, `statusCode`,
/// `reason`, `message`) and Alibaba Cloud's SDKs (`code`, `message`, `requestId`; the OpenAPI's
/// envelope `success`, `httpCode`, `errorCode`, `errorMessage`).
fn signature_error(status: StatusCode, code: &str, message: &str) -> Response {
    let body = serde_json::json!({
        "kind": "Error",
        "statusCode": status.as_u16(),
        "reason": status.canonical_reason().unwrap_or("Error").replace(' ', ""),
        "code": code,
        "message": message,
        "requestId": uuid::Uuid::new_v4().to_string(),
        "success": false,
        "httpCode": status.as_u16(),
        "errorCode": code,
        "errorMessage": message,
    });
    (status, axum::Json(body)).into_response()
}

/// The proxies whose `X-Forwarded-For` the console believes, set once at start
/// (`--trusted-proxy`); none by default.
static TRUSTED_PROXIES: std::sync::OnceLock<Vec<std::net::IpAddr>> = std::sync::OnceLock::new();

/// Believes the `X-Forwarded-For` of requests from these addresses (call once, at start).
pub fn trust_proxies(proxies: Vec<std::net::IpAddr>) {
    if TRUSTED_PROXIES.set(proxies).is_err() {
        tracing::warn!("the trusted proxies were set twice; the first setting stays");
    }
}

fn trusted_proxies() -> &'static [std::net::IpAddr] {
    TRUSTED_PROXIES.get().map_or(&[], Vec::as_slice)
}

/// Who sent a request, for sign-in limits: the peer, or, when the peer is a trusted proxy, the
/// nearest address in `X-Forwarded-For` that is not a trusted proxy (the ones further left were
/// written by the client and prove nothing).
fn client_address(peer: Option<std::net::IpAddr>, headers: &HeaderMap, trusted: &[std::net::IpAddr]) -> String {
    let Some(peer) = peer else { return "unknown".to_owned() };
    if !trusted.contains(&peer) {
        return peer.to_string();
    }
    let forwarded: Vec<std::net::IpAddr> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|hop| hop.trim().parse().ok())
        .collect();
    forwarded.into_iter().rev().find(|hop| !trusted.contains(hop)).unwrap_or(peer).to_string()
}

/// The API token a request carries: `Authorization: Bearer <secret>` (Ververica Platform's
/// clients), else `x-acs-bearer-token: <secret>` (Alibaba Cloud's SDK).
pub(crate) fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    if let Some(value) = headers.get(header::AUTHORIZATION) {
        if let Some(secret) = value.to_str().ok().and_then(|value| value.strip_prefix("Bearer ")) {
            return Some(secret.trim());
        }
    }
    let value = headers.get("x-acs-bearer-token")?.to_str().ok()?.trim();
    (!value.is_empty()).then_some(value)
}

/// The paths of the API families the console speaks (its own and Ververica Platform's under
/// `/api/v1`, Alibaba's OpenAPI under `/api/v2`, VVP's namespaces and SQL families, Alibaba's
/// Autopilot family). They answer 401, never a redirect to the sign-in page. `/namespaces/v1/...`
/// is told from a page of a namespace called `v1` by its next segment: no page is called
/// `namespaces`.
pub(crate) fn is_api(path: &str) -> bool {
    const PREFIXES: [&str; 3] = ["/api/", "/sql/v1beta1/", "/namespaces/v1/namespaces"];
    // Alibaba's other families (`/autopilot/v2/`, `/gateway/v2/`, `/meta/v2/`, …): `/<family>/v2/`.
    let alibaba_family = path.strip_prefix('/').and_then(|rest| rest.split_once('/')).is_some_and(|(family, rest)| {
        family != "namespaces"
            && !family.is_empty()
            && family.bytes().all(|b| b.is_ascii_lowercase() || b == b'-')
            && rest.starts_with("v2/")
    });
    PREFIXES.iter().any(|prefix| path.starts_with(prefix)) || alibaba_family
}

/// Whether a write is one a browser was made to send from another site (cross-site request
/// forgery). Any write counts, whether it carries the session cookie or no credentials at all:
/// signing in from another site would sign the victim in as the attacker. A request with an
/// `Authorization: Bearer` token or an ACS3 signature is exempt — a browser never adds those on its
/// own, and a page on another site cannot add them without a CORS preflight this console never
/// answers.
fn is_refused_cross_site(method: &Method, uri: &Uri, headers: &HeaderMap) -> bool {
    is_write(method)
        && bearer_token(headers).is_none()
        && acs3::Authorization::from_headers(headers).is_none()
        && is_cross_site(uri, headers)
}

fn is_write(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// A browser says where a request comes from: `Sec-Fetch-Site` (trusted first: a page cannot set
/// it), else `Origin` compared with the host the request was sent to. Once a browser has said
/// anything, whatever cannot be read or compared (`Origin: null`, no `Host`, an unreadable value)
/// counts as cross-site. Clients that send neither header (curl, scripts) are not browsers another
/// site can make use of.
fn is_cross_site(uri: &Uri, headers: &HeaderMap) -> bool {
    if let Some(site) = headers.get("sec-fetch-site") {
        return !matches!(site.to_str(), Ok("same-origin" | "none"));
    }
    let Some(origin) = headers.get(header::ORIGIN) else {
        return false;
    };
    // HTTP/2 names the host in the request's authority, HTTP/1.1 in `Host`.
    let host = match headers.get(header::HOST) {
        Some(host) => host.to_str().ok(),
        None => uri.authority().map(|authority| authority.as_str()),
    };
    let origin_authority =
        origin.to_str().ok().and_then(|origin| origin.split_once("://")).map(|(_, authority)| authority);
    match (origin_authority, host) {
        (Some(origin), Some(host)) => origin.is_empty() || !origin.eq_ignore_ascii_case(host),
        _ => true,
    }
}

/// A page a person opens (not the API, static files or the sign-in page itself).
fn is_page(request: &Request) -> bool {
    let path = request.uri().path();
    request.method() == Method::GET
        && !is_api(path)
        && !path.starts_with("/pkg/")
        && !matches!(path, "/login" | "/healthz" | "/readyz" | "/metrics")
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

/// Forgets this process's cached credentials and roles whenever another replica (or this one)
/// says access changed, and whenever the bus may have missed such a message; until shutdown.
pub async fn forget_on_access_changes(
    mut changes: storage::bus::Subscription<storage::bus::AccessChange>,
    services: services::Services,
    mut shutdown: tokio::sync::watch::Receiver<bool>,
) {
    loop {
        tokio::select! {
            heard = changes.next() => match heard {
                Some(_) => services.forget_cached_access(),
                None => return,
            },
            _ = shutdown.changed() => {
                if *shutdown.borrow() {
                    return;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    type Headers = &'static [(&'static str, &'static str)];

    /// Whether a request made as `method`, to `uri`, with `pairs` as headers is refused.
    fn refused(method: Method, uri: &str, pairs: Headers) -> bool {
        let mut headers = HeaderMap::new();
        for (name, value) in pairs {
            headers.append(*name, HeaderValue::from_static(value));
        }
        is_refused_cross_site(&method, &uri.parse().expect("a URI"), &headers)
    }

    #[test]
    fn writes_a_browser_posts_from_another_site_are_refused_and_nothing_else_is() {
        const HOST: (&str, &str) = ("host", "127.0.0.1:3000");
        const SAME: (&str, &str) = ("origin", "http://127.0.0.1:3000");
        const EVIL: (&str, &str) = ("origin", "https://evil.example");
        const COOKIE: (&str, &str) = ("cookie", "console_session=secret");
        const BEARER: (&str, &str) = ("authorization", "Bearer secret");
        const ACS3: (&str, &str) = ("authorization", "ACS3-HMAC-SHA256 Credential=k,SignedHeaders=host,Signature=00");
        let table: &[(Method, &str, Headers, bool, &str)] = &[
            (Method::POST, "/api/login", &[HOST, ("sec-fetch-site", "cross-site")], true, "sign-in from another site"),
            (Method::POST, "/api/login", &[HOST, EVIL], true, "sign-in, Origin of another site"),
            (Method::POST, "/api/login", &[HOST, SAME], false, "sign-in from the console's page"),
            (Method::POST, "/api/login", &[HOST], false, "sign-in with curl"),
            (Method::POST, "/api/x", &[COOKIE, HOST, ("sec-fetch-site", "cross-site")], true, "cookie, cross-site"),
            (Method::POST, "/api/x", &[COOKIE, HOST, ("sec-fetch-site", "same-site")], true, "a sibling subdomain"),
            (Method::POST, "/api/x", &[COOKIE, HOST, ("sec-fetch-site", "same-origin")], false, "cookie, own page"),
            (Method::POST, "/api/x", &[COOKIE, HOST, ("sec-fetch-site", "none")], false, "typed by the person"),
            (Method::POST, "/api/x", &[COOKIE, HOST, ("sec-fetch-site", "what")], true, "an unknown Sec-Fetch-Site"),
            (Method::POST, "/api/x", &[COOKIE, HOST, EVIL], true, "cookie, Origin of another site"),
            (Method::POST, "/api/x", &[COOKIE, HOST, SAME], false, "cookie, Origin of the console"),
            (Method::POST, "/api/x", &[COOKIE, HOST, ("origin", "HTTP://127.0.0.1:3000")], false, "any case"),
            (Method::POST, "/api/x", &[COOKIE, HOST, ("origin", "null")], true, "Origin: null"),
            (Method::POST, "/api/x", &[COOKIE, HOST, ("origin", "127.0.0.1:3000")], true, "an Origin without scheme"),
            (Method::POST, "/api/x", &[COOKIE, HOST, ("origin", "http://")], true, "an empty Origin authority"),
            (Method::POST, "/api/x", &[COOKIE, SAME], true, "no Host to compare with"),
            (Method::POST, "http://127.0.0.1:3000/api/x", &[COOKIE, SAME], false, "HTTP/2: the authority"),
            (Method::POST, "http://127.0.0.1:3000/api/x", &[COOKIE, EVIL], true, "HTTP/2, another site"),
            (Method::POST, "/api/x", &[COOKIE, HOST], false, "cookie, curl"),
            (Method::DELETE, "/api/x", &[COOKIE, HOST, EVIL], true, "any method that writes"),
            (Method::PUT, "/api/x", &[HOST, EVIL], true, "anonymous PUT"),
            (Method::PATCH, "/api/x", &[HOST, ("sec-fetch-site", "cross-site")], true, "anonymous PATCH"),
            (Method::GET, "/api/x", &[COOKIE, HOST, EVIL], false, "a read"),
            (Method::HEAD, "/api/x", &[COOKIE, HOST, ("sec-fetch-site", "cross-site")], false, "a HEAD"),
            (Method::OPTIONS, "/api/x", &[HOST, EVIL], false, "an OPTIONS"),
            (Method::POST, "/api/x", &[BEARER, HOST, EVIL], false, "an API token is no ambient credential"),
            (Method::POST, "/api/x", &[BEARER, COOKIE, HOST, ("origin", "null")], false, "token and cookie"),
            (Method::POST, "/api/x", &[("authorization", "Basic eDp5"), HOST, EVIL], true, "Basic is no token"),
            (Method::POST, "/api/x", &[ACS3, HOST, EVIL], false, "an ACS3 signature is no ambient credential"),
            (
                Method::POST,
                "/api/x",
                &[ACS3, COOKIE, HOST, ("sec-fetch-site", "cross-site")],
                false,
                "signature and cookie",
            ),
        ];
        for (method, uri, headers, expected, case) in table {
            assert_eq!(refused(method.clone(), uri, headers), *expected, "{case}: {method} {uri} {headers:?}");
        }
    }

    #[test]
    fn the_api_families_are_not_pages() {
        for api in [
            "/api/v1/namespaces",
            "/api/v2/namespaces/default/deployments",
            "/namespaces/v1/namespaces",
            "/namespaces/v1/namespaces/default",
            "/sql/v1beta1/namespaces/default/sqlscripts:validate",
            "/autopilot/v2/namespaces/default/deployments/x/autopilotpolicy-describe",
            "/gateway/v2/namespaces/editable",
            "/flink-ui/v2/proxy",
        ] {
            assert!(is_api(api), "{api}");
        }
        for page in [
            "/namespaces/v1/deployments",
            "/namespaces/v2/deployments",
            "/namespaces/default/sql",
            "/",
            "/admin",
            "/namespaces/v1",
        ] {
            assert!(!is_api(page), "{page}");
        }
    }

    #[test]
    fn an_api_token_comes_as_a_bearer_token_or_as_alibabas_header() {
        let mut headers = HeaderMap::new();
        assert_eq!(bearer_token(&headers), None);
        headers.insert("x-acs-bearer-token", HeaderValue::from_static("  "));
        assert_eq!(bearer_token(&headers), None, "an empty header is no token");
        headers.insert("x-acs-bearer-token", HeaderValue::from_static("acs-secret"));
        assert_eq!(bearer_token(&headers), Some("acs-secret"));
        headers.insert(header::AUTHORIZATION, HeaderValue::from_static("Basic eDp5"));
        assert_eq!(bearer_token(&headers), Some("acs-secret"), "Basic is no token; Alibaba's header still is");
        headers.insert(header::AUTHORIZATION, HeaderValue::from_static("Bearer vvp-secret"));
        assert_eq!(bearer_token(&headers), Some("vvp-secret"), "Authorization comes first");
    }

    #[test]
    fn an_unreadable_header_from_a_browser_counts_as_cross_site() {
        let unreadable = HeaderValue::from_bytes(b"\xff").expect("a header value may hold any byte but control");
        for name in ["sec-fetch-site", "origin"] {
            let mut headers = HeaderMap::new();
            headers.insert(header::HOST, HeaderValue::from_static("127.0.0.1:3000"));
            headers.insert(name, unreadable.clone());
            assert!(is_refused_cross_site(&Method::POST, &Uri::from_static("/api/x"), &headers), "{name}");
        }
        let mut headers = HeaderMap::new();
        headers.insert(header::HOST, unreadable);
        headers.insert(header::ORIGIN, HeaderValue::from_static("http://127.0.0.1:3000"));
        assert!(is_refused_cross_site(&Method::POST, &Uri::from_static("/api/x"), &headers), "Host");
    }

    #[test]
    fn the_client_is_the_peer_unless_the_peer_is_a_trusted_proxy() {
        let proxy: std::net::IpAddr = "10.0.0.2".parse().expect("an address");
        let mut headers = HeaderMap::new();
        headers.append("x-forwarded-for", HeaderValue::from_static("6.6.6.6, 203.0.113.9"));
        let peer = Some("198.51.100.1".parse().expect("an address"));
        assert_eq!(client_address(peer, &headers, &[proxy]), "198.51.100.1", "an untrusted peer's header is ignored");
        assert_eq!(client_address(Some(proxy), &headers, &[proxy]), "203.0.113.9", "the hop the proxy saw");
        assert_eq!(client_address(Some(proxy), &HeaderMap::new(), &[proxy]), "10.0.0.2");
        assert_eq!(client_address(None, &headers, &[]), "unknown");
    }
}
