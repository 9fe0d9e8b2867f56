//! Alibaba Cloud's own Python SDK for Realtime Compute (`alibabacloud_ververica20220718`,
//! unchanged) against the console over a real socket: `alibaba_sdk.py` creates, reads, lists,
//! updates and starts a JAR deployment, then reads and stops its job, reads and deletes a
//! savepoint, reads events and targets, reads and changes the Autopilot policy, runs a scheduled
//! plan's life (create, list, apply, read applied, stop, history, delete), and deletes the deployment, checking
//! the SDK's parsed models and its exceptions. Between the phases this test writes the job the
//! engine would write (this console has no engine running). Skipped without
//! `CONSOLE_TEST_CLIENTS_PYTHON` (the SDK's venv, `scripts/setup.sh --with-clients`); fails then if
//! `CONSOLE_TEST_CLIENTS_REQUIRED` is set (`make test`).

use domain::{JobStarted, JobState, Role};
use serde_json::{json, Value};
use services::Caller;

use crate::jobs::{default_namespace, job};
use crate::support::{console, manifest_dir};

/// The SDK's Python, or `None` (the test is skipped) when the clients are not installed.
fn python() -> Option<String> {
    match std::env::var("CONSOLE_TEST_CLIENTS_PYTHON") {
        Ok(python) if !python.is_empty() => Some(python),
        _ if std::env::var_os("CONSOLE_TEST_CLIENTS_REQUIRED").is_some() => {
            panic!("CONSOLE_TEST_CLIENTS_REQUIRED is set but CONSOLE_TEST_CLIENTS_PYTHON is not (scripts/setup.sh --with-clients)")
        }
        _ => {
            eprintln!(
                "skipped: CONSOLE_TEST_CLIENTS_PYTHON is not set (scripts/setup.sh --with-clients installs the SDK)"
            );
            None
        }
    }
}

/// Runs one phase of the script; its last line of output, as JSON.
async fn phase(python: &str, args: &[&str]) -> Value {
    let script = format!("{}/tests/api/alibaba_sdk.py", manifest_dir());
    let output = tokio::process::Command::new(python)
        .arg(&script)
        .args(args)
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .output()
        .await
        .expect("the SDK's Python runs");
    let (stdout, stderr) = (String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert!(output.status.success(), "phase {args:?} failed:\n{stdout}\n{stderr}");
    let last = stdout.lines().last().unwrap_or_default();
    serde_json::from_str(last).unwrap_or_else(|_| panic!("phase {args:?} printed no JSON:\n{stdout}\n{stderr}"))
}

#[tokio::test]
async fn alibabas_unchanged_sdk_creates_starts_stops_and_deletes_a_deployment() {
    let Some(python) = python() else { return };
    let console = console().await;
    let (admin, _) = console.store.user_by_name("admin").await.expect("read").expect("the admin");
    let (_, secret) = console
        .state
        .services
        .create_api_token(&Caller::User(admin), &default_namespace(), "notebook", Role::Editor, None)
        .await
        .expect("a token");
    let token = secret.expose().to_owned();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a port");
    let port = listener.local_addr().expect("its address").port().to_string();
    let app = server::router(console.state.clone());
    let serving = tokio::spawn(async move { axum::serve(listener, app).await });

    let jar = console.jar("counter.jar");
    let created = phase(&python, &[&port, &token, "create", &jar]).await;
    let deployment = created["deploymentId"].as_str().expect("the deployment's id").to_owned();
    let job_id = created["jobId"].as_str().expect("the job's id").to_owned();

    // What the engine would write: the job under the id the start answered, running in Flink.
    let mut running = job(&deployment, &storage::now_rfc3339(), JobState::Started);
    running.metadata.id = job_id.clone();
    running.status.started = Some(JobStarted {
        flink_job_id: "0123456789abcdef0123456789abcdef".into(),
        started_at: storage::now_rfc3339(),
        last_update_time: None,
        observed_flink_job_status: Some("RUNNING".into()),
        observed_flink_job_restarts: Some(0),
    });
    console.store.insert_job(&running).await.expect("the job");
    let reply = console
        .send_json(
            "POST",
            "/api/v1/namespaces/default/savepoints",
            &json!({"metadata": {"deploymentId": deployment}, "spec": {"savepointLocation": "file:///savepoints/sdk-1"}}),
        )
        .await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    let savepoint = reply.json()["metadata"]["id"].as_str().expect("an id").to_owned();

    let operated = phase(&python, &[&port, &token, "operate", &deployment, &job_id, &savepoint]).await;
    assert_eq!(operated, json!({"ok": true}), "the SDK saw every operation answer as its models expect");
    serving.abort();
}
