//! The SQL family (`/sql/v1beta1/namespaces/{ns}/sqlscripts:validate|execute|suggest`): routes in
//! both spellings of `:`, limits, permissions, and — with Flink's real parser and planner (the
//! helper JVM on `FLINK_HOME`, built into `CONSOLE_JOBS_DIR`) — what Flink makes of statements, the
//! catalog kept across a restart, and statements that would read the console's files never run.
//!
//! The real-helper tests skip without `FLINK_HOME` and `CONSOLE_JOBS_DIR` unless
//! `CONSOLE_TEST_SQL_REQUIRED` is set (the test command sets all three), then they fail.

use std::path::PathBuf;

use axum::http::StatusCode;
use serde_json::{json, Value};

use crate::support::{console, Console, Reply};

const SQL: &str = "/sql/v1beta1/namespaces/default/sqlscripts";

/// The real helper's configuration, or `None` (the test skips) when the environment has no Flink.
fn real_helper(work: &std::path::Path) -> Option<flinksql::SqlHelper> {
    let (Some(flink_home), Some(jobs)) = (std::env::var_os("FLINK_HOME"), std::env::var_os("CONSOLE_JOBS_DIR")) else {
        if std::env::var_os("CONSOLE_TEST_SQL_REQUIRED").is_some() {
            panic!(
                "CONSOLE_TEST_SQL_REQUIRED is set but FLINK_HOME or CONSOLE_JOBS_DIR is not: run through `make test`"
            );
        }
        eprintln!("skipped: FLINK_HOME and CONSOLE_JOBS_DIR are not set (the SQL helper needs a Flink distribution)");
        return None;
    };
    let jar = PathBuf::from(jobs).join("sql-service.jar");
    Some(flinksql::SqlHelper::new(flinksql::SqlHelper::config(flink_home, jar, work.join("sql"))))
}

/// A console answering SQL with `helper`.
async fn console_with(helper: flinksql::SqlHelper) -> Console {
    let mut console = console().await;
    console.state.services = console.state.services.clone().with_sql_helper(helper);
    console
}

async fn post(console: &Console, method: &str, body: Value) -> Reply {
    console.send_json("POST", &format!("{SQL}:{method}"), &body).await
}

async fn execute(console: &Console, statement: &str) -> Reply {
    post(console, "execute", json!({ "statement": statement })).await
}

async fn validate(console: &Console, statement: &str) -> Value {
    let reply = post(console, "validate", json!({ "statement": statement })).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    reply.json()
}

async fn tables(console: &Console) -> Vec<String> {
    let reply = execute(console, "SHOW TABLES").await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let body = reply.json();
    assert_eq!(body["resultTable"]["headers"], json!([{"name": "table name"}]), "{body}");
    body["resultTable"]["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|row| row["cells"][0]["value"].as_str().unwrap_or_default().to_owned())
        .collect()
}

const DDL_ANSWER: &str = r#"{"ok":true,"validationResult":"VALIDATION_RESULT_VALID_DDL_STATEMENT","result":"RESULT_SUCCESS","resultTable":{"headers":[{"name":"result"}],"rows":[{"cells":[{"value":"OK"}]}]},"catalog":["CREATE TABLE `default_catalog`.`default_database`.`src` (\n  `k` INT\n)"]}"#;

#[tokio::test]
async fn without_flink_the_sql_family_says_it_is_unavailable() {
    let console = console().await;
    let reply = post(&console, "validate", json!({"statement": "SHOW TABLES"})).await;
    assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE, "{}", reply.body);
    assert_eq!(reply.json()["reason"], "ServiceUnavailable");
    assert!(reply.json()["message"].as_str().is_some_and(|m| m.contains("FLINK_HOME")), "{}", reply.body);
}

#[tokio::test]
async fn both_spellings_of_the_custom_method_reach_it_and_others_are_404() {
    let dir = tempfile::tempdir().expect("a directory");
    let answer = r#"{"ok":true,"validationResult":"VALIDATION_RESULT_VALID_COMMAND_STATEMENT"}"#;
    let console = console_with(flinksql::testing::scripted(dir.path(), answer).expect("a helper")).await;
    for uri in [format!("{SQL}:validate"), format!("{SQL}%3Avalidate"), format!("{SQL}%3avalidate")] {
        let reply = console.send_json("POST", &uri, &json!({"statement": "SHOW TABLES"})).await;
        assert_eq!(reply.status, StatusCode::OK, "{uri}: {}", reply.body);
        assert_eq!(reply.json(), json!({"validationResult": "VALIDATION_RESULT_VALID_COMMAND_STATEMENT"}), "{uri}");
    }
    let reply = console.send_json("POST", &format!("{SQL}:run"), &json!({"statement": "x"})).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND, "{}", reply.body);
    assert_eq!(reply.json()["kind"], "Error");
    let (status, body) = console.get(&format!("{SQL}:validate")).await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED, "{body}");
    let reply = console.send_json("POST", "/sql/v1beta1/elsewhere", &json!({})).await;
    assert_eq!((reply.status, reply.json()["kind"].clone()), (StatusCode::NOT_FOUND, json!("Error")));
}

#[tokio::test]
async fn bad_bodies_and_long_statements_are_refused_and_store_nothing() {
    let dir = tempfile::tempdir().expect("a directory");
    let console = console_with(flinksql::testing::scripted(dir.path(), DDL_ANSWER).expect("a helper")).await;
    let reply = post(&console, "execute", json!({"statment": "CREATE TABLE t (k INT)"})).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);
    assert!(reply.json()["message"].as_str().is_some_and(|m| m.contains("statement")), "{}", reply.body);
    let reply = post(&console, "suggest", json!({"sqlScript": "SELECT", "position": -1})).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);
    assert!(reply.json()["message"].as_str().is_some_and(|m| m.starts_with("position: ")), "{}", reply.body);
    let long = format!("CREATE TABLE t (k INT) COMMENT '{}'", "x".repeat(domain::sql::MAX_STATEMENT_BYTES));
    let reply = execute(&console, &long).await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", reply.body);
    assert!(reply.json()["message"].as_str().is_some_and(|m| m.starts_with("statement: is ")), "{}", reply.body);
    let namespace = domain::NamespaceName::parse("default").expect("name");
    assert_eq!(console.store.sql_catalog(&namespace).await.expect("catalog").version, 0, "nothing stored");
}

#[tokio::test]
async fn ddl_changes_the_catalog_with_its_audit_line_and_viewers_may_not() {
    let dir = tempfile::tempdir().expect("a directory");
    let console = console_with(flinksql::testing::scripted(dir.path(), DDL_ANSWER).expect("a helper")).await;
    let viewer = {
        let reply = console
            .send_json("POST", "/api/v1/namespaces/default/api-tokens", &json!({"name": "reader", "role": "VIEWER"}))
            .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
        format!("Bearer {}", reply.json()["secret"].as_str().expect("a secret"))
    };
    let as_viewer = [("authorization", viewer.as_str()), ("content-type", "application/json")];
    let body = json!({"statement": "CREATE TABLE src (k INT)"}).to_string();
    let reply = console.send("POST", &format!("{SQL}:execute"), &as_viewer, body.clone()).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN, "{}", reply.body);
    let reply = console.send("POST", &format!("{SQL}:validate"), &as_viewer, body).await;
    assert_eq!(reply.status, StatusCode::OK, "a viewer validates: {}", reply.body);
    let namespace = domain::NamespaceName::parse("default").expect("name");
    assert_eq!(console.store.sql_catalog(&namespace).await.expect("catalog").version, 0);

    let reply = execute(&console, "CREATE TABLE src (k INT)").await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(
        reply.json(),
        json!({"result": "RESULT_SUCCESS", "resultTable": {"headers": [{"name": "result"}], "rows": [{"cells": [{"value": "OK"}]}]}})
    );
    let catalog = console.store.sql_catalog(&namespace).await.expect("catalog");
    assert_eq!(catalog.version, 1);
    assert!(catalog.statements[0].contains("`src`"));
    let (_, audit) = console.get("/api/v1/namespaces/default/audit-log").await;
    let line = &audit["items"][0];
    assert_eq!(
        (line["action"].as_str(), line["resourceKind"].as_str()),
        (Some("execute"), Some("SqlCatalog")),
        "{audit}"
    );
    assert_eq!(line["after"]["statement"], "CREATE TABLE src (k INT)");
    let reply = execute(&console, "CREATE TABLE IF NOT EXISTS src (k INT)").await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(console.store.sql_catalog(&namespace).await.expect("catalog").version, 1, "unchanged: not written");
}

#[tokio::test]
async fn flinks_parser_and_planner_answer_and_the_catalog_outlives_the_helper_jvm() {
    let work = tempfile::tempdir().expect("a directory");
    let Some(helper) = real_helper(work.path()) else { return };
    let mut console = console_with(helper.clone()).await;

    let created = validate(&console, "CREATE TABLE src (k INT, v STRING) WITH ('connector' = 'datagen')").await;
    assert_eq!(created, json!({"validationResult": "VALIDATION_RESULT_VALID_DDL_STATEMENT"}));
    assert_eq!(tables(&console).await, Vec::<String>::new(), "validating stored nothing");
    for ddl in [
        "CREATE TABLE src (k INT, v STRING) WITH ('connector' = 'datagen', 'rows-per-second' = '5')",
        "CREATE TABLE snk (k INT, v STRING) WITH ('connector' = 'blackhole')",
        "CREATE TABLE gone (k INT) WITH ('connector' = 'blackhole')",
        "CREATE VIEW big AS SELECT k FROM src WHERE k > 10",
    ] {
        let reply = execute(&console, ddl).await;
        assert_eq!(reply.status, StatusCode::OK, "{ddl}: {}", reply.body);
    }
    assert_eq!(tables(&console).await, ["big", "gone", "snk", "src"]);
    let reply = execute(&console, "ALTER TABLE gone RENAME TO going").await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(tables(&console).await, ["big", "going", "snk", "src"], "an ALTER is kept");
    let reply = execute(&console, "DROP TABLE going").await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(tables(&console).await, ["big", "snk", "src"], "a DROP removes");
    let namespace = domain::NamespaceName::parse("default").expect("name");
    let stored = console.store.sql_catalog(&namespace).await.expect("the catalog").statements;
    assert!(!stored.iter().any(|ddl| ddl.contains("`gone`") || ddl.contains("`going`")), "{stored:#?}");

    let again = validate(&console, "CREATE TABLE src (k INT) WITH ('connector' = 'datagen')").await;
    assert_eq!(again["validationResult"], "VALIDATION_RESULT_INVALID_QUERY", "{again}");
    assert!(again["errorDetails"]["message"].as_str().is_some_and(|m| m.contains("already exists")), "{again}");
    let insert = validate(&console, "INSERT INTO snk SELECT k, v FROM src").await;
    assert_eq!(insert, json!({"validationResult": "VALIDATION_RESULT_VALID_INSERT_QUERY"}));
    let select = validate(&console, "SELECT * FROM big").await;
    assert_eq!(select, json!({"validationResult": "VALIDATION_RESULT_VALID_SELECT_QUERY"}));
    let command = validate(&console, "DESCRIBE src").await;
    assert_eq!(command, json!({"validationResult": "VALIDATION_RESULT_VALID_COMMAND_STATEMENT"}));
    let unknown = validate(&console, "INSERT INTO snk\nSELECT k, nope FROM src").await;
    assert_eq!(unknown["validationResult"], "VALIDATION_RESULT_INVALID_QUERY", "{unknown}");
    let details = &unknown["errorDetails"];
    assert_eq!((details["lineNumber"].as_u64(), details["columnNumber"].as_u64()), (Some(2), Some(11)), "{unknown}");
    assert_eq!(details["endColumnNumber"], 14, "{unknown}");
    let syntax = validate(&console, "SELECT k\nFRM src").await;
    assert_eq!(syntax["validationResult"], "VALIDATION_RESULT_INVALID_QUERY", "{syntax}");
    assert_eq!(syntax["errorDetails"]["lineNumber"], 2, "{syntax}");
    assert!(syntax["errorDetails"]["message"].as_str().is_some_and(|m| m.contains("SQL parse failed")), "{syntax}");
    let no_connector = validate(&console, "CREATE TABLE k (x INT) WITH ('connector' = 'kafka')").await;
    assert_eq!(no_connector["validationResult"], "VALIDATION_RESULT_VALID_DDL_STATEMENT", "a table is only a name");
    let unsupported = validate(&console, "SET 'parallelism.default' = '2'").await;
    assert_eq!(unsupported["validationResult"], "VALIDATION_RESULT_UNSUPPORTED_QUERY", "{unsupported}");
    let empty = validate(&console, "  ").await;
    assert_eq!(empty["validationResult"], "VALIDATION_RESULT_INVALID", "{empty}");

    let reply = execute(&console, "INSERT INTO snk SELECT k, v FROM src").await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);
    assert!(reply.json()["message"].as_str().is_some_and(|m| m.contains("deployment")), "{}", reply.body);
    let reply = execute(&console, "DROP TABLE nowhere").await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);

    let reply = post(&console, "suggest", json!({"sqlScript": "SELECT * FROM sr", "position": 16})).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let texts: Vec<String> = reply.json()["completions"]
        .as_array()
        .expect("completions")
        .iter()
        .filter_map(|c| c["text"].as_str().map(str::to_owned))
        .collect();
    assert!(texts.iter().any(|t| t.ends_with("src")), "{texts:?}");

    // The catalog lives in the store, not in the helper: a fresh helper JVM sees it all (a console
    // restart on the same database is in `server/tests/sql_real_flink.rs`).
    helper.shutdown().await;
    let restarted = work.path().join("restarted");
    let Some(fresh) = real_helper(&restarted) else { return };
    console.state.services = console.state.services.clone().with_sql_helper(fresh);
    assert_eq!(tables(&console).await, ["big", "snk", "src"], "the catalog outlives the helper JVM");
}

#[tokio::test]
async fn statements_never_read_the_consoles_files() {
    let work = tempfile::tempdir().expect("a directory");
    let Some(helper) = real_helper(work.path()) else { return };
    let console = console_with(helper).await;
    let secret = work.path().join("secret.txt");
    std::fs::write(&secret, "the console's secret\n").expect("a file");
    let ddl = format!(
        "CREATE TABLE leak (line STRING) WITH ('connector' = 'filesystem', 'path' = '{}', 'format' = 'raw')",
        secret.display()
    );
    let reply = execute(&console, &ddl).await;
    assert_eq!(reply.status, StatusCode::OK, "a table is only a name: {}", reply.body);
    for statement in ["SELECT * FROM leak", "SELECT line FROM leak LIMIT 1"] {
        let reply = execute(&console, statement).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{statement}: {}", reply.body);
        assert!(!reply.body.contains("secret"), "{statement} read the file: {}", reply.body);
    }
    let reply = execute(&console, "EXPLAIN SELECT * FROM leak").await;
    assert!(!reply.body.contains("the console's secret"), "{}", reply.body);
    for (statement, why) in [
        (format!("EXECUTE PLAN '{}'", secret.display()), "only DDL"),
        (format!("CREATE FUNCTION f AS 'x.Y' USING JAR '{}'", secret.display()), "USING JAR"),
        (format!("ADD JAR '{}'", secret.display()), "only DDL"),
        ("CREATE CATALOG c WITH ('type' = 'generic_in_memory')".to_owned(), "catalogs"),
        ("CREATE TEMPORARY TABLE t (k INT) WITH ('connector' = 'datagen')".to_owned(), "temporary"),
        ("CREATE TABLE copy AS SELECT * FROM leak".to_owned(), "only DDL"),
    ] {
        let reply = execute(&console, &statement).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{statement}: {}", reply.body);
        let message = reply.json()["message"].as_str().unwrap_or_default().to_owned();
        assert!(message.contains(why), "{statement}: {message}");
        assert!(!message.contains("the console's secret"), "{statement}: {message}");
    }
    let tables = tables(&console).await;
    assert_eq!(tables, ["leak"], "nothing else was created");
}

/// jupyter-vvp 0.1.0 from PyPI, unchanged, runs `%%flink_sql` cells against the console: DDL is
/// validated then executed (a DataFrame of Flink's result), `SHOW TABLES` lists the catalog, an
/// INSERT becomes a SQLSCRIPT deployment, and an invalid cell raises with Flink's position.
#[tokio::test]
async fn jupyter_vvp_runs_flink_sql_cells_unchanged() {
    let Some(python) = crate::vvp::clients_python() else { return };
    let work = tempfile::tempdir().expect("a directory");
    let Some(helper) = real_helper(work.path()) else { return };
    let console = console_with(helper).await;
    let reply = console
        .send_json("POST", "/api/v1/namespaces/default/api-tokens", &json!({"name": "notebook", "role": "EDITOR"}))
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    let secret = reply.json()["secret"].as_str().expect("a secret").to_owned();
    let (url, server) = crate::vvp::serve(&console).await;
    let seen = crate::vvp::run_client(&python, "jupyter_vvp_sql.py", &[&url, "default", &secret]).await;
    server.abort();
    assert_eq!(seen["created"], json!([{"result": "OK"}]), "{seen}");
    assert_eq!(seen["tables"], json!(["sink", "src"]), "{seen}");
    let id = seen["deployment"].as_str().unwrap_or_else(|| panic!("a deployment id: {seen}"));
    let (status, deployment) = console.get(&format!("/api/v1/namespaces/default/deployments/{id}")).await;
    assert_eq!(status, StatusCode::OK, "{deployment}");
    assert_eq!(deployment["spec"]["template"]["spec"]["artifact"]["sqlScript"], seen["insert"]);
    let details = &seen["invalid"]["details"];
    assert_eq!(details["validationResult"], "VALIDATION_RESULT_INVALID_QUERY", "{seen}");
    assert_eq!(
        (details["errorDetails"]["lineNumber"].as_u64(), details["errorDetails"]["columnNumber"].as_u64()),
        (Some(2), Some(3)),
        "{seen}"
    );
}
