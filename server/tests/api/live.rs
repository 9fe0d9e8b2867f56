//! `GET /api/v1/namespaces/{ns}/deployments:watch`: the live change stream. Who may open it is in
//! the matrix; here: a change arrives as one event while the stream is open, a reconnecting client
//! gets what it missed (`Last-Event-ID` or `since`), an unknown position gets a `resync`, other
//! namespaces' changes never reach it, and the Deployments page's server function searches.

use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::{json, Value};
use server::router;
use tower::ServiceExt;

use crate::jobs::deployment_ids;
use crate::support::{console, Console};

const WATCH: &str = "/api/v1/namespaces/default/deployments:watch";

/// One server-sent event: its name, id and data.
#[derive(Debug)]
struct Sse {
    event: String,
    id: Option<String>,
    data: Value,
}

/// The events of an event-stream text (comments and keep-alives skipped).
fn events(text: &str) -> Vec<Sse> {
    text.split("\n\n")
        .filter_map(|block| {
            let (mut event, mut id, mut data) = (None, None, String::new());
            for line in block.lines() {
                if let Some(value) = line.strip_prefix("event:") {
                    event = Some(value.trim().to_owned());
                } else if let Some(value) = line.strip_prefix("id:") {
                    id = Some(value.trim().to_owned());
                } else if let Some(value) = line.strip_prefix("data:") {
                    data.push_str(value.trim());
                }
            }
            Some(Sse { event: event?, id, data: serde_json::from_str(&data).unwrap_or(Value::Null) })
        })
        .collect()
}

/// Reads `body` into `text` until an event called `wanted` is in it (at most 10 s a frame).
async fn read_until(body: &mut Body, text: &mut String, wanted: &str) {
    while !events(text).iter().any(|e| e.event == wanted) {
        let frame = tokio::time::timeout(Duration::from_secs(10), body.frame())
            .await
            .unwrap_or_else(|_| panic!("no {wanted} event within 10 s: {text}"))
            .expect("the stream stays open")
            .expect("a frame");
        if let Ok(data) = frame.into_data() {
            text.push_str(&String::from_utf8_lossy(&data));
        }
    }
}

/// A stream that ends by itself (`timeoutSeconds=0`): status and events.
async fn catch_up(console: &Console, uri: &str, headers: &[(&str, &str)]) -> (StatusCode, Vec<Sse>) {
    let reply = console.send("GET", uri, headers, Body::empty()).await;
    if reply.status == StatusCode::OK {
        assert!(reply.content_type.starts_with("text/event-stream"), "{}", reply.content_type);
    }
    (reply.status, events(&reply.body))
}

/// The stream's position now (the id of a fresh stream's `ready` event).
async fn position(console: &Console) -> String {
    let (status, events) = catch_up(console, &format!("{WATCH}?timeoutSeconds=0"), &[]).await;
    assert_eq!(status, StatusCode::OK);
    let ready = events.iter().find(|e| e.event == "ready").expect("a ready event");
    assert_eq!(ready.id.as_deref(), ready.data["position"].as_str(), "the id and the data agree");
    ready.id.clone().expect("an id")
}

async fn set_desired(console: &Console, id: &str, state: &str) {
    let reply = console
        .send_json("PATCH", &format!("/api/v1/namespaces/default/deployments/{id}"), &json!({"spec": {"state": state}}))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
}

#[tokio::test]
async fn a_change_arrives_as_one_event_while_the_stream_is_open() {
    let console = console().await;
    let ids = deployment_ids(&console).await;
    let request = Request::get(WATCH)
        .header("cookie", format!("console_session={}", console.admin_session))
        .body(Body::empty())
        .expect("a request");
    let response = router(console.state.clone()).oneshot(request).await.expect("a response");
    assert_eq!(response.status(), StatusCode::OK);
    let mut body = response.into_body();
    let mut text = String::new();
    read_until(&mut body, &mut text, "ready").await;
    set_desired(&console, &ids[0], "SUSPENDED").await;
    read_until(&mut body, &mut text, "deployment").await;
    let changes: Vec<Sse> = events(&text).into_iter().filter(|e| e.event == "deployment").collect();
    assert_eq!(changes.len(), 1, "one event for one change: {text}");
    let change = &changes[0].data;
    assert_eq!(change["id"], ids[0].as_str());
    assert_eq!(change["change"], "UPDATED");
    assert_eq!(change["desiredState"], "SUSPENDED");
    assert_eq!(change["state"], "CANCELLED", "the engine has not moved it yet");
    assert_eq!(change["resourceVersion"], 2);
    for field in ["name", "executionMode", "modifiedAt", "statusVersion", "namespace"] {
        assert!(!change[field].is_null(), "{field} in {change}");
    }
    assert!(changes[0].id.is_some(), "a change carries its position");
}

#[tokio::test]
async fn a_reconnecting_client_gets_what_it_missed_by_last_event_id_or_since() {
    let console = console().await;
    let ids = deployment_ids(&console).await;
    let before = position(&console).await;
    set_desired(&console, &ids[0], "SUSPENDED").await;
    set_desired(&console, &ids[1], "SUSPENDED").await;
    let middle = position(&console).await;
    set_desired(&console, &ids[2], "SUSPENDED").await;

    let uri = format!("{WATCH}?timeoutSeconds=0");
    let (status, replayed) = catch_up(&console, &uri, &[("last-event-id", &before)]).await;
    assert_eq!(status, StatusCode::OK);
    let names: Vec<&str> = replayed.iter().map(|e| e.event.as_str()).collect();
    assert_eq!(names, ["deployment", "deployment", "deployment", "ready", "end"], "{replayed:?}");
    let changed: Vec<&str> = replayed.iter().filter_map(|e| e.data["id"].as_str()).collect();
    assert_eq!(changed, [ids[0].as_str(), ids[1].as_str(), ids[2].as_str()], "in the order they happened");
    assert_eq!(replayed[3].id, Some(position(&console).await), "ready says where the client now is");

    let (_, from_middle) = catch_up(&console, &format!("{uri}&since={middle}"), &[]).await;
    let changed: Vec<&str> = from_middle.iter().filter_map(|e| e.data["id"].as_str()).collect();
    assert_eq!(changed, [ids[2].as_str()], "since= resumes like Last-Event-ID");
    let (_, header_wins) = catch_up(&console, &format!("{uri}&since={before}"), &[("last-event-id", &middle)]).await;
    assert_eq!(header_wins.iter().filter(|e| e.event == "deployment").count(), 1, "the browser's header wins");

    for unknown in ["0123456789ab-1", "garbage"] {
        let (status, events) = catch_up(&console, &format!("{uri}&since={unknown}"), &[]).await;
        assert_eq!(status, StatusCode::OK);
        let names: Vec<&str> = events.iter().map(|e| e.event.as_str()).collect();
        assert_eq!(names, ["resync", "ready", "end"], "{unknown}: {events:?}");
    }
}

#[tokio::test]
async fn changes_of_other_namespaces_and_refused_callers_get_nothing() {
    let console = console().await;
    let before = position(&console).await;
    let reply = console.send_json("POST", "/api/v1/namespaces", &json!({"metadata": {"name": "elsewhere"}})).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    // A deployment of `elsewhere`, written as the engine's fixtures are: straight to the store.
    let default = domain::NamespaceName::parse("default").expect("a name");
    let mut far_away = console
        .store
        .list_deployments(&default, None, &storage::Page::first(1))
        .await
        .expect("list")
        .items
        .pop()
        .expect("a seeded deployment");
    far_away.metadata.id = uuid::Uuid::new_v4().to_string();
    far_away.metadata.namespace = "elsewhere".into();
    console.store.insert_deployment(&far_away).await.expect("a deployment elsewhere");
    let uri = format!("{WATCH}?timeoutSeconds=0&since={before}");
    let (_, events) = catch_up(&console, &uri, &[]).await;
    assert!(events.iter().all(|e| e.event != "deployment"), "{events:?}");
    let (_, theirs) = catch_up(
        &console,
        &format!("/api/v1/namespaces/elsewhere/deployments:watch?timeoutSeconds=0&since={before}"),
        &[],
    )
    .await;
    assert_eq!(theirs.iter().filter(|e| e.event == "deployment").count(), 1, "{theirs:?}");
    assert_eq!(theirs[0].data["change"], "CREATED");

    let (status, _) = catch_up(&console, &uri, &[("cookie", "console_session=nobody")]).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, body) = console.get(&format!("{WATCH}?timeoutSeconds=forever")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body["message"].as_str().unwrap_or_default().starts_with("timeoutSeconds: "), "{body}");
}

#[tokio::test]
async fn an_open_stream_learns_that_its_session_ended_or_its_access_was_revoked() {
    let console = console().await;
    let services = &console.state.services;
    let default = domain::NamespaceName::parse("default").expect("a name");
    let session = console.admin_session.clone();
    services.still_allowed(Some(&session), None, &default).await.expect("allowed while signed in");
    let (_, secret) = services.sign_in("admin", "admin-password", "test").await.expect("a second session");
    services.sign_out(secret.expose()).await.expect("signed out");
    let err = services.still_allowed(Some(secret.expose()), None, &default).await.expect_err("signed out");
    assert_eq!(err.status_code(), 401, "{err}");
}

/// `POST /api/list_deployments` as the Deployments page calls it.
async fn page(console: &Console, fields: &[(&str, &str)]) -> (StatusCode, Value) {
    let body: Vec<String> =
        fields.iter().map(|(k, v)| format!("{k}={}", v.replace('=', "%3D").replace(',', "%2C"))).collect();
    let headers = [("content-type", "application/x-www-form-urlencoded"), ("accept", "application/json")];
    let reply = console.send("POST", "/api/list_deployments", &headers, body.join("&")).await;
    (reply.status, reply.json())
}

#[tokio::test]
async fn the_deployments_page_reads_a_search_with_its_counts_and_says_what_is_wrong_with_a_bad_one() {
    let console = console().await;
    let ns = [("namespace", "default"), ("mode", "STREAMING")];
    let (status, all) = page(&console, &ns).await;
    assert_eq!(status, StatusCode::OK, "{all}");
    let counts = all["counts"].as_array().expect("counts");
    assert_eq!(counts.len(), 6, "every state: {all}");
    let total: u64 = counts.iter().filter_map(|c| c[1].as_u64()).sum();
    assert_eq!(total, all["page"]["items"].as_array().map_or(0, Vec::len) as u64);
    assert!(all["live_from"].as_str().is_some_and(|p| p.contains('-')), "{all}");

    let (_, counter) = page(&console, &[ns[0], ns[1], ("q", "Counter"), ("sort", "-modified")]).await;
    let names: Vec<&str> =
        counter["page"]["items"].as_array().expect("items").iter().filter_map(|r| r["name"].as_str()).collect();
    assert_eq!(names, ["stateful-counter"], "{counter}");
    let (_, failed) = page(&console, &[ns[0], ns[1], ("state", "failed")]).await;
    assert_eq!(failed["page"]["items"].as_array().map(Vec::len), Some(0), "{failed}");
    assert_eq!(failed["counts"], all["counts"], "the counts leave the state filter out");

    for (field, value, message) in [
        ("labels", "env=pr od", "labelSelector: \"env=pr od\": the value \"pr od\" is not a label value"),
        ("state", "BROKEN", "state: \"BROKEN\" is not one of"),
        ("sort", "size", "sort: \"size\" is not one of"),
    ] {
        let (status, body) = page(&console, &[ns[0], ns[1], (field, value)]).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{field}: {body}");
        let text = body.to_string();
        assert!(text.contains(&message.replace('"', "\\\"")), "{field}: {text}");
    }
}
