//! The Start dialog's choice and the state compatibility check through the REST API of a real
//! console process, on the real local Flink cluster (`make test` sets FLINK_REST_URL,
//! CONSOLE_JOBS_DIR and FLINK_HOME): real savepoints of the example jobs, the check's prediction,
//! then the start as confirmed and what Flink really did. Every row of the table must agree.

mod real_console;

use std::time::{Duration, Instant};

use real_console::{free_port, get, max_count, signed_in, status, until, Console};
use serde_json::{json, Value};

/// A counter fast enough that its largest count tells a restored job from a fresh one.
const FAST_COUNTER: &str = "--rate 2000 --keys 10";

struct Api {
    http: reqwest::Client,
    base: String,
}

impl Api {
    async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        let reply = self.http.post(format!("{}{path}", self.base)).json(&body).send().await.expect("POST");
        let status = reply.status().as_u16();
        (status, reply.json().await.unwrap_or(Value::Null))
    }

    async fn get(&self, path: &str) -> Value {
        get(&self.http, &format!("{}{path}", self.base)).await.unwrap_or(Value::Null)
    }

    /// A copy of a seeded deployment under `name` with its artifact, parallelism and configuration
    /// changed as given; returns its id.
    async fn deployment(&self, name: &str, seeded: &str, change: impl FnOnce(&mut Value)) -> String {
        let list = self.get("/deployments").await;
        let mut spec = list["items"]
            .as_array()
            .and_then(|items| items.iter().find(|d| d["metadata"]["name"] == seeded))
            .map(|d| d["spec"].clone())
            .expect("a seeded deployment");
        spec["state"] = json!("CANCELLED");
        change(&mut spec);
        let (status, created) = self.post("/deployments", json!({"metadata": {"name": name}, "spec": spec})).await;
        assert_eq!(status, 201, "{name}: {created}");
        created["metadata"]["id"].as_str().expect("an id").to_owned()
    }

    async fn settled(&self, id: &str, states: &[&str], within: Duration) -> String {
        until(&format!("deployment {id} to be one of {states:?}"), within, async || {
            let state = status(&self.http, &self.base, id).await?;
            states.contains(&state.as_str()).then_some(state)
        })
        .await
    }

    async fn suspend(&self, id: &str) -> String {
        let reply = self
            .http
            .patch(format!("{}/deployments/{id}", self.base))
            .json(&json!({"spec": {"state": "SUSPENDED"}}))
            .send()
            .await
            .expect("PATCH");
        assert!(reply.status().is_success());
        self.settled(id, &["SUSPENDED"], Duration::from_secs(90)).await;
        let savepoints = self.get(&format!("/savepoints?deploymentId={id}")).await;
        savepoints["items"]
            .as_array()
            .and_then(|items| {
                items.iter().find(|s| s["metadata"]["origin"] == "SUSPEND" && s["status"]["state"] == "COMPLETED")
            })
            .and_then(|s| s["metadata"]["id"].as_str())
            .map(str::to_owned)
            .expect("a completed SUSPEND savepoint")
    }

    async fn cancel(&self, id: &str) {
        let _ = self
            .http
            .patch(format!("{}/deployments/{id}", self.base))
            .json(&json!({"spec": {"state": "CANCELLED"}}))
            .send()
            .await;
    }

    /// The Flink job id of the deployment's newest job.
    async fn flink_job(&self, id: &str) -> Option<String> {
        let jobs = self.get(&format!("/jobs?deploymentId={id}")).await;
        jobs["items"][0]["status"]["started"]["flinkJobId"].as_str().map(str::to_owned)
    }
}

/// What the check predicted and what Flink did with the start.
struct Row {
    scenario: &'static str,
    predicted: String,
    flink: String,
    agrees: bool,
}

/// Starts `id` from `savepoint` (confirming whatever the check said) and reports whether Flink ran
/// the job (RUNNING) or refused the restore (the deployment FAILED with Flink's reason).
async fn start_and_observe(api: &Api, id: &str, savepoint: &str, allow: bool) -> (bool, String) {
    let body = json!({"mode": "RESUME", "restore": {"kind": "SAVEPOINT", "savepointId": savepoint},
                      "allowNonRestoredState": allow, "confirmIncompatible": true});
    let (status, accepted) = api.post(&format!("/deployments/{id}:start"), body).await;
    assert_eq!(status, 200, "{accepted}");
    let state = api.settled(id, &["RUNNING", "FAILED"], Duration::from_secs(120)).await;
    let deployment = api.get(&format!("/deployments/{id}")).await;
    let why = deployment["status"]["failure"]["message"].as_str().unwrap_or_default().to_owned();
    match state.as_str() {
        "RUNNING" => (true, "RUNNING".into()),
        // The whole reason, for the row's check; the table shows its deepest cause.
        _ => (false, format!("refused: {}", root_cause(&why))),
    }
}

/// The deepest "Caused by" of a Flink error, without its exception class, and with a savepoint's
/// path shortened (the table stays readable; what matters is Flink's words).
fn root_cause(text: &str) -> String {
    let deepest = text.lines().rfind(|l| l.starts_with("Caused by:")).or_else(|| text.lines().next());
    let line = deepest.unwrap_or_default().trim_start_matches("Caused by: ");
    let message = line.split_once(": ").map_or(line, |(_, message)| message);
    let words: Vec<&str> =
        message.split(' ').map(|word| if word.starts_with("file:") { "<savepoint>" } else { word }).collect();
    words.join(" ").chars().take(160).collect()
}

async fn check(api: &Api, id: &str, savepoint: &str, allow: bool) -> Value {
    let body = json!({"mode": "RESUME", "restore": {"kind": "SAVEPOINT", "savepointId": savepoint},
                      "allowNonRestoredState": allow});
    let (status, report) = api.post(&format!("/deployments/{id}:check-compatibility"), body).await;
    assert_eq!(status, 200, "{report}");
    report
}

#[tokio::test]
async fn the_checks_prediction_agrees_with_what_flink_does_on_the_start() {
    let dir = tempfile::tempdir().expect("a data dir");
    let port = free_port();
    let console = Console::start(dir.path(), port);
    let http = signed_in(port).await;
    let api = Api { http: http.clone(), base: console.base.clone() };
    until("the console", Duration::from_secs(60), async || api.get("/deployments").await["items"].as_array().cloned())
        .await;
    let mut table: Vec<Row> = Vec::new();
    // A session cluster of its own whose configuration sets `pipeline.max-parallelism: 64`: a job
    // submitted there runs under it. Started now; used after A's savepoint is taken.
    let flink_home = std::env::var("FLINK_HOME").expect("FLINK_HOME is not set: run through `make test`");
    let narrow = flink::local::LocalCluster::new(flink::local::LocalClusterConfig {
        flink_home: flink_home.into(),
        work_dir: dir.path().join("narrow-flink"),
        rest_port: free_port(),
        rpc_port: free_port(),
        task_slots: 2,
        adaptive_scheduler: false,
        extra_settings: [("pipeline.max-parallelism".to_owned(), "64".to_owned())].into(),
    })
    .expect("a second local cluster");
    let narrow_started = tokio::spawn({
        let narrow = narrow.clone();
        async move { narrow.start().await }
    });

    // A: the stateful counter, run for a while and suspended with a savepoint.
    let a = api
        .deployment("compat-a", "stateful-counter", |s| {
            s["template"]["spec"]["artifact"]["mainArgs"] = json!(FAST_COUNTER)
        })
        .await;
    let (status, accepted) = api.post(&format!("/deployments/{a}:start"), json!({"mode": "INITIAL"})).await;
    assert_eq!(status, 200, "{accepted}");
    api.settled(&a, &["RUNNING"], Duration::from_secs(90)).await;
    let a_job = api.flink_job(&a).await.expect("a's job");
    let before = until("the counter to count", Duration::from_secs(60), async || {
        max_count(&http, &a_job).await.filter(|count| *count >= 500.0)
    })
    .await;
    let savepoint = api.suspend(&a).await;

    // Unchanged: fully compatible, and the counter continues from where it stopped.
    let report = check(&api, &a, &savepoint, false).await;
    let (ran, flink) = start_and_observe(&api, &a, &savepoint, false).await;
    let resumed_job = api.flink_job(&a).await.expect("the resumed job");
    // The gauge reads 0 until the restored job has counted its first record.
    let after = until("the resumed counter", Duration::from_secs(60), async || {
        max_count(&http, &resumed_job).await.filter(|count| *count > 0.0)
    })
    .await;
    assert!(after >= before, "the counter continued: {before} before the suspend, {after} after the resume");
    table.push(Row {
        scenario: "counter unchanged",
        predicted: report["compatibility"].as_str().unwrap_or_default().into(),
        flink: format!("{flink}, counter {before} → {after}"),
        agrees: report["compatibility"] == "FULLY_COMPATIBLE" && ran,
    });
    api.cancel(&a).await;

    // Deployment B starts from A's savepoint: the same job, so its counter continues from A's.
    let b = api
        .deployment("compat-b", "stateful-counter", |s| {
            s["template"]["spec"]["artifact"]["mainArgs"] = json!(FAST_COUNTER)
        })
        .await;
    let report = check(&api, &b, &savepoint, false).await;
    let (ran, flink) = start_and_observe(&api, &b, &savepoint, false).await;
    let b_job = api.flink_job(&b).await.expect("b's job");
    let b_count = until("b's counter", Duration::from_secs(60), async || {
        max_count(&http, &b_job).await.filter(|count| *count > 0.0)
    })
    .await;
    assert!(b_count >= before, "B continued A's counter: {before} in A, {b_count} in B");
    table.push(Row {
        scenario: "deployment B from A's savepoint",
        predicted: report["compatibility"].as_str().unwrap_or_default().into(),
        flink: format!("{flink}, counter {before} → {b_count}"),
        agrees: report["compatibility"] == "FULLY_COMPATIBLE" && ran,
    });
    api.cancel(&b).await;

    // Changed operator uids: incompatible; Flink refuses without allowNonRestoredState.
    let uid = |name: &'static str| {
        let api = &api;
        async move {
            api.deployment(name, "stateful-counter", |s| {
                s["template"]["spec"]["artifact"]["mainArgs"] = json!(format!("{FAST_COUNTER} --uid-suffix _v2"))
            })
            .await
        }
    };
    let changed = uid("compat-uid").await;
    let report = check(&api, &changed, &savepoint, false).await;
    let (ran, flink) = start_and_observe(&api, &changed, &savepoint, false).await;
    table.push(Row {
        scenario: "--uid-suffix _v2",
        predicted: report["compatibility"].as_str().unwrap_or_default().into(),
        agrees: report["compatibility"] == "INCOMPATIBLE" && !ran && flink.contains("Cannot map"),
        flink,
    });
    api.cancel(&changed).await;

    // The same with allowNonRestoredState: partially compatible, and it runs.
    let allowed = uid("compat-uid-allowed").await;
    let report = check(&api, &allowed, &savepoint, true).await;
    let (ran, flink) = start_and_observe(&api, &allowed, &savepoint, true).await;
    table.push(Row {
        scenario: "--uid-suffix _v2, allow non-restored state",
        predicted: report["compatibility"].as_str().unwrap_or_default().into(),
        agrees: report["compatibility"] == "PARTIALLY_COMPATIBLE" && ran,
        flink,
    });
    api.cancel(&allowed).await;

    // Parallelism above the state's max parallelism (128).
    let wide = api
        .deployment("compat-wide", "stateful-counter", |s| {
            s["template"]["spec"]["artifact"]["mainArgs"] = json!(FAST_COUNTER);
            s["template"]["spec"]["parallelism"] = json!(200);
        })
        .await;
    let report = check(&api, &wide, &savepoint, false).await;
    let (ran, flink) = start_and_observe(&api, &wide, &savepoint, false).await;
    table.push(Row {
        scenario: "parallelism 200 (max parallelism 128)",
        predicted: report["compatibility"].as_str().unwrap_or_default().into(),
        agrees: report["compatibility"] == "INCOMPATIBLE" && !ran,
        flink,
    });
    api.cancel(&wide).await;

    // The same job on a session cluster configured with another max parallelism (64): the check
    // reads the cluster's configuration, as Flink runs the job under it.
    narrow_started.await.expect("the task ends").expect("the second cluster starts");
    let network = json!({"allowedSessionClusterHosts": ["127.0.0.0/8"]});
    let origin = console.base.trim_end_matches("/api/v1/namespaces/default");
    let reply = http.put(format!("{origin}/api/v1/settings/network")).json(&network).send().await.expect("PUT");
    assert!(reply.status().is_success(), "loopback allowed for the second cluster");
    let target = json!({"metadata": {"name": "narrow"}, "spec": {"flinkSession": {"url": narrow.config().rest_url()}}});
    let (status, registered) = api.post("/deployment-targets", target).await;
    assert_eq!(status, 201, "{registered}");
    let elsewhere = api
        .deployment("compat-narrow", "stateful-counter", |s| {
            s["template"]["spec"]["artifact"]["mainArgs"] = json!(FAST_COUNTER);
            s["deploymentTargetName"] = json!("narrow");
        })
        .await;
    let report = check(&api, &elsewhere, &savepoint, false).await;
    let (ran, flink) = start_and_observe(&api, &elsewhere, &savepoint, false).await;
    table.push(Row {
        scenario: "a session cluster with pipeline.max-parallelism: 64",
        predicted: report["compatibility"].as_str().unwrap_or_default().into(),
        agrees: report["compatibility"] == "INCOMPATIBLE" && !ran,
        flink,
    });
    api.cancel(&elsewhere).await;
    narrow.stop().await;

    // SQL: a count per key, suspended; then the script's aggregation changes.
    let script = |aggregate: &str| {
        format!(
            "CREATE TEMPORARY TABLE src (k INT, v BIGINT) WITH ('connector' = 'datagen', 'rows-per-second' = '200', \
             'fields.k.min' = '1', 'fields.k.max' = '10');\n\
             CREATE TEMPORARY TABLE sink (k INT, c BIGINT) WITH ('connector' = 'blackhole');\n\
             INSERT INTO sink SELECT k, {aggregate} FROM src GROUP BY k;"
        )
    };
    let sql = api
        .deployment("compat-sql", "orders-sql", |s| {
            s["template"]["spec"]["artifact"]["sqlScript"] = json!(script("COUNT(*)"))
        })
        .await;
    let (status, accepted) = api.post(&format!("/deployments/{sql}:start"), json!({"mode": "INITIAL"})).await;
    assert_eq!(status, 200, "{accepted}");
    api.settled(&sql, &["RUNNING"], Duration::from_secs(90)).await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    let sql_savepoint = api.suspend(&sql).await;
    let summed = api
        .deployment("compat-sql-sum", "orders-sql", |s| {
            s["template"]["spec"]["artifact"]["sqlScript"] = json!(script("SUM(v)"))
        })
        .await;
    let report = check(&api, &summed, &sql_savepoint, false).await;
    let (ran, flink) = start_and_observe(&api, &summed, &sql_savepoint, false).await;
    table.push(Row {
        scenario: "SQL COUNT(*) → SUM(v)",
        predicted: report["compatibility"].as_str().unwrap_or_default().into(),
        agrees: report["compatibility"] == "INCOMPATIBLE" && !ran,
        flink,
    });
    api.cancel(&summed).await;

    // The check's latency on the example job (warm helper), through the API.
    let mut took = Vec::new();
    for _ in 0..7 {
        let started = Instant::now();
        check(&api, &a, &savepoint, false).await;
        took.push(started.elapsed().as_millis());
    }
    took.sort_unstable();

    eprintln!("\n| scenario | predicted | Flink |\n|---|---|---|");
    for row in &table {
        eprintln!("| {} | {} | {} |{}", row.scenario, row.predicted, row.flink, if row.agrees { "" } else { " ✗" });
    }
    eprintln!("check through the API, counter job, warm: p50 {} ms (of {took:?})", took[took.len() / 2]);
    let wrong: Vec<&str> = table.iter().filter(|r| !r.agrees).map(|r| r.scenario).collect();
    assert!(wrong.is_empty(), "prediction and Flink disagree on {wrong:?}");
}
