//! `/api/v1/namespaces` and `/api/v1/namespaces/{namespace}` (ours; VVP serves namespaces from a
//! separate API): the namespaces a caller may open.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::Extension;
use domain::{ListPage, Namespace, ResourceList};
use services::{parse_namespace, Caller, Permission, Scope};

use super::error::ErrorBody;
use super::representation::represent;
use super::{list_of, ApiError, PageQuery};
use crate::AppState;

/// The namespaces the caller may open, by name; one page at a time (`limit`, `continue`). The
/// namespaces the caller may not open are left out of a page, so it may hold fewer than `limit`.
#[utoipa::path(get, path = "/api/v1/namespaces", tag = "namespaces", params(PageQuery),
    responses((status = 200, body = ResourceList<Namespace>), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Query(page): Query<PageQuery>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    state.services.require(&caller, Permission::ViewSystem, Scope::Console).await?;
    let page = state.services.namespaces(&page.request()?).await?;
    let mut visible = Vec::new();
    for namespace in page.items {
        let Ok(name) = parse_namespace(&namespace.metadata.name) else { continue };
        if state.services.require(&caller, Permission::ViewDeployments, &name).await.is_ok() {
            visible.push(namespace);
        }
    }
    let page = ListPage { items: visible, continue_token: page.continue_token };
    Ok(represent(&headers, StatusCode::OK, &list_of("NamespaceList", page)))
}

/// One namespace.
#[utoipa::path(get, path = "/api/v1/namespaces/{namespace}", tag = "namespaces",
    params(("namespace" = String, Path, description = "The namespace (a DNS label)")),
    responses((status = 200, body = Namespace), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(namespace): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let name = parse_namespace(&namespace)?;
    state.services.require(&caller, Permission::ViewDeployments, &name).await?;
    let found = state.services.namespace(&name).await?;
    Ok(represent(&headers, StatusCode::OK, &found))
}
