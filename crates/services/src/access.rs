//! Managing who may do what: users (admins), namespaces (admins), members and API tokens (owners),
//! and the audit log every change lands in, in the same transaction as the change. Callers
//! authorise first (`Services::require`). Access ends when it should: a member's or user's tokens
//! go with them, the last owner of a namespace and the last admin stay.

use domain::{ApiToken, AuditEntry, NamespaceName, Role, User};
use serde_json::{json, Value};
use storage::{now_rfc3339, Tx};

use crate::access_cache::AccessChange;
use crate::auth::{check_user_name, secret_hash, Caller, Secret};
use crate::{ServiceError, Services};

/// The shortest password the console accepts.
const MIN_PASSWORD: usize = 8;
/// The longest password the console hashes (argon2 reads all of it).
const MAX_PASSWORD: usize = 1024;

/// The longest an API token may live.
pub const MAX_TOKEN_DAYS: i64 = 3650;

/// A new password is long enough, and not absurdly long; `field` names it in the error.
fn check_new_password(field: &str, password: &str) -> Result<(), ServiceError> {
    let length = password.chars().count();
    if length < MIN_PASSWORD {
        return Err(ServiceError::BadRequest(format!("{field}: must have at least {MIN_PASSWORD} characters")));
    }
    if password.len() > MAX_PASSWORD {
        return Err(ServiceError::BadRequest(format!("{field}: must have at most {MAX_PASSWORD} bytes")));
    }
    Ok(())
}

/// One line of the audit log, by `caller`, now.
pub(crate) fn audit_entry(
    caller: &Caller,
    namespace: Option<&NamespaceName>,
    action: &str,
    (kind, name): (&str, &str),
    before: Option<Value>,
    after: Option<Value>,
) -> AuditEntry {
    AuditEntry {
        id: uuid::Uuid::new_v4().to_string(),
        at: now_rfc3339(),
        actor: caller.actor(),
        namespace: namespace.map(|ns| ns.as_str().to_owned()),
        action: action.to_owned(),
        resource_kind: kind.to_owned(),
        resource_name: name.to_owned(),
        before,
        after,
    }
}

/// Writes the change's audit line into its transaction and commits both, or neither.
pub(crate) async fn commit_audited(mut tx: Tx, entry: AuditEntry) -> Result<(), ServiceError> {
    tx.append_audit(&entry).await?;
    tx.commit().await?;
    Ok(())
}

impl Services {
    /// Commits a change of access with its audit line (`commit_audited`), then reports it
    /// (`access_changed`) — also when the commit failed: a commit whose answer was lost may still
    /// have happened, and forgetting too much costs only a read.
    pub(crate) async fn commit_access_change(
        &self,
        tx: Tx,
        entry: AuditEntry,
        what: AccessChange,
    ) -> Result<(), ServiceError> {
        let committed = commit_audited(tx, entry).await;
        self.access_changed(what);
        committed
    }
}

/// The user called `name`, or NotFound.
async fn user_named(services: &Services, name: &str) -> Result<(User, String), ServiceError> {
    services.store.user_by_name(name).await?.ok_or_else(|| ServiceError::NotFound(format!("user {name}")))
}

/// The roles above `role`: what a token may no longer have when its owner's role drops to `role`.
fn roles_above(role: Role) -> Vec<Role> {
    let rank = |role: Role| match role {
        Role::Viewer => 0,
        Role::Editor => 1,
        Role::Owner => 2,
    };
    [Role::Viewer, Role::Editor, Role::Owner].into_iter().filter(|r| rank(*r) > rank(role)).collect()
}

impl Services {
    /// Creates a user who can sign in (admins only).
    pub async fn create_user(
        &self,
        caller: &Caller,
        name: &str,
        password: &str,
        admin: bool,
    ) -> Result<User, ServiceError> {
        let name = name.trim();
        check_user_name("name", name)?;
        check_new_password("password", password)?;
        let user = User {
            id: uuid::Uuid::new_v4().to_string(),
            name: name.to_owned(),
            admin,
            created_at: now_rfc3339(),
            must_change_password: false,
        };
        let hash = self.guard.hash(password).await?;
        let mut tx = self.store.begin().await?;
        tx.create_user(&user, &hash).await?;
        self.commit_access_change(
            tx,
            audit_entry(caller, None, "create", ("User", name), None, Some(json!({"admin": admin}))),
            AccessChange::UserCreated,
        )
        .await?;
        Ok(user)
    }

    /// The signed-in person changes their own password, knowing the current one. Their other
    /// sessions end; the one they changed it from (`session`, the cookie's secret) stays.
    pub async fn change_password(
        &self,
        caller: &Caller,
        session: Option<&str>,
        current: &str,
        new: &str,
        repeated: &str,
    ) -> Result<(), ServiceError> {
        let Caller::User(user) = caller else {
            return Err(ServiceError::Unauthorized("sign in to change your password (API tokens have none)".into()));
        };
        // Guessing the current password from a left-open session is limited like signing in.
        let attempt = self.guard.begin(&user.name, &format!("a session of {}", user.name)).map_err(|wait| {
            ServiceError::TooManyRequests(format!(
                "too many wrong current passwords; try again in {} s",
                wait.as_secs().max(1)
            ))
        })?;
        let (_, stored) = user_named(self, &user.name).await?;
        if !self.guard.verify(current, Some(&stored)).await? {
            return Err(ServiceError::BadRequest("current password: is not your password".into()));
        }
        self.guard.succeeded(attempt);
        check_new_password("new password", new)?;
        if new != repeated {
            return Err(ServiceError::BadRequest("repeat new password: differs from the new password".into()));
        }
        if new == current {
            return Err(ServiceError::BadRequest("new password: is your current password; choose another".into()));
        }
        let keep = session.map(secret_hash);
        let hash = self.guard.hash(new).await?;
        let mut tx = self.store.begin().await?;
        tx.set_password_hash(&user.id, &hash, keep.as_deref()).await?;
        self.commit_access_change(
            tx,
            audit_entry(caller, None, "change-password", ("User", &user.name), None, None),
            AccessChange::PasswordChanged,
        )
        .await
    }

    /// An admin sets a user's password (one they forgot, or a first one to hand over); every
    /// session of that user ends.
    pub async fn reset_password(&self, caller: &Caller, name: &str, password: &str) -> Result<(), ServiceError> {
        let (user, _) = user_named(self, name).await?;
        check_new_password("password", password)?;
        let hash = self.guard.hash(password).await?;
        let mut tx = self.store.begin().await?;
        tx.set_password_hash(&user.id, &hash, None).await?;
        self.commit_access_change(
            tx,
            audit_entry(caller, None, "reset-password", ("User", name), None, None),
            AccessChange::PasswordChanged,
        )
        .await
    }

    /// Deletes a user, their sessions and memberships, and revokes their API tokens; the last
    /// admin stays (checked in the same transaction as the deletion).
    pub async fn delete_user(&self, caller: &Caller, name: &str) -> Result<User, ServiceError> {
        let (user, _) = user_named(self, name).await?;
        let mut tx = self.store.begin().await?;
        tx.lock_admins().await?;
        if user.admin && tx.count_admins().await? <= 1 {
            return Err(ServiceError::Conflict(format!("{name} is the last admin; make another admin first")));
        }
        let revoked = tx.revoke_tokens_of(&user.id, None, &[], &now_rfc3339()).await?;
        tx.delete_user(&user.id).await?;
        let after = (!revoked.is_empty()).then(|| json!({"revokedTokens": revoked}));
        self.commit_access_change(
            tx,
            audit_entry(caller, None, "delete", ("User", name), None, after),
            AccessChange::UserDeleted,
        )
        .await?;
        Ok(user)
    }

    /// Gives a user a role in a namespace (or changes it). Lowering a role revokes the user's
    /// tokens there whose role is now above theirs; the last owner stays an owner.
    pub async fn set_member(
        &self,
        caller: &Caller,
        namespace: &NamespaceName,
        name: &str,
        role: Role,
    ) -> Result<(), ServiceError> {
        let (user, _) = user_named(self, name).await?;
        let (mut tx, before) = self.change_membership(namespace, &user, Some(role)).await?;
        tx.set_member(namespace, &user.id, role).await?;
        let revoked = tx.revoke_tokens_of(&user.id, Some(namespace), &roles_above(role), &now_rfc3339()).await?;
        let mut after = json!({"role": role});
        if !revoked.is_empty() {
            after["revokedTokens"] = json!(revoked);
        }
        let before = before.map(|r| json!({"role": r}));
        self.commit_access_change(
            tx,
            audit_entry(caller, Some(namespace), "set", ("Member", name), before, Some(after)),
            AccessChange::MembershipChanged,
        )
        .await
    }

    /// Takes a user's membership of a namespace away, with their API tokens there; the last owner
    /// stays.
    pub async fn remove_member(
        &self,
        caller: &Caller,
        namespace: &NamespaceName,
        name: &str,
    ) -> Result<(), ServiceError> {
        let (user, _) = user_named(self, name).await?;
        let (mut tx, before) = self.change_membership(namespace, &user, None).await?;
        if !tx.remove_member(namespace, &user.id).await? {
            return Err(ServiceError::NotFound(format!("member {name} of namespace {namespace}")));
        }
        let revoked = tx.revoke_tokens_of(&user.id, Some(namespace), &[], &now_rfc3339()).await?;
        let before = before.map(|r| json!({"role": r}));
        let after = (!revoked.is_empty()).then(|| json!({"revokedTokens": revoked}));
        self.commit_access_change(
            tx,
            audit_entry(caller, Some(namespace), "remove", ("Member", name), before, after),
            AccessChange::MembershipChanged,
        )
        .await
    }

    /// Creates a namespace (admins only), with `owner` (an existing user) as its first owner.
    pub async fn create_namespace(
        &self,
        caller: &Caller,
        namespace: &NamespaceName,
        owner: Option<&str>,
    ) -> Result<(), ServiceError> {
        let owner = match owner {
            Some(owner) => Some(
                self.store
                    .user_by_name(owner)
                    .await?
                    .ok_or_else(|| ServiceError::BadRequest(format!("owner: there is no user {owner:?}")))?
                    .0,
            ),
            None => None,
        };
        let mut tx = self.store.begin().await?;
        if !tx.ensure_namespace(namespace).await? {
            return Err(ServiceError::Conflict(format!("namespace {namespace} already exists")));
        }
        let after = owner.as_ref().map(|owner| json!({"owner": owner.name}));
        if let Some(owner) = &owner {
            tx.set_member(namespace, &owner.id, Role::Owner).await?;
        }
        let entry = audit_entry(caller, Some(namespace), "create", ("Namespace", namespace.as_str()), None, after);
        self.commit_access_change(tx, entry, AccessChange::NamespaceCreated).await
    }

    /// A new API token of the namespace with `role`, expiring at `expires_at` (RFC 3339, in the
    /// future, within `MAX_TOKEN_DAYS`) or never; its secret is returned once and never again. It
    /// belongs to the person behind `caller` and dies with their access.
    pub async fn create_api_token(
        &self,
        caller: &Caller,
        namespace: &NamespaceName,
        name: &str,
        role: Role,
        expires_at: Option<&str>,
    ) -> Result<(ApiToken, Secret), ServiceError> {
        let name = name.trim();
        if name.is_empty() || name.len() > 64 || name.chars().any(char::is_control) {
            return Err(ServiceError::BadRequest(
                "name: must be 1 to 64 characters, none of them control characters".into(),
            ));
        }
        let expires_at = expires_at.map(check_expiry).transpose()?;
        let owner_user_id = match caller {
            Caller::User(user) => Some(user.id.clone()),
            Caller::Token(token) => token.owner_user_id.clone(),
            Caller::Anonymous | Caller::System(_) => None,
        };
        let secret = Secret::generate();
        let token = ApiToken {
            id: uuid::Uuid::new_v4().to_string(),
            namespace: namespace.as_str().to_owned(),
            name: name.to_owned(),
            role,
            created_at: now_rfc3339(),
            created_by: caller.actor(),
            revoked_at: None,
            expires_at,
            owner_user_id,
            access_key_id: None,
        };
        let mut tx = self.store.begin().await?;
        tx.create_api_token(&token, &secret_hash(secret.expose())).await?;
        let after = json!({"role": role, "expiresAt": token.expires_at});
        self.commit_access_change(
            tx,
            audit_entry(caller, Some(namespace), "create", ("ApiToken", name), None, Some(after)),
            AccessChange::TokenCreated,
        )
        .await?;
        Ok((token, secret))
    }

    /// Revokes an API token: it stops working at once.
    pub async fn revoke_api_token(
        &self,
        caller: &Caller,
        namespace: &NamespaceName,
        id: &str,
    ) -> Result<ApiToken, ServiceError> {
        let mut tx = self.store.begin().await?;
        let token = tx
            .revoke_api_token(namespace, id, &now_rfc3339())
            .await?
            .ok_or_else(|| ServiceError::NotFound(format!("API token {id}")))?;
        self.commit_access_change(
            tx,
            audit_entry(caller, Some(namespace), "revoke", ("ApiToken", &token.name), None, None),
            AccessChange::TokenRevoked,
        )
        .await?;
        Ok(token)
    }
}

impl Services {
    /// Opens the transaction that changes `user`'s role in `namespace` to `role` (`None`: removes
    /// it), with the namespace locked, and answers their role before; refuses to leave the
    /// namespace without an owner.
    async fn change_membership(
        &self,
        namespace: &NamespaceName,
        user: &User,
        role: Option<Role>,
    ) -> Result<(Tx, Option<Role>), ServiceError> {
        let mut tx = self.store.begin().await?;
        if !tx.lock_namespace(namespace).await? {
            return Err(ServiceError::NotFound(format!("namespace {namespace}")));
        }
        let before = tx.role_of(namespace, &user.id).await?;
        let demoted = before == Some(Role::Owner) && role != Some(Role::Owner);
        if demoted && tx.count_owners(namespace).await? <= 1 {
            return Err(ServiceError::Conflict(format!(
                "{} is the last owner of namespace {namespace}; make another member an owner first",
                user.name
            )));
        }
        Ok((tx, before))
    }
}

/// A token's expiry as given: RFC 3339, in the future, at most `MAX_TOKEN_DAYS` away; answered in
/// UTC.
fn check_expiry(raw: &str) -> Result<String, ServiceError> {
    use time::format_description::well_known::Rfc3339;
    let field = "expiresAt";
    let at = time::OffsetDateTime::parse(raw.trim(), &Rfc3339)
        .map_err(|_| ServiceError::BadRequest(format!("{field}: {raw:?} is not a time like 2027-01-31T00:00:00Z")))?;
    let now = time::OffsetDateTime::now_utc();
    if at <= now {
        return Err(ServiceError::BadRequest(format!("{field}: {raw} has passed; give a time in the future")));
    }
    if at > now + time::Duration::days(MAX_TOKEN_DAYS) {
        return Err(ServiceError::BadRequest(format!("{field}: at most {MAX_TOKEN_DAYS} days from now")));
    }
    Ok(crate::auth::rfc3339(at.to_offset(time::UtcOffset::UTC)))
}
