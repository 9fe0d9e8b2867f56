//! Every list is paged: at most `limit` items (1 to 1000, 1000 by default), `metadata.continue`
//! while more follow, and 400 for a limit or a token the console did not give out. Filters hold
//! on every page.

use std::collections::BTreeSet;

use axum::http::StatusCode;
use domain::{Event, EventName};
use serde_json::{json, Value};

use crate::jobs::deployment_ids;
use crate::support::{console, Console};

const EVENTS: &str = "/api/v1/namespaces/default/events";
const DEPLOYMENTS: &str = "/api/v1/namespaces/default/deployments";

fn ids(list: &Value) -> Vec<String> {
    let items = list["items"].as_array().cloned().unwrap_or_default();
    items.iter().filter_map(|item| item["metadata"]["id"].as_str().map(str::to_owned)).collect()
}

fn next(list: &Value) -> Option<String> {
    list["metadata"]["continue"].as_str().map(str::to_owned)
}

/// Appends `count` events to a deployment's log, a millisecond apart.
async fn append_events(console: &Console, deployment_id: &str, count: usize) {
    for i in 0..count {
        let at = format!("2024-05-01T10:{:02}:{:02}.{:03}Z", i / 60_000, (i / 1000) % 60, i % 1000);
        let event = Event::new(
            uuid::Uuid::new_v4().to_string(),
            "default",
            deployment_id,
            None,
            EventName::GeneralFailure,
            "…",
            &at,
        );
        console.store.append_event(&event).await.expect("append");
    }
}

/// Reads every page of `uri` (which has a query already); the pages' sizes and every id.
async fn page_through(console: &Console, uri: &str) -> (Vec<usize>, Vec<String>) {
    let (mut sizes, mut all) = (Vec::new(), Vec::new());
    let mut token: Option<String> = None;
    loop {
        let page_uri = match &token {
            Some(token) => format!("{uri}&continue={token}"),
            None => uri.to_owned(),
        };
        let (status, page) = console.get(&page_uri).await;
        assert_eq!(status, StatusCode::OK, "{page_uri}: {page}");
        sizes.push(ids(&page).len());
        all.extend(ids(&page));
        token = next(&page);
        if token.is_none() {
            return (sizes, all);
        }
    }
}

#[tokio::test]
async fn a_long_event_log_comes_in_pages_of_at_most_a_thousand() {
    let console = console().await;
    let deployments = deployment_ids(&console).await;
    append_events(&console, &deployments[0], 1050).await;
    append_events(&console, &deployments[1], 3).await;

    let uri = format!("{EVENTS}?deploymentId={}", deployments[0]);
    let (status, first) = console.get(&uri).await;
    assert_eq!(status, StatusCode::OK, "{first}");
    assert_eq!(ids(&first).len(), 1000, "the default page is the largest");
    let token = next(&first).expect("metadata.continue while more follow");
    let (status, second) = console.get(&format!("{uri}&continue={token}")).await;
    assert_eq!(status, StatusCode::OK, "{second}");
    assert_eq!(ids(&second).len(), 50, "the rest");
    assert_eq!(next(&second), None, "the last page has no continue");
    assert!(second["metadata"].get("continue").is_none());

    let (sizes, all) = page_through(&console, &format!("{uri}&limit=400")).await;
    assert_eq!(sizes, [400, 400, 250]);
    let distinct: BTreeSet<&String> = all.iter().collect();
    assert_eq!(distinct.len(), 1050, "no event twice, none left out");
    assert_eq!(all[..1000], ids(&first)[..], "the same order whatever the page size");

    let (sizes, _) = page_through(&console, &format!("{EVENTS}?deploymentId={}&limit=2", deployments[1])).await;
    assert_eq!(sizes, [2, 1], "the filter holds on every page");
    let (sizes, _) = page_through(&console, &format!("{EVENTS}?deploymentId={}&limit=3", deployments[1])).await;
    assert_eq!(sizes, [3], "a page exactly as long as the list says nothing follows");
}

#[tokio::test]
async fn a_bad_limit_or_a_forged_continue_token_is_a_bad_request() {
    let console = console().await;
    let (_, deployments) = console.get(&format!("{DEPLOYMENTS}?limit=1")).await;
    let by_name = next(&deployments).expect("the seed has more than one deployment");
    let cases = [
        (format!("{EVENTS}?limit=0"), "limit: "),
        (format!("{EVENTS}?limit=5000"), "limit: at most 1000"),
        (format!("{EVENTS}?limit=x"), "limit: "),
        (format!("{EVENTS}?limit=-1"), "limit: "),
        (format!("{EVENTS}?continue=forged"), "continue: "),
        (format!("{EVENTS}?continue=n.zz"), "continue: "),
        (format!("{EVENTS}?continue={by_name}"), "continue: "),
        (format!("{DEPLOYMENTS}?limit=1001"), "limit: at most 1000"),
        (format!("{DEPLOYMENTS}?sort=-modified&continue={by_name}"), "continue: "),
        (format!("{DEPLOYMENTS}?sort=size"), "sort: \"size\" is not one of name, state, created, modified"),
        (format!("{DEPLOYMENTS}?labelSelector=%3Dprod"), "labelSelector: \"=prod\" has no label key"),
        (format!("{DEPLOYMENTS}?labelSelector=env%20in%20(a)"), "labelSelector: \"env in (a)\" is a set-based"),
        (format!("{DEPLOYMENTS}?name={}", "x".repeat(300)), "name: a search of 300 characters"),
        ("/api/v1/namespaces/default/jobs?limit=0".to_owned(), "limit: "),
        ("/api/v1/namespaces/default/savepoints?continue=x".to_owned(), "continue: "),
        ("/api/v1/namespaces/default/deployment-targets?limit=y".to_owned(), "limit: "),
        ("/api/v1/namespaces/default/members?limit=0".to_owned(), "limit: "),
        ("/api/v1/namespaces/default/api-tokens?limit=0".to_owned(), "limit: "),
        ("/api/v1/namespaces/default/audit-log?continue=x".to_owned(), "continue: "),
        ("/api/v1/namespaces?limit=0".to_owned(), "limit: "),
        ("/api/v1/users?limit=2000".to_owned(), "limit: at most 1000"),
    ];
    for (uri, message) in cases {
        let (status, body) = console.get(&uri).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{uri}: {body}");
        assert_eq!(body["kind"], "Error", "{uri}: {body}");
        assert_eq!(body["reason"], "BadRequest", "{uri}: {body}");
        let text = body["message"].as_str().unwrap_or_default();
        assert!(text.starts_with(message), "{uri}: {text:?} should start with {message:?}");
    }
}

#[tokio::test]
async fn a_label_selector_holds_on_every_page_of_deployments() {
    let console = console().await;
    for i in 0..7 {
        let team = if i % 2 == 0 { "orders" } else { "billing" };
        let body = json!({
            "metadata": {"name": format!("paged-{i}"), "labels": {"team": team}},
            "spec": {"template": {"spec": {"artifact": {"kind": "JAR", "jarUri": "https://artifacts.example/x.jar"}}}}
        });
        let reply = console.send_json("POST", DEPLOYMENTS, &body).await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    }
    let (sizes, all) = page_through(&console, &format!("{DEPLOYMENTS}?labelSelector=team%3Dorders&limit=2")).await;
    // The selector runs in the database: every page but the last is full.
    assert_eq!(sizes, [2, 2], "four of the seven match, two a page");
    let (_, whole) = console.get(&format!("{DEPLOYMENTS}?labelSelector=team%3Dorders")).await;
    assert_eq!(all, ids(&whole), "the pages make up the whole list");
    let names: Vec<&str> = whole["items"]
        .as_array()
        .map(|items| items.iter().filter_map(|i| i["metadata"]["name"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(names, ["paged-0", "paged-2", "paged-4", "paged-6"], "by name");

    let (sizes, all) = page_through(&console, &format!("{DEPLOYMENTS}?limit=3")).await;
    assert!(sizes.iter().all(|size| *size <= 3), "{sizes:?}");
    let (_, everything) = console.get(DEPLOYMENTS).await;
    assert_eq!(all, ids(&everything), "without a selector too");
}

/// `POST /api/<endpoint>` as the Admin page's server functions are called, with form `fields`.
async fn server_fn(console: &Console, endpoint: &str, fields: &[(&str, &str)]) -> Value {
    let body: Vec<String> = fields.iter().map(|(k, v)| format!("{k}={v}")).collect();
    let headers = [("content-type", "application/x-www-form-urlencoded"), ("accept", "application/json")];
    let reply = console.send("POST", &format!("/api/{endpoint}"), &headers, body.join("&")).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    reply.json()
}

#[tokio::test]
async fn the_admin_page_reads_users_a_page_at_a_time_and_goes_on_from_the_token() {
    let console = console().await;
    for n in 0..105 {
        let user = domain::User {
            id: uuid::Uuid::new_v4().to_string(),
            name: format!("user-{n:03}"),
            admin: false,
            created_at: "2026-01-01T00:00:00Z".into(),
            must_change_password: false,
        };
        console.store.create_user(&user, "not-a-hash").await.expect("a user");
    }
    let first = server_fn(&console, "list_users", &[]).await;
    assert_eq!(first["items"].as_array().map(Vec::len), Some(100), "{first}");
    let token = first["continue_token"].as_str().expect("more follow").to_owned();
    let second = server_fn(&console, "list_users", &[("after", &token)]).await;
    let names: Vec<&str> =
        second["items"].as_array().expect("items").iter().filter_map(|u| u["name"].as_str()).collect();
    assert_eq!(names, ["user-099", "user-100", "user-101", "user-102", "user-103", "user-104"], "admin sorts first");
    assert!(second["continue_token"].is_null(), "{second}");
}
