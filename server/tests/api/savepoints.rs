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
            format_type: None,
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

#[tokio::test]
async fn a_registered_file_location_must_lie_in_a_savepoint_directory_of_the_console() {
    let console = console().await;
    let deployment_id = deployment_ids(&console).await.remove(0);
    for location in [
        "file:///etc/passwd",
        "FILE:/proc/self/environ",
        "file:///savepoints/../etc/shadow",
        "file://elsewhere.example/savepoints/sp",
        "file:///savepoints-not/sp",
        "http://169.254.169.254/latest/meta-data",
    ] {
        let body = json!({"metadata": {"deploymentId": deployment_id}, "spec": {"savepointLocation": location}});
        let reply = console.send_json("POST", SAVEPOINTS, &body).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{location}: {}", reply.body);
        let message = reply.json()["message"].as_str().unwrap_or_default().to_owned();
        assert!(message.starts_with("spec.savepointLocation: "), "{location}: {message}");
    }
    let body =
        json!({"metadata": {"deploymentId": deployment_id}, "spec": {"savepointLocation": "file:///etc/passwd"}});
    let message = console.send_json("POST", SAVEPOINTS, &body).await.json()["message"].clone();
    assert!(message.as_str().unwrap_or_default().contains("inside one of /savepoints"), "{message}");
    assert_eq!(count(&console).await, 0, "nothing was registered");
    for location in ["file:///savepoints/sp-1", "file://localhost/savepoints/sp-2", "s3://bucket/sp-3"] {
        let body = json!({"metadata": {"deploymentId": deployment_id}, "spec": {"savepointLocation": location}});
        let reply = console.send_json("POST", SAVEPOINTS, &body).await;
        assert_eq!(reply.status, StatusCode::CREATED, "{location}: {}", reply.body);
    }
}

/// A form post to a server function as the admin (`fields` URL-encoded), asking for JSON.
pub(crate) async fn server_fn(console: &Console, name: &str, fields: &[(&str, &str)]) -> crate::support::Reply {
    let body: Vec<String> = fields.iter().map(|(k, v)| format!("{k}={}", encode(v))).collect();
    let headers = [("content-type", "application/x-www-form-urlencoded"), ("accept", "application/json")];
    console.send("POST", &format!("/api/{name}"), &headers, body.join("&")).await
}

fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| if b.is_ascii_alphanumeric() { char::from(b).to_string() } else { format!("%{b:02X}") })
        .collect()
}

#[tokio::test]
async fn the_savepoints_tab_registers_through_the_same_policy() {
    let console = console().await;
    let deployment_id = deployment_ids(&console).await.remove(0);
    let fields =
        [("namespace", "default"), ("deployment_id", deployment_id.as_str()), ("location", "file:///etc/passwd")];
    let reply = server_fn(&console, "register_savepoint", &fields).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);
    assert!(reply.body.contains("spec.savepointLocation"), "{}", reply.body);
    assert_eq!(count(&console).await, 0);
    let fields = [("namespace", "default"), ("deployment_id", deployment_id.as_str()), ("location", "s3://b/sp")];
    let reply = server_fn(&console, "register_savepoint", &fields).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(count(&console).await, 1);
}

#[tokio::test]
async fn a_savepoint_is_copied_to_another_deployment_at_the_same_location() {
    let console = console().await;
    let deployments = deployment_ids(&console).await;
    let (source, target) = (&deployments[0], &deployments[1]);
    let body = json!({"metadata": {"deploymentId": source}, "spec": {"savepointLocation": "s3://bucket/sp-9"}});
    let original = console.send_json("POST", SAVEPOINTS, &body).await.json();
    let id = original["metadata"]["id"].as_str().expect("an id");

    let reply = console.send_json("POST", &format!("{SAVEPOINTS}/{id}:copy"), &json!({"deploymentId": target})).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    let copy = reply.json();
    assert_ne!(copy["metadata"]["id"], original["metadata"]["id"]);
    assert_eq!(copy["metadata"]["deploymentId"], target.as_str());
    assert_eq!(copy["metadata"]["origin"], "COPIED");
    assert_eq!(copy["metadata"]["annotations"][services::COPIED_FROM], format!("default/{id}"));
    assert_eq!(copy["spec"]["savepointLocation"], "s3://bucket/sp-9");
    assert_eq!(copy["status"]["state"], "COMPLETED");
    let (_, of_target) = console.get(&format!("{SAVEPOINTS}?deploymentId={target}")).await;
    assert_eq!(ids(&of_target), [copy["metadata"]["id"].as_str().expect("an id")]);
    let audit = console.store.list_audit(None, &storage::Page::first(10)).await.expect("audit").items;
    assert!(audit.iter().any(|e| e.action == "copy-savepoint"), "the copy is audited");

    // Onto its own deployment, to nowhere, or of a savepoint that is not completed: refused, nothing written.
    let before = count(&console).await;
    let own = console.send_json("POST", &format!("{SAVEPOINTS}/{id}:copy"), &json!({"deploymentId": source})).await;
    assert_eq!(own.status, StatusCode::BAD_REQUEST, "{}", own.body);
    let nowhere =
        console.send_json("POST", &format!("{SAVEPOINTS}/{id}:copy"), &json!({"deploymentId": UNKNOWN_ID})).await;
    assert_eq!(nowhere.status, StatusCode::NOT_FOUND, "{}", nowhere.body);
    let odd = console.send_json("POST", &format!("{SAVEPOINTS}/{id}:copy"), &json!({"deployment": target})).await;
    assert_eq!(odd.status, StatusCode::BAD_REQUEST, "{}", odd.body);
    let mut started = console.store.get_savepoint(&default_namespace(), id).await.expect("read").expect("stored");
    started.metadata.id = uuid::Uuid::new_v4().to_string();
    started.status.state = SavepointState::Started;
    console.store.insert_savepoint(&started).await.expect("a savepoint under way");
    let under_way = format!("{SAVEPOINTS}/{}:copy", started.metadata.id);
    let reply = console.send_json("POST", &under_way, &json!({"deploymentId": target})).await;
    assert_eq!(reply.status, StatusCode::CONFLICT, "{}", reply.body);
    assert_eq!(count(&console).await, before + 1, "only the savepoint under way was added");
}

#[tokio::test]
async fn a_copy_into_a_namespace_the_caller_may_only_read_is_refused() {
    let console = console().await;
    let elsewhere = NamespaceName::parse("elsewhere").expect("a name");
    console.store.ensure_namespace(&elsewhere).await.expect("namespace elsewhere");
    // A deployment of `elsewhere`: a copy of a seeded one, written through the store.
    let seeded = deployment_ids(&console).await.remove(0);
    let read = console.store.get_deployment(&default_namespace(), &seeded).await;
    let mut theirs = read.expect("read").expect("a seeded deployment");
    theirs.metadata.id = uuid::Uuid::new_v4().to_string();
    theirs.metadata.namespace = "elsewhere".into();
    let mut tx = console.store.begin().await.expect("a transaction");
    tx.insert_deployment(&theirs).await.expect("their deployment");
    tx.commit().await.expect("committed");
    let deployment_id = deployment_ids(&console).await.remove(0);
    let body = json!({"metadata": {"deploymentId": deployment_id}, "spec": {"savepointLocation": "s3://bucket/sp"}});
    let id =
        console.send_json("POST", SAVEPOINTS, &body).await.json()["metadata"]["id"].as_str().expect("id").to_owned();
    let hash = services::auth::hash_password("a long password").expect("a hash");
    let ed = crate::matrix::person(&console.store, &hash, "ed", Some(("default", Role::Editor))).await;
    let user = console.store.user_by_name("ed").await.expect("read").expect("ed").0;
    console.store.set_member(&elsewhere, &user.id, Role::Viewer).await.expect("a viewer there");
    let before = count(&console).await;
    let cookie = format!("console_session={ed}");
    let headers = [("cookie", cookie.as_str()), ("accept", "application/json"), ("content-type", "application/json")];
    let body = json!({"deploymentId": theirs.metadata.id, "namespace": "elsewhere"}).to_string();
    let reply = console.send("POST", &format!("{SAVEPOINTS}/{id}:copy"), &headers, body).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN, "{}", reply.body);
    let in_elsewhere = console.store.list_savepoints(&elsewhere, None, None, &storage::Page::first(10)).await;
    assert!(in_elsewhere.expect("list").items.is_empty(), "nothing was copied");
    assert_eq!(count(&console).await, before);
    // The same person copies within `default`, where they edit.
    let within = json!({"deploymentId": deployment_ids(&console).await[1]}).to_string();
    let reply = console.send("POST", &format!("{SAVEPOINTS}/{id}:copy"), &headers, within).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
}
