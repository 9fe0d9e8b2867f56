//! Managing who may do what: users (admins), namespaces (admins), members and API tokens (owners),
//! and the audit log every change lands in. Callers authorise first (`Services::require`).

use domain::{ApiToken, AuditEntry, NamespaceName, Role, User};
use serde_json::Value;
use storage::now_rfc3339;

use crate::auth::{hash_password, password_matches, secret_hash, Caller, Secret};
use crate::{ServiceError, Services};

/// How many audit lines the console and the API answer with at once, newest first.
const AUDIT_PAGE: u32 = 200;

/// The shortest password the console accepts.
const MIN_PASSWORD: usize = 8;

/// A new password is long enough; `field` names it in the error.
fn check_new_password(field: &str, password: &str) -> Result<(), ServiceError> {
    if password.chars().count() < MIN_PASSWORD {
        return Err(ServiceError::BadRequest(format!("{field}: must have at least {MIN_PASSWORD} characters")));
    }
    Ok(())
}

impl Services {
    /// Writes one line of the audit log; a failure to write it fails the request's answer.
    #[allow(clippy::too_many_arguments, reason = "the parts of one audit line, named where it is written")]
    pub async fn audit(
        &self,
        caller: &Caller,
        namespace: Option<&NamespaceName>,
        action: &str,
        kind: &str,
        name: &str,
        before: Option<Value>,
        after: Option<Value>,
    ) -> Result<(), ServiceError> {
        let entry = AuditEntry {
            id: uuid::Uuid::new_v4().to_string(),
            at: now_rfc3339(),
            actor: caller.actor(),
            namespace: namespace.map(|ns| ns.as_str().to_owned()),
            action: action.to_owned(),
            resource_kind: kind.to_owned(),
            resource_name: name.to_owned(),
            before,
            after,
        };
        self.store.append_audit(&entry).await?;
        Ok(())
    }

    /// The newest `AUDIT_PAGE` lines of the audit log: of one namespace, or of the whole console.
    pub async fn audit_log(&self, namespace: Option<&NamespaceName>) -> Result<Vec<AuditEntry>, ServiceError> {
        Ok(self.store.list_audit(namespace, AUDIT_PAGE).await?)
    }

    /// Creates a user who can sign in (admins only).
    pub async fn create_user(
        &self,
        caller: &Caller,
        name: &str,
        password: &str,
        admin: bool,
    ) -> Result<User, ServiceError> {
        let name = name.trim();
        let valid = !name.is_empty()
            && name.len() <= 64
            && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'));
        if !valid {
            return Err(ServiceError::BadRequest(format!(
                "name: {name:?} must be 1 to 64 of a-z, 0-9, '.', '_' and '-'"
            )));
        }
        check_new_password("password", password)?;
        let user =
            User { id: uuid::Uuid::new_v4().to_string(), name: name.to_owned(), admin, created_at: now_rfc3339() };
        self.store.create_user(&user, &hash_password(password)?).await?;
        self.audit(caller, None, "create", "User", name, None, Some(serde_json::json!({"admin": admin}))).await?;
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
        let key = (user.name.clone(), "changing the password".to_owned());
        if let Some(wait) = self.logins.wait(&key) {
            return Err(ServiceError::TooManyRequests(format!(
                "too many wrong current passwords; try again in {} s",
                wait.as_secs().max(1)
            )));
        }
        let (_, stored) = self
            .store
            .user_by_name(&user.name)
            .await?
            .ok_or_else(|| ServiceError::NotFound(format!("user {}", user.name)))?;
        if !password_matches(current, &stored) {
            self.logins.failed(key);
            return Err(ServiceError::BadRequest("current password: is not your password".into()));
        }
        self.logins.succeeded(&key);
        check_new_password("new password", new)?;
        if new != repeated {
            return Err(ServiceError::BadRequest("repeat new password: differs from the new password".into()));
        }
        let keep = session.map(secret_hash);
        self.store.set_password_hash(&user.id, &hash_password(new)?, keep.as_deref()).await?;
        self.audit(caller, None, "change-password", "User", &user.name, None, None).await?;
        Ok(())
    }

    /// An admin sets a user's password (one they forgot, or a first one to hand over); every
    /// session of that user ends.
    pub async fn reset_password(&self, caller: &Caller, name: &str, password: &str) -> Result<(), ServiceError> {
        let (user, _) =
            self.store.user_by_name(name).await?.ok_or_else(|| ServiceError::NotFound(format!("user {name}")))?;
        check_new_password("password", password)?;
        self.store.set_password_hash(&user.id, &hash_password(password)?, None).await?;
        self.audit(caller, None, "reset-password", "User", name, None, None).await?;
        Ok(())
    }

    /// Deletes a user, their sessions and memberships; the last admin stays.
    pub async fn delete_user(&self, caller: &Caller, name: &str) -> Result<User, ServiceError> {
        let (user, _) =
            self.store.user_by_name(name).await?.ok_or_else(|| ServiceError::NotFound(format!("user {name}")))?;
        if user.admin && self.store.count_admins().await? <= 1 {
            return Err(ServiceError::Conflict(format!("{name} is the last admin; make another admin first")));
        }
        self.store.delete_user(&user.id).await?;
        self.audit(caller, None, "delete", "User", name, None, None).await?;
        Ok(user)
    }

    /// Gives a user a role in a namespace (or changes it).
    pub async fn set_member(
        &self,
        caller: &Caller,
        namespace: &NamespaceName,
        name: &str,
        role: Role,
    ) -> Result<(), ServiceError> {
        let (user, _) =
            self.store.user_by_name(name).await?.ok_or_else(|| ServiceError::NotFound(format!("user {name}")))?;
        let before = self.store.role_of(namespace, &user.id).await?;
        self.store.set_member(namespace, &user.id, role).await?;
        let as_json = |role: Option<Role>| role.map(|r| serde_json::json!({"role": r}));
        self.audit(caller, Some(namespace), "set", "Member", name, as_json(before), as_json(Some(role))).await?;
        Ok(())
    }

    /// Takes a user's membership of a namespace away.
    pub async fn remove_member(
        &self,
        caller: &Caller,
        namespace: &NamespaceName,
        name: &str,
    ) -> Result<(), ServiceError> {
        let (user, _) =
            self.store.user_by_name(name).await?.ok_or_else(|| ServiceError::NotFound(format!("user {name}")))?;
        let before = self.store.role_of(namespace, &user.id).await?;
        if !self.store.remove_member(namespace, &user.id).await? {
            return Err(ServiceError::NotFound(format!("member {name} of namespace {namespace}")));
        }
        self.audit(
            caller,
            Some(namespace),
            "remove",
            "Member",
            name,
            before.map(|r| serde_json::json!({"role": r})),
            None,
        )
        .await?;
        Ok(())
    }

    /// Creates a namespace (admins only), with `owner` (an existing user) as its first owner.
    pub async fn create_namespace(
        &self,
        caller: &Caller,
        namespace: &NamespaceName,
        owner: Option<&str>,
    ) -> Result<(), ServiceError> {
        if let Some(owner) = owner {
            if self.store.user_by_name(owner).await?.is_none() {
                return Err(ServiceError::BadRequest(format!("owner: there is no user {owner:?}")));
            }
        }
        if !self.store.ensure_namespace(namespace).await? {
            return Err(ServiceError::Conflict(format!("namespace {namespace} already exists")));
        }
        self.audit(caller, Some(namespace), "create", "Namespace", namespace.as_str(), None, None).await?;
        if let Some(owner) = owner {
            self.set_member(caller, namespace, owner, Role::Owner).await?;
        }
        Ok(())
    }

    /// A new API token of the namespace with `role`; its secret is returned once and never again.
    pub async fn create_api_token(
        &self,
        caller: &Caller,
        namespace: &NamespaceName,
        name: &str,
        role: Role,
    ) -> Result<(ApiToken, Secret), ServiceError> {
        let name = name.trim();
        if name.is_empty() || name.len() > 64 {
            return Err(ServiceError::BadRequest("name: must be 1 to 64 characters".into()));
        }
        let secret = Secret::generate();
        let token = ApiToken {
            id: uuid::Uuid::new_v4().to_string(),
            namespace: namespace.as_str().to_owned(),
            name: name.to_owned(),
            role,
            created_at: now_rfc3339(),
            created_by: caller.actor(),
            revoked_at: None,
        };
        self.store.create_api_token(&token, &secret_hash(secret.expose())).await?;
        let after = serde_json::json!({"role": role});
        self.audit(caller, Some(namespace), "create", "ApiToken", name, None, Some(after)).await?;
        Ok((token, secret))
    }

    /// Revokes an API token: it stops working at once.
    pub async fn revoke_api_token(
        &self,
        caller: &Caller,
        namespace: &NamespaceName,
        id: &str,
    ) -> Result<ApiToken, ServiceError> {
        let token = self
            .store
            .revoke_api_token(namespace, id, &now_rfc3339())
            .await?
            .ok_or_else(|| ServiceError::NotFound(format!("API token {id}")))?;
        self.audit(caller, Some(namespace), "revoke", "ApiToken", &token.name, None, None).await?;
        Ok(token)
    }
}
