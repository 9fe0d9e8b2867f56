//! Artifact rows: what is known of each JAR uploaded to a namespace (its bytes are files the
//! services keep; this module never touches them).

use domain::{ArtifactName, NamespaceName, UploadedArtifact};

use crate::page::{Listing, Order};
use crate::{Cursor, Page, Paged, StorageError, Store, Tx};

const COLUMNS: &str = "namespace, name, size_bytes, sha256, uploaded_by, created_at";

type Row = (String, String, i64, String, String, String);

fn artifact_from_row(
    (namespace, name, size, sha256, uploaded_by, created_at): Row,
) -> Result<UploadedArtifact, StorageError> {
    let name: ArtifactName = serde_json::from_value(serde_json::Value::String(name))?;
    Ok(UploadedArtifact {
        namespace,
        uri: name.uri(),
        name,
        size_bytes: u64::try_from(size).unwrap_or_default(),
        sha256,
        uploaded_by,
        created_at,
    })
}

impl Store {
    /// One page of a namespace's artifacts, by name.
    pub async fn list_artifacts(
        &self,
        namespace: &NamespaceName,
        page: &Page,
    ) -> Result<Paged<UploadedArtifact>, StorageError> {
        let select = format!("SELECT {COLUMNS} FROM artifacts");
        let listing = Listing {
            select: &select,
            filters: &[("namespace", Some(namespace.as_str()))],
            one_of: None,
            order: Order::ByName("name"),
        };
        self.page_of(listing, page, artifact_from_row, |artifact| Cursor::Name(artifact.name.as_str().to_owned())).await
    }

    /// The namespace's artifact called `name`, if there is one.
    pub async fn artifact(
        &self,
        namespace: &NamespaceName,
        name: &ArtifactName,
    ) -> Result<Option<UploadedArtifact>, StorageError> {
        let sql = format!("SELECT {COLUMNS} FROM artifacts WHERE namespace = $1 AND name = $2");
        let row: Option<Row> =
            sqlx::query_as(&sql).bind(namespace.as_str()).bind(name.as_str()).fetch_optional(&self.pool).await?;
        row.map(artifact_from_row).transpose()
    }
}

impl Tx {
    /// `Store::artifact`, read inside the transaction (lock the namespace first to act on it).
    pub async fn artifact(
        &mut self,
        namespace: &NamespaceName,
        name: &ArtifactName,
    ) -> Result<Option<UploadedArtifact>, StorageError> {
        let sql = format!("SELECT {COLUMNS} FROM artifacts WHERE namespace = $1 AND name = $2");
        let row: Option<Row> =
            sqlx::query_as(&sql).bind(namespace.as_str()).bind(name.as_str()).fetch_optional(&mut *self.tx).await?;
        row.map(artifact_from_row).transpose()
    }

    /// Records an artifact, replacing what was known of one with the same name in its namespace.
    pub async fn put_artifact(&mut self, artifact: &UploadedArtifact) -> Result<(), StorageError> {
        self.require_namespace(&artifact.namespace).await?;
        let size = i64::try_from(artifact.size_bytes).unwrap_or(i64::MAX);
        sqlx::query("DELETE FROM artifacts WHERE namespace = $1 AND name = $2")
            .bind(&artifact.namespace)
            .bind(artifact.name.as_str())
            .execute(&mut *self.tx)
            .await?;
        sqlx::query(&format!("INSERT INTO artifacts ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6)"))
            .bind(&artifact.namespace)
            .bind(artifact.name.as_str())
            .bind(size)
            .bind(&artifact.sha256)
            .bind(&artifact.uploaded_by)
            .bind(&artifact.created_at)
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }

    /// Forgets the namespace's artifact called `name`; answers whether there was one.
    pub async fn delete_artifact(
        &mut self,
        namespace: &NamespaceName,
        name: &ArtifactName,
    ) -> Result<bool, StorageError> {
        let deleted = sqlx::query("DELETE FROM artifacts WHERE namespace = $1 AND name = $2")
            .bind(namespace.as_str())
            .bind(name.as_str())
            .execute(&mut *self.tx)
            .await?;
        Ok(deleted.rows_affected() == 1)
    }
}

#[cfg(test)]
mod tests {
    use domain::{ArtifactName, NamespaceName, UploadedArtifact};

    use crate::testing::fresh_store;
    use crate::{Page, StorageError};

    fn artifact(namespace: &str, name: &str, sha256: &str) -> UploadedArtifact {
        let name = ArtifactName::parse(name).expect("a name");
        UploadedArtifact {
            namespace: namespace.into(),
            uri: name.uri(),
            name,
            size_bytes: 3_000_000_000,
            sha256: sha256.into(),
            uploaded_by: "user:admin".into(),
            created_at: crate::now_rfc3339(),
        }
    }

    #[tokio::test]
    async fn artifacts_are_listed_by_name_per_namespace_and_replaced_by_name() {
        let (store, _dir) = fresh_store().await;
        let (default, other) =
            (NamespaceName::parse("default").expect("ns"), NamespaceName::parse("other").expect("ns"));
        store.ensure_namespace(&default).await.expect("ns");
        store.ensure_namespace(&other).await.expect("ns");
        let mut tx = store.begin().await.expect("tx");
        for (ns, name) in [("default", "b.jar"), ("default", "a.jar"), ("default", "c.jar"), ("other", "a.jar")] {
            tx.put_artifact(&artifact(ns, name, "00")).await.expect("put");
        }
        tx.put_artifact(&artifact("default", "a.jar", "ff")).await.expect("replaced");
        tx.commit().await.expect("commit");

        let first = store.list_artifacts(&default, &Page::first(2)).await.expect("list");
        let names: Vec<&str> = first.items.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(names, ["a.jar", "b.jar"]);
        assert_eq!(first.items[0].sha256, "ff", "replaced, not added");
        assert_eq!(first.items[0].size_bytes, 3_000_000_000, "sizes beyond 32 bits survive");
        let rest = store.list_artifacts(&default, &Page { limit: 2, after: first.next }).await.expect("list");
        assert_eq!(rest.items.len(), 1);
        assert_eq!(rest.next, None);

        let a = ArtifactName::parse("a.jar").expect("a name");
        assert_eq!(store.artifact(&other, &a).await.expect("read").map(|a| a.sha256), Some("00".into()));
        let mut tx = store.begin().await.expect("tx");
        assert!(tx.delete_artifact(&other, &a).await.expect("delete"));
        assert!(!tx.delete_artifact(&other, &a).await.expect("delete again"));
        tx.commit().await.expect("commit");
        assert_eq!(store.artifact(&other, &a).await.expect("read"), None);
        assert!(store.artifact(&default, &a).await.expect("read").is_some(), "another namespace's stays");

        let mut tx = store.begin().await.expect("tx");
        let refused = tx.put_artifact(&artifact("nowhere", "a.jar", "00")).await;
        assert!(matches!(refused, Err(StorageError::NoSuchNamespace(_))), "{refused:?}");
    }
}
