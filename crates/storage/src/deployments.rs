//! Deployment rows: the whole resource as a JSON document plus the columns we filter on.

use domain::{Deployment, DeploymentStatus, ExecutionMode, NamespaceName};

use crate::page::{Listing, Order};
use crate::{Cursor, Page, Paged, StorageError, Store, Tx};

/// A deployment as the engine reads it: the resource (status included), the engine's own record
/// (opaque JSON, absent until the engine first writes), and the version both are written under.
#[derive(Debug, Clone, PartialEq)]
pub struct EngineRow {
    /// The deployment with its status.
    pub deployment: Deployment,
    /// The engine's record, as it last wrote it.
    pub engine: Option<String>,
    /// Bumped by every status write: the next write must name it.
    pub status_version: i64,
}

pub(crate) async fn update_engine_state_row<'e, E: sqlx::Executor<'e, Database = sqlx::Any>>(
    executor: E,
    namespace: &NamespaceName,
    id: &str,
    status: &DeploymentStatus,
    engine: &str,
    expected_status_version: i64,
) -> Result<sqlx::any::AnyQueryResult, sqlx::Error> {
    let status_json = serde_json::to_string(status).map_err(|err| sqlx::Error::Encode(Box::new(err)))?;
    sqlx::query(
        "UPDATE deployments SET status = $1, status_state = $2, engine = $3, status_version = $4
         WHERE namespace = $5 AND id = $6 AND status_version = $7",
    )
    .bind(status_json)
    .bind(status.state.as_str())
    .bind(engine)
    .bind(expected_status_version + 1)
    .bind(namespace.as_str())
    .bind(id)
    .bind(expected_status_version)
    .execute(executor)
    .await
}

/// A deployment with the engine's record and status version, read with `executor` (the pool or a
/// transaction).
async fn read_engine_row<'e, E: sqlx::Executor<'e, Database = sqlx::Any>>(
    executor: E,
    namespace: &NamespaceName,
    id: &str,
) -> Result<Option<EngineRow>, StorageError> {
    let row: Option<(String, Option<String>, Option<String>, i64)> = sqlx::query_as(
        "SELECT document, status, engine, status_version FROM deployments WHERE namespace = $1 AND id = $2",
    )
    .bind(namespace.as_str())
    .bind(id)
    .fetch_optional(executor)
    .await?;
    row.map(|(document, status, engine, status_version)| {
        Ok(EngineRow { deployment: with_engine_status(&document, status.as_deref())?, engine, status_version })
    })
    .transpose()
}

/// `update_engine_state_row`, with a stale version or a vanished deployment as a `Conflict`.
async fn write_engine_state<'e, E: sqlx::Executor<'e, Database = sqlx::Any>>(
    executor: E,
    namespace: &NamespaceName,
    id: &str,
    status: &DeploymentStatus,
    engine: &str,
    expected_status_version: i64,
) -> Result<(), StorageError> {
    let updated = update_engine_state_row(executor, namespace, id, status, engine, expected_status_version).await?;
    if updated.rows_affected() == 0 {
        return Err(StorageError::Conflict { kind: "deployment status", name: id.to_owned() });
    }
    Ok(())
}

/// The stored document with the engine's status in place of the one written with the spec.
fn with_engine_status(document: &str, status: Option<&str>) -> Result<Deployment, StorageError> {
    let mut deployment: Deployment = serde_json::from_str(document)?;
    if let Some(status) = status {
        deployment.status = serde_json::from_str(status)?;
    }
    Ok(deployment)
}

impl Store {
    /// One page of the deployments of a namespace, by name, optionally only streaming or batch ones.
    pub async fn list_deployments(
        &self,
        namespace: &NamespaceName,
        mode: Option<ExecutionMode>,
        page: &Page,
    ) -> Result<Paged<Deployment>, StorageError> {
        let listing = Listing {
            select: "SELECT document, status FROM deployments",
            filters: &[("namespace", Some(namespace.as_str())), ("execution_mode", mode.map(|mode| mode.as_str()))],
            one_of: None,
            order: Order::ByName("name"),
        };
        self.page_of(
            listing,
            page,
            |(document, status): (String, Option<String>)| with_engine_status(&document, status.as_deref()),
            |deployment| Cursor::Name(deployment.metadata.name.clone()),
        )
        .await
    }

    /// Every deployment of a namespace, by name (unpaged: for the services' checks across a
    /// namespace and for benchmarks, never for a list a client asked for).
    pub async fn all_deployments_of_namespace(
        &self,
        namespace: &NamespaceName,
    ) -> Result<Vec<Deployment>, StorageError> {
        let rows: Vec<(String, Option<String>)> =
            sqlx::query_as("SELECT document, status FROM deployments WHERE namespace = $1 ORDER BY name")
                .bind(namespace.as_str())
                .fetch_all(&self.pool)
                .await?;
        rows.iter().map(|(document, status)| with_engine_status(document, status.as_deref())).collect()
    }

    /// One deployment of a namespace by id, if it exists there.
    pub async fn get_deployment(
        &self,
        namespace: &NamespaceName,
        id: &str,
    ) -> Result<Option<Deployment>, StorageError> {
        Ok(self.engine_row(namespace, id).await?.map(|row| row.deployment))
    }

    /// Every deployment of every namespace as (namespace, id), for the engine's periodic pass.
    pub async fn deployment_keys(&self) -> Result<Vec<(String, String)>, StorageError> {
        Ok(sqlx::query_as("SELECT namespace, id FROM deployments ORDER BY namespace, id").fetch_all(&self.pool).await?)
    }

    /// A deployment with the engine's record of it and the version of both (for
    /// `save_engine_state`).
    pub async fn engine_row(&self, namespace: &NamespaceName, id: &str) -> Result<Option<EngineRow>, StorageError> {
        read_engine_row(&self.pool, namespace, id).await
    }

    /// Writes the engine's side of a deployment — its status and the engine's record — if the
    /// status version is still `expected_status_version` (it becomes the next one). Never touches
    /// metadata or spec. A stale version or a vanished deployment is a `Conflict`.
    pub async fn save_engine_state(
        &self,
        namespace: &NamespaceName,
        id: &str,
        status: &DeploymentStatus,
        engine: &str,
        expected_status_version: i64,
    ) -> Result<(), StorageError> {
        write_engine_state(&self.pool, namespace, id, status, engine, expected_status_version).await
    }
}

impl Tx {
    /// `Store::all_deployments_of_namespace`, read inside the transaction (lock the namespace first
    /// to act on the answer).
    pub async fn all_deployments_of_namespace(
        &mut self,
        namespace: &NamespaceName,
    ) -> Result<Vec<Deployment>, StorageError> {
        let rows: Vec<(String, Option<String>)> =
            sqlx::query_as("SELECT document, status FROM deployments WHERE namespace = $1 ORDER BY name")
                .bind(namespace.as_str())
                .fetch_all(&mut *self.tx)
                .await?;
        rows.iter().map(|(document, status)| with_engine_status(document, status.as_deref())).collect()
    }

    /// `Store::engine_row`, read inside the transaction.
    pub async fn engine_row(&mut self, namespace: &NamespaceName, id: &str) -> Result<Option<EngineRow>, StorageError> {
        read_engine_row(&mut *self.tx, namespace, id).await
    }

    /// `Store::save_engine_state` inside the transaction: a stale status version is a `Conflict`.
    pub async fn save_engine_state(
        &mut self,
        namespace: &NamespaceName,
        id: &str,
        status: &DeploymentStatus,
        engine: &str,
        expected_status_version: i64,
    ) -> Result<(), StorageError> {
        write_engine_state(&mut *self.tx, namespace, id, status, engine, expected_status_version).await
    }

    /// Stores a new deployment; its name must be free in its namespace.
    pub async fn insert_deployment(&mut self, deployment: &Deployment) -> Result<(), StorageError> {
        let namespace = &deployment.metadata.namespace;
        self.require_namespace(namespace).await?;
        let document = serde_json::to_string(deployment)?;
        let inserted = sqlx::query(
            "INSERT INTO deployments (id, namespace, name, execution_mode, desired_state, status_state,
                 resource_version, document, created_at, modified_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
             ON CONFLICT (namespace, name) DO NOTHING",
        )
        .bind(&deployment.metadata.id)
        .bind(namespace)
        .bind(&deployment.metadata.name)
        .bind(deployment.spec.execution_mode.as_str())
        .bind(deployment.spec.state.as_str())
        .bind(deployment.status.state.as_str())
        .bind(deployment.metadata.resource_version)
        .bind(document)
        .bind(&deployment.metadata.created_at)
        .bind(&deployment.metadata.modified_at)
        .execute(&mut *self.tx)
        .await?;
        if inserted.rows_affected() == 0 {
            return Err(StorageError::AlreadyExists {
                kind: "deployment",
                namespace: namespace.clone(),
                name: deployment.metadata.name.clone(),
            });
        }
        Ok(())
    }

    /// Replaces a stored deployment if its version is still `expected_version`; the new document
    /// carries the next version. Only metadata and spec are written: the status stays the engine's.
    /// A stale version, a vanished row or a taken name is a `Conflict` or `AlreadyExists`, and
    /// nothing is written.
    pub async fn update_deployment(
        &mut self,
        deployment: &Deployment,
        expected_version: i64,
    ) -> Result<(), StorageError> {
        let namespace = &deployment.metadata.namespace;
        let taken: Option<(String,)> =
            sqlx::query_as("SELECT id FROM deployments WHERE namespace = $1 AND name = $2 AND id <> $3")
                .bind(namespace)
                .bind(&deployment.metadata.name)
                .bind(&deployment.metadata.id)
                .fetch_optional(&mut *self.tx)
                .await?;
        if taken.is_some() {
            return Err(StorageError::AlreadyExists {
                kind: "deployment",
                namespace: namespace.clone(),
                name: deployment.metadata.name.clone(),
            });
        }
        let updated = sqlx::query(
            "UPDATE deployments SET name = $1, execution_mode = $2, desired_state = $3,
                 resource_version = $4, document = $5, modified_at = $6
             WHERE id = $7 AND namespace = $8 AND resource_version = $9",
        )
        .bind(&deployment.metadata.name)
        .bind(deployment.spec.execution_mode.as_str())
        .bind(deployment.spec.state.as_str())
        .bind(deployment.metadata.resource_version)
        .bind(serde_json::to_string(deployment)?)
        .bind(&deployment.metadata.modified_at)
        .bind(&deployment.metadata.id)
        .bind(namespace)
        .bind(expected_version)
        .execute(&mut *self.tx)
        .await?;
        if updated.rows_affected() == 0 {
            return Err(StorageError::Conflict { kind: "deployment", name: deployment.metadata.name.clone() });
        }
        Ok(())
    }

    /// Deletes a deployment if its version is still `expected_version` (a `Conflict` otherwise).
    pub async fn delete_deployment(
        &mut self,
        namespace: &NamespaceName,
        id: &str,
        expected_version: i64,
    ) -> Result<(), StorageError> {
        let deleted = sqlx::query("DELETE FROM deployments WHERE namespace = $1 AND id = $2 AND resource_version = $3")
            .bind(namespace.as_str())
            .bind(id)
            .bind(expected_version)
            .execute(&mut *self.tx)
            .await?;
        if deleted.rows_affected() == 0 {
            return Err(StorageError::Conflict { kind: "deployment", name: id.to_owned() });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use domain::*;

    use crate::testing::fresh_store;

    fn deployment(namespace: &str, name: &str, mode: ExecutionMode) -> Deployment {
        Deployment {
            api_version: API_VERSION.into(),
            kind: "Deployment".into(),
            metadata: ResourceMetadata {
                id: uuid::Uuid::new_v4().to_string(),
                name: name.into(),
                namespace: namespace.into(),
                display_name: None,
                labels: Default::default(),
                annotations: Default::default(),
                created_at: crate::now_rfc3339(),
                modified_at: crate::now_rfc3339(),
                resource_version: 1,
            },
            spec: DeploymentSpec {
                state: DesiredState::Cancelled,
                execution_mode: mode,
                deployment_target_name: Some("local".into()),
                upgrade_strategy: UpgradeStrategy { kind: UpgradeStrategyKind::Stateful },
                restore_strategy: RestoreStrategy {
                    kind: RestoreStrategyKind::LatestState,
                    allow_non_restored_state: false,
                    max_checkpoint_age: None,
                },
                max_savepoint_creation_attempts: 4,
                max_job_creation_attempts: 4,
                job_failure_expiration_time: None,
                restart_nonce: None,
                savepoint_trigger_nonce: None,
                savepoint_policy: None,
                template: Template::default(),
                extra: Default::default(),
            },
            status: DeploymentStatus { state: DeploymentState::Cancelled, running: None, failure: None },
        }
    }

    #[tokio::test]
    async fn lists_the_deployments_of_one_namespace_filtered_by_mode() {
        let (store, _dir) = fresh_store().await;
        for ns in ["default", "other"] {
            store.ensure_namespace(&NamespaceName::parse(ns).expect("name")).await.expect("ns");
        }
        store.insert_deployment(&deployment("default", "b-stream", ExecutionMode::Streaming)).await.expect("insert");
        store.insert_deployment(&deployment("default", "a-batch", ExecutionMode::Batch)).await.expect("insert");
        store.insert_deployment(&deployment("other", "elsewhere", ExecutionMode::Streaming)).await.expect("insert");

        let default = NamespaceName::parse("default").expect("name");
        let all = store.list_deployments(&default, None, &crate::Page::first(100)).await.expect("list").items;
        let names: Vec<_> = all.iter().map(|d| d.metadata.name.as_str()).collect();
        assert_eq!(names, ["a-batch", "b-stream"]);
        let streaming = store
            .list_deployments(&default, Some(ExecutionMode::Streaming), &crate::Page::first(100))
            .await
            .expect("list")
            .items;
        assert_eq!(streaming.len(), 1);
        assert_eq!(streaming[0].metadata.name, "b-stream");
        let id = &streaming[0].metadata.id;
        assert_eq!(store.get_deployment(&default, id).await.expect("get").as_ref(), Some(&streaming[0]));
        let other = NamespaceName::parse("other").expect("name");
        assert_eq!(store.get_deployment(&other, id).await.expect("get"), None, "ids are looked up within a namespace");
    }

    #[tokio::test]
    async fn deployments_are_paged_by_name_byte_by_byte_within_a_mode() {
        let (store, _dir) = fresh_store().await;
        let default = NamespaceName::parse("default").expect("name");
        store.ensure_namespace(&default).await.expect("ns");
        for name in ["c", "ab", "b", "a-b"] {
            store.insert_deployment(&deployment("default", name, ExecutionMode::Streaming)).await.expect("insert");
        }
        store.insert_deployment(&deployment("default", "aa", ExecutionMode::Batch)).await.expect("insert");
        let names = |paged: &crate::Paged<Deployment>| -> Vec<String> {
            paged.items.iter().map(|d| d.metadata.name.clone()).collect()
        };
        let streaming = Some(ExecutionMode::Streaming);
        let first = store.list_deployments(&default, streaming, &crate::Page::first(2)).await.expect("page");
        assert_eq!(names(&first), ["a-b", "ab"], "`-` sorts before letters on both backends");
        assert_eq!(first.next, Some(crate::Cursor::Name("ab".into())));
        let second = crate::Page { limit: 2, after: first.next.clone() };
        let second = store.list_deployments(&default, streaming, &second).await.expect("page");
        assert_eq!((names(&second), second.next), (vec!["b".to_owned(), "c".to_owned()], None));
        let all = store.list_deployments(&default, None, &crate::Page::first(3)).await.expect("page");
        assert_eq!(names(&all), ["a-b", "aa", "ab"], "without a mode, every deployment");
        let past_the_end = crate::Page { limit: 2, after: Some(crate::Cursor::Name("z".into())) };
        let empty = store.list_deployments(&default, None, &past_the_end).await.expect("page");
        assert_eq!((empty.items.len(), empty.next), (0, None));
        let wrong = crate::Page { limit: 2, after: Some(crate::Cursor::newest("2024-05-01T10:00:00Z", "x")) };
        let err = store.list_deployments(&default, None, &wrong).await.expect_err("a time cursor");
        assert!(matches!(err, crate::StorageError::WrongCursor), "{err}");
        let every = store.all_deployments_of_namespace(&default).await.expect("all");
        assert_eq!(every.len(), 5);
    }

    #[tokio::test]
    async fn a_taken_name_is_refused_and_the_first_deployment_is_kept() {
        let (store, _dir) = fresh_store().await;
        store.ensure_namespace(&NamespaceName::parse("default").expect("name")).await.expect("ns");
        let first = deployment("default", "same", ExecutionMode::Streaming);
        store.insert_deployment(&first).await.expect("insert");
        let err = store
            .insert_deployment(&deployment("default", "same", ExecutionMode::Batch))
            .await
            .expect_err("duplicate name");
        assert!(matches!(err, crate::StorageError::AlreadyExists { .. }), "{err}");
        let kept = store
            .list_deployments(&NamespaceName::parse("default").expect("name"), None, &crate::Page::first(100))
            .await
            .expect("list")
            .items;
        assert_eq!(kept, vec![first]);
    }

    #[tokio::test]
    async fn an_update_from_a_stale_version_is_refused_and_changes_nothing() {
        let (store, _dir) = fresh_store().await;
        let default = NamespaceName::parse("default").expect("name");
        store.ensure_namespace(&default).await.expect("ns");
        let original = deployment("default", "orders", ExecutionMode::Streaming);
        store.insert_deployment(&original).await.expect("insert");
        let mut first = original.clone();
        first.metadata.resource_version = 2;
        first.spec.state = DesiredState::Running;
        store.update_deployment(&first, 1).await.expect("first writer wins");
        let mut second = original.clone();
        second.metadata.resource_version = 2;
        second.spec.max_job_creation_attempts = 9;
        let err = store.update_deployment(&second, 1).await.expect_err("second writer is stale");
        assert!(matches!(err, crate::StorageError::Conflict { .. }), "{err}");
        let stored = store.get_deployment(&default, &original.metadata.id).await.expect("get");
        assert_eq!(stored, Some(first.clone()));
        let listed = store
            .list_deployments(&default, Some(ExecutionMode::Streaming), &crate::Page::first(100))
            .await
            .expect("list")
            .items;
        assert_eq!(listed, vec![first.clone()]);

        let other = deployment("default", "taken", ExecutionMode::Batch);
        store.insert_deployment(&other).await.expect("insert");
        let mut renamed = first.clone();
        renamed.metadata.name = "taken".into();
        renamed.metadata.resource_version = 3;
        let err = store.update_deployment(&renamed, 2).await.expect_err("name taken");
        assert!(matches!(err, crate::StorageError::AlreadyExists { .. }), "{err}");

        let err = store.delete_deployment(&default, &first.metadata.id, 1).await.expect_err("stale delete");
        assert!(matches!(err, crate::StorageError::Conflict { .. }), "{err}");
        store.delete_deployment(&default, &first.metadata.id, 2).await.expect("delete");
        assert_eq!(store.get_deployment(&default, &first.metadata.id).await.expect("get"), None);
    }

    #[tokio::test]
    async fn a_deployment_needs_an_existing_namespace() {
        let (store, _dir) = fresh_store().await;
        let err = store
            .insert_deployment(&deployment("nowhere", "x", ExecutionMode::Streaming))
            .await
            .expect_err("no namespace");
        assert!(matches!(err, crate::StorageError::NoSuchNamespace(_)), "{err}");
    }
}
