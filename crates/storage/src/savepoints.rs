//! Savepoint rows: the whole resource as a JSON document plus the columns we filter on.

use domain::{NamespaceName, Savepoint};

use crate::{is_unique_violation, sortable_time};
use crate::{Cursor, Page, Paged, StorageError, Store, Tx};

impl Store {
    /// One page of the savepoints of a namespace, of one deployment and one job if given, newest
    /// first.
    pub async fn list_savepoints(
        &self,
        namespace: &NamespaceName,
        deployment_id: Option<&str>,
        job_id: Option<&str>,
        page: &Page,
    ) -> Result<Paged<Savepoint>, StorageError> {
        let filters = [("deployment_id", deployment_id), ("job_id", job_id)];
        self.newest_first("savepoints", namespace, &filters, page, |savepoint: &Savepoint| {
            Cursor::newest(&savepoint.metadata.created_at, &savepoint.metadata.id)
        })
        .await
    }

    /// Every savepoint of one deployment, newest first (unpaged: for the engine and its tests).
    pub async fn all_savepoints_of_deployment(
        &self,
        namespace: &NamespaceName,
        deployment_id: &str,
    ) -> Result<Vec<Savepoint>, StorageError> {
        self.all_of_deployment("savepoints", namespace, deployment_id).await
    }

    /// A deployment's savepoints that are under way or completed (not the failed ones), newest
    /// first, at most `limit`: what the engine restores from, settles and retires.
    pub async fn live_savepoints(
        &self,
        namespace: &NamespaceName,
        deployment_id: &str,
        limit: u32,
    ) -> Result<Vec<Savepoint>, StorageError> {
        let rows: Vec<(String,)> = sqlx::query_as(&format!(
            "SELECT document FROM savepoints WHERE namespace = $1 AND deployment_id = $2 AND state <> 'FAILED'
             ORDER BY created_at DESC, id DESC LIMIT {limit}"
        ))
        .bind(namespace.as_str())
        .bind(deployment_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|(document,)| Ok(serde_json::from_str(document)?)).collect()
    }

    /// One savepoint of a namespace by id, if it exists there.
    pub async fn get_savepoint(&self, namespace: &NamespaceName, id: &str) -> Result<Option<Savepoint>, StorageError> {
        self.document_by_id("savepoints", namespace, id).await
    }

    /// Replaces a stored savepoint (its status, location, trigger id) if its version is still
    /// `expected_version`; the new document carries the next version. A stale version or a vanished
    /// row is a `Conflict`, and nothing is written.
    pub async fn update_savepoint(&self, savepoint: &Savepoint, expected_version: i64) -> Result<(), StorageError> {
        let metadata = &savepoint.metadata;
        let updated = update_savepoint_row(&self.pool, savepoint, expected_version).await?;
        if updated.rows_affected() == 0 {
            return Err(StorageError::Conflict { kind: "savepoint", name: metadata.id.clone() });
        }
        Ok(())
    }
}

pub(crate) async fn insert_savepoint_row<'e, E: sqlx::Executor<'e, Database = sqlx::Any>>(
    executor: E,
    savepoint: &Savepoint,
) -> Result<sqlx::any::AnyQueryResult, sqlx::Error> {
    let metadata = &savepoint.metadata;
    let document = serde_json::to_string(savepoint).map_err(|err| sqlx::Error::Encode(Box::new(err)))?;
    sqlx::query(
        "INSERT INTO savepoints (id, namespace, deployment_id, job_id, origin, state, resource_version, document,
             created_at, modified_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(&metadata.id)
    .bind(&metadata.namespace)
    .bind(&metadata.deployment_id)
    .bind(metadata.job_id.as_deref())
    .bind(metadata.origin.as_str())
    .bind(savepoint.status.state.as_str())
    .bind(metadata.resource_version)
    .bind(document)
    .bind(sortable_time(&metadata.created_at))
    .bind(&metadata.modified_at)
    .execute(executor)
    .await
}

pub(crate) async fn update_savepoint_row<'e, E: sqlx::Executor<'e, Database = sqlx::Any>>(
    executor: E,
    savepoint: &Savepoint,
    expected_version: i64,
) -> Result<sqlx::any::AnyQueryResult, sqlx::Error> {
    let metadata = &savepoint.metadata;
    let document = serde_json::to_string(savepoint).map_err(|err| sqlx::Error::Encode(Box::new(err)))?;
    sqlx::query(
        "UPDATE savepoints SET state = $1, resource_version = $2, document = $3, modified_at = $4
         WHERE id = $5 AND namespace = $6 AND resource_version = $7",
    )
    .bind(savepoint.status.state.as_str())
    .bind(metadata.resource_version)
    .bind(document)
    .bind(&metadata.modified_at)
    .bind(&metadata.id)
    .bind(&metadata.namespace)
    .bind(expected_version)
    .execute(executor)
    .await
}

impl Tx {
    /// Stores a new savepoint; its id must be free.
    pub async fn insert_savepoint(&mut self, savepoint: &Savepoint) -> Result<(), StorageError> {
        let metadata = &savepoint.metadata;
        self.require_namespace(&metadata.namespace).await?;
        let inserted = insert_savepoint_row(&mut *self.tx, savepoint).await;
        match inserted {
            Ok(_) => Ok(()),
            Err(err) if is_unique_violation(&err) => Err(StorageError::AlreadyExists {
                kind: "savepoint",
                namespace: metadata.namespace.clone(),
                name: metadata.id.clone(),
            }),
            Err(err) => Err(err.into()),
        }
    }

    /// Deletes a savepoint's row if its version is still `expected_version`; a stale version or a
    /// vanished row is a `Conflict`. Its files are not touched.
    pub async fn delete_savepoint(
        &mut self,
        namespace: &NamespaceName,
        id: &str,
        expected_version: i64,
    ) -> Result<(), StorageError> {
        let deleted = sqlx::query("DELETE FROM savepoints WHERE namespace = $1 AND id = $2 AND resource_version = $3")
            .bind(namespace.as_str())
            .bind(id)
            .bind(expected_version)
            .execute(&mut *self.tx)
            .await?;
        if deleted.rows_affected() == 0 {
            return Err(StorageError::Conflict { kind: "savepoint", name: id.to_owned() });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use domain::*;

    use crate::testing::fresh_store;

    fn savepoint(namespace: &str, deployment_id: &str, job_id: Option<&str>, created_at: &str) -> Savepoint {
        Savepoint {
            api_version: API_VERSION.into(),
            kind: Savepoint::KIND.into(),
            metadata: SavepointMetadata {
                id: uuid::Uuid::new_v4().to_string(),
                namespace: namespace.into(),
                deployment_id: deployment_id.into(),
                job_id: job_id.map(Into::into),
                origin: SavepointOrigin::UserRequest,
                annotations: Default::default(),
                created_at: created_at.into(),
                modified_at: created_at.into(),
                resource_version: 1,
            },
            spec: SavepointSpec { flink_savepoint_id: Some("a1b2c3".into()), ..SavepointSpec::default() },
            status: SavepointStatus { state: SavepointState::Started, failure: None },
        }
    }

    fn namespace(name: &str) -> NamespaceName {
        NamespaceName::parse(name).expect("a namespace name")
    }

    fn ids(savepoints: &[Savepoint]) -> Vec<&str> {
        savepoints.iter().map(|savepoint| savepoint.metadata.id.as_str()).collect()
    }

    #[tokio::test]
    async fn savepoints_are_listed_newest_first_by_deployment_and_job() {
        let (store, _db) = fresh_store().await;
        for ns in ["default", "other"] {
            store.ensure_namespace(&namespace(ns)).await.expect("ns");
        }
        let first = savepoint("default", "d1", Some("j1"), "2024-05-01T10:00:00Z");
        let copied = savepoint("default", "d1", None, "2024-05-01T10:30:00Z");
        let second = savepoint("default", "d1", Some("j2"), "2024-05-01T11:00:00Z");
        let other_deployment = savepoint("default", "d2", Some("j3"), "2024-05-01T12:00:00Z");
        let elsewhere = savepoint("other", "d1", Some("j1"), "2024-05-01T12:00:00Z");
        for savepoint in [&copied, &first, &other_deployment, &second, &elsewhere] {
            store.insert_savepoint(savepoint).await.expect("insert");
        }
        let default = namespace("default");
        let all = store.list_savepoints(&default, None, None, &crate::Page::first(100)).await.expect("list").items;
        assert_eq!(
            ids(&all),
            [&other_deployment.metadata.id, &second.metadata.id, &copied.metadata.id, &first.metadata.id]
        );
        let of_d1 =
            store.list_savepoints(&default, Some("d1"), None, &crate::Page::first(100)).await.expect("list").items;
        assert_eq!(ids(&of_d1), [&second.metadata.id, &copied.metadata.id, &first.metadata.id]);
        let of_j1 = store
            .list_savepoints(&default, Some("d1"), Some("j1"), &crate::Page::first(100))
            .await
            .expect("list")
            .items;
        assert_eq!(of_j1, std::slice::from_ref(&first));
        assert_eq!(
            store.list_savepoints(&default, None, Some("j3"), &crate::Page::first(100)).await.expect("list").items,
            [other_deployment]
        );
        assert_eq!(store.get_savepoint(&default, &copied.metadata.id).await.expect("get"), Some(copied.clone()));
        let other = namespace("other");
        assert_eq!(store.get_savepoint(&other, &copied.metadata.id).await.expect("get"), None);
        let err = store.insert_savepoint(&copied).await.expect_err("same id");
        assert!(matches!(err, crate::StorageError::AlreadyExists { kind: "savepoint", .. }), "{err}");
    }

    #[tokio::test]
    async fn a_savepoint_completes_once_and_a_stale_update_changes_nothing() {
        let (store, _db) = fresh_store().await;
        let default = namespace("default");
        store.ensure_namespace(&default).await.expect("ns");
        let started = savepoint("default", "d1", Some("j1"), "2024-05-01T10:00:00Z");
        store.insert_savepoint(&started).await.expect("insert");
        let mut completed = started.clone();
        completed.metadata.resource_version = 2;
        completed.spec.savepoint_location = Some("file:/savepoints/savepoint-a1b2c3".into());
        completed.spec.job_fingerprint = Some("sha256:1f2e".into());
        completed.status.state = SavepointState::Completed;
        store.update_savepoint(&completed, 1).await.expect("first writer wins");
        let mut failed = started.clone();
        failed.metadata.resource_version = 2;
        failed.status = SavepointStatus {
            state: SavepointState::Failed,
            failure: Some(Failure { reason: "SavepointFailed".into(), message: "timeout".into() }),
        };
        let err = store.update_savepoint(&failed, 1).await.expect_err("stale");
        assert!(matches!(err, crate::StorageError::Conflict { kind: "savepoint", .. }), "{err}");
        assert_eq!(store.get_savepoint(&default, &started.metadata.id).await.expect("get"), Some(completed));
    }

    #[tokio::test]
    async fn a_savepoint_needs_an_existing_namespace() {
        let (store, _db) = fresh_store().await;
        let err = store.insert_savepoint(&savepoint("nowhere", "d1", None, "2024-05-01T10:00:00Z")).await;
        assert!(matches!(err, Err(crate::StorageError::NoSuchNamespace(_))), "{err:?}");
    }
}
