//! `POST …/deployments/{id}:start` and `…:check-compatibility`: the Start dialog's choice through
//! the API. What Flink then does with it is tested against real Flink (`tests/start_real_flink.rs`).

use axum::http::StatusCode;
use domain::*;
use serde_json::{json, Value};

use crate::jobs::default_namespace;
use crate::support::{console, Console};

const DEPLOYMENTS: &str = "/api/v1/namespaces/default/deployments";

async fn id_of(console: &Console, name: &str) -> String {
    let (_, list) = console.get(DEPLOYMENTS).await;
    let items = list["items"].as_array().cloned().unwrap_or_default();
    items
        .iter()
        .find(|d| d["metadata"]["name"] == name)
        .and_then(|d| d["metadata"]["id"].as_str())
        .map(str::to_owned)
        .expect("a seeded deployment")
}

async fn start(console: &Console, id: &str, body: Value) -> (StatusCode, Value) {
    let reply = console.send_json("POST", &format!("{DEPLOYMENTS}/{id}:start"), &body).await;
    let status = reply.status;
    (status, serde_json::from_str(&reply.body).unwrap_or(Value::String(reply.body)))
}

async fn register(console: &Console, deployment_id: &str, location: &str) -> String {
    let body = json!({"metadata": {"deploymentId": deployment_id}, "spec": {"savepointLocation": location}});
    let reply = console.send_json("POST", "/api/v1/namespaces/default/savepoints", &body).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    reply.json()["metadata"]["id"].as_str().expect("an id").to_owned()
}

async fn next_start(console: &Console, id: &str) -> Option<engine::StartRequest> {
    let row = console.store.engine_row(&default_namespace(), id).await.expect("read").expect("the deployment");
    engine::EngineRecord::read(row.engine.as_deref()).expect("a record").next_start
}

async fn messages(console: &Console, id: &str) -> Vec<String> {
    let (_, events) = console.get(&format!("/api/v1/namespaces/default/events?deploymentId={id}")).await;
    events["items"]
        .as_array()
        .map(|items| items.iter().filter_map(|e| e["spec"]["message"].as_str().map(str::to_owned)).collect())
        .unwrap_or_default()
}

#[tokio::test]
async fn initial_mode_with_a_source_start_time_is_written_for_the_engine_with_an_event_and_an_audit_line() {
    let console = console().await;
    let id = id_of(&console, "stateful-counter").await;
    let (status, accepted) =
        start(&console, &id, json!({"mode": "INITIAL", "sourceStartTimeMs": 1_764_547_200_000_i64})).await;
    assert_eq!(status, StatusCode::OK, "{accepted}");
    assert_eq!(accepted["mode"], "INITIAL");
    assert_eq!(accepted["sourceStartTimeMs"], 1_764_547_200_000_i64);
    assert!(accepted.get("savepointId").is_none(), "{accepted}");

    let (_, deployment) = console.get(&format!("{DEPLOYMENTS}/{id}")).await;
    assert_eq!(deployment["spec"]["state"], "RUNNING");
    let request = next_start(&console, &id).await.expect("the start's choice");
    assert_eq!(request.restore, engine::RestoreChoice::Nothing);
    assert_eq!(request.source_start_time_ms, Some(1_764_547_200_000));
    let events = messages(&console, &id).await;
    assert!(
        events
            .iter()
            .any(|m| m.contains("starting without state") && m.contains("source start time 2025-12-01T00:00:00")),
        "{events:?}"
    );
    let (_, audit) = console.get("/api/v1/namespaces/default/audit-log").await;
    let entry = &audit["items"][0];
    assert_eq!(entry["action"], "start", "{audit}");
    assert_eq!(entry["after"]["start"]["sourceStartTimeMs"], 1_764_547_200_000_i64);

    let (status, again) = start(&console, &id, json!({"mode": "INITIAL"})).await;
    assert_eq!(status, StatusCode::CONFLICT, "already asked to run: {again}");
}

#[tokio::test]
async fn a_resume_restores_the_latest_or_a_chosen_savepoint_even_of_another_deployment() {
    let console = console().await;
    let counter = id_of(&console, "stateful-counter").await;
    let sql = id_of(&console, "orders-sql").await;
    let older = register(&console, &counter, "file:///savepoints/older").await;
    let newer = register(&console, &counter, "file:///savepoints/newer").await;

    let (status, accepted) = start(&console, &counter, json!({"mode": "RESUME", "restore": {"kind": "LATEST"}})).await;
    assert_eq!(status, StatusCode::OK, "{accepted}");
    assert_eq!(accepted["savepointId"], newer.as_str(), "LATEST is the newest");
    assert_eq!(accepted["savepointLocation"], "file:///savepoints/newer");
    assert!(accepted["compatibility"]["compatibility"].is_string(), "a resume is checked: {accepted}");
    let request = next_start(&console, &counter).await.expect("a choice");
    assert_eq!(
        request.restore,
        engine::RestoreChoice::Savepoint { savepoint_id: newer.clone(), location: "file:///savepoints/newer".into() }
    );
    assert!(request.checked.is_some(), "the verdict travels with the choice");
    let _ = older;

    // Deployment orders-sql starts from the counter's savepoint: recorded as of that deployment.
    let (status, accepted) =
        start(&console, &sql, json!({"mode": "RESUME", "restore": {"kind": "SAVEPOINT", "savepointId": newer}})).await;
    assert_eq!(status, StatusCode::OK, "{accepted}");
    assert_eq!(accepted["savepointDeploymentId"], counter.as_str());
    let events = messages(&console, &sql).await;
    assert!(
        events.iter().any(|m| m.contains(&format!("savepoint {newer} of deployment stateful-counter"))),
        "{events:?}"
    );
}

#[tokio::test]
async fn a_wrong_start_request_names_its_field_and_changes_nothing() {
    let console = console().await;
    let counter = id_of(&console, "stateful-counter").await;
    let sql = id_of(&console, "orders-sql").await;
    let batch = id_of(&console, "bounded-counter").await;
    let failed = {
        let id = register(&console, &counter, "file:///savepoints/x").await;
        let mut savepoint = console.store.get_savepoint(&default_namespace(), &id).await.expect("read").expect("one");
        savepoint.status.state = SavepointState::Failed;
        console.store.update_savepoint(&savepoint, 1).await.expect("failed");
        id
    };
    let cases = [
        (&counter, json!({"mode": "RESUME", "restore": {"kind": "LATEST"}}), "restore: "),
        (&counter, json!({"mode": "RESUME"}), "restore: "),
        (&counter, json!({"mode": "RESUME", "restore": {"kind": "SAVEPOINT"}}), "restore.savepointId: "),
        (
            &counter,
            json!({"mode": "RESUME", "restore": {"kind": "SAVEPOINT", "savepointId": "nope"}}),
            "restore.savepointId: ",
        ),
        (
            &counter,
            json!({"mode": "RESUME", "restore": {"kind": "SAVEPOINT", "savepointId": failed}}),
            "restore.savepointId: ",
        ),
        (&counter, json!({"mode": "INITIAL", "restore": {"kind": "LATEST"}}), "restore: "),
        (&counter, json!({"mode": "INITIAL", "allowNonRestoredState": true}), "allowNonRestoredState: "),
        (&counter, json!({"mode": "INITIAL", "sourceStartTimeMs": -1}), "sourceStartTimeMs: "),
        (&counter, json!({"mode": "LATER"}), "mode: "),
        (&counter, json!({"mode": "INITIAL", "startTime": 5}), "startTime: "),
        (
            &sql,
            json!({"mode": "RESUME", "restore": {"kind": "LATEST"}, "allowNonRestoredState": true}),
            "allowNonRestoredState: ",
        ),
        (&batch, json!({"mode": "INITIAL", "sourceStartTimeMs": 0}), "mode: "),
    ];
    for (id, body, field) in cases {
        let (status, answer) = start(&console, id, body.clone()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {answer}");
        let message = answer["message"].as_str().unwrap_or_default();
        assert!(message.starts_with(field), "{body}: {message}");
        assert!(next_start(&console, id).await.is_none(), "{body} wrote a choice");
        let (_, deployment) = console.get(&format!("{DEPLOYMENTS}/{id}")).await;
        assert_ne!(deployment["spec"]["state"], "RUNNING", "{body} started it");
    }
    let (status, _) = start(&console, "2f1b8c1e-4f7a-4a7e-9d8a-1d2a3b4c5d6e", json!({"mode": "INITIAL"})).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let reply = console.send_json("POST", &format!("{DEPLOYMENTS}/{counter}:launch"), &json!({})).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND, "{}", reply.body);
    // A batch deployment starts without options.
    let (status, answer) = start(&console, &batch, json!({"mode": "INITIAL"})).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
}

#[tokio::test]
async fn the_check_answers_without_starting() {
    let console = console().await;
    let counter = id_of(&console, "stateful-counter").await;
    let savepoint = register(&console, &counter, "file:///savepoints/one").await;
    let reply = console
        .send_json(
            "POST",
            &format!("{DEPLOYMENTS}/{counter}:check-compatibility"),
            &json!({"mode": "RESUME", "restore": {"kind": "SAVEPOINT", "savepointId": savepoint}}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let report = reply.json();
    assert!(Compatibility::parse(report["compatibility"].as_str().unwrap_or_default()).is_some(), "{report}");
    assert_eq!(report["savepointId"], savepoint.as_str());
    assert!(!report["reasons"].as_array().expect("reasons").is_empty(), "{report}");
    assert!(next_start(&console, &counter).await.is_none(), "a check starts nothing");
    let reply = console
        .send_json("POST", &format!("{DEPLOYMENTS}/{counter}:check-compatibility"), &json!({"mode": "INITIAL"}))
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);
}
