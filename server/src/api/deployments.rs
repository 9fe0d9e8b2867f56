//! `/api/v1/namespaces/{ns}/deployments`: list, create, get, merge-patch, delete.

use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::Extension;
use domain::{
    AcceptedStart, CompatibilityReport, Deployment, DeploymentQuery, DeploymentSort, LabelSelector, ResourceList,
    StartOptions,
};
use serde::Deserialize;
use services::ServiceError;
use services::{parse_namespace, Caller, Permission};

use super::error::ErrorBody;
use super::representation::{read_body, represent, yaml_file};
use super::{list_of, parse_uuid, ApiError, PageQuery};
use crate::AppState;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListQuery {
    label_selector: Option<String>,
    name: Option<String>,
    sort: Option<String>,
    #[serde(flatten)]
    page: PageQuery,
}

impl ListQuery {
    /// The deployments asked for; a bad selector, search or order is 400 naming the parameter.
    fn query(&self) -> Result<DeploymentQuery, ServiceError> {
        Ok(DeploymentQuery {
            labels: LabelSelector::parse(self.label_selector.as_deref().unwrap_or_default())
                .map_err(ServiceError::BadRequest)?,
            name_contains: DeploymentQuery::name_search(self.name.as_deref()).map_err(ServiceError::BadRequest)?,
            sort: DeploymentSort::parse(self.sort.as_deref().unwrap_or_default()).map_err(ServiceError::BadRequest)?,
            ..DeploymentQuery::default()
        })
    }
}

/// Lists a namespace's deployments, by name unless `sort` says otherwise; those matching
/// `labelSelector` and `name` if given; one page at a time (`limit`, `continue`; a token belongs to
/// the filters and order it was given with).
#[utoipa::path(get, path = "/api/v1/namespaces/{namespace}/deployments", tag = "deployments",
    params(("namespace" = String, Path, description = "The namespace (a DNS label)"),
           ("labelSelector" = Option<String>, Query, description = "Equality-based: `k=v`, `k!=v`, `k`, `!k`, comma-separated (all must hold)"),
           ("name" = Option<String>, Query, description = "Only deployments whose name contains this text (case-insensitive)"),
           ("sort" = Option<String>, Query, description = "`name` (the default), `state`, `created` or `modified`; a leading `-` sorts descending (`-modified`: most recently changed first). Ties are broken by name."),
           PageQuery),
    responses((status = 200, body = ResourceList<Deployment>), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(namespace): Path<String>,
    Query(query): Query<ListQuery>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let namespace = parse_namespace(&namespace)?;
    state.services.require(&caller, Permission::ViewDeployments, &namespace).await?;
    let deployments = state.services.deployments(&namespace, &query.query()?, &query.page.request()?).await?;
    Ok(represent(&headers, StatusCode::OK, &list_of("DeploymentList", deployments)))
}

/// Creates a deployment from a Deployment document (JSON or YAML), defaults expanded: 201.
#[utoipa::path(post, path = "/api/v1/namespaces/{namespace}/deployments", tag = "deployments",
    params(("namespace" = String, Path, description = "The namespace (a DNS label)")), request_body(content = Deployment, content_type = "application/json", description = "A Deployment, as JSON or YAML (`Content-Type: application/yaml`)"),
    responses((status = 201, body = Deployment), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody),
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
    let deployment = state.services.create_deployment(&caller, &namespace, &document).await?;
    Ok(represent(&headers, StatusCode::CREATED, &deployment))
}

#[derive(Deserialize)]
pub struct GetQuery {
    download: Option<String>,
}

/// One deployment by its id; with `download=yaml`, as a YAML file to save (`<name>.yaml`) that
/// `POST …/deployments` (or the console's YAML import) takes back.
#[utoipa::path(get, path = "/api/v1/namespaces/{namespace}/deployments/{deploymentId}", tag = "deployments",
    params(("namespace" = String, Path, description = "The namespace (a DNS label)"), ("deploymentId" = String, Path, description = "The deployment's id (a UUID)"),
           ("download" = Option<String>, Query, description = "`yaml`: answer `application/yaml` as an attachment named after the deployment")),
    responses((status = 200, body = Deployment), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path((namespace, id)): Path<(String, String)>,
    Query(query): Query<GetQuery>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let namespace = parse_namespace(&namespace)?;
    state.services.require(&caller, Permission::ViewDeployments, &namespace).await?;
    let deployment = state.services.deployment(&namespace, &parse_uuid("deploymentId", &id)?).await?;
    match query.download.as_deref() {
        None => Ok(represent(&headers, StatusCode::OK, &deployment)),
        Some("yaml") => Ok(yaml_file(&format!("{}.yaml", deployment.metadata.name), &deployment)),
        Some(other) => {
            Err(ServiceError::BadRequest(format!("download {other:?}: the only download is \"yaml\"")).into())
        }
    }
}

/// Changes a deployment with a JSON merge patch; a stale `metadata.resourceVersion` is 409.
#[utoipa::path(patch, path = "/api/v1/namespaces/{namespace}/deployments/{deploymentId}", tag = "deployments",
    params(("namespace" = String, Path, description = "The namespace (a DNS label)"), ("deploymentId" = String, Path, description = "The deployment's id (a UUID)")),
    request_body(content = Object, description = "A JSON merge patch (RFC 7386) of `metadata` and `spec`",
                 content_type = "application/merge-patch+json"),
    responses((status = 200, body = Deployment), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody)))]
pub async fn patch(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path((namespace, id)): Path<(String, String)>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let namespace = parse_namespace(&namespace)?;
    state.services.require(&caller, Permission::EditDeployments, &namespace).await?;
    let id = parse_uuid("deploymentId", &id)?;
    let patch = read_body(&headers, body).await?;
    let deployment = state.services.patch_deployment(&caller, &namespace, &id, &patch).await?;
    Ok(represent(&headers, StatusCode::OK, &deployment))
}

/// Deletes a deployment that is not running; answers with what was deleted.
#[utoipa::path(delete, path = "/api/v1/namespaces/{namespace}/deployments/{deploymentId}", tag = "deployments",
    params(("namespace" = String, Path, description = "The namespace (a DNS label)"), ("deploymentId" = String, Path, description = "The deployment's id (a UUID)")),
    responses((status = 200, body = Deployment), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn delete(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path((namespace, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let namespace = parse_namespace(&namespace)?;
    state.services.require(&caller, Permission::EditDeployments, &namespace).await?;
    let deployment = state.services.delete_deployment(&caller, &namespace, &parse_uuid("deploymentId", &id)?).await?;
    Ok(represent(&headers, StatusCode::OK, &deployment))
}

/// `POST …/deployments/{deploymentId}:start` and `…:check-compatibility`: the custom methods on a
/// deployment (Google's API style, as Alibaba's `jobs:start`). Anything else is 404.
pub async fn action(
    state: State<AppState>,
    caller: Extension<Caller>,
    Path((namespace, id_and_action)): Path<(String, String)>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    match id_and_action.rsplit_once(':') {
        Some((id, "start")) => start(state, caller, Path((namespace, id.to_owned())), headers, body).await,
        Some((id, "check-compatibility")) => {
            check_compatibility(state, caller, Path((namespace, id.to_owned())), headers, body).await
        }
        _ => Err(ServiceError::NotFound(format!("the operation POST {id_and_action:?}")).into()),
    }
}

/// Starts a deployment with the Start dialog's choice: initial mode (no state, an optional source
/// start time) or resume mode (the latest state or a chosen savepoint, of this deployment or another
/// of the namespace). A resume runs the state compatibility check first; INCOMPATIBLE is refused
/// (409) unless `confirmIncompatible` is true. Answers the accepted choice; the engine carries it out.
#[utoipa::path(post, path = "/api/v1/namespaces/{namespace}/deployments/{deploymentId}:start", tag = "deployments",
    params(("namespace" = String, Path, description = "The namespace (a DNS label)"), ("deploymentId" = String, Path, description = "The deployment's id (a UUID)")),
    request_body(content = StartOptions, content_type = "application/json"),
    responses((status = 200, body = AcceptedStart), (status = 400, body = ErrorBody, description = "A field of the request is wrong; the message names it"),
              (status = 404, body = ErrorBody), (status = 409, body = ErrorBody, description = "Already asked to run, or the check answered INCOMPATIBLE without `confirmIncompatible`")))]
pub async fn start(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path((namespace, id)): Path<(String, String)>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let namespace = parse_namespace(&namespace)?;
    state.services.require(&caller, Permission::EditDeployments, &namespace).await?;
    let id = parse_uuid("deploymentId", &id)?;
    let options = StartOptions::parse(&read_body(&headers, body).await?).map_err(ServiceError::from)?;
    let accepted = state.services.start_deployment(&caller, &namespace, &id, &options).await?;
    Ok(represent(&headers, StatusCode::OK, &accepted))
}

/// The state compatibility check for a resume, without starting: does the deployment's current
/// spec restore the chosen state? FULLY_COMPATIBLE, PARTIALLY_COMPATIBLE, INCOMPATIBLE or UNKNOWN,
/// with the reasons and the suggested actions. The body is the same as for `:start` (mode RESUME).
#[utoipa::path(post, path = "/api/v1/namespaces/{namespace}/deployments/{deploymentId}:check-compatibility", tag = "deployments",
    params(("namespace" = String, Path, description = "The namespace (a DNS label)"), ("deploymentId" = String, Path, description = "The deployment's id (a UUID)")),
    request_body(content = StartOptions, content_type = "application/json"),
    responses((status = 200, body = CompatibilityReport), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn check_compatibility(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path((namespace, id)): Path<(String, String)>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let namespace = parse_namespace(&namespace)?;
    // Building the job's graph runs its main(): only those who may start it may ask.
    state.services.require(&caller, Permission::EditDeployments, &namespace).await?;
    let id = parse_uuid("deploymentId", &id)?;
    let options = StartOptions::parse(&read_body(&headers, body).await?).map_err(ServiceError::from)?;
    let report = state.services.check_compatibility(&namespace, &id, &options).await?;
    Ok(represent(&headers, StatusCode::OK, &report))
}
