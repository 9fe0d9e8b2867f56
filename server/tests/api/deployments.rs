//! `/api/v1/namespaces/{ns}/deployments`.

use axum::body::Body;
use axum::http::StatusCode;
use serde_json::Value;

use crate::support::console;

#[tokio::test]
async fn deployments_are_listed_and_filtered_by_label_selector() {
    let console = console().await;
    let (status, body) = console.get("/api/v1/namespaces/default/deployments").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["kind"], "DeploymentList");
    assert_eq!(body["items"].as_array().map(Vec::len), Some(3));
    let (_, examples) = console.get("/api/v1/namespaces/default/deployments?labelSelector=example%3Dtrue").await;
    assert_eq!(examples["items"].as_array().map(Vec::len), Some(3));
    let (_, none) = console.get("/api/v1/namespaces/default/deployments?labelSelector=example!%3Dtrue").await;
    assert_eq!(none["items"].as_array().map(Vec::len), Some(0));
    let (status, bad) = console.get("/api/v1/namespaces/default/deployments?labelSelector=a%20in%20(b)").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(bad["reason"], "BadRequest");
}

#[tokio::test]
async fn one_deployment_is_served_as_json_or_yaml() {
    let console = console().await;
    let (_, list) = console.get("/api/v1/namespaces/default/deployments").await;
    let first = &list["items"][0];
    let id = first["metadata"]["id"].as_str().expect("an id");
    let uri = format!("/api/v1/namespaces/default/deployments/{id}");
    let (status, json) = console.get(&uri).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(&json, first);
    let yaml = console.send("GET", &uri, &[("accept", "application/yaml")], Body::empty()).await;
    assert_eq!(yaml.status, StatusCode::OK);
    assert_eq!(yaml.content_type, "application/yaml");
    let parsed: Value = serde_yaml_ng::from_str(&yaml.body).expect("YAML");
    assert_eq!(&parsed, first, "the YAML says the same as the JSON");
}

#[tokio::test]
async fn a_deployment_id_must_be_a_known_uuid() {
    let console = console().await;
    let (status, body) = console.get("/api/v1/namespaces/default/deployments/not-a-uuid").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let (status, body) =
        console.get("/api/v1/namespaces/default/deployments/2f1b8c1e-4f7a-4a7e-9d8a-1d2a3b4c5d6e").await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert_eq!(body["reason"], "NotFound");
}
