//! A transaction of the store: the console's services make a change and write its audit line in
//! one, so that neither is ever committed without the other. Each table's writes are methods of
//! `Tx` in that table's module; `Store` offers each of them alone, in a transaction of its own.

use domain::{
    ApiToken, AuditEntry, DefaultsScope, Deployment, DeploymentDefaults, DeploymentTarget, NamespaceName, Role,
    Savepoint, User,
};

use crate::{StorageError, Store};

/// An open transaction; dropped without `commit`, nothing it wrote is kept.
pub struct Tx {
    pub(crate) tx: sqlx::Transaction<'static, sqlx::Any>,
    /// Where the changes are published once committed.
    feed: crate::changes::ChangeFeed,
    /// Changes written so far, published by `commit` (never if the transaction is dropped).
    pending: Vec<domain::live::Change>,
    /// Where the other replicas hear of the changes (PostgreSQL: inside the transaction).
    bus: crate::bus::Bus,
    /// Bus messages sent inside the transaction, delivered in-process once it commits.
    sent: Vec<(crate::bus::Topic, serde_json::Value)>,
    is_postgres: bool,
}

impl Store {
    /// Opens a transaction. Do not use the `Store` for writes while it is open: on SQLite the
    /// other connection would wait for this one. On a fenced store (`Store::fenced`) it first
    /// checks the engine lease, and fails with `StorageError::LeaseLost` if the fence lost it.
    pub async fn begin(&self) -> Result<Tx, StorageError> {
        let tx = self.begin_transaction().await?;
        Ok(Tx {
            tx,
            feed: self.changes.clone(),
            pending: Vec::new(),
            bus: self.bus.clone(),
            sent: Vec::new(),
            is_postgres: self.is_postgres,
        })
    }
}

impl Tx {
    /// Keeps everything written in the transaction. On PostgreSQL the changes travel to the other
    /// replicas inside it (a `NOTIFY` is sent at commit, and only then).
    pub async fn commit(mut self) -> Result<(), StorageError> {
        if self.is_postgres && !self.pending.is_empty() {
            let message = crate::bus::Bus::changes_message(&self.pending);
            self.bus.notify_in(&mut self.tx, crate::bus::Topic::Change, &message).await?;
        }
        self.tx.commit().await?;
        self.feed.publish(self.pending);
        self.bus.deliver_committed(self.sent);
        Ok(())
    }

    /// Says that access (sessions, tokens, users, memberships, roles) changed, if and only if
    /// this transaction commits: the other replicas hear it through the bus (a `NOTIFY` of the
    /// transaction on PostgreSQL), this process once it commits (`Bus::access_changes`).
    pub async fn access_changed(&mut self, change: &crate::bus::AccessChange) -> Result<(), StorageError> {
        let message = serde_json::to_value(change)?;
        if self.is_postgres {
            self.bus.notify_in(&mut self.tx, crate::bus::Topic::Access, &message).await?;
        }
        self.sent.push((crate::bus::Topic::Access, message));
        Ok(())
    }

    /// Remembers a change for the feed, published if the transaction commits.
    pub(crate) fn changed(&mut self, change: domain::live::Change) {
        self.pending.push(change);
    }

    /// Refuses a row for a namespace that does not exist.
    pub(crate) async fn require_namespace(&mut self, namespace: &str) -> Result<(), StorageError> {
        let exists = match NamespaceName::parse(namespace) {
            Ok(name) => self.namespace_exists(&name).await?,
            Err(_) => false,
        };
        if exists {
            Ok(())
        } else {
            Err(StorageError::NoSuchNamespace(namespace.to_owned()))
        }
    }

    pub(crate) async fn namespace_exists(&mut self, name: &NamespaceName) -> Result<bool, StorageError> {
        let row: Option<(String,)> = sqlx::query_as("SELECT name FROM namespaces WHERE name = $1")
            .bind(name.as_str())
            .fetch_optional(&mut *self.tx)
            .await?;
        Ok(row.is_some())
    }

    /// Makes this transaction the namespace's only writer until it ends (a no-op update of its row:
    /// PostgreSQL locks the row, SQLite the database), so that a check and the change it allows
    /// see the same members. Answers whether the namespace exists.
    pub async fn lock_namespace(&mut self, name: &NamespaceName) -> Result<bool, StorageError> {
        let done = sqlx::query("UPDATE namespaces SET name = name WHERE name = $1")
            .bind(name.as_str())
            .execute(&mut *self.tx)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Makes this transaction the only one changing admins until it ends (see `lock_namespace`).
    pub async fn lock_admins(&mut self) -> Result<(), StorageError> {
        sqlx::query("UPDATE users SET admin = admin WHERE admin = 1").execute(&mut *self.tx).await?;
        Ok(())
    }
}

/// `Store` methods that run one `Tx` write in a transaction of its own.
macro_rules! alone {
    ($( $(#[$doc:meta])* fn $name:ident($($arg:ident: $ty:ty),*) -> $ret:ty; )*) => {
        impl Store {
            $(
                $(#[$doc])*
                pub async fn $name(&self, $($arg: $ty),*) -> Result<$ret, StorageError> {
                    let mut tx = self.begin().await?;
                    let out = tx.$name($($arg),*).await?;
                    tx.commit().await?;
                    Ok(out)
                }
            )*
        }
    };
}

alone! {
    /// `Tx::ensure_namespace` alone.
    fn ensure_namespace(name: &NamespaceName) -> bool;
    /// `Tx::insert_deployment` alone.
    fn insert_deployment(deployment: &Deployment) -> ();
    /// `Tx::update_deployment` alone.
    fn update_deployment(deployment: &Deployment, expected_version: i64) -> ();
    /// `Tx::delete_deployment` alone.
    fn delete_deployment(namespace: &NamespaceName, id: &str, expected_version: i64) -> ();
    /// `Tx::save_deployment_defaults` alone.
    fn save_deployment_defaults(scope: &DefaultsScope, defaults: &DeploymentDefaults, expected_version: i64) -> ();
    /// `Tx::upsert_deployment_target` alone.
    fn upsert_deployment_target(target: &DeploymentTarget) -> DeploymentTarget;
    /// `Tx::delete_deployment_target` alone.
    fn delete_deployment_target(namespace: &NamespaceName, name: &str) -> bool;
    /// `Tx::create_user` alone.
    fn create_user(user: &User, password_hash: &str) -> ();
    /// `Tx::set_password_hash` alone.
    fn set_password_hash(user_id: &str, hash: &str, keep_session: Option<&str>) -> ();
    /// `Tx::delete_user` alone.
    fn delete_user(id: &str) -> bool;
    /// `Tx::set_member` alone.
    fn set_member(namespace: &NamespaceName, user_id: &str, role: Role) -> ();
    /// `Tx::remove_member` alone.
    fn remove_member(namespace: &NamespaceName, user_id: &str) -> bool;
    /// `Tx::create_api_token` alone.
    fn create_api_token(token: &ApiToken, token_hash: &str) -> ();
    /// `Tx::revoke_api_token` alone.
    fn revoke_api_token(namespace: &NamespaceName, id: &str, at: &str) -> Option<ApiToken>;
    /// `Tx::replace_access_key` alone.
    fn replace_access_key(namespace: &NamespaceName, token_id: &str, access_key_id: &str, created_at: &str, created_by: &str) -> Option<(ApiToken, Option<String>)>;
    /// `Tx::append_audit` alone.
    fn append_audit(entry: &AuditEntry) -> ();
    /// `Tx::insert_savepoint` alone.
    fn insert_savepoint(savepoint: &Savepoint) -> ();
}
