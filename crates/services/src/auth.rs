//! Who is calling and whether they may: sign-in with argon2id passwords and server-side sessions,
//! API tokens, and `require`, the one authorisation function every REST handler and server
//! function calls before it reads or writes anything. Secrets (passwords, session and token
//! secrets) are never stored or logged: only their hashes are.

use std::time::Duration;

use argon2::password_hash::rand_core::{OsRng, RngCore};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use domain::{permits, ApiToken, NamespaceName, Permission, User};
use sha2::{Digest, Sha256};
use storage::now_rfc3339;

use crate::access_cache::{AccessChange, Credential, Identity, Ticket};
use crate::ServiceError;
use crate::Services;

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "console_session";
/// How long a session lasts after sign-in.
pub const SESSION_LIFETIME: Duration = Duration::from_secs(12 * 3600);

/// Where a request came from (put on the request by the server), for rate limiting sign-ins.
#[derive(Debug, Clone)]
pub struct ClientAddress(pub String);

/// Who made a request, as the authentication layer found out.
#[derive(Debug, Clone, PartialEq)]
pub enum Caller {
    /// Nobody signed in (or an unknown, expired or revoked credential).
    Anonymous,
    /// A person signed in with a session.
    User(User),
    /// A namespace's API token.
    Token(ApiToken),
    /// The console's own scheduled work (a tuning plan's time point): never what a request carries,
    /// so `require` refuses it everything; the audit log names it `console:<what>`.
    System(&'static str),
}

impl Caller {
    /// How the audit log names the caller.
    pub fn actor(&self) -> String {
        match self {
            Self::Anonymous => "anonymous".to_owned(),
            Self::User(user) => format!("user:{}", user.name),
            Self::Token(token) => format!("token:{}", token.name),
            Self::System(what) => format!("console:{what}"),
        }
    }
}

/// A secret shown once (a new session's cookie value, a new API token): not `Serialize`, not `Debug`.
pub struct Secret(String);

impl Secret {
    pub(crate) fn generate() -> Self {
        let mut bytes = [0u8; 32];
        OsRng.fill_bytes(&mut bytes);
        Self(hex::encode(bytes))
    }

    /// A secret the console derives rather than draws (an AccessKey Secret).
    pub(crate) fn from_derived(text: String) -> Self {
        Self(text)
    }

    /// The secret's text, to hand over once.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

/// The session cookie's secret among a request's cookies.
pub fn session_secret(headers: &http::HeaderMap) -> Option<String> {
    cookie(headers, SESSION_COOKIE)
}

/// The value of the cookie `name` among a request's cookies.
pub fn cookie(headers: &http::HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.to_owned())
}

/// What the store keeps of a secret.
pub fn secret_hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// An argon2id hash of a password, with a fresh salt.
pub fn hash_password(password: &str) -> Result<String, ServiceError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default().hash_password(password.as_bytes(), &salt).map(|hash| hash.to_string()).map_err(|err| {
        tracing::error!(error = %err, "hashing a password failed");
        ServiceError::Internal
    })
}

pub(crate) fn password_matches(password: &str, stored: &str) -> bool {
    PasswordHash::new(stored).is_ok_and(|hash| Argon2::default().verify_password(password.as_bytes(), &hash).is_ok())
}

/// Where a permission is asked for.
#[derive(Debug, Clone, Copy)]
pub enum Scope<'a> {
    /// One namespace: the caller's role there decides.
    Namespace(&'a NamespaceName),
    /// The console as a whole: users, namespaces, global defaults, status.
    Console,
}

impl<'a> From<&'a NamespaceName> for Scope<'a> {
    fn from(namespace: &'a NamespaceName) -> Self {
        Self::Namespace(namespace)
    }
}

fn sign_in_first() -> ServiceError {
    ServiceError::Unauthorized("sign in first, or send an API token as `Authorization: Bearer <token>`".into())
}

impl Services {
    /// The caller behind a session cookie's secret or an API token's (`Authorization: Bearer`).
    /// Unknown, expired or revoked secrets make an anonymous caller. (A request signed with a
    /// token's access key is identified by `identify_signed`, which refuses rather than falls back.)
    /// Answered from the access cache when it holds the credential (and it has not expired), else
    /// read from the store and kept.
    pub async fn identify(&self, session: Option<&str>, bearer: Option<&str>) -> Result<Caller, ServiceError> {
        if let Some(secret) = bearer {
            let hash = secret_hash(secret);
            let credential = Credential::Token(hash.clone());
            if let Some(caller) = self.access_cache.identity(&credential) {
                return Ok(caller);
            }
            let ticket = self.access_cache.ticket();
            let Some(token) = self.store.api_token_by_hash(&hash).await? else {
                return Ok(Caller::Anonymous);
            };
            return Ok(self.keep_live_token(ticket, credential, token).map_or(Caller::Anonymous, Caller::Token));
        }
        if let Some(secret) = session {
            let hash = secret_hash(secret);
            let credential = Credential::Session(hash.clone());
            if let Some(caller) = self.access_cache.identity(&credential) {
                return Ok(caller);
            }
            let ticket = self.access_cache.ticket();
            if let Some((user, expires_at)) = self.store.session_user(&hash, &now_rfc3339()).await? {
                let caller = Caller::User(user);
                // A session whose expiry cannot be read is not kept: it is read again each time.
                if let Some(expires) = parse_rfc3339(&expires_at) {
                    let identity = Identity { caller: caller.clone(), expires: Some(expires) };
                    self.access_cache.keep_identity(ticket, credential, identity);
                }
                return Ok(caller);
            }
        }
        Ok(Caller::Anonymous)
    }

    /// `token` if it signs in now (not revoked, not expired), kept in the access cache as what
    /// `credential` signs in; `None` otherwise (and nothing is kept).
    pub(crate) fn keep_live_token(&self, ticket: Ticket, credential: Credential, token: ApiToken) -> Option<ApiToken> {
        if token.revoked_at.is_some() || expired(token.expires_at.as_deref(), &now_rfc3339()) {
            return None;
        }
        // `expired` refused an expiry that does not parse: what is left parses, or is absent.
        let expires = token.expires_at.as_deref().and_then(parse_rfc3339);
        let identity = Identity { caller: Caller::Token(token.clone()), expires };
        self.access_cache.keep_identity(ticket, credential, identity);
        Some(token)
    }

    /// The one authorisation function: may `caller` do `permission` in `scope` (a namespace, or
    /// the console as a whole)? Every REST handler and server function calls it before it reads or
    /// writes anything. Nobody signed in is 401. In a namespace, one that does not exist or that
    /// the caller does not belong to is reported as not found (its existence is not revealed), and
    /// a forbidden action is 403. For the console, `ViewSystem` needs any sign-in and everything
    /// else the system admin (403 otherwise).
    pub async fn require<'a>(
        &self,
        caller: &Caller,
        permission: Permission,
        scope: impl Into<Scope<'a>>,
    ) -> Result<(), ServiceError> {
        if let Caller::User(user) = caller {
            if user.must_change_password && permission != Permission::ViewSystem {
                return Err(ServiceError::Forbidden(
                    "do anything before you choose your own password: the console generated this one (Your account)"
                        .into(),
                ));
            }
        }
        let namespace = match scope.into() {
            Scope::Console => return self.require_console(caller, permission),
            Scope::Namespace(namespace) => namespace,
        };
        let hidden = || ServiceError::NotFound(format!("namespace {namespace}"));
        let member = match caller {
            Caller::Anonymous => return Err(sign_in_first()),
            Caller::System(_) => return Err(ServiceError::Forbidden(permission.describe().to_owned())),
            Caller::Token(token) if token.namespace != namespace.as_str() => return Err(hidden()),
            Caller::User(user) if !user.admin => Some(user.id.as_str()),
            Caller::Token(_) | Caller::User(_) => None,
        };
        // One read: does the namespace exist, and what is the caller's role there?
        let (exists, membership) = self.namespace_access(namespace, member).await?;
        let role = match caller {
            _ if !exists => return Err(hidden()),
            Caller::Token(token) => Some(token.role),
            Caller::User(user) if user.admin => None,
            Caller::User(_) => Some(membership.ok_or_else(hidden)?),
            Caller::Anonymous => return Err(sign_in_first()),
            Caller::System(_) => return Err(ServiceError::Forbidden(permission.describe().to_owned())),
        };
        if let Some(role) = role {
            if !permits(role, permission) {
                return Err(ServiceError::Forbidden(format!(
                    "{} in namespace {namespace} (your role is {role})",
                    permission.describe()
                )));
            }
        }
        tracing::debug!(actor = %caller.actor(), permission = permission.describe(), %namespace, "authorised");
        Ok(())
    }

    fn require_console(&self, caller: &Caller, permission: Permission) -> Result<(), ServiceError> {
        let allowed = match (caller, permission) {
            (Caller::Anonymous, _) => return Err(sign_in_first()),
            (Caller::System(_), _) => false,
            (Caller::User(user), _) if user.admin => true,
            (_, Permission::ViewSystem) => true,
            (_, Permission::ViewDeployments | Permission::EditDeployments | Permission::ManageNamespace)
            | (_, Permission::ManageSystem) => false,
        };
        if !allowed {
            return Err(ServiceError::Forbidden(permission.describe().to_owned()));
        }
        Ok(())
    }

    /// Signs a person in: a new session whose secret goes into the cookie. Wrong names and
    /// passwords get the same answer after the same time; attempts are limited per address and,
    /// more loosely, per account (`guard`).
    pub async fn sign_in(&self, name: &str, password: &str, address: &str) -> Result<(User, Secret), ServiceError> {
        check_user_name("name", name)?;
        let attempt = self.guard.begin(name, address).map_err(|wait| {
            ServiceError::TooManyRequests(format!("too many failed sign-ins; try again in {} s", wait.as_secs().max(1)))
        })?;
        let found = self.store.user_by_name(name).await?;
        let matches = self.guard.verify(password, found.as_ref().map(|(_, hash)| hash.as_str())).await?;
        let user = match found {
            Some((user, _)) if matches => user,
            Some(_) | None => {
                tracing::info!(user = ?name, address = ?address, "failed sign-in");
                return Err(ServiceError::Unauthorized("wrong user name or password".into()));
            }
        };
        self.guard.succeeded(attempt);
        let secret = Secret::generate();
        let now = time::OffsetDateTime::now_utc();
        let created = self
            .store
            .create_session(&secret_hash(secret.expose()), &user.id, &rfc3339(now), &rfc3339(now + SESSION_LIFETIME))
            .await;
        self.access_changed(AccessChange::SessionStarted);
        created?;
        tracing::info!(user = ?user.name, "signed in");
        Ok((user, secret))
    }

    /// Ends the session behind a cookie's secret.
    pub async fn sign_out(&self, session: &str) -> Result<(), ServiceError> {
        let deleted = self.store.delete_session(&secret_hash(session)).await;
        self.access_changed(AccessChange::SessionEnded);
        Ok(deleted?)
    }

    /// On first start: the `admin` user, with the configured password or a generated one that is
    /// returned (to be shown once). Nothing happens when an admin exists.
    pub async fn ensure_admin(&self, configured: Option<&str>) -> Result<Option<Secret>, ServiceError> {
        if self.store.count_admins().await? > 0 {
            return Ok(None);
        }
        let generated = configured.is_none().then(Secret::generate);
        let password = configured.or(generated.as_ref().map(Secret::expose)).unwrap_or_default();
        let admin = User {
            id: uuid::Uuid::new_v4().to_string(),
            name: "admin".into(),
            admin: true,
            created_at: now_rfc3339(),
            // A password printed on the console's output is known to whoever reads its logs.
            must_change_password: generated.is_some(),
        };
        let created = self.store.create_user(&admin, &self.guard.hash(password).await?).await;
        // Said whatever the answer: a commit whose answer was lost may still have happened.
        self.access_changed(AccessChange::UserCreated);
        match created {
            Ok(()) => Ok(generated),
            // Another console replica sharing the database, starting at the same time, made it first.
            Err(storage::StorageError::AlreadyExists { .. }) if self.store.count_admins().await? > 0 => Ok(None),
            Err(err) => Err(err.into()),
        }
    }
}

/// The longest user name.
pub const MAX_USER_NAME: usize = 64;

/// Whether `name` can be a user's name (1 to 64 of a-z, 0-9, '.', '_', '-'); `field` names it in
/// the error.
pub fn check_user_name(field: &str, name: &str) -> Result<(), ServiceError> {
    let valid = !name.is_empty()
        && name.len() <= MAX_USER_NAME
        && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'));
    if valid {
        Ok(())
    } else {
        Err(ServiceError::BadRequest(format!(
            "{field}: {name:?} is not a user name (1 to {MAX_USER_NAME} of a-z, 0-9, '.', '_' and '-')"
        )))
    }
}

/// The time `days` days from now, in the wire format (a token's expiry chosen as a duration).
pub fn days_from_now(days: u32) -> String {
    let at = time::OffsetDateTime::now_utc() + time::Duration::days(i64::from(days));
    rfc3339(at.replace_nanosecond(0).unwrap_or(at))
}

/// A time in the wire format.
pub(crate) fn rfc3339(at: time::OffsetDateTime) -> String {
    at.format(&time::format_description::well_known::Rfc3339).unwrap_or_else(|_| now_rfc3339())
}

/// A time in the wire format, read; `None` if it is not one.
pub(crate) fn parse_rfc3339(text: &str) -> Option<time::OffsetDateTime> {
    time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339).ok()
}

/// Whether a token's expiry (RFC 3339, or none) has passed at `now`.
pub(crate) fn expired(expires_at: Option<&str>, now: &str) -> bool {
    match (expires_at.map(parse_rfc3339), parse_rfc3339(now)) {
        (None, _) => false,
        (Some(Some(expires)), Some(now)) => expires <= now,
        // An expiry that does not parse ends the token: never let a bad row grant access.
        (Some(None), _) | (Some(Some(_)), None) => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_stored_as_argon2id_and_verified() {
        let hash = hash_password("correct horse").expect("hashes");
        assert!(hash.starts_with("$argon2id$"), "{hash}");
        assert!(password_matches("correct horse", &hash));
        assert!(!password_matches("wrong", &hash));
        assert!(!password_matches("correct horse", "not a hash"));
    }

    #[test]
    fn secrets_are_long_random_and_stored_as_hashes() {
        let (a, b) = (Secret::generate(), Secret::generate());
        assert_eq!(a.expose().len(), 64);
        assert_ne!(a.expose(), b.expose());
        assert_ne!(secret_hash(a.expose()), a.expose());
        assert_eq!(secret_hash(a.expose()), secret_hash(a.expose()));
    }

    #[test]
    fn the_session_cookie_is_found_among_others() {
        let mut headers = http::HeaderMap::new();
        assert_eq!(session_secret(&headers), None);
        headers.append(http::header::COOKIE, http::HeaderValue::from_static("a=1; console_session=abc; b=2"));
        assert_eq!(session_secret(&headers).as_deref(), Some("abc"));
    }

    #[test]
    fn a_token_past_its_expiry_or_with_an_unreadable_one_is_expired() {
        let now = "2026-12-01T10:00:00Z";
        assert!(!expired(None, now));
        assert!(!expired(Some("2026-12-02T00:00:00Z"), now));
        assert!(expired(Some("2026-12-01T10:00:00Z"), now));
        assert!(expired(Some("yesterday"), now));
    }

    #[test]
    fn user_names_are_checked_before_anything_else() {
        assert!(check_user_name("name", "alice.b-2_c").is_ok());
        for bad in ["", "Alice", "a b", "a\nb", "\u{1b}[31m", &"a".repeat(65)] {
            assert!(check_user_name("name", bad).is_err(), "{bad:?}");
        }
    }
}
