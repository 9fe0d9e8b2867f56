//! Server functions for who may do what: users and namespaces (system admins), members and API
//! tokens (a namespace's owners), and the audit log (owners for their namespace, admins for the
//! console). Each authorises first; the services write the audit log.

use domain::{ApiToken, AuditEntry, ListPage, Role};
use leptos::prelude::*;

use crate::error::AppError;
use crate::view_model::{CreatedAccessKey, CreatedToken, MemberRow, NamespaceRow, TokenList, UserRow};

/// A page of users, by name, and the namespaces they belong to: the first, or the one after the
/// `after` token of the page before (admins).
#[server(endpoint = "list_users")]
pub async fn list_users(after: Option<String>) -> Result<ListPage<UserRow>, AppError> {
    use crate::ssr::{answer, caller, services, Permission, Scope};

    answer(async {
        let services = services()?;
        services.require(&caller(), Permission::ManageSystem, Scope::Console).await?;
        crate::ssr::user_rows(&services, after).await
    })
    .await
}

/// Creates a user who can sign in; `admin` is a checkbox's value (present means yes) (admins).
#[server(endpoint = "create_user")]
pub async fn create_user(name: String, password: String, admin: Option<String>) -> Result<String, AppError> {
    use crate::ssr::{answer_naming, caller, services, Permission, Scope};

    answer_naming(
        async {
            let services = services()?;
            services.require(&caller(), Permission::ManageSystem, Scope::Console).await?;
            let user = services.create_user(&caller(), &name, &password, admin.is_some()).await?;
            Ok(user.name)
        },
        |name| Some(name.clone()),
    )
    .await
}

/// Sets a user's password; every session of theirs ends (admins).
#[server(endpoint = "reset_password")]
pub async fn reset_password(name: String, password: String) -> Result<String, AppError> {
    use crate::ssr::{answer_naming, caller, services, Permission, Scope};

    answer_naming(
        async {
            let services = services()?;
            services.require(&caller(), Permission::ManageSystem, Scope::Console).await?;
            services.reset_password(&caller(), &name, &password).await?;
            Ok(name)
        },
        |name| Some(name.clone()),
    )
    .await
}

/// The signed-in person changes their own password; their other sessions end (anyone signed in
/// with a password; API tokens have none).
#[server(endpoint = "change_password")]
pub async fn change_password(
    current_password: String,
    new_password: String,
    repeat_password: String,
) -> Result<(), AppError> {
    use crate::ssr::auth::SESSION_COOKIE;
    use crate::ssr::{answer_naming, caller, request_cookie, services, Permission, Scope};

    answer_naming(
        async {
            let services = services()?;
            services.require(&caller(), Permission::ViewSystem, Scope::Console).await?;
            let session = request_cookie(SESSION_COOKIE);
            services
                .change_password(&caller(), session.as_deref(), &current_password, &new_password, &repeat_password)
                .await?;
            Ok(())
        },
        |()| None,
    )
    .await
}

/// Deletes a user with their sessions and memberships (admins; the last admin stays).
#[server(endpoint = "delete_user")]
pub async fn delete_user(name: String) -> Result<String, AppError> {
    use crate::ssr::{answer, caller, services, Permission, Scope};

    answer(async {
        let services = services()?;
        services.require(&caller(), Permission::ManageSystem, Scope::Console).await?;
        let user = services.delete_user(&caller(), &name).await?;
        Ok(user.name)
    })
    .await
}

/// A page of namespaces, by name, with their deployments, members and owners: the first, or the
/// one after the `after` token of the page before (admins).
#[server(endpoint = "list_namespaces")]
pub async fn list_namespaces(after: Option<String>) -> Result<ListPage<NamespaceRow>, AppError> {
    use crate::ssr::{answer, caller, services, Permission, Scope};

    answer(async {
        let services = services()?;
        services.require(&caller(), Permission::ManageSystem, Scope::Console).await?;
        crate::ssr::namespace_rows(&services, after).await
    })
    .await
}

/// Creates a namespace, with `owner` (an existing user, optional) as its first owner (admins).
#[server(endpoint = "create_namespace")]
pub async fn create_namespace(name: String, owner: Option<String>) -> Result<String, AppError> {
    use crate::ssr::{answer_naming, caller, parse_namespace, services, Permission, Scope};

    answer_naming(
        async {
            let services = services()?;
            services.require(&caller(), Permission::ManageSystem, Scope::Console).await?;
            let namespace = parse_namespace(name.trim())?;
            let owner = owner.as_deref().map(str::trim).filter(|o| !o.is_empty());
            services.create_namespace(&caller(), &namespace, owner).await?;
            Ok(namespace.as_str().to_owned())
        },
        |name| Some(name.clone()),
    )
    .await
}

/// The members of a namespace and their roles, by name: the first `Services::MAX_PAGE_SIZE` (owners).
#[server(endpoint = "list_members")]
pub async fn list_members(namespace: String) -> Result<Vec<MemberRow>, AppError> {
    use crate::ssr::{answer, caller, parse_namespace, services, Permission};

    answer(async {
        let services = services()?;
        let namespace = parse_namespace(&namespace)?;
        services.require(&caller(), Permission::ManageNamespace, &namespace).await?;
        let first = domain::PageRequest::first(crate::ssr::Services::MAX_PAGE_SIZE);
        Ok(services.members(&namespace, &first).await?.items)
    })
    .await
}

/// Gives a user a role in the namespace, or changes it (owners).
#[server(endpoint = "set_member")]
pub async fn set_member(namespace: String, user: String, role: Role) -> Result<MemberRow, AppError> {
    use crate::ssr::{answer, caller, parse_namespace, services, Permission};

    answer(async {
        let services = services()?;
        let namespace = parse_namespace(&namespace)?;
        services.require(&caller(), Permission::ManageNamespace, &namespace).await?;
        let user = user.trim();
        services.set_member(&caller(), &namespace, user, role).await?;
        Ok(MemberRow { user: user.to_owned(), role })
    })
    .await
}

/// Takes a user's membership of the namespace away (owners).
#[server(endpoint = "remove_member")]
pub async fn remove_member(namespace: String, user: String) -> Result<String, AppError> {
    use crate::ssr::{answer, caller, parse_namespace, services, Permission};

    answer(async {
        let services = services()?;
        let namespace = parse_namespace(&namespace)?;
        services.require(&caller(), Permission::ManageNamespace, &namespace).await?;
        services.remove_member(&caller(), &namespace, &user).await?;
        Ok(user)
    })
    .await
}

/// The namespace's API tokens, newest first, revoked ones included, never their secrets: the first
/// `Services::MAX_PAGE_SIZE` (owners) — but right
/// after a token was made by a plain form post (no JavaScript), that token with its secret, once.
#[server(endpoint = "list_api_tokens")]
pub async fn list_api_tokens(namespace: String) -> Result<TokenList, AppError> {
    use crate::ssr::{answer, caller, parse_namespace, services, Permission};

    answer(async {
        let services = services()?;
        let namespace = parse_namespace(&namespace)?;
        services.require(&caller(), Permission::ManageNamespace, &namespace).await?;
        let just_created = crate::ssr::take_new_token(&services, &namespace).await?;
        let just_created_key = crate::ssr::take_new_access_key(&services, &namespace).await?;
        let first = domain::PageRequest::first(crate::ssr::Services::MAX_PAGE_SIZE);
        Ok(TokenList { tokens: services.api_tokens(&namespace, &first).await?.items, just_created, just_created_key })
    })
    .await
}

/// A new API token of the namespace with `role`, expiring after `expires_in_days` (empty: never);
/// its secret is in the answer this once (owners). After a plain form post, the page the browser
/// goes back to shows it instead, once.
#[server(endpoint = "create_api_token")]
pub async fn create_api_token(
    namespace: String,
    name: String,
    role: Role,
    expires_in_days: Option<String>,
) -> Result<CreatedToken, AppError> {
    use crate::ssr::{answer, caller, parse_namespace, plain_form_post, services, Permission};

    answer(async {
        let services = services()?;
        let namespace = parse_namespace(&namespace)?;
        services.require(&caller(), Permission::ManageNamespace, &namespace).await?;
        let expires_at = match expires_in_days.as_deref().map(str::trim).filter(|d| !d.is_empty()) {
            None => None,
            Some(days) => {
                let days: u32 = days
                    .parse()
                    .map_err(|_| AppError::BadRequest(format!("expires in days: {days:?} is not a whole number")))?;
                Some(services::auth::days_from_now(days))
            }
        };
        let (token, secret) =
            services.create_api_token(&caller(), &namespace, &name, role, expires_at.as_deref()).await?;
        if plain_form_post() {
            crate::ssr::hand_over_new_token(&namespace, &token, &secret)?;
        }
        Ok(CreatedToken { token, secret: secret.expose().to_owned() })
    })
    .await
}

/// Revokes one of the namespace's API tokens: it stops working at once (owners).
#[server(endpoint = "revoke_api_token")]
pub async fn revoke_api_token(namespace: String, id: String) -> Result<ApiToken, AppError> {
    use crate::ssr::{answer, caller, parse_namespace, services, Permission};

    answer(async {
        let services = services()?;
        let namespace = parse_namespace(&namespace)?;
        services.require(&caller(), Permission::ManageNamespace, &namespace).await?;
        Ok(services.revoke_api_token(&caller(), &namespace, &id).await?)
    })
    .await
}

/// A new access-key pair for one of the namespace's live API tokens, for clients that sign
/// requests the way Alibaba Cloud's SDKs do; it replaces the token's old pair. The AccessKey Secret
/// is in the answer this once (owners); after a plain form post, the page the browser goes back to
/// shows it instead, once.
#[server(endpoint = "create_access_key")]
pub async fn create_access_key(namespace: String, id: String) -> Result<CreatedAccessKey, AppError> {
    use crate::ssr::{answer, caller, parse_namespace, plain_form_post, services, Permission};

    answer(async {
        let services = services()?;
        let namespace = parse_namespace(&namespace)?;
        services.require(&caller(), Permission::ManageNamespace, &namespace).await?;
        let (token, secret) = services.create_access_key(&caller(), &namespace, &id).await?;
        if plain_form_post() {
            crate::ssr::hand_over_new_access_key(&namespace, &token, &secret)?;
        }
        Ok(CreatedAccessKey { token, access_key_secret: secret.expose().to_owned() })
    })
    .await
}

/// A page of the audit log, newest first (the first, or the one after the `after` token of the
/// page before): of one namespace (its owners), or without a namespace, of the whole console
/// (admins).
#[server(endpoint = "list_audit")]
pub async fn list_audit(namespace: Option<String>, after: Option<String>) -> Result<ListPage<AuditEntry>, AppError> {
    use crate::ssr::{answer, caller, parse_namespace, services, Permission, Scope};

    answer(async {
        let services = services()?;
        let namespace = match namespace.as_deref().filter(|n| !n.is_empty()) {
            Some(raw) => {
                let namespace = parse_namespace(raw)?;
                services.require(&caller(), Permission::ManageNamespace, &namespace).await?;
                Some(namespace)
            }
            None => {
                services.require(&caller(), Permission::ManageSystem, Scope::Console).await?;
                None
            }
        };
        let page = domain::PageRequest::after(crate::view_model::ADMIN_PAGE, after);
        Ok(services.audit(namespace.as_ref(), &page).await?)
    })
    .await
}

/// A page of a namespace's audit log, newest first: the first, or the one after the `after` token of
/// the page before (owners).
#[server(endpoint = "list_audit_page")]
pub async fn list_audit_page(namespace: String, after: Option<String>) -> Result<ListPage<AuditEntry>, AppError> {
    use crate::ssr::{answer, caller, parse_namespace, services, Permission};
    use crate::view_model::AUDIT_PAGE;

    answer(async {
        let services = services()?;
        let namespace = parse_namespace(&namespace)?;
        services.require(&caller(), Permission::ManageNamespace, &namespace).await?;
        Ok(services.audit(Some(&namespace), &domain::PageRequest::after(AUDIT_PAGE, after)).await?)
    })
    .await
}
