//! `GET /metrics`: Prometheus' text format (0.0.4), checked by a parser of its own here, with the
//! figures the console promises (docs/operations.md), values that move, and who may read them.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use axum::body::Body;
use axum::http::StatusCode;
use domain::{NamespaceName, Role};
use serde_json::json;
use services::auth::hash_password;
use services::{Caller, ScrapeToken};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::support::{console, Console};

/// One sample line: `name{labels} value`.
#[derive(Debug, Clone)]
struct Sample {
    name: String,
    labels: BTreeMap<String, String>,
    value: f64,
}

/// A metric family: its `# TYPE`, its `# HELP` if any, and its samples.
#[derive(Debug, Default)]
struct Family {
    kind: String,
    help: Option<String>,
    samples: Vec<Sample>,
}

/// A parsed exposition, by family name.
#[derive(Debug)]
struct Exposition(BTreeMap<String, Family>);

fn valid_metric_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == ':')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
}

fn valid_label_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !name.starts_with("__")
}

/// A sample value or `le` bound: a float, `+Inf`, `-Inf` or `NaN`.
fn number(text: &str) -> Result<f64, String> {
    match text {
        "+Inf" => Ok(f64::INFINITY),
        "-Inf" => Ok(f64::NEG_INFINITY),
        "NaN" => Ok(f64::NAN),
        _ => text.parse::<f64>().map_err(|err| format!("{text:?} is not a number: {err}")),
    }
}

/// `{a="x",b="y\"z"}` at the start of `rest`: the labels and what follows the `}`.
fn labels(rest: &str) -> Result<(BTreeMap<String, String>, &str), String> {
    let mut labels = BTreeMap::new();
    let mut rest = rest.strip_prefix('{').ok_or("labels must open with {")?;
    loop {
        rest = rest.trim_start();
        if let Some(after) = rest.strip_prefix('}') {
            return Ok((labels, after));
        }
        let (name, after) = rest.split_once('=').ok_or(format!("a label without '=' in {rest:?}"))?;
        let name = name.trim();
        if !valid_label_name(name) {
            return Err(format!("invalid label name {name:?}"));
        }
        let mut chars = after.strip_prefix('"').ok_or(format!("label {name}'s value is not quoted"))?.char_indices();
        let mut value = String::new();
        let end = loop {
            match chars.next() {
                Some((_, '\\')) => match chars.next() {
                    Some((_, '\\')) => value.push('\\'),
                    Some((_, '"')) => value.push('"'),
                    Some((_, 'n')) => value.push('\n'),
                    other => return Err(format!("bad escape {other:?} in label {name}")),
                },
                Some((at, '"')) => break at,
                Some((_, '\n')) | None => return Err(format!("label {name}'s value does not end")),
                Some((_, c)) => value.push(c),
            }
        };
        if labels.insert(name.to_owned(), value).is_some() {
            return Err(format!("label {name} given twice"));
        }
        rest = after[1 + end + 1..].trim_start();
        rest = rest.strip_prefix(',').unwrap_or(rest);
    }
}

fn sample(line: &str) -> Result<Sample, String> {
    let name_end = line.find(['{', ' ', '\t']).ok_or(format!("no value in {line:?}"))?;
    let name = &line[..name_end];
    if !valid_metric_name(name) {
        return Err(format!("invalid metric name {name:?}"));
    }
    let (labels, rest) = if line[name_end..].starts_with('{') {
        labels(&line[name_end..])?
    } else {
        (BTreeMap::new(), &line[name_end..])
    };
    let mut fields = rest.split_whitespace();
    let value = number(fields.next().ok_or(format!("no value in {line:?}"))?)?;
    if let Some(timestamp) = fields.next() {
        timestamp.parse::<i64>().map_err(|_| format!("bad timestamp in {line:?}"))?;
    }
    if fields.next().is_some() {
        return Err(format!("trailing text in {line:?}"));
    }
    Ok(Sample { name: name.to_owned(), labels, value })
}

/// Parses the text format and checks what it requires: every sample belongs to a family with a
/// `# TYPE` given before it (at most one `TYPE` and one `HELP` each), a family's lines are one
/// group, names and labels are valid, no sample repeats, counters are not negative, and each
/// histogram's buckets are cumulative up to `le="+Inf"`, which equals its `_count`, beside a `_sum`.
fn parse(text: &str) -> Result<Exposition, String> {
    let mut families: BTreeMap<String, Family> = BTreeMap::new();
    let mut current: Option<String> = None;
    let mut finished: BTreeSet<String> = BTreeSet::new();
    let mut seen: BTreeSet<String> = BTreeSet::new();
    for (number, line) in text.lines().enumerate() {
        let at = |why: String| format!("line {}: {why}", number + 1);
        if line.trim().is_empty() {
            continue;
        }
        if let Some(comment) = line.strip_prefix('#') {
            let mut words = comment.trim_start().splitn(3, ' ');
            match (words.next(), words.next(), words.next()) {
                (Some("HELP"), Some(name), help) => {
                    if !valid_metric_name(name) {
                        return Err(at(format!("HELP of an invalid name {name:?}")));
                    }
                    let family = families.entry(name.to_owned()).or_default();
                    if family.help.replace(help.unwrap_or_default().to_owned()).is_some() {
                        return Err(at(format!("a second HELP for {name}")));
                    }
                }
                (Some("TYPE"), Some(name), Some(kind)) => {
                    if !["counter", "gauge", "histogram", "summary", "untyped"].contains(&kind) {
                        return Err(at(format!("unknown type {kind:?}")));
                    }
                    let family = families.entry(name.to_owned()).or_default();
                    if !family.kind.is_empty() || !family.samples.is_empty() {
                        return Err(at(format!("TYPE of {name} given twice or after its samples")));
                    }
                    family.kind = kind.to_owned();
                }
                _ => {}
            }
            continue;
        }
        let sample = sample(line).map_err(at)?;
        let typed = |name: &str, kinds: &[&str]| {
            families.get(name).is_some_and(|family| kinds.contains(&family.kind.as_str())).then(|| name.to_owned())
        };
        let family = typed(&sample.name, &["counter", "gauge", "untyped"])
            .or_else(|| typed(sample.name.strip_suffix("_bucket")?, &["histogram"]))
            .or_else(|| typed(sample.name.strip_suffix("_sum")?, &["histogram", "summary"]))
            .or_else(|| typed(sample.name.strip_suffix("_count")?, &["histogram", "summary"]))
            .or_else(|| typed(&sample.name, &["summary"]))
            .ok_or_else(|| at(format!("{} belongs to no family with a TYPE", sample.name)))?;
        if current.as_deref() != Some(family.as_str()) {
            if finished.contains(&family) {
                return Err(at(format!("the samples of {family} are not one group")));
            }
            if let Some(previous) = current.replace(family.clone()) {
                finished.insert(previous);
            }
        }
        if !seen.insert(format!("{}{:?}", sample.name, sample.labels)) {
            return Err(at(format!("{}{:?} is given twice", sample.name, sample.labels)));
        }
        let kind = families[&family].kind.clone();
        if kind == "counter" && (sample.value.is_nan() || sample.value < 0.0) {
            return Err(at(format!("counter {} is {}", sample.name, sample.value)));
        }
        if sample.labels.contains_key("le") != sample.name.ends_with("_bucket") && kind == "histogram" {
            return Err(at(format!("{}: `le` belongs on buckets only, and on every one", sample.name)));
        }
        if let Some(family) = families.get_mut(&family) {
            family.samples.push(sample);
        }
    }
    for (name, family) in &families {
        if family.kind.is_empty() {
            return Err(format!("{name} has HELP but no TYPE"));
        }
        if family.kind == "histogram" {
            check_histogram(name, family)?;
        }
    }
    Ok(Exposition(families))
}

/// One series of a histogram (one label set but `le`): its buckets (`le`, count) in order, sum, count.
#[derive(Default)]
struct HistogramSeries {
    buckets: Vec<(f64, f64)>,
    sum: Option<f64>,
    count: Option<f64>,
}

fn check_histogram(name: &str, family: &Family) -> Result<(), String> {
    let mut series: BTreeMap<String, HistogramSeries> = BTreeMap::new();
    for sample in &family.samples {
        let mut key = sample.labels.clone();
        let le = key.remove("le");
        let entry = series.entry(format!("{key:?}")).or_default();
        match sample.name.strip_prefix(name) {
            Some("_bucket") => entry.buckets.push((number(le.as_deref().unwrap_or_default())?, sample.value)),
            Some("_sum") => entry.sum = Some(sample.value),
            Some("_count") => entry.count = Some(sample.value),
            _ => return Err(format!("{} is not a sample of histogram {name}", sample.name)),
        }
    }
    for (labels, HistogramSeries { buckets, sum, count }) in series {
        let at = |why: &str| format!("histogram {name}{labels}: {why}");
        if buckets.windows(2).any(|pair| pair[1].0 <= pair[0].0 || pair[1].1 < pair[0].1) {
            return Err(at("buckets are not cumulative in increasing `le`"));
        }
        let infinite = buckets.last().filter(|(le, _)| *le == f64::INFINITY).ok_or_else(|| at("no le=\"+Inf\""))?;
        let count = count.ok_or_else(|| at("no _count"))?;
        sum.ok_or_else(|| at("no _sum"))?;
        if infinite.1 != count {
            return Err(at(&format!("le=\"+Inf\" is {} but _count is {count}", infinite.1)));
        }
    }
    Ok(())
}

impl Exposition {
    /// The sum of the samples called `name` whose labels include `pairs`.
    fn sum(&self, name: &str, pairs: &[(&str, &str)]) -> f64 {
        self.0
            .values()
            .flat_map(|family| &family.samples)
            .filter(|s| s.name == name && pairs.iter().all(|(k, v)| s.labels.get(*k).map(String::as_str) == Some(*v)))
            .map(|s| s.value)
            .sum()
    }

    fn kind(&self, family: &str) -> Option<&str> {
        self.0.get(family).map(|f| f.kind.as_str())
    }

    /// Every value label `label` has in `family`.
    fn label_values(&self, family: &str, label: &str) -> BTreeSet<String> {
        self.0.get(family).into_iter().flat_map(|f| &f.samples).filter_map(|s| s.labels.get(label).cloned()).collect()
    }
}

/// Scrapes as `headers` say (the admin's session if they name no credential): the status, and
/// the parsed text of a 200.
async fn scrape(console: &Console, headers: &[(&str, &str)]) -> (StatusCode, String, String) {
    let reply = console.send("GET", "/metrics", headers, Body::empty()).await;
    (reply.status, reply.content_type, reply.body)
}

async fn metrics(console: &Console) -> Exposition {
    let (status, content_type, body) = scrape(console, &[]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(content_type, "text/plain; version=0.0.4; charset=utf-8");
    parse(&body).unwrap_or_else(|why| panic!("not Prometheus' text format: {why}\n{body}"))
}

const HTTP: &str = "flink_console_http_request_duration_seconds";
const DEPLOYMENTS: &str = "flink_console_deployments";
const FLINK: &str = "flink_console_flink_request_duration_seconds";

#[tokio::test]
async fn an_admin_scrapes_every_promised_figure_in_the_text_format() {
    let console = console().await;
    // HTTP requests are recorded once answered: the first scrape shows in the second.
    metrics(&console).await;
    let exposition = metrics(&console).await;
    let expected = [
        (DEPLOYMENTS, "gauge"),
        (HTTP, "histogram"),
        ("flink_console_engine_pass_duration_seconds", "histogram"),
        ("flink_console_engine_queue_depth", "gauge"),
        ("flink_console_engine_leader", "gauge"),
        ("flink_console_savepoints_total", "counter"),
    ];
    for (family, kind) in expected {
        assert_eq!(exposition.kind(family), Some(kind), "{family}");
        assert!(exposition.0[family].help.as_ref().is_some_and(|h| !h.is_empty()), "{family} has a HELP line");
    }
    let states: BTreeSet<String> = domain::DeploymentState::ALL.iter().map(|s| s.as_str().to_owned()).collect();
    assert_eq!(exposition.label_values(DEPLOYMENTS, "state"), states, "every state, those without any at 0");
    assert_eq!(exposition.sum(DEPLOYMENTS, &[]), 3.0, "the three example deployments of the first start");
    let outcomes = exposition.label_values("flink_console_savepoints_total", "outcome");
    assert_eq!(outcomes, BTreeSet::from(["completed".to_owned(), "failed".to_owned()]));
    assert!(exposition.label_values("flink_console_savepoints_total", "origin").contains("USER_REQUEST"));
}

#[tokio::test]
async fn http_requests_are_counted_by_route_template_never_by_raw_path() {
    let console = console().await;
    let list = "/api/v1/namespaces/{namespace}/deployments";
    let one = "/api/v1/namespaces/{namespace}/deployments/{deployment_id}";
    let key = |route| [("method", "GET"), ("route", route), ("status", "2xx")];
    let before = metrics(&console).await;
    let (_, deployments) = console.get("/api/v1/namespaces/default/deployments").await;
    let id = deployments["items"][0]["metadata"]["id"].as_str().expect("an id").to_owned();
    console.get("/api/v1/namespaces/default/deployments").await;
    console.get("/api/v1/namespaces/default/deployments").await;
    assert_eq!(console.get(&format!("/api/v1/namespaces/default/deployments/{id}")).await.0, StatusCode::OK);
    console.send("GET", "/pkg/no-such-file.js", &[], Body::empty()).await;
    let after = metrics(&console).await;
    // Other tests of this process add their own requests: the counts grow at least by ours.
    let grew =
        |route| after.sum(&format!("{HTTP}_count"), &key(route)) - before.sum(&format!("{HTTP}_count"), &key(route));
    assert!(grew(list) >= 3.0, "{}", grew(list));
    assert!(grew(one) >= 1.0, "{}", grew(one));
    assert!(after.sum(&format!("{HTTP}_count"), &[("route", "unmatched")]) >= 1.0, "a path no route matched");
    assert!(after.sum(&format!("{HTTP}_count"), &[("route", "/metrics")]) >= 1.0, "the scrape before");
    for route in after.label_values(HTTP, "route") {
        let raw = route.split('/').any(|segment| uuid::Uuid::parse_str(segment).is_ok());
        assert!(!raw && (route == "unmatched" || route.starts_with('/')), "route label {route:?}");
    }
    for status in after.label_values(HTTP, "status") {
        assert!(["1xx", "2xx", "3xx", "4xx", "5xx"].contains(&status.as_str()), "{status}");
    }
}

#[tokio::test]
async fn deployments_per_state_follow_the_store_within_a_few_seconds() {
    let console = console().await;
    let first = metrics(&console).await;
    let created = console
        .send_json(
            "POST",
            "/api/v1/namespaces/default/deployments",
            &json!({"metadata": {"name": "counted"},
                "spec": {"template": {"spec": {"artifact": {"kind": "JAR", "jarUri": "https://artifacts.example/x.jar"}}}}}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let state = created.json()["status"]["state"].as_str().expect("a state").to_owned();
    let was = first.sum(DEPLOYMENTS, &[("state", &state)]);
    // Counts are cached for a few seconds (scrapes stay cheap): wait for the next read.
    let deadline = tokio::time::Instant::now() + services::COUNTS_FRESH_FOR + Duration::from_secs(5);
    loop {
        let now = metrics(&console).await;
        if now.sum(DEPLOYMENTS, &[("state", &state)]) == was + 1.0 {
            assert_eq!(now.sum(DEPLOYMENTS, &[]), 4.0);
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "{state} stayed at {was}");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// A JobManager on a port of its own that answers `GET /overview` and nothing else; its address.
async fn fake_jobmanager() -> std::net::SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a port");
    let address = listener.local_addr().expect("its address");
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let mut request = [0u8; 4096];
            let read = stream.read(&mut request).await.unwrap_or(0);
            let body =
                r#"{"taskmanagers":1,"slots-total":4,"slots-available":4,"jobs-running":0,"flink-version":"2.3.0"}"#;
            let answer = if String::from_utf8_lossy(&request[..read]).starts_with("GET /overview ") {
                format!("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len())
            } else {
                "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".to_owned()
            };
            let _ = stream.write_all(answer.as_bytes()).await;
        }
    });
    address
}

/// Registers session clusters `up` (a fake JobManager) and `down` (a closed port) and has the
/// health prober call both; their addresses.
async fn probe_two_clusters(console: &Console) -> (std::net::SocketAddr, std::net::SocketAddr) {
    console.allow_hosts(&["127.0.0.0/8"]).await;
    let up = fake_jobmanager().await;
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a port");
        listener.local_addr().expect("its address")
    };
    for (name, address) in [("up", up), ("down", closed)] {
        let target =
            json!({"metadata": {"name": name}, "spec": {"flinkSession": {"url": format!("http://{address}")}}});
        let reply = console.send_json("POST", "/api/v1/namespaces/default/deployment-targets", &target).await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
        console.probe("default", name).await;
    }
    (up, closed)
}

#[tokio::test]
async fn flink_calls_are_timed_per_cluster_endpoint_and_outcome() {
    let console = console().await;
    let (up, closed) = probe_two_clusters(&console).await;
    let exposition = metrics(&console).await;
    assert_eq!(exposition.kind(FLINK), Some("histogram"));
    let calls = |address: std::net::SocketAddr, outcome| {
        let target = address.to_string();
        exposition.sum(
            &format!("{FLINK}_count"),
            &[("target", &target), ("method", "GET"), ("endpoint", "/overview"), ("outcome", outcome)],
        )
    };
    assert!(calls(up, "ok") >= 1.0, "the cluster that answers");
    assert!(calls(closed, "transient") >= 1.0, "the one nobody listens for: worth asking again");
    for endpoint in exposition.label_values(FLINK, "endpoint") {
        assert!(endpoint.starts_with('/'), "{endpoint}");
    }
}

#[tokio::test]
async fn the_grafana_dashboard_asks_only_for_exported_metrics() {
    let console = console().await;
    probe_two_clusters(&console).await;
    metrics(&console).await;
    let exported = metrics(&console).await;
    let path = format!("{}/../docs/grafana/flink-console.json", crate::support::manifest_dir());
    let text = std::fs::read_to_string(&path).unwrap_or_else(|err| panic!("{path}: {err}"));
    let dashboard: serde_json::Value = serde_json::from_str(&text).expect("the dashboard is JSON");
    assert!(dashboard["schemaVersion"].as_u64().is_some_and(|v| v >= 36));
    assert_eq!(dashboard["__inputs"][0]["name"], "DS_PROMETHEUS");
    let mut asked = BTreeSet::new();
    for panel in dashboard["panels"].as_array().expect("panels") {
        for target in panel["targets"].as_array().into_iter().flatten() {
            let expr = target["expr"].as_str().expect("a query");
            let words = expr.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'));
            asked.extend(words.filter(|word| word.starts_with("flink_console_")).map(str::to_owned));
        }
    }
    assert!(asked.len() >= 7, "{asked:?}");
    for name in asked {
        let family = ["_bucket", "_count", "_sum"].iter().find_map(|suffix| name.strip_suffix(suffix)).unwrap_or(&name);
        let kind = exported.kind(family);
        assert!(kind.is_some(), "the dashboard asks for {name}, which /metrics does not export");
        if name != family {
            assert_eq!(kind, Some("histogram"), "{name}");
        }
    }
}

#[tokio::test]
async fn only_admins_and_the_scrape_token_read_metrics() {
    let mut console = console().await;
    let secret = "a-scrape-token-of-at-least-32-characters";
    let store = console.store.clone();
    let hash = hash_password("viewer-password").expect("a hash");
    let viewer = crate::matrix::person(&store, &hash, "vera", Some(("default", Role::Viewer))).await;
    let (admin, _) = store.user_by_name("admin").await.expect("read").expect("the admin");
    let default = NamespaceName::parse("default").expect("a namespace");
    let (_, editor_token) = console
        .state
        .services
        .create_api_token(&Caller::User(admin), &default, "pipeline", Role::Editor, None)
        .await
        .expect("a token");

    let anonymous = scrape(&console, &[("cookie", "unrelated=1"), ("accept", "text/html")]).await;
    assert_eq!(anonymous.0, StatusCode::UNAUTHORIZED, "not sent to the sign-in page: {}", anonymous.2);
    let shaped: serde_json::Value = serde_json::from_str(&anonymous.2).expect("the API's error shape");
    assert_eq!((shaped["kind"].as_str(), shaped["reason"].as_str()), (Some("Error"), Some("Unauthorized")));
    let bearer = |secret: &str| format!("Bearer {secret}");
    assert_eq!(
        scrape(&console, &[("authorization", &bearer(secret))]).await.0,
        StatusCode::UNAUTHORIZED,
        "no token set"
    );
    let cookie = format!("console_session={viewer}");
    assert_eq!(scrape(&console, &[("cookie", &cookie)]).await.0, StatusCode::FORBIDDEN, "a viewer");
    let token = bearer(editor_token.expose());
    assert_eq!(scrape(&console, &[("authorization", &token)]).await.0, StatusCode::FORBIDDEN, "a namespace's token");

    console.state.services =
        console.state.services.clone().with_scrape_token(ScrapeToken::new(secret).expect("long enough"));
    let (status, _, body) = scrape(&console, &[("authorization", &bearer(secret))]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    parse(&body).unwrap_or_else(|why| panic!("{why}"));
    let wrong = bearer("a-scrape-token-of-at-least-32-characterz");
    assert_eq!(scrape(&console, &[("authorization", &wrong)]).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(scrape(&console, &[("authorization", &token)]).await.0, StatusCode::FORBIDDEN);
}

#[test]
fn the_parser_refuses_what_the_format_forbids() {
    let good = "# HELP a_seconds Time.\n# TYPE a_seconds histogram\n\
        a_seconds_bucket{x=\"1\",le=\"0.5\"} 1\na_seconds_bucket{x=\"1\",le=\"+Inf\"} 2\n\
        a_seconds_sum{x=\"1\"} 0.7\na_seconds_count{x=\"1\"} 2\n\n# TYPE b gauge\nb{v=\"q\\\"uo\\\\te\\n\"} -1\n";
    let parsed = parse(good).expect("valid");
    assert_eq!(parsed.label_values("b", "v"), BTreeSet::from(["q\"uo\\te\n".to_owned()]));
    let bad = [
        ("c 1\n", "no TYPE"),
        ("# TYPE c counter\nc -1\n", "a negative counter"),
        ("# TYPE c counter\n# TYPE c counter\nc 1\n", "TYPE twice"),
        ("# TYPE c counter\nc{1x=\"a\"} 1\n", "a bad label name"),
        ("# TYPE c counter\nc{x=\"a} 1\n", "an open quote"),
        ("# TYPE c counter\n# TYPE d gauge\nc 1\nd 1\nc{x=\"b\"} 1\n", "two groups"),
        ("# TYPE c counter\nc 1\nc 2\n", "a repeated sample"),
        ("# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_sum 1\nh_count 1\n", "no +Inf"),
        ("# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 1\n", "not cumulative"),
        ("# TYPE h histogram\nh_bucket{le=\"+Inf\"} 2\nh_sum 1\nh_count 3\n", "+Inf is not _count"),
        ("# TYPE h histogram\nh_bucket{le=\"+Inf\"} 2\nh_count 2\n", "no _sum"),
    ];
    for (text, why) in bad {
        assert!(parse(text).is_err(), "{why} was accepted");
    }
}
