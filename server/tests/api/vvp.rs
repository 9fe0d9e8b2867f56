//! Ververica Platform's namespaces API and what its notebook client (jupyter-vvp) needs of the
//! deployments API: names that are whole SQL statements, the default target's id in the defaults.
//! The last test drives the unchanged jupyter-vvp 0.1.0 from PyPI over a real socket.

use serde_json::{json, Value};

use crate::support::{console, Console};

async fn token(console: &Console, role: &str) -> String {
    let reply = console
        .send_json("POST", "/api/v1/namespaces/default/api-tokens", &json!({"name": format!("t-{role}"), "role": role}))
        .await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    reply.json()["secret"].as_str().expect("a secret").to_owned()
}

async fn get_as(console: &Console, uri: &str, secret: &str) -> (u16, Value) {
    let bearer = format!("Bearer {secret}");
    let reply = console.send("GET", uri, &[("authorization", &bearer)], axum::body::Body::empty()).await;
    (reply.status.as_u16(), reply.json())
}

#[tokio::test]
async fn namespaces_answer_in_vvps_shape_and_only_owners_see_role_bindings() {
    let console = console().await;
    let (status, list) = console.get("/namespaces/v1/namespaces").await;
    assert_eq!(status, 200, "{list}");
    let namespaces = list["namespaces"].as_array().expect("a list");
    assert_eq!(namespaces.len(), 1, "{list}");
    assert_eq!(namespaces[0]["name"], "namespaces/default");
    assert_eq!(namespaces[0]["lifecyclePhase"], "LIFECYCLE_PHASE_ACTIVE");
    assert!(namespaces[0]["createTime"].as_str().is_some_and(|t| t.contains('T')), "{list}");
    assert!(namespaces[0]["roleBindings"].is_array(), "the admin sees the role bindings: {list}");
    assert!(list.get("nextPageToken").is_none(), "{list}");

    let (status, one) = console.get("/namespaces/v1/namespaces/default").await;
    assert_eq!(status, 200, "{one}");
    assert_eq!(one["namespace"]["name"], "namespaces/default");

    let viewer = token(&console, "VIEWER").await;
    let (status, one) = get_as(&console, "/namespaces/v1/namespaces/default", &viewer).await;
    assert_eq!(status, 200, "{one}");
    assert!(one["namespace"].get("roleBindings").is_none(), "a viewer does not see the members: {one}");
    let (status, list) = get_as(&console, "/namespaces/v1/namespaces", &viewer).await;
    assert_eq!(status, 200, "{list}");
    assert_eq!(list["namespaces"][0]["name"], "namespaces/default");

    let (status, _) = console.get("/namespaces/v1/namespaces/nowhere").await;
    assert_eq!(status, 404);
    let reply =
        console.send("GET", "/namespaces/v1/namespaces", &[("cookie", "none")], axum::body::Body::empty()).await;
    assert_eq!(reply.status, 401, "the API answers 401, it does not send people to the sign-in page");
    let (status, body) = console.get("/namespaces/v1/namespaces?pageSize=0").await;
    assert_eq!(status, 400, "{body}");
}

#[tokio::test]
async fn the_namespace_defaults_name_the_default_targets_id() {
    let console = console().await;
    let (_, target) = console.get("/api/v1/namespaces/default/deployment-targets/local").await;
    let (status, defaults) = console.get("/api/v1/namespaces/default/deployment-defaults").await;
    assert_eq!(status, 200, "{defaults}");
    assert_eq!(defaults["spec"]["deploymentTargetName"], "local");
    assert_eq!(defaults["spec"]["deploymentTargetId"], target["metadata"]["id"], "{defaults}");
}

fn sql_deployment(name: &str) -> Value {
    json!({
        "metadata": {"name": name},
        "spec": {"state": "CANCELLED", "template": {"spec": {"artifact": {"kind": "SQLSCRIPT", "sqlScript": "INSERT INTO sink SELECT * FROM src"}}}}
    })
}

#[tokio::test]
async fn a_deployment_name_is_free_text_up_to_its_limit_and_unique_in_its_namespace() {
    let console = console().await;
    let statement = "INSERT INTO sink\n  SELECT word, COUNT(*) AS n FROM src GROUP BY word";
    let reply = console.send_json("POST", "/api/v1/namespaces/default/deployments", &sql_deployment(statement)).await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    let created = reply.json();
    assert_eq!(created["metadata"]["name"], statement);
    assert!(uuid::Uuid::parse_str(created["metadata"]["id"].as_str().unwrap_or_default()).is_ok(), "{created}");

    let again = console.send_json("POST", "/api/v1/namespaces/default/deployments", &sql_deployment(statement)).await;
    assert_eq!(again.status, 409, "{}", again.body);

    for (name, why) in [
        ("", "metadata.name: must not be empty"),
        ("  \n", "metadata.name: must not be only white space"),
        ("a\u{7}b", "metadata.name: must not contain the control character '\\u{7}'"),
    ] {
        let reply = console.send_json("POST", "/api/v1/namespaces/default/deployments", &sql_deployment(name)).await;
        assert_eq!(reply.status, 400, "{name:?}: {}", reply.body);
        assert_eq!(reply.json()["message"], why, "{name:?}");
    }
    let huge = "x".repeat(domain::MAX_DEPLOYMENT_NAME_CHARS + 1);
    let reply = console.send_json("POST", "/api/v1/namespaces/default/deployments", &sql_deployment(&huge)).await;
    assert_eq!(reply.status, 400);
    assert!(
        reply.body.contains("must be at most 4096 characters, got 4097"),
        "{}",
        &reply.body[..200.min(reply.body.len())]
    );
    assert!(reply.body.len() < 2000, "the error does not echo the name back");

    let (status, list) = console.get("/api/v1/namespaces/default/deployments?limit=1000").await;
    assert_eq!(status, 200);
    let names: Vec<&str> =
        list["items"].as_array().into_iter().flatten().filter_map(|d| d["metadata"]["name"].as_str()).collect();
    assert_eq!(names.iter().filter(|n| **n == statement).count(), 1, "one deployment, nothing written by the refusals");
}

/// Where the unchanged clients of other platforms are installed (`scripts/setup.sh --with-clients`):
/// a Python with them, or None (the test is skipped, unless `CONSOLE_TEST_CLIENTS_REQUIRED` is set).
pub fn clients_python() -> Option<String> {
    match std::env::var("CONSOLE_TEST_CLIENTS_PYTHON") {
        Ok(python) if std::path::Path::new(&python).is_file() => Some(python),
        _ if std::env::var_os("CONSOLE_TEST_CLIENTS_REQUIRED").is_some() => {
            panic!("CONSOLE_TEST_CLIENTS_PYTHON names no Python with the clients (scripts/setup.sh --with-clients)")
        }
        _ => {
            eprintln!("skipped: CONSOLE_TEST_CLIENTS_PYTHON is not set (scripts/setup.sh --with-clients)");
            None
        }
    }
}

/// Serves the console on a loopback port for a client in another process; the server stops with
/// the returned handle.
pub async fn serve(console: &Console) -> (String, tokio::task::JoinHandle<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a loopback port");
    let address = listener.local_addr().expect("its address");
    let app = server::router(console.state.clone()).into_make_service_with_connect_info::<std::net::SocketAddr>();
    let handle = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (format!("http://{address}"), handle)
}

/// Runs `script` (a file under `tests/api/clients/`) with the clients' Python and `args`; its
/// stdout is one JSON document.
pub async fn run_client(python: &str, script: &str, args: &[&str]) -> Value {
    let path = format!("{}/tests/api/clients/{script}", crate::support::manifest_dir());
    let output = tokio::process::Command::new(python).arg(&path).args(args).output().await.expect("python runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{script} failed:\n{stdout}\n{stderr}");
    let last = stdout.lines().rev().find(|line| line.starts_with('{')).unwrap_or_default();
    serde_json::from_str(last).unwrap_or_else(|err| panic!("{script} printed no JSON ({err}):\n{stdout}\n{stderr}"))
}

#[tokio::test]
async fn jupyter_vvp_opens_a_session_and_deploys_an_insert_unchanged() {
    let Some(python) = clients_python() else { return };
    let console = console().await;
    let secret = token(&console, "EDITOR").await;
    let (url, server) = serve(&console).await;
    let answer = run_client(&python, "jupyter_vvp_deploy.py", &[&url, "default", &secret]).await;
    server.abort();
    assert_eq!(answer["namespace"]["name"], "namespaces/default", "{answer}");
    let (_, target) = console.get("/api/v1/namespaces/default/deployment-targets/local").await;
    assert_eq!(answer["target"], target["metadata"]["id"], "{answer}");
    let id = answer["deployment"].as_str().expect("the new deployment's id");
    let (status, deployment) = console.get(&format!("/api/v1/namespaces/default/deployments/{id}")).await;
    assert_eq!(status, 200, "{deployment}");
    assert_eq!(deployment["metadata"]["name"], answer["statement"], "the notebook names it by its statement");
    assert_eq!(deployment["spec"]["deploymentTargetName"], "local");
    assert_eq!(deployment["spec"]["template"]["spec"]["artifact"]["kind"], "SQLSCRIPT");
    assert_eq!(deployment["spec"]["template"]["spec"]["artifact"]["sqlScript"], answer["statement"]);
}

#[tokio::test]
async fn a_deployments_status_state_is_one_of_vvps_six() {
    let console = console().await;
    let (_, document) = console.get("/api/v1/openapi.json").await;
    let states: std::collections::BTreeSet<&str> = document["components"]["schemas"]["DeploymentState"]["enum"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    let expected = ["CANCELLED", "FAILED", "FINISHED", "RUNNING", "SUSPENDED", "TRANSITIONING"];
    assert_eq!(states, expected.into_iter().collect(), "jupyter-vvp refuses any other state");
    let (_, list) = console.get("/api/v1/namespaces/default/deployments").await;
    for deployment in list["items"].as_array().into_iter().flatten() {
        let state = deployment["status"]["state"].as_str().unwrap_or_default();
        assert!(expected.contains(&state), "{deployment}");
    }
}
