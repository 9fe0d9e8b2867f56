//! `/api/v1/namespaces/{ns}/savepoints`: list, get, and create — registering an existing savepoint
//! location, or asking for a new savepoint of a running deployment.

use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::Extension;
use domain::{ResourceList, Savepoint};
use serde::Deserialize;
use services::{parse_namespace, Caller, Permission};

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
