//! The console-wide network settings (which session-cluster hosts inside the console's network an
//! admin allows): read, changed with its audit line, and handed to the live `NetworkPolicy`.
//! Callers authorise first (`Permission::ManageSystem`); this never widens the policy on its own.

use domain::network::{network_settings, AllowedHosts, NETWORK_SETTING};
use domain::NetworkSettings;
use flink::network::NetworkPolicy;
use serde_json::Value;
use storage::{now_rfc3339, Store};

use crate::access::{audit_entry, commit_audited};
use crate::{Caller, ServiceError, Services};

impl Services {
    /// The stored settings (none allowed if they were never saved).
    pub async fn network_settings(&self) -> Result<NetworkSettings, ServiceError> {
        Ok(stored_allowed_hosts(&self.store).await?.to_settings())
    }

    /// Replaces the allowed hosts with those of `document` (`{"allowedSessionClusterHosts": [...]}`);
    /// every connection from now on is checked against them. A bad pattern is a field error.
    pub async fn set_network_settings(
        &self,
        caller: &Caller,
        document: &Value,
    ) -> Result<NetworkSettings, ServiceError> {
        let allowed = AllowedHosts::parse(&network_settings(document)?)?;
        let before = stored_allowed_hosts(&self.store).await?;
        let settings = allowed.to_settings();
        if before == allowed {
            return Ok(settings);
        }
        let stored = serde_json::to_value(&settings).map_err(|_| ServiceError::Internal)?;
        let mut tx = self.store.begin().await?;
        tx.put_setting(NETWORK_SETTING, &stored, &now_rfc3339()).await?;
        let before = serde_json::to_value(before.to_settings()).map_err(|_| ServiceError::Internal)?;
        commit_audited(tx, audit_entry(caller, None, "update", ("Settings", "network"), Some(before), Some(stored)))
            .await?;
        self.network.allow(allowed);
        tracing::info!(allowed = ?settings.allowed_session_cluster_hosts, "allowed session-cluster hosts changed");
        Ok(settings)
    }
}

/// The policy the stored settings make, for the console's start: every Flink client and
/// `Services::with_network_policy` share it.
pub async fn stored_network_policy(store: &Store) -> Result<NetworkPolicy, ServiceError> {
    Ok(NetworkPolicy::new(stored_allowed_hosts(store).await?))
}

async fn stored_allowed_hosts(store: &Store) -> Result<AllowedHosts, ServiceError> {
    let Some(document) = store.setting(NETWORK_SETTING).await? else {
        return Ok(AllowedHosts::default());
    };
    // Only this module writes it, checked; a row that no longer reads allows nothing.
    match network_settings(&document).map(|settings| AllowedHosts::parse(&settings)) {
        Ok(Ok(allowed)) => Ok(allowed),
        Ok(Err(err)) | Err(err) => {
            tracing::error!(error = %err, "the stored network settings do not read; allowing nothing");
            Ok(AllowedHosts::default())
        }
    }
}
