//! `/api/v1/namespaces/{ns}/savepoints`: list, get, and create — registering an existing savepoint
//! location, or asking for a new savepoint of a running deployment.

use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::Extension;
use domain::{ResourceList, Savepoint};
use serde::Deserialize;
use services::{parse_namespace, Caller, Permission, ServiceError};

use super::error::ErrorBody;
use super::representation::{read_body, represent};
use super::ApiError;
use super::{list_of, parse_optional_uuid, parse_uuid, PageQuery};
use crate::AppState;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListQuery {
    deployment_id: Option<String>,
    job_id: Option<String>,
    #[serde(flatten)]
    page: PageQuery,
}

/// Lists a namespace's savepoints, newest first, narrowed to a deployment and a job if given; one
/// page at a time (`limit`, `continue`).
#[utoipa::path(get, path = "/api/v1/namespaces/{namespace}/savepoints", tag = "savepoints",
    params(("namespace" = String, Path, description = "The namespace (a DNS label)"),
           ("deploymentId" = Option<String>, Query, description = "Only this deployment's savepoints (a UUID)"),
           ("jobId" = Option<String>, Query, description = "Only the savepoints this job wrote (a UUID)"), PageQuery),
    responses((status = 200, body = ResourceList<Savepoint>), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(namespace): Path<String>,
    Query(query): Query<ListQuery>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let namespace = parse_namespace(&namespace)?;
    state.services.require(&caller, Permission::ViewDeployments, &namespace).await?;
    let deployment_id = parse_optional_uuid("deploymentId", query.deployment_id.as_deref())?;
    let job_id = parse_optional_uuid("jobId", query.job_id.as_deref())?;
    let page = query.page.request()?;
    let savepoints = state.services.savepoints(&namespace, deployment_id.as_deref(), job_id.as_deref(), &page).await?;
    Ok(represent(&headers, StatusCode::OK, &list_of("SavepointList", savepoints)))
}

/// One savepoint by its id.
#[utoipa::path(get, path = "/api/v1/namespaces/{namespace}/savepoints/{savepointId}", tag = "savepoints",
    params(("namespace" = String, Path, description = "The namespace (a DNS label)"),
           ("savepointId" = String, Path, description = "The savepoint's id (a UUID)")),
    responses((status = 200, body = Savepoint), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path((namespace, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let namespace = parse_namespace(&namespace)?;
    state.services.require(&caller, Permission::ViewDeployments, &namespace).await?;
    let id = parse_uuid("savepointId", &id)?;
    let savepoint = state.services.savepoint(&namespace, &id).await?;
    Ok(represent(&headers, StatusCode::OK, &savepoint))
}

/// The body of `POST …/savepoints/{savepointId}:copy`.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CopyRequest {
    /// The deployment to copy the savepoint to (a UUID).
    deployment_id: String,
    /// Its namespace; the savepoint's own if absent.
    namespace: Option<String>,
}

/// `POST …/savepoints/{savepointId}:copy`: the custom method on a savepoint; anything else is 404.
pub async fn action(
    state: State<AppState>,
    caller: Extension<Caller>,
    Path((namespace, id_and_action)): Path<(String, String)>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    match id_and_action.rsplit_once(':') {
        Some((id, "copy")) => copy(state, caller, Path((namespace, id.to_owned())), headers, body).await,
        _ => Err(ServiceError::NotFound(format!("the operation POST {id_and_action:?}")).into()),
    }
}

/// Ours (VVP's "copy savepoint"): copies a completed savepoint to another deployment, of this
/// namespace or another: a new savepoint there, origin COPIED, at the same location. The caller
/// must be able to read this namespace and change the target's deployments. 201 with the copy.
#[utoipa::path(post, path = "/api/v1/namespaces/{namespace}/savepoints/{savepointId}:copy", tag = "savepoints",
    params(("namespace" = String, Path, description = "The namespace (a DNS label)"),
           ("savepointId" = String, Path, description = "The savepoint to copy (a UUID)")),
    request_body(content = CopyRequest, content_type = "application/json"),
    responses((status = 201, body = Savepoint), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 409, body = ErrorBody, description = "The savepoint is not completed")))]
pub async fn copy(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path((namespace, id)): Path<(String, String)>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let namespace = parse_namespace(&namespace)?;
    state.services.require(&caller, Permission::ViewDeployments, &namespace).await?;
    let id = parse_uuid("savepointId", &id)?;
    let request: CopyRequest = serde_json::from_value(read_body(&headers, body).await?)
        .map_err(|err| ServiceError::BadRequest(format!("the copy request: {err}")))?;
    let target_namespace = match request.namespace.as_deref() {
        None => namespace.clone(),
        Some(raw) => parse_namespace(raw)?,
    };
    let target = parse_uuid("deploymentId", &request.deployment_id)?;
    let copy = state.services.copy_savepoint(&caller, &namespace, &id, &target_namespace, &target).await?;
    Ok(represent(&headers, StatusCode::CREATED, &copy))
}

/// Creates a savepoint of a deployment of the namespace from a Savepoint body (JSON or YAML): with
/// `spec.savepointLocation` it records that existing savepoint (origin COPIED, state COMPLETED);
/// without one it asks for a new savepoint of the deployment's running job. 201 with the savepoint.
#[utoipa::path(post, path = "/api/v1/namespaces/{namespace}/savepoints", tag = "savepoints",
    params(("namespace" = String, Path, description = "The namespace (a DNS label)")),
    request_body(content = Savepoint, content_type = "application/json",
                 description = "`metadata.deploymentId`, and `spec.savepointLocation` to register an existing savepoint; as JSON or YAML (`Content-Type: application/yaml`)"),
    responses((status = 201, body = Savepoint), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = 413, body = ErrorBody), (status = 415, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(namespace): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let namespace = parse_namespace(&namespace)?;
    state.services.require(&caller, Permission::EditDeployments, &namespace).await?;
    let document = read_body(&headers, body).await?;
    let savepoint = state.services.create_savepoint(&caller, &namespace, &document).await?;
    Ok(represent(&headers, StatusCode::CREATED, &savepoint))
}
