//! The real console, killed with SIGKILL while it suspends or upgrades a deployment on the real
//! local Flink cluster (FLINK_REST_URL and CONSOLE_JOBS_DIR, set by `make test`), then started
//! again on the same database: it converges, with the savepoint recorded and never two jobs.
//! (`crates/engine/tests/crash.rs` kills at every step precisely, in process; this is the real thing
//! at a spread of moments.)

mod real_console;

use std::path::Path;
use std::time::Duration;

use real_console::{free_port, get, signed_in, status, until, Console};
use serde_json::{json, Value};

async fn patch(http: &reqwest::Client, url: &str, body: Value) {
    let reply = http.patch(url).json(&body).send().await.expect("PATCH");
    assert!(reply.status().is_success(), "PATCH {url}: {}", reply.text().await.unwrap_or_default());
}

/// How Flink sees each of the deployment's jobs: (flink job id, state).
async fn flink_states(http: &reqwest::Client, console: &str, id: &str) -> Vec<(String, String)> {
    let flink = std::env::var("FLINK_REST_URL").expect("FLINK_REST_URL");
    let jobs = get(http, &format!("{console}/jobs?deploymentId={id}")).await.expect("jobs");
    let mut states = Vec::new();
    for job in jobs["items"].as_array().expect("items") {
        let Some(flink_id) = job["status"]["started"]["flinkJobId"].as_str() else { continue };
        let state = get(http, &format!("{flink}/jobs/{flink_id}/status")).await;
        let state = state.and_then(|s| s["status"].as_str().map(str::to_owned)).unwrap_or_else(|| "UNKNOWN".into());
        states.push((flink_id.to_owned(), state));
    }
    states
}

async fn running_in_flink(http: &reqwest::Client, console: &str, id: &str) -> usize {
    flink_states(http, console, id)
        .await
        .iter()
        .filter(|(_, s)| !matches!(s.as_str(), "FINISHED" | "CANCELED" | "FAILED" | "UNKNOWN"))
        .count()
}

/// Starts a console, signs in, creates a copy of the stateful counter and runs it.
async fn running_counter(dir: &Path, port: u16) -> (Console, reqwest::Client, String) {
    let console = Console::start(dir, port);
    let http = &signed_in(port).await;
    let base = console.base.clone();
    let list =
        until("the console", Duration::from_secs(60), async || get(http, &format!("{base}/deployments")).await).await;
    let seeded = list["items"]
        .as_array()
        .and_then(|items| items.iter().find(|d| d["metadata"]["name"] == "stateful-counter"))
        .expect("the seeded counter")
        .clone();
    let mut spec = seeded["spec"].clone();
    spec["state"] = json!("RUNNING");
    spec["template"]["spec"]["artifact"]["mainArgs"] = json!("--rate 200 --keys 10 --checkpoint-interval 500");
    let created = http
        .post(format!("{base}/deployments"))
        .json(&json!({"metadata": {"name": "killed"}, "spec": spec}))
        .send()
        .await
        .expect("POST");
    assert_eq!(created.status(), 201);
    let id = created.json::<Value>().await.expect("json")["metadata"]["id"].as_str().expect("id").to_owned();
    until("RUNNING", Duration::from_secs(60), async || (status(http, &base, &id).await? == "RUNNING").then_some(()))
        .await;
    // Let the job's tasks run and checkpoint once, so a savepoint can be taken at once.
    tokio::time::sleep(Duration::from_secs(2)).await;
    (console, http.clone(), id)
}

const KILL_AFTER_MS: [u64; 5] = [0, 40, 120, 300, 700];

#[tokio::test]
async fn a_console_killed_while_suspending_converges_with_the_savepoint_after_a_restart() {
    for delay in KILL_AFTER_MS {
        let dir = tempfile::tempdir().expect("a data dir");
        let port = free_port();
        let (console, http, id) = running_counter(dir.path(), port).await;
        let base = console.base.clone();
        patch(&http, &format!("{base}/deployments/{id}"), json!({"spec": {"state": "SUSPENDED"}})).await;
        tokio::time::sleep(Duration::from_millis(delay)).await;
        console.kill();

        let restarted = Console::start(dir.path(), port);
        let base = restarted.base.clone();
        until(&format!("SUSPENDED after a kill at {delay} ms"), Duration::from_secs(60), async || {
            (status(&http, &base, &id).await? == "SUSPENDED").then_some(())
        })
        .await;
        assert_eq!(running_in_flink(&http, &base, &id).await, 0, "killed at {delay} ms: nothing runs");
        let savepoints = get(&http, &format!("{base}/savepoints?deploymentId={id}")).await.expect("savepoints");
        let suspend: Vec<&Value> = savepoints["items"]
            .as_array()
            .expect("items")
            .iter()
            .filter(|s| s["metadata"]["origin"] == "SUSPEND" && s["status"]["state"] == "COMPLETED")
            .collect();
        assert_eq!(suspend.len(), 1, "killed at {delay} ms: one completed SUSPEND savepoint: {savepoints}");
        let location = suspend[0]["spec"]["savepointLocation"].as_str().expect("a location");
        assert!(Path::new(location.trim_start_matches("file:")).join("_metadata").exists(), "{location} exists");
        let states = flink_states(&http, &base, &id).await;
        assert!(
            states.iter().all(|(_, s)| s == "FINISHED"),
            "killed at {delay} ms: stopped with a savepoint, never cancelled: {states:?}"
        );
    }
}

#[tokio::test]
async fn a_console_killed_during_a_stateful_upgrade_converges_on_one_job_from_the_upgrade_savepoint() {
    for delay in KILL_AFTER_MS {
        let dir = tempfile::tempdir().expect("a data dir");
        let port = free_port();
        let (console, http, id) = running_counter(dir.path(), port).await;
        let base = console.base.clone();
        patch(&http, &format!("{base}/deployments/{id}"), json!({"spec": {"template": {"spec": {"parallelism": 2}}}}))
            .await;
        tokio::time::sleep(Duration::from_millis(delay)).await;
        console.kill();

        let restarted = Console::start(dir.path(), port);
        let base = restarted.base.clone();
        let job =
            until(&format!("a RUNNING upgrade after a kill at {delay} ms"), Duration::from_secs(60), async || {
                if status(&http, &base, &id).await? != "RUNNING" {
                    return None;
                }
                let jobs = get(&http, &format!("{base}/jobs?deploymentId={id}")).await?;
                let newest = jobs["items"].as_array()?.first()?.clone();
                (newest["spec"]["parallelism"] == 2).then_some(newest)
            })
            .await;
        assert_eq!(running_in_flink(&http, &base, &id).await, 1, "killed at {delay} ms: exactly one job runs");
        let savepoints = get(&http, &format!("{base}/savepoints?deploymentId={id}")).await.expect("savepoints");
        let upgrade: Vec<&Value> = savepoints["items"]
            .as_array()
            .expect("items")
            .iter()
            .filter(|s| s["metadata"]["origin"] == "SUSPEND_AND_UPGRADE" && s["status"]["state"] == "COMPLETED")
            .collect();
        assert_eq!(upgrade.len(), 1, "killed at {delay} ms: {savepoints}");
        assert_eq!(job["spec"]["savepointLocation"], upgrade[0]["spec"]["savepointLocation"], "killed at {delay} ms");
        // Clean up: the 4-slot cluster is shared with the other tests.
        patch(&http, &format!("{base}/deployments/{id}"), json!({"spec": {"state": "CANCELLED"}})).await;
        until("CANCELLED", Duration::from_secs(30), async || {
            (status(&http, &base, &id).await? == "CANCELLED").then_some(())
        })
        .await;
    }
}
