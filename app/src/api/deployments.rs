//! Server functions for the Deployments page.

use domain::ExecutionMode;
use leptos::prelude::*;

use crate::error::AppError;
use crate::view_model::DeploymentRow;

/// The deployments of `namespace` in one execution mode, by name.
#[server(endpoint = "list_deployments")]
pub async fn list_deployments(namespace: String, mode: ExecutionMode) -> Result<Vec<DeploymentRow>, AppError> {
    use crate::ssr::{parse_namespace, services, set_status_for, Permission};

    let result = async {
        let services = services()?;
        let namespace = parse_namespace(&namespace)?;
        services.require(Permission::ViewDeployments, &namespace).await?;
        let deployments = services.store.list_deployments(&namespace, Some(mode)).await?;
        Ok(deployments.iter().map(DeploymentRow::from).collect())
    }
    .await;
    if let Err(err) = &result {
        set_status_for(err);
    }
    result
}
