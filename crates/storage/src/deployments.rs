//! Deployment rows: the whole resource as a JSON document plus the columns we filter, sort and
//! count on, and one `deployment_labels` row per label for label selectors. Every committed write
//! of a deployment, people's and the engine's, is published on the store's change feed.

use domain::live::{Change, ChangeKind, DeploymentChange};
use domain::{
    Deployment, DeploymentQuery, DeploymentState, DeploymentStatus, DesiredState, ExecutionMode, LabelRequirement,
    NamespaceName, SortKey,
};

use crate::{sortable_time, Cursor, Page, Paged, StorageError, Store, Tx};

/// A deployment as the engine reads it: the resource (status included), the engine's own record
/// (opaque JSON, absent until the engine first writes), and the version both are written under.
#[derive(Debug, Clone, PartialEq)]
pub struct EngineRow {
    /// The deployment with its status.
    pub deployment: Deployment,
    /// The engine's record, as it last wrote it.
    pub engine: Option<String>,
    /// Bumped by every status write: the next write must name it.
    pub status_version: i64,
}

/// How many deployments of a namespace are in each state (states without any are left out).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct StateCounts(pub Vec<(DeploymentState, u64)>);

impl StateCounts {
    /// How many are in `state`.
    pub fn of(&self, state: DeploymentState) -> u64 {
        self.0.iter().find(|(s, _)| *s == state).map_or(0, |(_, count)| *count)
    }

    /// How many in all.
    pub fn total(&self) -> u64 {
        self.0.iter().map(|(_, count)| count).sum()
    }
}

/// Writes the engine's side of a deployment if its status version is still the expected one;
/// answers the change to publish, or `None` when the version moved on or the row is gone.
pub(crate) async fn update_engine_state_row<'e, E: sqlx::Executor<'e, Database = sqlx::Any>>(
    executor: E,
    namespace: &NamespaceName,
    id: &str,
    status: &DeploymentStatus,
    engine: &str,
    expected_status_version: i64,
) -> Result<Option<Change>, StorageError> {
    let status_json = serde_json::to_string(status)?;
    let row: Option<(String, String, String, String, i64)> = sqlx::query_as(
        "UPDATE deployments SET status = $1, status_state = $2, engine = $3, status_version = $4
         WHERE namespace = $5 AND id = $6 AND status_version = $7
         RETURNING name, execution_mode, desired_state, modified_at, resource_version",
    )
    .bind(status_json)
    .bind(status.state.as_str())
    .bind(engine)
    .bind(expected_status_version + 1)
    .bind(namespace.as_str())
    .bind(id)
    .bind(expected_status_version)
    .fetch_optional(executor)
    .await?;
    let Some((name, mode, desired, modified_at, resource_version)) = row else { return Ok(None) };
    Ok(Some(Change::Deployment(DeploymentChange {
        change: ChangeKind::Updated,
        namespace: namespace.as_str().to_owned(),
        id: id.to_owned(),
        name,
        execution_mode: column("execution_mode", &mode, ExecutionMode::parse)?,
        state: status.state,
        desired_state: column("desired_state", &desired, DesiredState::parse)?,
        modified_at,
        resource_version,
        status_version: expected_status_version + 1,
    })))
}

/// A stored enum column read back, or `CorruptColumn`.
fn column<T>(name: &'static str, raw: &str, parse: impl Fn(&str) -> Option<T>) -> Result<T, StorageError> {
    parse(raw).ok_or_else(|| StorageError::CorruptColumn { column: name, value: raw.to_owned() })
}

/// Grouped `(status_state, count)` rows as counts in the order of `DeploymentState::ALL`.
fn state_counts(rows: Vec<(String, i64)>) -> Result<StateCounts, StorageError> {
    let mut counts = Vec::new();
    for (state, count) in rows {
        let state = column("status_state", &state, DeploymentState::parse)?;
        counts.push((state, u64::try_from(count).unwrap_or(0)));
    }
    counts.sort_by_key(|(state, _)| DeploymentState::ALL.iter().position(|s| s == state));
    Ok(StateCounts(counts))
}

/// The change of `deployment` as written (its status state and version as given).
fn change_of(deployment: &Deployment, change: ChangeKind, state: DeploymentState, status_version: i64) -> Change {
    Change::Deployment(DeploymentChange {
        change,
        namespace: deployment.metadata.namespace.clone(),
        id: deployment.metadata.id.clone(),
        name: deployment.metadata.name.clone(),
        execution_mode: deployment.spec.execution_mode,
        state,
        desired_state: deployment.spec.state,
        modified_at: deployment.metadata.modified_at.clone(),
        resource_version: deployment.metadata.resource_version,
        status_version,
    })
}

/// A deployment with the engine's record and status version, read with `executor` (the pool or a
/// transaction).
async fn read_engine_row<'e, E: sqlx::Executor<'e, Database = sqlx::Any>>(
    executor: E,
    namespace: &NamespaceName,
    id: &str,
) -> Result<Option<EngineRow>, StorageError> {
    let row: Option<(String, Option<String>, Option<String>, i64)> = sqlx::query_as(
        "SELECT document, status, engine, status_version FROM deployments WHERE namespace = $1 AND id = $2",
    )
    .bind(namespace.as_str())
    .bind(id)
    .fetch_optional(executor)
    .await?;
    row.map(|(document, status, engine, status_version)| {
        Ok(EngineRow { deployment: with_engine_status(&document, status.as_deref())?, engine, status_version })
    })
    .transpose()
}

/// `update_engine_state_row`, with a stale version or a vanished deployment as a `Conflict`.
async fn write_engine_state<'e, E: sqlx::Executor<'e, Database = sqlx::Any>>(
    executor: E,
    namespace: &NamespaceName,
    id: &str,
    status: &DeploymentStatus,
    engine: &str,
    expected_status_version: i64,
) -> Result<Change, StorageError> {
    update_engine_state_row(executor, namespace, id, status, engine, expected_status_version)
        .await?
        .ok_or_else(|| StorageError::Conflict { kind: "deployment status", name: id.to_owned() })
}

/// The stored document with the engine's status in place of the one written with the spec.
fn with_engine_status(document: &str, status: Option<&str>) -> Result<Deployment, StorageError> {
    let mut deployment: Deployment = serde_json::from_str(document)?;
    if let Some(status) = status {
        deployment.status = serde_json::from_str(status)?;
    }
    Ok(deployment)
}

/// A `LIKE` pattern matching `text` anywhere, its wildcards escaped (with `\`).
fn contains_pattern(text: &str) -> String {
    let mut pattern = String::from("%");
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

/// The `WHERE` of a deployment query (without a page's cursor), with its values in order.
struct Conditions {
    sql: Vec<String>,
    values: Vec<String>,
}

impl Conditions {
    fn new(namespace: &NamespaceName, query: &DeploymentQuery) -> Self {
        let mut conditions = Self { sql: Vec::new(), values: Vec::new() };
        conditions.equal("namespace", namespace.as_str());
        if let Some(mode) = query.mode {
            conditions.equal("execution_mode", mode.as_str());
        }
        if let Some(state) = query.state {
            conditions.equal("status_state", state.as_str());
        }
        if let Some(text) = &query.name_contains {
            // Names are lowercase DNS labels and the search is lowercased: LIKE's case rules
            // (SQLite ignores ASCII case, PostgreSQL does not) do not matter.
            let n = conditions.value(contains_pattern(text));
            conditions.sql.push(format!("name LIKE ${n} ESCAPE '\\'"));
        }
        // Each requirement is a set of deployment ids read once from the labels' index (a
        // semi-join), not a lookup per deployment: a selector costs about what it matches.
        for requirement in query.labels.requirements() {
            let labelled = "SELECT deployment_id FROM deployment_labels WHERE label_key = ";
            let condition = match requirement {
                LabelRequirement::Equals(key, value) | LabelRequirement::NotEquals(key, value) => {
                    let k = conditions.value(key.clone());
                    let v = conditions.value(value.clone());
                    let negated = if matches!(requirement, LabelRequirement::NotEquals(..)) { "NOT " } else { "" };
                    format!("id {negated}IN ({labelled}${k} AND label_value = ${v})")
                }
                LabelRequirement::Exists(key) => format!("id IN ({labelled}${})", conditions.value(key.clone())),
                LabelRequirement::Absent(key) => format!("id NOT IN ({labelled}${})", conditions.value(key.clone())),
            };
            conditions.sql.push(condition);
        }
        conditions
    }

    /// Adds a value; answers its placeholder number.
    fn value(&mut self, value: String) -> usize {
        self.values.push(value);
        self.values.len()
    }

    fn equal(&mut self, column: &str, value: &str) {
        let n = self.value(value.to_owned());
        self.sql.push(format!("{column} = ${n}"));
    }

    fn where_clause(&self) -> String {
        if self.sql.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", self.sql.join(" AND "))
        }
    }
}

/// The sort key of a deployment in a list sorted by `key`, as its column holds it.
fn sort_key_of(deployment: &Deployment, key: SortKey) -> String {
    match key {
        SortKey::Name => deployment.metadata.name.clone(),
        SortKey::State => deployment.status.state.as_str().to_owned(),
        SortKey::Created => sortable_time(&deployment.metadata.created_at),
        SortKey::Modified => sortable_time(&deployment.metadata.modified_at),
    }
}

impl Store {
    /// One page of the deployments of a namespace, by name, optionally only streaming or batch ones.
    pub async fn list_deployments(
        &self,
        namespace: &NamespaceName,
        mode: Option<ExecutionMode>,
        page: &Page,
    ) -> Result<Paged<Deployment>, StorageError> {
        self.search_deployments(namespace, &DeploymentQuery { mode, ..DeploymentQuery::default() }, page).await
    }

    /// One page of the deployments of a namespace that `query` selects, in its order. By name
    /// ascending the cursors are `Cursor::Name` (as every list by name); in another order they are
    /// `Cursor::Sorted` of that order, and a cursor of another order is `WrongCursor`.
    pub async fn search_deployments(
        &self,
        namespace: &NamespaceName,
        query: &DeploymentQuery,
        page: &Page,
    ) -> Result<Paged<Deployment>, StorageError> {
        let mut conditions = Conditions::new(namespace, query);
        let sort = query.sort;
        let name = self.binary("name");
        let (key_column, by_name_only) = match sort.key {
            SortKey::Name => (name.clone(), true),
            SortKey::State => ("status_state".to_owned(), false),
            SortKey::Created => ("created_sort".to_owned(), false),
            SortKey::Modified => ("modified_sort".to_owned(), false),
        };
        let (direction, beyond) = if sort.descending { ("DESC", "<") } else { ("ASC", ">") };
        match (&page.after, sort.is_default()) {
            (None, _) => {}
            (Some(Cursor::Name(after)), true) => {
                let n = conditions.value(after.clone());
                conditions.sql.push(format!("{name} > ${n}"));
            }
            (Some(Cursor::Sorted { by, key, name: after }), false) if *by == sort.as_param() => {
                if by_name_only {
                    let n = conditions.value(after.clone());
                    conditions.sql.push(format!("{name} {beyond} ${n}"));
                } else {
                    let k = conditions.value(key.clone());
                    let n = conditions.value(after.clone());
                    conditions.sql.push(format!(
                        "({key_column} {beyond} ${k} OR ({key_column} = ${k} AND {name} {beyond} ${n}))"
                    ));
                }
            }
            (Some(_), _) => return Err(StorageError::WrongCursor),
        }
        let order = if by_name_only {
            format!("{name} {direction}")
        } else {
            format!("{key_column} {direction}, {name} {direction}")
        };
        // One row more than asked for tells whether another page follows.
        let sql = format!(
            "SELECT document, status FROM deployments{} ORDER BY {order} LIMIT {}",
            conditions.where_clause(),
            u64::from(page.limit) + 1
        );
        let mut statement = sqlx::query_as::<_, (String, Option<String>)>(&sql);
        for value in &conditions.values {
            statement = statement.bind(value.as_str());
        }
        let rows = statement.fetch_all(&self.pool).await?;
        let more = rows.len() as u64 > u64::from(page.limit);
        let items = rows
            .iter()
            .take(page.limit as usize)
            .map(|(document, status)| with_engine_status(document, status.as_deref()))
            .collect::<Result<Vec<_>, _>>()?;
        let next = items.last().filter(|_| more).map(|last| {
            if sort.is_default() {
                Cursor::Name(last.metadata.name.clone())
            } else {
                Cursor::Sorted {
                    by: sort.as_param(),
                    key: sort_key_of(last, sort.key),
                    name: last.metadata.name.clone(),
                }
            }
        });
        Ok(Paged { items, next })
    }

    /// How many deployments `query` selects in each state, its own state filter left out (so the
    /// counts say what choosing a state would show). Its order does not matter.
    pub async fn count_deployments_by_state(
        &self,
        namespace: &NamespaceName,
        query: &DeploymentQuery,
    ) -> Result<StateCounts, StorageError> {
        let conditions = Conditions::new(namespace, &DeploymentQuery { state: None, ..query.clone() });
        let sql = format!(
            "SELECT status_state, COUNT(*) FROM deployments{} GROUP BY status_state",
            conditions.where_clause()
        );
        let mut statement = sqlx::query_as::<_, (String, i64)>(&sql);
        for value in &conditions.values {
            statement = statement.bind(value.as_str());
        }
        state_counts(statement.fetch_all(&self.pool).await?)
    }

    /// How many deployments of every namespace are in each state: one grouped count, for the
    /// console's metrics.
    pub async fn count_all_deployments_by_state(&self) -> Result<StateCounts, StorageError> {
        let rows =
            sqlx::query_as::<_, (String, i64)>("SELECT status_state, COUNT(*) FROM deployments GROUP BY status_state")
                .fetch_all(&self.pool)
                .await?;
        state_counts(rows)
    }

    /// PostgreSQL: `deployments.name` takes the collation `"C"` (byte by byte), the order every
    /// list asks for (`Store::binary`). Under the database's own collation the name indexes cannot
    /// serve `ORDER BY name COLLATE "C"`: a page of a namespace of 100,000 deployments read and
    /// sorted all of them (57 ms by name or state against 0.07–0.1 ms, measured on PostgreSQL 15).
    /// Once per database; the indexes are rebuilt with the column.
    pub(crate) async fn compare_deployment_names_bytewise(&self) -> Result<(), StorageError> {
        let (collation,): (Option<String>,) = sqlx::query_as(
            "SELECT collation_name::text FROM information_schema.columns
             WHERE table_schema = current_schema() AND table_name = 'deployments' AND column_name = 'name'",
        )
        .fetch_one(&self.pool)
        .await?;
        if collation.as_deref() != Some("C") {
            sqlx::query("ALTER TABLE deployments ALTER COLUMN name TYPE TEXT COLLATE \"C\"")
                .execute(&self.pool)
                .await?;
            tracing::info!("deployment names now compare byte by byte, as the lists order them");
        }
        Ok(())
    }

    /// Fills in the search columns and label rows of deployments written before they existed
    /// (migration 0009), once, when the store opens. A document that cannot be read is left as it
    /// is (and logged): it is listed, but no label selector matches it.
    pub(crate) async fn fill_in_search_columns(&self) -> Result<(), StorageError> {
        let rows: Vec<(String, String)> =
            sqlx::query_as("SELECT id, document FROM deployments WHERE search_version = 0")
                .fetch_all(&self.pool)
                .await?;
        if rows.is_empty() {
            return Ok(());
        }
        let mut tx = self.begin().await?;
        for (id, document) in &rows {
            match serde_json::from_str::<Deployment>(document) {
                Ok(deployment) => tx.write_search_columns(&deployment).await?,
                Err(err) => {
                    tracing::warn!(%id, error = %err, "a stored deployment cannot be read; its labels are not searchable")
                }
            }
        }
        tx.commit().await?;
        tracing::info!(count = rows.len(), "deployments made searchable by label and time");
        Ok(())
    }

    /// Every deployment of a namespace, by name (unpaged: for the services' checks across a
    /// namespace and for benchmarks, never for a list a client asked for).
    pub async fn all_deployments_of_namespace(
        &self,
        namespace: &NamespaceName,
    ) -> Result<Vec<Deployment>, StorageError> {
        let rows: Vec<(String, Option<String>)> =
            sqlx::query_as("SELECT document, status FROM deployments WHERE namespace = $1 ORDER BY name")
                .bind(namespace.as_str())
                .fetch_all(&self.pool)
                .await?;
        rows.iter().map(|(document, status)| with_engine_status(document, status.as_deref())).collect()
    }

    /// One deployment of a namespace by id, if it exists there.
    pub async fn get_deployment(
        &self,
        namespace: &NamespaceName,
        id: &str,
    ) -> Result<Option<Deployment>, StorageError> {
        Ok(self.engine_row(namespace, id).await?.map(|row| row.deployment))
    }

    /// Every deployment of every namespace as (namespace, id), for the engine's periodic pass.
    pub async fn deployment_keys(&self) -> Result<Vec<(String, String)>, StorageError> {
        Ok(sqlx::query_as("SELECT namespace, id FROM deployments ORDER BY namespace, id").fetch_all(&self.pool).await?)
    }

    /// The deployments whose Autopilot may have work: RUNNING, with a policy that is not DISABLED.
    /// A cheap first cut on the stored document (the spec serialises `autopilot` with its `mode`
    /// first); the caller checks the spec itself.
    pub async fn autopilot_deployment_keys(&self) -> Result<Vec<(String, String)>, StorageError> {
        Ok(sqlx::query_as(
            "SELECT namespace, id FROM deployments WHERE status_state = 'RUNNING'
               AND (document LIKE '%\"autopilot\":{\"mode\":\"MONITORING\"%'
                 OR document LIKE '%\"autopilot\":{\"mode\":\"ACTIVE\"%')
             ORDER BY namespace, id",
        )
        .fetch_all(&self.pool)
        .await?)
    }

    /// A deployment with the engine's record of it and the version of both (for
    /// `save_engine_state`).
    pub async fn engine_row(&self, namespace: &NamespaceName, id: &str) -> Result<Option<EngineRow>, StorageError> {
        read_engine_row(&self.pool, namespace, id).await
    }

    /// Writes the engine's side of a deployment — its status and the engine's record — if the
    /// status version is still `expected_status_version` (it becomes the next one). Never touches
    /// metadata or spec. A stale version or a vanished deployment is a `Conflict`.
    pub async fn save_engine_state(
        &self,
        namespace: &NamespaceName,
        id: &str,
        status: &DeploymentStatus,
        engine: &str,
        expected_status_version: i64,
    ) -> Result<(), StorageError> {
        let mut tx = self.begin().await?;
        tx.save_engine_state(namespace, id, status, engine, expected_status_version).await?;
        tx.commit().await
    }
}

impl Tx {
    /// `Store::all_deployments_of_namespace`, read inside the transaction (lock the namespace first
    /// to act on the answer).
    pub async fn all_deployments_of_namespace(
        &mut self,
        namespace: &NamespaceName,
    ) -> Result<Vec<Deployment>, StorageError> {
        let rows: Vec<(String, Option<String>)> =
            sqlx::query_as("SELECT document, status FROM deployments WHERE namespace = $1 ORDER BY name")
                .bind(namespace.as_str())
                .fetch_all(&mut *self.tx)
                .await?;
        rows.iter().map(|(document, status)| with_engine_status(document, status.as_deref())).collect()
    }

    /// `Store::engine_row`, read inside the transaction.
    pub async fn engine_row(&mut self, namespace: &NamespaceName, id: &str) -> Result<Option<EngineRow>, StorageError> {
        read_engine_row(&mut *self.tx, namespace, id).await
    }

    /// `Store::save_engine_state` inside the transaction: a stale status version is a `Conflict`.
    pub async fn save_engine_state(
        &mut self,
        namespace: &NamespaceName,
        id: &str,
        status: &DeploymentStatus,
        engine: &str,
        expected_status_version: i64,
    ) -> Result<(), StorageError> {
        let change = write_engine_state(&mut *self.tx, namespace, id, status, engine, expected_status_version).await?;
        self.changed(change);
        Ok(())
    }

    /// The search columns and label rows of a stored deployment, from its metadata.
    async fn write_search_columns(&mut self, deployment: &Deployment) -> Result<(), StorageError> {
        let id = &deployment.metadata.id;
        sqlx::query("UPDATE deployments SET created_sort = $1, modified_sort = $2, search_version = 1 WHERE id = $3")
            .bind(sortable_time(&deployment.metadata.created_at))
            .bind(sortable_time(&deployment.metadata.modified_at))
            .bind(id)
            .execute(&mut *self.tx)
            .await?;
        sqlx::query("DELETE FROM deployment_labels WHERE deployment_id = $1").bind(id).execute(&mut *self.tx).await?;
        for (key, value) in &deployment.metadata.labels {
            sqlx::query("INSERT INTO deployment_labels (deployment_id, label_key, label_value) VALUES ($1, $2, $3)")
                .bind(id)
                .bind(key)
                .bind(value)
                .execute(&mut *self.tx)
                .await?;
        }
        Ok(())
    }

    /// Stores a new deployment; its name must be free in its namespace.
    pub async fn insert_deployment(&mut self, deployment: &Deployment) -> Result<(), StorageError> {
        let namespace = &deployment.metadata.namespace;
        self.require_namespace(namespace).await?;
        let document = serde_json::to_string(deployment)?;
        let inserted = sqlx::query(
            "INSERT INTO deployments (id, namespace, name, execution_mode, desired_state, status_state,
                 resource_version, document, created_at, modified_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
             ON CONFLICT (namespace, name) DO NOTHING",
        )
        .bind(&deployment.metadata.id)
        .bind(namespace)
        .bind(&deployment.metadata.name)
        .bind(deployment.spec.execution_mode.as_str())
        .bind(deployment.spec.state.as_str())
        .bind(deployment.status.state.as_str())
        .bind(deployment.metadata.resource_version)
        .bind(document)
        .bind(&deployment.metadata.created_at)
        .bind(&deployment.metadata.modified_at)
        .execute(&mut *self.tx)
        .await?;
        if inserted.rows_affected() == 0 {
            return Err(StorageError::AlreadyExists {
                kind: "deployment",
                namespace: namespace.clone(),
                name: deployment.metadata.name.clone(),
            });
        }
        self.write_search_columns(deployment).await?;
        self.changed(change_of(deployment, ChangeKind::Created, deployment.status.state, 0));
        Ok(())
    }

    /// Replaces a stored deployment if its version is still `expected_version`; the new document
    /// carries the next version. Only metadata and spec are written: the status stays the engine's.
    /// A stale version, a vanished row or a taken name is a `Conflict` or `AlreadyExists`, and
    /// nothing is written.
    pub async fn update_deployment(
        &mut self,
        deployment: &Deployment,
        expected_version: i64,
    ) -> Result<(), StorageError> {
        let namespace = &deployment.metadata.namespace;
        let taken: Option<(String,)> =
            sqlx::query_as("SELECT id FROM deployments WHERE namespace = $1 AND name = $2 AND id <> $3")
                .bind(namespace)
                .bind(&deployment.metadata.name)
                .bind(&deployment.metadata.id)
                .fetch_optional(&mut *self.tx)
                .await?;
        if taken.is_some() {
            return Err(StorageError::AlreadyExists {
                kind: "deployment",
                namespace: namespace.clone(),
                name: deployment.metadata.name.clone(),
            });
        }
        let updated: Option<(String, i64)> = sqlx::query_as(
            "UPDATE deployments SET name = $1, execution_mode = $2, desired_state = $3,
                 resource_version = $4, document = $5, modified_at = $6
             WHERE id = $7 AND namespace = $8 AND resource_version = $9
             RETURNING status_state, status_version",
        )
        .bind(&deployment.metadata.name)
        .bind(deployment.spec.execution_mode.as_str())
        .bind(deployment.spec.state.as_str())
        .bind(deployment.metadata.resource_version)
        .bind(serde_json::to_string(deployment)?)
        .bind(&deployment.metadata.modified_at)
        .bind(&deployment.metadata.id)
        .bind(namespace)
        .bind(expected_version)
        .fetch_optional(&mut *self.tx)
        .await?;
        let Some((state, status_version)) = updated else {
            return Err(StorageError::Conflict { kind: "deployment", name: deployment.metadata.name.clone() });
        };
        self.write_search_columns(deployment).await?;
        let state = column("status_state", &state, DeploymentState::parse)?;
        self.changed(change_of(deployment, ChangeKind::Updated, state, status_version));
        Ok(())
    }

    /// Deletes a deployment if its version is still `expected_version` (a `Conflict` otherwise).
    pub async fn delete_deployment(
        &mut self,
        namespace: &NamespaceName,
        id: &str,
        expected_version: i64,
    ) -> Result<(), StorageError> {
        let deleted: Option<(String, Option<String>, i64)> = sqlx::query_as(
            "DELETE FROM deployments WHERE namespace = $1 AND id = $2 AND resource_version = $3
             RETURNING document, status, status_version",
        )
        .bind(namespace.as_str())
        .bind(id)
        .bind(expected_version)
        .fetch_optional(&mut *self.tx)
        .await?;
        let Some((document, status, status_version)) = deleted else {
            return Err(StorageError::Conflict { kind: "deployment", name: id.to_owned() });
        };
        // Gone with the deployment where foreign keys cascade; said explicitly for where they do not.
        sqlx::query("DELETE FROM deployment_labels WHERE deployment_id = $1").bind(id).execute(&mut *self.tx).await?;
        let deployment = with_engine_status(&document, status.as_deref())?;
        self.changed(change_of(&deployment, ChangeKind::Deleted, deployment.status.state, status_version));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use domain::*;

    use crate::testing::fresh_store;

    fn deployment(namespace: &str, name: &str, mode: ExecutionMode) -> Deployment {
        crate::testing::sample_deployment(namespace, name, mode)
    }

    /// Whether the backend would sort rows to answer `query` (no index serves its order), with
    /// sorting made as costly as it can be so that any index that serves the order is used.
    async fn sorts(store: &crate::Store, query: &str) -> bool {
        let mut tx = store.pool.begin().await.expect("a transaction");
        let plan: Vec<String> = if store.is_postgres() {
            sqlx::query("SET LOCAL enable_sort = off").execute(&mut *tx).await.expect("set");
            let rows: Vec<(String,)> =
                sqlx::query_as(&format!("EXPLAIN {query}")).fetch_all(&mut *tx).await.expect("a plan");
            rows.into_iter().map(|(line,)| line).collect()
        } else {
            let rows: Vec<(i64, i64, i64, String)> =
                sqlx::query_as(&format!("EXPLAIN QUERY PLAN {query}")).fetch_all(&mut *tx).await.expect("a plan");
            rows.into_iter().map(|(.., detail)| detail).collect()
        };
        plan.iter().any(|line| line.contains("Sort") || line.contains("TEMP B-TREE FOR ORDER BY"))
    }

    #[tokio::test]
    async fn a_page_of_deployments_by_name_or_state_is_read_from_an_index_not_sorted() {
        let (store, _db) = fresh_store().await;
        let name = store.binary("name");
        let page = |order: &str| {
            format!(
                "SELECT document, status FROM deployments WHERE namespace = 'default' AND execution_mode = 'STREAMING' \
                 ORDER BY {order} LIMIT 51"
            )
        };
        assert!(!sorts(&store, &page(&format!("{name} ASC"))).await, "by name");
        assert!(!sorts(&store, &page(&format!("{name} DESC"))).await, "by name, descending");
        assert!(!sorts(&store, &page(&format!("status_state ASC, {name} ASC"))).await, "by state");
        // The probe itself tells a sorted plan: an order no index holds.
        assert!(sorts(&store, &page("desired_state ASC")).await, "no index by desired state");
    }

    #[tokio::test]
    async fn lists_the_deployments_of_one_namespace_filtered_by_mode() {
        let (store, _dir) = fresh_store().await;
        for ns in ["default", "other"] {
            store.ensure_namespace(&NamespaceName::parse(ns).expect("name")).await.expect("ns");
        }
        store.insert_deployment(&deployment("default", "b-stream", ExecutionMode::Streaming)).await.expect("insert");
        store.insert_deployment(&deployment("default", "a-batch", ExecutionMode::Batch)).await.expect("insert");
        store.insert_deployment(&deployment("other", "elsewhere", ExecutionMode::Streaming)).await.expect("insert");

        let default = NamespaceName::parse("default").expect("name");
        let all = store.list_deployments(&default, None, &crate::Page::first(100)).await.expect("list").items;
        let names: Vec<_> = all.iter().map(|d| d.metadata.name.as_str()).collect();
        assert_eq!(names, ["a-batch", "b-stream"]);
        let streaming = store
            .list_deployments(&default, Some(ExecutionMode::Streaming), &crate::Page::first(100))
            .await
            .expect("list")
            .items;
        assert_eq!(streaming.len(), 1);
        assert_eq!(streaming[0].metadata.name, "b-stream");
        let id = &streaming[0].metadata.id;
        assert_eq!(store.get_deployment(&default, id).await.expect("get").as_ref(), Some(&streaming[0]));
        let other = NamespaceName::parse("other").expect("name");
        assert_eq!(store.get_deployment(&other, id).await.expect("get"), None, "ids are looked up within a namespace");
    }

    #[tokio::test]
    async fn deployments_are_paged_by_name_byte_by_byte_within_a_mode() {
        let (store, _dir) = fresh_store().await;
        let default = NamespaceName::parse("default").expect("name");
        store.ensure_namespace(&default).await.expect("ns");
        for name in ["c", "ab", "b", "a-b"] {
            store.insert_deployment(&deployment("default", name, ExecutionMode::Streaming)).await.expect("insert");
        }
        store.insert_deployment(&deployment("default", "aa", ExecutionMode::Batch)).await.expect("insert");
        let names = |paged: &crate::Paged<Deployment>| -> Vec<String> {
            paged.items.iter().map(|d| d.metadata.name.clone()).collect()
        };
        let streaming = Some(ExecutionMode::Streaming);
        let first = store.list_deployments(&default, streaming, &crate::Page::first(2)).await.expect("page");
        assert_eq!(names(&first), ["a-b", "ab"], "`-` sorts before letters on both backends");
        assert_eq!(first.next, Some(crate::Cursor::Name("ab".into())));
        let second = crate::Page { limit: 2, after: first.next.clone() };
        let second = store.list_deployments(&default, streaming, &second).await.expect("page");
        assert_eq!((names(&second), second.next), (vec!["b".to_owned(), "c".to_owned()], None));
        let all = store.list_deployments(&default, None, &crate::Page::first(3)).await.expect("page");
        assert_eq!(names(&all), ["a-b", "aa", "ab"], "without a mode, every deployment");
        let past_the_end = crate::Page { limit: 2, after: Some(crate::Cursor::Name("z".into())) };
        let empty = store.list_deployments(&default, None, &past_the_end).await.expect("page");
        assert_eq!((empty.items.len(), empty.next), (0, None));
        let wrong = crate::Page { limit: 2, after: Some(crate::Cursor::newest("2024-05-01T10:00:00Z", "x")) };
        let err = store.list_deployments(&default, None, &wrong).await.expect_err("a time cursor");
        assert!(matches!(err, crate::StorageError::WrongCursor), "{err}");
        let every = store.all_deployments_of_namespace(&default).await.expect("all");
        assert_eq!(every.len(), 5);
    }

    #[tokio::test]
    async fn a_taken_name_is_refused_and_the_first_deployment_is_kept() {
        let (store, _dir) = fresh_store().await;
        store.ensure_namespace(&NamespaceName::parse("default").expect("name")).await.expect("ns");
        let first = deployment("default", "same", ExecutionMode::Streaming);
        store.insert_deployment(&first).await.expect("insert");
        let err = store
            .insert_deployment(&deployment("default", "same", ExecutionMode::Batch))
            .await
            .expect_err("duplicate name");
        assert!(matches!(err, crate::StorageError::AlreadyExists { .. }), "{err}");
        let kept = store
            .list_deployments(&NamespaceName::parse("default").expect("name"), None, &crate::Page::first(100))
            .await
            .expect("list")
            .items;
        assert_eq!(kept, vec![first]);
    }

    #[tokio::test]
    async fn an_update_from_a_stale_version_is_refused_and_changes_nothing() {
        let (store, _dir) = fresh_store().await;
        let default = NamespaceName::parse("default").expect("name");
        store.ensure_namespace(&default).await.expect("ns");
        let original = deployment("default", "orders", ExecutionMode::Streaming);
        store.insert_deployment(&original).await.expect("insert");
        let mut first = original.clone();
        first.metadata.resource_version = 2;
        first.spec.state = DesiredState::Running;
        store.update_deployment(&first, 1).await.expect("first writer wins");
        let mut second = original.clone();
        second.metadata.resource_version = 2;
        second.spec.max_job_creation_attempts = 9;
        let err = store.update_deployment(&second, 1).await.expect_err("second writer is stale");
        assert!(matches!(err, crate::StorageError::Conflict { .. }), "{err}");
        let stored = store.get_deployment(&default, &original.metadata.id).await.expect("get");
        assert_eq!(stored, Some(first.clone()));
        let listed = store
            .list_deployments(&default, Some(ExecutionMode::Streaming), &crate::Page::first(100))
            .await
            .expect("list")
            .items;
        assert_eq!(listed, vec![first.clone()]);

        let other = deployment("default", "taken", ExecutionMode::Batch);
        store.insert_deployment(&other).await.expect("insert");
        let mut renamed = first.clone();
        renamed.metadata.name = "taken".into();
        renamed.metadata.resource_version = 3;
        let err = store.update_deployment(&renamed, 2).await.expect_err("name taken");
        assert!(matches!(err, crate::StorageError::AlreadyExists { .. }), "{err}");

        let err = store.delete_deployment(&default, &first.metadata.id, 1).await.expect_err("stale delete");
        assert!(matches!(err, crate::StorageError::Conflict { .. }), "{err}");
        store.delete_deployment(&default, &first.metadata.id, 2).await.expect("delete");
        assert_eq!(store.get_deployment(&default, &first.metadata.id).await.expect("get"), None);
    }

    #[tokio::test]
    async fn a_deployment_needs_an_existing_namespace() {
        let (store, _dir) = fresh_store().await;
        let err = store
            .insert_deployment(&deployment("nowhere", "x", ExecutionMode::Streaming))
            .await
            .expect_err("no namespace");
        assert!(matches!(err, crate::StorageError::NoSuchNamespace(_)), "{err}");
    }

    /// `count` deployments `d00`, `d01`, … in `default`: every third batch, labels `tier` by
    /// parity and `canary` on every fourth, created a minute apart in reverse order of name,
    /// modified in a shuffled order, states cycling through RUNNING, FAILED, CANCELLED.
    async fn seeded(count: usize) -> (crate::Store, crate::testing::TestDatabase, Vec<Deployment>) {
        let (store, database) = fresh_store().await;
        let default = NamespaceName::parse("default").expect("name");
        store.ensure_namespace(&default).await.expect("ns");
        let mut all = Vec::new();
        for i in 0..count {
            let mode = if i % 3 == 2 { ExecutionMode::Batch } else { ExecutionMode::Streaming };
            let mut d = deployment("default", &format!("d{i:02}"), mode);
            d.metadata.labels.insert("tier".into(), if i % 2 == 0 { "even".into() } else { "odd".into() });
            if i % 4 == 0 {
                d.metadata.labels.insert("canary".into(), "yes".into());
            }
            // Variable-width times on purpose: whole seconds and fractions must still sort as times.
            d.metadata.created_at = format!("2024-05-01T10:{:02}:00Z", 59 - i);
            d.metadata.modified_at = format!("2024-05-01T11:00:{:02}.5Z", (i * 7) % count);
            store.insert_deployment(&d).await.expect("insert");
            let state = [DeploymentState::Running, DeploymentState::Failed, DeploymentState::Cancelled][i % 3];
            d.status.state = state;
            store.save_engine_state(&default, &d.metadata.id, &d.status, "{}", 0).await.expect("status");
            all.push(d);
        }
        (store, database, all)
    }

    /// Every page of `query` read with `limit`: the names, in order.
    async fn read_all(store: &crate::Store, query: &DeploymentQuery, limit: u32) -> Vec<String> {
        let default = NamespaceName::parse("default").expect("name");
        let (mut names, mut page) = (Vec::new(), crate::Page::first(limit));
        loop {
            let paged = store.search_deployments(&default, query, &page).await.expect("a page");
            assert!(paged.items.len() <= limit as usize);
            names.extend(paged.items.iter().map(|d| d.metadata.name.clone()));
            match paged.next {
                Some(next) => page = crate::Page { limit, after: Some(next) },
                None => return names,
            }
        }
    }

    #[tokio::test]
    async fn every_order_pages_through_every_deployment_once_and_in_order() {
        let (store, _db, all) = seeded(20).await;
        for key in SortKey::ALL {
            for descending in [false, true] {
                let sort = DeploymentSort { key, descending };
                let mut expected = all.clone();
                expected.sort_by(|a, b| {
                    let by_key = match key {
                        SortKey::Name => std::cmp::Ordering::Equal,
                        SortKey::State => a.status.state.as_str().cmp(b.status.state.as_str()),
                        SortKey::Created => crate::sortable_time(&a.metadata.created_at)
                            .cmp(&crate::sortable_time(&b.metadata.created_at)),
                        SortKey::Modified => crate::sortable_time(&a.metadata.modified_at)
                            .cmp(&crate::sortable_time(&b.metadata.modified_at)),
                    };
                    by_key.then_with(|| a.metadata.name.cmp(&b.metadata.name))
                });
                if descending {
                    expected.reverse();
                }
                let expected: Vec<String> = expected.iter().map(|d| d.metadata.name.clone()).collect();
                let query = DeploymentQuery { sort, ..DeploymentQuery::default() };
                for limit in [3, 7, 100] {
                    assert_eq!(read_all(&store, &query, limit).await, expected, "{} by {limit}", sort.as_param());
                }
            }
        }
        let by_created =
            DeploymentQuery { sort: DeploymentSort::parse("created").expect("sort"), ..Default::default() };
        assert_eq!(read_all(&store, &by_created, 100).await[0], "d19", "created first");
    }

    #[tokio::test]
    async fn name_label_mode_and_state_filters_combine_on_every_page() {
        let (store, _db, all) = seeded(20).await;
        let selector = |raw: &str| LabelSelector::parse(raw).expect("a selector");
        let expect = |pick: &dyn Fn(usize, &Deployment) -> bool| -> Vec<String> {
            all.iter().enumerate().filter(|(i, d)| pick(*i, d)).map(|(_, d)| d.metadata.name.clone()).collect()
        };
        let cases: Vec<(DeploymentQuery, Vec<String>)> = vec![
            (
                DeploymentQuery { name_contains: Some("1".into()), ..Default::default() },
                expect(&|_, d| d.metadata.name.contains('1')),
            ),
            (DeploymentQuery { name_contains: Some("_".into()), ..Default::default() }, vec![]),
            (DeploymentQuery { name_contains: Some("%".into()), ..Default::default() }, vec![]),
            (DeploymentQuery { labels: selector("tier=even"), ..Default::default() }, expect(&|i, _| i % 2 == 0)),
            (DeploymentQuery { labels: selector("tier!=even"), ..Default::default() }, expect(&|i, _| i % 2 == 1)),
            (DeploymentQuery { labels: selector("canary"), ..Default::default() }, expect(&|i, _| i % 4 == 0)),
            (DeploymentQuery { labels: selector("!canary"), ..Default::default() }, expect(&|i, _| i % 4 != 0)),
            (DeploymentQuery { labels: selector("canary!=no"), ..Default::default() }, expect(&|_, _| true)),
            (DeploymentQuery { labels: selector("tier=odd,canary"), ..Default::default() }, vec![]),
            (
                DeploymentQuery {
                    mode: Some(ExecutionMode::Streaming),
                    state: Some(DeploymentState::Failed),
                    labels: selector("tier=odd"),
                    sort: DeploymentSort::parse("-modified").expect("sort"),
                    ..Default::default()
                },
                {
                    let mut picked: Vec<&Deployment> =
                        all.iter().enumerate().filter(|(i, _)| i % 3 == 1 && i % 2 == 1).map(|(_, d)| d).collect();
                    picked.sort_by_key(|d| std::cmp::Reverse(crate::sortable_time(&d.metadata.modified_at)));
                    picked.iter().map(|d| d.metadata.name.clone()).collect()
                },
            ),
        ];
        for (query, expected) in cases {
            assert_eq!(read_all(&store, &query, 2).await, expected, "{query:?}");
        }
    }

    #[tokio::test]
    async fn counts_by_state_follow_the_search_but_not_the_state_filter() {
        let (store, _db, _) = seeded(20).await;
        let default = NamespaceName::parse("default").expect("name");
        let all = store.count_deployments_by_state(&default, &DeploymentQuery::default()).await.expect("counts");
        assert_eq!(
            all.0,
            [(DeploymentState::Running, 7), (DeploymentState::Cancelled, 6), (DeploymentState::Failed, 7)],
            "in the order of DeploymentState::ALL"
        );
        assert_eq!(all.total(), 20);
        let query = DeploymentQuery {
            mode: Some(ExecutionMode::Batch),
            state: Some(DeploymentState::Running),
            ..Default::default()
        };
        let batch = store.count_deployments_by_state(&default, &query).await.expect("counts");
        assert_eq!(
            (batch.of(DeploymentState::Cancelled), batch.of(DeploymentState::Running), batch.total()),
            (6, 0, 6)
        );
        let other = NamespaceName::parse("other").expect("name");
        assert_eq!(store.count_deployments_by_state(&other, &query).await.expect("counts").total(), 0);
        let everywhere = store.count_all_deployments_by_state().await.expect("counts");
        assert_eq!(everywhere, all, "one namespace holds them all");
    }

    #[tokio::test]
    async fn a_cursor_of_another_order_is_refused() {
        let (store, _db, _) = seeded(5).await;
        let default = NamespaceName::parse("default").expect("name");
        let by = |raw: &str| DeploymentQuery { sort: DeploymentSort::parse(raw).expect("sort"), ..Default::default() };
        let first = store.search_deployments(&default, &by("-state"), &crate::Page::first(2)).await.expect("page");
        let token = first.next.expect("more");
        for other in ["state", "name", "-name", "modified"] {
            let page = crate::Page { limit: 2, after: Some(token.clone()) };
            let err = store.search_deployments(&default, &by(other), &page).await.expect_err(other);
            assert!(matches!(err, crate::StorageError::WrongCursor), "{other}: {err}");
        }
        let by_name = store.search_deployments(&default, &by("name"), &crate::Page::first(2)).await.expect("page");
        assert!(matches!(by_name.next, Some(crate::Cursor::Name(_))), "by name the cursors stay names");
    }

    #[tokio::test]
    async fn deployments_written_before_the_search_columns_are_filled_in_at_start() {
        let (store, database, _) = seeded(4).await;
        sqlx::query("UPDATE deployments SET search_version = 0, created_sort = '', modified_sort = ''")
            .execute(&store.pool)
            .await
            .expect("as before migration 0009");
        sqlx::query("DELETE FROM deployment_labels").execute(&store.pool).await.expect("no labels yet");
        drop(store);
        let store = crate::Store::connect(database.url()).await.expect("reopened");
        let query = DeploymentQuery {
            labels: LabelSelector::parse("canary").expect("selector"),
            sort: DeploymentSort::parse("created").expect("sort"),
            ..Default::default()
        };
        assert_eq!(read_all(&store, &query, 10).await, ["d00"]);
    }

    #[tokio::test]
    async fn committed_writes_are_published_and_rolled_back_ones_are_not() {
        use domain::live::{Change, ChangeKind};

        let (store, _dir) = fresh_store().await;
        let default = NamespaceName::parse("default").expect("name");
        store.ensure_namespace(&default).await.expect("ns");
        let mut feed = store.changes().subscribe(None);
        let d = deployment("default", "watched", ExecutionMode::Streaming);
        let mut dropped = store.begin().await.expect("tx");
        dropped.insert_deployment(&d).await.expect("insert");
        drop(dropped);
        store.insert_deployment(&d).await.expect("insert");
        let mut updated = d.clone();
        updated.spec.state = DesiredState::Running;
        updated.metadata.resource_version = 2;
        store.update_deployment(&updated, 1).await.expect("update");
        let running = DeploymentStatus { state: DeploymentState::Running, running: None, failure: None };
        store.save_engine_state(&default, &d.metadata.id, &running, "{}", 0).await.expect("status");
        store.delete_deployment(&default, &d.metadata.id, 2).await.expect("delete");
        let mut seen = Vec::new();
        for _ in 0..4 {
            match feed.next().await {
                crate::changes::Next::Change(change) => match &change.change {
                    Change::Deployment(c) => {
                        assert_eq!((c.name.as_str(), c.id.as_str()), ("watched", d.metadata.id.as_str()));
                        seen.push((c.change, c.state, c.desired_state, c.resource_version, c.status_version));
                    }
                    Change::Target(t) => panic!("{t:?}"),
                },
                other => panic!("{other:?}"),
            }
        }
        use DeploymentState as S;
        use DesiredState as D;
        assert_eq!(
            seen,
            [
                (ChangeKind::Created, S::Cancelled, D::Cancelled, 1, 0),
                (ChangeKind::Updated, S::Cancelled, D::Running, 2, 0),
                (ChangeKind::Updated, S::Running, D::Running, 2, 1),
                (ChangeKind::Deleted, S::Running, D::Running, 2, 1),
            ]
        );
        assert_eq!(feed.position(), store.changes().position(), "the rolled-back insert was never published");
    }
}
