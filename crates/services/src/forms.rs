//! What the console's forms and pages need beyond the resources themselves: the defaults an empty
//! field becomes, the effective spec, the JARs a person may pick, who last changed a deployment
//! (for "changed by X at T — reload"), and the namespace settings' defaults editor (replace them
//! with a whole document; preview how they merge into a deployment).

use domain::input::{self, check_defaults, merge_patch_between};
use domain::{DefaultsScope, Deployment, DeploymentDefaults, InvalidInput, NamespaceName, PageRequest};
use serde_json::{json, Value};

use crate::{Caller, ServiceError, Services};

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

    /// Replaces the namespace's defaults with `spec`, a whole partial DeploymentSpec as the
    /// settings page's YAML holds it (empty: no defaults), if the stored ones are still at
    /// `resource_version`. Goes through the same merge patch, checks and audit line as the API's
    /// PATCH: the patch is the difference between the stored spec and `spec`.
    pub async fn replace_namespace_defaults(
        &self,
        caller: &Caller,
        namespace: &NamespaceName,
        spec: &Value,
        resource_version: i64,
    ) -> Result<DeploymentDefaults, ServiceError> {
        let spec = match spec {
            Value::Null => json!({}),
            Value::Object(_) => spec.clone(),
            other => {
                return Err(InvalidInput::one(
                    "spec",
                    format!("must be a map of deployment spec fields, got {}", input::kind_of(other)),
                )
                .into())
            }
        };
        let scope = DefaultsScope::Namespace(namespace.clone());
        let current = self.deployment_defaults(&scope).await?;
        let patch = json!({
            "metadata": {"resourceVersion": resource_version},
            "spec": merge_patch_between(&current.spec, &spec),
        });
        self.patch_deployment_defaults(caller, &scope, &patch).await
    }

    /// What a deployment spec `deployment` becomes beneath `namespace_defaults` (and the global
    /// defaults beneath those), without saving anything: the settings page's merge preview. The
    /// defaults are checked as saving them would check them.
    pub async fn preview_defaults(
        &self,
        namespace_defaults: &Value,
        deployment: &Value,
    ) -> Result<Value, ServiceError> {
        let namespace_defaults = if namespace_defaults.is_null() { json!({}) } else { namespace_defaults.clone() };
        let deployment = if deployment.is_null() { json!({}) } else { deployment.clone() };
        if !deployment.is_object() {
            return Err(InvalidInput::one(
                "deployment",
                format!("must be a map of deployment spec fields, got {}", input::kind_of(&deployment)),
            )
            .into());
        }
        let global = self.deployment_defaults(&DefaultsScope::Global).await?.spec;
        check_defaults(&[&global, &namespace_defaults])?;
        Ok(input::expanded(&deployment, &[&global, &namespace_defaults]))
    }
}
