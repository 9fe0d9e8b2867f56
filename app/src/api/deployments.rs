//! Server functions for deployments: list them, read one with its history, change its desired
//! state, ask for a savepoint. Each authorises first; the engine does the rest.

use domain::{DesiredState, ExecutionMode};
use leptos::prelude::*;

use crate::error::AppError;
use crate::view_model::{DeploymentDetail, DeploymentRow};

/// The deployments of `namespace` in one execution mode, by name.
#[server(endpoint = "list_deployments")]
pub async fn list_deployments(namespace: String, mode: ExecutionMode) -> Result<Vec<DeploymentRow>, AppError> {
    use crate::ssr::{answer, caller, parse_namespace, services, Permission};

    answer(async {
        let services = services()?;
        let namespace = parse_namespace(&namespace)?;
        services.require(&caller(), Permission::ViewDeployments, &namespace).await?;
        let deployments = services.deployments(&namespace, Some(mode)).await?;
        Ok(deployments.iter().map(DeploymentRow::from).collect())
    })
    .await
}

/// One deployment with its job history, savepoints and newest events.
#[server(endpoint = "get_deployment")]
pub async fn get_deployment(namespace: String, deployment_id: String) -> Result<DeploymentDetail, AppError> {
    use crate::ssr::{answer, caller, parse_namespace, services, Permission};

    answer(async {
        let services = services()?;
        let namespace = parse_namespace(&namespace)?;
        services.require(&caller(), Permission::ViewDeployments, &namespace).await?;
        crate::ssr::deployment_detail(&services, &namespace, &deployment_id).await
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
