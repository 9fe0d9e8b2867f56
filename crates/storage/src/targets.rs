//! Deployment target rows.

use domain::live::{Change, ChangeKind, TargetChange};
use domain::{DeploymentTarget, NamespaceName};

use crate::page::{Listing, Order};
use crate::{Cursor, Page, Paged, StorageError, Store, Tx};

impl Store {
    /// One page of the targets of a namespace, by name.
    pub async fn list_deployment_targets(
        &self,
        namespace: &NamespaceName,
        page: &Page,
    ) -> Result<Paged<DeploymentTarget>, StorageError> {
        let listing = Listing {
            select: "SELECT document FROM deployment_targets",
            filters: &[("namespace", Some(namespace.as_str()))],
            one_of: None,
            order: Order::ByName("name"),
        };
        self.page_of(
            listing,
            page,
            |(document,): (String,)| Ok(serde_json::from_str(&document)?),
            |target: &DeploymentTarget| Cursor::Name(target.metadata.name.clone()),
        )
        .await
    }

    /// Every target of a namespace, by name (unpaged: for looking one up by name or id; a namespace
    /// has a few, registered by its owners).
    pub async fn all_deployment_targets_of_namespace(
        &self,
        namespace: &NamespaceName,
    ) -> Result<Vec<DeploymentTarget>, StorageError> {
        let rows: Vec<(String,)> =
            sqlx::query_as("SELECT document FROM deployment_targets WHERE namespace = $1 ORDER BY name")
                .bind(namespace.as_str())
                .fetch_all(&self.pool)
                .await?;
        rows.into_iter().map(|(document,)| Ok(serde_json::from_str(&document)?)).collect()
    }

    /// The namespace's target called `name`, if there is one.
    pub async fn deployment_target(
        &self,
        namespace: &NamespaceName,
        name: &str,
    ) -> Result<Option<DeploymentTarget>, StorageError> {
        let row: Option<(String,)> =
            sqlx::query_as("SELECT document FROM deployment_targets WHERE namespace = $1 AND name = $2")
                .bind(namespace.as_str())
                .bind(name)
                .fetch_optional(&self.pool)
                .await?;
        row.map(|(document,)| Ok(serde_json::from_str(&document)?)).transpose()
    }

    /// Every target of every namespace (for health probing).
    pub async fn all_deployment_targets(&self) -> Result<Vec<DeploymentTarget>, StorageError> {
        let rows: Vec<(String,)> = sqlx::query_as("SELECT document FROM deployment_targets ORDER BY namespace, name")
            .fetch_all(&self.pool)
            .await?;
        rows.into_iter().map(|(document,)| Ok(serde_json::from_str(&document)?)).collect()
    }
}

impl Tx {
    /// How many targets the namespace has, and whether one is called `name` (lock the namespace
    /// first to act on the answer).
    pub async fn deployment_target_count(
        &mut self,
        namespace: &NamespaceName,
        name: &str,
    ) -> Result<(i64, bool), StorageError> {
        let (count, named): (i64, i64) = sqlx::query_as(
            "SELECT COUNT(*), COUNT(CASE WHEN name = $2 THEN 1 END) FROM deployment_targets WHERE namespace = $1",
        )
        .bind(namespace.as_str())
        .bind(name)
        .fetch_one(&mut *self.tx)
        .await?;
        Ok((count, named > 0))
    }

    /// Creates the target, or replaces the spec of the one with the same name (a new resourceVersion).
    pub async fn upsert_deployment_target(
        &mut self,
        target: &DeploymentTarget,
    ) -> Result<DeploymentTarget, StorageError> {
        let namespace = NamespaceName::parse(&target.metadata.namespace)
            .map_err(|_| StorageError::NoSuchNamespace(target.metadata.namespace.clone()))?;
        // Locked, so that two replicas registering the same target at once do not both insert it.
        if !self.lock_namespace(&namespace).await? {
            return Err(StorageError::NoSuchNamespace(namespace.to_string()));
        }
        let existing: Option<(String,)> =
            sqlx::query_as("SELECT document FROM deployment_targets WHERE namespace = $1 AND name = $2")
                .bind(namespace.as_str())
                .bind(&target.metadata.name)
                .fetch_optional(&mut *self.tx)
                .await?;
        let existing: Option<DeploymentTarget> =
            existing.map(|(document,)| serde_json::from_str(&document)).transpose()?;
        let mut stored = target.clone();
        stored.status = None;
        let kind = if existing.is_some() { ChangeKind::Updated } else { ChangeKind::Created };
        match existing {
            Some(existing) => {
                stored.metadata.id = existing.metadata.id;
                stored.metadata.created_at = existing.metadata.created_at;
                stored.metadata.resource_version = existing.metadata.resource_version + 1;
                stored.metadata.modified_at = crate::now_rfc3339();
                sqlx::query(
                    "UPDATE deployment_targets SET document = $1, resource_version = $2, modified_at = $3 WHERE id = $4",
                )
                .bind(serde_json::to_string(&stored)?)
                .bind(stored.metadata.resource_version)
                .bind(&stored.metadata.modified_at)
                .bind(&stored.metadata.id)
                .execute(&mut *self.tx)
                .await?;
            }
            None => {
                sqlx::query(
                    "INSERT INTO deployment_targets (id, namespace, name, resource_version, document, created_at, modified_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(&stored.metadata.id)
                .bind(namespace.as_str())
                .bind(&stored.metadata.name)
                .bind(stored.metadata.resource_version)
                .bind(serde_json::to_string(&stored)?)
                .bind(&stored.metadata.created_at)
                .bind(&stored.metadata.modified_at)
                .execute(&mut *self.tx)
                .await?;
            }
        }
        self.changed(target_change(kind, namespace.as_str(), &stored.metadata.name));
        Ok(stored)
    }

    /// Deletes the namespace's target called `name`; answers whether there was one.
    pub async fn delete_deployment_target(
        &mut self,
        namespace: &NamespaceName,
        name: &str,
    ) -> Result<bool, StorageError> {
        let deleted = sqlx::query("DELETE FROM deployment_targets WHERE namespace = $1 AND name = $2")
            .bind(namespace.as_str())
            .bind(name)
            .execute(&mut *self.tx)
            .await?;
        let deleted = deleted.rows_affected() == 1;
        if deleted {
            self.changed(target_change(ChangeKind::Deleted, namespace.as_str(), name));
        }
        Ok(deleted)
    }
}

fn target_change(change: ChangeKind, namespace: &str, name: &str) -> Change {
    Change::Target(TargetChange { change, namespace: namespace.to_owned(), name: name.to_owned() })
}

#[cfg(test)]
mod tests {
    use domain::*;

    use crate::testing::fresh_store;
    use crate::Page;

    fn target(url: &str) -> DeploymentTarget {
        DeploymentTarget {
            api_version: API_VERSION.into(),
            kind: "DeploymentTarget".into(),
            metadata: ResourceMetadata {
                display_name: None,
                id: uuid::Uuid::new_v4().to_string(),
                name: "local".into(),
                namespace: "default".into(),
                labels: Default::default(),
                annotations: Default::default(),
                created_at: crate::now_rfc3339(),
                modified_at: crate::now_rfc3339(),
                resource_version: 1,
            },
            spec: DeploymentTargetSpec { local: Some(LocalTarget { rest_url: url.into() }), ..Default::default() },
            status: None,
        }
    }

    #[tokio::test]
    async fn registering_a_target_twice_updates_it_and_keeps_its_id() {
        let (store, _dir) = fresh_store().await;
        let ns = NamespaceName::parse("default").expect("name");
        store.ensure_namespace(&ns).await.expect("ns");
        let first = store.upsert_deployment_target(&target("http://127.0.0.1:8081")).await.expect("create");
        let second = store.upsert_deployment_target(&target("http://127.0.0.1:9081")).await.expect("update");
        assert_eq!(first.metadata.id, second.metadata.id);
        assert_eq!(second.metadata.resource_version, 2);
        let listed = store.list_deployment_targets(&ns, &Page::first(10)).await.expect("list").items;
        assert_eq!(listed.len(), 1);
        let one = store.deployment_target(&ns, "local").await.expect("read").expect("the target");
        assert_eq!(one, listed[0]);
        assert_eq!(store.deployment_target(&ns, "other").await.expect("read"), None);
        assert_eq!(listed[0].spec.rest_url(), Some("http://127.0.0.1:9081"));
        assert!(store.delete_deployment_target(&ns, "local").await.expect("delete"));
        assert!(!store.delete_deployment_target(&ns, "local").await.expect("delete again"));
        assert!(store.list_deployment_targets(&ns, &Page::first(10)).await.expect("list").items.is_empty());
    }
}
