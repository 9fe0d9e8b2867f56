//! Access that ends when it should and cannot be forced: sign-in limits under concurrency, tokens
//! that die with their owner's access or by expiry, the last owner and the last admin, and the
//! generated admin password. Each test is the attack as a client would make it.

use axum::body::Body;
use serde_json::json;

use crate::support::{console, Console};

const NS: &str = "/api/v1/namespaces/default";

/// `POST /api/login` as a browser form would send it, as nobody.
async fn sign_in(console: &Console, name: &str, password: &str) -> u16 {
    let body = format!("name={name}&password={password}");
    let headers = [("content-type", "application/x-www-form-urlencoded"), ("cookie", "")];
    console.send("POST", "/api/login", &headers, body).await.status.as_u16()
}

/// Creates a user through the API (as admin) and makes them a member of `default` with `role`.
pub(crate) async fn member(console: &Console, name: &str, role: &str) {
    let reply = console
        .send_json("POST", "/api/v1/users", &json!({"name": name, "password": "password-of-someone", "admin": false}))
        .await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    let reply = console.send_json("PUT", &format!("{NS}/members/{name}"), &json!({"role": role})).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
}

/// A session cookie of `name` (password `password-of-someone`).
pub(crate) async fn session_of(console: &Console, name: &str) -> String {
    let (_, secret) = console.state.services.sign_in(name, "password-of-someone", "10.9.9.9").await.expect("signs in");
    format!("console_session={}", secret.expose())
}

/// `GET uri` with a bearer token: the status.
pub(crate) async fn with_token(console: &Console, uri: &str, secret: &str) -> u16 {
    let authorization = format!("Bearer {secret}");
    let headers = [("authorization", authorization.as_str()), ("accept", "application/json")];
    console.send("GET", uri, &headers, Body::empty()).await.status.as_u16()
}

/// Creates a token with `role` as the session `cookie`; answers its id and secret.
pub(crate) async fn token_made_by(console: &Console, cookie: &str, name: &str, role: &str) -> (String, String) {
    let headers = [("cookie", cookie), ("content-type", "application/json"), ("accept", "application/json")];
    let body = json!({"name": name, "role": role}).to_string();
    let reply = console.send("POST", &format!("{NS}/api-tokens"), &headers, body).await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    let id = reply.json()["token"]["id"].as_str().expect("an id").to_owned();
    (id, reply.json()["secret"].as_str().expect("a secret").to_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn parallel_wrong_passwords_are_counted_before_any_is_checked() {
    let console = std::sync::Arc::new(console().await);
    let guesses = (0..40).map(|n| {
        let console = console.clone();
        tokio::spawn(async move { sign_in(&console, "admin", &format!("guess-{n}")).await })
    });
    let mut answers = Vec::new();
    for guess in guesses {
        answers.push(guess.await.expect("a guess ends"));
    }
    let wrong = answers.iter().filter(|s| **s == 401).count();
    let refused = answers.iter().filter(|s| **s == 429).count();
    assert_eq!(wrong + refused, 40, "{answers:?}");
    assert!(wrong <= 10, "at most the address's 10 attempts reach the password check, got {wrong}: {answers:?}");
}

#[tokio::test]
async fn a_name_that_cannot_be_a_user_is_refused_before_anything_is_counted() {
    let console = console().await;
    for _ in 0..15 {
        assert_eq!(sign_in(&console, "%1B%5B31mroot", "x").await, 400);
    }
    let status = sign_in(&console, "admin", "admin-password").await;
    assert!(status < 400, "the address is not limited by them: {status}");
}

#[tokio::test]
async fn removing_a_member_revokes_their_tokens_at_once() {
    let console = console().await;
    member(&console, "pia", "OWNER").await;
    member(&console, "olga", "OWNER").await;
    let cookie = session_of(&console, "olga").await;
    let (_, secret) = token_made_by(&console, &cookie, "olgas-ci", "EDITOR").await;
    assert_eq!(with_token(&console, &format!("{NS}/deployments"), &secret).await, 200);

    let reply = console.send("DELETE", &format!("{NS}/members/olga"), &[], Body::empty()).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(with_token(&console, &format!("{NS}/deployments"), &secret).await, 401, "the token left with her");
    let (_, log) = console.get(&format!("{NS}/audit-log")).await;
    let removal = log["items"].as_array().expect("items").iter().find(|e| e["action"] == "remove").cloned();
    assert_eq!(removal.expect("an audit line")["after"]["revokedTokens"], json!(["default/olgas-ci"]));
}

#[tokio::test]
async fn lowering_a_role_revokes_the_tokens_above_it_and_keeps_the_others() {
    let console = console().await;
    member(&console, "pia", "OWNER").await;
    member(&console, "olga", "OWNER").await;
    let cookie = session_of(&console, "olga").await;
    let (_, owner_token) = token_made_by(&console, &cookie, "deploy", "OWNER").await;
    let (_, viewer_token) = token_made_by(&console, &cookie, "dashboards", "VIEWER").await;

    let reply = console.send_json("PUT", &format!("{NS}/members/olga"), &json!({"role": "VIEWER"})).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(with_token(&console, &format!("{NS}/deployments"), &owner_token).await, 401);
    assert_eq!(with_token(&console, &format!("{NS}/deployments"), &viewer_token).await, 200);
}

#[tokio::test]
async fn deleting_a_user_revokes_their_tokens() {
    let console = console().await;
    member(&console, "pia", "OWNER").await;
    member(&console, "olga", "OWNER").await;
    let cookie = session_of(&console, "olga").await;
    let (_, secret) = token_made_by(&console, &cookie, "olgas-ci", "EDITOR").await;
    let reply = console.send("DELETE", "/api/v1/users/olga", &[], Body::empty()).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(with_token(&console, &format!("{NS}/deployments"), &secret).await, 401);
}

#[tokio::test]
async fn a_token_stops_at_its_expiry_and_a_past_expiry_is_refused() {
    let console = console().await;
    let reply = console
        .send_json(
            "POST",
            &format!("{NS}/api-tokens"),
            &json!({"name": "late", "role": "VIEWER", "expiresAt": "2020-01-01T00:00:00Z"}),
        )
        .await;
    assert_eq!(reply.status, 400, "{}", reply.body);
    assert!(reply.json()["message"].as_str().unwrap_or_default().starts_with("expiresAt:"), "{}", reply.body);

    let reply = console
        .send_json(
            "POST",
            &format!("{NS}/api-tokens"),
            &json!({"name": "soon", "role": "VIEWER", "expiresAt": "2030-01-01T00:00:00+02:00"}),
        )
        .await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    assert_eq!(reply.json()["token"]["expiresAt"], "2029-12-31T22:00:00Z");
    let secret = reply.json()["secret"].as_str().expect("a secret").to_owned();
    assert_eq!(with_token(&console, &format!("{NS}/deployments"), &secret).await, 200);

    // A token whose time has come (written as if it had been made long ago).
    let mut expired = console.state.services.live_api_token(&secret).await.expect("read").expect("the token");
    expired.id = uuid::Uuid::new_v4().to_string();
    expired.name = "expired".into();
    expired.expires_at = Some("2021-01-01T00:00:00Z".into());
    console.store.create_api_token(&expired, &services::auth::secret_hash("an-expired-secret")).await.expect("stored");
    assert_eq!(with_token(&console, &format!("{NS}/deployments"), "an-expired-secret").await, 401);
}

#[tokio::test]
async fn the_last_owner_of_a_namespace_can_be_neither_removed_nor_demoted() {
    let console = console().await;
    let reply = console.send_json("POST", "/api/v1/namespaces", &json!({"metadata": {"name": "team"}})).await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    let team = "/api/v1/namespaces/team";
    member(&console, "olga", "VIEWER").await;
    let reply = console.send_json("PUT", &format!("{team}/members/olga"), &json!({"role": "OWNER"})).await;
    assert_eq!(reply.status, 200, "{}", reply.body);

    let reply = console.send_json("PUT", &format!("{team}/members/olga"), &json!({"role": "EDITOR"})).await;
    assert_eq!(reply.status, 409, "{}", reply.body);
    assert!(reply.body.contains("last owner"), "{}", reply.body);
    let reply = console.send("DELETE", &format!("{team}/members/olga"), &[], Body::empty()).await;
    assert_eq!(reply.status, 409, "{}", reply.body);
    let (_, members) = console.get(&format!("{team}/members")).await;
    assert_eq!(members["items"], json!([{"user": "olga", "role": "OWNER"}]), "nothing changed");

    member(&console, "pia", "VIEWER").await;
    let reply = console.send_json("PUT", &format!("{team}/members/pia"), &json!({"role": "OWNER"})).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let reply = console.send("DELETE", &format!("{team}/members/olga"), &[], Body::empty()).await;
    assert_eq!(reply.status, 200, "with another owner she may go: {}", reply.body);
}

#[tokio::test]
async fn the_last_admin_cannot_be_deleted() {
    let console = console().await;
    let reply = console.send("DELETE", "/api/v1/users/admin", &[], Body::empty()).await;
    assert_eq!(reply.status, 409, "{}", reply.body);
    let (status, _) = console.get(&format!("{NS}/deployments")).await;
    assert_eq!(status, 200, "the admin still works");
}

#[tokio::test]
async fn registering_a_savepoint_path_writes_an_audit_line() {
    let console = console().await;
    let (_, deployments) = console.get(&format!("{NS}/deployments")).await;
    let id = deployments["items"][0]["metadata"]["id"].as_str().expect("a seeded deployment").to_owned();
    let body = json!({"metadata": {"deploymentId": id}, "spec": {"savepointLocation": "file:///savepoints/external"}});
    let reply = console.send_json("POST", &format!("{NS}/savepoints"), &body).await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    let (_, log) = console.get(&format!("{NS}/audit-log")).await;
    let line = log["items"][0].clone();
    assert_eq!(line["action"], "register-savepoint", "{log}");
    assert_eq!(line["after"]["location"], "file:///savepoints/external");
}

#[tokio::test]
async fn a_generated_admin_password_must_be_changed_before_anything_else() {
    let (store, _database) = storage::testing::fresh_store().await;
    let services = services::Services::new(store, Default::default(), engine::Nudger::disconnected());
    let generated = services.ensure_admin(None).await.expect("an admin").expect("a generated password");
    let (admin, session) = services.sign_in("admin", generated.expose(), "10.0.0.1").await.expect("signs in");
    assert!(admin.must_change_password);
    let caller = services::Caller::User(admin);
    let default = domain::NamespaceName::parse("default").expect("a name");
    services.create_namespace(&caller, &default, None).await.expect("namespace");
    let refused = services.require(&caller, domain::Permission::ViewDeployments, &default).await;
    assert!(
        matches!(refused, Err(services::ServiceError::Forbidden(ref why)) if why.contains("choose your own password"))
    );

    services
        .change_password(
            &caller,
            Some(session.expose()),
            generated.expose(),
            "a-password-of-mine",
            "a-password-of-mine",
        )
        .await
        .expect("changes it");
    let (admin, _) = services.sign_in("admin", "a-password-of-mine", "10.0.0.1").await.expect("signs in");
    assert!(!admin.must_change_password);
    services
        .require(&services::Caller::User(admin), domain::Permission::ViewDeployments, &default)
        .await
        .expect("now allowed");
}
