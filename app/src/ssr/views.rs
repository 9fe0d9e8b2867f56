//! The view models of pages, built from the services' reads, and the one-time hand-over of a new
//! API token's secret to the page a plain form post returns to.

use domain::{ApiToken, ListPage, NamespaceName, PageRequest, Role, SavepointState};
use services::{CurrentJob, JobExceptions, Secret, Services};

use super::{request_cookie, set_cookie};
use crate::error::AppError;
use crate::view_model::deployment_page::{
    flink_job_link, human_duration, human_size, time_of_ms, CheckpointView, ConfigurationFacts, CopyTarget,
    CurrentJobView, DeploymentDetail, ExceptionRow, ExceptionsFacts, LiveView, OverviewFacts, PageQuery, Tab,
    TabContent,
};
use crate::view_model::deployment_page::{
    ChartPoint, DecisionView, PlanHistoryRow, PlanRow, PolicyForm, TuningFacts, VertexRow,
};
use crate::view_model::start::{OtherDeployment, PlanChoice, StartDialogData, StartForm, StateChoice};
use crate::view_model::{
    CreatedAccessKey, CreatedToken, DeploymentRow, EventRow, JobRow, NamespaceRow, SavepointRow, UserRow, ADMIN_PAGE,
};

/// How much of each history the deployment page shows at once.
const DETAIL_JOBS: u32 = 20;
const DETAIL_SAVEPOINTS: u32 = 30;
const DETAIL_EVENTS: u32 = 60;

/// How many users and namespaces the admin page lists (the first page of each; see `user_rows`).
const ADMIN_LIST: u32 = Services::MAX_PAGE_SIZE;

/// The cookie that carries a new token's secret to the page after a plain form post.
const NEW_TOKEN_COOKIE: &str = "console_new_token";
/// Carries a new access-key pair from a plain form post to the page shown next.
const NEW_ACCESS_KEY_COOKIE: &str = "console_new_access_key";

/// A deployment as its page shows it: the heading's facts and the content of the tab `query` asks
/// for (only that tab's reads are made; Overview and Exceptions ask Flink).
pub async fn deployment_detail(
    services: &Services,
    namespace: &NamespaceName,
    id: &str,
    query: &PageQuery,
) -> Result<DeploymentDetail, AppError> {
    // Read before the rest: whatever changes after it reaches the page through the stream.
    let live_from = services.live_position();
    let deployment = services.deployment(namespace, id).await?;
    let newest_savepoints =
        services.savepoints(namespace, Some(id), None, &PageRequest::first(DETAIL_SAVEPOINTS)).await?;
    let savepoint_under_way = newest_savepoints.items.iter().any(|s| s.status.state == SavepointState::Started);
    let after = query.after.clone();
    let content = match query.tab {
        Tab::Overview => {
            let job = services.current_job(namespace, &deployment).await?.map(current_job_view);
            TabContent::Overview(Box::new(OverviewFacts { job }))
        }
        Tab::Configuration => TabContent::Configuration(configuration(services, namespace, &deployment).await?),
        Tab::Jobs => {
            let jobs = services.jobs(namespace, Some(id), &PageRequest::after(DETAIL_JOBS, after)).await?;
            TabContent::Jobs { rows: jobs.items.iter().map(JobRow::from).collect(), next: jobs.continue_token }
        }
        Tab::Savepoints => {
            let page = match after {
                None => newest_savepoints,
                Some(token) => {
                    let request = PageRequest::after(DETAIL_SAVEPOINTS, Some(token));
                    services.savepoints(namespace, Some(id), None, &request).await?
                }
            };
            let others = services
                .deployments(
                    namespace,
                    &domain::DeploymentQuery::default(),
                    &PageRequest::first(Services::MAX_PAGE_SIZE),
                )
                .await?;
            let copy_targets = others
                .items
                .into_iter()
                .filter(|d| d.metadata.id != id)
                .map(|d| CopyTarget { id: d.metadata.id, name: d.metadata.name })
                .collect();
            TabContent::Savepoints {
                rows: page.items.iter().map(SavepointRow::from).collect(),
                next: page.continue_token,
                copy_targets,
            }
        }
        Tab::Events => {
            let request = PageRequest::after(DETAIL_EVENTS, after);
            let events = services.events(namespace, Some(id), None, query.level, &request).await?;
            TabContent::Events { rows: events.items.iter().map(EventRow::from).collect(), next: events.continue_token }
        }
        Tab::Tuning => TabContent::Tuning(Box::new(tuning(services, namespace, &deployment).await?)),
        Tab::Exceptions => TabContent::Exceptions(match services.job_exceptions(namespace, &deployment).await? {
            JobExceptions::NoJob => ExceptionsFacts::NoJob,
            JobExceptions::Unavailable { flink_job_id, reason } => {
                ExceptionsFacts::Unavailable { flink_job_id, reason }
            }
            JobExceptions::Listed { flink_job_id, entries } => ExceptionsFacts::Listed {
                flink_job_id,
                rows: entries
                    .iter()
                    .map(|e| ExceptionRow {
                        time: time_of_ms(e.timestamp_ms),
                        root_cause: e.root_cause(),
                        name: e.name.clone(),
                        stacktrace: e.stacktrace.clone(),
                    })
                    .collect(),
            },
        }),
    };
    Ok(DeploymentDetail {
        row: DeploymentRow::from(&deployment),
        upgrade_strategy: deployment.spec.upgrade_strategy.kind.as_str().to_owned(),
        restore_strategy: deployment.spec.restore_strategy.kind.as_str().to_owned(),
        savepoint_under_way,
        content,
        live_from,
    })
}

/// The Autopilot & plans tab: the policy, the Autopilot's newest decision and samples, the plans
/// and their history.
async fn tuning(
    services: &Services,
    namespace: &NamespaceName,
    deployment: &domain::Deployment,
) -> Result<TuningFacts, AppError> {
    use crate::view_model::short_time;

    let id = &deployment.metadata.id;
    let policy = deployment.spec.autopilot.clone().unwrap_or_default();
    let status = services.autopilot_status(namespace, id).await?;
    let plans = services.tuning_plans(namespace, id).await?;
    let history = services.plan_executions(namespace, id).await?;
    let wire = |value: serde_json::Value| value.as_str().unwrap_or_default().to_owned();
    let mode = wire(serde_json::to_value(policy.mode).unwrap_or_default());
    let summary = match (&status.waiting_for, &status.decision) {
        _ if policy.mode == domain::autopilot::Mode::Disabled => {
            "DISABLED: the Autopilot does nothing. MONITORING recommends (as events); ACTIVE applies.".to_owned()
        }
        (Some(waiting), _) => format!("{mode}: waiting for {waiting}."),
        (None, None) => {
            format!("{mode}: sampling the running job every {} s; no decision yet.", status.sample_interval_seconds)
        }
        (None, Some(_)) => format!(
            "{mode}: sampling the running job every {} s ({} Flink call{} per decision).",
            status.sample_interval_seconds,
            status.flink_calls_per_decision.unwrap_or_default(),
            if status.flink_calls_per_decision == Some(1) { "" } else { "s" }
        ),
    };
    let number = |value: f64| if value >= 100.0 { format!("{value:.0}") } else { format!("{value:.1}") };
    let decision = status.decision.as_ref().map(|decision| DecisionView {
        action: action_text(&serde_json::to_value(&decision.action).unwrap_or_default()),
        at: time_of_ms(decision.evaluated_at_ms),
        vertices: decision
            .vertices
            .iter()
            .map(|v| VertexRow {
                name: v.name.clone(),
                busy: format!("{} %", number(v.busy_percent)),
                back_pressured: v
                    .back_pressured_percent
                    .map(|b| format!("{} %", number(b)))
                    .unwrap_or_else(|| "—".into()),
                rate: format!("{}/s", number(v.input_rate)),
                parallelism: if v.recommended_parallelism == v.current_parallelism {
                    v.current_parallelism.to_string()
                } else {
                    format!("{} → {}", v.current_parallelism, v.recommended_parallelism)
                },
                reason: v.reason.clone(),
            })
            .collect(),
    });
    let first = status.samples.first().map(|s| s.taken_at_ms).unwrap_or_default();
    let chart = status
        .samples
        .iter()
        .map(|sample| ChartPoint {
            seconds: (sample.taken_at_ms - first) as f64 / 1000.0,
            busy_percent: sample.vertices.iter().filter_map(|v| v.busy_time_ms_per_second_max).fold(0.0_f64, f64::max)
                / 10.0,
            rate: sample.vertices.iter().filter(|v| v.is_source).filter_map(|v| v.records_in_per_second).sum(),
        })
        .collect();
    let tuning = &policy.tuning;
    Ok(TuningFacts {
        policy: PolicyForm {
            mode,
            strategy: wire(serde_json::to_value(policy.strategy).unwrap_or_default()),
            target_utilization: tuning.target_utilization.to_string(),
            metrics_window_seconds: tuning.metrics_window_seconds.to_string(),
            stabilization_seconds: tuning.stabilization_seconds.to_string(),
            cool_down_minutes: policy.limits.cool_down_minutes.to_string(),
            min_parallelism: policy.limits.job_min_parallelism.to_string(),
            max_parallelism: policy.limits.job_max_parallelism.map(|p| p.to_string()).unwrap_or_default(),
        },
        summary,
        decision,
        chart,
        plans: plans
            .iter()
            .map(|plan| PlanRow {
                id: plan.metadata.id.clone(),
                name: plan.metadata.name.clone(),
                points: plan.spec.time_points.iter().map(services::describe_time_point).collect(),
                applied: plan.status.applied,
                next: services
                    .next_time_point(plan)
                    .map(|(index, at)| format!("{} UTC (time point {})", short_time(&at), index + 1)),
            })
            .collect(),
        history: history
            .iter()
            .map(|row| PlanHistoryRow {
                executed_at: short_time(&row.executed_at),
                plan: row.plan_name.clone(),
                scheduled_for: short_time(&row.scheduled_for),
                outcome: row.outcome.as_str().to_owned(),
                message: row.message.clone(),
            })
            .collect(),
    })
}

/// A decision's action in words: its kind and reasons (`NO_CHANGE · WITHIN_BOUNDS`).
fn action_text(action: &serde_json::Value) -> String {
    fn leaves(value: &serde_json::Value, out: &mut Vec<String>) {
        match value {
            serde_json::Value::String(text) => out.push(text.clone()),
            serde_json::Value::Object(map) => {
                if let Some(kind) = map.get("type") {
                    leaves(kind, out);
                }
                for (key, inner) in map {
                    if key != "type" {
                        leaves(inner, out);
                    }
                }
            }
            serde_json::Value::Array(items) => items.iter().for_each(|item| leaves(item, out)),
            other => out.push(other.to_string()),
        }
    }
    let mut out = Vec::new();
    leaves(action, &mut out);
    out.join(" · ")
}

fn current_job_view(current: CurrentJob) -> CurrentJobView {
    let ended = current.job.status.state.is_terminal();
    let web_ui = match (&current.cluster_url, &current.flink_job_id) {
        (Some(url), Some(flink_id)) => Some(flink_job_link(url, flink_id, ended)),
        _ => None,
    };
    let live = current.live.map(|live| LiveView {
        flink_state: format!("{:?}", live.details.state).to_ascii_uppercase(),
        uptime: human_duration(live.details.duration_ms),
        restarts: live.details.restarts,
        checkpoint: live.checkpoint.map(|checkpoint| {
            checkpoint.map(|c| CheckpointView {
                id: c.id,
                kind: if c.is_savepoint { "savepoint" } else { "checkpoint" }.to_owned(),
                completed_at: time_of_ms(c.completed_at_ms),
                size: c.size_bytes.map_or_else(|| "—".to_owned(), human_size),
            })
        }),
    });
    CurrentJobView {
        id: current.job.metadata.id.clone(),
        state: current.job.status.state,
        flink_job_id: current.flink_job_id,
        created_at: current.job.metadata.created_at.clone(),
        web_ui,
        live,
    }
}

/// The Configuration tab: the resource and its effective spec as YAML.
async fn configuration(
    services: &Services,
    namespace: &NamespaceName,
    deployment: &domain::Deployment,
) -> Result<ConfigurationFacts, AppError> {
    let effective = services.effective_spec(namespace, deployment).await?;
    let stored = serde_json::to_value(&deployment.spec).map_err(|_| AppError::Internal)?;
    let defaults = services.effective_defaults(namespace).await?;
    Ok(ConfigurationFacts {
        resource_yaml: to_yaml(deployment)?,
        effective_differs: effective != stored,
        effective_yaml: to_yaml(&effective)?,
        defaults_yaml: to_yaml(&defaults)?,
        download: format!(
            "/api/v1/namespaces/{namespace}/deployments/{}?download=yaml",
            crate::view_model::start::encode(&deployment.metadata.id)
        ),
    })
}

/// A value as YAML, for a page.
fn to_yaml<T: serde::Serialize>(value: &T) -> Result<String, AppError> {
    serde_yaml_ng::to_string(value).map_err(|err| {
        tracing::error!(error = %err, "cannot write YAML");
        AppError::Internal
    })
}

/// A page of users, by name, with the namespaces they belong to (for the admin page).
pub async fn user_rows(services: &Services, after: Option<String>) -> Result<ListPage<UserRow>, AppError> {
    let page = services.users(&PageRequest::after(ADMIN_PAGE, after)).await?;
    let mut rows = Vec::new();
    for user in page.items {
        let memberships = services.memberships(&user).await?;
        rows.push(UserRow { name: user.name, admin: user.admin, created_at: user.created_at, memberships });
    }
    Ok(ListPage { items: rows, continue_token: page.continue_token })
}

/// A page of namespaces, by name, with how many deployments and members each has and its owners
/// (for the admin page); the counts go up to `ADMIN_LIST`.
pub async fn namespace_rows(services: &Services, after: Option<String>) -> Result<ListPage<NamespaceRow>, AppError> {
    let page = services.namespaces(&PageRequest::after(ADMIN_PAGE, after)).await?;
    let first = PageRequest::first(ADMIN_LIST);
    let mut rows = Vec::new();
    for namespace in page.items {
        let name = NamespaceName::parse(&namespace.metadata.name).map_err(|err| {
            tracing::error!(error = %err, "a stored namespace name does not parse");
            AppError::Internal
        })?;
        let deployments = services.deployment_counts(&name, &domain::DeploymentQuery::default()).await?.total();
        let members = services.members(&name, &first).await?.items;
        let owners = members.iter().filter(|m| m.role == Role::Owner).map(|m| m.user.clone()).collect();
        rows.push(NamespaceRow {
            name: namespace.metadata.name,
            created_at: namespace.metadata.created_at,
            deployments,
            owners,
            members: members.len(),
        });
    }
    Ok(ListPage { items: rows, continue_token: page.continue_token })
}

/// Keeps a new token's secret for the page a plain form post goes back to: a cookie only that
/// namespace's Access page receives, HttpOnly, for at most five minutes, read once.
pub fn hand_over_new_token(namespace: &NamespaceName, token: &ApiToken, secret: &Secret) -> Result<(), AppError> {
    let path = format!("Path=/namespaces/{namespace}/access; SameSite=Strict; Max-Age=300");
    set_cookie(NEW_TOKEN_COOKIE, &format!("{}.{}", token.id, secret.expose()), &path)
}

/// The token handed over by `hand_over_new_token`, if this request brings it (and it is still
/// valid); the cookie is cleared either way.
pub async fn take_new_token(services: &Services, namespace: &NamespaceName) -> Result<Option<CreatedToken>, AppError> {
    let Some(raw) = request_cookie(NEW_TOKEN_COOKIE) else { return Ok(None) };
    set_cookie(NEW_TOKEN_COOKIE, "", &format!("Path=/namespaces/{namespace}/access; SameSite=Strict; Max-Age=0"))?;
    let Some((id, secret)) = raw.split_once('.') else { return Ok(None) };
    let token = services.live_api_token(secret).await?;
    Ok(token
        .filter(|t| t.id == id && t.namespace == namespace.as_str())
        .map(|token| CreatedToken { token, secret: secret.to_owned() }))
}

/// Hands a new access-key pair made by a plain form post over to the page the browser goes back
/// to, like `hand_over_new_token`: the key id and its secret, for five minutes, to that page only.
pub fn hand_over_new_access_key(namespace: &NamespaceName, token: &ApiToken, secret: &Secret) -> Result<(), AppError> {
    let path = format!("Path=/namespaces/{namespace}/access; SameSite=Strict; Max-Age=300");
    let key = token.access_key_id.as_deref().unwrap_or_default();
    set_cookie(NEW_ACCESS_KEY_COOKIE, &format!("{key}.{}", secret.expose()), &path)
}

/// The access-key pair handed over by `hand_over_new_access_key`, if this request brings it and
/// the secret is that key's (a cookie the browser edits shows nothing); the cookie is cleared
/// either way.
pub async fn take_new_access_key(
    services: &Services,
    namespace: &NamespaceName,
) -> Result<Option<CreatedAccessKey>, AppError> {
    let Some(raw) = request_cookie(NEW_ACCESS_KEY_COOKIE) else { return Ok(None) };
    set_cookie(NEW_ACCESS_KEY_COOKIE, "", &format!("Path=/namespaces/{namespace}/access; SameSite=Strict; Max-Age=0"))?;
    let Some((key, secret)) = raw.split_once('.') else { return Ok(None) };
    let token = services.live_access_key(key, secret).await?;
    Ok(token
        .filter(|t| t.namespace == namespace.as_str())
        .map(|token| CreatedAccessKey { token, access_key_secret: secret.to_owned() }))
}

/// How many other deployments' states the Start dialog offers (the newest states of the namespace).
const OTHER_STATES_READ: u32 = 500;

/// What the Start dialog offers for deployment `id`.
pub async fn start_dialog_data(
    services: &Services,
    namespace: &NamespaceName,
    id: &str,
) -> Result<StartDialogData, AppError> {
    let deployment = services.deployment(namespace, id).await?;
    let states = services.restorable_states(namespace, id).await?;
    // The namespace's newest states, grouped by their deployment (one read, however many deployments).
    let newest = services.savepoints(namespace, None, None, &PageRequest::first(OTHER_STATES_READ)).await?;
    let mut others: Vec<OtherDeployment> = Vec::new();
    for savepoint in newest.items.iter().filter(|s| {
        s.metadata.deployment_id != id
            && s.status.state == SavepointState::Completed
            && s.spec.savepoint_location.is_some()
    }) {
        match others.iter_mut().find(|o| o.id == savepoint.metadata.deployment_id) {
            Some(other) => other.states.push(StateChoice::from(savepoint)),
            None => {
                let Ok(other) = services.deployment(namespace, &savepoint.metadata.deployment_id).await else {
                    continue;
                };
                others.push(OtherDeployment {
                    id: other.metadata.id,
                    name: other.metadata.name,
                    states: vec![StateChoice::from(savepoint)],
                });
            }
        }
    }
    others.sort_by(|a, b| a.name.cmp(&b.name));
    let mut data = StartDialogData::new(&deployment, &states, others);
    let mode = deployment.spec.autopilot.as_ref().map(|policy| policy.mode).unwrap_or_default();
    data.autopilot_mode =
        serde_json::to_value(mode).ok().and_then(|m| m.as_str().map(str::to_owned)).unwrap_or_default();
    data.plans = services
        .tuning_plans(namespace, id)
        .await?
        .into_iter()
        .map(|plan| PlanChoice { id: plan.metadata.id, name: plan.metadata.name, applied: plan.status.applied })
        .collect();
    Ok(data)
}

/// What "Configure Autopilot" asks the services for, if anything.
pub fn tuning_setup(form: &StartForm) -> Result<Option<services::TuningSetup>, AppError> {
    use crate::view_model::start::TuningChoice;
    let choice = form.tuning_choice().map_err(|(field, why)| AppError::BadRequest(format!("{field}: {why}")))?;
    Ok(choice.map(|choice| match choice {
        TuningChoice::Off => services::TuningSetup::Off,
        TuningChoice::Autopilot(mode) if mode == "ACTIVE" => {
            services::TuningSetup::Autopilot(domain::autopilot::Mode::Active)
        }
        TuningChoice::Autopilot(_) => services::TuningSetup::Autopilot(domain::autopilot::Mode::Monitoring),
        TuningChoice::Scheduled(plan) => services::TuningSetup::Scheduled(plan),
    }))
}

/// The API's start request for the dialog's fields; a state of another deployment must belong to
/// the deployment chosen with it.
pub async fn start_options(
    services: &Services,
    namespace: &NamespaceName,
    form: &StartForm,
) -> Result<domain::StartOptions, AppError> {
    let options = form.to_options().map_err(|(field, why)| AppError::BadRequest(format!("{field}: {why}")))?;
    if form.is_resume() && form.strategy() == "OTHER" {
        let (Some(deployment), Some(savepoint)) = (form.other_deployment.as_deref(), form.other_savepoint.as_deref())
        else {
            return Err(AppError::BadRequest("other_savepoint: choose a deployment and one of its states".into()));
        };
        let belongs =
            services.savepoint(namespace, savepoint).await.is_ok_and(|s| s.metadata.deployment_id == deployment);
        if !belongs {
            return Err(AppError::BadRequest(
                "other_savepoint: that state is not one of the chosen deployment's".into(),
            ));
        }
    }
    Ok(options)
}
