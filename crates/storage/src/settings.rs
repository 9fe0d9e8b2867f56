//! Console-wide settings an admin changes: one JSON document per name, read often, written rarely.

use serde_json::Value;

use crate::{StorageError, Store, Tx};

impl Store {
    /// The setting called `name`, if it was ever saved.
    pub async fn setting(&self, name: &str) -> Result<Option<Value>, StorageError> {
        let row: Option<(String,)> = sqlx::query_as("SELECT document FROM settings WHERE name = $1")
            .bind(name)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|(document,)| Ok(serde_json::from_str(&document)?)).transpose()
    }
}

impl Tx {
    /// Saves the setting called `name`, replacing what it was.
    pub async fn put_setting(&mut self, name: &str, document: &Value, at: &str) -> Result<(), StorageError> {
        sqlx::query(
            "INSERT INTO settings (name, document, modified_at) VALUES ($1, $2, $3)
             ON CONFLICT (name) DO UPDATE SET document = excluded.document, modified_at = excluded.modified_at",
        )
        .bind(name)
        .bind(serde_json::to_string(document)?)
        .bind(at)
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }
}
