//! What can go wrong in the store, with the cause kept.

/// Why the store did not do what it was asked; nothing was written then.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// The database failed or could not be reached (temporary, as far as the caller can tell).
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// The schema could not be brought up to date.
    #[error("database migration failed: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    /// A stored JSON document does not read as its type.
    #[error("stored document is not valid: {0}")]
    CorruptDocument(#[from] serde_json::Error),
    /// The name (or id) is taken.
    #[error("{kind} {name:?} already exists in namespace {namespace:?}")]
    AlreadyExists {
        /// What kind of resource.
        kind: &'static str,
        /// Its namespace (empty for users and sessions).
        namespace: String,
        /// The taken name or id.
        name: String,
    },
    /// Someone else changed the row since it was read (its version moved on), or it is gone.
    #[error("{kind} {name:?} was changed by someone else (its resourceVersion moved on)")]
    Conflict {
        /// What kind of resource.
        kind: &'static str,
        /// Its name or id.
        name: String,
    },
    /// The row would belong to a namespace that does not exist.
    #[error("namespace {0:?} does not exist")]
    NoSuchNamespace(String),
    /// A stored column holds a value the console never writes.
    #[error("stored column {column} holds {value:?}, which is not valid")]
    CorruptColumn {
        /// Which column.
        column: &'static str,
        /// What it holds.
        value: String,
    },
    /// A page asked to start after a cursor of another list's order.
    #[error("the cursor is not a position in this list")]
    WrongCursor,
    /// An engine write through a fenced store (`Store::fenced`) was refused because its replica no
    /// longer holds the engine lease at its epoch (another replica took over, or the lease ran out
    /// or was released): nothing was written. The replica must stop acting as the engine.
    #[error("the engine lease is no longer held by replica {holder} at epoch {epoch}: its engine write was refused")]
    LeaseLost {
        /// The replica whose write was refused.
        holder: String,
        /// The epoch (fencing token) it wrote under.
        epoch: i64,
    },
}
