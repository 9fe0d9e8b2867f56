//! Savepoints a person adds by hand: copying one deployment's savepoint to another (VVP's copy: a
//! new COPIED savepoint that references the same location). Registering an external location is
//! `create_savepoint` (with the location policy, `check_registrable_location`). Also forgetting a
//! savepoint or an ended job (Alibaba's deletes).

use std::collections::BTreeMap;

use domain::{
    Job, NamespaceName, Permission, Savepoint, SavepointMetadata, SavepointOrigin, SavepointSpec, SavepointState,
    SavepointStatus, API_VERSION,
};
use serde_json::json;
use storage::now_rfc3339;

use crate::access::{audit_entry, commit_audited};
use crate::{Caller, ServiceError, Services};

/// The annotation a copied savepoint carries: `<namespace>/<id>` of the savepoint it copies.
pub const COPIED_FROM: &str = "console.flink/copied-from";

impl Services {
    /// Copies savepoint `savepoint_id` of `namespace` to deployment `target_id` of `target_namespace`:
    /// a new COMPLETED savepoint with origin COPIED at the same location (and the same job
    /// fingerprint, so the compatibility check still knows its job). The caller must be able to read
    /// the source and change the target's deployments; both are checked here. Only a COMPLETED
    /// savepoint with a location can be copied.
    pub async fn copy_savepoint(
        &self,
        caller: &Caller,
        namespace: &NamespaceName,
        savepoint_id: &str,
        target_namespace: &NamespaceName,
        target_id: &str,
    ) -> Result<Savepoint, ServiceError> {
        self.require(caller, Permission::ViewDeployments, namespace).await?;
        self.require(caller, Permission::EditDeployments, target_namespace).await?;
        let source = self.savepoint(namespace, savepoint_id).await?;
        let location = match (&source.status.state, &source.spec.savepoint_location) {
            (SavepointState::Completed, Some(location)) => location.clone(),
            (state, _) => {
                return Err(ServiceError::Conflict(format!(
                    "savepoint {savepoint_id} is {state}{}; only a completed savepoint can be copied",
                    if source.spec.savepoint_location.is_none() { " without a location" } else { "" }
                )))
            }
        };
        let target = self.deployment(target_namespace, target_id).await?;
        if namespace == target_namespace && source.metadata.deployment_id == target.metadata.id {
            return Err(ServiceError::BadRequest(format!(
                "deploymentId: savepoint {savepoint_id} already belongs to deployment {}; choose another deployment",
                target.metadata.name
            )));
        }
        let now = now_rfc3339();
        let copy = Savepoint {
            api_version: API_VERSION.into(),
            kind: Savepoint::KIND.into(),
            metadata: SavepointMetadata {
                id: uuid::Uuid::new_v4().to_string(),
                namespace: target_namespace.as_str().into(),
                deployment_id: target.metadata.id.clone(),
                job_id: None,
                origin: SavepointOrigin::Copied,
                annotations: BTreeMap::from([(COPIED_FROM.to_owned(), format!("{namespace}/{savepoint_id}"))]),
                created_at: now.clone(),
                modified_at: now,
                resource_version: 1,
            },
            spec: SavepointSpec {
                savepoint_location: Some(location.clone()),
                flink_savepoint_id: None,
                job_fingerprint: source.spec.job_fingerprint.clone(),
                format_type: source.spec.format_type,
            },
            status: SavepointStatus { state: SavepointState::Completed, failure: None },
        };
        let mut tx = self.store.begin().await?;
        tx.insert_savepoint(&copy).await?;
        let after = json!({"savepoint": copy.metadata.id, "location": location, "copiedFrom": format!("{namespace}/{savepoint_id}")});
        let kind_name = ("Deployment", target.metadata.name.as_str());
        let entry = audit_entry(caller, Some(target_namespace), "copy-savepoint", kind_name, None, Some(after));
        commit_audited(tx, entry).await?;
        tracing::info!(%namespace, savepoint = savepoint_id, %target_namespace, target = %target.metadata.name, "savepoint copied");
        Ok(copy)
    }
}

impl Services {
    /// Forgets savepoint `id` of `namespace` (Alibaba's `DELETE …/savepoints/{id}`): its row goes,
    /// with an audit line; its files stay where Flink wrote them (another savepoint may name the
    /// same location: copies do). One Flink is still writing (STARTED) cannot be deleted yet.
    pub async fn delete_savepoint(
        &self,
        caller: &Caller,
        namespace: &NamespaceName,
        id: &str,
    ) -> Result<Savepoint, ServiceError> {
        let savepoint = self.savepoint(namespace, id).await?;
        if savepoint.status.state == SavepointState::Started {
            return Err(ServiceError::Conflict(format!(
                "savepoint {id} is still being taken (STARTED); delete it once it is COMPLETED or FAILED"
            )));
        }
        let deployment = self.deployment(namespace, &savepoint.metadata.deployment_id).await.ok();
        let name = deployment.as_ref().map_or(savepoint.metadata.deployment_id.as_str(), |d| d.metadata.name.as_str());
        let mut tx = self.store.begin().await?;
        tx.delete_savepoint(namespace, id, savepoint.metadata.resource_version).await?;
        let before = json!({"savepoint": id, "location": savepoint.spec.savepoint_location});
        let entry = audit_entry(caller, Some(namespace), "delete-savepoint", ("Deployment", name), Some(before), None);
        commit_audited(tx, entry).await?;
        tracing::info!(%namespace, savepoint = id, "savepoint deleted");
        Ok(savepoint)
    }

    /// Forgets job `id` of `namespace` (Alibaba's `DELETE …/jobs/{id}`), which must have ended
    /// (FAILED, TERMINATED or FINISHED): its row goes, with an audit line. Its savepoints and events
    /// stay.
    pub async fn delete_job(&self, caller: &Caller, namespace: &NamespaceName, id: &str) -> Result<Job, ServiceError> {
        let job = self.job(namespace, id).await?;
        if !job.status.state.is_terminal() {
            return Err(ServiceError::Conflict(format!(
                "job {id} is {}: only a job that has ended (FAILED, TERMINATED, FINISHED) can be deleted; stop it first",
                job.status.state
            )));
        }
        let name = job.metadata.deployment_name.clone().unwrap_or_else(|| job.metadata.deployment_id.clone());
        let mut tx = self.store.begin().await?;
        tx.delete_ended_job(namespace, id, job.metadata.resource_version).await?;
        let before = json!({"job": id, "state": job.status.state});
        let entry = audit_entry(caller, Some(namespace), "delete-job", ("Deployment", &name), Some(before), None);
        commit_audited(tx, entry).await?;
        tracing::info!(%namespace, job = id, "job deleted");
        Ok(job)
    }
}
