//! Deployment rows: the whole resource as a JSON document plus the columns we filter on.

use domain::{Deployment, ExecutionMode, NamespaceName};

use crate::{StorageError, Store};

impl Store {
    /// The deployments of a namespace, by name, optionally only streaming or batch ones.
    pub async fn list_deployments(
        &self,
        namespace: &NamespaceName,
        mode: Option<ExecutionMode>,
    ) -> Result<Vec<Deployment>, StorageError> {
        let rows: Vec<(String,)> = match mode {
            Some(mode) => {
                sqlx::query_as(
                    "SELECT document FROM deployments WHERE namespace = $1 AND execution_mode = $2 ORDER BY name",
                )
                .bind(namespace.as_str())
                .bind(mode.as_str())
                .fetch_all(&self.pool)
                .await?
            }
            None => {
                sqlx::query_as("SELECT document FROM deployments WHERE namespace = $1 ORDER BY name")
                    .bind(namespace.as_str())
                    .fetch_all(&self.pool)
                    .await?
            }
        };
        rows.into_iter().map(|(document,)| Ok(serde_json::from_str(&document)?)).collect()
    }

    /// One deployment of a namespace by id, if it exists there.
    pub async fn get_deployment(
        &self,
        namespace: &NamespaceName,
        id: &str,
    ) -> Result<Option<Deployment>, StorageError> {
        let row: Option<(String,)> =
            sqlx::query_as("SELECT document FROM deployments WHERE namespace = $1 AND id = $2")
                .bind(namespace.as_str())
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
        row.map(|(document,)| Ok(serde_json::from_str(&document)?)).transpose()
    }

    /// Stores a new deployment; its name must be free in its namespace.
    pub async fn insert_deployment(&self, deployment: &Deployment) -> Result<(), StorageError> {
        let namespace = &deployment.metadata.namespace;
        let exists: Option<(String,)> = sqlx::query_as("SELECT name FROM namespaces WHERE name = $1")
            .bind(namespace)
            .fetch_optional(&self.pool)
            .await?;
        if exists.is_none() {
            return Err(StorageError::NoSuchNamespace(namespace.clone()));
        }
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
        .execute(&self.pool)
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
}

#[cfg(test)]
mod tests {
    use domain::*;

    use crate::test_support::fresh_store;

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
                },
                max_savepoint_creation_attempts: 4,
                max_job_creation_attempts: 4,
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
        let all = store.list_deployments(&default, None).await.expect("list");
        let names: Vec<_> = all.iter().map(|d| d.metadata.name.as_str()).collect();
        assert_eq!(names, ["a-batch", "b-stream"]);
        let streaming = store.list_deployments(&default, Some(ExecutionMode::Streaming)).await.expect("list");
        assert_eq!(streaming.len(), 1);
        assert_eq!(streaming[0].metadata.name, "b-stream");
        let id = &streaming[0].metadata.id;
        assert_eq!(store.get_deployment(&default, id).await.expect("get").as_ref(), Some(&streaming[0]));
        let other = NamespaceName::parse("other").expect("name");
        assert_eq!(store.get_deployment(&other, id).await.expect("get"), None, "ids are looked up within a namespace");
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
        let kept = store.list_deployments(&NamespaceName::parse("default").expect("name"), None).await.expect("list");
        assert_eq!(kept, vec![first]);
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
