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

/// Ververica Platform's namespaces API (`/namespaces/v1/namespaces`), as its clients read it
/// (jupyter-vvp opens a session there): `{"namespaces": [{"name": "namespaces/<ns>", …}]}` and
/// `{"namespace": {…}}`. Google-style paging: `pageSize` and `pageToken` in, `nextPageToken` out.
pub mod vvp {
    use axum::extract::{Path, Query, State};
    use axum::http::{HeaderMap, StatusCode};
    use axum::response::Response;
    use axum::Extension;
    use domain::{Namespace, NamespaceName, PageRequest};
    use serde::{Deserialize, Serialize};
    use services::{parse_namespace, Caller, Permission, Scope, Services};

    use super::super::error::ErrorBody;
    use super::super::representation::represent;
    use super::super::ApiError;
    use crate::AppState;

    /// A namespace in VVP's namespaces API.
    #[derive(Debug, Serialize, utoipa::ToSchema)]
    #[serde(rename_all = "camelCase")]
    pub struct VvpNamespace {
        /// `namespaces/<name>`.
        name: String,
        /// When it was created (RFC 3339).
        create_time: String,
        /// Always `LIFECYCLE_PHASE_ACTIVE`: a namespace being deleted is gone at once here.
        lifecycle_phase: &'static str,
        /// Who holds which role (`owner`, `editor`, `viewer`; members `user:<name>`); given to the
        /// namespace's owners only, as its members list is.
        #[serde(skip_serializing_if = "Option::is_none")]
        role_bindings: Option<Vec<RoleBinding>>,
    }

    /// The members that hold one role.
    #[derive(Debug, Serialize, utoipa::ToSchema)]
    pub struct RoleBinding {
        /// `owner`, `editor` or `viewer`.
        role: String,
        /// `user:<name>` for each.
        members: Vec<String>,
    }

    /// `GET /namespaces/v1/namespaces`.
    #[derive(Debug, Serialize, utoipa::ToSchema)]
    #[serde(rename_all = "camelCase")]
    pub struct VvpNamespaceList {
        /// The caller's namespaces, by name.
        namespaces: Vec<VvpNamespace>,
        /// Where the next page starts, while more follow.
        #[serde(skip_serializing_if = "Option::is_none")]
        next_page_token: Option<String>,
    }

    /// `GET /namespaces/v1/namespaces/{ns}`.
    #[derive(Debug, Serialize, utoipa::ToSchema)]
    pub struct VvpNamespaceAnswer {
        /// The namespace.
        namespace: VvpNamespace,
    }

    /// Google-style paging of VVP's newer APIs.
    #[derive(Deserialize, utoipa::IntoParams)]
    #[serde(rename_all = "camelCase")]
    #[into_params(parameter_in = Query)]
    pub struct VvpPageQuery {
        /// At most this many namespaces (1 to 1000; the default 1000).
        #[param(value_type = Option<u32>, minimum = 1, maximum = 1000)]
        page_size: Option<String>,
        /// The `nextPageToken` of the page before.
        page_token: Option<String>,
    }

    /// The namespaces the caller may open, by name.
    #[utoipa::path(get, path = "/namespaces/v1/namespaces", tag = "vvp-namespaces", params(VvpPageQuery),
        responses((status = 200, body = VvpNamespaceList), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
    pub async fn list(
        State(state): State<AppState>,
        Extension(caller): Extension<Caller>,
        Query(page): Query<VvpPageQuery>,
        headers: HeaderMap,
    ) -> Result<Response, ApiError> {
        state.services.require(&caller, Permission::ViewSystem, Scope::Console).await?;
        let request = Services::page_request(page.page_size.as_deref(), page.page_token.as_deref())?;
        let page = state.services.namespaces(&request).await?;
        let mut namespaces = Vec::new();
        for namespace in page.items {
            let Ok(name) = parse_namespace(&namespace.metadata.name) else { continue };
            if state.services.require(&caller, Permission::ViewDeployments, &name).await.is_ok() {
                namespaces.push(vvp_namespace(&state, &caller, &name, namespace).await?);
            }
        }
        let list = VvpNamespaceList { namespaces, next_page_token: page.continue_token };
        Ok(represent(&headers, StatusCode::OK, &list))
    }

    /// One namespace the caller may open; another is 404, as if it did not exist.
    #[utoipa::path(get, path = "/namespaces/v1/namespaces/{namespace}", tag = "vvp-namespaces",
        params(("namespace" = String, Path, description = "The namespace (a DNS label)")),
        responses((status = 200, body = VvpNamespaceAnswer), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
    pub async fn get(
        State(state): State<AppState>,
        Extension(caller): Extension<Caller>,
        Path(namespace): Path<String>,
        headers: HeaderMap,
    ) -> Result<Response, ApiError> {
        let name = parse_namespace(&namespace)?;
        state.services.require(&caller, Permission::ViewDeployments, &name).await?;
        let found = state.services.namespace(&name).await?;
        let answer = VvpNamespaceAnswer { namespace: vvp_namespace(&state, &caller, &name, found).await? };
        Ok(represent(&headers, StatusCode::OK, &answer))
    }

    async fn vvp_namespace(
        state: &AppState,
        caller: &Caller,
        name: &NamespaceName,
        namespace: Namespace,
    ) -> Result<VvpNamespace, ApiError> {
        let role_bindings = if state.services.require(caller, Permission::ManageNamespace, name).await.is_ok() {
            let members = state.services.members(name, &PageRequest::first(1000)).await?;
            let mut bindings: Vec<RoleBinding> = Vec::new();
            for member in members.items {
                let role = member.role.as_str().to_ascii_lowercase();
                let user = format!("user:{}", member.user);
                match bindings.iter_mut().find(|binding| binding.role == role) {
                    Some(binding) => binding.members.push(user),
                    None => bindings.push(RoleBinding { role, members: vec![user] }),
                }
            }
            Some(bindings)
        } else {
            None
        };
        Ok(VvpNamespace {
            name: format!("namespaces/{}", namespace.metadata.name),
            create_time: namespace.metadata.created_at,
            lifecycle_phase: "LIFECYCLE_PHASE_ACTIVE",
            role_bindings,
        })
    }
}
