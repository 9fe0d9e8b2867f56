//! The cache of credentials and roles over a real store: what it answers without reading, and
//! that every change of access made through the services ends what it held at once.

use std::sync::{Arc, Mutex};

use domain::{NamespaceName, Permission, Role, User};
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use storage::testing::{fresh_store, TestDatabase};
use storage::Store;

use super::AccessChange;
use crate::auth::secret_hash;
use crate::{Caller, ServiceError, Services};

const PASSWORD: &str = "a password of theirs";

fn default() -> NamespaceName {
    NamespaceName::parse("default").expect("a namespace")
}

struct Fixture {
    services: Services,
    store: Store,
    /// The admin, signed in.
    admin: Caller,
    _database: TestDatabase,
}

async fn fixture() -> Fixture {
    let (store, database) = fresh_store().await;
    store.ensure_namespace(&default()).await.expect("namespace");
    let services = Services::new(store.clone(), Default::default(), engine::Nudger::disconnected());
    services.ensure_admin(Some(PASSWORD)).await.expect("the admin");
    let (admin, _) = services.sign_in("admin", PASSWORD, "10.0.0.1").await.expect("the admin signs in");
    Fixture { services, store, admin: Caller::User(admin), _database: database }
}

impl Fixture {
    /// A new user with `role` in `default`, signed in: their session's secret.
    async fn member(&self, name: &str, role: Role) -> String {
        self.services.create_user(&self.admin, name, PASSWORD, false).await.expect("a user");
        self.services.set_member(&self.admin, &default(), name, role).await.expect("a member");
        self.session_of(name).await
    }

    async fn session_of(&self, name: &str) -> String {
        self.session_of_with(name, PASSWORD).await
    }

    async fn session_of_with(&self, name: &str, password: &str) -> String {
        let (_, secret) = self.services.sign_in(name, password, "10.0.0.2").await.expect("signs in");
        secret.expose().to_owned()
    }

    /// Who the session `secret` signs in, asked twice (the second time answered by the cache).
    async fn by_session(&self, secret: &str) -> Caller {
        let first = self.services.identify(Some(secret), None).await.expect("identified");
        let again = self.services.identify(Some(secret), None).await.expect("identified");
        assert_eq!(first, again);
        first
    }

    async fn by_token(&self, secret: &str) -> Caller {
        let first = self.services.identify(None, Some(secret)).await.expect("identified");
        let again = self.services.identify(None, Some(secret)).await.expect("identified");
        assert_eq!(first, again);
        first
    }

    /// Whether the caller behind the session `secret` may `permission` in `default`: the status
    /// of the refusal, or 200.
    async fn may(&self, secret: &str, permission: Permission) -> u16 {
        let caller = self.by_session(secret).await;
        match self.services.require(&caller, permission, &default()).await {
            Ok(()) => 200,
            Err(err) => err.status_code(),
        }
    }
}

fn is_user(caller: &Caller, name: &str) -> bool {
    matches!(caller, Caller::User(User { name: n, .. }) if n == name)
}

#[tokio::test]
async fn a_cached_credential_is_answered_without_the_store_until_access_is_forgotten() {
    let f = fixture().await;
    let vera = f.member("vera", Role::Viewer).await;
    assert!(is_user(&f.by_session(&vera).await, "vera"));
    assert_eq!(f.may(&vera, Permission::ViewDeployments).await, 200);
    // Another replica signs her out: its change reaches this process through its notification.
    f.store.delete_session(&secret_hash(&vera)).await.expect("deleted behind the services' back");
    assert!(is_user(&f.by_session(&vera).await, "vera"), "answered from the cache");
    f.services.forget_cached_access();
    assert_eq!(f.by_session(&vera).await, Caller::Anonymous);
}

#[tokio::test]
async fn a_revoked_token_signs_nobody_in_at_once() {
    let f = fixture().await;
    let (token, secret) =
        f.services.create_api_token(&f.admin, &default(), "ci", Role::Editor, None).await.expect("a token");
    assert!(matches!(f.by_token(secret.expose()).await, Caller::Token(t) if t.id == token.id));
    f.services.revoke_api_token(&f.admin, &default(), &token.id).await.expect("revoked");
    assert_eq!(f.by_token(secret.expose()).await, Caller::Anonymous);
}

#[tokio::test]
async fn a_changed_role_and_a_removed_member_count_at_once() {
    let f = fixture().await;
    let ed = f.member("ed", Role::Editor).await;
    assert_eq!(f.may(&ed, Permission::EditDeployments).await, 200);
    assert_eq!(f.may(&ed, Permission::EditDeployments).await, 200);
    f.services.set_member(&f.admin, &default(), "ed", Role::Viewer).await.expect("lowered");
    assert_eq!(f.may(&ed, Permission::EditDeployments).await, 403);
    assert_eq!(f.may(&ed, Permission::ViewDeployments).await, 200);
    f.services.set_member(&f.admin, &default(), "ed", Role::Owner).await.expect("raised");
    assert_eq!(f.may(&ed, Permission::ManageNamespace).await, 200);
    f.services.set_member(&f.admin, &default(), "olga", Role::Owner).await.expect_err("no such user");
    f.services.create_user(&f.admin, "olga", PASSWORD, false).await.expect("olga");
    f.services.set_member(&f.admin, &default(), "olga", Role::Owner).await.expect("another owner");
    f.services.remove_member(&f.admin, &default(), "ed").await.expect("removed");
    assert_eq!(f.may(&ed, Permission::ViewDeployments).await, 404, "not a member: the namespace is hidden");
}

#[tokio::test]
async fn a_new_namespace_is_seen_at_once_by_its_owner() {
    let f = fixture().await;
    let vera = f.member("vera", Role::Viewer).await;
    let team = NamespaceName::parse("team").expect("a name");
    let caller = f.by_session(&vera).await;
    let err = f.services.require(&caller, Permission::ViewDeployments, &team).await.expect_err("no such namespace");
    assert_eq!(err.status_code(), 404);
    f.services.create_namespace(&f.admin, &team, Some("vera")).await.expect("created");
    f.services.require(&caller, Permission::ManageNamespace, &team).await.expect("her namespace");
}

#[tokio::test]
async fn signing_out_changing_and_resetting_passwords_and_deleting_a_user_end_sessions_at_once() {
    let f = fixture().await;
    let here = f.member("vera", Role::Viewer).await;
    let elsewhere = f.session_of("vera").await;
    let third = f.session_of("vera").await;
    for secret in [&here, &elsewhere, &third] {
        assert!(is_user(&f.by_session(secret).await, "vera"));
    }
    f.services.sign_out(&third).await.expect("signed out");
    assert_eq!(f.by_session(&third).await, Caller::Anonymous);

    let vera = f.by_session(&here).await;
    f.services
        .change_password(&vera, Some(&here), PASSWORD, "a new password", "a new password")
        .await
        .expect("changed");
    assert_eq!(f.by_session(&elsewhere).await, Caller::Anonymous, "her other sessions ended");
    assert!(is_user(&f.by_session(&here).await, "vera"), "the one she changed it from stays");

    f.services.reset_password(&f.admin, "vera", "set by the admin").await.expect("reset");
    assert_eq!(f.by_session(&here).await, Caller::Anonymous, "an admin's reset ends every session");

    let again = f.session_of_with("vera", "set by the admin").await;
    let (_, token) = f
        .services
        .create_api_token(&f.by_session(&again).await, &default(), "mine", Role::Viewer, None)
        .await
        .expect("a token");
    assert!(matches!(f.by_token(token.expose()).await, Caller::Token(_)));
    f.services.delete_user(&f.admin, "vera").await.expect("deleted");
    assert_eq!(f.by_session(&again).await, Caller::Anonymous);
    assert_eq!(f.by_token(token.expose()).await, Caller::Anonymous, "her token went with her");
}

/// A GET of the deployments of `default` signed with the access key `key`'s `secret` as Alibaba
/// Cloud's SDKs sign it (the nonce unique per call).
fn signed_request(key: &str, secret: &str, nonce: &str) -> (http::HeaderMap, acs3::Authorization) {
    const PATH: &str = "/api/v1/namespaces/default/deployments";
    let now = time::OffsetDateTime::now_utc().replace_nanosecond(0).expect("a time");
    let date = now.format(&time::format_description::well_known::Rfc3339).expect("a date");
    let body_hash = hex::encode(Sha256::digest(b""));
    let mut headers = http::HeaderMap::new();
    for (name, value) in [
        ("host", "console.example"),
        ("x-acs-date", &date),
        ("x-acs-signature-nonce", nonce),
        ("x-acs-content-sha256", &body_hash),
    ] {
        headers.insert(name, http::HeaderValue::from_str(value).expect("a header value"));
    }
    let signed: Vec<String> = acs3::REQUIRED_SIGNED_HEADERS.iter().map(|h| (*h).to_owned()).collect();
    let canonical =
        acs3::canonical_request("GET", PATH, "", &headers, None, &signed, &body_hash).expect("a canonical request");
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(format!("{}\n{}", acs3::ALGORITHM, hex::encode(Sha256::digest(canonical.as_bytes()))).as_bytes());
    let signature = hex::encode(mac.finalize().into_bytes());
    let authorization = acs3::Authorization::parse(&format!(
        "{} Credential={key},SignedHeaders={},Signature={signature}",
        acs3::ALGORITHM,
        signed.join(";")
    ))
    .expect("an authorization");
    (headers, authorization)
}

impl Fixture {
    /// Who a request signed with the access key `key` is made by (a fresh nonce each time), or
    /// the refusal's code.
    async fn signed_by(&self, key: &str, secret: &str) -> Result<Caller, &'static str> {
        let nonce = uuid::Uuid::new_v4().to_string();
        let (headers, authorization) = signed_request(key, secret, &nonce);
        let request = acs3::Request {
            method: "GET",
            path: "/api/v1/namespaces/default/deployments",
            query: "",
            headers: &headers,
            authority: None,
            body: b"",
        };
        let answer = self.services.identify_signed(&request, &authorization).await.expect("checked");
        answer.map_err(|refusal| refusal.code())
    }
}

#[tokio::test]
async fn a_replaced_access_key_or_one_of_a_revoked_token_is_refused_at_once() {
    let f = fixture().await;
    let (token, _) =
        f.services.create_api_token(&f.admin, &default(), "sdk", Role::Editor, None).await.expect("a token");
    let (with_key, first_secret) = f.services.create_access_key(&f.admin, &default(), &token.id).await.expect("a key");
    let first = with_key.access_key_id.clone().expect("a key id");
    for _ in 0..2 {
        let caller = f.signed_by(&first, first_secret.expose()).await;
        assert!(matches!(caller, Ok(Caller::Token(ref t)) if t.id == token.id), "{caller:?}");
    }
    let (with_key, second_secret) =
        f.services.create_access_key(&f.admin, &default(), &token.id).await.expect("replaced");
    let second = with_key.access_key_id.clone().expect("a key id");
    assert_eq!(f.signed_by(&first, first_secret.expose()).await, Err("InvalidAccessKeyId.NotFound"));
    assert!(f.signed_by(&second, second_secret.expose()).await.is_ok());
    assert!(f.signed_by(&second, second_secret.expose()).await.is_ok());
    f.services.revoke_api_token(&f.admin, &default(), &token.id).await.expect("revoked");
    assert_eq!(f.signed_by(&second, second_secret.expose()).await, Err("InvalidAccessKeyId.Inactive"));
}

#[tokio::test]
async fn the_other_replicas_are_told_of_the_changes_that_may_end_access() {
    let f = fixture().await;
    let heard = Arc::new(Mutex::new(Vec::new()));
    let services = f.services.clone().on_access_change({
        let heard = heard.clone();
        move |change| heard.lock().expect("not poisoned").push(change)
    });
    services.create_user(&f.admin, "vera", PASSWORD, false).await.expect("a user");
    let (_, session) = services.sign_in("vera", PASSWORD, "10.0.0.3").await.expect("signs in");
    let (token, _) = services.create_api_token(&f.admin, &default(), "ci", Role::Viewer, None).await.expect("a token");
    services.revoke_api_token(&f.admin, &default(), &token.id).await.expect("revoked");
    services.sign_out(session.expose()).await.expect("signed out");
    let heard = heard.lock().expect("not poisoned").clone();
    assert_eq!(
        heard,
        [AccessChange::UserCreated, AccessChange::TokenRevoked, AccessChange::SessionEnded],
        "a new session or token ends nobody's access"
    );
}

#[tokio::test]
async fn require_errors_keep_their_meaning_for_tokens_of_another_namespace() {
    let f = fixture().await;
    let other = NamespaceName::parse("other").expect("a name");
    f.services.create_namespace(&f.admin, &other, None).await.expect("created");
    let (_, secret) = f.services.create_api_token(&f.admin, &other, "ci", Role::Owner, None).await.expect("a token");
    let caller = f.by_token(secret.expose()).await;
    for _ in 0..2 {
        let err = f.services.require(&caller, Permission::ViewDeployments, &default()).await.expect_err("elsewhere");
        assert!(matches!(err, ServiceError::NotFound(_)), "{err}");
        f.services.require(&caller, Permission::ManageNamespace, &other).await.expect("its own");
    }
}
