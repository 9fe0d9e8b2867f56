//! `/api/v1/namespaces/{ns}/savepoints`: listing, and registering existing savepoint locations.

use axum::http::StatusCode;
use domain::*;
use serde_json::{json, Value};

use crate::jobs::{default_namespace, deployment_ids};
use crate::support::{console, Console};

const SAVEPOINTS: &str = "/api/v1/namespaces/default/savepoints";
const UNKNOWN_ID: &str = "2f1b8c1e-4f7a-4a7e-9d8a-1d2a3b4c5d6e";

fn ids(list: &Value) -> Vec<&str> {
    list["items"]
        .as_array()
        .map(|items| items.iter().filter_map(|i| i["metadata"]["id"].as_str()).collect())
        .unwrap_or_default()
}

async fn count(console: &Console) -> usize {
    console.get(SAVEPOINTS).await.1["items"].as_array().map_or(0, Vec::len)
}

#[tokio::test]
async fn an_existing_location_is_registered_as_a_copied_completed_savepoint() {
    let console = console().await;
    let deployment_id = deployment_ids(&console).await.remove(0);
    let body = json!({
        "metadata": {"deploymentId": deployment_id, "annotations": {"copied-from": "prod"}},
        "spec": {"savepointLocation": "file:///savepoints/savepoint-1a2b3c"}
    });
    let reply = console.send_json("POST", SAVEPOINTS, &body).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    let created = reply.json();
    assert_eq!(created["kind"], "Savepoint");
    assert_eq!(created["metadata"]["namespace"], "default");
    assert_eq!(created["metadata"]["deploymentId"], deployment_id.as_str());
    assert_eq!(created["metadata"]["origin"], "COPIED");
    assert_eq!(created["metadata"]["annotations"]["copied-from"], "prod");
    assert_eq!(created["metadata"]["resourceVersion"], 1);
    assert!(created["metadata"].get("jobId").is_none(), "no job of ours wrote it: {created}");
    assert_eq!(created["spec"]["savepointLocation"], "file:///savepoints/savepoint-1a2b3c");
    assert_eq!(created["status"]["state"], "COMPLETED");
    let id = created["metadata"]["id"].as_str().expect("an id");
    assert!(uuid::Uuid::parse_str(id).is_ok(), "{id}");

    let (status, fetched) = console.get(&format!("{SAVEPOINTS}/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(fetched, created);
    let (_, of_deployment) = console.get(&format!("{SAVEPOINTS}?deploymentId={deployment_id}")).await;
    assert_eq!(of_deployment["kind"], "SavepointList");
    assert_eq!(of_deployment["items"], json!([created]));
}

#[tokio::test]
async fn a_savepoint_is_registered_from_yaml_and_answered_in_yaml() {
    let console = console().await;
    let deployment_id = deployment_ids(&console).await.remove(0);
    let body = format!(
        "kind: Savepoint\nmetadata:\n  deploymentId: {deployment_id}\n  origin: copied\nspec:\n  savepointLocation: s3://bucket/sp-1\n"
    );
    let headers = [("content-type", "application/yaml"), ("accept", "application/yaml")];
    let reply = console.send("POST", SAVEPOINTS, &headers, body).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    assert_eq!(reply.content_type, "application/yaml");
    let created: Value = serde_yaml_ng::from_str(&reply.body).expect("YAML");
    assert_eq!(created["spec"]["savepointLocation"], "s3://bucket/sp-1");
    assert_eq!(created["metadata"]["origin"], "COPIED");
}

#[tokio::test]
async fn a_bad_savepoint_body_is_refused_by_field_and_changes_nothing() {
    let console = console().await;
    let deployment_id = deployment_ids(&console).await.remove(0);
    let cases = [
        (json!({"spec": {"savepointLocation": "file:///x"}}), "metadata.deploymentId: is required"),
        (
            json!({"metadata": {"deploymentId": "orders"}, "spec": {"savepointLocation": "file:///x"}}),
            "metadata.deploymentId: \"orders\" is not a UUID",
        ),
        (
            json!({"metadata": {"deploymentId": deployment_id}, "spec": {"savepointLocation": ""}}),
            "spec.savepointLocation: must not be empty",
        ),
        (
            json!({"metadata": {"deploymentId": deployment_id}, "spec": {"savepointLocation": "no scheme"}}),
            "spec.savepointLocation: \"no scheme\" is not a URI",
        ),
        (
            json!({"metadata": {"deploymentId": deployment_id, "origin": "WHENEVER"}, "spec": {"savepointLocation": "file:///x"}}),
            "metadata.origin: unknown value \"WHENEVER\"",
        ),
        (
            json!({"metadata": {"deploymentId": deployment_id}, "spec": {"savepointLocation": ["file:///x"]}}),
            "spec.savepointLocation: invalid type",
        ),
    ];
    for (body, message) in cases {
        let reply = console.send_json("POST", SAVEPOINTS, &body).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{body}: {}", reply.body);
        let error = reply.json();
        assert_eq!(error["reason"], "BadRequest");
        assert!(error["message"].as_str().unwrap_or_default().starts_with(message), "{body}: {error}");
    }
    let headers = [("content-type", "application/json")];
    let reply = console.send("POST", SAVEPOINTS, &headers, "{\"metadata\": ").await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);
    assert!(reply.json()["message"].as_str().unwrap_or_default().starts_with("the body is not valid JSON"));
    assert_eq!(count(&console).await, 0, "nothing was stored");
}

#[tokio::test]
async fn a_savepoint_of_an_unknown_deployment_is_not_found() {
    let console = console().await;
    let body = json!({"metadata": {"deploymentId": UNKNOWN_ID}, "spec": {"savepointLocation": "file:///x"}});
    let reply = console.send_json("POST", SAVEPOINTS, &body).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND, "{}", reply.body);
    assert_eq!(reply.json()["message"], format!("deployment {UNKNOWN_ID} was not found"));
    let reply = console.send_json("POST", "/api/v1/namespaces/elsewhere/savepoints", &body).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND, "{}", reply.body);
    assert_eq!(count(&console).await, 0);
}

#[tokio::test]
async fn a_new_savepoint_is_only_taken_of_a_running_deployment_and_one_at_a_time() {
    let console = console().await;
    let deployment_id = deployment_ids(&console).await.remove(0);
    let body = json!({"metadata": {"deploymentId": deployment_id}});
    let reply = console.send_json("POST", SAVEPOINTS, &body).await;
    assert_eq!(reply.status, StatusCode::CONFLICT, "{}", reply.body);
    let message = reply.json()["message"].as_str().unwrap_or_default().to_owned();
    assert!(message.contains("is not running"), "{message}");
    assert_eq!(count(&console).await, 0);

    // The engine's side: the deployment runs job `job_id`.
    let store = &console.store;
    let row = store.engine_row(&default_namespace(), &deployment_id).await.expect("get").expect("seeded");
    let job_id = uuid::Uuid::new_v4().to_string();
    let status = DeploymentStatus {
        state: DeploymentState::Running,
        running: Some(RunningStatus { job_id: job_id.clone(), transition_time: "2024-05-01T10:00:00Z".into() }),
        failure: None,
    };
    store
        .save_engine_state(&default_namespace(), &deployment_id, &status, "{}", row.status_version)
        .await
        .expect("running");
    let reply = console.send_json("POST", SAVEPOINTS, &body).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    let savepoint = reply.json();
    assert_eq!(savepoint["metadata"]["origin"], "USER_REQUEST");
    assert_eq!(savepoint["metadata"]["jobId"], job_id.as_str());
    assert_eq!(savepoint["status"]["state"], "STARTED", "the engine takes it in Flink and completes it");
    assert_eq!(count(&console).await, 1);

    let reply = console.send_json("POST", SAVEPOINTS, &body).await;
    assert_eq!(reply.status, StatusCode::CONFLICT, "{}", reply.body);
    assert!(reply.json()["message"].as_str().unwrap_or_default().contains("already under way"), "{}", reply.body);
    assert_eq!(count(&console).await, 1);
}

fn savepoint(deployment_id: &str, job_id: Option<&str>, created_at: &str) -> Savepoint {
    Savepoint {
        api_version: API_VERSION.into(),
        kind: Savepoint::KIND.into(),
        metadata: SavepointMetadata {
            id: uuid::Uuid::new_v4().to_string(),
            namespace: "default".into(),
            deployment_id: deployment_id.into(),
            job_id: job_id.map(Into::into),
            origin: SavepointOrigin::Periodic,
            annotations: Default::default(),
            created_at: created_at.into(),
            modified_at: created_at.into(),
            resource_version: 1,
        },
        spec: SavepointSpec {
            savepoint_location: Some(format!("file:/savepoints/{created_at}")),
            flink_savepoint_id: None,
            job_fingerprint: Some("sha256:1f2e".into()),
        },
        status: SavepointStatus { state: SavepointState::Completed, failure: None },
    }
}

#[tokio::test]
async fn savepoints_are_listed_newest_first_and_filtered_by_deployment_and_job() {
    let console = console().await;
    let deployments = deployment_ids(&console).await;
    let job_id = uuid::Uuid::new_v4().to_string();
    let first = savepoint(&deployments[0], Some(&job_id), "2024-05-01T10:00:00Z");
    let other = savepoint(&deployments[1], None, "2024-05-01T10:30:00Z");
    let second = savepoint(&deployments[0], None, "2024-05-01T11:00:00Z");
    for savepoint in [&first, &other, &second] {
        console.store.insert_savepoint(savepoint).await.expect("insert");
    }
    let (status, all) = console.get(SAVEPOINTS).await;
    assert_eq!(status, StatusCode::OK, "{all}");
    assert_eq!(ids(&all), [&second.metadata.id, &other.metadata.id, &first.metadata.id]);
    assert_eq!(all["items"][0]["metadata"]["origin"], "PERIODIC");
    assert_eq!(all["items"][0]["spec"]["jobFingerprint"], "sha256:1f2e");
    let (_, of_first) = console.get(&format!("{SAVEPOINTS}?deploymentId={}", deployments[0])).await;
    assert_eq!(ids(&of_first), [&second.metadata.id, &first.metadata.id]);
    let (_, of_job) = console.get(&format!("{SAVEPOINTS}?jobId={job_id}")).await;
    assert_eq!(ids(&of_job), [&first.metadata.id]);
}

#[tokio::test]
async fn savepoint_ids_must_be_known_uuids() {
    let console = console().await;
    let (status, body) = console.get(&format!("{SAVEPOINTS}/latest")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["message"], "savepointId \"latest\" is not a UUID");
    let (status, body) = console.get(&format!("{SAVEPOINTS}/{UNKNOWN_ID}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    let (status, _) = console.get(&format!("{SAVEPOINTS}?jobId=1")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}
