//! Session-cluster URLs cannot reach into the console's own network: the URL's shape, the address
//! its host is or resolves to (at registration and at every connection), the hosts an admin
//! allows, and health messages that carry no answer's text.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use axum::body::Body;
use axum::http::StatusCode;
use axum::routing::get;
use domain::Role;
use serde_json::{json, Value};

use crate::matrix::person;
use crate::support::{console, Console};

const TARGETS: &str = "/api/v1/namespaces/default/deployment-targets";
const SECRET: &str = "s3cr3t-metadata-token";

fn session(name: &str, url: &str) -> Value {
    json!({"metadata": {"name": name}, "spec": {"flinkSession": {"url": url}}})
}

/// Everything a refused registration must leave as it was.
async fn written(console: &Console) -> String {
    let (_, targets) = console.get(TARGETS).await;
    let (_, audit) = console.get("/api/v1/namespaces/default/audit-log").await;
    format!("{targets}\n{audit}")
}

/// A web server on loopback answering every `/overview` with `status` and `body`; counts requests.
async fn listener(status: StatusCode, body: &'static str) -> (String, Arc<AtomicUsize>) {
    let socket = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a loopback port");
    let port = socket.local_addr().expect("its address").port();
    let asked = Arc::new(AtomicUsize::new(0));
    let counter = asked.clone();
    let app = axum::Router::new().route(
        "/overview",
        get(move || {
            counter.fetch_add(1, Ordering::SeqCst);
            async move { (status, body) }
        }),
    );
    tokio::spawn(async move { axum::serve(socket, app).await });
    (format!("{port}"), asked)
}

#[tokio::test]
async fn session_urls_into_the_consoles_network_or_with_more_than_host_and_port_are_refused_and_write_nothing() {
    let console = console().await;
    let before = written(&console).await;
    let refused = [
        ("http://169.254.169.254:80", "169.254.169.254 is a link-local address inside the console's network"),
        ("http://127.0.0.1:9", "127.0.0.1 is a loopback address"),
        ("http://[::1]:8081", "::1 is a loopback address"),
        ("http://[::ffff:127.0.0.1]:8081", "::ffff:127.0.0.1 is a loopback address"),
        ("http://10.0.0.8:8081", "10.0.0.8 is a private address"),
        ("http://100.64.0.1:8081", "100.64.0.1 is a carrier-grade NAT address"),
        ("http://0.0.0.0:8081", "0.0.0.0 is a unspecified address"),
        ("http://localhost:8081", "localhost resolves to "),
        ("http://user:pw@flink:8081", "must be scheme://host:port, without user, path, query or fragment"),
        ("http://flink:8081/path?x", "must be scheme://host:port, without user, path, query or fragment"),
        ("http://flink:8081/#frag", "must be scheme://host:port"),
        ("http://127.1:8081", "is not an IPv4 address in dotted-quad form"),
        ("http://2130706433:8081", "is not an IPv4 address in dotted-quad form"),
    ];
    for (url, expected) in refused {
        let reply = console.send_json("POST", TARGETS, &session("sneaky", url)).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{url}: {}", reply.body);
        let message = reply.json()["message"].as_str().unwrap_or_default().to_owned();
        assert!(message.starts_with("spec.flinkSession.url: "), "{url}: {message}");
        assert!(message.contains(expected), "{url}: {message}");
    }
    assert_eq!(written(&console).await, before, "a refused registration writes nothing");
}

#[tokio::test]
async fn a_loopback_session_cluster_registers_once_an_admin_allows_loopback() {
    let console = console().await;
    let refused = console.send_json("POST", TARGETS, &session("mine", "http://127.0.0.1:9")).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.body);
    console.allow_hosts(&["127.0.0.0/8", "*.flink.example", "::1"]).await;
    let (status, settings) = console.get("/api/v1/settings/network").await;
    assert_eq!(status, StatusCode::OK, "{settings}");
    assert_eq!(settings, json!({"allowedSessionClusterHosts": ["127.0.0.0/8", "*.flink.example", "::1"]}));
    let created = console.send_json("POST", TARGETS, &session("mine", "http://127.0.0.1:9")).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let still = console.send_json("POST", TARGETS, &session("metadata", "http://169.254.169.254:80")).await;
    assert_eq!(still.status, StatusCode::BAD_REQUEST, "only what is allowed: {}", still.body);
    let audit = console.state.services.audit(None, &domain::PageRequest::first(100)).await.expect("the audit log");
    let change = audit.items.iter().find(|e| e.resource_kind == "Settings" && e.resource_name == "network");
    let change = change.expect("an audit line for the change");
    assert_eq!(change.after.as_ref().map(|a| a["allowedSessionClusterHosts"][0].clone()), Some(json!("127.0.0.0/8")));
}

#[tokio::test]
async fn bad_host_patterns_are_refused_naming_the_pattern_and_change_nothing() {
    let console = console().await;
    let bad = json!({"allowedSessionClusterHosts": ["10.0.0.0/8", "10.0.0.1/8", "not a host"]});
    let reply = console.send_json("PUT", "/api/v1/settings/network", &bad).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);
    let message = reply.json()["message"].as_str().unwrap_or_default().to_owned();
    assert!(
        message.contains("allowedSessionClusterHosts[1]") && message.contains("allowedSessionClusterHosts[2]"),
        "{message}"
    );
    assert_eq!(console.get("/api/v1/settings/network").await.1, json!({"allowedSessionClusterHosts": []}));
}

#[tokio::test]
async fn only_admins_read_or_change_the_network_settings() {
    let console = console().await;
    let hash = services::auth::hash_password("owner-password").expect("a hash");
    let owner = person(&console.store, &hash, "olga", Some(("default", Role::Owner))).await;
    let cookie = format!("console_session={owner}");
    let headers = [("cookie", cookie.as_str()), ("accept", "application/json"), ("content-type", "application/json")];
    let allow = json!({"allowedSessionClusterHosts": ["0.0.0.0/0"]}).to_string();
    let put = console.send("PUT", "/api/v1/settings/network", &headers, allow).await;
    assert_eq!(put.status, StatusCode::FORBIDDEN, "{}", put.body);
    let read = console.send("GET", "/api/v1/settings/network", &headers, Body::empty()).await;
    assert_eq!(read.status, StatusCode::FORBIDDEN, "{}", read.body);
    let register = console.send("POST", TARGETS, &headers, session("mine", "http://127.0.0.1:9").to_string()).await;
    assert_eq!(
        register.status,
        StatusCode::BAD_REQUEST,
        "the owner's own registration is still refused: {}",
        register.body
    );
}

#[tokio::test]
async fn the_probers_message_for_a_refusing_cluster_carries_its_status_and_none_of_its_body() {
    let console = console().await;
    console.allow_hosts(&["127.0.0.0/8"]).await;
    let (failing, _) = listener(StatusCode::INTERNAL_SERVER_ERROR, SECRET).await;
    let (not_flink, _) = listener(StatusCode::OK, "<html>s3cr3t-metadata-token</html>").await;
    let (missing, _) = listener(StatusCode::NOT_FOUND, "{\"errors\": [\"s3cr3t-metadata-token\"]}").await;
    for (name, port, expected) in [
        ("failing", failing, "HTTP 500 from /overview"),
        ("not-flink", not_flink, "not a Flink JobManager: its answer to /overview is not Flink's"),
        ("missing", missing, "HTTP 404 from /overview"),
    ] {
        let reply = console.send_json("POST", TARGETS, &session(name, &format!("http://127.0.0.1:{port}"))).await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
        let health = console.probe("default", name).await;
        assert_eq!(health["message"], expected, "{health}");
        assert!(!health.to_string().contains(SECRET), "{health}");
        let (_, served) = console.get(&format!("{TARGETS}/{name}")).await;
        assert!(!served.to_string().contains(SECRET), "{served}");
    }
}

#[tokio::test]
async fn a_session_cluster_no_longer_allowed_is_refused_at_connection_and_never_asked() {
    let console = console().await;
    console.allow_hosts(&["127.0.0.0/8", "localhost", "::1"]).await;
    let (port, asked) = listener(StatusCode::INTERNAL_SERVER_ERROR, SECRET).await;
    for (name, host) in [("by-address", "127.0.0.1"), ("by-name", "localhost")] {
        let reply = console.send_json("POST", TARGETS, &session(name, &format!("http://{host}:{port}"))).await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    }
    assert_eq!(console.probe("default", "by-address").await["message"], "HTTP 500 from /overview");
    let asked_while_allowed = asked.load(Ordering::SeqCst);
    assert!(asked_while_allowed >= 2, "both targets were probed: {asked_while_allowed}");

    console.allow_hosts(&[]).await;
    for name in ["by-address", "by-name"] {
        console.state.services.health.set("default", name, domain::TargetHealth::unknown("not checked yet"));
    }
    let by_address = console.probe("default", "by-address").await;
    assert_eq!(
        by_address["message"],
        "127.0.0.1 is a loopback address inside the console's network; an admin can allow it under Admin → Network",
    );
    let by_name = console.probe("default", "by-name").await;
    let message = by_name["message"].as_str().unwrap_or_default();
    assert!(message.starts_with("localhost resolves to ") && message.contains("loopback"), "{by_name}");
    assert_eq!(asked.load(Ordering::SeqCst), asked_while_allowed, "no request reached the listener once refused");
}

#[tokio::test]
async fn a_namespace_holds_at_most_fifty_targets() {
    let console = console().await;
    console.allow_hosts(&["127.0.0.0/8"]).await;
    let (_, listed) = console.get(TARGETS).await;
    let existing = listed["items"].as_array().map_or(0, Vec::len);
    for n in existing..services::MAX_TARGETS {
        let reply = console.send_json("POST", TARGETS, &session(&format!("t{n}"), "http://127.0.0.1:9")).await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    }
    let reply = console.send_json("POST", TARGETS, &session("one-more", "http://127.0.0.1:9")).await;
    assert_eq!(reply.status, StatusCode::CONFLICT, "{}", reply.body);
    assert_eq!(
        reply.json()["message"],
        "namespace default has 50 deployment targets, the most it may have; delete one first"
    );
}

#[tokio::test]
async fn the_consoles_own_remote_cluster_is_reached_without_the_policy() {
    let console = console().await;
    let overview =
        r#"{"taskmanagers": 1, "slots-total": 4, "slots-available": 3, "jobs-running": 0, "flink-version": "2.3.0"}"#;
    let (port, _) = listener(StatusCode::OK, overview).await;
    let client = flink::FlinkClient::new(&format!("http://127.0.0.1:{port}")).expect("a client");
    let flink = Arc::new(server::local_flink::FlinkSupervision::Remote(client));
    server::targets::register_console_cluster(&console.store, &flink, "http://127.0.0.1:8081")
        .await
        .expect("registered");
    let mut own = console;
    own.state.flink = flink;
    own.state.services.health.set("default", "local", domain::TargetHealth::unknown("not checked yet"));
    let health = own.probe("default", "local").await;
    assert_eq!(health["state"], "HEALTHY", "{health}");
    let (_, local) = own.get(&format!("{TARGETS}/local")).await;
    assert_eq!(local["spec"]["local"]["restUrl"], format!("http://127.0.0.1:{port}"), "{local}");
}
