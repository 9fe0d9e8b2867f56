//! Event rows: a deployment's append-only log. Events are only ever inserted, never changed.

use domain::{Event, NamespaceName};

use crate::{is_unique_violation, sortable_time};
use crate::{Cursor, Page, Paged, StorageError, Store, Tx};

impl Store {
    /// One page of the events of a namespace, of one deployment and one job if given, newest first.
    pub async fn list_events(
        &self,
        namespace: &NamespaceName,
        deployment_id: Option<&str>,
        job_id: Option<&str>,
        page: &Page,
    ) -> Result<Paged<Event>, StorageError> {
        self.list_events_named(namespace, deployment_id, job_id, None, page).await
    }

    /// `list_events`, only the events whose name is one of `names` (when given).
    pub async fn list_events_named(
        &self,
        namespace: &NamespaceName,
        deployment_id: Option<&str>,
        job_id: Option<&str>,
        names: Option<&[&str]>,
        page: &Page,
    ) -> Result<Paged<Event>, StorageError> {
        let filters = [("deployment_id", deployment_id), ("job_id", job_id)];
        let one_of = names.map(|names| ("name", names));
        self.newest_first_where("events", namespace, &filters, one_of, page, |event: &Event| {
            Cursor::newest(&event.metadata.created_at, &event.metadata.id)
        })
        .await
    }

    /// Every event of one deployment, newest first (unpaged: for the engine's tests and tools).
    pub async fn all_events_of_deployment(
        &self,
        namespace: &NamespaceName,
        deployment_id: &str,
    ) -> Result<Vec<Event>, StorageError> {
        self.all_of_deployment("events", namespace, deployment_id).await
    }

    /// Appends an event to its deployment's log; its id must be free.
    pub async fn append_event(&self, event: &Event) -> Result<(), StorageError> {
        let metadata = &event.metadata;
        self.require_namespace(&metadata.namespace).await?;
        if self.fence().is_some() {
            // The engine's own event (the Autopilot's): checked against the lease like its steps.
            let mut tx = self.begin().await?;
            tx.append_event(event).await?;
            return tx.commit().await;
        }
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

impl Tx {
    /// Appends an event to its deployment's log inside the transaction (with the change it reports).
    pub async fn append_event(&mut self, event: &Event) -> Result<(), StorageError> {
        insert_event_row(&mut *self.tx, event).await?;
        Ok(())
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
        let of_d1 = store.list_events(&default, Some("d1"), None, &crate::Page::first(100)).await.expect("list").items;
        assert_eq!(
            names(&of_d1),
            [EventName::JobSuccessfullyStarted, EventName::CreatingANewJob, EventName::StateTransitionIsNeeded]
        );
        assert_eq!(of_d1[0], log[3], "the document is stored whole");
        let of_j1 =
            store.list_events(&default, Some("d1"), Some("j1"), &crate::Page::first(100)).await.expect("list").items;
        assert_eq!(names(&of_j1), [EventName::JobSuccessfullyStarted, EventName::CreatingANewJob]);
        let latest = store.list_events(&default, None, None, &crate::Page::first(2)).await.expect("list").items;
        assert_eq!(latest, [log[3].clone(), log[2].clone()]);
        assert_eq!(
            store.list_events(&other, None, None, &crate::Page::first(100)).await.expect("list").items,
            [log[4].clone()]
        );
        let err = store.append_event(&log[0]).await.expect_err("same id");
        assert!(matches!(err, crate::StorageError::AlreadyExists { kind: "event", .. }), "{err}");
    }

    #[tokio::test]
    async fn a_log_narrowed_to_some_names_pages_through_only_those() {
        let (store, _db) = fresh_store().await;
        let default = NamespaceName::parse("default").expect("name");
        store.ensure_namespace(&default).await.expect("ns");
        for i in 0..7 {
            let name = if i % 2 == 0 { EventName::GeneralFailure } else { EventName::CreatingANewJob };
            store
                .append_event(&event("default", "d1", None, name, &format!("2024-05-01T10:00:0{i}Z")))
                .await
                .expect("append");
        }
        let failures = [EventName::GeneralFailure.as_str()];
        let first = store
            .list_events_named(&default, Some("d1"), None, Some(&failures), &crate::Page::first(3))
            .await
            .expect("list");
        assert_eq!(names(&first.items), [EventName::GeneralFailure; 3]);
        let rest = crate::Page { limit: 3, after: first.next };
        let rest = store.list_events_named(&default, Some("d1"), None, Some(&failures), &rest).await.expect("list");
        assert_eq!(names(&rest.items), [EventName::GeneralFailure], "4 of 7 are failures");
        assert_eq!(rest.next, None);
        let none = store.list_events_named(&default, Some("d1"), None, Some(&[]), &crate::Page::first(3)).await;
        assert!(none.expect("list").items.is_empty(), "no name selects nothing");
    }

    /// Reads every page of a deployment's events `limit` at a time; the sizes of the pages too.
    async fn page_through(
        store: &crate::Store,
        namespace: &NamespaceName,
        deployment_id: &str,
        limit: u32,
    ) -> (Vec<Event>, Vec<usize>) {
        let (mut all, mut sizes) = (Vec::new(), Vec::new());
        let mut page = crate::Page::first(limit);
        loop {
            let paged = store.list_events(namespace, Some(deployment_id), None, &page).await.expect("page");
            sizes.push(paged.items.len());
            all.extend(paged.items);
            match paged.next {
                Some(cursor) => page.after = Some(cursor),
                None => return (all, sizes),
            }
        }
    }

    #[tokio::test]
    async fn events_are_paged_newest_first_within_their_filters_to_the_last_page() {
        let (store, _db) = fresh_store().await;
        let default = NamespaceName::parse("default").expect("name");
        store.ensure_namespace(&default).await.expect("ns");
        // Three at the same instant: the id breaks the tie, on every page alike.
        let times = ["2024-05-01T10:00:00Z", "2024-05-01T10:00:01Z", "2024-05-01T10:00:01Z", "2024-05-01T10:00:01Z"];
        for (i, at) in times.iter().chain(["2024-05-01T11:00:00+02:00"].iter()).enumerate() {
            store.append_event(&event("default", "d1", None, EventName::GeneralFailure, at)).await.expect("append");
            if i % 2 == 0 {
                store.append_event(&event("default", "d2", None, EventName::GeneralFailure, at)).await.expect("append");
            }
        }
        let whole = store.list_events(&default, Some("d1"), None, &crate::Page::first(100)).await.expect("list");
        assert_eq!((whole.items.len(), &whole.next), (5, &None));
        for limit in 1..=5 {
            let (paged, sizes) = page_through(&store, &default, "d1", limit).await;
            assert_eq!(paged, whole.items, "limit {limit}: the same rows in the same order");
            assert!(sizes.iter().all(|size| *size <= limit as usize), "limit {limit}: {sizes:?}");
        }
        let (_, sizes) = page_through(&store, &default, "d1", 2).await;
        assert_eq!(sizes, [2, 2, 1], "the last page is short and says nothing follows");
        let (_, sizes) = page_through(&store, &default, "d1", 5).await;
        assert_eq!(sizes, [5], "a page exactly as long as the rest says nothing follows");
        let (of_d2, _) = page_through(&store, &default, "d2", 1).await;
        assert_eq!(of_d2.len(), 3, "the filter holds on every page");
        assert!(of_d2.iter().all(|event| event.metadata.deployment_id == "d2"));

        let none = store.list_events(&default, Some("d3"), None, &crate::Page::first(10)).await.expect("empty");
        assert_eq!((none.items, none.next), (vec![], None), "an empty list is one empty page");
        let wrong = crate::Page { limit: 2, after: Some(crate::Cursor::Name("d1".into())) };
        let err = store.list_events(&default, None, None, &wrong).await.expect_err("a cursor by name");
        assert!(matches!(err, crate::StorageError::WrongCursor), "{err}");
    }

    #[tokio::test]
    async fn an_event_needs_an_existing_namespace() {
        let (store, _db) = fresh_store().await;
        let err =
            store.append_event(&event("nowhere", "d1", None, EventName::GeneralFailure, "2024-05-01T10:00:00Z")).await;
        assert!(matches!(err, Err(crate::StorageError::NoSuchNamespace(_))), "{err:?}");
    }
}
