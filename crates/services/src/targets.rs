//! Deployment targets registered by a namespace's owners (Flink session clusters), for the REST
//! API and the server functions alike. Callers authorise first (`Services::require`).

use domain::network::SessionUrl;
use domain::{
    input, Deployment, DeploymentTarget, DeploymentTargetSpec, DesiredState, InvalidInput, NamespaceName,
    ResourceMetadata, API_VERSION,
};
use serde_json::Value;
use storage::now_rfc3339;

use crate::access::{audit_entry, commit_audited};
use crate::{Caller, ServiceError, Services};

/// The most targets a namespace may have: each is probed every few seconds and keeps a client.
pub const MAX_TARGETS: usize = 50;

impl Services {
    /// The namespace's target called `name`, with its observed health.
    pub async fn deployment_target(
        &self,
        namespace: &NamespaceName,
        name: &str,
    ) -> Result<DeploymentTarget, ServiceError> {
        let target = self.store.deployment_target(namespace, name).await?;
        let target = target.ok_or_else(|| ServiceError::NotFound(format!("deployment target {name}")))?;
        Ok(self.health.with_status(target))
    }

    /// Registers a Flink session cluster as a target of the namespace; its health is probed from
    /// then on. A URL whose host is, or resolves to, an address inside the console's network is
    /// refused unless an admin allows it. A taken name, or a namespace with `MAX_TARGETS` already,
    /// is a conflict.
    pub async fn create_deployment_target(
        &self,
        caller: &Caller,
        namespace: &NamespaceName,
        document: &Value,
    ) -> Result<DeploymentTarget, ServiceError> {
        let draft = input::target_draft(document, namespace)?;
        if self.store.deployment_target(namespace, draft.name.as_str()).await?.is_some() {
            return Err(ServiceError::Conflict(format!(
                "deployment target {:?} already exists in namespace {namespace}",
                draft.name.as_str()
            )));
        }
        let url = SessionUrl::parse(&draft.session.url)
            .map_err(|why| ServiceError::BadRequest(format!("spec.flinkSession.url: {why}")))?;
        self.network
            .check_host(&url.host, url.port)
            .await
            .map_err(|refusal| ServiceError::BadRequest(format!("spec.flinkSession.url: {refusal}")))?;
        let now = now_rfc3339();
        let target = DeploymentTarget {
            api_version: API_VERSION.into(),
            kind: "DeploymentTarget".into(),
            metadata: ResourceMetadata {
                id: uuid::Uuid::new_v4().to_string(),
                name: draft.name.as_str().to_owned(),
                namespace: namespace.as_str().to_owned(),
                display_name: draft.display_name,
                labels: draft.labels,
                annotations: Default::default(),
                created_at: now.clone(),
                modified_at: now,
                resource_version: 1,
            },
            spec: DeploymentTargetSpec { flink_session: Some(draft.session), ..Default::default() },
            status: None,
        };
        // The cap and the name are checked again where they hold: with the namespace locked.
        let mut tx = self.store.begin().await?;
        if !tx.lock_namespace(namespace).await? {
            return Err(ServiceError::NotFound(format!("namespace {namespace}")));
        }
        let (count, taken) = tx.deployment_target_count(namespace, &target.metadata.name).await?;
        if taken {
            return Err(ServiceError::Conflict(format!(
                "deployment target {:?} already exists in namespace {namespace}",
                target.metadata.name
            )));
        }
        if count >= i64::try_from(MAX_TARGETS).unwrap_or(i64::MAX) {
            return Err(ServiceError::Conflict(format!(
                "namespace {namespace} has {count} deployment targets, the most it may have; delete one first"
            )));
        }
        let stored = tx.upsert_deployment_target(&target).await?;
        let after = Some(serde_json::json!({"spec": stored.spec}));
        let kind_name = ("DeploymentTarget", stored.metadata.name.as_str());
        commit_audited(tx, audit_entry(caller, Some(namespace), "create", kind_name, None, after)).await?;
        tracing::info!(%namespace, name = %stored.metadata.name, url = ?stored.spec.rest_url(), "deployment target registered");
        Ok(self.health.with_status(stored))
    }

    /// Points the session-cluster target `name` at another URL (and display name and labels, as
    /// `document` gives them — a DeploymentTarget like the one registering it). `resource_version`,
    /// when given, must be the stored one (a change made meanwhile is a conflict naming it). Refused
    /// while a deployment on the target has a job or is asked to run: its job lives on the old
    /// cluster, and the engine would look for it on the new one. The console's own cluster
    /// (`local`) is not changed this way.
    pub async fn update_deployment_target(
        &self,
        caller: &Caller,
        namespace: &NamespaceName,
        name: &str,
        document: &Value,
        resource_version: Option<i64>,
    ) -> Result<DeploymentTarget, ServiceError> {
        let mut document = document.clone();
        if let Some(object) = document.as_object_mut() {
            let metadata = object.entry("metadata").or_insert_with(|| serde_json::json!({}));
            match metadata.get("name") {
                Some(Value::String(given)) if given != name => {
                    return Err(InvalidInput::one(
                        "metadata.name",
                        format!("is {given:?} but the target being changed is {name:?}; a target cannot be renamed"),
                    )
                    .into());
                }
                _ => {
                    if let Some(metadata) = metadata.as_object_mut() {
                        metadata.insert("name".into(), Value::String(name.to_owned()));
                    }
                }
            }
        }
        let draft = input::target_draft(&document, namespace)?;
        let url = SessionUrl::parse(&draft.session.url)
            .map_err(|why| ServiceError::BadRequest(format!("spec.flinkSession.url: {why}")))?;
        let mut tx = self.store.begin().await?;
        if !tx.lock_namespace(namespace).await? {
            return Err(ServiceError::NotFound(format!("namespace {namespace}")));
        }
        let current = self.deployment_target(namespace, name).await?;
        if current.spec.flink_session.is_none() {
            return Err(ServiceError::BadRequest(format!(
                "deployment target {name} is the console's own cluster; it is set by the console's configuration"
            )));
        }
        if let Some(given) = resource_version.filter(|given| *given != current.metadata.resource_version) {
            return Err(ServiceError::Conflict(format!(
                "deployment target {name} was changed at {} since you read it (your version {given}, now {}); reload \
                 and apply your change again",
                current.metadata.modified_at, current.metadata.resource_version
            )));
        }
        let moves = current.spec.flink_session.as_ref().map(|s| s.url.as_str()) != Some(draft.session.url.as_str());
        if moves {
            let busy: Vec<String> = self
                .store
                .all_deployments_of_namespace(namespace)
                .await?
                .into_iter()
                .filter(|d| d.spec.deployment_target_name.as_deref() == Some(name))
                .filter(|d| d.spec.state == DesiredState::Running || has_job(d))
                .map(|d| d.metadata.name)
                .collect();
            if !busy.is_empty() {
                return Err(ServiceError::Conflict(format!(
                    "deployment target {name} runs {}; suspend or cancel them before pointing it at another cluster",
                    busy.join(", ")
                )));
            }
            self.network
                .check_host(&url.host, url.port)
                .await
                .map_err(|refusal| ServiceError::BadRequest(format!("spec.flinkSession.url: {refusal}")))?;
        }
        let mut changed = current.clone();
        changed.status = None;
        changed.metadata.display_name = draft.display_name;
        changed.metadata.labels = draft.labels;
        changed.spec.flink_session = Some(draft.session);
        let stored = tx.upsert_deployment_target(&changed).await?;
        let before = Some(serde_json::json!({"spec": current.spec}));
        let after = Some(serde_json::json!({"spec": stored.spec}));
        commit_audited(tx, audit_entry(caller, Some(namespace), "update", ("DeploymentTarget", name), before, after))
            .await?;
        tracing::info!(%namespace, %name, url = ?stored.spec.rest_url(), "deployment target changed");
        Ok(self.health.with_status(stored))
    }

    /// Removes a target no deployment of the namespace runs on.
    pub async fn delete_deployment_target(
        &self,
        caller: &Caller,
        namespace: &NamespaceName,
        name: &str,
    ) -> Result<DeploymentTarget, ServiceError> {
        let target = self.deployment_target(namespace, name).await?;
        let users: Vec<String> = self
            .store
            .all_deployments_of_namespace(namespace)
            .await?
            .into_iter()
            .filter(|d| d.spec.deployment_target_name.as_deref() == Some(name))
            .map(|d| d.metadata.name)
            .collect();
        if !users.is_empty() {
            return Err(ServiceError::Conflict(format!(
                "deployment target {name} is used by {}; point them at another target or delete them first",
                users.join(", ")
            )));
        }
        let mut tx = self.store.begin().await?;
        tx.delete_deployment_target(namespace, name).await?;
        let before = Some(serde_json::json!({"spec": target.spec}));
        commit_audited(tx, audit_entry(caller, Some(namespace), "delete", ("DeploymentTarget", name), before, None))
            .await?;
        tracing::info!(%namespace, %name, "deployment target deleted");
        Ok(target)
    }
}

/// Whether the deployment's last known state has a job on its cluster (or may have: a transition).
fn has_job(deployment: &Deployment) -> bool {
    use domain::DeploymentState as S;
    matches!(deployment.status.state, S::Running | S::Transitioning | S::Failed)
}
