//! Server functions for deployment targets.

use leptos::prelude::*;

use crate::error::AppError;
use crate::view_model::TargetRow;

/// The deployment targets of `namespace` with their cluster's health.
#[server(endpoint = "list_deployment_targets")]
pub async fn list_deployment_targets(namespace: String) -> Result<Vec<TargetRow>, AppError> {
    use crate::ssr::{parse_namespace, services, set_status_for, Permission};

    let result = async {
        let services = services()?;
        let namespace = parse_namespace(&namespace)?;
        services.require(Permission::ViewDeployments, &namespace).await?;
        let targets = services.store.list_deployment_targets(&namespace).await?;
        Ok(targets.into_iter().map(|t| TargetRow::from(&services.health.with_status(t))).collect())
    }
    .await;
    if let Err(err) = &result {
        set_status_for(err);
    }
    result
}
