//! The view models of pages, built from the services' reads, and the one-time hand-over of a new
//! API token's secret to the page a plain form post returns to.

use domain::{ApiToken, NamespaceName, Role};
use services::{Secret, Services};

use super::{request_cookie, set_cookie};
use crate::error::AppError;
use crate::view_model::{
    CreatedToken, DeploymentDetail, DeploymentRow, EventRow, JobRow, NamespaceRow, SavepointRow, UserRow,
};

/// How much history the deployment page shows.
const DETAIL_JOBS: usize = 20;
const DETAIL_SAVEPOINTS: usize = 30;
const DETAIL_EVENTS: u32 = 60;

/// The cookie that carries a new token's secret to the page after a plain form post.
const NEW_TOKEN_COOKIE: &str = "console_new_token";

/// A deployment with its newest jobs, savepoints and events, as the deployment page shows it.
pub async fn deployment_detail(
    services: &Services,
    namespace: &NamespaceName,
    id: &str,
) -> Result<DeploymentDetail, AppError> {
    let deployment = services.deployment(namespace, id).await?;
    let jobs = services.jobs(namespace, Some(id)).await?;
    let savepoints = services.savepoints(namespace, Some(id), None).await?;
    let events = services.events(namespace, Some(id), None, Some(DETAIL_EVENTS)).await?;
    Ok(DeploymentDetail {
        row: DeploymentRow::from(&deployment),
        upgrade_strategy: deployment.spec.upgrade_strategy.kind.as_str().to_owned(),
        restore_strategy: deployment.spec.restore_strategy.kind.as_str().to_owned(),
        running_job: deployment.status.running.as_ref().map(|r| r.job_id.clone()),
        jobs: jobs.iter().take(DETAIL_JOBS).map(JobRow::from).collect(),
        savepoints: savepoints.iter().take(DETAIL_SAVEPOINTS).map(SavepointRow::from).collect(),
        events: events.iter().map(EventRow::from).collect(),
    })
}

/// Every user with the namespaces they belong to (for the admin page).
pub async fn user_rows(services: &Services) -> Result<Vec<UserRow>, AppError> {
    let mut rows = Vec::new();
    for user in services.users().await? {
        let memberships = services.memberships(&user).await?;
        rows.push(UserRow { name: user.name, admin: user.admin, created_at: user.created_at, memberships });
    }
    Ok(rows)
}

/// Every namespace with how many deployments and members it has, and its owners.
pub async fn namespace_rows(services: &Services) -> Result<Vec<NamespaceRow>, AppError> {
    let mut rows = Vec::new();
    for namespace in services.namespaces().await? {
        let name = NamespaceName::parse(&namespace.metadata.name).map_err(|err| {
            tracing::error!(error = %err, "a stored namespace name does not parse");
            AppError::Internal
        })?;
        let deployments = services.deployments(&name, None).await?.len();
        let members = services.members(&name).await?;
        let owners = members.iter().filter(|m| m.role == Role::Owner).map(|m| m.user.clone()).collect();
        rows.push(NamespaceRow {
            name: namespace.metadata.name,
            created_at: namespace.metadata.created_at,
            deployments,
            owners,
            members: members.len(),
        });
    }
    Ok(rows)
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
