//! The audit log through the API: who did what to which resource, and the change.

use axum::http::StatusCode;
use serde_json::{json, Value};

use crate::jobs::deployment_ids;
use crate::support::console;

const AUDIT: &str = "/api/v1/namespaces/default/audit-log";

async fn entries(console: &crate::support::Console) -> Vec<Value> {
    let (status, log) = console.get(AUDIT).await;
    assert_eq!(status, StatusCode::OK, "{log}");
    log["items"].as_array().cloned().unwrap_or_default()
}

#[tokio::test]
async fn a_change_is_logged_with_who_and_the_spec_before_and_after() {
    let console = console().await;
    let id = deployment_ids(&console).await.remove(0);
    let uri = format!("/api/v1/namespaces/default/deployments/{id}");
    let reply = console.send_json("PATCH", &uri, &json!({"spec": {"template": {"spec": {"parallelism": 3}}}})).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);

    let newest = entries(&console).await.remove(0);
    assert_eq!(newest["actor"], "user:admin");
    assert_eq!(newest["action"], "update");
    assert_eq!(newest["resourceKind"], "Deployment");
    assert_eq!(newest["namespace"], "default");
    assert_ne!(newest["before"]["spec"]["template"]["spec"]["parallelism"], json!(3), "{newest}");
    assert_eq!(newest["after"]["spec"]["template"]["spec"]["parallelism"], json!(3), "{newest}");
}

#[tokio::test]
async fn a_token_is_named_as_the_actor_and_an_unchanged_patch_logs_nothing() {
    let console = console().await;
    let reply = console
        .send_json("POST", "/api/v1/namespaces/default/api-tokens", &json!({"name": "ci", "role": "OWNER"}))
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    let secret = reply.json()["secret"].as_str().expect("a secret").to_owned();
    let bearer = format!("Bearer {secret}");
    let headers =
        [("authorization", bearer.as_str()), ("content-type", "application/json"), ("accept", "application/json")];

    let patch = json!({"spec": {"template": {"spec": {"parallelism": 2}}}}).to_string();
    let uri = "/api/v1/namespaces/default/deployment-defaults";
    let reply = console.send("PATCH", uri, &headers, patch.clone()).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let logged = entries(&console).await;
    assert_eq!(logged[0]["actor"], "token:ci");
    assert_eq!(logged[0]["resourceKind"], "DeploymentDefaults");
    assert_eq!(logged[0]["after"]["spec"]["template"]["spec"]["parallelism"], json!(2), "{}", logged[0]);

    let reply = console.send("PATCH", uri, &headers, patch).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(entries(&console).await.len(), logged.len(), "the same values again change nothing");
}
