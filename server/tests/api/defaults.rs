//! `/api/v1/namespaces/{ns}/deployment-defaults` and the global `/api/v1/deployment-defaults`.

use axum::http::StatusCode;
use serde_json::json;

use crate::support::console;

const DEFAULTS: &str = "/api/v1/namespaces/default/deployment-defaults";

fn minimal(name: &str) -> serde_json::Value {
    json!({"metadata": {"name": name},
           "spec": {"template": {"spec": {"artifact": {"kind": "JAR", "jarUri": "https://artifacts.example/x.jar"}}}}})
}

#[tokio::test]
async fn the_default_namespace_starts_with_defaults_that_run_on_the_local_target() {
    let console = console().await;
    let (status, defaults) = console.get(DEFAULTS).await;
    assert_eq!(status, StatusCode::OK, "{defaults}");
    assert_eq!(defaults["kind"], "DeploymentDefaults");
    assert_eq!(defaults["metadata"]["namespace"], "default");
    assert_eq!(defaults["metadata"]["resourceVersion"], 1);
    assert_eq!(defaults["spec"]["deploymentTargetName"], "local");
}

#[tokio::test]
async fn changed_defaults_apply_to_new_deployments_and_layer_over_the_global_ones() {
    let console = console().await;
    let global = json!({"spec": {"maxJobCreationAttempts": 7, "template": {"spec": {"parallelism": 2}}}});
    let reply = console.send_json("PATCH", "/api/v1/deployment-defaults", &global).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.json()["metadata"].get("namespace"), None, "the global defaults belong to no namespace");

    let change = json!({"metadata": {"resourceVersion": 1}, "spec": {"template": {"spec": {"parallelism": 3}}}});
    let reply = console.send_json("PATCH", DEFAULTS, &change).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.json()["metadata"]["resourceVersion"], 2);

    let reply = console.send_json("POST", "/api/v1/namespaces/default/deployments", &minimal("layered")).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    let created = reply.json();
    assert_eq!(created["spec"]["template"]["spec"]["parallelism"], 3, "the namespace's value wins");
    assert_eq!(created["spec"]["maxJobCreationAttempts"], 7, "the global value fills in");
    assert_eq!(created["spec"]["deploymentTargetName"], "local");
}

#[tokio::test]
async fn stale_or_invalid_defaults_are_refused_and_change_nothing() {
    let console = console().await;
    let (_, before) = console.get(DEFAULTS).await;
    let stale = json!({"metadata": {"resourceVersion": 7}, "spec": {"maxJobCreationAttempts": 2}});
    let reply = console.send_json("PATCH", DEFAULTS, &stale).await;
    assert_eq!(reply.status, StatusCode::CONFLICT, "{}", reply.body);
    for (bad, message) in [
        (json!({"spec": {"restoreStrategy": {"kind": "SOMETIMES"}}}), "spec.restoreStrategy.kind: unknown value"),
        (json!({"spec": {"maxSavepointCreationAttempts": -4}}), "spec.maxSavepointCreationAttempts: must be"),
        (json!({"spec": [1]}), "spec: must be an object, got a list"),
    ] {
        let reply = console.send_json("PATCH", DEFAULTS, &bad).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{bad}: {}", reply.body);
        let text = reply.json()["message"].as_str().unwrap_or_default().to_owned();
        assert!(text.starts_with(message), "{bad}: {text}");
    }
    let (_, after) = console.get(DEFAULTS).await;
    assert_eq!(after, before);
}
