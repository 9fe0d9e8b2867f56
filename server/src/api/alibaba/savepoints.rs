//! `/api/v2/namespaces/{ns}/savepoints`: Alibaba's savepoint operations over the console's
//! savepoints (a new one is the engine's USER_REQUEST savepoint of the running job, as
//! `POST /api/v1/…/savepoints` without a location).

use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::Extension;
use serde::Deserialize;
use services::{parse_namespace, Caller, Permission};

use super::envelope::{self, Empty, Envelope, PageQuery};
use super::{bad, read, uuid_of, AliError, AliSavepoint};
use crate::AppState;

#[derive(Deserialize, Default, utoipa::IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Only this deployment's savepoints (a UUID).
    deployment_id: Option<String>,
    /// Only those this job wrote (a UUID).
    job_id: Option<String>,
    #[serde(flatten)]
    #[param(ignore)]
    page: PageQuery,
}

/// ListSavepoints: a page of the namespace's savepoints (of a deployment, of a job), newest first.
#[utoipa::path(get, path = "/api/v2/namespaces/{namespace}/savepoints", tag = super::TAG,
    params(("namespace" = String, Path, description = "The namespace"), ListQuery, PageQuery),
    responses((status = 200, body = Envelope<Vec<AliSavepoint>>), (status = 400, body = Envelope<Empty>), (status = 404, body = Envelope<Empty>)))]
pub async fn list(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(namespace): Path<String>,
    Query(query): Query<ListQuery>,
) -> Result<Response, AliError> {
    let namespace = parse_namespace(&namespace)?;
    state.services.require(&caller, Permission::ViewDeployments, &namespace).await?;
    let optional = |name: &str, raw: Option<&str>| match raw.filter(|id| !id.is_empty()) {
        Some(raw) => uuid_of(name, raw).map(Some),
        None => Ok(None),
    };
    let deployment = optional("deploymentId", query.deployment_id.as_deref())?;
    let job = optional("jobId", query.job_id.as_deref())?;
    let page = query.page.params()?;
    let mut pager = envelope::Pager::new(page);
    while let Some(request) = pager.next_request() {
        pager.take(state.services.savepoints(&namespace, deployment.as_deref(), job.as_deref(), &request).await?);
    }
    let paged = pager.finish().map(|s| AliSavepoint::of(&s));
    Ok(envelope::page(paged))
}

/// The body of CreateSavepoint.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreateParameters {
    /// The deployment whose running job takes the savepoint (a UUID).
    deployment_id: Option<String>,
    /// Accepted and not kept: the console's savepoints have no description.
    description: Option<String>,
    /// True: the state backend's native format (faster, restorable only with the same backend).
    native_format: Option<bool>,
}

/// CreateSavepoint: asks the engine for a savepoint of the deployment's running job (409 if none
/// runs). Answers the savepoint as STARTED; the engine completes or fails it.
#[utoipa::path(post, path = "/api/v2/namespaces/{namespace}/savepoints", tag = super::TAG,
    params(("namespace" = String, Path, description = "The namespace")),
    request_body(content = CreateParameters, content_type = "application/json"),
    responses((status = 200, body = Envelope<AliSavepoint>), (status = 400, body = Envelope<Empty>), (status = 404, body = Envelope<Empty>), (status = 409, body = Envelope<Empty>)))]
pub async fn create(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(namespace): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, AliError> {
    let namespace = parse_namespace(&namespace)?;
    state.services.require(&caller, Permission::EditDeployments, &namespace).await?;
    let parameters: CreateParameters = read(&headers, body).await?;
    let _ = parameters.description;
    let raw = parameters
        .deployment_id
        .as_deref()
        .filter(|id| !id.is_empty())
        .ok_or_else(|| bad("deploymentId", "is required"))?;
    let id = uuid_of("deploymentId", raw)?;
    let format = match parameters.native_format {
        Some(true) => domain::SavepointFormat::Native,
        Some(false) | None => domain::SavepointFormat::Canonical,
    };
    let deployment = state.services.deployment(&namespace, &id).await?;
    let savepoint = state.services.request_savepoint_in(&caller, &deployment, format).await?;
    Ok(envelope::ok(AliSavepoint::of(&savepoint)))
}

/// GetSavepoint.
#[utoipa::path(get, path = "/api/v2/namespaces/{namespace}/savepoints/{savepointId}", tag = super::TAG,
    params(("namespace" = String, Path, description = "The namespace"), ("savepointId" = String, Path, description = "The savepoint's id (a UUID)")),
    responses((status = 200, body = Envelope<AliSavepoint>), (status = 400, body = Envelope<Empty>), (status = 404, body = Envelope<Empty>)))]
pub async fn get(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path((namespace, id)): Path<(String, String)>,
) -> Result<Response, AliError> {
    let namespace = parse_namespace(&namespace)?;
    state.services.require(&caller, Permission::ViewDeployments, &namespace).await?;
    let savepoint = state.services.savepoint(&namespace, &uuid_of("savepointId", &id)?).await?;
    Ok(envelope::ok(AliSavepoint::of(&savepoint)))
}

/// DeleteSavepoint: forgets a savepoint that is not being taken; its files stay where Flink wrote them.
#[utoipa::path(delete, path = "/api/v2/namespaces/{namespace}/savepoints/{savepointId}", tag = super::TAG,
    params(("namespace" = String, Path, description = "The namespace"), ("savepointId" = String, Path, description = "The savepoint's id (a UUID)")),
    responses((status = 200, body = Envelope<Empty>), (status = 400, body = Envelope<Empty>), (status = 404, body = Envelope<Empty>), (status = 409, body = Envelope<Empty>)))]
pub async fn delete(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path((namespace, id)): Path<(String, String)>,
) -> Result<Response, AliError> {
    let namespace = parse_namespace(&namespace)?;
    state.services.require(&caller, Permission::EditDeployments, &namespace).await?;
    state.services.delete_savepoint(&caller, &namespace, &uuid_of("savepointId", &id)?).await?;
    Ok(envelope::done())
}
