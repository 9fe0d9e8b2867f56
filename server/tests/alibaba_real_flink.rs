//! Alibaba's OpenAPI (`/api/v2`, `x-acs-bearer-token`) against a real console process on the real
//! local Flink cluster (`make test` sets FLINK_REST_URL, CONSOLE_JOBS_DIR and FLINK_HOME): a JAR
//! deployment of the example stateful counter is started with `jobs:start` NONE, stopped with
//! STOP_WITH_SAVEPOINT, started again with LATEST_STATE — and the counter continues; another
//! deployment starts FROM_SAVEPOINT with the first one's savepoint and continues its count.

mod real_console;

use std::time::Duration;

use real_console::{free_port, get, max_count, signed_in, until, Console};
use serde_json::{json, Value};

/// A counter fast enough that its largest count tells a restored job from a fresh one.
const FAST_COUNTER: &str = "--rate 2000 --keys 10";

/// Speaks `/api/v2` as Alibaba's SDK does.
struct Alibaba {
    http: reqwest::Client,
    /// `http://127.0.0.1:<port>/api/v2/namespaces/default`.
    base: String,
    token: String,
}

impl Alibaba {
    async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> (u16, Value) {
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.base))
            .header("x-acs-bearer-token", &self.token)
            .header("content-type", "application/json; charset=utf-8");
        if let Some(body) = body {
            request = request.body(body.to_string());
        }
        let reply = request.send().await.expect("the console answers");
        let status = reply.status().as_u16();
        (status, reply.json().await.unwrap_or(Value::Null))
    }

    /// A call that must succeed: its `data`.
    async fn ok(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let (status, envelope) = self.call(method.clone(), path, body).await;
        assert_eq!(status, 200, "{method} {path}: {envelope}");
        assert_eq!(envelope["success"], true, "{envelope}");
        envelope["data"].clone()
    }

    /// A JAR deployment of the example counter called `name`; its id.
    async fn counter(&self, name: &str, jar: &Value) -> String {
        let mut artifact = jar.clone();
        artifact["jarArtifact"]["mainArgs"] = json!(FAST_COUNTER);
        let body = json!({"name": name, "executionMode": "STREAMING", "artifact": artifact,
            "streamingResourceSetting": {"basicResourceSetting": {"parallelism": 1}},
            "deploymentTarget": {"name": "local"}, "localVariables": []});
        let created = self.ok(reqwest::Method::POST, "/deployments", Some(body)).await;
        created["deploymentId"].as_str().expect("an id").to_owned()
    }

    /// `jobs:start` (percent-encoded, as the SDK sends it); the job's id.
    async fn start(&self, deployment: &str, restore: Value) -> String {
        let body = json!({"deploymentId": deployment, "restoreStrategy": restore, "localVariables": []});
        let job = self.ok(reqwest::Method::POST, "/jobs%3Astart", Some(body)).await;
        assert_eq!(job["status"]["currentJobStatus"], "STARTING", "{job}");
        job["jobId"].as_str().expect("the job's id").to_owned()
    }

    /// Waits for job `id` to be in `wanted` (Alibaba's `currentJobStatus`); the job.
    async fn job_becomes(&self, id: &str, wanted: &[&str], within: Duration) -> Value {
        until(&format!("job {id} to be one of {wanted:?}"), within, async || {
            let (status, envelope) = self.call(reqwest::Method::GET, &format!("/jobs/{id}"), None).await;
            let job = envelope["data"].clone();
            (status == 200 && wanted.iter().any(|w| job["status"]["currentJobStatus"] == *w)).then_some(job)
        })
        .await
    }

    async fn stop(&self, job: &str, strategy: &str) {
        let body = json!({"stopStrategy": strategy});
        let stopped = self.ok(reqwest::Method::POST, &format!("/jobs/{job}%3Astop"), Some(body)).await;
        assert_eq!(stopped["status"]["currentJobStatus"], "CANCELLING", "{stopped}");
        self.job_becomes(job, &["CANCELLED", "FINISHED"], Duration::from_secs(90)).await;
    }
}

/// Flink's id of the console's job `id` (Alibaba's model does not carry it; `/api/v1` does).
async fn flink_job(http: &reqwest::Client, v1: &str, id: &str) -> String {
    let job = get(http, &format!("{v1}/jobs/{id}")).await.unwrap_or(Value::Null);
    job["status"]["started"]["flinkJobId"].as_str().map(str::to_owned).expect("a Flink job id")
}

/// Waits for the counter of console job `id` to reach more than `above`; the count. The gauge
/// reads 0 until a job has counted its first record, so `above: 0.0` is its first real reading:
/// a restored job's starts where its state left off, a fresh one's near 0.
async fn counted(http: &reqwest::Client, v1: &str, id: &str, above: f64) -> f64 {
    let flink = flink_job(http, v1, id).await;
    until(&format!("the counter of job {id} to pass {above}"), Duration::from_secs(90), async || {
        max_count(http, &flink).await.filter(|count| *count > above)
    })
    .await
}

#[tokio::test]
async fn a_stopped_counter_continues_with_latest_state_and_from_another_deployments_savepoint() {
    let dir = tempfile::tempdir().expect("a data dir");
    let port = free_port();
    let console = Console::start(dir.path(), port);
    let http = signed_in(port).await;
    let v1 = console.base.clone();
    let reply = http
        .post(format!("{v1}/api-tokens"))
        .json(&json!({"name": "alibaba-sdk", "role": "EDITOR"}))
        .send()
        .await
        .expect("a token");
    let token: Value = reply.json().await.expect("the token's secret");
    let api = Alibaba {
        http: reqwest::Client::new(),
        base: format!("http://127.0.0.1:{port}/api/v2/namespaces/default"),
        token: token["secret"].as_str().expect("a secret").to_owned(),
    };
    // The seeded example counter's artifact, read through Alibaba's by-name operation.
    let seeded = api.ok(reqwest::Method::GET, "/deployments/name/stateful-counter", None).await;
    let jar = seeded[0]["artifact"].clone();
    assert_eq!(jar["kind"], "JAR", "{seeded}");

    let a = api.counter("ali-counter-a", &jar).await;
    let first = api.start(&a, json!({"kind": "NONE"})).await;
    let running = api.job_becomes(&first, &["RUNNING"], Duration::from_secs(120)).await;
    assert_eq!(running["restoreStrategy"]["kind"], "NONE");
    let before = counted(&http, &v1, &first, 3000.0).await;
    api.stop(&first, "STOP_WITH_SAVEPOINT").await;
    let savepoints = api.ok(reqwest::Method::GET, &format!("/savepoints?deploymentId={a}"), None).await;
    let savepoint = savepoints
        .as_array()
        .and_then(|all| all.iter().find(|s| s["status"]["state"] == "COMPLETED" && s["jobId"] == first.as_str()))
        .cloned()
        .unwrap_or_else(|| panic!("a completed savepoint of the stopped job: {savepoints}"));
    let savepoint_id = savepoint["savepointId"].as_str().expect("an id").to_owned();

    // LATEST_STATE restores the savepoint the stop took: the counter continues.
    let second = api.start(&a, json!({"kind": "LATEST_STATE"})).await;
    let resumed = api.job_becomes(&second, &["RUNNING"], Duration::from_secs(120)).await;
    assert_eq!(resumed["restoreStrategy"]["kind"], "FROM_SAVEPOINT", "{resumed}");
    assert_eq!(resumed["restoreStrategy"]["savepointId"], savepoint_id.as_str());
    let after = counted(&http, &v1, &second, 0.0).await;
    assert!(after >= before, "the counter continued: {before} before the stop, {after} after LATEST_STATE");
    api.stop(&second, "NONE").await;

    // Another deployment starts from A's savepoint: the same program, so it counts on from A's state.
    let b = api.counter("ali-counter-b", &jar).await;
    let restore = json!({"kind": "FROM_SAVEPOINT", "savepointId": savepoint_id});
    let third = api.start(&b, restore).await;
    let from_a = api.job_becomes(&third, &["RUNNING"], Duration::from_secs(120)).await;
    assert_eq!(from_a["deploymentId"], b.as_str());
    assert_eq!(from_a["restoreStrategy"]["savepointId"], savepoint_id.as_str());
    let continued = counted(&http, &v1, &third, 0.0).await;
    assert!(continued >= before, "B continued A's count: {before} in A's savepoint, {continued} in B");
    api.stop(&third, "NONE").await;
    let jobs = api.call(reqwest::Method::GET, &format!("/jobs?deploymentId={a}"), None).await.1;
    assert_eq!(jobs["totalSize"], 2, "{jobs}");
}
