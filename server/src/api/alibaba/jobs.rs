//! `/api/v2/namespaces/{ns}/jobs`: Alibaba's job operations. `jobs:start` is the console's Start
//! choice (`Services::start_deployment`, as the Start dialog and `POST /api/v1/…:start`); a stop is
//! the deployment's desired state (CANCELLED, or SUSPENDED with a savepoint) as the engine carries
//! it out; jobs are read and (once ended) forgotten through the services.

use std::collections::HashMap;

use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::Extension;
use domain::{
    Deployment, DesiredState, NamespaceName, RestoreKind, RestoreSelection, SavepointOrigin, StartMode, StartOptions,
};
use serde::Deserialize;
use services::{parse_namespace, Caller, Permission, ServiceError};

use super::envelope::{self, Empty, Envelope, PageQuery};
use super::{bad, read, uuid_of, AliError, AliJob, AliJobStatus, AliRestoreStrategy, LocalVariable};
use crate::AppState;

#[derive(Deserialize, Default, utoipa::IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Only this deployment's jobs (a UUID).
    deployment_id: Option<String>,
    /// Accepted and ignored: jobs are listed newest first.
    sort_name: Option<String>,
    /// `desc` (newest first, the only order).
    sort_order: Option<String>,
    #[serde(flatten)]
    #[param(ignore)]
    page: PageQuery,
}

/// The deployments of `jobs` that still exist, by id (for each job's execution mode).
struct Deployments<'a> {
    state: &'a AppState,
    namespace: &'a NamespaceName,
    known: HashMap<String, Option<Deployment>>,
}

impl<'a> Deployments<'a> {
    fn new(state: &'a AppState, namespace: &'a NamespaceName) -> Self {
        Self { state, namespace, known: HashMap::new() }
    }

    async fn job(&mut self, job: &domain::Job) -> Result<AliJob, AliError> {
        let id = &job.metadata.deployment_id;
        if !self.known.contains_key(id) {
            let found = match self.state.services.deployment(self.namespace, id).await {
                Ok(deployment) => Some(deployment),
                Err(ServiceError::NotFound(_)) => None,
                Err(err) => return Err(err.into()),
            };
            self.known.insert(id.clone(), found);
        }
        Ok(AliJob::of(job, self.known.get(id).and_then(Option::as_ref)))
    }
}

/// ListJobs: a page of the namespace's jobs (of one deployment with `deploymentId`), newest first.
#[utoipa::path(get, path = "/api/v2/namespaces/{namespace}/jobs", tag = super::TAG,
    params(("namespace" = String, Path, description = "The namespace"), ListQuery, PageQuery),
    responses((status = 200, body = Envelope<Vec<AliJob>>), (status = 400, body = Envelope<Empty>), (status = 404, body = Envelope<Empty>)))]
pub async fn list(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(namespace): Path<String>,
    Query(query): Query<ListQuery>,
) -> Result<Response, AliError> {
    let namespace = parse_namespace(&namespace)?;
    state.services.require(&caller, Permission::ViewDeployments, &namespace).await?;
    let _ = query.sort_name;
    if query.sort_order.as_deref().is_some_and(|o| !o.eq_ignore_ascii_case("desc")) {
        return Err(bad("sortOrder", "jobs are listed newest first: only desc"));
    }
    let deployment = match query.deployment_id.as_deref().filter(|id| !id.is_empty()) {
        Some(raw) => Some(uuid_of("deploymentId", raw)?),
        None => None,
    };
    let page = query.page.params()?;
    let mut pager = envelope::Pager::new(page);
    while let Some(request) = pager.next_request() {
        pager.take(state.services.jobs(&namespace, deployment.as_deref(), &request).await?);
    }
    let paged = pager.finish();
    let mut deployments = Deployments::new(&state, &namespace);
    let mut items = Vec::with_capacity(paged.items.len());
    for job in &paged.items {
        items.push(deployments.job(job).await?);
    }
    let paged = envelope::Paged { items, page: paged.page, total: paged.total };
    Ok(envelope::page(paged))
}

/// GetJob.
#[utoipa::path(get, path = "/api/v2/namespaces/{namespace}/jobs/{jobId}", tag = super::TAG,
    params(("namespace" = String, Path, description = "The namespace"), ("jobId" = String, Path, description = "The job's id (a UUID)")),
    responses((status = 200, body = Envelope<AliJob>), (status = 400, body = Envelope<Empty>), (status = 404, body = Envelope<Empty>)))]
pub async fn get(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path((namespace, id)): Path<(String, String)>,
) -> Result<Response, AliError> {
    let namespace = parse_namespace(&namespace)?;
    state.services.require(&caller, Permission::ViewDeployments, &namespace).await?;
    let job = state.services.job(&namespace, &uuid_of("jobId", &id)?).await?;
    Ok(envelope::ok(Deployments::new(&state, &namespace).job(&job).await?))
}

/// DeleteJob: forgets a job that has ended (409 while it runs: stop it first).
#[utoipa::path(delete, path = "/api/v2/namespaces/{namespace}/jobs/{jobId}", tag = super::TAG,
    params(("namespace" = String, Path, description = "The namespace"), ("jobId" = String, Path, description = "The job's id (a UUID)")),
    responses((status = 200, body = Envelope<Empty>), (status = 400, body = Envelope<Empty>), (status = 404, body = Envelope<Empty>), (status = 409, body = Envelope<Empty>)))]
pub async fn delete(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path((namespace, id)): Path<(String, String)>,
) -> Result<Response, AliError> {
    let namespace = parse_namespace(&namespace)?;
    state.services.require(&caller, Permission::EditDeployments, &namespace).await?;
    state.services.delete_job(&caller, &namespace, &uuid_of("jobId", &id)?).await?;
    Ok(envelope::done())
}

/// `JobStartParameters`: the body of `jobs:start`.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct StartParameters {
    /// The deployment to start (a UUID).
    deployment_id: Option<String>,
    /// Which state the job restores; absent: NONE.
    restore_strategy: Option<AliRestoreStrategy>,
    /// Only an empty list: the console does not substitute variables.
    local_variables: Option<Vec<LocalVariable>>,
    /// Refused when given: the console has no resource queues.
    resource_queue_name: Option<String>,
    /// Refused when given: the console chooses the job's id.
    job_id: Option<String>,
    /// StartJob's resources for this start only: refused when given (a job runs its deployment's
    /// resources; change the deployment first).
    #[schema(value_type = Option<Object>)]
    resource_setting_spec: Option<serde_json::Value>,
}

impl StartParameters {
    /// The Start dialog's choice for these parameters. LATEST_SAVEPOINT picks the newest
    /// completed savepoint of the deployment (never a retained checkpoint).
    async fn options(
        &self,
        state: &AppState,
        namespace: &NamespaceName,
        deployment: &str,
    ) -> Result<StartOptions, AliError> {
        if self.local_variables.as_ref().is_some_and(|v| !v.is_empty()) {
            return Err(bad("localVariables", "this console does not substitute variables; send none"));
        }
        if self.resource_queue_name.as_deref().is_some_and(|q| !q.is_empty() && q != "default") {
            return Err(bad("resourceQueueName", "this console has no resource queues"));
        }
        if self.job_id.is_some() {
            return Err(bad("jobId", "the console chooses the job's id; leave it out"));
        }
        if self.resource_setting_spec.as_ref().is_some_and(|v| !v.is_null()) {
            return Err(bad(
                "resourceSettingSpec",
                "a job runs its deployment's resources: change the deployment, then start it",
            ));
        }
        let strategy = self.restore_strategy.clone().unwrap_or_default();
        let allow = strategy.allow_non_restored_state.unwrap_or(false);
        let kind = strategy.kind.as_deref().map(str::to_ascii_uppercase).unwrap_or_else(|| "NONE".into());
        if strategy.savepoint_id.is_some() && kind != "FROM_SAVEPOINT" {
            return Err(bad("restoreStrategy.savepointId", "only FROM_SAVEPOINT names a savepoint"));
        }
        if strategy.job_start_time_in_ms.is_some() && kind != "NONE" {
            return Err(bad("restoreStrategy.jobStartTimeInMs", "only a start without state (NONE) reads from a time"));
        }
        let resume = |restore: RestoreSelection| StartOptions {
            mode: StartMode::Resume,
            restore: Some(restore),
            allow_non_restored_state: allow,
            source_start_time_ms: None,
            confirm_incompatible: false,
        };
        match kind.as_str() {
            "NONE" => {
                if allow {
                    return Err(bad(
                        "restoreStrategy.allowNonRestoredState",
                        "only a start that restores state skips any",
                    ));
                }
                Ok(StartOptions {
                    mode: StartMode::Initial,
                    restore: None,
                    allow_non_restored_state: false,
                    source_start_time_ms: strategy.job_start_time_in_ms,
                    confirm_incompatible: false,
                })
            }
            "LATEST_STATE" => Ok(resume(RestoreSelection { kind: RestoreKind::Latest, savepoint_id: None })),
            "LATEST_SAVEPOINT" => {
                let states = state.services.restorable_states(namespace, deployment).await?;
                let newest = states.into_iter().find(|s| s.metadata.origin != SavepointOrigin::RetainedCheckpoint);
                let savepoint = newest.ok_or_else(|| {
                    bad("restoreStrategy.kind", "LATEST_SAVEPOINT: the deployment has no completed savepoint; start it with NONE or LATEST_STATE")
                })?;
                Ok(resume(RestoreSelection { kind: RestoreKind::Savepoint, savepoint_id: Some(savepoint.metadata.id) }))
            }
            "FROM_SAVEPOINT" => {
                let raw = strategy
                    .savepoint_id
                    .as_deref()
                    .filter(|id| !id.is_empty())
                    .ok_or_else(|| bad("restoreStrategy.savepointId", "FROM_SAVEPOINT names the savepoint"))?;
                let id = uuid_of("restoreStrategy.savepointId", raw)?;
                Ok(resume(RestoreSelection { kind: RestoreKind::Savepoint, savepoint_id: Some(id) }))
            }
            other => Err(bad(
                "restoreStrategy.kind",
                &format!("{other:?} is not NONE, LATEST_SAVEPOINT, FROM_SAVEPOINT or LATEST_STATE"),
            )),
        }
    }
}

/// StartJobWithParams (`POST …/jobs:start`, also `jobs%3Astart`): starts the deployment with the
/// console's Start choice. A resume runs the state compatibility check first and an INCOMPATIBLE
/// answer is refused (409). Answers the job the start creates, by the id it will have: STARTING
/// until the engine has submitted it (`GET …/jobs/{jobId}` finds it once the engine wrote it,
/// normally within a second).
#[utoipa::path(post, path = "/api/v2/namespaces/{namespace}/jobs:start", tag = super::TAG,
    params(("namespace" = String, Path, description = "The namespace")),
    request_body(content = StartParameters, content_type = "application/json"),
    responses((status = 200, body = Envelope<AliJob>), (status = 400, body = Envelope<Empty>, description = "A field is wrong; the message names it"),
              (status = 404, body = Envelope<Empty>), (status = 409, body = Envelope<Empty>, description = "Already running, or the chosen state is INCOMPATIBLE")))]
pub async fn start(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(namespace): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, AliError> {
    let namespace = parse_namespace(&namespace)?;
    state.services.require(&caller, Permission::EditDeployments, &namespace).await?;
    let parameters: StartParameters = read(&headers, body).await?;
    let raw = parameters
        .deployment_id
        .as_deref()
        .filter(|id| !id.is_empty())
        .ok_or_else(|| bad("deploymentId", "is required"))?;
    let id = uuid_of("deploymentId", raw)?;
    state.services.deployment(&namespace, &id).await?;
    let options = parameters.options(&state, &namespace, &id).await?;
    let accepted =
        state.services.start_deployment(&caller, &namespace, &id, &options).await.map_err(|err| match err {
            ServiceError::BadRequest(message) => ServiceError::BadRequest(start_field(&message)),
            ServiceError::Conflict(message) => ServiceError::Conflict(start_field(&message)),
            other => other,
        })?;
    if let Ok(job) = state.services.job(&namespace, &accepted.job_id).await {
        return Ok(envelope::ok(Deployments::new(&state, &namespace).job(&job).await?));
    }
    let deployment = state.services.deployment(&namespace, &id).await?;
    let restore = match &accepted.savepoint_id {
        Some(savepoint) => AliRestoreStrategy {
            kind: Some("FROM_SAVEPOINT".into()),
            savepoint_id: Some(savepoint.clone()),
            allow_non_restored_state: Some(accepted.allow_non_restored_state),
            job_start_time_in_ms: None,
        },
        None => AliRestoreStrategy {
            kind: Some("NONE".into()),
            job_start_time_in_ms: accepted.source_start_time_ms,
            ..AliRestoreStrategy::default()
        },
    };
    let template = domain::JobSpec {
        template: deployment.spec.template.spec.clone(),
        deployment_target_name: deployment.spec.deployment_target_name.clone(),
        savepoint_location: accepted.savepoint_location.clone(),
        savepoint_id: accepted.savepoint_id.clone(),
        allow_non_restored_state: accepted.allow_non_restored_state,
        source_start_time_ms: accepted.source_start_time_ms,
    };
    let mut job = AliJob::of(&starting_job(&accepted.job_id, &deployment, template), Some(&deployment));
    job.restore_strategy = Some(restore);
    job.start_time = None;
    job.created_at = None;
    job.modified_at = None;
    Ok(envelope::ok(job))
}

/// StartJob (`POST …/jobs`, deprecated by Alibaba for StartJobWithParams): the same start, with
/// `resourceSettingSpec` refused.
#[utoipa::path(post, path = "/api/v2/namespaces/{namespace}/jobs", tag = super::TAG,
    params(("namespace" = String, Path, description = "The namespace")),
    request_body(content = StartParameters, content_type = "application/json"),
    responses((status = 200, body = Envelope<AliJob>), (status = 400, body = Envelope<Empty>, description = "A field is wrong; the message names it"),
              (status = 404, body = Envelope<Empty>), (status = 409, body = Envelope<Empty>, description = "Already running, or the chosen state is INCOMPATIBLE")))]
pub async fn start_deprecated(
    state: State<AppState>,
    caller: Extension<Caller>,
    namespace: Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, AliError> {
    start(state, caller, namespace, headers, body).await
}

/// The job a start will create, as far as it is known before the engine writes it.
fn starting_job(id: &str, deployment: &Deployment, spec: domain::JobSpec) -> domain::Job {
    domain::Job {
        api_version: domain::API_VERSION.into(),
        kind: domain::Job::KIND.into(),
        metadata: domain::JobMetadata {
            id: id.to_owned(),
            namespace: deployment.metadata.namespace.clone(),
            deployment_id: deployment.metadata.id.clone(),
            deployment_name: Some(deployment.metadata.name.clone()),
            annotations: Default::default(),
            created_at: String::new(),
            modified_at: String::new(),
            terminated_at: None,
            resource_version: 0,
        },
        spec,
        status: domain::JobStatus {
            state: domain::JobState::Starting,
            started: None,
            failure: None,
            latest_checkpoint: None,
        },
    }
}

/// A refusal of the Start choice in Alibaba's field names.
fn start_field(message: &str) -> String {
    const NAMES: [(&str, &str); 5] = [
        ("restore.savepointId", "restoreStrategy.savepointId"),
        ("sourceStartTimeMs", "restoreStrategy.jobStartTimeInMs"),
        ("allowNonRestoredState", "restoreStrategy.allowNonRestoredState"),
        ("confirmIncompatible: ", "restoreStrategy: "),
        ("restore: ", "restoreStrategy.kind: "),
    ];
    let mut message = message.to_owned();
    for (console, alibaba) in NAMES {
        if message.starts_with(console) {
            message = format!("{alibaba}{}", &message[console.len()..]);
        }
    }
    message
}

/// `StopJobRequestBody`.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct StopParameters {
    /// NONE (cancel, no savepoint) or STOP_WITH_SAVEPOINT (suspend: the next LATEST_STATE start
    /// restores it) or STOP_WITH_DRAIN (suspend, draining the job first: event-time timers and
    /// windows fire before the savepoint).
    stop_strategy: Option<String>,
}

/// `POST …/jobs/{jobId}:stop` (also `%3Astop`); anything else is 404.
pub async fn action(
    state: State<AppState>,
    caller: Extension<Caller>,
    Path((namespace, id_and_action)): Path<(String, String)>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, AliError> {
    match id_and_action.rsplit_once(':') {
        Some((id, "stop")) => stop(state, caller, Path((namespace, id.to_owned())), headers, body).await,
        _ => Err(AliError(ServiceError::NotFound(format!("the operation POST jobs/{id_and_action:?}")))),
    }
}

/// StopJob: stops a job that has not ended: its deployment's desired state becomes CANCELLED
/// (NONE) or SUSPENDED (STOP_WITH_SAVEPOINT), which the engine carries out. Answers the job, as
/// CANCELLING.
#[utoipa::path(post, path = "/api/v2/namespaces/{namespace}/jobs/{jobId}:stop", tag = super::TAG,
    params(("namespace" = String, Path, description = "The namespace"), ("jobId" = String, Path, description = "The job's id (a UUID)")),
    request_body(content = StopParameters, content_type = "application/json"),
    responses((status = 200, body = Envelope<AliJob>), (status = 400, body = Envelope<Empty>), (status = 404, body = Envelope<Empty>), (status = 409, body = Envelope<Empty>)))]
pub async fn stop(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path((namespace, id)): Path<(String, String)>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, AliError> {
    let namespace = parse_namespace(&namespace)?;
    state.services.require(&caller, Permission::EditDeployments, &namespace).await?;
    let id = uuid_of("jobId", &id)?;
    let parameters: StopParameters = read(&headers, body).await?;
    let (desired, drain) = match parameters.stop_strategy.as_deref().map(str::to_ascii_uppercase).as_deref() {
        None | Some("NONE") => (DesiredState::Cancelled, false),
        Some("STOP_WITH_SAVEPOINT") => (DesiredState::Suspended, false),
        Some("STOP_WITH_DRAIN") => (DesiredState::Suspended, true),
        Some(other) => {
            return Err(bad("stopStrategy", &format!("{other:?} is not NONE, STOP_WITH_SAVEPOINT or STOP_WITH_DRAIN")))
        }
    };
    let job = state.services.job(&namespace, &id).await?;
    if job.status.state.is_terminal() {
        return Err(AliError(ServiceError::Conflict(format!("job {id} has already ended ({})", job.status.state))));
    }
    if drain {
        state.services.suspend_draining(&caller, &namespace, &job.metadata.deployment_id).await?;
    } else {
        state.services.set_desired_state(&caller, &namespace, &job.metadata.deployment_id, desired).await?;
    }
    let mut answer = Deployments::new(&state, &namespace).job(&job).await?;
    let running = answer.status.and_then(|s| s.running);
    answer.status = Some(AliJobStatus { current_job_status: "CANCELLING".into(), failure: None, running });
    Ok(envelope::ok(answer))
}
