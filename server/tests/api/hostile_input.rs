//! Bodies and requests an attacker would send, through the whole HTTP stack: YAML that expands
//! (a "billion laughs"), nesting deep enough to overflow a recursive parser, and writes posted from
//! another site. Each answer must be a refusal that costs the console next to nothing.

use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{Request, StatusCode};
use server::router;
use tower::ServiceExt;

use crate::support::{console, Console, Reply};

const DEPLOYMENTS: &str = "/api/v1/namespaces/default/deployments";
const HOST: &str = "127.0.0.1:3000";

/// One value from `/proc/self/status`, in KiB (`VmRSS`, `VmHWM`).
fn memory_kib(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("Linux's /proc/self/status");
    let line = status.lines().find(|line| line.starts_with(field)).expect("the field is in /proc/self/status");
    line.trim_start_matches(field)
        .trim_start_matches(':')
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .expect("a number of kB")
}

/// What one request cost: its time, and how far the process's resident memory rose above where
/// it started, at its peak (`VmHWM`, reset first) and once it answered (`VmRSS`).
struct Cost {
    time: Duration,
    peak_growth_kib: u64,
    rss_growth_kib: u64,
}

/// Sends a request and measures what it cost the console (which runs in this process), after one
/// ordinary request has paid for what the first request of a process pays once.
async fn measured(console: &Console, method: &str, uri: &str, headers: &[(&str, &str)], body: String) -> (Reply, Cost) {
    console.send("POST", DEPLOYMENTS, &YAML, "metadata: {name: warm-up}").await;
    let length = body.len();
    // Writing 5 resets the peak resident set size to the current one (Linux 4.0+).
    std::fs::write("/proc/self/clear_refs", "5").expect("reset VmHWM");
    let rss_before = memory_kib("VmRSS");
    let started = Instant::now();
    let reply = console.send(method, uri, headers, body).await;
    let time = started.elapsed();
    let cost = Cost {
        time,
        peak_growth_kib: memory_kib("VmHWM").saturating_sub(rss_before),
        rss_growth_kib: memory_kib("VmRSS").saturating_sub(rss_before),
    };
    eprintln!(
        "{method} {uri} ({length} bytes): {} in {:?}, peak +{} KiB, after +{} KiB",
        reply.status, cost.time, cost.peak_growth_kib, cost.rss_growth_kib
    );
    (reply, cost)
}

/// A "billion laughs" of about `size` bytes: a list of strings under an anchor, then levels of
/// lists made of aliases to the level below, each level as wide as fits.
fn laughing_yaml(size: usize) -> String {
    const LEVELS: usize = 6;
    let width = size / (LEVELS * 5);
    let mut yaml = format!("l0: &l0 [{}]\n", vec!["\"x\""; width].join(","));
    for level in 1..LEVELS {
        let aliases = vec![format!("*l{}", level - 1); width].join(",");
        yaml.push_str(&format!("l{level}: &l{level} [{aliases}]\n"));
    }
    yaml
}

const YAML: [(&str, &str); 1] = [("content-type", "application/yaml")];
const JSON: [(&str, &str); 1] = [("content-type", "application/json")];

#[tokio::test]
async fn yaml_aliases_are_refused_before_they_expand() {
    let console = console().await;
    let hostile = laughing_yaml(10 * 1024);
    assert!(hostile.len() <= 10 * 1024, "{} bytes", hostile.len());
    let (reply, cost) = measured(&console, "POST", DEPLOYMENTS, &YAML, hostile).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);
    assert!(reply.body.contains("YAML aliases (*name) are not accepted"), "{}", reply.body);
    assert!(cost.time < Duration::from_millis(500), "took {:?}", cost.time);
    assert!(cost.peak_growth_kib < 4 * 1024, "peak RSS grew by {} KiB", cost.peak_growth_kib);
    assert!(cost.rss_growth_kib < 4 * 1024, "RSS grew by {} KiB", cost.rss_growth_kib);
}

#[tokio::test]
async fn a_single_harmless_yaml_alias_is_refused_too() {
    let console = console().await;
    let body = "metadata:\n  name: &name one\n  labels:\n    copy: *name\n";
    let reply = console.send("POST", DEPLOYMENTS, &YAML, body).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);
    assert!(reply.body.contains("YAML aliases (*name) are not accepted"), "{}", reply.body);
    assert!(reply.body.contains("line 4"), "the alias's place is named: {}", reply.body);
}

#[tokio::test]
async fn json_nested_100_000_deep_is_a_bad_request() {
    let console = console().await;
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let (reply, cost) = measured(&console, "POST", DEPLOYMENTS, &JSON, deep).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);
    assert!(reply.body.contains("the body is not valid JSON: recursion limit exceeded"), "{}", reply.body);
    assert!(cost.time < Duration::from_millis(500), "took {:?}", cost.time);
}

#[tokio::test]
async fn yaml_nested_100_000_deep_is_a_bad_request() {
    let console = console().await;
    let flow = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let block = format!("{}x\n", "- ".repeat(100_000));
    let mapping = format!("{}x\n", "{a: ".repeat(100_000)) + &"}".repeat(100_000);
    for deep in [flow, block, mapping] {
        let (reply, cost) = measured(&console, "POST", DEPLOYMENTS, &YAML, deep).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);
        assert!(reply.body.contains("the body is not valid YAML: recursion limit exceeded"), "{}", reply.body);
        assert!(cost.time < Duration::from_millis(500), "took {:?}", cost.time);
        assert!(cost.peak_growth_kib < 4 * 1024, "peak RSS grew by {} KiB", cost.peak_growth_kib);
    }
}

#[tokio::test]
async fn a_yaml_body_of_more_than_100_000_values_is_refused_as_it_is_read() {
    let console = console().await;
    let many = "- 1\n".repeat(130_000);
    let (reply, cost) = measured(&console, "POST", DEPLOYMENTS, &YAML, many).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);
    assert!(reply.body.contains("the YAML body holds more than 100000 values (at line 100000"), "{}", reply.body);
    assert!(cost.peak_growth_kib < 4 * 1024, "peak RSS grew by {} KiB", cost.peak_growth_kib);
}

#[tokio::test]
async fn a_yaml_body_larger_than_the_yaml_limit_is_refused_unread() {
    let console = console().await;
    let flat = format!("[{}1]", "1,".repeat(300_000));
    let (reply, cost) = measured(&console, "POST", DEPLOYMENTS, &YAML, flat).await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", reply.body);
    assert!(reply.body.contains("a YAML body may have at most 512 KiB"), "{}", reply.body);
    assert!(cost.peak_growth_kib < 8 * 1024, "peak RSS grew by {} KiB", cost.peak_growth_kib);
}

/// A sign-in form posted with `headers` (and no cookie): the status and the cookie it sets.
async fn sign_in(console: &Console, headers: &[(&str, &str)]) -> (StatusCode, Option<String>) {
    let mut request = Request::builder().method("POST").uri("/api/login");
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let request = request
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Body::from("name=admin&password=admin-password"))
        .expect("request");
    let response = router(console.state.clone()).oneshot(request).await.expect("a response");
    let cookie = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("console_session=") && !v.starts_with("console_session=;"))
        .map(str::to_owned);
    (response.status(), cookie)
}

#[tokio::test]
async fn a_sign_in_posted_from_another_site_is_refused_and_signs_nobody_in() {
    let console = console().await;
    for headers in [
        vec![("host", HOST), ("origin", "https://evil.example"), ("sec-fetch-site", "cross-site")],
        vec![("host", HOST), ("origin", "https://evil.example")],
        vec![("host", HOST), ("sec-fetch-site", "cross-site")],
        vec![("host", HOST), ("origin", "null")],
    ] {
        let (status, cookie) = sign_in(&console, &headers).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{headers:?}");
        assert_eq!(cookie, None, "{headers:?}");
    }
}

#[tokio::test]
async fn a_sign_in_from_the_consoles_own_page_signs_in() {
    let console = console().await;
    for headers in [
        vec![("host", HOST), ("origin", "http://127.0.0.1:3000"), ("sec-fetch-site", "same-origin")],
        vec![("host", HOST), ("origin", "http://127.0.0.1:3000")],
        vec![("host", HOST)],
    ] {
        let (status, cookie) = sign_in(&console, &headers).await;
        assert!(status.is_redirection() || status.is_success(), "{headers:?}: {status}");
        assert!(cookie.is_some(), "{headers:?}: no session cookie");
    }
}

#[tokio::test]
async fn a_write_with_the_session_cookie_and_origin_null_is_refused() {
    let console = console().await;
    let cookie = format!("console_session={}", console.admin_session);
    let headers =
        [("cookie", cookie.as_str()), ("host", HOST), ("origin", "null"), ("content-type", "application/json")];
    let reply = console.send("POST", "/api/v1/namespaces", &headers, r#"{"metadata": {"name": "csrf"}}"#).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN, "{}", reply.body);
    assert_eq!(console.get("/api/v1/namespaces/csrf").await.0, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn an_anonymous_write_from_another_site_is_refused_before_anything_else() {
    let console = console().await;
    let headers =
        [("cookie", ""), ("host", HOST), ("sec-fetch-site", "cross-site"), ("content-type", "application/json")];
    let reply = console.send("POST", "/api/v1/namespaces", &headers, r#"{"metadata": {"name": "csrf"}}"#).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN, "{}", reply.body);
    assert!(reply.body.contains("cross-site request refused"), "{}", reply.body);
}
