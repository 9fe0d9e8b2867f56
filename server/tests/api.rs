//! The HTTP surface, called in-process through `server::router` (no port, no browser).

use std::sync::Arc;
use std::time::Duration;

use app::ssr::{HealthBoard, Services};
use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use leptos::prelude::LeptosOptions;
use serde_json::Value;
use server::local_flink::FlinkSupervision;
use server::{router, seed, targets, AppState};
use tower::ServiceExt;

struct Console {
    state: AppState,
    _dir: tempfile::TempDir,
}

/// A console on a fresh database, after its first start, whose Flink cannot run.
async fn console() -> Console {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = storage::Store::connect(&format!("sqlite://{}/console.db", dir.path().display())).await.expect("store");
    seed::first_start(&store, dir.path()).await.expect("first start");
    let flink = Arc::new(FlinkSupervision::Unavailable("Java was not found on PATH".into()));
    targets::register_console_cluster(&store, &flink, "http://127.0.0.1:8081").await.expect("local target");
    let health = HealthBoard::default();
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let prober = tokio::spawn(targets::probe_forever(store.clone(), health.clone(), flink.clone(), stopped));
    for _ in 0..100 {
        if health.get("default", "local").message.as_deref() != Some("not checked yet") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    stop.send(true).expect("stop the prober");
    prober.await.expect("prober ends");
    let leptos_options =
        LeptosOptions::builder().output_name("console").site_root(dir.path().display().to_string()).build();
    Console { state: AppState { leptos_options, services: Services { store, health }, flink }, _dir: dir }
}

async fn get(console: &Console, uri: &str) -> (StatusCode, Value) {
    let (status, _, body) = get_with(console, uri, "application/json").await;
    (status, serde_json::from_str(&body).unwrap_or(Value::Null))
}

#[tokio::test]
async fn the_local_target_is_listed_with_why_its_cluster_is_not_running() {
    let console = console().await;
    let (status, body) = get(&console, "/api/v1/namespaces/default/deployment-targets").await;
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
    let (status, body) = get(&console, "/api/v1/namespaces/elsewhere/deployment-targets").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["kind"], "Error");
    assert_eq!(body["reason"], "NotFound");
    assert_eq!(body["message"], "namespace elsewhere was not found");
}

#[tokio::test]
async fn a_namespace_that_is_not_a_dns_label_is_a_bad_request() {
    let console = console().await;
    let (status, body) = get(&console, "/api/v1/namespaces/Not_A_Label/deployment-targets").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(body["message"].as_str().unwrap_or_default().contains("may contain only lowercase letters"), "{body}");
}

#[tokio::test]
async fn health_endpoints_answer() {
    let console = console().await;
    let (status, body) = get(&console, "/readyz").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["database"], "ok");
    assert_eq!(body["flink"]["kind"], "none");
    let response = router(console.state.clone())
        .oneshot(Request::get("/healthz").body(Body::empty()).expect("request"))
        .await
        .expect("a response");
    assert_eq!(response.status(), StatusCode::OK);
}

async fn get_with(console: &Console, uri: &str, accept: &str) -> (StatusCode, String, String) {
    let request = Request::get(uri).header("accept", accept).body(Body::empty()).expect("request");
    let response = router(console.state.clone()).oneshot(request).await.expect("a response");
    let status = response.status();
    let content_type =
        response.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    let bytes = response.into_body().collect().await.expect("body").to_bytes();
    (status, content_type, String::from_utf8_lossy(&bytes).into_owned())
}

#[tokio::test]
async fn deployments_are_listed_and_filtered_by_label_selector() {
    let console = console().await;
    let (status, body) = get(&console, "/api/v1/namespaces/default/deployments").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["kind"], "DeploymentList");
    assert_eq!(body["items"].as_array().map(Vec::len), Some(3));
    let (_, examples) = get(&console, "/api/v1/namespaces/default/deployments?labelSelector=example%3Dtrue").await;
    assert_eq!(examples["items"].as_array().map(Vec::len), Some(3));
    let (_, none) = get(&console, "/api/v1/namespaces/default/deployments?labelSelector=example!%3Dtrue").await;
    assert_eq!(none["items"].as_array().map(Vec::len), Some(0));
    let (status, bad) = get(&console, "/api/v1/namespaces/default/deployments?labelSelector=a%20in%20(b)").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(bad["reason"], "BadRequest");
}

#[tokio::test]
async fn one_deployment_is_served_as_json_or_yaml() {
    let console = console().await;
    let (_, list) = get(&console, "/api/v1/namespaces/default/deployments").await;
    let first = &list["items"][0];
    let id = first["metadata"]["id"].as_str().expect("an id");
    let uri = format!("/api/v1/namespaces/default/deployments/{id}");
    let (status, json) = get(&console, &uri).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(&json, first);
    let (status, content_type, yaml) = get_with(&console, &uri, "application/yaml").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(content_type, "application/yaml");
    let parsed: Value = serde_yaml_ng::from_str(&yaml).expect("YAML");
    assert_eq!(&parsed, first, "the YAML says the same as the JSON");
}

#[tokio::test]
async fn a_deployment_id_must_be_a_known_uuid() {
    let console = console().await;
    let (status, body) = get(&console, "/api/v1/namespaces/default/deployments/not-a-uuid").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let (status, body) =
        get(&console, "/api/v1/namespaces/default/deployments/2f1b8c1e-4f7a-4a7e-9d8a-1d2a3b4c5d6e").await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert_eq!(body["reason"], "NotFound");
}
