//! Issue 17's SQL test, end to end through a real console process on the real local Flink cluster:
//! through `/sql/v1beta1` create a source and a sink table, validate an INSERT, deploy it as
//! jupyter-vvp does (a SQLSCRIPT deployment holding only the INSERT: the tables come from the
//! namespace's catalog), see it RUNNING on Flink, restart the console on the same data directory,
//! and `SHOW TABLES` still lists both. An invalid statement gives its line and column. Suspended, the
//! deployment's savepoint checks FULLY_COMPATIBLE: the check builds its graph with the catalog too.
//!
//! Needs FLINK_REST_URL, CONSOLE_JOBS_DIR (with `sql-service.jar` and `sql-runner.jar`) and
//! FLINK_HOME; skips without them unless CONSOLE_TEST_SQL_REQUIRED is set (`make test` sets all).

mod real_console;

use std::time::Duration;

use real_console::{free_port, get, signed_in, status as deployment_state, until, Console};
use serde_json::{json, Value};

fn configured() -> bool {
    let present =
        ["FLINK_REST_URL", "CONSOLE_JOBS_DIR", "FLINK_HOME"].iter().all(|name| std::env::var_os(name).is_some());
    if !present && std::env::var_os("CONSOLE_TEST_SQL_REQUIRED").is_some() {
        panic!("CONSOLE_TEST_SQL_REQUIRED is set but FLINK_REST_URL, CONSOLE_JOBS_DIR or FLINK_HOME is not: run through `make test`");
    }
    if !present {
        eprintln!("skipped: FLINK_REST_URL, CONSOLE_JOBS_DIR and FLINK_HOME are not all set");
    }
    present
}

async fn post(http: &reqwest::Client, url: &str, body: Value) -> (u16, Value) {
    let reply = http.post(url).json(&body).send().await.expect("the console answers");
    let status = reply.status().as_u16();
    (status, reply.json().await.unwrap_or(Value::Null))
}

async fn tables(http: &reqwest::Client, sql: &str) -> Vec<String> {
    let (status, body) = post(http, &format!("{sql}:execute"), json!({"statement": "SHOW TABLES"})).await;
    assert_eq!(status, 200, "{body}");
    body["resultTable"]["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .filter_map(|row| row["cells"][0]["value"].as_str().map(str::to_owned))
        .collect()
}

#[tokio::test]
async fn a_sql_insert_runs_with_the_namespaces_catalog_which_outlives_a_restart() {
    if !configured() {
        return;
    }
    let data = tempfile::tempdir().expect("a data directory");
    let port = free_port();
    let console = Console::start(data.path(), port);
    let http = signed_in(port).await;
    let root = format!("http://127.0.0.1:{port}");
    let sql = format!("{root}/sql/v1beta1/namespaces/default/sqlscripts");

    for ddl in [
        "CREATE TABLE sql_src (k INT, v STRING) WITH ('connector' = 'datagen', 'rows-per-second' = '5')",
        "CREATE TABLE sql_snk (k INT, v STRING) WITH ('connector' = 'blackhole')",
    ] {
        let (status, body) = post(&http, &format!("{sql}%3Aexecute"), json!({ "statement": ddl })).await;
        assert_eq!(status, 200, "{ddl}: {body}");
        assert_eq!(body["result"], "RESULT_SUCCESS", "{body}");
    }
    let insert = "INSERT INTO sql_snk SELECT k, v FROM sql_src";
    let (status, body) = post(&http, &format!("{sql}:validate"), json!({ "statement": insert })).await;
    assert_eq!((status, body.clone()), (200, json!({"validationResult": "VALIDATION_RESULT_VALID_INSERT_QUERY"})));
    let (status, body) =
        post(&http, &format!("{sql}:validate"), json!({"statement": "INSERT INTO sql_snk\nSELECT k, w FROM sql_src"}))
            .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["validationResult"], "VALIDATION_RESULT_INVALID_QUERY", "{body}");
    assert_eq!(
        (body["errorDetails"]["lineNumber"].as_u64(), body["errorDetails"]["columnNumber"].as_u64()),
        (Some(2), Some(11))
    );

    // As jupyter-vvp deploys an INSERT: the script holds the INSERT alone.
    let deployment = json!({
        "metadata": {"name": "sql-insert"},
        "spec": {"state": "RUNNING", "deploymentTargetName": "local",
                 "template": {"spec": {"artifact": {"kind": "SQLSCRIPT", "sqlScript": insert}}}}
    });
    let (status, created) = post(&http, &format!("{}/deployments", console.base), deployment).await;
    assert!((200..300).contains(&status), "{status}: {created}");
    let id = created["metadata"]["id"].as_str().expect("an id").to_owned();
    let state = until("the INSERT to run", Duration::from_secs(180), async || {
        let state = deployment_state(&http, &console.base, &id).await?;
        (state == "RUNNING" || state == "FAILED").then_some(state)
    })
    .await;
    let deployment = get(&http, &format!("{}/deployments/{id}", console.base)).await.unwrap_or_default();
    assert_eq!(state, "RUNNING", "{deployment}");
    let flink = std::env::var("FLINK_REST_URL").expect("FLINK_REST_URL");
    let plain = reqwest::Client::new();
    until("Flink to run the INSERT into sql_snk", Duration::from_secs(60), async || {
        let overview = get(&plain, &format!("{flink}/jobs/overview")).await?;
        overview["jobs"]
            .as_array()?
            .iter()
            .any(|job| job["state"] == "RUNNING" && job["name"].as_str().is_some_and(|name| name.contains("sql_snk")))
            .then_some(())
    })
    .await;

    // A restart on the same data directory: the catalog is the console's, kept in its database.
    drop(console);
    let console = Console::start(data.path(), port);
    let http = signed_in(port).await;
    assert_eq!(tables(&http, &sql).await, ["sql_snk", "sql_src"]);
    assert_eq!(deployment_state(&http, &console.base, &id).await.as_deref(), Some("RUNNING"));

    // The state compatibility check builds the deployment's graph with the namespace's catalog too
    // (without it the INSERT names tables that do not exist, the graph cannot be built and the check
    // can only say UNKNOWN).
    let suspend = json!({"spec": {"state": "SUSPENDED"}});
    let reply =
        http.patch(format!("{}/deployments/{id}", console.base)).json(&suspend).send().await.expect("an answer");
    assert!(reply.status().is_success(), "{}", reply.status());
    until("the INSERT to be suspended", Duration::from_secs(120), async || {
        (deployment_state(&http, &console.base, &id).await.as_deref() == Some("SUSPENDED")).then_some(())
    })
    .await;
    let savepoints = get(&http, &format!("{}/savepoints?deploymentId={id}", console.base)).await.unwrap_or_default();
    let savepoint = savepoints["items"]
        .as_array()
        .and_then(|items| items.iter().find(|s| s["status"]["state"] == "COMPLETED"))
        .and_then(|s| s["metadata"]["id"].as_str())
        .map(str::to_owned)
        .unwrap_or_else(|| panic!("a completed savepoint of the suspend: {savepoints}"));
    let body = json!({"mode": "RESUME", "restore": {"kind": "SAVEPOINT", "savepointId": savepoint}});
    let (status, report) = post(&http, &format!("{}/deployments/{id}:check-compatibility", console.base), body).await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["compatibility"], "FULLY_COMPATIBLE", "{report}");

    let cancel = json!({"spec": {"state": "CANCELLED"}});
    let reply = http.patch(format!("{}/deployments/{id}", console.base)).json(&cancel).send().await.expect("an answer");
    assert!(reply.status().is_success(), "{}", reply.status());
    until("the INSERT to be cancelled", Duration::from_secs(120), async || {
        (deployment_state(&http, &console.base, &id).await.as_deref() == Some("CANCELLED")).then_some(())
    })
    .await;
}
