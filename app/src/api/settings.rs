//! Server functions for settings: console-wide (system admins: the session-cluster hosts inside
//! the console's network that may be registered anyway) and a namespace's (its deployment
//! defaults, edited as YAML, with a preview of how they merge into a deployment). Each authorises
//! first; the services check what is saved and write the audit log.

use leptos::prelude::*;

use crate::error::AppError;
use crate::view_model::NamespaceSettings;

/// The allowed session-cluster hosts, one pattern per entry (admins).
#[server(endpoint = "get_network_settings")]
pub async fn get_network_settings() -> Result<Vec<String>, AppError> {
    use crate::ssr::{answer, caller, services, Permission, Scope};

    answer(async {
        let services = services()?;
        services.require(&caller(), Permission::ManageSystem, Scope::Console).await?;
        Ok(services.network_settings().await?.allowed_session_cluster_hosts)
    })
    .await
}

/// Replaces the allowed session-cluster hosts with `hosts`, one pattern per line (a textarea's
/// value; blank lines are ignored) (admins). Answers the patterns as saved.
#[server(endpoint = "set_network_settings")]
pub async fn set_network_settings(hosts: String) -> Result<Vec<String>, AppError> {
    use crate::ssr::{answer_naming, caller, services, Permission, Scope};

    answer_naming(
        async {
            let services = services()?;
            services.require(&caller(), Permission::ManageSystem, Scope::Console).await?;
            let patterns: Vec<&str> = hosts.lines().map(str::trim).filter(|line| !line.is_empty()).collect();
            let document = serde_json::json!({ "allowedSessionClusterHosts": patterns });
            Ok(services.set_network_settings(&caller(), &document).await?.allowed_session_cluster_hosts)
        },
        |hosts| Some(hosts.len().to_string()),
    )
    .await
}

/// What a namespace's settings page shows: its deployment defaults as YAML (with the version the
/// person saw, for saving), the global defaults beneath them, who may change them.
#[server(endpoint = "get_namespace_settings")]
pub async fn get_namespace_settings(namespace: String) -> Result<NamespaceSettings, AppError> {
    use crate::ssr::{answer, caller, parse_namespace, services, Permission};
    use domain::DefaultsScope;

    answer(async {
        let services = services()?;
        let namespace = parse_namespace(&namespace)?;
        services.require(&caller(), Permission::ViewDeployments, &namespace).await?;
        let own = services.deployment_defaults(&DefaultsScope::Namespace(namespace.clone())).await?;
        let global = services.deployment_defaults(&DefaultsScope::Global).await?;
        let may_manage = services.require(&caller(), Permission::ManageNamespace, &namespace).await.is_ok();
        Ok(NamespaceSettings {
            defaults_yaml: spec_yaml(&own.spec)?,
            resource_version: own.metadata.resource_version,
            modified_at: (own.metadata.resource_version > 0).then(|| own.metadata.modified_at.clone()),
            global_yaml: spec_yaml(&global.spec)?,
            may_manage,
        })
    })
    .await
}

/// Replaces the namespace's deployment defaults with the YAML document `yaml` (a partial
/// deployment spec), if they are still at `resource_version` (owners). Answers the new version. A
/// plain form post goes back to the settings page, with the error and the text when refused.
#[server(endpoint = "save_namespace_defaults")]
pub async fn save_namespace_defaults(
    namespace: String,
    yaml: String,
    resource_version: String,
) -> Result<i64, AppError> {
    use crate::ssr::{answer, caller, parse_namespace, plain_form_post, services, Permission};
    use crate::view_model::start::encode;

    let result = answer(async {
        let services = services()?;
        let namespace = parse_namespace(&namespace)?;
        services.require(&caller(), Permission::ManageNamespace, &namespace).await?;
        let version = crate::ssr::parse_resource_version(&resource_version)?;
        let spec = services::yaml::read_text(&yaml, "defaults").await?;
        let saved = services.replace_namespace_defaults(&caller(), &namespace, &spec, version).await?;
        Ok(saved.metadata.resource_version)
    })
    .await;
    if plain_form_post() {
        let page = format!("/namespaces/{}/settings", encode(&namespace));
        match &result {
            Ok(version) => leptos_axum::redirect(&format!("{page}?saved={version}")),
            Err(err) => {
                leptos_axum::redirect(&format!("{page}?yaml={}&error={}", encode(&yaml), encode(&err.to_string())))
            }
        }
    }
    result
}

/// How `deployment_yaml` (a deployment spec as YAML) merges beneath `defaults_yaml` (the
/// namespace's defaults, as edited) and the global defaults: the merged spec as YAML. Saves
/// nothing; members may preview.
#[server(endpoint = "preview_namespace_defaults")]
pub async fn preview_namespace_defaults(
    namespace: String,
    defaults_yaml: String,
    deployment_yaml: String,
) -> Result<String, AppError> {
    use crate::ssr::{answer, caller, parse_namespace, services, Permission};

    answer(async {
        let services = services()?;
        let namespace = parse_namespace(&namespace)?;
        services.require(&caller(), Permission::ViewDeployments, &namespace).await?;
        let defaults = services::yaml::read_text(&defaults_yaml, "defaults").await?;
        let deployment = services::yaml::read_text(&deployment_yaml, "deployment spec").await?;
        let merged = services.preview_defaults(&defaults, &deployment).await?;
        Ok(services::yaml::to_yaml(&merged)?)
    })
    .await
}

/// A spec as the YAML a person edits: nothing at all for an empty one.
#[cfg(feature = "ssr")]
fn spec_yaml(spec: &serde_json::Value) -> Result<String, AppError> {
    match spec {
        serde_json::Value::Null => Ok(String::new()),
        serde_json::Value::Object(map) if map.is_empty() => Ok(String::new()),
        other => Ok(services::yaml::to_yaml(other)?),
    }
}
