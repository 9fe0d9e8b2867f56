//! The Deployments page at scale: 10,000 deployments in namespace `default`, seeded through the
//! store (one transaction per thousand), served by the real console binary (this package's
//! `flink-console`, built by cargo for the bench), signed in as the admin like a browser. Measures
//! the server-side rendering time of the Deployments page (first page, a name search, a label
//! search, a state filter, two sorted views, a deep page) and of a deployment page — p50, p90, p99
//! over sequential requests from a small load client — and what one open, idle tab costs in 60 s:
//! polling as the page did before (two server functions every 3 s) against the live stream.
//! Prints figures; asserts nothing. `docs/performance.md` has the numbers and how to run it.
//!
//! Environment: `BENCH_DEPLOYMENTS` (10000), `BENCH_REQUESTS` per view (300), `BENCH_IDLE_SECONDS`
//! (60), `CONSOLE_SITE_ROOT` (the built site, for the pages' stylesheet and script links),
//! `BENCH_POSTGRES_URL` (a PostgreSQL server to run on, in a fresh database, instead of SQLite).

use std::collections::BTreeMap;
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use domain::{DeploymentState, DeploymentStatus, DesiredState, NamespaceName};
use storage::{Page, Store};

const PASSWORD: &str = "bench-admin-password";

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// Kills the console when the bench ends, however it ends.
struct Console(Child);

impl Drop for Console {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `count` deployments like the seeded `stateful-counter`, named `pipeline-00000`…, with labels
/// `team` (ten teams) and `env` (prod, staging), created a second apart, modified in another order;
/// 30 % suspended, the rest cancelled (states the engine leaves alone without Flink).
async fn seed(store: &Store, count: usize) -> String {
    let default = NamespaceName::parse("default").expect("a namespace");
    let template = store
        .list_deployments(&default, None, &Page::first(10))
        .await
        .expect("the seeded deployments")
        .items
        .into_iter()
        .find(|d| d.metadata.name == "stateful-counter")
        .expect("the stateful counter");
    let teams = ["payments", "orders", "search", "ads", "fraud", "billing", "ml", "growth", "infra", "mobile"];
    let mut suspended = Vec::new();
    for chunk in (0..count).collect::<Vec<_>>().chunks(1000) {
        let mut tx = store.begin().await.expect("a transaction");
        for &i in chunk {
            let mut d = template.clone();
            d.metadata.id = uuid::Uuid::new_v4().to_string();
            d.metadata.name = format!("pipeline-{i:05}");
            d.metadata.display_name = None;
            d.metadata.labels = BTreeMap::from([
                ("team".to_owned(), teams[i % teams.len()].to_owned()),
                ("env".to_owned(), if i % 3 == 0 { "staging" } else { "prod" }.to_owned()),
            ]);
            d.metadata.created_at =
                format!("2026-01-{:02}T{:02}:{:02}:{:02}Z", 1 + i / 86_400 % 28, i / 3600 % 24, i / 60 % 60, i % 60);
            let j = (i * 7919) % count;
            d.metadata.modified_at =
                format!("2026-02-{:02}T{:02}:{:02}:{:02}Z", 1 + j / 86_400 % 28, j / 3600 % 24, j / 60 % 60, j % 60);
            if i % 10 < 3 {
                d.spec.state = DesiredState::Suspended;
                suspended.push(d.metadata.id.clone());
            }
            tx.insert_deployment(&d).await.expect("a deployment");
        }
        tx.commit().await.expect("commit");
    }
    let status = DeploymentStatus { state: DeploymentState::Suspended, running: None, failure: None };
    for id in &suspended {
        store.save_engine_state(&default, id, &status, "{}", 0).await.expect("suspended");
    }
    template.metadata.id
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("a free port")
}

/// Percentiles of sorted durations, in milliseconds.
fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index].as_secs_f64() * 1000.0
}

struct Client {
    http: reqwest::Client,
    base: String,
    cookie: String,
}

impl Client {
    /// `GET path` as the signed-in admin: status, body length, time to the last byte.
    async fn page(&self, path: &str) -> (u16, usize, Duration) {
        let start = Instant::now();
        let response = self
            .http
            .get(format!("{}{path}", self.base))
            .header("cookie", &self.cookie)
            .header("accept", "text/html")
            .send()
            .await
            .expect("an answer");
        let status = response.status().as_u16();
        let body = response.bytes().await.expect("a body");
        (status, body.len(), start.elapsed())
    }

    /// A server function call as the page makes it: status and bytes received (headers and body).
    async fn server_fn(&self, endpoint: &str, form: &str) -> usize {
        let response = self
            .http
            .post(format!("{}/api/{endpoint}", self.base))
            .header("cookie", &self.cookie)
            .header("content-type", "application/x-www-form-urlencoded")
            .header("accept", "application/json")
            .body(form.to_owned())
            .send()
            .await
            .expect("an answer");
        assert!(response.status().is_success(), "{endpoint}: {}", response.status());
        let headers = header_bytes(response.headers());
        headers + response.bytes().await.expect("a body").len()
    }
}

fn header_bytes(headers: &reqwest::header::HeaderMap) -> usize {
    headers.iter().map(|(name, value)| name.as_str().len() + value.len() + 4).sum::<usize>() + 17
}

#[tokio::main]
async fn main() {
    let count = env_number("BENCH_DEPLOYMENTS", 10_000) as usize;
    let requests = env_number("BENCH_REQUESTS", 300) as usize;
    let idle = Duration::from_secs(env_number("BENCH_IDLE_SECONDS", 60));
    let dir = tempfile::tempdir().expect("a temporary directory");
    let jobs = dir.path().join("jobs");
    std::fs::create_dir_all(&jobs).expect("a jobs directory");

    let started = Instant::now();
    // SQLite in the data directory, or a fresh database on the PostgreSQL server at
    // BENCH_POSTGRES_URL (`make bench` runs both).
    let (store, database_url, _database) = match std::env::var("BENCH_POSTGRES_URL") {
        Ok(admin_url) => {
            std::env::set_var(storage::testing::POSTGRES_URL_VAR, admin_url);
            std::env::set_var(storage::testing::DATABASE_VAR, "postgres");
            let (store, database) = storage::testing::fresh_store().await;
            let url = database.url().to_owned();
            (store, url, Some(database))
        }
        Err(_) => {
            let url = format!("sqlite://{}/console.db", dir.path().display());
            (Store::connect(&url).await.expect("a store"), url, None)
        }
    };
    let backend = if database_url.starts_with("postgres") { "PostgreSQL" } else { "SQLite" };
    server::seed::first_start(&store, &jobs).await.expect("first start");
    let deployment_id = seed(&store, count).await;
    drop(store);
    println!("seeded {count} deployments on {backend} in {:.1} s", started.elapsed().as_secs_f64());

    let port = free_port();
    let site_root = std::env::var("CONSOLE_SITE_ROOT").unwrap_or_else(|_| {
        let target = std::env::var("CARGO_TARGET_DIR").unwrap_or_else(|_| "target".into());
        format!("{target}/site")
    });
    let log = std::fs::File::create(dir.path().join("console.log")).expect("a log file");
    let child = Command::new(env!("CARGO_BIN_EXE_flink-console"))
        .args(["--listen", &format!("127.0.0.1:{port}"), "--data-dir"])
        .arg(dir.path())
        .args(["--site-root", &site_root, "--flink-url", "http://127.0.0.1:9", "--jobs-dir"])
        .arg(&jobs)
        .args(["--database-url", &database_url])
        .env("CONSOLE_ADMIN_PASSWORD", PASSWORD)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::from(log))
        .spawn()
        .expect("the console starts");
    let _console = Console(child);
    let base = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(8)
        .build()
        .expect("a client");
    let deadline = Instant::now() + Duration::from_secs(60);
    while http.get(format!("{base}/readyz")).send().await.map(|r| r.status().is_success()).ok() != Some(true) {
        assert!(Instant::now() < deadline, "the console did not come up; see {}", dir.path().display());
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let login = http
        .post(format!("{base}/api/login"))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("accept", "application/json")
        .body(format!("name=admin&password={PASSWORD}"))
        .send()
        .await
        .expect("sign-in answers");
    let cookie = login
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("console_session="))
        .and_then(|v| v.split(';').next())
        .expect("a session cookie")
        .to_owned();
    let client = Client { http, base, cookie };
    // The engine's first pass over every deployment runs at start: let it finish.
    tokio::time::sleep(Duration::from_secs(5)).await;

    let list = "/namespaces/default/deployments";
    let (_, _, _) = client.page(list).await;
    // The middle of the list: the continue token after half of it, read a thousand at a time.
    let mut deep_token = String::new();
    for _ in 0..(count / 2 / 1000).max(1) {
        let uri = format!("{}/api/v1/namespaces/default/deployments?limit=1000&continue={deep_token}", client.base);
        let uri = if deep_token.is_empty() { uri.replace("&continue=", "") } else { uri };
        let response = client.http.get(uri).header("cookie", &client.cookie).send().await.expect("a list");
        let list: serde_json::Value = response.json().await.expect("JSON");
        deep_token = list["metadata"]["continue"].as_str().map(str::to_owned).expect("a continue token");
    }
    let views = [
        ("Deployments, first page", list.to_owned()),
        ("name search (q=123)", format!("{list}?q=123")),
        ("label selector (team=payments,env!=staging)", format!("{list}?labels=team%3Dpayments%2Cenv%21%3Dstaging")),
        ("state filter (SUSPENDED)", format!("{list}?state=SUSPENDED")),
        ("sorted, recently modified first", format!("{list}?sort=-modified")),
        ("sorted by status, descending", format!("{list}?sort=-state")),
        ("page in the middle (after=)", format!("{list}?after={deep_token}")),
        ("a deployment page", format!("/namespaces/default/deployments/{deployment_id}")),
    ];
    println!();
    println!("SSR, {requests} sequential requests each after 20 to warm up (ms):");
    println!("| view | p50 | p90 | p99 | max | HTML bytes |");
    println!("|---|---:|---:|---:|---:|---:|");
    for (name, path) in &views {
        for _ in 0..20 {
            client.page(path).await;
        }
        let mut times = Vec::with_capacity(requests);
        let mut bytes = 0;
        for _ in 0..requests {
            let (status, length, time) = client.page(path).await;
            assert_eq!(status, 200, "{path}");
            bytes = length;
            times.push(time);
        }
        times.sort();
        println!(
            "| {name} | {:.1} | {:.1} | {:.1} | {:.1} | {bytes} |",
            percentile(&times, 0.5),
            percentile(&times, 0.9),
            percentile(&times, 0.99),
            percentile(&times, 1.0)
        );
    }

    println!();
    println!("One open tab, idle for {} s (nothing changes):", idle.as_secs());
    let polling = async {
        // What the page did before: both reads every 3 s.
        let (mut requests, mut bytes) = (0, 0);
        let end = Instant::now() + idle;
        while Instant::now() < end {
            bytes += client.server_fn("list_deployments", "namespace=default&mode=STREAMING").await;
            bytes += client.server_fn("list_deployment_targets", "namespace=default").await;
            requests += 2;
            tokio::time::sleep(Duration::from_secs(3)).await;
        }
        (requests, bytes)
    };
    let streaming = async {
        let uri = format!("{}/api/v1/namespaces/default/deployments:watch", client.base);
        let mut response = client
            .http
            .get(uri)
            .header("cookie", &client.cookie)
            .header("accept", "text/event-stream")
            .send()
            .await
            .expect("a stream");
        let mut bytes = header_bytes(response.headers());
        let end = tokio::time::Instant::now() + idle;
        while let Ok(Ok(Some(chunk))) = tokio::time::timeout_at(end, response.chunk()).await {
            bytes += chunk.len();
        }
        (1, bytes)
    };
    let ((poll_requests, poll_bytes), (sse_requests, sse_bytes)) = tokio::join!(polling, streaming);
    println!("| | requests | bytes received |");
    println!("|---|---:|---:|");
    println!("| before: polling every 3 s | {poll_requests} | {poll_bytes} |");
    println!("| after: live stream (SSE) | {sse_requests} | {sse_bytes} |");
}
