//! `/api/v1/namespaces/{ns}/jobs`: a namespace's jobs, read-only (the lifecycle engine creates them).

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::Extension;
use domain::{Job, ResourceList};
use serde::Deserialize;
use services::{parse_namespace, Caller, Permission};

use super::error::ErrorBody;
use super::representation::represent;
use super::{list_of, parse_optional_uuid, parse_uuid, ApiError, PageQuery};
use crate::AppState;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListQuery {
    deployment_id: Option<String>,
    #[serde(flatten)]
    page: PageQuery,
}

/// Lists a namespace's jobs, newest first, those of one deployment if `deploymentId` is given; one
/// page at a time (`limit`, `continue`).
#[utoipa::path(get, path = "/api/v1/namespaces/{namespace}/jobs", tag = "jobs",
    params(("namespace" = String, Path, description = "The namespace (a DNS label)"),
           ("deploymentId" = Option<String>, Query, description = "Only this deployment's jobs (a UUID)"), PageQuery),
    responses((status = 200, body = ResourceList<Job>), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
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
    let jobs = state.services.jobs(&namespace, deployment_id.as_deref(), &query.page.request()?).await?;
    Ok(represent(&headers, StatusCode::OK, &list_of("JobList", jobs)))
}

/// One job by its id.
#[utoipa::path(get, path = "/api/v1/namespaces/{namespace}/jobs/{jobId}", tag = "jobs",
    params(("namespace" = String, Path, description = "The namespace (a DNS label)"),
           ("jobId" = String, Path, description = "The job's id (a UUID)")),
    responses((status = 200, body = Job), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path((namespace, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let namespace = parse_namespace(&namespace)?;
    state.services.require(&caller, Permission::ViewDeployments, &namespace).await?;
    let id = parse_uuid("jobId", &id)?;
    let job = state.services.job(&namespace, &id).await?;
    Ok(represent(&headers, StatusCode::OK, &job))
}
