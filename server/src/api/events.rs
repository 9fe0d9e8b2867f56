//! `/api/v1/namespaces/{ns}/events`: the deployments' event logs, read-only (the lifecycle engine
//! appends to them).

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::Extension;
use domain::{Event, EventLevel, ResourceList};
use serde::Deserialize;
use services::{parse_namespace, Caller, Permission, ServiceError};

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
    level: Option<String>,
    #[serde(flatten)]
    page: PageQuery,
}

/// Lists a namespace's events, newest first, narrowed to a deployment, a job and a level
/// (`INFO`, `WARNING`, `ERROR`, decided by the event's name) if given; one page at a time
/// (`limit`, `continue`).
#[utoipa::path(get, path = "/api/v1/namespaces/{namespace}/events", tag = "events",
    params(("namespace" = String, Path, description = "The namespace (a DNS label)"),
           ("deploymentId" = Option<String>, Query, description = "Only this deployment's events (a UUID)"),
           ("jobId" = Option<String>, Query, description = "Only this job's events (a UUID)"),
           ("level" = Option<EventLevel>, Query, description = "Ours: only events of this level (INFO, WARNING or ERROR)"), PageQuery),
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
    let level =
        match query.level.as_deref() {
            None => None,
            Some(raw) => Some(EventLevel::parse(raw).ok_or_else(|| {
                ServiceError::BadRequest(format!("level {raw:?}: expected one of INFO, WARNING, ERROR"))
            })?),
        };
    let page = query.page.request()?;
    let (deployment_id, job_id) = (deployment_id.as_deref(), job_id.as_deref());
    let events = state.services.events(&namespace, deployment_id, job_id, level, &page).await?;
    Ok(represent(&headers, StatusCode::OK, &list_of("EventList", events)))
}
