//! Several console replicas on one PostgreSQL database and one real Flink cluster (issue 18): the
//! lifecycle engine runs only in the holder of the engine lease. Real `flink-console` processes,
//! real signals:
//!
//! - the holder SIGKILLed in the middle of a stateful upgrade: another replica takes over within
//!   the lease time and completes it; the counter continues, Flink never runs two jobs of the
//!   deployment, no savepoint is lost;
//! - the holder SIGSTOPped in the middle of a pass, past its lease, then resumed: the database
//!   refuses its stale engine step (the lease fence), and the deployment's status moves only under
//!   the new holder;
//! - a change made on one replica reaches the holder at once (the bus), and a live stream opened on
//!   that replica sees the status the holder commits.
//!
//! Each test has a database of its own. Needs CONSOLE_TEST_POSTGRES_URL (a PostgreSQL server where
//! tests may `CREATE DATABASE`), FLINK_REST_URL and CONSOLE_JOBS_DIR; skips without them unless
//! CONSOLE_TEST_REPLICAS_REQUIRED is set (`make test` sets all).

mod real_console;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use domain::NamespaceName;
use real_console::{free_port, get, max_count, signed_in, status, until, Console};
use serde_json::{json, Value};
use storage::testing::{fresh_postgres_database, TestDatabase};
use storage::Store;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::watch;

/// The engine lease's time to live in these tests, in seconds (the product's default is 15).
const LEASE_SECONDS: u64 = 4;

fn configured() -> bool {
    let names = ["CONSOLE_TEST_POSTGRES_URL", "FLINK_REST_URL", "CONSOLE_JOBS_DIR"];
    let present = names.iter().all(|name| std::env::var_os(name).is_some());
    if !present && std::env::var_os("CONSOLE_TEST_REPLICAS_REQUIRED").is_some() {
        panic!("CONSOLE_TEST_REPLICAS_REQUIRED is set but one of {names:?} is not: run through `make test`");
    }
    if !present {
        eprintln!("skipped: {names:?} are not all set");
    }
    present
}

fn flink_url() -> String {
    std::env::var("FLINK_REST_URL").expect("FLINK_REST_URL")
}

fn default_namespace() -> NamespaceName {
    NamespaceName::parse("default").expect("a namespace name")
}

/// Console replicas on one fresh database, sharing one data directory (the access-key master key).
struct Replicas {
    /// The test's own view of the database (reads only).
    store: Store,
    _database: TestDatabase,
    dir: tempfile::TempDir,
    url: String,
    flink: String,
    replicas: Vec<Replica>,
}

struct Replica {
    console: Option<Console>,
    port: u16,
    log: PathBuf,
    base: String,
}

impl Replica {
    fn pid(&self) -> u32 {
        self.console.as_ref().map_or(0, Console::pid)
    }

    fn signal(&self, name: &str) {
        self.console.as_ref().expect("a running replica").signal(name);
    }

    fn kill(&mut self) {
        if let Some(console) = self.console.take() {
            console.kill();
        }
    }

    /// Lines of its log that say its engine write was refused by the lease fence.
    fn refused_writes(&self) -> usize {
        let log = std::fs::read_to_string(&self.log).unwrap_or_default();
        log.lines().filter(|line| line.contains("engine write refused by the lease fence")).count()
    }

    fn log_tail(&self) -> String {
        let log = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = log.lines().collect();
        lines[lines.len().saturating_sub(40)..].join("\n")
    }
}

impl Replicas {
    /// A fresh database; the replicas use the Flink cluster at `flink`.
    async fn new(flink: &str) -> Self {
        let database = fresh_postgres_database().await;
        let store = Store::connect(database.url()).await.expect("the test's view of the database");
        let url = database.url().to_owned();
        Self {
            store,
            _database: database,
            dir: tempfile::tempdir().expect("a shared data directory"),
            url,
            flink: flink.to_owned(),
            replicas: Vec::new(),
        }
    }

    /// Starts one more replica; answers its index.
    fn start(&mut self) -> usize {
        let index = self.replicas.len();
        let port = free_port();
        let log = self.dir.path().join(format!("replica-{index}.log"));
        let lease = LEASE_SECONDS.to_string();
        let console = Console::start_replica(
            self.dir.path(),
            &log,
            port,
            &self.flink,
            &[("DATABASE_URL", self.url.as_str()), ("CONSOLE_ENGINE_LEASE_SECONDS", lease.as_str())],
        );
        let base = console.base.clone();
        self.replicas.push(Replica { console: Some(console), port, log, base });
        index
    }

    /// The pid of the replica holding an unexpired lease, and its epoch.
    async fn holder(&self) -> Option<(u32, i64)> {
        let lease = self.store.engine_lease().await.ok()?;
        let pid = lease.holder.split('-').next()?.parse().ok()?;
        (lease.expires_in_ms > 0).then_some((pid, lease.epoch))
    }

    fn index_of(&self, pid: u32) -> usize {
        self.replicas.iter().position(|r| r.pid() == pid).unwrap_or_else(|| panic!("no replica has pid {pid}"))
    }

    /// Waits until a replica other than `not` holds the lease; answers its index and epoch.
    async fn holder_other_than(&self, not: Option<u32>, within: Duration) -> (usize, i64) {
        let (pid, epoch) = until("a replica to hold the engine lease", within, async || {
            self.holder().await.filter(|(pid, _)| Some(*pid) != not)
        })
        .await;
        (self.index_of(pid), epoch)
    }
}

impl Drop for Replicas {
    /// A failed test leaves no job running on the shared Flink cluster: the replicas are stopped
    /// first, then every job the database knows of is cancelled.
    fn drop(&mut self) {
        let panicking = std::thread::panicking();
        for (index, replica) in self.replicas.iter().enumerate() {
            if panicking {
                eprintln!("--- the last lines of replica {index}'s log:\n{}", replica.log_tail());
            }
        }
        self.replicas.clear();
        if !panicking {
            return;
        }
        let url = self.url.clone();
        let cleanup = std::thread::spawn(move || {
            let Ok(runtime) = tokio::runtime::Builder::new_current_thread().enable_all().build() else { return };
            runtime.block_on(async move {
                let Ok(store) = Store::connect(&url).await else { return };
                let http = reqwest::Client::new();
                for (namespace, id) in store.deployment_keys().await.unwrap_or_default() {
                    let Ok(namespace) = NamespaceName::parse(&namespace) else { continue };
                    for job in store.all_jobs_of_deployment(&namespace, &id).await.unwrap_or_default() {
                        if let Some(started) = &job.status.started {
                            let url = format!("{}/jobs/{}?mode=cancel", flink_url(), started.flink_job_id);
                            let _ = http.patch(url).send().await;
                        }
                    }
                }
            });
        });
        let _ = cleanup.join();
    }
}

async fn patch(http: &reqwest::Client, url: &str, body: Value) {
    let reply = http.patch(url).json(&body).send().await.expect("PATCH");
    assert!(reply.status().is_success(), "PATCH {url}: {}", reply.text().await.unwrap_or_default());
}

/// Checkpoints every half second: the upgrade's savepoint can be taken at once.
const CHECKPOINTING: &str = "--rate 200 --keys 10 --checkpoint-interval 500";
/// Checkpoints once an hour: the engine has nothing new to record of a steady job (it records each
/// newer completed checkpoint on the job's row).
const HARDLY_CHECKPOINTING: &str = "--rate 200 --keys 10 --checkpoint-interval 3600000";

/// A copy of the seeded stateful counter (`main_args`), created in `state` through the replica at `base`.
async fn create_counter(http: &reqwest::Client, base: &str, name: &str, state: &str, main_args: &str) -> String {
    let list = until("the seeded deployments", Duration::from_secs(60), async || {
        get(http, &format!("{base}/deployments")).await
    })
    .await;
    let seeded = list["items"]
        .as_array()
        .and_then(|items| items.iter().find(|d| d["metadata"]["name"] == "stateful-counter"))
        .expect("the seeded counter")
        .clone();
    let mut spec = seeded["spec"].clone();
    spec["state"] = json!(state);
    spec["template"]["spec"]["parallelism"] = json!(1);
    spec["template"]["spec"]["artifact"]["mainArgs"] = json!(main_args);
    let created = http
        .post(format!("{base}/deployments"))
        .json(&json!({"metadata": {"name": name}, "spec": spec}))
        .send()
        .await
        .expect("POST");
    assert_eq!(created.status(), 201, "{}", created.text().await.unwrap_or_default());
    created.json::<Value>().await.expect("json")["metadata"]["id"].as_str().expect("id").to_owned()
}

async fn until_state(http: &reqwest::Client, base: &str, id: &str, want: &str, within: Duration) {
    until(&format!("{want} at {base}"), within, async || (status(http, base, id).await? == want).then_some(())).await;
}

/// The deployment's jobs as recorded, newest first, as their REST documents.
async fn jobs(store: &Store, id: &str) -> Vec<Value> {
    let jobs = store.all_jobs_of_deployment(&default_namespace(), id).await.expect("jobs");
    jobs.iter().map(|job| serde_json::to_value(job).expect("json")).collect()
}

async fn savepoints(store: &Store, id: &str) -> Vec<Value> {
    let savepoints = store.all_savepoints_of_deployment(&default_namespace(), id).await.expect("savepoints");
    savepoints.iter().map(|savepoint| serde_json::to_value(savepoint).expect("json")).collect()
}

/// How many of the deployment's jobs Flink runs (in any state but a terminal one) right now.
async fn running_in_flink(http: &reqwest::Client, store: &Store, id: &str) -> usize {
    let flink = flink_url();
    let mut running = 0;
    for job in jobs(store, id).await {
        let Some(flink_id) = job["status"]["started"]["flinkJobId"].as_str() else { continue };
        let state = get(http, &format!("{flink}/jobs/{flink_id}/status")).await;
        let state = state.and_then(|s| s["status"].as_str().map(str::to_owned)).unwrap_or_default();
        if !matches!(state.as_str(), "" | "FINISHED" | "CANCELED" | "FAILED") {
            running += 1;
        }
    }
    running
}

/// Watches Flink every 100 ms while the test runs; answers the most jobs of the deployment seen
/// running at once.
fn watch_flink(store: Store, id: String) -> (Arc<AtomicBool>, tokio::task::JoinHandle<usize>) {
    let stop = Arc::new(AtomicBool::new(false));
    let stopping = stop.clone();
    let most = Arc::new(AtomicUsize::new(0));
    let handle = tokio::spawn(async move {
        let http = reqwest::Client::new();
        while !stopping.load(Ordering::Relaxed) {
            let now = running_in_flink(&http, &store, &id).await;
            most.fetch_max(now, Ordering::Relaxed);
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        most.load(Ordering::Relaxed)
    });
    (stop, handle)
}

/// The newest job, once it runs in Flink at `parallelism`: its document.
async fn newest_running_job(store: &Store, id: &str, parallelism: u64) -> Option<Value> {
    let newest = jobs(store, id).await.into_iter().next()?;
    (newest["spec"]["parallelism"] == parallelism && newest["status"]["state"] == "STARTED").then_some(newest)
}

#[tokio::test]
async fn the_holder_killed_during_a_stateful_upgrade_is_replaced_within_the_lease_and_the_upgrade_completes() {
    if !configured() {
        return;
    }
    let mut cluster = Replicas::new(&flink_url()).await;
    let first = cluster.start();
    let (holder, _) = cluster.holder_other_than(None, Duration::from_secs(60)).await;
    assert_eq!(holder, first, "the first replica takes the free lease");
    let a = cluster.start();
    cluster.start();
    // Changes go through replica A (not the holder): its nudges reach the holder through the bus.
    let http = signed_in(cluster.replicas[a].port).await;
    let base = cluster.replicas[a].base.clone();
    let id = create_counter(&http, &base, "replicated", "RUNNING", CHECKPOINTING).await;
    until_state(&http, &base, &id, "RUNNING", Duration::from_secs(60)).await;
    let old_job = until("the first job running", Duration::from_secs(60), async || {
        newest_running_job(&cluster.store, &id, 1).await
    })
    .await;
    let old_flink_job = old_job["status"]["started"]["flinkJobId"].as_str().expect("a Flink job id").to_owned();
    let before = until("the counter's count", Duration::from_secs(60), async || {
        max_count(&http, &old_flink_job).await.filter(|count| *count > 0.0)
    })
    .await;
    let (stop_watching, watching) = watch_flink(cluster.store.clone(), id.clone());

    patch(&http, &format!("{base}/deployments/{id}"), json!({"spec": {"template": {"spec": {"parallelism": 2}}}}))
        .await;
    let upgrade_savepoint = until("the upgrade's savepoint", Duration::from_secs(30), async || {
        savepoints(&cluster.store, &id).await.into_iter().find(|s| s["metadata"]["origin"] == "SUSPEND_AND_UPGRADE")
    })
    .await;
    let killed_pid = cluster.replicas[holder].pid();
    cluster.replicas[holder].kill();
    let killed_at = Instant::now();
    eprintln!(
        "killed the holder (pid {killed_pid}) with the upgrade's savepoint {}",
        upgrade_savepoint["status"]["state"]
    );

    let lease = Duration::from_secs(LEASE_SECONDS);
    let (successor, epoch) = cluster.holder_other_than(Some(killed_pid), lease * 3).await;
    let took = killed_at.elapsed();
    eprintln!("replica {successor} took over (epoch {epoch}) {took:?} after the kill");
    assert!(took <= lease + Duration::from_secs(2), "taken over within the lease time: {took:?}");

    let new_job = until("the upgraded job running", Duration::from_secs(90), async || {
        newest_running_job(&cluster.store, &id, 2).await
    })
    .await;
    until_state(&http, &base, &id, "RUNNING", Duration::from_secs(30)).await;
    let new_flink_job = new_job["status"]["started"]["flinkJobId"].as_str().expect("a Flink job id").to_owned();
    let after = until("the upgraded counter's count", Duration::from_secs(60), async || {
        max_count(&http, &new_flink_job).await.filter(|count| *count > 0.0)
    })
    .await;
    assert!(after >= before, "the counter continues: {before} before the upgrade, {after} after");

    stop_watching.store(true, Ordering::Relaxed);
    let most = watching.await.expect("the watcher");
    assert_eq!(most, 1, "Flink never ran two jobs of the deployment at once (nor none seen at all)");
    assert_eq!(running_in_flink(&http, &cluster.store, &id).await, 1, "exactly one job runs");
    let all = savepoints(&cluster.store, &id).await;
    for savepoint in &all {
        let state = &savepoint["status"]["state"];
        assert!(
            state == "COMPLETED" || (state == "FAILED" && !savepoint["status"]["failure"].is_null()),
            "every savepoint completed or failed with its reason: {savepoint}"
        );
    }
    let restored = new_job["spec"]["savepointLocation"].as_str().expect("the new job restores a savepoint");
    let upgrade = all
        .iter()
        .find(|s| s["spec"]["savepointLocation"] == restored && s["status"]["state"] == "COMPLETED")
        .unwrap_or_else(|| panic!("the restored savepoint {restored} is recorded as COMPLETED: {all:?}"));
    assert_eq!(upgrade["metadata"]["origin"], "SUSPEND_AND_UPGRADE");
    assert!(Path::new(restored.trim_start_matches("file:")).join("_metadata").exists(), "{restored} exists");

    patch(&http, &format!("{base}/deployments/{id}"), json!({"spec": {"state": "CANCELLED"}})).await;
    until_state(&http, &base, &id, "CANCELLED", Duration::from_secs(60)).await;
}

/// The deployment's row once the engine has left it alone for a while (longer than it waits to
/// look again at a steady job, or for Flink's checkpoint statistics after a start).
async fn quiet(store: &Store, id: &str) -> storage::EngineRow {
    const QUIET: Duration = Duration::from_secs(6);
    let read = async || store.engine_row(&default_namespace(), id).await.expect("read").expect("the row");
    let mut last = read().await;
    let mut since = Instant::now();
    let deadline = Instant::now() + Duration::from_secs(90);
    while since.elapsed() < QUIET {
        assert!(Instant::now() < deadline, "the engine never left the deployment alone: {last:?}");
        tokio::time::sleep(Duration::from_millis(250)).await;
        let now = read().await;
        if now.status_version != last.status_version {
            (last, since) = (now, Instant::now());
        }
    }
    last
}

/// A TCP proxy in front of Flink whose requests wait while its gate is closed (answers pass).
async fn gated_proxy(upstream: &str) -> (String, watch::Sender<bool>) {
    let upstream = upstream.trim_start_matches("http://").trim_end_matches('/').to_owned();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a port");
    let url = format!("http://{}", listener.local_addr().expect("its address"));
    let (gate, _) = watch::channel(true);
    let opened = gate.clone();
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            let Ok(server) = tokio::net::TcpStream::connect(&upstream).await else { continue };
            let (client_read, client_write) = client.into_split();
            let (server_read, server_write) = server.into_split();
            tokio::spawn(pump(client_read, server_write, Some(opened.subscribe())));
            tokio::spawn(pump(server_read, client_write, None));
        }
    });
    (url, gate)
}

async fn pump(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    mut gate: Option<watch::Receiver<bool>>,
) {
    let mut buffer = vec![0u8; 16 * 1024];
    loop {
        let read = match from.read(&mut buffer).await {
            Ok(0) | Err(_) => break,
            Ok(read) => read,
        };
        if let Some(gate) = &mut gate {
            if gate.wait_for(|open| *open).await.is_err() {
                break;
            }
        }
        if to.write_all(&buffer[..read]).await.is_err() {
            break;
        }
    }
    let _ = to.shutdown().await;
}

#[tokio::test]
async fn a_paused_holder_resumed_after_losing_its_lease_commits_nothing() {
    if !configured() {
        return;
    }
    // Every replica reaches Flink through a proxy the test can hold, so the holder can be paused
    // with a pass under way (waiting for Flink's answer), which it finishes once resumed.
    let (proxy, gate) = gated_proxy(&flink_url()).await;
    let mut cluster = Replicas::new(&proxy).await;
    let holder = cluster.start();
    let (first, first_epoch) = cluster.holder_other_than(None, Duration::from_secs(60)).await;
    assert_eq!(first, holder);
    let b = cluster.start();
    cluster.start();
    let http = signed_in(cluster.replicas[b].port).await;
    let base = cluster.replicas[b].base.clone();
    let id = create_counter(&http, &base, "paused", "RUNNING", HARDLY_CHECKPOINTING).await;
    until_state(&http, &base, &id, "RUNNING", Duration::from_secs(60)).await;
    let old_job =
        until("the job running", Duration::from_secs(60), async || newest_running_job(&cluster.store, &id, 1).await)
            .await;
    tokio::time::sleep(Duration::from_secs(2)).await;

    // A stateful upgrade (other arguments, the same parallelism: one slot) asked for on B: the
    // holder's pass reads it and waits for Flink's answer.
    gate.send_replace(false);
    let upgraded = HARDLY_CHECKPOINTING.replace("--rate 200", "--rate 201");
    let change = json!({"spec": {"template": {"spec": {"artifact": {"mainArgs": upgraded}}}}});
    patch(&http, &format!("{base}/deployments/{id}"), change).await;
    tokio::time::sleep(Duration::from_millis(700)).await;
    let paused = &cluster.replicas[holder];
    let paused_pid = paused.pid();
    paused.signal("STOP");
    let paused_at = Instant::now();
    gate.send_replace(true);

    let (successor, epoch) = cluster.holder_other_than(Some(paused_pid), Duration::from_secs(LEASE_SECONDS * 3)).await;
    assert!(epoch > first_epoch, "a takeover raises the epoch");
    eprintln!("replica {successor} took over (epoch {epoch}) {:?} after the pause", paused_at.elapsed());
    until("the upgrade done by the new holder", Duration::from_secs(90), async || {
        newest_running_job(&cluster.store, &id, 1)
            .await
            .filter(|job| job["metadata"]["id"] != old_job["metadata"]["id"])
    })
    .await;
    until_state(&http, &base, &id, "RUNNING", Duration::from_secs(30)).await;
    let settled = quiet(&cluster.store, &id).await;

    // Resumed: its pass goes on with what it read before the pause, and its step is refused.
    let refused_before = cluster.replicas[holder].refused_writes();
    cluster.replicas[holder].signal("CONT");
    let refused = until("the resumed replica's stale step refused", Duration::from_secs(30), async || {
        let refused = cluster.replicas[holder].refused_writes();
        (refused > refused_before).then_some(refused - refused_before)
    })
    .await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    eprintln!("the resumed replica's engine writes refused by the fence: {refused}; its log says:");
    for line in cluster.replicas[holder].log_tail().lines() {
        if line.contains("lease") || line.contains("engine pass failed") || line.contains("no longer runs") {
            eprintln!("  {line}");
        }
    }

    // Every engine step's commit moves the status version (its jobs, savepoints and events go with it).
    let now = cluster.store.engine_row(&default_namespace(), &id).await.expect("read").expect("the row");
    assert_eq!(
        (now.status_version, now.engine.as_deref()),
        (settled.status_version, settled.engine.as_deref()),
        "the status and the engine's record moved only under the new holder"
    );
    let (still, _) = cluster.holder().await.expect("a holder");
    assert_eq!(still, cluster.replicas[successor].pid(), "the new holder keeps the lease");
    assert_eq!(running_in_flink(&http, &cluster.store, &id).await, 1, "one job runs");
    let log = cluster.replicas[holder].log_tail();
    assert!(log.contains("no longer runs the engine"), "the resumed replica stopped its engine:\n{log}");

    patch(&http, &format!("{base}/deployments/{id}"), json!({"spec": {"state": "CANCELLED"}})).await;
    until_state(&http, &base, &id, "CANCELLED", Duration::from_secs(60)).await;
}

/// Server-sent events of a stream as (event, data) pairs, read as they arrive.
struct EventStream {
    reply: reqwest::Response,
    buffer: String,
}

impl EventStream {
    async fn open(http: &reqwest::Client, url: &str) -> Self {
        let reply = http.get(url).header("accept", "text/event-stream").send().await.expect("the stream");
        assert_eq!(reply.status(), 200, "{url}");
        Self { reply, buffer: String::new() }
    }

    async fn next(&mut self) -> (String, Value) {
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                let field =
                    |name: &str| block.lines().find_map(|line| line.strip_prefix(name).map(|v| v.trim().to_owned()));
                let (Some(event), Some(data)) = (field("event:"), field("data:")) else { continue };
                return (event, serde_json::from_str(&data).unwrap_or(Value::Null));
            }
            let chunk = self.reply.chunk().await.expect("the stream goes on").expect("the stream stays open");
            self.buffer.push_str(&String::from_utf8_lossy(&chunk));
        }
    }
}

#[tokio::test]
async fn a_change_on_one_replica_reaches_the_holder_at_once_and_its_status_reaches_the_first_replicas_stream() {
    if !configured() {
        return;
    }
    let mut cluster = Replicas::new(&flink_url()).await;
    let holder = cluster.start();
    let (first, _) = cluster.holder_other_than(None, Duration::from_secs(60)).await;
    assert_eq!(first, holder);
    let b = cluster.start();
    let http = signed_in(cluster.replicas[b].port).await;
    let base = cluster.replicas[b].base.clone();
    let id = create_counter(&http, &base, "nudged", "CANCELLED", CHECKPOINTING).await;
    let mut stream = EventStream::open(&http, &format!("{base}/deployments:watch")).await;
    while stream.next().await.0 != "ready" {}

    let asked = Instant::now();
    patch(&http, &format!("{base}/deployments/{id}"), json!({"spec": {"state": "RUNNING"}})).await;
    let seen = tokio::time::timeout(Duration::from_secs(20), async {
        loop {
            let (event, data) = stream.next().await;
            let engine_wrote = data["statusVersion"].as_i64().unwrap_or_default() > 0;
            if event == "deployment" && data["id"] == id.as_str() && engine_wrote && data["state"] != "CANCELLED" {
                return data;
            }
        }
    })
    .await
    .expect("the holder's status change on B's stream");
    let took = asked.elapsed();
    eprintln!("PATCH on replica B → the holder's status {} on B's stream: {took:?}", seen["state"]);
    let resync = engine::ControllerSettings::default().resync_every;
    assert!(took < Duration::from_secs(5), "at once, not at the next resync ({resync:?}): {took:?}");
    let (still, _) = cluster.holder().await.expect("a holder");
    assert_eq!(still, cluster.replicas[holder].pid(), "the first replica committed it: it held the lease throughout");

    until_state(&http, &base, &id, "RUNNING", Duration::from_secs(60)).await;
    patch(&http, &format!("{base}/deployments/{id}"), json!({"spec": {"state": "CANCELLED"}})).await;
    until_state(&http, &base, &id, "CANCELLED", Duration::from_secs(60)).await;
}

#[tokio::test]
async fn a_token_revoked_on_one_replica_stops_working_on_another_at_once() {
    if !configured() {
        return;
    }
    let mut cluster = Replicas::new(&flink_url()).await;
    let a = cluster.start();
    let b = cluster.start();
    let admin_a = signed_in(cluster.replicas[a].port).await;
    let (base_a, base_b) = (cluster.replicas[a].base.clone(), cluster.replicas[b].base.clone());
    let created = admin_a
        .post(format!("{base_a}/api-tokens"))
        .header("accept", "application/json")
        .json(&json!({"name": "ci", "role": "EDITOR"}))
        .send()
        .await
        .expect("a token is made");
    assert_eq!(created.status(), 201);
    let created: Value = created.json().await.expect("JSON");
    let (id, secret) = (created["token"]["id"].as_str().expect("an id"), created["secret"].as_str().expect("a secret"));
    let plain = reqwest::Client::new();
    let read_on_b = || async {
        plain.get(format!("{base_b}/deployments")).bearer_auth(secret).send().await.expect("B answers").status()
    };
    // B reads with it several times: it is in B's cache now.
    for _ in 0..3 {
        assert_eq!(read_on_b().await, 200);
    }
    let revoked = admin_a.delete(format!("{base_a}/api-tokens/{id}")).send().await.expect("A answers");
    assert_eq!(revoked.status(), 200);
    let revoked_at = Instant::now();
    // Revoked on A; B refuses it once the bus delivers A's word (milliseconds), never later.
    let mut refused = None;
    while revoked_at.elapsed() < Duration::from_secs(2) {
        if read_on_b().await == 401 {
            refused = Some(revoked_at.elapsed());
            break;
        }
    }
    let refused = refused.expect("B refuses the revoked token within 2 s");
    eprintln!("a token revoked on replica A is refused by replica B after {refused:?}");
    assert!(refused < Duration::from_millis(500), "at once: {refused:?}");
    for _ in 0..3 {
        assert_eq!(read_on_b().await, 401, "and stays refused");
    }
}
