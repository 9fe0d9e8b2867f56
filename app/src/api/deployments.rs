//! Server functions for deployments: list them, read one with its history, change its desired
//! state, ask for a savepoint. Each authorises first; the engine does the rest.

use domain::{DesiredState, ExecutionMode};
use leptos::prelude::*;

use crate::error::AppError;
use crate::view_model::deployments::DeploymentsPageData;
use crate::view_model::{DeploymentDetail, DeploymentRow};

/// A page of the deployments of `namespace` in one execution mode that the search selects (a name
/// search `q`, a label selector `labels`, a `state`), in the order `sort` names: the first page, or
/// the one after the `after` token of the page before; with the counts by state above the table
/// and the live stream's position. A bad selector, state or order is a 400 saying which and why.
#[server(endpoint = "list_deployments")]
pub async fn list_deployments(
    namespace: String,
    mode: ExecutionMode,
    after: Option<String>,
    q: Option<String>,
    labels: Option<String>,
    state: Option<String>,
    sort: Option<String>,
) -> Result<DeploymentsPageData, AppError> {
    use domain::{DeploymentQuery, DeploymentSort, LabelSelector};

    use crate::ssr::{answer, caller, parse_namespace, services, Permission};
    use crate::view_model::deployments::every_state;
    use crate::view_model::DEPLOYMENTS_PAGE;

    answer(async {
        let services = services()?;
        let namespace = parse_namespace(&namespace)?;
        services.require(&caller(), Permission::ViewDeployments, &namespace).await?;
        let query = DeploymentQuery {
            mode: Some(mode),
            state: DeploymentQuery::state_filter(state.as_deref()).map_err(AppError::BadRequest)?,
            name_contains: DeploymentQuery::name_search(q.as_deref()).map_err(AppError::BadRequest)?,
            labels: LabelSelector::parse(labels.as_deref().unwrap_or_default()).map_err(AppError::BadRequest)?,
            sort: DeploymentSort::parse(sort.as_deref().unwrap_or_default()).map_err(AppError::BadRequest)?,
        };
        // Read before the lists: whatever changes after it reaches the page through the stream.
        let live_from = services.live_position();
        let page = domain::PageRequest::after(DEPLOYMENTS_PAGE, after);
        let deployments = services.deployments(&namespace, &query, &page).await?;
        let counts = services.deployment_counts(&namespace, &query).await?;
        Ok(DeploymentsPageData {
            page: deployments.map(|deployment| DeploymentRow::from(&deployment)),
            counts: every_state(&counts.0),
            live_from,
        })
    })
    .await
}

/// One deployment with a page of its job history, of its savepoints and of its events: the newest,
/// or the ones after the tokens given (each the `next` token of the page before).
#[server(endpoint = "get_deployment")]
pub async fn get_deployment(
    namespace: String,
    deployment_id: String,
    jobs_after: Option<String>,
    savepoints_after: Option<String>,
    events_after: Option<String>,
) -> Result<DeploymentDetail, AppError> {
    use crate::ssr::{answer, caller, parse_namespace, services, Permission};

    answer(async {
        let services = services()?;
        let namespace = parse_namespace(&namespace)?;
        services.require(&caller(), Permission::ViewDeployments, &namespace).await?;
        let history =
            crate::view_model::HistoryPages { jobs: jobs_after, savepoints: savepoints_after, events: events_after };
        crate::ssr::deployment_detail(&services, &namespace, &deployment_id, &history).await
    })
    .await
}

/// Asks for a deployment to run, be suspended or be cancelled (its `spec.state`); the engine
/// carries it out and the status shows its progress.
#[server(endpoint = "set_desired_state")]
pub async fn set_desired_state(
    namespace: String,
    deployment_id: String,
    state: DesiredState,
) -> Result<DeploymentRow, AppError> {
    use crate::ssr::{answer, caller, parse_namespace, services, Permission};

    answer(async {
        let services = services()?;
        let namespace = parse_namespace(&namespace)?;
        services.require(&caller(), Permission::EditDeployments, &namespace).await?;
        let deployment = services.set_desired_state(&caller(), &namespace, &deployment_id, state).await?;
        Ok(DeploymentRow::from(&deployment))
    })
    .await
}

/// Asks the engine for a savepoint of a running deployment's job (origin USER_REQUEST).
#[server(endpoint = "take_savepoint")]
pub async fn take_savepoint(namespace: String, deployment_id: String) -> Result<String, AppError> {
    use crate::ssr::{answer, caller, parse_namespace, services, Permission};

    answer(async {
        let services = services()?;
        let namespace = parse_namespace(&namespace)?;
        services.require(&caller(), Permission::EditDeployments, &namespace).await?;
        let deployment = services.deployment(&namespace, &deployment_id).await?;
        let savepoint = services.request_savepoint(&caller(), &deployment).await?;
        Ok(savepoint.metadata.id)
    })
    .await
}

/// Deletes a deployment that is not running (the services refuse a running one, saying why). A
/// plain form post is sent on to the Deployments page when it is deleted.
#[server(endpoint = "delete_deployment")]
pub async fn delete_deployment(namespace: String, deployment_id: String) -> Result<String, AppError> {
    use crate::ssr::{answer, caller, parse_namespace, plain_form_post, services, Permission};

    let result = answer(async {
        let services = services()?;
        let ns = parse_namespace(&namespace)?;
        services.require(&caller(), Permission::EditDeployments, &ns).await?;
        let deleted = services.delete_deployment(&caller(), &ns, &deployment_id).await?;
        Ok(deleted.metadata.name)
    })
    .await;
    if plain_form_post() && result.is_ok() {
        leptos_axum::redirect(&format!("/namespaces/{}/deployments", crate::view_model::start::encode(&namespace)));
    }
    result
}
