//! `/api/v1/namespaces/{ns}/events`. Nothing writes events yet (the lifecycle engine will), so the
//! tests append them through the store.

use axum::http::StatusCode;
use domain::*;
use serde_json::Value;

use crate::jobs::deployment_ids;
use crate::support::console;

const EVENTS: &str = "/api/v1/namespaces/default/events";

fn names(list: &Value) -> Vec<&str> {
    list["items"]
        .as_array()
        .map(|items| items.iter().filter_map(|i| i["metadata"]["name"].as_str()).collect())
        .unwrap_or_default()
}

#[tokio::test]
async fn events_are_listed_newest_first_and_filtered_by_deployment_and_job() {
    let console = console().await;
    let deployments = deployment_ids(&console).await;
    let job_id = uuid::Uuid::new_v4().to_string();
    let log = [
        (&deployments[0], None, EventName::StateTransitionIsNeeded, "2024-05-01T10:00:00Z"),
        (&deployments[0], Some(job_id.as_str()), EventName::CreatingANewJob, "2024-05-01T10:00:01Z"),
        (&deployments[1], None, EventName::StateTransitionIsNeeded, "2024-05-01T10:00:02Z"),
        (&deployments[0], Some(job_id.as_str()), EventName::JobSuccessfullyStarted, "2024-05-01T10:00:03Z"),
    ];
    for (deployment_id, job_id, name, at) in log {
        let event = Event::new(uuid::Uuid::new_v4().to_string(), "default", deployment_id, job_id, name, "…", at);
        console.store.append_event(&event).await.expect("append");
    }
    let (status, all) = console.get(EVENTS).await;
    assert_eq!(status, StatusCode::OK, "{all}");
    assert_eq!(all["kind"], "EventList");
    assert_eq!(all["apiVersion"], "v1");
    assert_eq!(
        names(&all),
        ["JOB_SUCCESSFULLY_STARTED", "STATE_TRANSITION_IS_NEEDED", "CREATING_A_NEW_JOB", "STATE_TRANSITION_IS_NEEDED"]
    );
    let (_, of_first) = console.get(&format!("{EVENTS}?deploymentId={}", deployments[0])).await;
    assert_eq!(names(&of_first), ["JOB_SUCCESSFULLY_STARTED", "CREATING_A_NEW_JOB", "STATE_TRANSITION_IS_NEEDED"]);
    let (_, of_job) = console.get(&format!("{EVENTS}?deploymentId={}&jobId={job_id}", deployments[0])).await;
    assert_eq!(names(&of_job), ["JOB_SUCCESSFULLY_STARTED", "CREATING_A_NEW_JOB"]);
    assert_eq!(of_job["items"][0]["metadata"]["jobId"], job_id.as_str());
    assert_eq!(of_job["items"][0]["spec"]["message"], "…");
}

#[tokio::test]
async fn event_filters_must_be_uuids() {
    let console = console().await;
    let (status, body) = console.get(&format!("{EVENTS}?jobId=latest")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["message"], "jobId \"latest\" is not a UUID");
    let (status, body) = console.get(&format!("{EVENTS}?deploymentId=")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let (status, _) = console.get("/api/v1/namespaces/elsewhere/events").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn events_are_filtered_by_level_on_the_server() {
    let console = console().await;
    let deployment = deployment_ids(&console).await.remove(0);
    let log = [
        (EventName::CreatingANewJob, "2024-05-01T10:00:00Z"),
        (EventName::RecoverableFailureWhileTriggeringASavepoint, "2024-05-01T10:00:01Z"),
        (EventName::GeneralFailure, "2024-05-01T10:00:02Z"),
        (EventName::JobSuccessfullyStarted, "2024-05-01T10:00:03Z"),
        (EventName::TooManyFailedJobCreationAttempts, "2024-05-01T10:00:04Z"),
    ];
    for (name, at) in log {
        let event = Event::new(uuid::Uuid::new_v4().to_string(), "default", &deployment, None, name, "…", at);
        console.store.append_event(&event).await.expect("append");
    }
    let of = |level: &str| format!("{EVENTS}?deploymentId={deployment}&level={level}");
    let (status, errors) = console.get(&of("ERROR")).await;
    assert_eq!(status, StatusCode::OK, "{errors}");
    assert_eq!(names(&errors), ["TOO_MANY_FAILED_JOB_CREATION_ATTEMPTS", "GENERAL_FAILURE"]);
    assert_eq!(names(&console.get(&of("warning")).await.1), ["RECOVERABLE_FAILURE_WHILE_TRIGGERING_A_SAVEPOINT"]);
    assert_eq!(names(&console.get(&of("INFO")).await.1), ["JOB_SUCCESSFULLY_STARTED", "CREATING_A_NEW_JOB"]);
    // A page of one error, then the next: the filter holds across pages.
    let (_, first) = console.get(&format!("{}&limit=1", of("ERROR"))).await;
    let token = first["metadata"]["continue"].as_str().expect("more follow").to_owned();
    let (_, second) = console.get(&format!("{}&limit=1&continue={token}", of("ERROR"))).await;
    assert_eq!(names(&second), ["GENERAL_FAILURE"]);
    let (status, refused) = console.get(&of("DEBUG")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{refused}");
    assert!(refused["message"].as_str().unwrap_or_default().starts_with("level \"DEBUG\""), "{refused}");

    // The deployment page's Events tab reads through the same filter.
    let fields =
        [("namespace", "default"), ("deployment_id", deployment.as_str()), ("tab", "Events"), ("level", "ERROR")];
    let reply = crate::savepoints::server_fn(&console, "get_deployment", &fields).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let rows = reply.json()["content"]["Events"]["rows"].clone();
    let shown: Vec<&str> = rows.as_array().expect("rows").iter().filter_map(|r| r["name"].as_str()).collect();
    assert_eq!(shown, ["TOO_MANY_FAILED_JOB_CREATION_ATTEMPTS", "GENERAL_FAILURE"]);
}
