//! `/api/v2/namespaces/{ns}/deployments`: Alibaba's deployment operations (list, create, get,
//! update, delete, and the by-name and by-label forms) over the console's deployments, written
//! through `Services::create_deployment` / `patch_deployment` / `delete_deployment` like `/api/v1`.

use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::Extension;
use domain::{
    Deployment, DeploymentQuery, DeploymentSort, DeploymentState, ExecutionMode, LabelSelector, NamespaceName,
    PageRequest,
};
use serde::Deserialize;
use services::{parse_namespace, Caller, Permission, ServiceError};

use super::envelope::{self, Empty, Envelope, PageQuery};
use super::{bad, in_alibaba_terms, read, uuid_of, AliDeployment, AliError, JobSummary};
use crate::AppState;

/// The filters of `GET …/deployments`, as Alibaba's SDK sends them.
#[derive(Deserialize, Default, utoipa::IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Only deployments whose name contains this (case-insensitive).
    name: Option<String>,
    /// Only deployments with this label (and, with `labelValueArray`, one of those values).
    label_key: Option<String>,
    /// Comma-separated values of `labelKey`, any of which matches.
    label_value_array: Option<String>,
    /// STREAMING or BATCH.
    execution_mode: Option<String>,
    /// Only deployments whose jobs are in this state: RUNNING, CANCELLED, FINISHED, FAILED, or
    /// STARTING/CANCELLING (a deployment between states).
    status: Option<String>,
    /// The console's orders: `name` (default), `state`, `created`, `modified`, `-` for descending.
    sort_name: Option<String>,
    /// Refused when given: the console does not filter by who created a deployment.
    creator: Option<String>,
    /// Refused when given: the console does not filter by who changed a deployment.
    modifier: Option<String>,
    #[serde(flatten)]
    #[param(ignore)]
    page: PageQuery,
}

impl ListQuery {
    fn query(&self) -> Result<DeploymentQuery, AliError> {
        if self.creator.is_some() || self.modifier.is_some() {
            let field = if self.creator.is_some() { "creator" } else { "modifier" };
            return Err(bad(field, "this console does not filter deployments by who wrote them"));
        }
        let mode = match self.execution_mode.as_deref().filter(|m| !m.is_empty()) {
            None => None,
            Some(raw) => Some(
                ExecutionMode::parse(raw)
                    .ok_or_else(|| bad("executionMode", &format!("{raw:?} is not STREAMING or BATCH")))?,
            ),
        };
        let state = match self.status.as_deref().map(str::to_ascii_uppercase).as_deref() {
            None | Some("") => None,
            Some("RUNNING") => Some(DeploymentState::Running),
            Some("CANCELLED") => Some(DeploymentState::Cancelled),
            Some("FINISHED") => Some(DeploymentState::Finished),
            Some("FAILED") => Some(DeploymentState::Failed),
            Some("STARTING" | "CANCELLING") => Some(DeploymentState::Transitioning),
            Some(other) => {
                return Err(bad(
                    "status",
                    &format!("{other:?} is not RUNNING, STARTING, CANCELLING, CANCELLED, FINISHED or FAILED"),
                ))
            }
        };
        let labels = match self.label_key.as_deref().filter(|k| !k.is_empty()) {
            None => LabelSelector::default(),
            Some(key) => LabelSelector::parse(key).map_err(|why| bad("labelKey", &why))?,
        };
        Ok(DeploymentQuery {
            mode,
            state,
            name_contains: DeploymentQuery::name_search(self.name.as_deref()).map_err(|why| bad("name", &why))?,
            labels,
            sort: DeploymentSort::parse(self.sort_name.as_deref().unwrap_or_default())
                .map_err(|why| bad("sortName", &why))?,
        })
    }

    /// Whether a deployment has one of the label values asked for (all do if none were).
    fn label_value_matches(&self, deployment: &Deployment) -> bool {
        let (Some(key), Some(values)) = (self.label_key.as_deref(), self.label_value_array.as_deref()) else {
            return true;
        };
        let wanted: Vec<&str> = values.split(',').map(str::trim).filter(|v| !v.is_empty()).collect();
        wanted.is_empty() || deployment.metadata.labels.get(key).is_some_and(|v| wanted.contains(&v.as_str()))
    }
}

/// How many of a deployment's jobs (its newest 1000) are in each of Alibaba's states.
async fn summary(state: &AppState, namespace: &NamespaceName, id: &str) -> Result<JobSummary, AliError> {
    let jobs = state.services.jobs(namespace, Some(id), &PageRequest::first(services::Services::MAX_PAGE_SIZE)).await?;
    Ok(JobSummary::of(&jobs.items))
}

/// ListDeployments: a page of the namespace's deployments (`pageIndex` from 1, `pageSize` ≤ 100).
#[utoipa::path(get, path = "/api/v2/namespaces/{namespace}/deployments", tag = super::TAG,
    params(("namespace" = String, Path, description = "The namespace"), ListQuery, PageQuery),
    responses((status = 200, body = Envelope<Vec<AliDeployment>>), (status = 400, body = Envelope<Empty>), (status = 404, body = Envelope<Empty>)))]
pub async fn list(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(namespace): Path<String>,
    Query(query): Query<ListQuery>,
) -> Result<Response, AliError> {
    let namespace = parse_namespace(&namespace)?;
    state.services.require(&caller, Permission::ViewDeployments, &namespace).await?;
    let search = query.query()?;
    let page = query.page.params()?;
    let mut pager = envelope::Pager::new(page);
    while let Some(request) = pager.next_request() {
        let chunk = state.services.deployments(&namespace, &search, &request).await?;
        pager.take_matching(chunk, |d| query.label_value_matches(d));
    }
    let paged = pager.finish();
    let mut items = Vec::with_capacity(paged.items.len());
    for d in &paged.items {
        items.push(AliDeployment::of(d, Some(summary(&state, &namespace, &d.metadata.id).await?), None));
    }
    let paged = envelope::Paged { items, page: paged.page, total: paged.total };
    Ok(envelope::page(paged))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct ByLabelQuery {
    /// The label's key.
    label_key: Option<String>,
    /// Its value.
    label_value: Option<String>,
    /// Leave `jobSummary` out.
    ignore_job_summary: Option<bool>,
    /// Accepted and ignored.
    ignore_resource_setting: Option<bool>,
}

/// GetDeploymentsByLabel: every deployment (the first 1000 by name) with the label `labelKey=labelValue`.
#[utoipa::path(get, path = "/api/v2/namespaces/{namespace}/deployments/getDeployments/byLabel", tag = super::TAG,
    params(("namespace" = String, Path, description = "The namespace"), ByLabelQuery),
    responses((status = 200, body = Envelope<Vec<AliDeployment>>), (status = 400, body = Envelope<Empty>), (status = 404, body = Envelope<Empty>)))]
pub async fn list_by_label(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(namespace): Path<String>,
    Query(query): Query<ByLabelQuery>,
) -> Result<Response, AliError> {
    let namespace = parse_namespace(&namespace)?;
    state.services.require(&caller, Permission::ViewDeployments, &namespace).await?;
    let _ = query.ignore_resource_setting;
    let key = query.label_key.as_deref().filter(|k| !k.is_empty()).ok_or_else(|| bad("labelKey", "is required"))?;
    let value = query.label_value.as_deref().ok_or_else(|| bad("labelValue", "is required"))?;
    let labels = LabelSelector::parse(&format!("{key}={value}")).map_err(|why| bad("labelKey", &why))?;
    let search = DeploymentQuery { labels, ..DeploymentQuery::default() };
    let request = PageRequest::first(services::Services::MAX_PAGE_SIZE);
    let found = state.services.deployments(&namespace, &search, &request).await?;
    let mut data = Vec::new();
    for d in &found.items {
        let summary = match query.ignore_job_summary {
            Some(true) => None,
            _ => Some(summary(&state, &namespace, &d.metadata.id).await?),
        };
        data.push(AliDeployment::of(d, summary, None));
    }
    Ok(envelope::ok(data))
}

/// CreateDeployment: a new deployment from Alibaba's fields (name, artifact, resources,
/// `flinkConf`, `deploymentTarget`, labels), with the namespace's defaults beneath.
#[utoipa::path(post, path = "/api/v2/namespaces/{namespace}/deployments", tag = super::TAG,
    params(("namespace" = String, Path, description = "The namespace")),
    request_body(content = AliDeployment, content_type = "application/json"),
    responses((status = 200, body = Envelope<AliDeployment>), (status = 400, body = Envelope<Empty>, description = "A field is wrong; the message names it"),
              (status = 404, body = Envelope<Empty>), (status = 409, body = Envelope<Empty>)))]
pub async fn create(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(namespace): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, AliError> {
    let namespace = parse_namespace(&namespace)?;
    state.services.require(&caller, Permission::EditDeployments, &namespace).await?;
    let given: AliDeployment = read(&headers, body).await?;
    if given.name.as_deref().is_none_or(|n| n.trim().is_empty()) {
        return Err(bad("name", "is required"));
    }
    if given.artifact.is_none() {
        return Err(bad("artifact", "is required: a JAR or SQLSCRIPT artifact"));
    }
    let document = given.to_console(None)?;
    let created = state.services.create_deployment(&caller, &namespace, &document).await.map_err(in_alibaba_terms)?;
    Ok(envelope::ok(AliDeployment::of(&created, Some(JobSummary::default()), Some(caller.actor()))))
}

/// The deployment `id`, with its job summary and last modifier.
async fn answer(
    state: &AppState,
    namespace: &NamespaceName,
    deployment: &Deployment,
) -> Result<AliDeployment, AliError> {
    let summary = summary(state, namespace, &deployment.metadata.id).await?;
    let modifier = state.services.last_change_by(namespace, &deployment.metadata.name).await?;
    Ok(AliDeployment::of(deployment, Some(summary), modifier))
}

/// GetDeployment.
#[utoipa::path(get, path = "/api/v2/namespaces/{namespace}/deployments/{deploymentId}", tag = super::TAG,
    params(("namespace" = String, Path, description = "The namespace"), ("deploymentId" = String, Path, description = "The deployment's id (a UUID)")),
    responses((status = 200, body = Envelope<AliDeployment>), (status = 400, body = Envelope<Empty>), (status = 404, body = Envelope<Empty>)))]
pub async fn get(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path((namespace, id)): Path<(String, String)>,
) -> Result<Response, AliError> {
    let namespace = parse_namespace(&namespace)?;
    state.services.require(&caller, Permission::ViewDeployments, &namespace).await?;
    let deployment = state.services.deployment(&namespace, &uuid_of("deploymentId", &id)?).await?;
    Ok(envelope::ok(answer(&state, &namespace, &deployment).await?))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct ByNameQuery {
    /// Leave `jobSummary` out.
    ignore_job_summary: Option<bool>,
    /// Accepted and ignored.
    ignore_resource_setting: Option<bool>,
}

/// The deployment called exactly `name`, if any.
async fn named(state: &AppState, namespace: &NamespaceName, name: &str) -> Result<Option<Deployment>, AliError> {
    let search = DeploymentQuery {
        name_contains: DeploymentQuery::name_search(Some(name)).map_err(|why| bad("deploymentName", &why))?,
        ..DeploymentQuery::default()
    };
    let found =
        state.services.deployments(namespace, &search, &PageRequest::first(services::Services::MAX_PAGE_SIZE)).await?;
    Ok(found.items.into_iter().find(|d| d.metadata.name == name))
}

/// GetDeploymentsByName: the deployments called `deploymentName` (names are unique: none or one).
#[utoipa::path(get, path = "/api/v2/namespaces/{namespace}/deployments/name/{deploymentName}", tag = super::TAG,
    params(("namespace" = String, Path, description = "The namespace"), ("deploymentName" = String, Path, description = "The deployment's name"), ByNameQuery),
    responses((status = 200, body = Envelope<Vec<AliDeployment>>), (status = 400, body = Envelope<Empty>), (status = 404, body = Envelope<Empty>)))]
pub async fn get_by_name(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path((namespace, name)): Path<(String, String)>,
    Query(query): Query<ByNameQuery>,
) -> Result<Response, AliError> {
    let namespace = parse_namespace(&namespace)?;
    state.services.require(&caller, Permission::ViewDeployments, &namespace).await?;
    let _ = query.ignore_resource_setting;
    let mut data = Vec::new();
    if let Some(deployment) = named(&state, &namespace, &name).await? {
        let mut answer = answer(&state, &namespace, &deployment).await?;
        if query.ignore_job_summary == Some(true) {
            answer.job_summary = None;
        }
        data.push(answer);
    }
    Ok(envelope::ok(data))
}

/// Writes Alibaba's fields over deployment `current` through the console's merge patch.
async fn update_deployment(
    state: &AppState,
    caller: &Caller,
    namespace: &NamespaceName,
    current: Deployment,
    headers: &HeaderMap,
    body: Body,
) -> Result<Response, AliError> {
    let given: AliDeployment = read(headers, body).await?;
    if given.deployment_id.as_deref().is_some_and(|id| id != current.metadata.id) {
        return Err(bad("deploymentId", "cannot be changed (it names another deployment than the path)"));
    }
    let patch = given.to_console(Some(&current))?;
    let updated = state
        .services
        .patch_deployment(caller, namespace, &current.metadata.id, &patch)
        .await
        .map_err(in_alibaba_terms)?;
    let summary = summary(state, namespace, &updated.metadata.id).await?;
    Ok(envelope::ok(AliDeployment::of(&updated, Some(summary), Some(caller.actor()))))
}

/// UpdateDeployment: changes the fields given (a field left out stays as it is; `labels` and
/// `flinkConf`, when given, replace the whole map). A running job gets the change by its upgrade
/// strategy, as with `/api/v1`.
#[utoipa::path(put, path = "/api/v2/namespaces/{namespace}/deployments/{deploymentId}", tag = super::TAG,
    params(("namespace" = String, Path, description = "The namespace"), ("deploymentId" = String, Path, description = "The deployment's id (a UUID)")),
    request_body(content = AliDeployment, content_type = "application/json"),
    responses((status = 200, body = Envelope<AliDeployment>), (status = 400, body = Envelope<Empty>), (status = 404, body = Envelope<Empty>), (status = 409, body = Envelope<Empty>)))]
pub async fn update(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path((namespace, id)): Path<(String, String)>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, AliError> {
    let namespace = parse_namespace(&namespace)?;
    state.services.require(&caller, Permission::EditDeployments, &namespace).await?;
    let current = state.services.deployment(&namespace, &uuid_of("deploymentId", &id)?).await?;
    update_deployment(&state, &caller, &namespace, current, &headers, body).await
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct DeploymentNameQuery {
    /// The deployment's name.
    deployment_name: Option<String>,
}

impl DeploymentNameQuery {
    async fn deployment(&self, state: &AppState, namespace: &NamespaceName) -> Result<Deployment, AliError> {
        let name = self
            .deployment_name
            .as_deref()
            .filter(|n| !n.is_empty())
            .ok_or_else(|| bad("deploymentName", "is required"))?;
        named(state, namespace, name)
            .await?
            .ok_or_else(|| AliError(ServiceError::NotFound(format!("deployment {name:?}"))))
    }
}

/// UpdateDeploymentByName: UpdateDeployment of the deployment called `deploymentName`.
#[utoipa::path(put, path = "/api/v2/namespaces/{namespace}/deployments/updateDeployment/byName", tag = super::TAG,
    params(("namespace" = String, Path, description = "The namespace"), DeploymentNameQuery),
    request_body(content = AliDeployment, content_type = "application/json"),
    responses((status = 200, body = Envelope<AliDeployment>), (status = 400, body = Envelope<Empty>), (status = 404, body = Envelope<Empty>), (status = 409, body = Envelope<Empty>)))]
pub async fn update_by_name(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(namespace): Path<String>,
    Query(query): Query<DeploymentNameQuery>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, AliError> {
    let namespace = parse_namespace(&namespace)?;
    state.services.require(&caller, Permission::EditDeployments, &namespace).await?;
    let current = query.deployment(&state, &namespace).await?;
    update_deployment(&state, &caller, &namespace, current, &headers, body).await
}

/// DeleteDeployment: deletes a deployment whose job is not running (409 otherwise: stop it first).
#[utoipa::path(delete, path = "/api/v2/namespaces/{namespace}/deployments/{deploymentId}", tag = super::TAG,
    params(("namespace" = String, Path, description = "The namespace"), ("deploymentId" = String, Path, description = "The deployment's id (a UUID)")),
    responses((status = 200, body = Envelope<Empty>), (status = 400, body = Envelope<Empty>), (status = 404, body = Envelope<Empty>), (status = 409, body = Envelope<Empty>)))]
pub async fn delete(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path((namespace, id)): Path<(String, String)>,
) -> Result<Response, AliError> {
    let namespace = parse_namespace(&namespace)?;
    state.services.require(&caller, Permission::EditDeployments, &namespace).await?;
    state.services.delete_deployment(&caller, &namespace, &uuid_of("deploymentId", &id)?).await?;
    Ok(envelope::done())
}

/// DeleteDeploymentByName: DeleteDeployment of the deployment called `deploymentName`.
#[utoipa::path(delete, path = "/api/v2/namespaces/{namespace}/deployments/deleteDeployment/byName", tag = super::TAG,
    params(("namespace" = String, Path, description = "The namespace"), DeploymentNameQuery),
    responses((status = 200, body = Envelope<Empty>), (status = 400, body = Envelope<Empty>), (status = 404, body = Envelope<Empty>), (status = 409, body = Envelope<Empty>)))]
pub async fn delete_by_name(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(namespace): Path<String>,
    Query(query): Query<DeploymentNameQuery>,
) -> Result<Response, AliError> {
    let namespace = parse_namespace(&namespace)?;
    state.services.require(&caller, Permission::EditDeployments, &namespace).await?;
    let current = query.deployment(&state, &namespace).await?;
    state.services.delete_deployment(&caller, &namespace, &current.metadata.id).await?;
    Ok(envelope::done())
}
