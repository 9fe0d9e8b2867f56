//! Deployment targets, health endpoints and the API's status.

use axum::body::Body;
use axum::http::StatusCode;
use serde_json::json;

use crate::support::console;

#[tokio::test]
async fn the_local_target_is_listed_with_why_its_cluster_is_not_running() {
    let console = console().await;
    let (status, body) = console.get("/api/v1/namespaces/default/deployment-targets").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["kind"], "DeploymentTargetList");
    let local = &body["items"][0];
    assert_eq!(local["metadata"]["name"], "local");
    assert_eq!(local["spec"]["local"]["restUrl"], "http://127.0.0.1:8081");
    assert_eq!(local["status"]["health"]["state"], "UNHEALTHY");
    assert_eq!(local["status"]["health"]["message"], "Java was not found on PATH");
}

#[tokio::test]
async fn an_unknown_namespace_is_not_found_in_the_error_shape() {
    let console = console().await;
    let (status, body) = console.get("/api/v1/namespaces/elsewhere/deployment-targets").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["kind"], "Error");
    assert_eq!(body["reason"], "NotFound");
    assert_eq!(body["message"], "namespace elsewhere was not found");
}

#[tokio::test]
async fn a_namespace_that_is_not_a_dns_label_is_a_bad_request() {
    let console = console().await;
    let (status, body) = console.get("/api/v1/namespaces/Not_A_Label/deployment-targets").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(body["message"].as_str().unwrap_or_default().contains("may contain only lowercase letters"), "{body}");
}

#[tokio::test]
async fn health_endpoints_answer_and_readyz_tells_strangers_nothing_more() {
    let console = console().await;
    let anonymous = [("accept", "application/json"), ("cookie", "")];
    let reply = console.send("GET", "/readyz", &anonymous, axum::body::Body::empty()).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.json(), serde_json::json!({"status": "ready"}), "no database, Flink URL or reason");
    let (status, _) = console.get("/healthz").await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn the_api_status_answers() {
    let console = console().await;
    let (status, body) = console.get("/api/v1/status").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "OK");
    assert_eq!(body["database"], "OK");
    assert_eq!(body["flink"]["kind"], "none", "the console's own cluster, for those signed in");
    let (status, info) = console.get("/api/v1/status/system-info").await;
    assert_eq!(status, StatusCode::OK, "{info}");
    assert_eq!(info["kind"], "SystemInformation");
    assert_eq!(info["status"]["revisionInformation"]["buildVersion"], env!("CARGO_PKG_VERSION"));
}

#[tokio::test]
async fn owners_register_a_flink_session_cluster_whose_health_is_probed() {
    let console = console().await;
    console.allow_hosts(&["127.0.0.0/8"]).await;
    let targets = "/api/v1/namespaces/default/deployment-targets";
    let session = json!({"metadata": {"name": "staging"}, "spec": {"flinkSession": {"url": "http://127.0.0.1:9/"}}});
    let reply = console.send_json("POST", targets, &session).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    assert_eq!(reply.json()["spec"]["flinkSession"]["url"], "http://127.0.0.1:9");
    assert_eq!(console.send_json("POST", targets, &session).await.status, StatusCode::CONFLICT);

    console.probe("default", "staging").await;
    let (status, one) = console.get(&format!("{targets}/staging")).await;
    assert_eq!(status, StatusCode::OK, "{one}");
    assert_eq!(one["status"]["health"]["state"], "UNHEALTHY", "nothing listens on port 9: {one}");

    let bad = json!({"metadata": {"name": "bad"}, "spec": {"flinkSession": {"url": "flink:8081"}}});
    let reply = console.send_json("POST", targets, &bad).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.json()["message"], "spec.flinkSession.url: \"flink:8081\" must start with http:// or https://");

    let deployment = json!({"metadata": {"name": "on-staging"}, "spec": {"deploymentTargetName": "staging",
        "template": {"spec": {"artifact": {"kind": "JAR", "jarUri": "https://artifacts.example/x.jar"}}}}});
    let created = console.send_json("POST", "/api/v1/namespaces/default/deployments", &deployment).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let refused = console.send("DELETE", &format!("{targets}/staging"), &[], Body::empty()).await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.body);
    assert!(refused.body.contains("is used by on-staging"), "{}", refused.body);
    let id = created.json()["metadata"]["id"].as_str().unwrap_or_default().to_owned();
    let gone =
        console.send("DELETE", &format!("/api/v1/namespaces/default/deployments/{id}"), &[], Body::empty()).await;
    assert_eq!(gone.status, StatusCode::OK, "{}", gone.body);
    let deleted = console.send("DELETE", &format!("{targets}/staging"), &[], Body::empty()).await;
    assert_eq!(deleted.status, StatusCode::OK, "{}", deleted.body);
    assert_eq!(console.get(&format!("{targets}/staging")).await.0, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn namespaces_are_listed_and_read_one_by_one() {
    let console = console().await;
    let (status, list) = console.get("/api/v1/namespaces").await;
    assert_eq!(status, StatusCode::OK, "{list}");
    assert_eq!(list["kind"], "NamespaceList");
    assert_eq!(list["items"][0]["metadata"]["name"], "default");
    let (status, one) = console.get("/api/v1/namespaces/default").await;
    assert_eq!(status, StatusCode::OK, "{one}");
    assert_eq!(one["kind"], "Namespace");
    assert_eq!(console.get("/api/v1/namespaces/elsewhere").await.0, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn owners_change_a_session_target_unless_a_deployment_runs_on_it() {
    let console = console().await;
    console.allow_hosts(&["127.0.0.0/8"]).await;
    let targets = "/api/v1/namespaces/default/deployment-targets";
    let session = json!({"metadata": {"name": "staging"}, "spec": {"flinkSession": {"url": "http://127.0.0.1:9"}}});
    assert_eq!(console.send_json("POST", targets, &session).await.status, StatusCode::CREATED);
    let staging = format!("{targets}/staging");

    let moved = json!({"metadata": {"name": "staging", "displayName": "Staging", "resourceVersion": 1},
        "spec": {"flinkSession": {"url": "http://127.0.0.1:10/"}}});
    let reply = console.send_json("PUT", &staging, &moved).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let changed = reply.json();
    assert_eq!(changed["spec"]["flinkSession"]["url"], "http://127.0.0.1:10");
    assert_eq!(changed["metadata"]["displayName"], "Staging");
    assert_eq!(changed["metadata"]["resourceVersion"], 2);

    let stale = console.send_json("PUT", &staging, &moved).await;
    assert_eq!(stale.status, StatusCode::CONFLICT, "{}", stale.body);
    assert!(stale.body.contains("since you read it (your version 1, now 2)"), "{}", stale.body);

    let renamed = json!({"metadata": {"name": "prod"}, "spec": {"flinkSession": {"url": "http://127.0.0.1:10"}}});
    let reply = console.send_json("PUT", &staging, &renamed).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);
    assert!(reply.body.contains("metadata.name: is \\\"prod\\\" but the target being changed is"), "{}", reply.body);

    let inside = json!({"metadata": {"name": "staging"}, "spec": {"flinkSession": {"url": "http://10.1.2.3:8081"}}});
    let reply = console.send_json("PUT", &staging, &inside).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "the network policy holds for a new URL: {}", reply.body);
    assert!(reply.body.contains("spec.flinkSession.url"), "{}", reply.body);

    let local = json!({"metadata": {"name": "local"}, "spec": {"flinkSession": {"url": "http://127.0.0.1:11"}}});
    let reply = console.send_json("PUT", &format!("{targets}/local"), &local).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);
    assert!(reply.body.contains("the console's own cluster"), "{}", reply.body);

    let deployment = json!({"metadata": {"name": "on-staging"}, "spec": {"deploymentTargetName": "staging",
        "state": "RUNNING",
        "template": {"spec": {"artifact": {"kind": "JAR", "jarUri": "https://artifacts.example/x.jar"}}}}});
    let created = console.send_json("POST", "/api/v1/namespaces/default/deployments", &deployment).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let elsewhere = json!({"metadata": {"name": "staging"}, "spec": {"flinkSession": {"url": "http://127.0.0.1:12"}}});
    let refused = console.send_json("PUT", &staging, &elsewhere).await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.body);
    assert!(refused.body.contains("runs on-staging; suspend or cancel them"), "{}", refused.body);
    let (_, unchanged) = console.get(&staging).await;
    assert_eq!(unchanged["spec"]["flinkSession"]["url"], "http://127.0.0.1:10", "a refusal changes nothing");

    let renamed_for_people = json!({"metadata": {"name": "staging", "displayName": "Staging (EU)"}, "spec": {"flinkSession": {"url": "http://127.0.0.1:10"}}});
    let reply = console.send_json("PUT", &staging, &renamed_for_people).await;
    assert_eq!(reply.status, StatusCode::OK, "the same URL may be kept while it runs: {}", reply.body);
    assert_eq!(reply.json()["metadata"]["displayName"], "Staging (EU)");
}
