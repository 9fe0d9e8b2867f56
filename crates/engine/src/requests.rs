//! What the console may ask of the engine besides a change of spec: how the next job starts (the
//! Start dialog's choice) and a savepoint of the running job. Both are written to the store and
//! carried out by the engine's next pass (the caller nudges it); nothing here talks to Flink.

use domain::{
    Deployment, DeploymentState, NamespaceName, Savepoint, SavepointFormat, SavepointMetadata, SavepointOrigin,
    SavepointSpec, SavepointState, SavepointStatus, API_VERSION,
};
use storage::{StorageError, Store};

use crate::record::{EngineRecord, StartRequest};

/// Why a request was refused.
#[derive(Debug, thiserror::Error)]
pub enum RequestError {
    /// No deployment has this id in the namespace.
    #[error("deployment {0} does not exist")]
    NoSuchDeployment(String),
    /// The deployment cannot do this now; the message says why.
    #[error("{0}")]
    NotPossible(String),
    /// The store failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// The stored engine record is not valid JSON of an `EngineRecord`.
    #[error("the engine's record of the deployment is not readable: {0}")]
    Record(#[from] serde_json::Error),
}

/// Records how the deployment's next job starts; it is used by the next start and then forgotten.
/// A deployment that gave up (FAILED) tries again with it, its failed attempts forgotten.
pub async fn set_next_start(
    store: &Store,
    namespace: &NamespaceName,
    deployment_id: &str,
    request: StartRequest,
) -> Result<(), RequestError> {
    // The engine may write between our read and write; its writes are short, so try a few times.
    let mut attempts = 0;
    loop {
        let row = store
            .engine_row(namespace, deployment_id)
            .await?
            .ok_or_else(|| RequestError::NoSuchDeployment(deployment_id.to_owned()))?;
        let mut record = EngineRecord::read(row.engine.as_deref())?;
        record.next_start = Some(request.clone());
        // A person asked to start again: a deployment that gave up tries afresh, its count of
        // failed job creations starting from zero.
        record.gave_up_at_version = None;
        record.failures_at_version = None;
        record.job_failures_ms.clear();
        let saved = store
            .save_engine_state(namespace, deployment_id, &row.deployment.status, &record.to_json()?, row.status_version)
            .await;
        match saved {
            Err(StorageError::Conflict { .. }) if attempts < 5 => attempts += 1,
            other => return Ok(other?),
        }
    }
}

/// A request for a savepoint (origin USER_REQUEST) of a running deployment's job: the STARTED
/// savepoint row without a trigger for the caller to insert (with its audit line), which the engine
/// triggers in Flink on its next pass.
pub async fn savepoint_request(store: &Store, deployment: &Deployment, now: &str) -> Result<Savepoint, RequestError> {
    savepoint_request_in(store, deployment, now, SavepointFormat::Canonical).await
}

/// `savepoint_request`, in the format given (Alibaba's `nativeFormat`).
pub async fn savepoint_request_in(
    store: &Store,
    deployment: &Deployment,
    now: &str,
    format: SavepointFormat,
) -> Result<Savepoint, RequestError> {
    let running = deployment.status.running.as_ref().filter(|_| deployment.status.state == DeploymentState::Running);
    let Some(running) = running else {
        return Err(RequestError::NotPossible(format!(
            "deployment {:?} is not running (its status is {}); only a running deployment's job can take a savepoint",
            deployment.metadata.name, deployment.status.state
        )));
    };
    let namespace = NamespaceName::parse(&deployment.metadata.namespace)
        .map_err(|err| RequestError::NotPossible(format!("namespace {:?}: {err}", deployment.metadata.namespace)))?;
    let under_way = store
        .all_savepoints_of_deployment(&namespace, &deployment.metadata.id)
        .await?
        .into_iter()
        .any(|s| s.status.state == SavepointState::Started);
    if under_way {
        return Err(RequestError::NotPossible(format!(
            "a savepoint of deployment {:?} is already under way; wait for it to complete",
            deployment.metadata.name
        )));
    }
    let savepoint = Savepoint {
        api_version: API_VERSION.into(),
        kind: Savepoint::KIND.into(),
        metadata: SavepointMetadata {
            id: uuid::Uuid::new_v4().to_string(),
            namespace: deployment.metadata.namespace.clone(),
            deployment_id: deployment.metadata.id.clone(),
            job_id: Some(running.job_id.clone()),
            origin: SavepointOrigin::UserRequest,
            annotations: Default::default(),
            created_at: now.to_owned(),
            modified_at: now.to_owned(),
            resource_version: 1,
        },
        spec: SavepointSpec {
            format_type: (format == SavepointFormat::Native).then_some(format),
            ..SavepointSpec::default()
        },
        status: SavepointStatus { state: SavepointState::Started, failure: None },
    };
    Ok(savepoint)
}
