//! Access ends at once although identifying and authorising a request usually reads no database
//! (`services::access_cache`): each credential is used until the cache holds it, its access ends
//! through the API, and the very next request with it is refused as it was before there was a
//! cache (401 for a credential that signs nobody in, 404 for a namespace one is not a member of,
//! 403 for a role that does not permit it).

use axum::body::Body;
use serde_json::json;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::access_limits::{member, session_of, token_made_by, with_token};
use crate::support::{console, Console};

const NS: &str = "/api/v1/namespaces/default";
const DEPLOYMENTS: &str = "/api/v1/namespaces/default/deployments";

/// `GET uri` with a session `cookie` (`console_session=…`): the status.
async fn with_cookie(console: &Console, uri: &str, cookie: &str) -> u16 {
    let headers = [("cookie", cookie), ("accept", "application/json")];
    console.send("GET", uri, &headers, Body::empty()).await.status.as_u16()
}

/// A server function called by a page, as the session `cookie`, with form `fields`: the status.
async fn server_fn(console: &Console, path: &str, cookie: &str, fields: &str) -> u16 {
    let headers = [("cookie", cookie), ("content-type", "application/x-www-form-urlencoded")];
    console.send("POST", path, &headers, fields.to_owned()).await.status.as_u16()
}

/// The admin's own session cookie.
fn admin(console: &Console) -> String {
    format!("console_session={}", console.admin_session)
}

#[tokio::test]
async fn a_revoked_token_is_refused_on_its_very_next_request() {
    let console = console().await;
    let (id, secret) = token_made_by(&console, &admin(&console), "ci", "EDITOR").await;
    for _ in 0..3 {
        assert_eq!(with_token(&console, DEPLOYMENTS, &secret).await, 200);
    }
    let reply = console.send("DELETE", &format!("{NS}/api-tokens/{id}"), &[], Body::empty()).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(with_token(&console, DEPLOYMENTS, &secret).await, 401);
}

#[tokio::test]
async fn a_removed_member_is_refused_on_their_very_next_request() {
    let console = console().await;
    member(&console, "vera", "VIEWER").await;
    let cookie = session_of(&console, "vera").await;
    for _ in 0..3 {
        assert_eq!(with_cookie(&console, DEPLOYMENTS, &cookie).await, 200);
    }
    let reply = console.send("DELETE", &format!("{NS}/members/vera"), &[], Body::empty()).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(with_cookie(&console, DEPLOYMENTS, &cookie).await, 404, "not a member: the namespace is hidden");
    assert_eq!(with_cookie(&console, "/api/v1/status", &cookie).await, 200, "still signed in");
}

#[tokio::test]
async fn a_lowered_role_is_refused_on_the_very_next_request() {
    let console = console().await;
    member(&console, "pia", "OWNER").await;
    member(&console, "olga", "OWNER").await;
    let cookie = session_of(&console, "olga").await;
    let members = format!("{NS}/members");
    for _ in 0..3 {
        assert_eq!(with_cookie(&console, &members, &cookie).await, 200);
    }
    let reply = console.send_json("PUT", &format!("{NS}/members/olga"), &json!({"role": "VIEWER"})).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(with_cookie(&console, &members, &cookie).await, 403, "owners only");
    assert_eq!(with_cookie(&console, DEPLOYMENTS, &cookie).await, 200, "a viewer reads");

    // And back up: a raised role works at once too.
    let reply = console.send_json("PUT", &format!("{NS}/members/olga"), &json!({"role": "OWNER"})).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(with_cookie(&console, &members, &cookie).await, 200);
}

#[tokio::test]
async fn a_signed_out_session_is_refused_on_its_very_next_request() {
    let console = console().await;
    member(&console, "vera", "VIEWER").await;
    let cookie = session_of(&console, "vera").await;
    let other_browser = session_of(&console, "vera").await;
    for _ in 0..3 {
        assert_eq!(with_cookie(&console, DEPLOYMENTS, &cookie).await, 200);
        assert_eq!(with_cookie(&console, DEPLOYMENTS, &other_browser).await, 200);
    }
    let status = server_fn(&console, "/api/logout", &cookie, "").await;
    assert!(status < 400, "signed out: {status}");
    assert_eq!(with_cookie(&console, DEPLOYMENTS, &cookie).await, 401);
    assert_eq!(with_cookie(&console, DEPLOYMENTS, &other_browser).await, 200, "her other browser stays in");
}

#[tokio::test]
async fn a_changed_password_ends_the_other_sessions_at_once_and_an_admins_reset_ends_all() {
    let console = console().await;
    member(&console, "vera", "VIEWER").await;
    let here = session_of(&console, "vera").await;
    let elsewhere = session_of(&console, "vera").await;
    for _ in 0..3 {
        assert_eq!(with_cookie(&console, DEPLOYMENTS, &here).await, 200);
        assert_eq!(with_cookie(&console, DEPLOYMENTS, &elsewhere).await, 200);
    }
    let fields = "current_password=password-of-someone&new_password=a-new-password&repeat_password=a-new-password";
    assert_eq!(server_fn(&console, "/api/change_password", &here, fields).await, 200);
    assert_eq!(with_cookie(&console, DEPLOYMENTS, &elsewhere).await, 401, "the other session ended");
    assert_eq!(with_cookie(&console, DEPLOYMENTS, &here).await, 200, "the one she changed it from stays");

    let reply = console.send_json("PUT", "/api/v1/users/vera/password", &json!({"password": "set-by-the-admin"})).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(with_cookie(&console, DEPLOYMENTS, &here).await, 401, "an admin's reset ends every session");
}

#[tokio::test]
async fn a_deleted_user_is_refused_on_their_very_next_request_with_their_session_and_token() {
    let console = console().await;
    member(&console, "pia", "OWNER").await;
    member(&console, "olga", "OWNER").await;
    let cookie = session_of(&console, "olga").await;
    let (_, secret) = token_made_by(&console, &cookie, "olgas-ci", "VIEWER").await;
    for _ in 0..3 {
        assert_eq!(with_cookie(&console, DEPLOYMENTS, &cookie).await, 200);
        assert_eq!(with_token(&console, DEPLOYMENTS, &secret).await, 200);
    }
    let reply = console.send("DELETE", "/api/v1/users/olga", &[], Body::empty()).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(with_cookie(&console, DEPLOYMENTS, &cookie).await, 401);
    assert_eq!(with_token(&console, DEPLOYMENTS, &secret).await, 401);
}

#[tokio::test]
async fn a_cached_session_or_token_is_refused_once_its_expiry_has_passed() {
    let console = console().await;
    member(&console, "vera", "VIEWER").await;
    let (vera, _) = console.store.user_by_name("vera").await.expect("read").expect("vera");
    let now = OffsetDateTime::now_utc();
    let expires = now + time::Duration::seconds(3);
    let at = |t: OffsetDateTime| t.format(&Rfc3339).expect("a time");
    let session = "a-session-about-to-expire";
    let hash = services::auth::secret_hash(session);
    console.store.create_session(&hash, &vera.id, &at(now), &at(expires)).await.expect("a session");
    let token = domain::ApiToken {
        id: uuid::Uuid::new_v4().to_string(),
        namespace: "default".into(),
        name: "short-lived".into(),
        role: domain::Role::Viewer,
        created_at: at(now),
        created_by: "user:admin".into(),
        revoked_at: None,
        expires_at: Some(at(expires)),
        owner_user_id: None,
        access_key_id: None,
    };
    let secret = "a-token-about-to-expire";
    console.store.create_api_token(&token, &services::auth::secret_hash(secret)).await.expect("a token");
    let cookie = format!("console_session={session}");
    for _ in 0..3 {
        assert_eq!(with_cookie(&console, DEPLOYMENTS, &cookie).await, 200);
        assert_eq!(with_token(&console, DEPLOYMENTS, secret).await, 200);
    }
    let left = expires - OffsetDateTime::now_utc() + time::Duration::milliseconds(50);
    tokio::time::sleep(left.try_into().unwrap_or_default()).await;
    assert_eq!(with_cookie(&console, DEPLOYMENTS, &cookie).await, 401, "the session has expired");
    assert_eq!(with_token(&console, DEPLOYMENTS, secret).await, 401, "the token has expired");
}
