//! The console's store: every SQL statement of the product lives in this crate. It speaks to SQLite
//! (embedded, the default) or PostgreSQL through one code path (`sqlx::Any`, portable SQL, `$n`
//! placeholders) and must never know about HTTP, Leptos or Flink.

mod deployments;
mod error;
mod targets;

use std::str::FromStr;

use sqlx::any::{install_default_drivers, AnyPoolOptions};
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::AnyPool;

pub use error::StorageError;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// A handle to the database; cheap to clone.
#[derive(Clone)]
pub struct Store {
    pool: AnyPool,
}

impl Store {
    /// Connects to `url` (`sqlite://path.db`, `sqlite::memory:`, `postgres://…`), creating a SQLite
    /// file if it does not exist, and applies the numbered migrations.
    pub async fn connect(url: &str) -> Result<Self, StorageError> {
        install_default_drivers();
        let is_sqlite = url.starts_with("sqlite:");
        if is_sqlite {
            create_sqlite_file_if_missing(url).await?;
        }
        let in_memory = url.contains(":memory:");
        let pool = AnyPoolOptions::new()
            // An in-memory SQLite database exists once per connection.
            .max_connections(if in_memory {
                1
            } else if is_sqlite {
                4
            } else {
                16
            })
            .connect(url)
            .await?;
        if is_sqlite {
            sqlx::query("PRAGMA foreign_keys = ON").execute(&pool).await?;
        }
        MIGRATOR.run(&pool).await?;
        Ok(Self { pool })
    }

    /// Answers whether the database can serve a query (for `/readyz`).
    pub async fn ping(&self) -> Result<(), StorageError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    /// Creates the namespace if it does not exist; returns whether it was created.
    pub async fn ensure_namespace(&self, name: &domain::NamespaceName) -> Result<bool, StorageError> {
        let done =
            sqlx::query("INSERT INTO namespaces (name, created_at) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING")
                .bind(name.as_str())
                .bind(now_rfc3339())
                .execute(&self.pool)
                .await?;
        Ok(done.rows_affected() == 1)
    }

    pub async fn namespace_exists(&self, name: &domain::NamespaceName) -> Result<bool, StorageError> {
        let row: Option<(String,)> = sqlx::query_as("SELECT name FROM namespaces WHERE name = $1")
            .bind(name.as_str())
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.is_some())
    }
}

async fn create_sqlite_file_if_missing(url: &str) -> Result<(), StorageError> {
    let options =
        SqliteConnectOptions::from_str(url)?.create_if_missing(true).journal_mode(sqlx::sqlite::SqliteJournalMode::Wal);
    let connection = sqlx::ConnectOptions::connect(&options).await?;
    sqlx::Connection::close(connection).await?;
    Ok(())
}

/// The store's clock, in the wire format (RFC 3339, UTC).
pub fn now_rfc3339() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| String::from("1970-01-01T00:00:00Z"))
}

#[cfg(test)]
pub(crate) mod test_support {
    use super::Store;

    /// A fresh, migrated database in a temporary directory (kept alive by the returned guard).
    pub async fn fresh_store() -> (Store, tempfile::TempDir) {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let url = format!("sqlite://{}/test.db", dir.path().display());
        let store = Store::connect(&url).await.expect("a migrated store");
        (store, dir)
    }
}
