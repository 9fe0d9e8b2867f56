//! `/api/v1/namespaces/{ns}/deployment-defaults` and the global `/api/v1/deployment-defaults`.

use axum::http::StatusCode;
use serde_json::json;

use crate::support::console;

const DEFAULTS: &str = "/api/v1/namespaces/default/deployment-defaults";

fn minimal(name: &str) -> serde_json::Value {
    json!({"metadata": {"name": name},
           "spec": {"template": {"spec": {"artifact": {"kind": "JAR", "jarUri": "https://artifacts.example/x.jar"}}}}})
}

#[tokio::test]
async fn the_default_namespace_starts_with_defaults_that_run_on_the_local_target() {
    let console = console().await;
    let (status, defaults) = console.get(DEFAULTS).await;
    assert_eq!(status, StatusCode::OK, "{defaults}");
    assert_eq!(defaults["kind"], "DeploymentDefaults");
    assert_eq!(defaults["metadata"]["namespace"], "default");
    assert_eq!(defaults["metadata"]["resourceVersion"], 1);
    assert_eq!(defaults["spec"]["deploymentTargetName"], "local");
}

#[tokio::test]
async fn changed_defaults_apply_to_new_deployments_and_layer_over_the_global_ones() {
    let console = console().await;
    let global = json!({"spec": {"maxJobCreationAttempts": 7, "template": {"spec": {"parallelism": 2}}}});
    let reply = console.send_json("PATCH", "/api/v1/deployment-defaults", &global).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.json()["metadata"].get("namespace"), None, "the global defaults belong to no namespace");

    let change = json!({"metadata": {"resourceVersion": 1}, "spec": {"template": {"spec": {"parallelism": 3}}}});
    let reply = console.send_json("PATCH", DEFAULTS, &change).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.json()["metadata"]["resourceVersion"], 2);

    let reply = console.send_json("POST", "/api/v1/namespaces/default/deployments", &minimal("layered")).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    let created = reply.json();
    assert_eq!(created["spec"]["template"]["spec"]["parallelism"], 3, "the namespace's value wins");
    assert_eq!(created["spec"]["maxJobCreationAttempts"], 7, "the global value fills in");
    assert_eq!(created["spec"]["deploymentTargetName"], "local");
}

#[tokio::test]
async fn stale_or_invalid_defaults_are_refused_and_change_nothing() {
    let console = console().await;
    let (_, before) = console.get(DEFAULTS).await;
    let stale = json!({"metadata": {"resourceVersion": 7}, "spec": {"maxJobCreationAttempts": 2}});
    let reply = console.send_json("PATCH", DEFAULTS, &stale).await;
    assert_eq!(reply.status, StatusCode::CONFLICT, "{}", reply.body);
    for (bad, message) in [
        (json!({"spec": {"restoreStrategy": {"kind": "SOMETIMES"}}}), "spec.restoreStrategy.kind: unknown value"),
        (json!({"spec": {"maxSavepointCreationAttempts": -4}}), "spec.maxSavepointCreationAttempts: must be"),
        (json!({"spec": [1]}), "spec: must be an object, got a list"),
    ] {
        let reply = console.send_json("PATCH", DEFAULTS, &bad).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{bad}: {}", reply.body);
        let text = reply.json()["message"].as_str().unwrap_or_default().to_owned();
        assert!(text.starts_with(message), "{bad}: {text}");
    }
    let (_, after) = console.get(DEFAULTS).await;
    assert_eq!(after, before);
}

/// Posts a server function's form fields (URL-encoded) as the settings page's JavaScript would.
async fn server_fn(console: &crate::support::Console, path: &str, fields: &[(&str, &str)]) -> crate::support::Reply {
    let body: String =
        fields.iter().map(|(name, value)| format!("{name}={}", urlencoding(value))).collect::<Vec<_>>().join("&");
    let headers = [("accept", "application/json"), ("content-type", "application/x-www-form-urlencoded")];
    console.send("POST", path, &headers, body).await
}

fn urlencoding(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            other => format!("%{other:02X}"),
        })
        .collect()
}

#[tokio::test]
async fn the_settings_page_replaces_the_defaults_with_its_yaml_and_previews_the_merge() {
    let console = console().await;
    let settings = server_fn(&console, "/api/get_namespace_settings", &[("namespace", "default")]).await;
    assert_eq!(settings.status, StatusCode::OK, "{}", settings.body);
    assert!(settings.json()["defaults_yaml"].as_str().unwrap_or_default().starts_with("deploymentTargetName: local\n"));
    assert_eq!(settings.json()["resource_version"], 1);

    let yaml =
        "deploymentTargetName: local\ntemplate:\n  spec:\n    parallelism: 4\n    flinkConfiguration:\n      a: '1'\n";
    let fields = [("namespace", "default"), ("yaml", yaml), ("resource_version", "1")];
    let saved = server_fn(&console, "/api/save_namespace_defaults", &fields).await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    assert_eq!(saved.json(), json!(2));
    let (_, defaults) = console.get(DEFAULTS).await;
    assert_eq!(defaults["spec"]["template"]["spec"]["parallelism"], 4);

    // A key left out of the YAML is removed, not kept: the text is the whole document.
    let fewer = "deploymentTargetName: local\ntemplate:\n  spec:\n    parallelism: 4\n";
    let fields = [("namespace", "default"), ("yaml", fewer), ("resource_version", "2")];
    assert_eq!(server_fn(&console, "/api/save_namespace_defaults", &fields).await.status, StatusCode::OK);
    let (_, defaults) = console.get(DEFAULTS).await;
    assert_eq!(defaults["spec"]["template"]["spec"].get("flinkConfiguration"), None, "{defaults}");
    let (_, audit) = console.get("/api/v1/namespaces/default/audit-log").await;
    assert!(audit.to_string().contains("DeploymentDefaults"), "each save has its audit line: {audit}");

    // Saving over a change made meanwhile is refused and changes nothing.
    let stale = [("namespace", "default"), ("yaml", "state: RUNNING\n"), ("resource_version", "1")];
    let reply = server_fn(&console, "/api/save_namespace_defaults", &stale).await;
    assert_eq!(reply.status, StatusCode::CONFLICT, "{}", reply.body);
    let bad = [("namespace", "default"), ("yaml", "template: [unclosed"), ("resource_version", "3")];
    let reply = server_fn(&console, "/api/save_namespace_defaults", &bad).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);
    assert!(reply.body.contains("the defaults is not valid YAML"), "{}", reply.body);
    let wrong =
        [("namespace", "default"), ("yaml", "template:\n  spec:\n    parallelism: many\n"), ("resource_version", "3")];
    let reply = server_fn(&console, "/api/save_namespace_defaults", &wrong).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);
    assert!(reply.body.contains("parallelism"), "the field is named: {}", reply.body);
    let aliases = [("namespace", "default"), ("yaml", "a: &x [1]\nb: *x\n"), ("resource_version", "3")];
    let reply = server_fn(&console, "/api/save_namespace_defaults", &aliases).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);
    let (_, defaults) = console.get(DEFAULTS).await;
    assert_eq!(defaults["metadata"]["resourceVersion"], 3, "refusals change nothing");

    // The preview merges seed 004's way: the deployment's values win, `$patch: merge` lists merge by key.
    let defaults_yaml = "template:\n  spec:\n    parallelism: 2\n    kubernetes:\n      pods:\n        envVars:\n        - name: A\n          value: from-defaults\n        - name: B\n          value: kept\n";
    let deployment_yaml = "template:\n  spec:\n    parallelism: 5\n    kubernetes:\n      pods:\n        envVars:\n        - $patch: merge\n          mergeKey: name\n        - name: A\n          value: from-deployment\n";
    let fields = [("namespace", "default"), ("defaults_yaml", defaults_yaml), ("deployment_yaml", deployment_yaml)];
    let reply = server_fn(&console, "/api/preview_namespace_defaults", &fields).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let merged: serde_json::Value = serde_yaml_ng::from_str(reply.json().as_str().unwrap_or_default()).expect("YAML");
    assert_eq!(merged["template"]["spec"]["parallelism"], 5);
    assert_eq!(
        merged["template"]["spec"]["kubernetes"]["pods"]["envVars"],
        json!([{"name": "A", "value": "from-deployment"}, {"name": "B", "value": "kept"}])
    );
    assert_eq!(merged["upgradeStrategy"]["kind"], "STATEFUL", "the console's own defaults");
    let (_, after) = console.get(DEFAULTS).await;
    assert_eq!(after["metadata"]["resourceVersion"], 3, "a preview saves nothing");
}
