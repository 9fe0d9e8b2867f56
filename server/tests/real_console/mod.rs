//! A real console process for the end-to-end tests: started as the `flink-console` binary
//! against the real local Flink cluster (FLINK_REST_URL, CONSOLE_JOBS_DIR and FLINK_HOME, set by
//! `make test`), signed in as the admin, spoken to over HTTP.

#![allow(dead_code)]

use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

pub struct Console {
    child: Child,
    /// `http://127.0.0.1:<port>/api/v1/namespaces/default`.
    pub base: String,
}

impl Console {
    pub fn start(data_dir: &Path, port: u16) -> Self {
        Self::start_with(data_dir, port, &[])
    }

    /// `start`, with extra environment variables (the console's options, e.g.
    /// `CONSOLE_PLAN_CHECK_SECONDS`).
    pub fn start_with(data_dir: &Path, port: u16, env: &[(&str, &str)]) -> Self {
        let flink = std::env::var("FLINK_REST_URL").expect("FLINK_REST_URL is not set: run through `make test`");
        Self::start_replica(data_dir, &data_dir.join("console.log"), port, &flink, env)
    }

    /// A console logging to `log` and using the Flink cluster at `flink` (replicas share a data
    /// directory and a database, each with a log of its own).
    pub fn start_replica(data_dir: &Path, log: &Path, port: u16, flink: &str, env: &[(&str, &str)]) -> Self {
        let jobs = std::env::var("CONSOLE_JOBS_DIR").expect("CONSOLE_JOBS_DIR is not set: run through `make test`");
        let log = std::fs::OpenOptions::new().create(true).append(true).open(log).expect("a log file");
        let child = Command::new(env!("CARGO_BIN_EXE_flink-console"))
            .args(["--listen", &format!("127.0.0.1:{port}"), "--flink-url", flink, "--jobs-dir", &jobs])
            .arg("--data-dir")
            .arg(data_dir)
            .arg("--site-root")
            .arg(data_dir)
            .env("RUST_LOG", "info,sqlx=warn")
            .env("CONSOLE_ADMIN_PASSWORD", ADMIN_PASSWORD)
            .envs(env.iter().copied())
            .stdout(log.try_clone().map_or_else(|_| Stdio::null(), Stdio::from))
            .stderr(log)
            .spawn()
            .expect("the console starts");
        Self { child, base: format!("http://127.0.0.1:{port}/api/v1/namespaces/default") }
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Sends a signal by name (`STOP`, `CONT`, `TERM`) with `kill(1)`.
    pub fn signal(&self, name: &str) {
        let sent = Command::new("kill").arg(format!("-{name}")).arg(self.child.id().to_string()).status();
        assert!(sent.is_ok_and(|status| status.success()), "kill -{name} {}", self.child.id());
    }

    /// SIGKILL: no shutdown, no flush, nothing.
    pub fn kill(mut self) {
        self.child.kill().expect("SIGKILL");
        self.child.wait().expect("reaped");
    }
}

impl Drop for Console {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").expect("a port").local_addr().expect("its address").port()
}

pub async fn until<T>(what: &str, within: Duration, mut probe: impl AsyncFnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + within;
    loop {
        if let Some(found) = probe().await {
            return found;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

pub async fn get(http: &reqwest::Client, url: &str) -> Option<Value> {
    http.get(url).send().await.ok()?.json().await.ok()
}

/// The largest per-key count of the counter job `flink_job` (its `maxCount` gauge) on the cluster
/// at FLINK_REST_URL, once Flink reports it.
pub async fn max_count(http: &reqwest::Client, flink_job: &str) -> Option<f64> {
    let flink = std::env::var("FLINK_REST_URL").expect("FLINK_REST_URL");
    let job = get(http, &format!("{flink}/jobs/{flink_job}")).await?;
    let vertex =
        job["vertices"].as_array()?.iter().find(|v| v["name"].as_str().is_some_and(|n| n.contains("counter")))?;
    let vertex = vertex["id"].as_str()?;
    let metrics =
        get(http, &format!("{flink}/jobs/{flink_job}/vertices/{vertex}/metrics?get=0.counter.maxCount")).await?;
    metrics[0]["value"].as_str()?.parse().ok()
}

pub async fn status(http: &reqwest::Client, console: &str, id: &str) -> Option<String> {
    let deployment = get(http, &format!("{console}/deployments/{id}")).await?;
    deployment["status"]["state"].as_str().map(str::to_owned)
}

pub const ADMIN_PASSWORD: &str = "killed-console-admin";

/// Signs in as the admin and returns a client that sends the session cookie (sessions live in the
/// database, so the same client works after a restart).
pub async fn signed_in(port: u16) -> reqwest::Client {
    let plain = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("a client");
    let login = format!("http://127.0.0.1:{port}/api/login");
    let reply = until("the console to answer", Duration::from_secs(60), async || {
        plain
            .post(&login)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(format!("name=admin&password={ADMIN_PASSWORD}"))
            .send()
            .await
            .ok()
    })
    .await;
    let cookie = reply
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| v.split(';').next().filter(|pair| pair.starts_with("console_session=")))
        .map(str::to_owned)
        .unwrap_or_else(|| panic!("signing in gave no session cookie: {}", reply.status()));
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("cookie", cookie.parse().expect("a header value"));
    reqwest::Client::builder().default_headers(headers).build().expect("a client")
}
