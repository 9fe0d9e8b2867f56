//! `/api/v1/namespaces/{ns}/jobs`. Nothing creates jobs yet (the lifecycle engine will), so the
//! tests write them through the store.

use axum::body::Body;
use axum::http::StatusCode;
use domain::*;
use serde_json::Value;

use crate::support::{console, Console};

const JOBS: &str = "/api/v1/namespaces/default/jobs";
const UNKNOWN_ID: &str = "2f1b8c1e-4f7a-4a7e-9d8a-1d2a3b4c5d6e";

/// The ids of the seeded deployments of the default namespace.
pub async fn deployment_ids(console: &Console) -> Vec<String> {
    let (_, list) = console.get("/api/v1/namespaces/default/deployments").await;
    let items = list["items"].as_array().cloned().unwrap_or_default();
    items.iter().filter_map(|item| item["metadata"]["id"].as_str().map(str::to_owned)).collect()
}

pub fn default_namespace() -> NamespaceName {
    NamespaceName::parse("default").expect("a namespace name")
}

/// A job of a deployment in the default namespace, created at `created_at`.
pub fn job(deployment_id: &str, created_at: &str, state: JobState) -> Job {
    Job {
        api_version: API_VERSION.into(),
        kind: Job::KIND.into(),
        metadata: JobMetadata {
            id: uuid::Uuid::new_v4().to_string(),
            namespace: "default".into(),
            deployment_id: deployment_id.into(),
            deployment_name: None,
            annotations: Default::default(),
            created_at: created_at.into(),
            modified_at: created_at.into(),
            terminated_at: None,
            resource_version: 1,
        },
        spec: JobSpec {
            template: TemplateSpec { parallelism: Some(1), ..TemplateSpec::default() },
            deployment_target_name: Some("local".into()),
            savepoint_location: None,
            savepoint_id: None,
            allow_non_restored_state: false,
            source_start_time_ms: None,
        },
        status: JobStatus { state, started: None, failure: None, latest_checkpoint: None },
    }
}

fn ids(list: &Value) -> Vec<&str> {
    list["items"]
        .as_array()
        .map(|items| items.iter().filter_map(|i| i["metadata"]["id"].as_str()).collect())
        .unwrap_or_default()
}

#[tokio::test]
async fn jobs_are_listed_newest_first_and_filtered_by_deployment() {
    let console = console().await;
    let (status, empty) = console.get(JOBS).await;
    assert_eq!(status, StatusCode::OK, "{empty}");
    assert_eq!(empty, serde_json::json!({"apiVersion": "v1", "kind": "JobList", "metadata": {}, "items": []}));

    let deployments = deployment_ids(&console).await;
    let store = &console.store;
    let old = job(&deployments[0], "2024-05-01T10:00:00Z", JobState::Terminated);
    let other = job(&deployments[1], "2024-05-01T10:30:00Z", JobState::Started);
    let new = job(&deployments[0], "2024-05-01T11:00:00Z", JobState::Started);
    for job in [&old, &new, &other] {
        store.insert_job(job).await.expect("insert");
    }
    let (_, all) = console.get(JOBS).await;
    assert_eq!(ids(&all), [&new.metadata.id, &other.metadata.id, &old.metadata.id]);
    assert_eq!(all["items"][0], serde_json::to_value(&new).expect("JSON"));
    let (status, of_first) = console.get(&format!("{JOBS}?deploymentId={}", deployments[0])).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(ids(&of_first), [&new.metadata.id, &old.metadata.id]);
    let (_, none) = console.get(&format!("{JOBS}?deploymentId={UNKNOWN_ID}")).await;
    assert_eq!(ids(&none), Vec::<&str>::new());
}

#[tokio::test]
async fn one_job_is_served_as_json_or_yaml() {
    let console = console().await;
    let deployments = deployment_ids(&console).await;
    let job = job(&deployments[0], "2024-05-01T10:00:00Z", JobState::Starting);
    console.store.insert_job(&job).await.expect("insert");
    let uri = format!("{JOBS}/{}", job.metadata.id);
    let (status, json) = console.get(&uri).await;
    assert_eq!(status, StatusCode::OK, "{json}");
    assert_eq!(json["kind"], "Job");
    assert_eq!(json["status"]["state"], "STARTING");
    assert_eq!(json["spec"]["parallelism"], 1, "the template's spec sits in the job's spec, as in VVP");
    let yaml = console.send("GET", &uri, &[("accept", "application/yaml")], Body::empty()).await;
    assert_eq!(yaml.content_type, "application/yaml");
    let parsed: Value = serde_yaml_ng::from_str(&yaml.body).expect("YAML");
    assert_eq!(parsed, json);
}

#[tokio::test]
async fn job_ids_must_be_known_uuids() {
    let console = console().await;
    let (status, body) = console.get(&format!("{JOBS}/not-a-uuid")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["message"], "jobId \"not-a-uuid\" is not a UUID");
    let (status, body) = console.get(&format!("{JOBS}/{UNKNOWN_ID}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert_eq!(body["message"], format!("job {UNKNOWN_ID} was not found"));
    let (status, body) = console.get(&format!("{JOBS}?deploymentId=orders")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["reason"], "BadRequest");
    assert_eq!(body["message"], "deploymentId \"orders\" is not a UUID");
}

#[tokio::test]
async fn a_job_is_looked_up_only_in_its_namespace() {
    let console = console().await;
    let deployments = deployment_ids(&console).await;
    let job = job(&deployments[0], "2024-05-01T10:00:00Z", JobState::Started);
    let store = &console.store;
    store.insert_job(&job).await.expect("insert");
    store.ensure_namespace(&NamespaceName::parse("other").expect("name")).await.expect("namespace");
    let (status, _) = console.get(&format!("/api/v1/namespaces/other/jobs/{}", job.metadata.id)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, body) = console.get("/api/v1/namespaces/elsewhere/jobs").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["message"], "namespace elsewhere was not found");
}
