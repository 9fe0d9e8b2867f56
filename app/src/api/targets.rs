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

/// Points the session-cluster target `name` at `url` (and gives it `display_name`), if it is still
/// at `resource_version` (owners). Refused while a deployment on it runs.
#[server(endpoint = "update_session_target")]
pub async fn update_session_target(
    namespace: String,
    name: String,
    url: String,
    display_name: Option<String>,
    resource_version: String,
) -> Result<TargetRow, AppError> {
    use crate::ssr::{answer, caller, parse_namespace, services, Permission};

    answer(async {
        let services = services()?;
        let namespace = parse_namespace(&namespace)?;
        services.require(&caller(), Permission::ManageNamespace, &namespace).await?;
        let version = crate::ssr::parse_resource_version(&resource_version)?;
        let display_name = display_name.map(|text| text.trim().to_owned()).filter(|text| !text.is_empty());
        let document = serde_json::json!({
            "metadata": {"name": name.trim(), "displayName": display_name},
            "spec": {"flinkSession": {"url": url.trim()}},
        });
        let target =
            services.update_deployment_target(&caller(), &namespace, name.trim(), &document, Some(version)).await?;
        Ok(TargetRow::from(&target))
    })
    .await
}

/// Removes the session-cluster target `name` (owners); refused while a deployment names it.
#[server(endpoint = "delete_session_target")]
pub async fn delete_session_target(namespace: String, name: String) -> Result<(), AppError> {
    use crate::ssr::{answer, caller, parse_namespace, services, Permission};

    answer(async {
        let services = services()?;
        let namespace = parse_namespace(&namespace)?;
        services.require(&caller(), Permission::ManageNamespace, &namespace).await?;
        services.delete_deployment_target(&caller(), &namespace, name.trim()).await?;
        Ok(())
    })
    .await
}
