//! The console's store: every SQL statement of the product lives in this crate. It speaks to SQLite
//! (embedded, the default) or PostgreSQL through one code path (`sqlx::Any`, portable SQL, `$n`
//! placeholders) and must never know about HTTP, Leptos or Flink.

#![warn(missing_docs)]

mod access;
mod artifacts;
pub mod bus;
pub mod changes;
mod defaults;
mod deployments;
mod engine;
mod error;
mod events;
mod jobs;
pub mod lease;
mod page;
mod plans;
mod savepoints;
mod settings;
mod sql_catalog;
mod targets;
mod tx;

use std::str::FromStr;

use sqlx::any::{install_default_drivers, AnyPoolOptions};
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::AnyPool;

pub use deployments::{EngineRow, StateCounts};
pub use engine::{EngineWrite, RowWrite};
pub use error::StorageError;
pub use lease::{Fence, Lease, LeaseRow};
pub use page::{Cursor, Page, Paged};
pub use tx::Tx;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// A handle to the database; cheap to clone.
#[derive(Clone)]
pub struct Store {
    pool: AnyPool,
    /// PostgreSQL rather than SQLite (the few statements that differ ask).
    is_postgres: bool,
    /// Every committed change of a deployment or target, for live pages.
    changes: changes::ChangeFeed,
    /// Messages between the replicas sharing the database (in-process only on SQLite).
    bus: bus::Bus,
    /// Set by `fenced`: every transaction checks that this term still holds the engine lease.
    fence: Option<std::sync::Arc<lease::Fence>>,
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
            // Pragmas hold per connection: every SQLite connection the pool opens enforces foreign keys.
            .after_connect(move |connection, _| {
                Box::pin(async move {
                    if is_sqlite {
                        sqlx::query("PRAGMA foreign_keys = ON").execute(connection).await?;
                    }
                    Ok(())
                })
            })
            .connect(url)
            .await?;
        MIGRATOR.run(&pool).await?;
        let store = Self {
            pool,
            is_postgres: !is_sqlite,
            changes: changes::ChangeFeed::default(),
            bus: bus::Bus::default(),
            fence: None,
        };
        store.fill_in_search_columns().await?;
        if store.is_postgres {
            store.compare_deployment_names_bytewise().await?;
            store.bus.connect_replicas(store.pool.clone(), url.to_owned(), store.changes.clone());
        }
        Ok(store)
    }

    /// The feed of committed changes (deployments and targets) of this store: its own, and on
    /// PostgreSQL those of the other replicas on the same database.
    pub fn changes(&self) -> &changes::ChangeFeed {
        &self.changes
    }

    /// The notification bus between the replicas sharing this database.
    pub fn bus(&self) -> &bus::Bus {
        &self.bus
    }

    /// Whether the database is PostgreSQL, which several console replicas may share (a SQLite
    /// database belongs to one console).
    pub fn is_postgres(&self) -> bool {
        self.is_postgres
    }

    // What the resource tables share (`table` is always one of ours, never input).

    /// Refuses a row for a namespace that does not exist (`Tx::require_namespace`, alone).
    pub(crate) async fn require_namespace(&self, namespace: &str) -> Result<(), StorageError> {
        self.begin().await?.require_namespace(namespace).await
    }

    /// One page of the JSON documents of `table` in a namespace whose columns equal the given values
    /// (filters without a value are left out), newest first (by creation time, then id).
    pub(crate) async fn newest_first<T: serde::de::DeserializeOwned>(
        &self,
        table: &'static str,
        namespace: &domain::NamespaceName,
        filters: &[(&'static str, Option<&str>)],
        page: &Page,
        key: impl Fn(&T) -> Cursor,
    ) -> Result<Paged<T>, StorageError> {
        self.newest_first_where(table, namespace, filters, None, page, key).await
    }

    /// `newest_first`, further narrowed to the rows whose `one_of.0` column holds one of `one_of.1`.
    pub(crate) async fn newest_first_where<T: serde::de::DeserializeOwned>(
        &self,
        table: &'static str,
        namespace: &domain::NamespaceName,
        filters: &[(&'static str, Option<&str>)],
        one_of: Option<(&'static str, &[&str])>,
        page: &Page,
        key: impl Fn(&T) -> Cursor,
    ) -> Result<Paged<T>, StorageError> {
        let select = format!("SELECT document FROM {table}");
        let mut all_filters = vec![("namespace", Some(namespace.as_str()))];
        all_filters.extend_from_slice(filters);
        let listing = page::Listing {
            select: &select,
            filters: &all_filters,
            one_of,
            order: page::Order::NewestFirst { time: "created_at", id: "id" },
        };
        self.page_of(listing, page, |(document,): (String,)| Ok(serde_json::from_str(&document)?), key).await
    }

    /// Every JSON document of `table` of one deployment, newest first: for the engine and tests,
    /// never for a list a client asked for.
    pub(crate) async fn all_of_deployment<T: serde::de::DeserializeOwned>(
        &self,
        table: &'static str,
        namespace: &domain::NamespaceName,
        deployment_id: &str,
    ) -> Result<Vec<T>, StorageError> {
        let sql = format!(
            "SELECT document FROM {table} WHERE namespace = $1 AND deployment_id = $2 ORDER BY created_at DESC, id DESC"
        );
        let rows: Vec<(String,)> =
            sqlx::query_as(&sql).bind(namespace.as_str()).bind(deployment_id).fetch_all(&self.pool).await?;
        rows.iter().map(|(document,)| Ok(serde_json::from_str(document)?)).collect()
    }

    /// The resource of `table` with `id` in a namespace, read from its JSON document.
    pub(crate) async fn document_by_id<T: serde::de::DeserializeOwned>(
        &self,
        table: &'static str,
        namespace: &domain::NamespaceName,
        id: &str,
    ) -> Result<Option<T>, StorageError> {
        let sql = format!("SELECT document FROM {table} WHERE namespace = $1 AND id = $2");
        let row: Option<(String,)> =
            sqlx::query_as(&sql).bind(namespace.as_str()).bind(id).fetch_optional(&self.pool).await?;
        row.map(|(document,)| Ok(serde_json::from_str(&document)?)).transpose()
    }

    /// Answers whether the database can serve a query (for `/readyz`).
    pub async fn ping(&self) -> Result<(), StorageError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    /// One page of the namespaces, by name.
    pub async fn list_namespaces(&self, page: &Page) -> Result<Paged<domain::Namespace>, StorageError> {
        let listing = page::Listing {
            select: "SELECT name, created_at FROM namespaces",
            filters: &[],
            one_of: None,
            order: page::Order::ByName("name"),
        };
        self.page_of(
            listing,
            page,
            |(name, created_at): (String, String)| Ok(domain::Namespace::new(&name, &created_at)),
            |namespace| Cursor::Name(namespace.metadata.name.clone()),
        )
        .await
    }

    /// The namespace called `name`, if it exists.
    pub async fn namespace(&self, name: &domain::NamespaceName) -> Result<Option<domain::Namespace>, StorageError> {
        let row: Option<(String, String)> = sqlx::query_as("SELECT name, created_at FROM namespaces WHERE name = $1")
            .bind(name.as_str())
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|(name, created_at)| domain::Namespace::new(&name, &created_at)))
    }

    /// Whether the namespace exists.
    pub async fn namespace_exists(&self, name: &domain::NamespaceName) -> Result<bool, StorageError> {
        let row: Option<(String,)> = sqlx::query_as("SELECT name FROM namespaces WHERE name = $1")
            .bind(name.as_str())
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.is_some())
    }
}

impl Tx {
    /// Creates the namespace if it does not exist; returns whether it was created.
    pub async fn ensure_namespace(&mut self, name: &domain::NamespaceName) -> Result<bool, StorageError> {
        let done =
            sqlx::query("INSERT INTO namespaces (name, created_at) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING")
                .bind(name.as_str())
                .bind(now_rfc3339())
                .execute(&mut *self.tx)
                .await?;
        Ok(done.rows_affected() == 1)
    }
}

async fn create_sqlite_file_if_missing(url: &str) -> Result<(), StorageError> {
    let options =
        SqliteConnectOptions::from_str(url)?.create_if_missing(true).journal_mode(sqlx::sqlite::SqliteJournalMode::Wal);
    let connection = sqlx::ConnectOptions::connect(&options).await?;
    sqlx::Connection::close(connection).await?;
    Ok(())
}

/// A database URL fit for a message or a log: its password (and anything carrying it in `text`)
/// replaced by `***`. `postgres://console:s3cret@db/console` → `postgres://console:***@db/console`.
pub fn redacted(url: &str, text: &str) -> String {
    let password = url
        .split_once("://")
        .and_then(|(_, rest)| rest.split(['/', '?']).next())
        .and_then(|authority| authority.rsplit_once('@'))
        .and_then(|(userinfo, _)| userinfo.split_once(':'))
        .map(|(_, password)| password)
        .filter(|password| !password.is_empty());
    match password {
        Some(password) => text.replace(password, "***"),
        None => text.to_owned(),
    }
}

/// The store's clock, in the wire format (RFC 3339, UTC).
pub fn now_rfc3339() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| String::from("1970-01-01T00:00:00Z"))
}

pub(crate) fn is_unique_violation(err: &sqlx::Error) -> bool {
    matches!(err, sqlx::Error::Database(db) if db.is_unique_violation())
}

/// An RFC 3339 time as fixed-width UTC with nanoseconds, so that text order is time order
/// (`…T10:00:00Z` sorts after `…T10:00:00.5Z` as written, before it as rewritten). Text that is not
/// RFC 3339 is kept as given.
pub(crate) fn sortable_time(rfc3339: &str) -> String {
    use time::format_description::well_known::Rfc3339;
    use time::macros::format_description;
    use time::{OffsetDateTime, UtcOffset};

    let fixed_width = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:9]Z");
    OffsetDateTime::parse(rfc3339, &Rfc3339)
        .ok()
        .and_then(|time| time.to_offset(UtcOffset::UTC).format(&fixed_width).ok())
        .unwrap_or_else(|| rfc3339.to_owned())
}

/// Fresh, migrated stores for tests, on the backend the environment selects:
/// `CONSOLE_TEST_DATABASE` unset or `sqlite` gives a SQLite file in a temporary directory;
/// `postgres` creates a uniquely named database in the server at `CONSOLE_TEST_POSTGRES_URL`
/// (`scripts/test.sh` starts a throwaway loopback cluster and sets both).
#[cfg(any(test, feature = "testing"))]
pub mod testing {
    use super::Store;

    /// Selects the test backend.
    pub const DATABASE_VAR: &str = "CONSOLE_TEST_DATABASE";
    /// An administrative URL of the PostgreSQL server (one allowed to `CREATE DATABASE`).
    pub const POSTGRES_URL_VAR: &str = "CONSOLE_TEST_POSTGRES_URL";

    /// Keeps a test database alive: the SQLite file's temporary directory is removed on drop; a
    /// PostgreSQL test database is left for the throwaway cluster to take with it.
    pub struct TestDatabase {
        url: String,
        dir: Option<tempfile::TempDir>,
    }

    impl TestDatabase {
        /// The URL the store was connected with (to connect again, e.g. to test a restart).
        pub fn url(&self) -> &str {
            &self.url
        }

        /// The temporary directory holding the SQLite file (`None` on PostgreSQL).
        pub fn dir(&self) -> Option<&std::path::Path> {
            self.dir.as_ref().map(tempfile::TempDir::path)
        }
    }

    /// A CANCELLED deployment `name` of `namespace` on the `local` target, with a fresh id.
    pub fn sample_deployment(namespace: &str, name: &str, mode: domain::ExecutionMode) -> domain::Deployment {
        use domain::*;

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
                autopilot: None,
                template: Template::default(),
                extra: Default::default(),
            },
            status: DeploymentStatus { state: DeploymentState::Cancelled, running: None, failure: None },
        }
    }

    /// The backend the tests run on, by `CONSOLE_TEST_DATABASE`.
    pub fn backend() -> &'static str {
        match std::env::var(DATABASE_VAR).as_deref() {
            Err(_) | Ok("") | Ok("sqlite") => "sqlite",
            Ok("postgres") | Ok("postgresql") => "postgres",
            Ok(other) => panic!("{DATABASE_VAR}={other}: expected `sqlite` or `postgres`"),
        }
    }

    /// A fresh, migrated database (kept alive by the returned guard).
    pub async fn fresh_store() -> (Store, TestDatabase) {
        let database = match backend() {
            "postgres" => fresh_postgres_database().await,
            _ => {
                let dir = tempfile::tempdir().expect("a temporary directory");
                let url = format!("sqlite://{}/test.db", dir.path().display());
                TestDatabase { url, dir: Some(dir) }
            }
        };
        let store = Store::connect(&database.url)
            .await
            .unwrap_or_else(|err| panic!("a migrated store at {}: {err}", database.url));
        (store, database)
    }

    /// A fresh, empty database (not migrated yet) in the PostgreSQL server at
    /// `CONSOLE_TEST_POSTGRES_URL`, whatever `CONSOLE_TEST_DATABASE` says: for tests of several
    /// console replicas, which only PostgreSQL can serve.
    pub async fn fresh_postgres_database() -> TestDatabase {
        use sqlx::{Connection, Executor};

        let admin_url = std::env::var(POSTGRES_URL_VAR).unwrap_or_else(|_| {
            panic!(
                "{DATABASE_VAR}=postgres needs {POSTGRES_URL_VAR} (e.g. postgres://postgres@127.0.0.1:15432/postgres); \
                 scripts/test.sh starts a throwaway PostgreSQL and sets it"
            )
        });
        let name = format!("test_{}", uuid::Uuid::new_v4().simple());
        let mut admin = sqlx::postgres::PgConnection::connect(&admin_url)
            .await
            .unwrap_or_else(|err| panic!("connecting to {POSTGRES_URL_VAR}={admin_url}: {err}"));
        admin
            .execute(format!("CREATE DATABASE {name}").as_str())
            .await
            .unwrap_or_else(|err| panic!("CREATE DATABASE {name}: {err}"));
        admin.close().await.ok();
        TestDatabase { url: with_database(&admin_url, &name), dir: None }
    }

    /// `postgres://user@host:port/admin?opts` with its database replaced by `name`.
    fn with_database(url: &str, name: &str) -> String {
        let (base, query) = match url.split_once('?') {
            Some((base, query)) => (base, Some(query)),
            None => (url, None),
        };
        let authority_start = base.find("://").map_or(0, |i| i + 3);
        let authority_end = base[authority_start..].find('/').map_or(base.len(), |i| authority_start + i);
        let mut out = format!("{}/{name}", &base[..authority_end]);
        if let Some(query) = query {
            out.push('?');
            out.push_str(query);
        }
        out
    }

    #[cfg(test)]
    mod tests {
        #[tokio::test]
        async fn every_pooled_sqlite_connection_enforces_foreign_keys() {
            if super::backend() == "postgres" {
                return;
            }
            let (store, _database) = super::fresh_store().await;
            // Hold several connections at once, so the pool opens more than one.
            let mut held = Vec::new();
            for _ in 0..4 {
                held.push(store.pool.acquire().await.expect("a pooled connection"));
            }
            for connection in &mut held {
                let (on,): (i64,) =
                    sqlx::query_as("PRAGMA foreign_keys").fetch_one(&mut **connection).await.expect("the pragma");
                assert_eq!(on, 1, "each connection enforces foreign keys");
            }
        }

        #[test]
        fn a_database_password_never_reaches_a_message() {
            let url = "postgres://console:s3cr%40t@db:5432/console?sslmode=require";
            let message = format!("cannot open the database {url}: password authentication failed for s3cr%40t");
            let shown = crate::redacted(url, &message);
            assert!(!shown.contains("s3cr"), "{shown}");
            assert!(shown.contains("postgres://console:***@db:5432/console"), "{shown}");
            assert_eq!(crate::redacted("sqlite://.console/console.db", "as is"), "as is");
        }

        #[test]
        fn the_database_of_a_postgres_url_is_replaced() {
            assert_eq!(
                super::with_database("postgres://u@127.0.0.1:15432/postgres", "t1"),
                "postgres://u@127.0.0.1:15432/t1"
            );
            assert_eq!(
                super::with_database("postgres://u:p@h:1/postgres?sslmode=disable", "t1"),
                "postgres://u:p@h:1/t1?sslmode=disable"
            );
            assert_eq!(super::with_database("postgres://h", "t1"), "postgres://h/t1");
        }
    }
}
