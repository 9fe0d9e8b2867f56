//! Deployment defaults rows: one document per namespace and one global (`scope = '*'`).

use domain::{DefaultsScope, DeploymentDefaults};

use crate::{StorageError, Store, Tx};

fn scope_key(scope: &DefaultsScope) -> &str {
    match scope {
        DefaultsScope::Global => "*",
        DefaultsScope::Namespace(name) => name.as_str(),
    }
}

impl Store {
    /// The stored defaults of `scope`, if any were ever saved.
    pub async fn get_deployment_defaults(
        &self,
        scope: &DefaultsScope,
    ) -> Result<Option<DeploymentDefaults>, StorageError> {
        let row: Option<(String,)> = sqlx::query_as("SELECT document FROM deployment_defaults WHERE scope = $1")
            .bind(scope_key(scope))
            .fetch_optional(&self.pool)
            .await?;
        row.map(|(document,)| Ok(serde_json::from_str(&document)?)).transpose()
    }
}

impl Tx {
    /// Saves `defaults` if the stored version is still `expected_version` (0: none stored yet);
    /// otherwise nothing is written and the answer is `Conflict`.
    pub async fn save_deployment_defaults(
        &mut self,
        scope: &DefaultsScope,
        defaults: &DeploymentDefaults,
        expected_version: i64,
    ) -> Result<(), StorageError> {
        let document = serde_json::to_string(defaults)?;
        let key = scope_key(scope);
        let written = if expected_version == 0 {
            sqlx::query(
                "INSERT INTO deployment_defaults (scope, resource_version, document, modified_at)
                 VALUES ($1, $2, $3, $4) ON CONFLICT (scope) DO NOTHING",
            )
            .bind(key)
            .bind(defaults.metadata.resource_version)
            .bind(document)
            .bind(&defaults.metadata.modified_at)
            .execute(&mut *self.tx)
            .await?
        } else {
            sqlx::query(
                "UPDATE deployment_defaults SET resource_version = $1, document = $2, modified_at = $3
                 WHERE scope = $4 AND resource_version = $5",
            )
            .bind(defaults.metadata.resource_version)
            .bind(document)
            .bind(&defaults.metadata.modified_at)
            .bind(key)
            .bind(expected_version)
            .execute(&mut *self.tx)
            .await?
        };
        if written.rows_affected() == 0 {
            return Err(StorageError::Conflict { kind: "deployment defaults", name: key.to_owned() });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use domain::*;
    use serde_json::json;

    use crate::testing::fresh_store;

    fn defaults(version: i64, spec: serde_json::Value) -> DeploymentDefaults {
        DeploymentDefaults {
            api_version: API_VERSION.into(),
            kind: "DeploymentDefaults".into(),
            metadata: ResourceMetadata {
                id: uuid::Uuid::new_v4().to_string(),
                name: "default".into(),
                namespace: "default".into(),
                display_name: None,
                labels: Default::default(),
                annotations: Default::default(),
                created_at: crate::now_rfc3339(),
                modified_at: crate::now_rfc3339(),
                resource_version: version,
            },
            spec,
        }
    }

    #[tokio::test]
    async fn defaults_are_saved_per_scope_and_a_stale_version_is_a_conflict() {
        let (store, _db) = fresh_store().await;
        let scope = DefaultsScope::Namespace(NamespaceName::parse("default").expect("name"));
        assert_eq!(store.get_deployment_defaults(&scope).await.expect("get"), None);
        let first = defaults(1, json!({"parallelism": 1}));
        store.save_deployment_defaults(&scope, &first, 0).await.expect("first save");
        let second = defaults(2, json!({"parallelism": 2}));
        store.save_deployment_defaults(&scope, &second, 1).await.expect("second save");
        let stale = defaults(2, json!({"parallelism": 3}));
        let err = store.save_deployment_defaults(&scope, &stale, 1).await.expect_err("stale");
        assert!(matches!(err, crate::StorageError::Conflict { .. }), "{err}");
        let again = store.save_deployment_defaults(&scope, &stale, 0).await.expect_err("already created");
        assert!(matches!(again, crate::StorageError::Conflict { .. }), "{again}");
        assert_eq!(store.get_deployment_defaults(&scope).await.expect("get"), Some(second));
        assert_eq!(store.get_deployment_defaults(&DefaultsScope::Global).await.expect("get"), None);
    }
}
