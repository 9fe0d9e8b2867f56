//! `/api/v1/namespaces/{ns}/events`: the deployments' event logs, read-only (the lifecycle engine
//! appends to them).

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::Extension;
use domain::{Event, ResourceList};
use serde::Deserialize;
use services::{parse_namespace, Caller, Permission};

use super::error::ErrorBody;
use super::parse_optional_uuid;
use super::representation::represent;
use super::{list_of, ApiError, PageQuery};
use crate::AppState;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListQuery {
    deployment_id: Option<String>,
    job_id: Option<String>,
    #[serde(flatten)]
    page: PageQuery,
}

/// Lists a namespace's events, newest first, narrowed to a deployment and a job if given; one page
/// at a time (`limit`, `continue`).
#[utoipa::path(get, path = "/api/v1/namespaces/{namespace}/events", tag = "events",
    params(("namespace" = String, Path, description = "The namespace (a DNS label)"),
           ("deploymentId" = Option<String>, Query, description = "Only this deployment's events (a UUID)"),
           ("jobId" = Option<String>, Query, description = "Only this job's events (a UUID)"), PageQuery),
    responses((status = 200, body = ResourceList<Event>), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
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
    let events = state.services.events(&namespace, deployment_id.as_deref(), job_id.as_deref(), &page).await?;
    Ok(represent(&headers, StatusCode::OK, &list_of("EventList", events)))
}
