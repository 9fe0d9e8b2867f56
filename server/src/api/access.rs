//! Our additions to the API for access control: users and namespaces (admins), members and API
//! tokens (a namespace's owners), and the audit log. Same error shape and authorisation as the rest.

use app::error::AppError;
use app::ssr::{parse_namespace, Caller, Permission};
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::Extension;
use domain::{NamespaceName, ResourceList, Role};
use serde_json::{json, Value};

use super::representation::{read_body, represent};
use super::ApiError;
use crate::AppState;

fn text<'a>(body: &'a Value, field: &str) -> Result<&'a str, AppError> {
    body.get(field).and_then(Value::as_str).ok_or_else(|| AppError::BadRequest(format!("{field}: is required (text)")))
}

fn role(body: &Value) -> Result<Role, AppError> {
    let raw = text(body, "role")?;
    Role::parse(raw).ok_or_else(|| {
        AppError::BadRequest(format!("role: unknown value {raw:?}; expected one of VIEWER, EDITOR, OWNER"))
    })
}

/// `GET /api/v1/users` (admins).
pub async fn list_users(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    state.services.require_system(&caller, Permission::ManageSystem).await?;
    let users = state.services.store.list_users().await?;
    Ok(represent(&headers, StatusCode::OK, &ResourceList::new("UserList", users)))
}

/// `POST /api/v1/users` with `{name, password, admin?}` (admins).
pub async fn create_user(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    state.services.require_system(&caller, Permission::ManageSystem).await?;
    let body = read_body(&headers, body).await?;
    let admin = body.get("admin").and_then(Value::as_bool).unwrap_or(false);
    let user = state.services.create_user(&caller, text(&body, "name")?, text(&body, "password")?, admin).await?;
    Ok(represent(&headers, StatusCode::CREATED, &user))
}

/// `DELETE /api/v1/users/{name}` (admins).
pub async fn delete_user(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(name): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    state.services.require_system(&caller, Permission::ManageSystem).await?;
    let user = state.services.delete_user(&caller, &name).await?;
    Ok(represent(&headers, StatusCode::OK, &user))
}

/// `POST /api/v1/namespaces` with `{metadata: {name}}` (admins).
pub async fn create_namespace(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    state.services.require_system(&caller, Permission::ManageSystem).await?;
    let body = read_body(&headers, body).await?;
    let raw = body
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .ok_or_else(|| AppError::BadRequest("metadata.name: is required".into()))?;
    let namespace = NamespaceName::parse(raw).map_err(|err| AppError::BadRequest(format!("metadata.name: {err}")))?;
    state.services.create_namespace(&caller, &namespace).await?;
    Ok(represent(
        &headers,
        StatusCode::CREATED,
        &json!({"kind": "Namespace", "metadata": {"name": namespace.as_str()}}),
    ))
}

/// `GET /api/v1/namespaces/{ns}/members` (owners).
pub async fn list_members(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(namespace): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let namespace = parse_namespace(&namespace)?;
    state.services.require(&caller, Permission::ManageNamespace, &namespace).await?;
    let members = state.services.store.members(&namespace).await?;
    let items: Vec<Value> = members.into_iter().map(|(user, role)| json!({"user": user.name, "role": role})).collect();
    Ok(represent(&headers, StatusCode::OK, &ResourceList::new("MemberList", items)))
}

/// `PUT /api/v1/namespaces/{ns}/members/{user}` with `{role}` (owners).
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

/// `DELETE /api/v1/namespaces/{ns}/members/{user}` (owners).
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

/// `GET /api/v1/namespaces/{ns}/api-tokens` (owners): the tokens, never their secrets.
pub async fn list_tokens(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(namespace): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let namespace = parse_namespace(&namespace)?;
    state.services.require(&caller, Permission::ManageNamespace, &namespace).await?;
    let tokens = state.services.store.list_api_tokens(&namespace).await?;
    Ok(represent(&headers, StatusCode::OK, &ResourceList::new("ApiTokenList", tokens)))
}

/// `POST /api/v1/namespaces/{ns}/api-tokens` with `{name, role}` (owners): 201 with the token and
/// its `secret`, shown this once.
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
    let (token, secret) =
        state.services.create_api_token(&caller, &namespace, text(&body, "name")?, role(&body)?).await?;
    Ok(represent(&headers, StatusCode::CREATED, &json!({"token": token, "secret": secret.expose()})))
}

/// `DELETE /api/v1/namespaces/{ns}/api-tokens/{id}` (owners): revokes it.
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

/// `GET /api/v1/namespaces/{ns}/audit-log` (owners), newest first.
pub async fn audit_log(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(namespace): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let namespace = parse_namespace(&namespace)?;
    state.services.require(&caller, Permission::ManageNamespace, &namespace).await?;
    let entries = state.services.store.list_audit(Some(&namespace), 200).await?;
    Ok(represent(&headers, StatusCode::OK, &ResourceList::new("AuditLog", entries)))
}
