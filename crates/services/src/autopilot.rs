//! A deployment's Autopilot: its policy (`spec.autopilot`, read and replaced as a whole, checked
//! like every write of the spec) and what the Autopilot knows now (its newest decision and the
//! samples behind it, from the engine's memory). Callers authorise first.

use autopilot::AutopilotStatus;
use domain::autopilot::{AutopilotPolicy, Mode};
use domain::input::kind_of;
use domain::{DeploymentState, InvalidInput, NamespaceName};
use serde_json::{json, Value};

use crate::deployments::strip_server_metadata;
use crate::{Caller, ServiceError, Services};

impl Services {
    /// The deployment's Autopilot policy; DISABLED (every field at its default) when it has none.
    pub async fn autopilot_policy(&self, namespace: &NamespaceName, id: &str) -> Result<AutopilotPolicy, ServiceError> {
        Ok(self.deployment(namespace, id).await?.spec.autopilot.unwrap_or_default())
    }

    /// Replaces the deployment's Autopilot policy with `policy` (a JSON object; fields left out take
    /// their defaults). Checked with the rest of the spec: a bad field is 400 naming
    /// `spec.autopilot.<field>`. The running job is not restarted: the policy is not part of what
    /// it runs.
    pub async fn set_autopilot_policy(
        &self,
        caller: &Caller,
        namespace: &NamespaceName,
        id: &str,
        policy: &Value,
    ) -> Result<AutopilotPolicy, ServiceError> {
        if !policy.is_object() {
            let problem = format!("must be an object, got {}", kind_of(policy));
            return Err(InvalidInput::one("spec.autopilot", problem).into());
        }
        let current = self.deployment(namespace, id).await?;
        let mut document = json!({"metadata": current.metadata, "spec": current.spec});
        strip_server_metadata(&mut document);
        document["spec"]["autopilot"] = policy.clone();
        let updated = self.replace_deployment(caller, namespace, current, &document).await?;
        Ok(updated.spec.autopilot.unwrap_or_default())
    }

    /// What the Autopilot knows of the deployment now: its newest decision, the Flink calls it
    /// cost and the samples of the job's current run (kept in the console's memory only).
    pub async fn autopilot_status(&self, namespace: &NamespaceName, id: &str) -> Result<AutopilotStatus, ServiceError> {
        let deployment = self.deployment(namespace, id).await?;
        let mode = deployment.spec.autopilot.as_ref().map_or(Mode::Disabled, |p| p.mode);
        let waiting_for = if mode == Mode::Disabled {
            Some("nothing: the policy is DISABLED".to_owned())
        } else if deployment.status.state != DeploymentState::Running {
            Some(format!("the deployment to run (it is {})", deployment.status.state))
        } else {
            None
        };
        Ok(match &self.autopilot {
            Some(monitor) => monitor.status(namespace.as_str(), id, mode, waiting_for),
            None => engine::Monitor::default().status(
                namespace.as_str(),
                id,
                mode,
                Some("the lifecycle engine, which does not run in this console".to_owned()),
            ),
        })
    }
}
