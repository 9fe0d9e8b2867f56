//! A namespace's SQL catalog: the DDL statements that rebuild it, kept whole per namespace with a
//! version that counts its changes. A change is written only over the version it was computed from,
//! so two statements run at once never lose one another's table.

use domain::sql::SqlCatalog;
use domain::NamespaceName;

use crate::{now_rfc3339, StorageError, Store, Tx};

fn catalog_from_row(row: Option<(i64, String)>) -> Result<SqlCatalog, StorageError> {
    match row {
        None => Ok(SqlCatalog::default()),
        Some((version, statements)) => Ok(SqlCatalog { statements: serde_json::from_str(&statements)?, version }),
    }
}

impl Store {
    /// The namespace's catalog (empty at version 0 if nothing was ever created).
    pub async fn sql_catalog(&self, namespace: &NamespaceName) -> Result<SqlCatalog, StorageError> {
        let row: Option<(i64, String)> =
            sqlx::query_as("SELECT version, statements FROM sql_catalogs WHERE namespace = $1")
                .bind(namespace.as_str())
                .fetch_optional(&self.pool)
                .await?;
        catalog_from_row(row)
    }
}

impl Tx {
    /// `Store::sql_catalog`, read inside the transaction.
    pub async fn sql_catalog(&mut self, namespace: &NamespaceName) -> Result<SqlCatalog, StorageError> {
        let row: Option<(i64, String)> =
            sqlx::query_as("SELECT version, statements FROM sql_catalogs WHERE namespace = $1")
                .bind(namespace.as_str())
                .fetch_optional(&mut *self.tx)
                .await?;
        catalog_from_row(row)
    }

    /// Replaces the namespace's catalog with `statements` if it is still at `expected_version`
    /// (else `Conflict`); returns the new version.
    pub async fn replace_sql_catalog(
        &mut self,
        namespace: &NamespaceName,
        statements: &[String],
        expected_version: i64,
    ) -> Result<i64, StorageError> {
        self.require_namespace(namespace.as_str()).await?;
        let document = serde_json::to_string(statements)?;
        let version = expected_version + 1;
        let conflict = || StorageError::Conflict { kind: "SQL catalog", name: namespace.as_str().to_owned() };
        let written = if expected_version == 0 {
            sqlx::query(
                "INSERT INTO sql_catalogs (namespace, version, statements, modified_at) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (namespace) DO NOTHING",
            )
            .bind(namespace.as_str())
            .bind(version)
            .bind(&document)
            .bind(now_rfc3339())
            .execute(&mut *self.tx)
            .await?
        } else {
            sqlx::query(
                "UPDATE sql_catalogs SET version = $1, statements = $2, modified_at = $3
                 WHERE namespace = $4 AND version = $5",
            )
            .bind(version)
            .bind(&document)
            .bind(now_rfc3339())
            .bind(namespace.as_str())
            .bind(expected_version)
            .execute(&mut *self.tx)
            .await?
        };
        if written.rows_affected() != 1 {
            return Err(conflict());
        }
        Ok(version)
    }
}

#[cfg(test)]
mod tests {
    use domain::NamespaceName;

    use crate::testing::fresh_store;
    use crate::StorageError;

    #[tokio::test]
    async fn a_catalog_is_replaced_whole_over_the_version_it_was_read_at() {
        let (store, _db) = fresh_store().await;
        let default = NamespaceName::parse("default").expect("name");
        store.ensure_namespace(&default).await.expect("ns");
        let empty = store.sql_catalog(&default).await.expect("read");
        assert_eq!((empty.version, empty.statements.len()), (0, 0));

        let first = vec!["CREATE TABLE `src` (k INT)".to_owned()];
        let mut tx = store.begin().await.expect("tx");
        assert_eq!(tx.replace_sql_catalog(&default, &first, 0).await.expect("first"), 1);
        tx.commit().await.expect("commit");

        let mut tx = store.begin().await.expect("tx");
        let stale = tx.replace_sql_catalog(&default, &[], 0).await;
        assert!(matches!(stale, Err(StorageError::Conflict { .. })), "{stale:?}");
        drop(tx);

        let both = vec![first[0].clone(), "CREATE TABLE `snk` (k INT)".to_owned()];
        let mut tx = store.begin().await.expect("tx");
        assert_eq!(tx.sql_catalog(&default).await.expect("read").statements, first);
        assert_eq!(tx.replace_sql_catalog(&default, &both, 1).await.expect("second"), 2);
        let stale = tx.replace_sql_catalog(&default, &[], 1).await;
        assert!(matches!(stale, Err(StorageError::Conflict { .. })), "{stale:?}");
        tx.commit().await.expect("commit");

        let kept = store.sql_catalog(&default).await.expect("read");
        assert_eq!((kept.version, kept.statements), (2, both));

        let mut tx = store.begin().await.expect("tx");
        tx.replace_sql_catalog(&default, &[], 2).await.expect("everything dropped");
        tx.commit().await.expect("commit");
        let dropped = store.sql_catalog(&default).await.expect("read");
        assert_eq!((dropped.version, dropped.statements.len()), (3, 0));
    }

    #[tokio::test]
    async fn a_catalog_needs_its_namespace() {
        let (store, _db) = fresh_store().await;
        let nowhere = NamespaceName::parse("nowhere").expect("name");
        let mut tx = store.begin().await.expect("tx");
        let refused = tx.replace_sql_catalog(&nowhere, &["CREATE TABLE t (k INT)".to_owned()], 0).await;
        assert!(matches!(refused, Err(StorageError::NoSuchNamespace(_))), "{refused:?}");
    }
}
