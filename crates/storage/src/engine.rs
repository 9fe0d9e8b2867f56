//! The lifecycle engine's writes: everything one engine step changes — the deployment's status and
//! the engine's record, its jobs, savepoints and events — committed in one transaction or not at
//! all, so a crash between two writes of a step cannot happen. The status change is published on
//! the store's change feed once committed (and, on PostgreSQL, sent to the other replicas inside
//! the transaction). Through a fenced store (`Store::fenced`) the transaction first checks that
//! the engine lease is still held at the fence's epoch, and holds the lease row until it commits.

use domain::{Deployment, DeploymentStatus, Event, Job, NamespaceName, Savepoint};

use crate::deployments::update_engine_state_row;
use crate::events::insert_event_row;
use crate::jobs::{insert_job_row, update_job_row};
use crate::savepoints::{insert_savepoint_row, update_savepoint_row};
use crate::{is_unique_violation, StorageError, Store};

/// A new row, or a changed one that must still be at `expected_version`.
#[derive(Debug, Clone, PartialEq)]
pub enum RowWrite<T> {
    /// A row that does not exist yet.
    Insert(T),
    /// A stored row, replaced if nobody changed it since it was read.
    Update {
        /// The row as it is to be.
        row: T,
        /// The version it was read at.
        expected_version: i64,
    },
}

/// One engine step's changes to a deployment.
#[derive(Debug, Clone, PartialEq)]
pub struct EngineWrite {
    /// The deployment's status after the step.
    pub status: DeploymentStatus,
    /// The engine's record (opaque JSON).
    pub engine: String,
    /// The status version the step was planned on; a concurrent writer makes this a `Conflict`.
    pub expected_status_version: i64,
    /// Job rows the step creates or changes.
    pub jobs: Vec<RowWrite<Job>>,
    /// Savepoint rows the step creates or changes.
    pub savepoints: Vec<RowWrite<Savepoint>>,
    /// Savepoints retention no longer keeps: (id, expected version).
    pub deleted_savepoints: Vec<(String, i64)>,
    /// Events the step appends to the deployment's log.
    pub events: Vec<Event>,
    /// The deployment's metadata and spec as the step changes them (the Autopilot's applied
    /// parallelism), if it must still be at the version (`resourceVersion`) it was read at; the
    /// document carries the next one. A person's change in between is a `Conflict`.
    pub deployment: Option<(Deployment, i64)>,
}

impl Store {
    /// Commits an engine step atomically. A stale status or row version is a `Conflict`, a second
    /// active job of the deployment is `AlreadyExists`, a fence that lost the engine lease
    /// `LeaseLost`; nothing is written then.
    pub async fn commit_engine_write(
        &self,
        namespace: &NamespaceName,
        deployment_id: &str,
        write: &EngineWrite,
    ) -> Result<(), StorageError> {
        let conflict = |kind: &'static str, name: &str| StorageError::Conflict { kind, name: name.to_owned() };
        let mut tx = self.begin_transaction().await?;
        if let Some((deployment, expected_version)) = &write.deployment {
            let done = sqlx::query(
                "UPDATE deployments SET resource_version = $1, document = $2, modified_at = $3, modified_sort = $4
                 WHERE namespace = $5 AND id = $6 AND resource_version = $7",
            )
            .bind(deployment.metadata.resource_version)
            .bind(serde_json::to_string(deployment)?)
            .bind(&deployment.metadata.modified_at)
            .bind(crate::sortable_time(&deployment.metadata.modified_at))
            .bind(namespace.as_str())
            .bind(deployment_id)
            .bind(expected_version)
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() == 0 {
                return Err(conflict("deployment", deployment_id));
            }
        }
        let change = update_engine_state_row(
            &mut *tx,
            namespace,
            deployment_id,
            &write.status,
            &write.engine,
            write.expected_status_version,
        )
        .await?
        .ok_or_else(|| conflict("deployment status", deployment_id))?;
        for job in &write.jobs {
            let (row, result) = match job {
                RowWrite::Insert(row) => (row, insert_job_row(&mut *tx, row).await),
                RowWrite::Update { row, expected_version } => {
                    (row, update_job_row(&mut *tx, row, *expected_version).await)
                }
            };
            match result {
                Ok(done) if done.rows_affected() == 0 => return Err(conflict("job", &row.metadata.id)),
                Ok(_) => {}
                Err(err) if is_unique_violation(&err) => {
                    return Err(StorageError::AlreadyExists {
                        kind: "active job of deployment",
                        namespace: namespace.as_str().to_owned(),
                        name: deployment_id.to_owned(),
                    })
                }
                Err(err) => return Err(err.into()),
            }
        }
        for savepoint in &write.savepoints {
            let (row, done) = match savepoint {
                RowWrite::Insert(row) => (row, insert_savepoint_row(&mut *tx, row).await?),
                RowWrite::Update { row, expected_version } => {
                    (row, update_savepoint_row(&mut *tx, row, *expected_version).await?)
                }
            };
            if done.rows_affected() == 0 {
                return Err(conflict("savepoint", &row.metadata.id));
            }
        }
        for (id, expected_version) in &write.deleted_savepoints {
            let done = sqlx::query("DELETE FROM savepoints WHERE namespace = $1 AND id = $2 AND resource_version = $3")
                .bind(namespace.as_str())
                .bind(id)
                .bind(expected_version)
                .execute(&mut *tx)
                .await?;
            if done.rows_affected() == 0 {
                return Err(conflict("savepoint", id));
            }
        }
        for event in &write.events {
            insert_event_row(&mut *tx, event).await?;
        }
        let changes = vec![change];
        if self.is_postgres {
            self.bus.notify_in(&mut tx, crate::bus::Topic::Change, &crate::bus::Bus::changes_message(&changes)).await?;
        }
        tx.commit().await?;
        self.changes.publish(changes);
        Ok(())
    }
}
