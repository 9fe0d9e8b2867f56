//! `/api/v1/namespaces/{ns}/deployments`.

use axum::body::Body;
use axum::http::StatusCode;
use serde_json::{json, Value};

use crate::support::{console, Console, Reply};

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

const DEPLOYMENTS: &str = "/api/v1/namespaces/default/deployments";

fn minimal(name: &str) -> Value {
    json!({
        "metadata": {"name": name, "labels": {"team": "orders"}},
        "spec": {"template": {"spec": {"artifact": {"kind": "JAR", "jarUri": "https://artifacts.example/x.jar"}}}}
    })
}

/// How many deployments the default namespace has.
async fn count(console: &Console) -> usize {
    console.get(DEPLOYMENTS).await.1["items"].as_array().map_or(0, Vec::len)
}

async fn create(console: &Console, body: &Value) -> Value {
    let reply = console.send_json("POST", DEPLOYMENTS, body).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    reply.json()
}

#[tokio::test]
async fn a_created_deployment_is_expanded_with_its_defaults_and_stored() {
    let console = console().await;
    let created = create(&console, &minimal("orders")).await;
    assert_eq!(created["kind"], "Deployment");
    assert_eq!(created["metadata"]["namespace"], "default");
    assert_eq!(created["metadata"]["resourceVersion"], 1);
    assert_eq!(created["spec"]["state"], "CANCELLED");
    assert_eq!(created["spec"]["deploymentTargetName"], "local", "from the namespace defaults");
    assert_eq!(created["spec"]["restoreStrategy"], json!({"kind": "LATEST_STATE", "allowNonRestoredState": false}));
    assert_eq!(created["spec"]["upgradeStrategy"]["kind"], "STATEFUL");
    assert_eq!(created["spec"]["template"]["spec"]["parallelism"], 1);
    assert_eq!(created["status"]["state"], "CANCELLED");
    let id = created["metadata"]["id"].as_str().expect("an id");
    let (status, stored) = console.get(&format!("{DEPLOYMENTS}/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(stored, created);
    let again = console.send_json("POST", DEPLOYMENTS, &minimal("orders")).await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.body);
    assert!(again.json()["message"].as_str().unwrap_or_default().contains("already exists"), "{}", again.body);
}

fn fixture(name: &str) -> Value {
    let path = format!("{}/../crates/domain/tests/fixtures/{name}", crate::support::manifest_dir());
    let text = std::fs::read_to_string(&path).unwrap_or_else(|err| panic!("{path}: {err}"));
    serde_yaml_ng::from_str(&text).unwrap_or_else(|err| panic!("{path}: {err}"))
}

fn fixture_text(name: &str) -> String {
    let path = format!("{}/../crates/domain/tests/fixtures/{name}", crate::support::manifest_dir());
    std::fs::read_to_string(&path).unwrap_or_else(|err| panic!("{path}: {err}"))
}

async fn post_yaml(console: &Console, yaml: &str) -> Reply {
    let headers = [("accept", "application/yaml"), ("content-type", "application/yaml")];
    console.send("POST", DEPLOYMENTS, &headers, yaml.to_owned()).await
}

#[tokio::test]
async fn seed_004s_example_imports_as_yaml_and_exports_to_the_same_resource() {
    let console = console().await;
    let original = fixture_text("seed004-full.yaml");
    let refused = post_yaml(&console, &original).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.body);
    assert_eq!(
        refused.json()["message"],
        "spec.deploymentTargetName: no deployment target \"default\" in namespace default (targets here: local)",
        "an unknown target is named"
    );
    assert_eq!(count(&console).await, 3, "nothing was stored");

    let ours = original.replace("deploymentTargetName: default", "deploymentTargetName: local");
    let imported = post_yaml(&console, &ours).await;
    assert_eq!(imported.status, StatusCode::CREATED, "{}", imported.body);
    assert_eq!(imported.content_type, "application/yaml");
    let imported: Value = serde_yaml_ng::from_str(&imported.body).expect("YAML answer");
    let document = fixture("seed004-full.yaml");
    let artifact = |value: &Value| serde_json::from_value::<domain::Artifact>(value.clone()).expect("an artifact");
    assert_eq!(
        artifact(&imported["spec"]["template"]["spec"]["artifact"]),
        artifact(&document["spec"]["template"]["spec"]["artifact"]),
        "the artifact reads the same (enums and versions written in their canonical form)"
    );
    for key in ["resources", "logging", "kubernetes", "flinkConfiguration"] {
        assert_eq!(
            serde_json::to_string(&imported["spec"]["template"]["spec"][key]).expect("json"),
            serde_json::to_string(&document["spec"]["template"]["spec"][key]).expect("json"),
            "{key} is kept"
        );
    }
    assert_eq!(imported["metadata"]["displayName"], "TopSpeedWindowing Example");
    assert_eq!(imported["spec"]["state"], "RUNNING");

    // Export as YAML, import under another name: the same resource.
    let id = imported["metadata"]["id"].as_str().expect("id");
    let exported =
        console.send("GET", &format!("{DEPLOYMENTS}/{id}"), &[("accept", "application/yaml")], Body::empty()).await;
    let renamed = exported.body.replace("name: top-speed-windowing-example", "name: copy-of-the-example");
    let copy = post_yaml(&console, &renamed).await;
    assert_eq!(copy.status, StatusCode::CREATED, "{}", copy.body);
    let copy: Value = serde_yaml_ng::from_str(&copy.body).expect("YAML answer");
    assert_eq!(copy["spec"], imported["spec"]);
    assert_eq!(copy["metadata"]["labels"], imported["metadata"]["labels"]);
    assert_ne!(copy["metadata"]["id"], imported["metadata"]["id"], "a new resource");
}

#[tokio::test]
async fn seed_001s_example_imports_once_its_target_is_ours() {
    let console = console().await;
    // Its name, "TopSpeedWindowing Example", is a display name, as in Ververica Platform.
    let named = fixture_text("seed001-full.yaml");
    let refused = post_yaml(&console, &named).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.body);
    let message = refused.json()["message"].as_str().unwrap_or_default().to_owned();
    assert!(message.starts_with("spec.deploymentTargetId: no deployment target with id \"57b4c290-"), "{message}");
    assert_eq!(count(&console).await, 3, "nothing was stored");

    let (_, targets) = console.get("/api/v1/namespaces/default/deployment-targets").await;
    let local_id = targets["items"][0]["metadata"]["id"].as_str().expect("the local target's id");
    let ours = named.replace("57b4c290-73ad-11e7-8cf7-a6006ad3dba0", local_id);
    let imported = post_yaml(&console, &ours).await;
    assert_eq!(imported.status, StatusCode::CREATED, "{}", imported.body);
    let imported: Value = serde_yaml_ng::from_str(&imported.body).expect("YAML answer");
    assert_eq!(imported["spec"]["deploymentTargetName"], "local", "the id is resolved to the target's name");
    assert_eq!(imported["spec"]["state"], "RUNNING", "lowercase enums read");
    assert_eq!(imported["spec"]["restoreStrategy"]["kind"], "LATEST_SAVEPOINT");
    assert_eq!(imported["spec"]["maxJobCreationAttempts"], 5);
    let document = fixture("seed001-full.yaml");
    assert_eq!(imported["spec"]["template"]["spec"]["resources"], document["spec"]["template"]["spec"]["resources"]);
    assert_eq!(imported["metadata"]["labels"]["env"], "testing");
    assert_eq!(imported["metadata"]["name"], "TopSpeedWindowing Example");
}

#[tokio::test]
async fn seed_004s_worked_example_merges_through_the_namespace_defaults() {
    use domain::DeploymentSpec;

    let console = console().await;
    let store = &console.store;
    let local = store
        .all_deployment_targets_of_namespace(&domain::NamespaceName::parse("default").expect("name"))
        .await
        .expect("targets")
        .remove(0);
    let mut test_target = local.clone();
    test_target.metadata.name = "test".into();
    test_target.metadata.id = uuid_like();
    store.upsert_deployment_target(&test_target).await.expect("a target named test");

    let defaults = fixture("seed004/defaults.yaml");
    let reply = console
        .send_json("PATCH", "/api/v1/namespaces/default/deployment-defaults", &json!({"spec": defaults["spec"]}))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);

    let mut deployment = fixture("seed004/deployment.yaml");
    deployment["metadata"]["name"] = json!("worked-example");
    let created = create(&console, &deployment).await;

    let merged = fixture("seed004/merged.yaml");
    let mut expected = domain::input::expanded(&merged["spec"], &[]);
    if let Some(spec) = expected.as_object_mut() {
        spec.remove("deploymentTargetId");
    }
    let expected: DeploymentSpec = serde_json::from_value(expected).expect("the merged result is a spec");
    let actual: DeploymentSpec = serde_json::from_value(created["spec"].clone()).expect("a spec");
    assert_eq!(actual, expected, "the stored deployment is seed 004's merged result");
    assert_eq!(created["metadata"]["displayName"], merged["metadata"]["displayName"]);
}

fn uuid_like() -> String {
    "0b6f3c1e-8f7a-4a7e-9d8a-1d2a3b4c5d6e".into()
}

#[tokio::test]
async fn a_merge_patch_changes_a_deployment_and_a_stale_version_is_a_conflict() {
    let console = console().await;
    let created = create(&console, &minimal("orders")).await;
    let uri = format!("{DEPLOYMENTS}/{}", created["metadata"]["id"].as_str().expect("id"));

    let change = json!({"metadata": {"resourceVersion": 1, "labels": {"team": null, "tier": "gold"}},
                        "spec": {"template": {"spec": {"parallelism": 4}}}});
    let reply = console.send_json("PATCH", &uri, &change).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let changed = reply.json();
    assert_eq!(changed["metadata"]["resourceVersion"], 2);
    assert_eq!(changed["metadata"]["labels"], json!({"tier": "gold"}));
    assert_eq!(changed["spec"]["template"]["spec"]["parallelism"], 4);
    assert_eq!(changed["spec"]["template"]["spec"]["artifact"], created["spec"]["template"]["spec"]["artifact"]);

    let stale = json!({"metadata": {"resourceVersion": 1}, "spec": {"template": {"spec": {"parallelism": 9}}}});
    let reply = console.send_json("PATCH", &uri, &stale).await;
    assert_eq!(reply.status, StatusCode::CONFLICT, "{}", reply.body);
    assert_eq!(reply.json()["reason"], "Conflict");
    assert!(reply.body.contains("resourceVersion 1, the stored one is 2"), "{}", reply.body);

    let removed = json!({"spec": {"template": {"spec": {"parallelism": null}}}});
    let reply = console.send_json("PATCH", &uri, &removed).await;
    assert_eq!(reply.json()["spec"]["template"]["spec"]["parallelism"], 1, "a removed field falls back to its default");

    let (_, before) = console.get(&uri).await;
    for (bad, field) in [
        (json!({"spec": {"template": {"spec": {"parallelism": -1}}}}), "spec.template.spec.parallelism"),
        (json!({"spec": {"state": "PAUSED"}}), "spec.state"),
        (json!({"metadata": {"name": "bell\u{7}"}}), "metadata.name"),
        (json!({"metadata": {"id": "0b6f3c1e-8f7a-4a7e-9d8a-1d2a3b4c5d6e"}}), "metadata.id"),
        (json!({"spec": {"deploymentTargetName": "nowhere"}}), "spec.deploymentTargetName"),
        (json!(["not", "an", "object"]), "a merge patch must be an object"),
    ] {
        let reply = console.send_json("PATCH", &uri, &bad).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{bad}: {}", reply.body);
        assert!(reply.json()["message"].as_str().unwrap_or_default().starts_with(field), "{bad}: {}", reply.body);
    }
    let (_, after) = console.get(&uri).await;
    assert_eq!(after, before, "refused patches change nothing");
}

#[tokio::test]
async fn only_a_deployment_that_is_not_running_can_be_deleted() {
    let console = console().await;
    let mut running = minimal("wants-to-run");
    running["spec"]["state"] = json!("RUNNING");
    let running = create(&console, &running).await;
    let uri = format!("{DEPLOYMENTS}/{}", running["metadata"]["id"].as_str().expect("id"));
    let reply = console.send("DELETE", &uri, &[], Body::empty()).await;
    assert_eq!(reply.status, StatusCode::CONFLICT, "{}", reply.body);
    assert!(reply.body.contains("cancel it"), "{}", reply.body);
    assert_eq!(console.get(&uri).await.0, StatusCode::OK, "still there");

    let reply = console.send_json("PATCH", &uri, &json!({"spec": {"state": "CANCELLED"}})).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let reply = console.send("DELETE", &uri, &[], Body::empty()).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.json()["metadata"]["name"], "wants-to-run");
    assert_eq!(console.get(&uri).await.0, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn bad_bodies_get_a_field_level_error_in_one_shape_and_change_nothing() {
    let console = console().await;
    let json_headers = [("content-type", "application/json")];
    let yaml_headers = [("content-type", "application/yaml")];
    type Headers<'a> = &'a [(&'a str, &'a str)];
    let cases: Vec<(Headers, String, StatusCode, &str)> = vec![
        (
            &json_headers,
            "{\"metadata\": {".into(),
            StatusCode::BAD_REQUEST,
            "the body is not valid JSON: EOF while parsing",
        ),
        (&yaml_headers, "metadata: [unclosed".into(), StatusCode::BAD_REQUEST, "the body is not valid YAML"),
        (&yaml_headers, "".into(), StatusCode::BAD_REQUEST, "the request body is empty"),
        (
            &[("content-type", "text/xml")],
            "<Deployment/>".into(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Content-Type \"text/xml\"",
        ),
        (
            &json_headers,
            r#"{"metadata": {"name": "x"}, "spec": {"upgradeStrategy": {"kind": "SOMETIMES"}}}"#.into(),
            StatusCode::BAD_REQUEST,
            "spec.upgradeStrategy.kind: unknown value \"SOMETIMES\"",
        ),
        (
            &json_headers,
            minimal_with(r#""parallelism": -2"#),
            StatusCode::BAD_REQUEST,
            "spec.template.spec.parallelism: must be a whole number of at least 1, got -2",
        ),
        (&json_headers, r#"{"spec": {}}"#.into(), StatusCode::BAD_REQUEST, "metadata.name: is required"),
        (
            &json_headers,
            r#"{"metadata": {"name": "a\u0000b"}, "spec": {}}"#.into(),
            StatusCode::BAD_REQUEST,
            "metadata.name: must not contain the control character '\\0'",
        ),
        (
            &json_headers,
            r#"{"metadata": {"name": "x", "labels": {"a": 1}}, "spec": {}}"#.into(),
            StatusCode::BAD_REQUEST,
            "metadata.labels.a: invalid type: integer `1`, expected a string",
        ),
    ];
    for (headers, body, status, message) in cases {
        let reply = console.send("POST", DEPLOYMENTS, headers, body.clone()).await;
        assert_eq!(reply.status, status, "{body}: {}", reply.body);
        let error = reply.json();
        assert_eq!(error["kind"], "Error", "{body}: {}", reply.body);
        assert_eq!(error["statusCode"], status.as_u16());
        let text = error["message"].as_str().unwrap_or_default();
        assert!(text.starts_with(message), "{body}: expected {message:?}, got {text:?}");
    }
    let ten_megabytes =
        format!("{{\"metadata\": {{\"name\": \"big\"}}, \"pad\": \"{}\"}}", "x".repeat(10 * 1024 * 1024));
    let reply = console.send("POST", DEPLOYMENTS, &json_headers, ten_megabytes).await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", &reply.body[..reply.body.len().min(200)]);
    assert_eq!(reply.json()["reason"], "PayloadTooLarge");
    assert_eq!(count(&console).await, 3, "nothing was stored");
}

fn minimal_with(template_field: &str) -> String {
    format!(
        r#"{{"metadata": {{"name": "x"}}, "spec": {{"template": {{"spec": {{{template_field},
           "artifact": {{"kind": "JAR", "jarUri": "https://artifacts.example/x.jar"}}}}}}}}}}"#
    )
}

#[tokio::test]
async fn unknown_api_paths_and_methods_answer_in_the_error_shape() {
    let console = console().await;
    let (status, body) = console.get("/api/v1/namespaces/default/nothing-here").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["reason"], "NotFound", "{body}");
    let reply = console.send("PUT", DEPLOYMENTS, &[], Body::empty()).await;
    assert_eq!(reply.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(reply.json()["message"], "PUT is not supported on /api/v1/namespaces/default/deployments");
}

/// The names of a list's items, in order.
fn names(list: &Value) -> Vec<String> {
    let items = list["items"].as_array().cloned().unwrap_or_default();
    items.iter().filter_map(|item| item["metadata"]["name"].as_str().map(str::to_owned)).collect()
}

#[tokio::test]
async fn the_list_searches_by_name_and_sorts_on_every_page_and_keeps_its_default_shape() {
    let console = console().await;
    for name in ["orders-eu", "orders-us", "billing", "orders-x"] {
        let reply = console.send_json("POST", DEPLOYMENTS, &minimal(name)).await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    }
    let (_, default) = console.get(DEPLOYMENTS).await;
    let mut by_name = names(&default);
    let sorted = {
        let mut sorted = by_name.clone();
        sorted.sort();
        sorted
    };
    assert_eq!(by_name, sorted, "by name without a sort, as before");
    assert!(default["metadata"].get("continue").is_none());

    let (status, orders) = console.get(&format!("{DEPLOYMENTS}?name=ORDERS")).await;
    assert_eq!(status, StatusCode::OK, "{orders}");
    assert_eq!(names(&orders), ["orders-eu", "orders-sql", "orders-us", "orders-x"], "case-insensitive substring");
    let (_, orders_us) = console.get(&format!("{DEPLOYMENTS}?name=s-u&labelSelector=team%3Dorders")).await;
    assert_eq!(names(&orders_us), ["orders-us"]);

    // Newest first, two at a time: the continue token carries the order.
    let mut newest_first = Vec::new();
    let mut uri = format!("{DEPLOYMENTS}?sort=-created&limit=2");
    loop {
        let (status, page) = console.get(&uri).await;
        assert_eq!(status, StatusCode::OK, "{uri}: {page}");
        newest_first.extend(names(&page));
        match page["metadata"]["continue"].as_str() {
            Some(token) => uri = format!("{DEPLOYMENTS}?sort=-created&limit=2&continue={token}"),
            None => break,
        }
    }
    assert_eq!(&newest_first[..4], ["orders-x", "billing", "orders-us", "orders-eu"], "created last, listed first");
    by_name.sort_by(|a, b| b.cmp(a));
    let (_, descending) = console.get(&format!("{DEPLOYMENTS}?sort=-name")).await;
    assert_eq!(names(&descending), by_name);
}

#[tokio::test]
async fn a_downloaded_yaml_file_imports_again_under_another_name() {
    let console = console().await;
    let original = create(&console, &minimal("exported")).await;
    let (id, name) = (original["metadata"]["id"].as_str().expect("an id"), original["metadata"]["name"].clone());
    let reply = console.send("GET", &format!("{DEPLOYMENTS}/{id}?download=yaml"), &[], Body::empty()).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.content_type, "application/yaml");
    let disposition = reply.headers.get("content-disposition").and_then(|v| v.to_str().ok()).unwrap_or_default();
    assert_eq!(disposition, format!("attachment; filename=\"{}.yaml\"", name.as_str().unwrap_or_default()));
    let downloaded: Value = serde_yaml_ng::from_str(&reply.body).expect("YAML");
    assert_eq!(downloaded, original, "the file is the resource the API answers");
    let refused = console.send("GET", &format!("{DEPLOYMENTS}/{id}?download=zip"), &[], Body::empty()).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.body);

    // The console's YAML import: the same file with another name creates a new deployment; its id,
    // resourceVersion and status are the new deployment's own.
    let renamed =
        reply.body.replacen(&format!("name: {}", name.as_str().unwrap_or_default()), "name: imported-copy", 1);
    let fields = [("namespace", "default"), ("yaml", renamed.as_str())];
    let created = crate::savepoints::server_fn(&console, "create_deployment_from_yaml", &fields).await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.body);
    let new_id: String = serde_json::from_str(&created.body).expect("the new id");
    assert_ne!(new_id, id);
    let (_, copy) = console.get(&format!("{DEPLOYMENTS}/{new_id}")).await;
    assert_eq!(copy["metadata"]["name"], "imported-copy");
    assert_eq!(copy["metadata"]["resourceVersion"], 1);
    assert_eq!(copy["spec"], original["spec"], "the same spec");
    assert_eq!(copy["status"]["state"], "CANCELLED", "a new deployment starts CANCELLED whatever the file says");

    // The same file again: its name is taken now, as the REST API says.
    let again = crate::savepoints::server_fn(&console, "create_deployment_from_yaml", &fields).await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.body);
}

#[tokio::test]
async fn a_yaml_import_is_refused_with_the_apis_field_messages_and_changes_nothing() {
    let console = console().await;
    let before = count(&console).await;
    let cases = [
        ("", "yaml: paste a Deployment"),
        ("metadata: [unclosed", "the document is not valid YAML"),
        ("a: &x 1\nb: *x\n", "YAML aliases (*name) are not accepted"),
        ("metadata:\n  name: x\n  namespace: elsewhere\nspec: {}\n", "metadata.namespace: "),
        ("metadata:\n  name: \"\\a\"\nspec:\n  template:\n    spec:\n      parallelism: -1\n", "metadata.name: "),
        ("metadata:\n  name: ok\nspec:\n  state: FLYING\n", "spec.state: unknown value"),
    ];
    for (yaml, expected) in cases {
        let reply = crate::savepoints::server_fn(
            &console,
            "create_deployment_from_yaml",
            &[("namespace", "default"), ("yaml", yaml)],
        )
        .await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{yaml:?}: {}", reply.body);
        assert!(reply.body.contains(expected), "{yaml:?}: expected {expected:?} in {}", reply.body);
    }
    assert_eq!(count(&console).await, before, "nothing was created");
}

#[tokio::test]
async fn the_deployment_page_shows_each_tab_and_says_when_flink_cannot_answer() {
    let console = console().await;
    let (_, list) = console.get(DEPLOYMENTS).await;
    let id = list["items"][0]["metadata"]["id"].as_str().expect("an id").to_owned();
    let tab = |name: &'static str| {
        let id = id.clone();
        let console = &console;
        async move {
            let fields = [("namespace", "default"), ("deployment_id", id.as_str()), ("tab", name)];
            let reply = crate::savepoints::server_fn(console, "get_deployment", &fields).await;
            assert_eq!(reply.status, StatusCode::OK, "{name}: {}", reply.body);
            reply.json()["content"].clone()
        }
    };
    assert_eq!(tab("Overview").await["Overview"]["job"], Value::Null, "no job has run");
    assert_eq!(tab("Exceptions").await["Exceptions"], "NoJob");
    let configuration = tab("Configuration").await;
    let yaml = configuration["Configuration"]["resource_yaml"].as_str().unwrap_or_default().to_owned();
    assert!(yaml.starts_with("apiVersion: v1\nkind: Deployment\nmetadata:\n"), "{yaml}");
    assert_eq!(configuration["Configuration"]["effective_differs"], false);
    assert!(configuration["Configuration"]["download"].as_str().unwrap_or_default().ends_with("?download=yaml"));
    assert_eq!(tab("Savepoints").await["Savepoints"]["copy_targets"].as_array().map(Vec::len), Some(2));

    // A job that reached Flink: the test console's local target answers nothing (port 8081 of nobody).
    let mut job = crate::jobs::job(&id, "2026-01-01T00:00:00.000000Z", domain::JobState::Failed);
    job.status.started = Some(domain::JobStarted {
        flink_job_id: "0123456789abcdef0123456789abcdef".into(),
        started_at: "2026-01-01T00:00:00Z".into(),
        last_update_time: None,
        observed_flink_job_status: None,
        observed_flink_job_restarts: None,
    });
    console.store.insert_job(&job).await.expect("a job");
    let overview = tab("Overview").await;
    let current = &overview["Overview"]["job"];
    assert_eq!(current["flink_job_id"], "0123456789abcdef0123456789abcdef");
    assert!(current["live"]["Err"].as_str().unwrap_or_default().starts_with("Flink could not be reached"), "{current}");
    assert_eq!(
        current["web_ui"], "http://127.0.0.1:8081/#/job/completed/0123456789abcdef0123456789abcdef/overview",
        "an ended job is among Flink's completed jobs"
    );
    let exceptions = tab("Exceptions").await;
    let unavailable = &exceptions["Exceptions"]["Unavailable"];
    assert!(
        unavailable["reason"].as_str().unwrap_or_default().starts_with("Flink could not be reached"),
        "{exceptions}"
    );
}
