//! Server functions for console-wide settings (system admins): the session-cluster hosts inside
//! the console's network that may be registered anyway. Each authorises first; the services
//! check the patterns and write the audit log.

use leptos::prelude::*;

use crate::error::AppError;

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
    use crate::ssr::{answer, caller, services, Permission, Scope};

    answer(async {
        let services = services()?;
        services.require(&caller(), Permission::ManageSystem, Scope::Console).await?;
        let patterns: Vec<&str> = hosts.lines().map(str::trim).filter(|line| !line.is_empty()).collect();
        let document = serde_json::json!({ "allowedSessionClusterHosts": patterns });
        Ok(services.set_network_settings(&caller(), &document).await?.allowed_session_cluster_hosts)
    })
    .await
}
