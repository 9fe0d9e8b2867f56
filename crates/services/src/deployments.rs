//! Creating, changing and deleting deployments and their defaults: the same operations for the
//! REST API and the server functions. Callers authorise first (`Services::require`); every write
//! here expands the defaults, checks the deployment target and honours `resourceVersion`.

use domain::input::{self, check_defaults, merge_patch};
use domain::{
    ArtifactKind, DefaultsScope, Deployment, DeploymentDefaults, DeploymentSpec, DeploymentState, DeploymentStatus,
    DesiredState, InvalidInput, NamespaceName, ResourceMetadata, Savepoint, SavepointRequest, API_VERSION,
};
use engine::artifact::JarLocation;
use serde_json::{json, Map, Value};
use storage::now_rfc3339;

use crate::access::{audit_entry, commit_audited};
use crate::ServiceError;
use crate::{Caller, Services};

/// Metadata fields only the console writes; a request's values for them are ignored.
const SERVER_METADATA: [&str; 4] = ["id", "createdAt", "modifiedAt", "resourceVersion"];

impl Services {
    /// Creates a deployment from a Deployment document (JSON or YAML already read), with the
    /// global and namespace defaults beneath it. It starts CANCELLED in status; the engine acts on
    /// its `spec.state`.
    pub async fn create_deployment(
        &self,
        caller: &Caller,
        namespace: &NamespaceName,
        document: &Value,
    ) -> Result<Deployment, ServiceError> {
        let layers = self.defaults_layers(namespace).await?;
        let layers: Vec<&Value> = layers.iter().collect();
        let draft = input::draft(document, namespace, &layers)?;
        let spec = self.resolve_target(namespace, draft.spec).await?;
        self.check_jar(&spec, None).await?;
        let now = now_rfc3339();
        let deployment = Deployment {
            api_version: API_VERSION.into(),
            kind: "Deployment".into(),
            metadata: ResourceMetadata {
                id: new_id(),
                name: draft.name.as_str().to_owned(),
                namespace: namespace.as_str().to_owned(),
                display_name: draft.display_name,
                labels: draft.labels,
                annotations: draft.annotations,
                created_at: now.clone(),
                modified_at: now,
                resource_version: 1,
            },
            spec,
            status: DeploymentStatus { state: DeploymentState::Cancelled, running: None, failure: None },
        };
        let mut tx = self.store.begin().await?;
        self.check_artifact_in(&mut tx, namespace, jar_uri(&deployment.spec).as_deref(), None).await?;
        tx.insert_deployment(&deployment).await?;
        let after = Some(json!({"spec": deployment.spec}));
        let kind_name = ("Deployment", deployment.metadata.name.as_str());
        commit_audited(tx, audit_entry(caller, Some(namespace), "create", kind_name, None, after)).await?;
        self.nudger.nudge(namespace.as_str(), &deployment.metadata.id);
        tracing::info!(%namespace, name = %deployment.metadata.name, id = %deployment.metadata.id, "deployment created");
        Ok(deployment)
    }

    /// Applies a JSON merge patch (RFC 7386) to a deployment's `metadata` and `spec`, then expands
    /// the defaults again. If the patch names a `metadata.resourceVersion`, it must be the stored
    /// one; a concurrent change is a conflict either way, never a lost update.
    pub async fn patch_deployment(
        &self,
        caller: &Caller,
        namespace: &NamespaceName,
        id: &str,
        patch: &Value,
    ) -> Result<Deployment, ServiceError> {
        let current = self.deployment(namespace, id).await?;
        let patch = patch_body(patch, &current.metadata)?;
        let mut document = json!({"metadata": current.metadata, "spec": current.spec});
        strip_server_metadata(&mut document);
        merge_patch(&mut document, &patch);
        self.replace_deployment(caller, namespace, current, &document).await
    }

    /// Writes `document` (metadata and spec, as a person wants them) over `current`: defaults
    /// expanded, every field checked, the target and JAR resolved, audited; nothing if it changes
    /// nothing. A concurrent change since `current` was read is a conflict.
    pub(crate) async fn replace_deployment(
        &self,
        caller: &Caller,
        namespace: &NamespaceName,
        current: Deployment,
        document: &Value,
    ) -> Result<Deployment, ServiceError> {
        let layers = self.defaults_layers(namespace).await?;
        let layers: Vec<&Value> = layers.iter().collect();
        let draft = input::draft(document, namespace, &layers)?;
        let spec = self.resolve_target(namespace, draft.spec).await?;
        self.check_jar(&spec, Some(&current.spec)).await?;
        let mut updated = current.clone();
        updated.metadata.name = draft.name.as_str().to_owned();
        updated.metadata.display_name = draft.display_name;
        updated.metadata.labels = draft.labels;
        updated.metadata.annotations = draft.annotations;
        updated.spec = spec;
        if updated == current {
            return Ok(current);
        }
        updated.metadata.resource_version = current.metadata.resource_version + 1;
        updated.metadata.modified_at = now_rfc3339();
        let mut tx = self.store.begin().await?;
        if crate::plans::autopilot_on(&updated.spec) {
            // The Autopilot and a tuning plan would fight over the same resources.
            tx.lock_namespace(namespace).await?;
            let plans = tx.tuning_plans(namespace, &current.metadata.id).await?;
            if let Some(applied) = plans.iter().find(|plan| plan.status.applied) {
                return Err(ServiceError::Conflict(format!(
                    "spec.autopilot.mode: tuning plan {:?} is applied to deployment {}: stop it before turning the Autopilot on",
                    applied.metadata.name, current.metadata.name
                )));
            }
        }
        let (new_jar, old_jar) = (jar_uri(&updated.spec), jar_uri(&current.spec));
        self.check_artifact_in(&mut tx, namespace, new_jar.as_deref(), old_jar.as_deref()).await?;
        tx.update_deployment(&updated, current.metadata.resource_version).await?;
        let (before, after) = (Some(json!({"spec": current.spec})), Some(json!({"spec": updated.spec})));
        let kind_name = ("Deployment", updated.metadata.name.as_str());
        commit_audited(tx, audit_entry(caller, Some(namespace), "update", kind_name, before, after)).await?;
        self.nudger.nudge(namespace.as_str(), &updated.metadata.id);
        tracing::info!(%namespace, name = %updated.metadata.name, version = updated.metadata.resource_version, "deployment changed");
        Ok(updated)
    }

    /// Asks for a deployment to run, be suspended or be cancelled (`spec.state`); the engine carries
    /// it out. Nothing else of the deployment changes, so nothing else is checked again.
    pub async fn set_desired_state(
        &self,
        caller: &Caller,
        namespace: &NamespaceName,
        id: &str,
        state: DesiredState,
    ) -> Result<Deployment, ServiceError> {
        let current = self.deployment(namespace, id).await?;
        if current.spec.state == state {
            return Ok(current);
        }
        let mut updated = current.clone();
        updated.spec.state = state;
        updated.metadata.resource_version = current.metadata.resource_version + 1;
        updated.metadata.modified_at = now_rfc3339();
        let mut tx = self.store.begin().await?;
        tx.update_deployment(&updated, current.metadata.resource_version).await?;
        let (before, after) = (json!({"spec": {"state": current.spec.state}}), json!({"spec": {"state": state}}));
        let kind_name = ("Deployment", updated.metadata.name.as_str());
        commit_audited(tx, audit_entry(caller, Some(namespace), "update", kind_name, Some(before), Some(after)))
            .await?;
        self.nudger.nudge(namespace.as_str(), &updated.metadata.id);
        tracing::info!(%namespace, name = %updated.metadata.name, %state, "desired state changed");
        Ok(updated)
    }

    /// Suspends a deployment whose job is drained first (Alibaba's STOP_WITH_DRAIN): the desired
    /// state SUSPENDED and, in the same transaction, the engine's note that this version's
    /// suspension drains (`EngineRecord::drain_at_version`). Flink then sends MAX_WATERMARK, so
    /// event-time timers and windows fire, before the savepoint and the job's end.
    pub async fn suspend_draining(
        &self,
        caller: &Caller,
        namespace: &NamespaceName,
        id: &str,
    ) -> Result<Deployment, ServiceError> {
        let mut tx = self.store.begin().await?;
        let row =
            tx.engine_row(namespace, id).await?.ok_or_else(|| ServiceError::NotFound(format!("deployment {id}")))?;
        let current = row.deployment;
        if current.spec.state == DesiredState::Suspended {
            return Err(ServiceError::Conflict(format!(
                "deployment {} is already being suspended (desired SUSPENDED); its job is stopped without draining",
                current.metadata.name
            )));
        }
        let mut updated = current.clone();
        updated.spec.state = DesiredState::Suspended;
        updated.metadata.resource_version = current.metadata.resource_version + 1;
        updated.metadata.modified_at = now_rfc3339();
        tx.update_deployment(&updated, current.metadata.resource_version).await?;
        let mut record = engine::EngineRecord::read(row.engine.as_deref()).map_err(|err| {
            tracing::error!(%namespace, deployment = id, error = %err, "the engine's record is not readable");
            ServiceError::Internal
        })?;
        record.drain_at_version = Some(updated.metadata.resource_version);
        let engine = record.to_json().map_err(|_| ServiceError::Internal)?;
        tx.save_engine_state(namespace, id, &current.status, &engine, row.status_version).await?;
        let before = json!({"spec": {"state": current.spec.state}});
        let after = json!({"spec": {"state": DesiredState::Suspended}, "drain": true});
        let kind_name = ("Deployment", updated.metadata.name.as_str());
        commit_audited(tx, audit_entry(caller, Some(namespace), "update", kind_name, Some(before), Some(after)))
            .await?;
        self.nudger.nudge(namespace.as_str(), &updated.metadata.id);
        tracing::info!(%namespace, name = %updated.metadata.name, "suspending, draining the job first");
        Ok(updated)
    }

    /// Deletes a deployment that is not running (nor asked to run, nor between states).
    pub async fn delete_deployment(
        &self,
        caller: &Caller,
        namespace: &NamespaceName,
        id: &str,
    ) -> Result<Deployment, ServiceError> {
        let current = self.deployment(namespace, id).await?;
        let busy = matches!(current.status.state, DeploymentState::Running | DeploymentState::Transitioning);
        if busy || current.spec.state == DesiredState::Running {
            return Err(ServiceError::Conflict(format!(
                "deployment {} is {} (desired {}); cancel it and wait for CANCELLED before deleting it",
                current.metadata.name, current.status.state, current.spec.state
            )));
        }
        let mut tx = self.store.begin().await?;
        tx.delete_deployment(namespace, id, current.metadata.resource_version).await?;
        let before = Some(json!({"spec": current.spec}));
        let kind_name = ("Deployment", current.metadata.name.as_str());
        commit_audited(tx, audit_entry(caller, Some(namespace), "delete", kind_name, before, None)).await?;
        tracing::info!(%namespace, name = %current.metadata.name, "deployment deleted");
        Ok(current)
    }

    /// Creates a savepoint of a deployment from a Savepoint document: with `spec.savepointLocation`
    /// it registers that existing savepoint (origin COPIED, state COMPLETED); without one it asks the
    /// engine for a new savepoint of the deployment's running job.
    pub async fn create_savepoint(
        &self,
        caller: &Caller,
        namespace: &NamespaceName,
        document: &Value,
    ) -> Result<Savepoint, ServiceError> {
        let request = SavepointRequest::parse(document, namespace)?;
        let deployment = self.deployment(namespace, request.deployment_id()).await?;
        match request {
            SavepointRequest::Register(registration) => {
                domain::check_registrable_location(&registration.location, &self.savepoint_roots)
                    .map_err(|why| InvalidInput::one("spec.savepointLocation", why))?;
                let savepoint = registration.into_savepoint(new_id(), namespace, &now_rfc3339());
                let mut tx = self.store.begin().await?;
                tx.insert_savepoint(&savepoint).await?;
                let after = json!({"savepoint": savepoint.metadata.id, "location": savepoint.spec.savepoint_location});
                let kind_name = ("Deployment", deployment.metadata.name.as_str());
                let entry = audit_entry(caller, Some(namespace), "register-savepoint", kind_name, None, Some(after));
                commit_audited(tx, entry).await?;
                tracing::info!(%namespace, name = %deployment.metadata.name, "savepoint registered");
                Ok(savepoint)
            }
            SavepointRequest::Trigger { .. } => self.request_savepoint(caller, &deployment).await,
        }
    }

    /// Asks the engine for a savepoint (origin USER_REQUEST) of a running deployment's job; answers
    /// with the savepoint in state STARTED, which the engine completes or fails.
    pub async fn request_savepoint(&self, caller: &Caller, deployment: &Deployment) -> Result<Savepoint, ServiceError> {
        self.request_savepoint_in(caller, deployment, domain::SavepointFormat::Canonical).await
    }

    /// `request_savepoint` in the format given (NATIVE: Alibaba's `nativeFormat: true`).
    pub async fn request_savepoint_in(
        &self,
        caller: &Caller,
        deployment: &Deployment,
        format: domain::SavepointFormat,
    ) -> Result<Savepoint, ServiceError> {
        let namespace = crate::parse_namespace(&deployment.metadata.namespace)?;
        let now = now_rfc3339();
        let savepoint = engine::requests::savepoint_request_in(&self.store, deployment, &now, format).await?;
        let mut tx = self.store.begin().await?;
        tx.insert_savepoint(&savepoint).await?;
        let after = Some(json!({"savepoint": savepoint.metadata.id, "formatType": format}));
        let kind_name = ("Deployment", deployment.metadata.name.as_str());
        commit_audited(tx, audit_entry(caller, Some(&namespace), "savepoint", kind_name, None, after)).await?;
        self.nudger.nudge(&deployment.metadata.namespace, &deployment.metadata.id);
        tracing::info!(namespace = %deployment.metadata.namespace, name = %deployment.metadata.name, "savepoint requested");
        Ok(savepoint)
    }

    /// The stored defaults of `scope`; empty (resourceVersion 0) if none were ever saved.
    pub async fn deployment_defaults(&self, scope: &DefaultsScope) -> Result<DeploymentDefaults, ServiceError> {
        Ok(self.store.get_deployment_defaults(scope).await?.unwrap_or_else(|| empty_defaults(scope)))
    }

    /// Applies a merge patch to the defaults of `scope` (checked together with the layers beneath).
    pub async fn patch_deployment_defaults(
        &self,
        caller: &Caller,
        scope: &DefaultsScope,
        patch: &Value,
    ) -> Result<DeploymentDefaults, ServiceError> {
        let current = self.deployment_defaults(scope).await?;
        let patch = patch_body(patch, &current.metadata)?;
        let mut updated = current.clone();
        match patch.get("spec") {
            Some(Value::Null) => updated.spec = Value::Object(Map::new()),
            Some(spec_patch) => merge_patch(&mut updated.spec, spec_patch),
            None => {}
        }
        if let Some(labels) = patch.pointer("/metadata/labels") {
            let mut merged = serde_json::to_value(&updated.metadata.labels).map_err(|_| ServiceError::Internal)?;
            merge_patch(&mut merged, labels);
            updated.metadata.labels = input::typed(&merged, "metadata.labels").map_err(|e| InvalidInput(vec![e]))?;
        }
        let beneath = match scope {
            DefaultsScope::Global => None,
            DefaultsScope::Namespace(_) => Some(self.deployment_defaults(&DefaultsScope::Global).await?.spec),
        };
        let layers: Vec<&Value> = beneath.iter().chain(std::iter::once(&updated.spec)).collect();
        check_defaults(&layers)?;
        if updated == current {
            return Ok(current);
        }
        updated.metadata.resource_version = current.metadata.resource_version + 1;
        updated.metadata.modified_at = now_rfc3339();
        let mut tx = self.store.begin().await?;
        tx.save_deployment_defaults(scope, &updated, current.metadata.resource_version).await?;
        let (namespace, name) = match scope {
            DefaultsScope::Global => (None, "global"),
            DefaultsScope::Namespace(namespace) => (Some(namespace), namespace.as_str()),
        };
        let (before, after) = (Some(json!({"spec": current.spec})), Some(json!({"spec": updated.spec})));
        commit_audited(tx, audit_entry(caller, namespace, "update", ("DeploymentDefaults", name), before, after))
            .await?;
        tracing::info!(
            scope = scope.namespace(),
            version = updated.metadata.resource_version,
            "deployment defaults changed"
        );
        Ok(updated)
    }

    /// The defaults beneath a namespace's deployments, lowest first: global, then the namespace's.
    pub(crate) async fn defaults_layers(&self, namespace: &NamespaceName) -> Result<Vec<Value>, ServiceError> {
        let global = self.deployment_defaults(&DefaultsScope::Global).await?;
        let own = self.deployment_defaults(&DefaultsScope::Namespace(namespace.clone())).await?;
        Ok(vec![global.spec, own.spec])
    }

    /// A JAR deployment's `jarUri` names an artifact of its namespace (`artifact:///<name>`; that it
    /// exists is checked in the write's transaction), a JAR of the artifact store, or a URL to
    /// download whose host the network policy permits. Checked when it is written (on create, and
    /// when a change names another JAR): the console never reads a file of its host for anyone but
    /// from its artifact store, and never lets a person point it into its own network.
    async fn check_jar(&self, spec: &DeploymentSpec, before: Option<&DeploymentSpec>) -> Result<(), ServiceError> {
        let Some(uri) = jar_uri(spec) else { return Ok(()) };
        if before.and_then(jar_uri).as_deref() == Some(uri.as_str()) {
            return Ok(());
        }
        let field = "spec.template.spec.artifact.jarUri";
        let location = self.artifacts.check(&uri).map_err(|why| InvalidInput::one(field, why))?;
        if let JarLocation::Remote(url) = location {
            let (host, port) = url_host_port(&url).map_err(|why| InvalidInput::one(field, why))?;
            self.network
                .check_host(&host, port)
                .await
                .map_err(|refusal| InvalidInput::one(field, format!("{url:?}: {refusal}")))?;
        }
        Ok(())
    }

    /// Points the spec at an existing target of the namespace: by VVP's `deploymentTargetId` if
    /// given (then replaced by the name), else by `deploymentTargetName`.
    async fn resolve_target(
        &self,
        namespace: &NamespaceName,
        mut spec: DeploymentSpec,
    ) -> Result<DeploymentSpec, ServiceError> {
        let targets = self.store.all_deployment_targets_of_namespace(namespace).await?;
        let known: Vec<&str> = targets.iter().map(|t| t.metadata.name.as_str()).collect();
        let known = if known.is_empty() { "none".to_owned() } else { known.join(", ") };
        let by_id = spec.extra.get("deploymentTargetId").filter(|id| !id.is_null()).cloned();
        let found = match (&by_id, &spec.deployment_target_name) {
            (Some(id), _) => targets.iter().find(|t| Some(t.metadata.id.as_str()) == id.as_str()).ok_or_else(|| {
                InvalidInput::one(
                    "spec.deploymentTargetId",
                    format!(
                        "no deployment target with id {id} in namespace {namespace}; name one of its targets in \
                         spec.deploymentTargetName instead (targets here: {known})"
                    ),
                )
            }),
            (None, Some(name)) => targets.iter().find(|t| &t.metadata.name == name).ok_or_else(|| {
                InvalidInput::one(
                    "spec.deploymentTargetName",
                    format!("no deployment target {name:?} in namespace {namespace} (targets here: {known})"),
                )
            }),
            (None, None) => Err(InvalidInput::one(
                "spec.deploymentTargetName",
                format!("is required: where the deployment runs (targets here: {known})"),
            )),
        }?;
        spec.deployment_target_name = Some(found.metadata.name.clone());
        spec.extra.remove("deploymentTargetId");
        Ok(spec)
    }
}

/// A patch body: an object whose `metadata.resourceVersion`, if given, matches `current`, with the
/// fields only the console writes (and `status`) removed.
fn patch_body(patch: &Value, current: &ResourceMetadata) -> Result<Value, ServiceError> {
    if !patch.is_object() {
        return Err(
            InvalidInput::one("", format!("a merge patch must be an object, got {}", input::kind_of(patch))).into()
        );
    }
    if let Some(given) = patch.pointer("/metadata/resourceVersion").filter(|v| !v.is_null()) {
        let Some(given) = given.as_i64() else {
            return Err(
                InvalidInput::one("metadata.resourceVersion", format!("must be a whole number, got {given}")).into()
            );
        };
        if given != current.resource_version {
            return Err(ServiceError::Conflict(format!(
                "{} was changed since you read it: your change is based on resourceVersion {given}, the stored one is \
                 {}; read it again and reapply your change",
                current.name, current.resource_version
            )));
        }
    }
    for (field, stored) in [("id", &current.id), ("namespace", &current.namespace)] {
        let given = patch.pointer(&format!("/metadata/{field}")).filter(|v| !v.is_null());
        if given.is_some_and(|given| given.as_str() != Some(stored.as_str())) {
            return Err(InvalidInput::one(format!("metadata.{field}"), "cannot be changed").into());
        }
    }
    let mut patch = patch.clone();
    if let Some(object) = patch.as_object_mut() {
        object.remove("status");
    }
    strip_server_metadata(&mut patch);
    Ok(patch)
}

pub(crate) fn strip_server_metadata(document: &mut Value) {
    if let Some(metadata) = document.get_mut("metadata").and_then(Value::as_object_mut) {
        for field in SERVER_METADATA {
            metadata.remove(field);
        }
    }
}

fn empty_defaults(scope: &DefaultsScope) -> DeploymentDefaults {
    DeploymentDefaults {
        api_version: API_VERSION.into(),
        kind: "DeploymentDefaults".into(),
        metadata: ResourceMetadata {
            id: new_id(),
            name: "deployment-defaults".into(),
            namespace: scope.namespace().to_owned(),
            display_name: None,
            labels: Default::default(),
            annotations: Default::default(),
            created_at: now_rfc3339(),
            modified_at: now_rfc3339(),
            resource_version: 0,
        },
        spec: Value::Object(Map::new()),
    }
}

/// The `jarUri` of a JAR deployment.
fn jar_uri(spec: &DeploymentSpec) -> Option<String> {
    spec.template.spec.artifact.as_ref().filter(|a| a.kind == ArtifactKind::Jar).and_then(|a| a.jar_uri.clone())
}

/// The host and port of an `http(s)://` URL (`[v6]` without its brackets; the scheme's port if none).
fn url_host_port(url: &str) -> Result<(String, u16), String> {
    let (rest, default_port) = match (url.strip_prefix("http://"), url.strip_prefix("https://")) {
        (Some(rest), _) => (rest, 80),
        (None, Some(rest)) => (rest, 443),
        (None, None) => return Err(format!("{url:?} is not an http(s) URL")),
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let (host, port) = match authority.strip_prefix('[') {
        Some(bracketed) => {
            let (host, after) = bracketed.split_once(']').ok_or_else(|| format!("{url:?}: an unclosed ["))?;
            (host, after.strip_prefix(':'))
        }
        None => match authority.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        },
    };
    let port = match port {
        None | Some("") => default_port,
        Some(digits) => digits.parse().map_err(|_| format!("{url:?}: the port {digits:?} is not a number"))?,
    };
    Ok((host.to_ascii_lowercase(), port))
}

fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}
