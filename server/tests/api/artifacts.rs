//! A deployment's JAR comes only from the console's artifact store (or a URL to download): no path
//! a person types may make the console read, or upload to a cluster of their choosing, a file of its
//! own host. The attack, as a client makes it, is refused when the deployment is written.

use axum::http::StatusCode;
use serde_json::{json, Value};

use crate::support::console;

const DEPLOYMENTS: &str = "/api/v1/namespaces/default/deployments";

fn with_jar(name: &str, jar_uri: &str) -> Value {
    json!({"metadata": {"name": name},
           "spec": {"template": {"spec": {"artifact": {"kind": "JAR", "jarUri": jar_uri, "entryClass": "x.Main"}}}}})
}

async fn count(console: &crate::support::Console) -> usize {
    let (_, list) = console.get(DEPLOYMENTS).await;
    list["items"].as_array().map_or(0, Vec::len)
}

#[tokio::test]
async fn a_jar_uri_naming_a_file_of_the_consoles_host_is_refused_and_nothing_is_stored() {
    let console = console().await;
    let inside = console.jar("real.jar");
    let root = inside.trim_start_matches("file://").trim_end_matches("/real.jar").to_owned();
    let before = count(&console).await;
    for hostile in [
        "file:///proc/self/environ".to_owned(),
        "/proc/self/environ".to_owned(),
        format!("file://{root}/../../../../etc/passwd.jar"),
        format!("{root}/console.db"),
        "file:///etc/ssl/certs/ca-certificates.crt".to_owned(),
        "s3://bucket/job.jar".to_owned(),
        "job.jar".to_owned(),
    ] {
        let reply = console.send_json("POST", DEPLOYMENTS, &with_jar("stolen", &hostile)).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{hostile}: {}", reply.body);
        let message = reply.json()["message"].as_str().unwrap_or_default().to_owned();
        assert!(message.starts_with("spec.template.spec.artifact.jarUri: "), "{hostile}: {message}");
    }
    assert_eq!(count(&console).await, before, "nothing was stored");
}

#[tokio::test]
async fn a_symbolic_link_out_of_the_artifact_store_is_refused() {
    let console = console().await;
    let inside = console.jar("real.jar");
    let root = inside.trim_start_matches("file://").trim_end_matches("/real.jar").to_owned();
    std::os::unix::fs::symlink("/proc/self/environ", format!("{root}/environ.jar")).expect("a link");
    let reply =
        console.send_json("POST", DEPLOYMENTS, &with_jar("linked", &format!("file://{root}/environ.jar"))).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);
    assert!(reply.body.contains("outside the console's artifact store"), "{}", reply.body);
}

#[tokio::test]
async fn a_jar_of_the_artifact_store_or_a_url_is_accepted() {
    let console = console().await;
    let reply = console.send_json("POST", DEPLOYMENTS, &with_jar("stored", &console.jar("job.jar"))).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    let maven = "https://repo1.maven.org/maven2/org/apache/flink/x/1.0/x-1.0.jar";
    let reply = console.send_json("POST", DEPLOYMENTS, &with_jar("downloaded", maven)).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
}

#[tokio::test]
async fn changing_a_deployment_to_a_hostile_jar_is_refused_but_other_changes_need_no_jar_check() {
    let console = console().await;
    let reply = console.send_json("POST", DEPLOYMENTS, &with_jar("job", &console.jar("job.jar"))).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    let id = reply.json()["metadata"]["id"].as_str().expect("an id").to_owned();
    let uri = format!("{DEPLOYMENTS}/{id}");

    let hostile = json!({"spec": {"template": {"spec": {"artifact": {"jarUri": "file:///proc/self/environ"}}}}});
    let reply = console.send_json("PATCH", &uri, &hostile).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);

    // The seeded examples name JARs of a jobs directory this test console lacks: a change of state
    // does not touch the JAR and is not held up by it.
    let (_, list) = console.get(DEPLOYMENTS).await;
    let seeded = list["items"].as_array().expect("items").iter().find(|d| d["metadata"]["name"] == "stateful-counter");
    let seeded = seeded.expect("the seeded example")["metadata"]["id"].as_str().expect("an id").to_owned();
    let reply =
        console.send_json("PATCH", &format!("{DEPLOYMENTS}/{seeded}"), &json!({"spec": {"state": "SUSPENDED"}})).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
}
