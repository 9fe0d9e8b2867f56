//! Our additions to the API for access control: users and namespaces (admins), members and API
//! tokens (a namespace's owners), and the audit log. Same error shape and authorisation as the rest.

use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::Extension;
use domain::{ApiToken, AuditEntry, NamespaceName, ResourceList, Role, User};
use serde_json::{json, Value};
use services::ServiceError;
use services::{parse_namespace, Caller, Permission, Scope};

use super::error::ErrorBody;
use super::representation::{read_body, represent};
use super::{list_of, ApiError, PageQuery};
use crate::AppState;

fn text<'a>(body: &'a Value, field: &str) -> Result<&'a str, ServiceError> {
    body.get(field)
        .and_then(Value::as_str)
        .ok_or_else(|| ServiceError::BadRequest(format!("{field}: is required (text)")))
}

fn role(body: &Value) -> Result<Role, ServiceError> {
    let raw = text(body, "role")?;
    Role::parse(raw).ok_or_else(|| {
        ServiceError::BadRequest(format!("role: unknown value {raw:?}; expected one of VIEWER, EDITOR, OWNER"))
    })
}

/// Lists the users who can sign in, by name (admins); one page at a time (`limit`, `continue`).
#[utoipa::path(get, path = "/api/v1/users", tag = "access", params(PageQuery),
    responses((status = 200, body = ResourceList<User>), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn list_users(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Query(page): Query<PageQuery>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    state.services.require(&caller, Permission::ManageSystem, Scope::Console).await?;
    let users = state.services.users(&page.request()?).await?;
    Ok(represent(&headers, StatusCode::OK, &list_of("UserList", users)))
}

/// Creates a user from `{name, password, admin?}` (admins).
#[utoipa::path(post, path = "/api/v1/users", tag = "access",
    request_body(content = serde_json::Value, content_type = "application/json", description = "`{name, password, admin?}`"),
    responses((status = 201, body = User), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn create_user(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    state.services.require(&caller, Permission::ManageSystem, Scope::Console).await?;
    let body = read_body(&headers, body).await?;
    let admin = body.get("admin").and_then(Value::as_bool).unwrap_or(false);
    let user = state.services.create_user(&caller, text(&body, "name")?, text(&body, "password")?, admin).await?;
    Ok(represent(&headers, StatusCode::CREATED, &user))
}

/// Deletes a user, their sessions and memberships; the last admin stays (admins).
#[utoipa::path(delete, path = "/api/v1/users/{name}", tag = "access",
    params(("name" = String, Path, description = "The user's name")),
    responses((status = 200, body = User), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn delete_user(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(name): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    state.services.require(&caller, Permission::ManageSystem, Scope::Console).await?;
    let user = state.services.delete_user(&caller, &name).await?;
    Ok(represent(&headers, StatusCode::OK, &user))
}

/// Sets a user's password from `{password}`; every session of theirs ends (admins).
#[utoipa::path(put, path = "/api/v1/users/{name}/password", tag = "access",
    params(("name" = String, Path, description = "The user's name")),
    request_body(content = serde_json::Value, content_type = "application/json", description = "`{password}`"),
    responses((status = 200, body = serde_json::Value), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn reset_password(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(name): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    state.services.require(&caller, Permission::ManageSystem, Scope::Console).await?;
    let body = read_body(&headers, body).await?;
    state.services.reset_password(&caller, &name, text(&body, "password")?).await?;
    Ok(represent(&headers, StatusCode::OK, &json!({"user": name})))
}

/// Creates a namespace from `{metadata: {name}}` (admins).
#[utoipa::path(post, path = "/api/v1/namespaces", tag = "access",
    request_body(content = serde_json::Value, content_type = "application/json", description = "`{metadata: {name}}`"),
    responses((status = 201, body = serde_json::Value), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn create_namespace(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    state.services.require(&caller, Permission::ManageSystem, Scope::Console).await?;
    let body = read_body(&headers, body).await?;
    let raw = body
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .ok_or_else(|| ServiceError::BadRequest("metadata.name: is required".into()))?;
    let namespace =
        NamespaceName::parse(raw).map_err(|err| ServiceError::BadRequest(format!("metadata.name: {err}")))?;
    state.services.create_namespace(&caller, &namespace, None).await?;
    Ok(represent(
        &headers,
        StatusCode::CREATED,
        &json!({"kind": "Namespace", "metadata": {"name": namespace.as_str()}}),
    ))
}

/// Lists the namespace's members as `{user, role}` by name (owners); one page at a time (`limit`,
/// `continue`).
#[utoipa::path(get, path = "/api/v1/namespaces/{namespace}/members", tag = "access",
    params(("namespace" = String, Path, description = "The namespace (a DNS label)"), PageQuery),
    responses((status = 200, body = serde_json::Value), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn list_members(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(namespace): Path<String>,
    Query(page): Query<PageQuery>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let namespace = parse_namespace(&namespace)?;
    state.services.require(&caller, Permission::ManageNamespace, &namespace).await?;
    let members = state.services.members(&namespace, &page.request()?).await?;
    Ok(represent(&headers, StatusCode::OK, &list_of("MemberList", members)))
}

/// Gives a user a role in the namespace, or changes it, from `{role}` (owners).
#[utoipa::path(put, path = "/api/v1/namespaces/{namespace}/members/{user}", tag = "access",
    params(("namespace" = String, Path, description = "The namespace (a DNS label)"), ("user" = String, Path, description = "The user's name")),
    request_body(content = serde_json::Value, content_type = "application/json", description = "`{role}`: VIEWER, EDITOR or OWNER"),
    responses((status = 200, body = serde_json::Value), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn set_member(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path((namespace, user)): Path<(String, String)>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let namespace = parse_namespace(&namespace)?;
    state.services.require(&caller, Permission::ManageNamespace, &namespace).await?;
    let body = read_body(&headers, body).await?;
    let role = role(&body)?;
    state.services.set_member(&caller, &namespace, &user, role).await?;
    Ok(represent(&headers, StatusCode::OK, &json!({"user": user, "role": role})))
}

/// Takes a user's membership of the namespace away (owners).
#[utoipa::path(delete, path = "/api/v1/namespaces/{namespace}/members/{user}", tag = "access",
    params(("namespace" = String, Path, description = "The namespace (a DNS label)"), ("user" = String, Path, description = "The user's name")),
    responses((status = 200, body = serde_json::Value), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn remove_member(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path((namespace, user)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let namespace = parse_namespace(&namespace)?;
    state.services.require(&caller, Permission::ManageNamespace, &namespace).await?;
    state.services.remove_member(&caller, &namespace, &user).await?;
    Ok(represent(&headers, StatusCode::OK, &json!({"user": user})))
}

/// Lists the namespace's API tokens, newest first, revoked ones included, never their secrets
/// (owners); one page at a time (`limit`, `continue`).
#[utoipa::path(get, path = "/api/v1/namespaces/{namespace}/api-tokens", tag = "access",
    params(("namespace" = String, Path, description = "The namespace (a DNS label)"), PageQuery),
    responses((status = 200, body = ResourceList<ApiToken>), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn list_tokens(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(namespace): Path<String>,
    Query(page): Query<PageQuery>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let namespace = parse_namespace(&namespace)?;
    state.services.require(&caller, Permission::ManageNamespace, &namespace).await?;
    let tokens = state.services.api_tokens(&namespace, &page.request()?).await?;
    Ok(represent(&headers, StatusCode::OK, &list_of("ApiTokenList", tokens)))
}

/// Creates an API token from `{name, role, expiresAt?}` (owners; `expiresAt` in RFC 3339, absent:
/// never): 201 with `{token, secret}`, the secret shown this once. The token belongs to its
/// creator and is revoked when they leave the namespace, their role drops below its role, or they
/// are deleted.
#[utoipa::path(post, path = "/api/v1/namespaces/{namespace}/api-tokens", tag = "access",
    params(("namespace" = String, Path, description = "The namespace (a DNS label)")),
    request_body(content = serde_json::Value, content_type = "application/json", description = "`{name, role, expiresAt?}`"),
    responses((status = 201, body = serde_json::Value), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn create_token(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(namespace): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let namespace = parse_namespace(&namespace)?;
    state.services.require(&caller, Permission::ManageNamespace, &namespace).await?;
    let body = read_body(&headers, body).await?;
    let expires_at = match body.get("expiresAt") {
        None | Some(Value::Null) => None,
        Some(Value::String(at)) => Some(at.as_str()),
        Some(other) => {
            return Err(ServiceError::BadRequest(format!(
                "expiresAt: must be a time like 2027-01-31T00:00:00Z, got {other}"
            ))
            .into())
        }
    };
    let (token, secret) =
        state.services.create_api_token(&caller, &namespace, text(&body, "name")?, role(&body)?, expires_at).await?;
    Ok(represent(&headers, StatusCode::CREATED, &json!({"token": token, "secret": secret.expose()})))
}

/// Revokes an API token: it stops working at once (owners).
#[utoipa::path(delete, path = "/api/v1/namespaces/{namespace}/api-tokens/{id}", tag = "access",
    params(("namespace" = String, Path, description = "The namespace (a DNS label)"), ("id" = String, Path, description = "The token's id")),
    responses((status = 200, body = ApiToken), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn revoke_token(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path((namespace, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let namespace = parse_namespace(&namespace)?;
    state.services.require(&caller, Permission::ManageNamespace, &namespace).await?;
    let token = state.services.revoke_api_token(&caller, &namespace, &id).await?;
    Ok(represent(&headers, StatusCode::OK, &token))
}

/// Makes an access-key pair for a live API token, for clients that sign requests the way Alibaba
/// Cloud's SDKs do (ACS3-HMAC-SHA256) (owners): 201 with `{token, accessKeyId, accessKeySecret}`,
/// the secret shown this once. A token has one key at most: a new one replaces the old, which stops
/// working at once. The key acts as its token and dies with it (revoked, expired).
#[utoipa::path(post, path = "/api/v1/namespaces/{namespace}/api-tokens/{id}/access-key", tag = "access",
    params(("namespace" = String, Path, description = "The namespace (a DNS label)"), ("id" = String, Path, description = "The token's id")),
    responses((status = 201, body = serde_json::Value, description = "`{token, accessKeyId, accessKeySecret}`"), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn create_access_key(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path((namespace, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let namespace = parse_namespace(&namespace)?;
    state.services.require(&caller, Permission::ManageNamespace, &namespace).await?;
    let (token, secret) = state.services.create_access_key(&caller, &namespace, &id).await?;
    let body = json!({"token": token, "accessKeyId": token.access_key_id, "accessKeySecret": secret.expose()});
    Ok(represent(&headers, StatusCode::CREATED, &body))
}

/// The namespace's audit log, newest first (owners); one page at a time (`limit`, `continue`).
#[utoipa::path(get, path = "/api/v1/namespaces/{namespace}/audit-log", tag = "access",
    params(("namespace" = String, Path, description = "The namespace (a DNS label)"), PageQuery),
    responses((status = 200, body = ResourceList<AuditEntry>), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn audit_log(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(namespace): Path<String>,
    Query(page): Query<PageQuery>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let namespace = parse_namespace(&namespace)?;
    state.services.require(&caller, Permission::ManageNamespace, &namespace).await?;
    let entries = state.services.audit(Some(&namespace), &page.request()?).await?;
    Ok(represent(&headers, StatusCode::OK, &list_of("AuditLog", entries)))
}
