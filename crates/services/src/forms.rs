//! Reads the deployment form and page need: the defaults an empty field becomes, the effective
//! spec, the JARs a person may pick, and who last changed a deployment (for "changed by X at T —
//! reload").

use domain::{Deployment, NamespaceName, PageRequest};
use serde_json::Value;

use crate::{ServiceError, Services};

/// How many audit lines are searched for a deployment's last change.
const AUDIT_SEARCHED: u32 = 200;

impl Services {
    /// The global and namespace defaults merged over the console's own, as a partial
    /// DeploymentSpec: what a field a person leaves empty becomes.
    pub async fn effective_defaults(&self, namespace: &NamespaceName) -> Result<Value, ServiceError> {
        let layers = self.defaults_layers(namespace).await?;
        let layers: Vec<&Value> = layers.iter().collect();
        Ok(domain::input::effective_defaults(&layers))
    }

    /// A deployment's spec with the namespace's current defaults merged beneath it, as saving it
    /// again would store it (the stored spec was expanded with the defaults of its last write).
    pub async fn effective_spec(
        &self,
        namespace: &NamespaceName,
        deployment: &Deployment,
    ) -> Result<Value, ServiceError> {
        let layers = self.defaults_layers(namespace).await?;
        let layers: Vec<&Value> = layers.iter().collect();
        let spec = serde_json::to_value(&deployment.spec).map_err(|err| {
            tracing::error!(error = %err, "a stored deployment spec does not serialise");
            ServiceError::Internal
        })?;
        Ok(domain::input::expanded(&spec, &layers))
    }

    /// The JARs a deployment of `namespace` may name, as `jarUri`s: the namespace's uploaded
    /// artifacts (`artifact:///<name>`, the first `MAX_PAGE_SIZE` by name), then those in the
    /// artifact store.
    pub async fn known_jars(&self, namespace: &NamespaceName) -> Result<Vec<String>, ServiceError> {
        let uploaded = self.artifacts(namespace, &PageRequest::first(Self::MAX_PAGE_SIZE)).await?;
        let mut jars: Vec<String> = uploaded.items.into_iter().map(|artifact| artifact.uri).collect();
        jars.extend(self.artifacts.jar_uris());
        Ok(jars)
    }

    /// Who made the newest audited change to deployment `name` of `namespace`, if the recent audit
    /// log has it.
    pub async fn last_change_by(&self, namespace: &NamespaceName, name: &str) -> Result<Option<String>, ServiceError> {
        let page = self.audit(Some(namespace), &PageRequest::first(AUDIT_SEARCHED)).await?;
        Ok(page
            .items
            .into_iter()
            .find(|entry| entry.resource_kind == "Deployment" && entry.resource_name == name)
            .map(|entry| entry.actor))
    }
}
