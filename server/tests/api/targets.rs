//! Deployment targets, health endpoints and the API's status.

use axum::http::StatusCode;

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
async fn health_endpoints_answer() {
    let console = console().await;
    let (status, body) = console.get("/readyz").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["database"], "ok");
    assert_eq!(body["flink"]["kind"], "none");
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
    let (status, info) = console.get("/api/v1/status/system-info").await;
    assert_eq!(status, StatusCode::OK, "{info}");
    assert_eq!(info["kind"], "SystemInformation");
    assert_eq!(info["status"]["revisionInformation"]["buildVersion"], env!("CARGO_PKG_VERSION"));
}
