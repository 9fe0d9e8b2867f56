//! What can go wrong in the store, with the cause kept.

#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("database migration failed: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    #[error("stored document is not valid: {0}")]
    CorruptDocument(#[from] serde_json::Error),
    #[error("{kind} {name:?} already exists in namespace {namespace:?}")]
    AlreadyExists { kind: &'static str, namespace: String, name: String },
    #[error("{kind} {name:?} was changed by someone else (its resourceVersion moved on)")]
    Conflict { kind: &'static str, name: String },
    #[error("namespace {0:?} does not exist")]
    NoSuchNamespace(String),
    /// A page asked to start after a cursor of another list's order.
    #[error("the cursor is not a position in this list")]
    WrongCursor,
}
