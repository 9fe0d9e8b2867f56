//! Event rows: a deployment's append-only log. Events are only ever inserted, never changed.

use domain::{Event, NamespaceName};

use crate::{is_unique_violation, sortable_time};
use crate::{StorageError, Store};

impl Store {
    /// The events of a namespace, of one deployment and one job if given, newest first, at most
    /// `limit` of them.
    pub async fn list_events(
        &self,
        namespace: &NamespaceName,
        deployment_id: Option<&str>,
        job_id: Option<&str>,
        limit: Option<u32>,
    ) -> Result<Vec<Event>, StorageError> {
        let documents = self
            .newest_first("events", namespace, &[("deployment_id", deployment_id), ("job_id", job_id)], limit)
            .await?;
        documents.iter().map(|document| Ok(serde_json::from_str(document)?)).collect()
    }

    /// Appends an event to its deployment's log; its id must be free.
    pub async fn append_event(&self, event: &Event) -> Result<(), StorageError> {
        let metadata = &event.metadata;
        self.require_namespace(&metadata.namespace).await?;
        let inserted = insert_event_row(&self.pool, event).await;
        match inserted {
            Ok(_) => Ok(()),
            Err(err) if is_unique_violation(&err) => Err(StorageError::AlreadyExists {
                kind: "event",
                namespace: metadata.namespace.clone(),
                name: metadata.id.clone(),
            }),
            Err(err) => Err(err.into()),
        }
    }
}

pub(crate) async fn insert_event_row<'e, E: sqlx::Executor<'e, Database = sqlx::Any>>(
    executor: E,
    event: &Event,
) -> Result<sqlx::any::AnyQueryResult, sqlx::Error> {
    let metadata = &event.metadata;
    let document = serde_json::to_string(event).map_err(|err| sqlx::Error::Encode(Box::new(err)))?;
    sqlx::query(
        "INSERT INTO events (id, namespace, deployment_id, job_id, name, document, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(&metadata.id)
    .bind(&metadata.namespace)
    .bind(&metadata.deployment_id)
    .bind(metadata.job_id.as_deref())
    .bind(metadata.name.as_str())
    .bind(document)
    .bind(sortable_time(&metadata.created_at))
    .execute(executor)
    .await
}

#[cfg(test)]
mod tests {
    use domain::*;

    use crate::testing::fresh_store;

    fn event(namespace: &str, deployment_id: &str, job_id: Option<&str>, name: EventName, at: &str) -> Event {
        Event::new(uuid::Uuid::new_v4().to_string(), namespace, deployment_id, job_id, name, name.as_str(), at)
    }

    fn names(events: &[Event]) -> Vec<EventName> {
        events.iter().map(|event| event.metadata.name).collect()
    }

    #[tokio::test]
    async fn a_deployments_log_is_read_newest_first_by_job_and_limited() {
        let (store, _db) = fresh_store().await;
        let default = NamespaceName::parse("default").expect("name");
        let other = NamespaceName::parse("other").expect("name");
        store.ensure_namespace(&default).await.expect("ns");
        store.ensure_namespace(&other).await.expect("ns");
        let log = [
            event("default", "d1", None, EventName::StateTransitionIsNeeded, "2024-05-01T10:00:00Z"),
            event("default", "d1", Some("j1"), EventName::CreatingANewJob, "2024-05-01T10:00:00.001Z"),
            event("default", "d2", None, EventName::StateTransitionIsNeeded, "2024-05-01T10:00:00.002Z"),
            event("default", "d1", Some("j1"), EventName::JobSuccessfullyStarted, "2024-05-01T10:00:05Z"),
            event("other", "d1", None, EventName::GeneralFailure, "2024-05-01T10:00:06Z"),
        ];
        for event in &log {
            store.append_event(event).await.expect("append");
        }
        let of_d1 = store.list_events(&default, Some("d1"), None, None).await.expect("list");
        assert_eq!(
            names(&of_d1),
            [EventName::JobSuccessfullyStarted, EventName::CreatingANewJob, EventName::StateTransitionIsNeeded]
        );
        assert_eq!(of_d1[0], log[3], "the document is stored whole");
        let of_j1 = store.list_events(&default, Some("d1"), Some("j1"), None).await.expect("list");
        assert_eq!(names(&of_j1), [EventName::JobSuccessfullyStarted, EventName::CreatingANewJob]);
        let latest = store.list_events(&default, None, None, Some(2)).await.expect("list");
        assert_eq!(latest, [log[3].clone(), log[2].clone()]);
        assert_eq!(store.list_events(&other, None, None, None).await.expect("list"), [log[4].clone()]);
        let err = store.append_event(&log[0]).await.expect_err("same id");
        assert!(matches!(err, crate::StorageError::AlreadyExists { kind: "event", .. }), "{err}");
    }

    #[tokio::test]
    async fn an_event_needs_an_existing_namespace() {
        let (store, _db) = fresh_store().await;
        let err =
            store.append_event(&event("nowhere", "d1", None, EventName::GeneralFailure, "2024-05-01T10:00:00Z")).await;
        assert!(matches!(err, Err(crate::StorageError::NoSuchNamespace(_))), "{err:?}");
    }
}
