//! Server functions for deployment targets.

use leptos::prelude::*;

use crate::error::AppError;
use crate::view_model::TargetRow;

/// The deployment targets of `namespace` with their cluster's health: the first
/// `Services::MAX_PAGE_SIZE` by name (a namespace has a few).
#[server(endpoint = "list_deployment_targets")]
pub async fn list_deployment_targets(namespace: String) -> Result<Vec<TargetRow>, AppError> {
    use crate::ssr::{answer, caller, parse_namespace, services, Permission};

    answer(async {
        let services = services()?;
        let namespace = parse_namespace(&namespace)?;
        services.require(&caller(), Permission::ViewDeployments, &namespace).await?;
        let first = domain::PageRequest::first(crate::ssr::Services::MAX_PAGE_SIZE);
        let targets = services.deployment_targets(&namespace, &first).await?;
        Ok(targets.items.iter().map(TargetRow::from).collect())
    })
    .await
}

/// Registers a Flink session cluster (its JobManager's REST URL) as a deployment target of the
/// namespace; the console probes its health from then on.
#[server(endpoint = "register_session_target")]
pub async fn register_session_target(namespace: String, name: String, url: String) -> Result<TargetRow, AppError> {
    use crate::ssr::{answer, caller, parse_namespace, services, Permission};

    answer(async {
        let services = services()?;
        let namespace = parse_namespace(&namespace)?;
        services.require(&caller(), Permission::ManageNamespace, &namespace).await?;
        let document =
            serde_json::json!({"metadata": {"name": name.trim()}, "spec": {"flinkSession": {"url": url.trim()}}});
        let target = services.create_deployment_target(&caller(), &namespace, &document).await?;
        Ok(TargetRow::from(&services.health.with_status(target)))
    })
    .await
}
