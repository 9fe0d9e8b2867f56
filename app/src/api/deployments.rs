//! Server functions for deployments: list them, read one with its history, change its desired
//! state, ask for a savepoint. Each authorises first; the engine does the rest.

use domain::{DesiredState, ExecutionMode, ListPage};
use leptos::prelude::*;

use crate::error::AppError;
use crate::view_model::{DeploymentDetail, DeploymentRow};

/// A page of the deployments of `namespace` in one execution mode, by name: the first, or the one
/// after the `after` token of the page before.
#[server(endpoint = "list_deployments")]
pub async fn list_deployments(
    namespace: String,
    mode: ExecutionMode,
    after: Option<String>,
) -> Result<ListPage<DeploymentRow>, AppError> {
    use crate::ssr::{answer, caller, parse_namespace, services, Permission};
    use crate::view_model::DEPLOYMENTS_PAGE;

    answer(async {
        let services = services()?;
        let namespace = parse_namespace(&namespace)?;
        services.require(&caller(), Permission::ViewDeployments, &namespace).await?;
        let page = domain::PageRequest::after(DEPLOYMENTS_PAGE, after);
        let deployments = services.deployments(&namespace, Some(mode), None, &page).await?;
        Ok(deployments.map(|deployment| DeploymentRow::from(&deployment)))
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
