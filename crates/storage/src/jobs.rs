//! Job rows: the whole resource as a JSON document plus the columns we filter on, with at most one
//! job per deployment that has not ended (enforced by the database).

use domain::{Job, NamespaceName};

use crate::{is_unique_violation, sortable_time, Cursor, Page, Paged, StorageError, Store};

impl Store {
    /// One page of the jobs of a namespace, of one deployment if given, newest first.
    pub async fn list_jobs(
        &self,
        namespace: &NamespaceName,
        deployment_id: Option<&str>,
        page: &Page,
    ) -> Result<Paged<Job>, StorageError> {
        self.newest_first("jobs", namespace, &[("deployment_id", deployment_id)], page, |job: &Job| {
            Cursor::newest(&job.metadata.created_at, &job.metadata.id)
        })
        .await
    }

    /// Every job of one deployment, newest first (unpaged: for the engine and its tests).
    pub async fn all_jobs_of_deployment(
        &self,
        namespace: &NamespaceName,
        deployment_id: &str,
    ) -> Result<Vec<Job>, StorageError> {
        self.all_of_deployment("jobs", namespace, deployment_id).await
    }

    /// The job of a deployment that has not ended, if any (the database allows at most one).
    pub async fn active_job(
        &self,
        namespace: &NamespaceName,
        deployment_id: &str,
    ) -> Result<Option<Job>, StorageError> {
        let row: Option<(String,)> =
            sqlx::query_as("SELECT document FROM jobs WHERE namespace = $1 AND deployment_id = $2 AND active = 1")
                .bind(namespace.as_str())
                .bind(deployment_id)
                .fetch_optional(&self.pool)
                .await?;
        row.map(|(document,)| Ok(serde_json::from_str(&document)?)).transpose()
    }

    /// One job of a namespace by id, if it exists there.
    pub async fn get_job(&self, namespace: &NamespaceName, id: &str) -> Result<Option<Job>, StorageError> {
        self.document_by_id("jobs", namespace, id).await
    }

    /// Stores a new job. Refused with `AlreadyExists` if its id is taken or if it has not ended
    /// while another job of its deployment has not either.
    pub async fn insert_job(&self, job: &Job) -> Result<(), StorageError> {
        let metadata = &job.metadata;
        self.require_namespace(&metadata.namespace).await?;
        let inserted = insert_job_row(&self.pool, job).await;
        match inserted {
            Ok(_) => Ok(()),
            Err(err) if is_unique_violation(&err) => Err(self.why_job_is_refused(job, true).await?),
            Err(err) => Err(err.into()),
        }
    }

    /// Replaces a stored job if its version is still `expected_version`; the new document carries the
    /// next version. A job's spec is the copy of what it ran: callers change its status and
    /// `terminatedAt` only. A stale version or a vanished row is a `Conflict`; bringing an ended job
    /// back while its deployment has another active one is `AlreadyExists`. Nothing is written then.
    pub async fn update_job(&self, job: &Job, expected_version: i64) -> Result<(), StorageError> {
        let metadata = &job.metadata;
        let updated = update_job_row(&self.pool, job, expected_version).await;
        match updated {
            Ok(done) if done.rows_affected() == 0 => {
                Err(StorageError::Conflict { kind: "job", name: metadata.id.clone() })
            }
            Ok(_) => Ok(()),
            Err(err) if is_unique_violation(&err) => Err(self.why_job_is_refused(job, false).await?),
            Err(err) => Err(err.into()),
        }
    }

    /// Why the database refused a job: its id is taken, or its deployment has an active job.
    async fn why_job_is_refused(&self, job: &Job, inserting: bool) -> Result<StorageError, StorageError> {
        let metadata = &job.metadata;
        let id_taken = inserting && self.job_exists(&metadata.id).await?;
        Ok(if id_taken {
            StorageError::AlreadyExists {
                kind: "job",
                namespace: metadata.namespace.clone(),
                name: metadata.id.clone(),
            }
        } else {
            StorageError::AlreadyExists {
                kind: "active job of deployment",
                namespace: metadata.namespace.clone(),
                name: metadata.deployment_id.clone(),
            }
        })
    }

    async fn job_exists(&self, id: &str) -> Result<bool, StorageError> {
        let row: Option<(String,)> =
            sqlx::query_as("SELECT id FROM jobs WHERE id = $1").bind(id).fetch_optional(&self.pool).await?;
        Ok(row.is_some())
    }
}

impl crate::Tx {
    /// Deletes a job that has ended (never the active one) if its version is still
    /// `expected_version`; a stale version, a vanished row or an active job is a `Conflict`.
    pub async fn delete_ended_job(
        &mut self,
        namespace: &NamespaceName,
        id: &str,
        expected_version: i64,
    ) -> Result<(), StorageError> {
        let deleted =
            sqlx::query("DELETE FROM jobs WHERE namespace = $1 AND id = $2 AND resource_version = $3 AND active = 0")
                .bind(namespace.as_str())
                .bind(id)
                .bind(expected_version)
                .execute(&mut *self.tx)
                .await?;
        if deleted.rows_affected() == 0 {
            return Err(StorageError::Conflict { kind: "job", name: id.to_owned() });
        }
        Ok(())
    }
}

pub(crate) async fn insert_job_row<'e, E: sqlx::Executor<'e, Database = sqlx::Any>>(
    executor: E,
    job: &Job,
) -> Result<sqlx::any::AnyQueryResult, sqlx::Error> {
    let metadata = &job.metadata;
    let document = serde_json::to_string(job).map_err(|err| sqlx::Error::Encode(Box::new(err)))?;
    sqlx::query(
        "INSERT INTO jobs (id, namespace, deployment_id, state, active, resource_version, document, created_at,
             modified_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(&metadata.id)
    .bind(&metadata.namespace)
    .bind(&metadata.deployment_id)
    .bind(job.status.state.as_str())
    .bind(active(job))
    .bind(metadata.resource_version)
    .bind(document)
    .bind(sortable_time(&metadata.created_at))
    .bind(&metadata.modified_at)
    .execute(executor)
    .await
}

pub(crate) async fn update_job_row<'e, E: sqlx::Executor<'e, Database = sqlx::Any>>(
    executor: E,
    job: &Job,
    expected_version: i64,
) -> Result<sqlx::any::AnyQueryResult, sqlx::Error> {
    let metadata = &job.metadata;
    let document = serde_json::to_string(job).map_err(|err| sqlx::Error::Encode(Box::new(err)))?;
    sqlx::query(
        "UPDATE jobs SET state = $1, active = $2, resource_version = $3, document = $4, modified_at = $5
         WHERE id = $6 AND namespace = $7 AND resource_version = $8",
    )
    .bind(job.status.state.as_str())
    .bind(active(job))
    .bind(metadata.resource_version)
    .bind(document)
    .bind(&metadata.modified_at)
    .bind(&metadata.id)
    .bind(&metadata.namespace)
    .bind(expected_version)
    .execute(executor)
    .await
}

/// 1 while the job may still run in Flink: the partial unique index counts these.
fn active(job: &Job) -> i64 {
    i64::from(!job.status.state.is_terminal())
}

#[cfg(test)]
mod tests {
    use domain::*;

    use crate::testing::fresh_store;

    fn job(namespace: &str, deployment_id: &str, created_at: &str, state: JobState) -> Job {
        Job {
            api_version: API_VERSION.into(),
            kind: Job::KIND.into(),
            metadata: JobMetadata {
                id: uuid::Uuid::new_v4().to_string(),
                namespace: namespace.into(),
                deployment_id: deployment_id.into(),
                deployment_name: Some("orders".into()),
                annotations: Default::default(),
                created_at: created_at.into(),
                modified_at: created_at.into(),
                terminated_at: None,
                resource_version: 1,
            },
            spec: JobSpec {
                template: TemplateSpec { parallelism: Some(2), ..TemplateSpec::default() },
                deployment_target_name: Some("local".into()),
                savepoint_location: None,
                savepoint_id: None,
                allow_non_restored_state: false,
                source_start_time_ms: None,
            },
            status: JobStatus { state, started: None, failure: None, latest_checkpoint: None },
        }
    }

    fn namespace(name: &str) -> NamespaceName {
        NamespaceName::parse(name).expect("a namespace name")
    }

    fn ids(jobs: &[Job]) -> Vec<&str> {
        jobs.iter().map(|job| job.metadata.id.as_str()).collect()
    }

    #[tokio::test]
    async fn jobs_are_listed_newest_first_per_namespace_and_deployment() {
        let (store, _db) = fresh_store().await;
        for ns in ["default", "other"] {
            store.ensure_namespace(&namespace(ns)).await.expect("ns");
        }
        let oldest = job("default", "d1", "2024-05-01T10:00:00Z", JobState::Terminated);
        let middle = job("default", "d2", "2024-05-01T10:00:00.250Z", JobState::Failed);
        let newest = job("default", "d1", "2024-05-01T12:00:00+01:00", JobState::Started);
        let elsewhere = job("other", "d1", "2024-05-01T10:00:00Z", JobState::Started);
        for job in [&middle, &newest, &oldest, &elsewhere] {
            store.insert_job(job).await.expect("insert");
        }
        let default = namespace("default");
        let all = store.list_jobs(&default, None, &crate::Page::first(100)).await.expect("list").items;
        assert_eq!(ids(&all), [&newest.metadata.id, &middle.metadata.id, &oldest.metadata.id]);
        assert_eq!(all[1], middle, "the document is stored whole");
        let of_d1 = store.list_jobs(&default, Some("d1"), &crate::Page::first(100)).await.expect("list").items;
        assert_eq!(ids(&of_d1), [&newest.metadata.id, &oldest.metadata.id]);
        assert_eq!(store.list_jobs(&default, Some("d3"), &crate::Page::first(100)).await.expect("list").items, []);

        assert_eq!(store.get_job(&default, &oldest.metadata.id).await.expect("get"), Some(oldest.clone()));
        let other = namespace("other");
        assert_eq!(
            store.get_job(&other, &oldest.metadata.id).await.expect("get"),
            None,
            "looked up within a namespace"
        );
    }

    #[tokio::test]
    async fn a_deployment_never_has_two_active_jobs() {
        let (store, _db) = fresh_store().await;
        store.ensure_namespace(&namespace("default")).await.expect("ns");
        let first = job("default", "d1", "2024-05-01T10:00:00Z", JobState::Started);
        store.insert_job(&first).await.expect("insert");
        let second = job("default", "d1", "2024-05-01T11:00:00Z", JobState::Starting);
        let err = store.insert_job(&second).await.expect_err("a second active job");
        assert!(matches!(&err, crate::StorageError::AlreadyExists { kind: "active job of deployment", .. }), "{err}");
        store
            .insert_job(&job("default", "d2", "2024-05-01T11:00:00Z", JobState::Starting))
            .await
            .expect("other deployment");

        let mut ended = first.clone();
        ended.metadata.resource_version = 2;
        ended.status.state = JobState::Terminated;
        store.update_job(&ended, 1).await.expect("the first job ends");
        store.insert_job(&second).await.expect("now the second may start");
        let mut revived = ended.clone();
        revived.metadata.resource_version = 3;
        revived.status.state = JobState::Started;
        let err = store.update_job(&revived, 2).await.expect_err("two active jobs again");
        assert!(matches!(&err, crate::StorageError::AlreadyExists { kind: "active job of deployment", .. }), "{err}");
        let stored = store.get_job(&namespace("default"), &first.metadata.id).await.expect("get");
        assert_eq!(stored, Some(ended), "nothing was written");

        let err = store.insert_job(&second).await.expect_err("same id");
        assert!(matches!(&err, crate::StorageError::AlreadyExists { kind: "job", .. }), "{err}");
    }

    #[tokio::test]
    async fn a_job_update_from_a_stale_version_is_refused_and_changes_nothing() {
        let (store, _db) = fresh_store().await;
        let default = namespace("default");
        store.ensure_namespace(&default).await.expect("ns");
        let original = job("default", "d1", "2024-05-01T10:00:00Z", JobState::Starting);
        store.insert_job(&original).await.expect("insert");
        let mut started = original.clone();
        started.metadata.resource_version = 2;
        started.status.state = JobState::Started;
        started.status.started = Some(JobStarted {
            flink_job_id: "d7f1e9a3c1b24f0e8a6b5c4d3e2f1a0b".into(),
            started_at: "2024-05-01T10:00:05Z".into(),
            last_update_time: None,
            observed_flink_job_status: Some("RUNNING".into()),
            observed_flink_job_restarts: None,
        });
        store.update_job(&started, 1).await.expect("first writer wins");
        let mut failed = original.clone();
        failed.metadata.resource_version = 2;
        failed.status.state = JobState::Failed;
        let err = store.update_job(&failed, 1).await.expect_err("second writer is stale");
        assert!(matches!(err, crate::StorageError::Conflict { kind: "job", .. }), "{err}");
        assert_eq!(store.get_job(&default, &original.metadata.id).await.expect("get"), Some(started));
    }

    #[tokio::test]
    async fn a_job_needs_an_existing_namespace() {
        let (store, _db) = fresh_store().await;
        let err = store.insert_job(&job("nowhere", "d1", "2024-05-01T10:00:00Z", JobState::Starting)).await;
        assert!(matches!(err, Err(crate::StorageError::NoSuchNamespace(_))), "{err:?}");
    }

    #[test]
    fn sortable_times_order_as_text_like_the_instants_they_name() {
        let written = ["2024-05-01T10:00:00Z", "2024-05-01T10:00:00.5Z", "2024-05-01T11:00:00.25+01:00"];
        let sortable: Vec<String> = written.iter().map(|time| crate::sortable_time(time)).collect();
        assert_eq!(
            sortable,
            ["2024-05-01T10:00:00.000000000Z", "2024-05-01T10:00:00.500000000Z", "2024-05-01T10:00:00.250000000Z"]
        );
        assert!(sortable[0] < sortable[2] && sortable[2] < sortable[1]);
        assert_eq!(super::sortable_time("yesterday"), "yesterday", "kept as given");
    }
}
