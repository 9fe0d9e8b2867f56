//! How many deployments one engine keeps an eye on: 10,000 deployments in one SQLite store, all
//! RUNNING against the in-process `FakeFlink` (so only the engine and the store are measured), then
//! - passes per second re-observing all of them as fast as possible, 16 at a time (the
//!   controller's default limit), against bare reads of the same store and fake made in the same
//!   run without planning;
//! - CPU (% of one core) and RSS of this process at steady state under the real controller
//!   (`spawn_controller`, default settings, `observe_every` 3 s), against the same bare reads paced
//!   at the rate the controller achieved;
//! - the cost of a steady pass for deployments with a history (ended jobs, completed savepoints)
//!   against deployments without, since every pass reads all of a deployment's job and savepoint
//!   rows.
//!
//! Setup failures of the store (SQLite's "database is locked" under 16 concurrent writers) are
//! tried again, as the controller does, and counted. Prints figures and ratios; asserts nothing. The fake answers in microseconds, so every figure is
//! the engine's and the store's own cost (a real cluster adds its REST latency per pass).

use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use domain::{Deployment, DeploymentState, NamespaceName};
use engine::plan::Step;
use engine::{ControllerSettings, Engine, Settings, SystemClock};
use flink::testing::FakeFlink;
use flink::{FlinkCluster, JobId};
use storage::testing::fresh_store;
use storage::Store;
use tokio::task::JoinSet;

mod process;
use process::{clock_ticks, cpu_split, cpu_time, memory, OneCluster};

const DEPLOYMENTS: usize = 10_000;
/// As `ControllerSettings::default().max_concurrent_passes`.
const CONCURRENCY: usize = 16;
/// Full sweeps over every deployment when measuring passes per second.
const SWEEPS: usize = 2;
const OBSERVE_EVERY: Duration = Duration::from_secs(3);
/// The controller's first sweep (every deployment nudged at once) before measuring.
const CONTROLLER_WARMUP: Duration = Duration::from_secs(6);
const CONTROLLER_WINDOW: Duration = Duration::from_secs(20);
const BASELINE_WINDOW: Duration = Duration::from_secs(10);
const NAMESPACE: &str = "default";

fn namespace() -> NamespaceName {
    NamespaceName::parse(NAMESPACE).expect("a namespace name")
}

fn threads() -> usize {
    std::fs::read_dir("/proc/self/task").map(|d| d.count()).unwrap_or_default()
}

// ---------------------------------------------------------------------------------------------

/// Runs `work(i)` for every i in 0..n, `CONCURRENCY` at a time; returns the elapsed time.
async fn for_each<F, Fut>(n: usize, work: F) -> Duration
where
    F: Fn(usize) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send,
{
    let started = Instant::now();
    let next = Arc::new(AtomicUsize::new(0));
    let mut workers = JoinSet::new();
    for _ in 0..CONCURRENCY {
        let (next, work) = (next.clone(), work.clone());
        workers.spawn(async move {
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= n {
                    break;
                }
                work(i).await;
            }
        });
    }
    while let Some(done) = workers.join_next().await {
        done.expect("a worker");
    }
    started.elapsed()
}

/// Attempts per deployment in the setup before the bench gives up.
const RETRIES: usize = 30;
/// The wait after a failed setup call (the controller waits `error_backoff`, 2 s).
const RETRY_AFTER: Duration = Duration::from_millis(100);

/// Store calls of the setup that failed (SQLite answers "database is locked" when writers wait
/// longer than its busy timeout) and were tried again, as the controller does.
#[derive(Default)]
struct Failures {
    count: AtomicUsize,
    first: std::sync::Mutex<Option<String>>,
}

impl Failures {
    async fn note(&self, err: String) {
        self.count.fetch_add(1, Ordering::Relaxed);
        self.first.lock().unwrap_or_else(|p| p.into_inner()).get_or_insert(err);
        tokio::time::sleep(RETRY_AFTER).await;
    }

    fn first(&self) -> String {
        self.first.lock().unwrap_or_else(|p| p.into_inner()).clone().unwrap_or_default()
    }

    fn reset(&self) {
        self.count.store(0, Ordering::Relaxed);
        *self.first.lock().unwrap_or_else(|p| p.into_inner()) = None;
    }

    /// Nothing if none failed, else how many and the first error.
    fn describe(&self) -> String {
        match self.count.load(Ordering::Relaxed) {
            0 => String::new(),
            n => format!("; {n} calls failed and were tried again (first: {})", self.first()),
        }
    }
}

fn deployment(id: &str, index: usize, now: &str) -> Deployment {
    serde_json::from_value(serde_json::json!({
        "apiVersion": "v1",
        "kind": "Deployment",
        "metadata": {"id": id, "name": format!("counter-{index:05}"), "namespace": NAMESPACE, "createdAt": now, "modifiedAt": now, "resourceVersion": 1},
        "spec": {
            "state": "RUNNING",
            "deploymentTargetName": "local",
            "upgradeStrategy": {"kind": "STATEFUL"},
            "restoreStrategy": {"kind": "LATEST_STATE"},
            "template": {"spec": {
                "artifact": {"kind": "JAR", "jarUri": "file:///jobs/stateful-job.jar", "entryClass": "console.examples.StatefulCounter", "mainArgs": "--rate 100 --keys 10"},
                "parallelism": 1
            }}
        },
        "status": {"state": "CANCELLED"}
    }))
    .expect("a deployment")
}

/// The bare reads of a steady pass, without planning: the deployment's row and the job's state.
async fn bare_read(store: &Store, flink: &FakeFlink, id: &str, job: &JobId) {
    store.engine_row(&namespace(), id).await.expect("engine row").expect("exists");
    FlinkCluster::job_state(flink, job).await.expect("state").expect("known");
}

/// Every read a steady pass makes (deployment row, jobs, savepoints, job state, checkpoints),
/// without planning or decoding the engine's record.
async fn all_reads(store: &Store, flink: &FakeFlink, id: &str, job: &JobId) {
    store.engine_row(&namespace(), id).await.expect("engine row").expect("exists");
    store.all_jobs_of_deployment(&namespace(), id).await.expect("jobs");
    store.all_savepoints_of_deployment(&namespace(), id).await.expect("savepoints");
    FlinkCluster::job_state(flink, job).await.expect("state").expect("known");
    FlinkCluster::checkpoints(flink, job).await.expect("checkpoints");
}

/// Runs `rate` operations per second (in batches every 100 ms, `CONCURRENCY` at a time) for
/// `window`; returns (operations done, CPU time used).
async fn paced<F, Fut>(rate: f64, window: Duration, ticks: f64, op: F) -> (usize, Duration)
where
    F: Fn(usize) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send,
{
    let tick = Duration::from_millis(100);
    let mut interval = tokio::time::interval(tick);
    let cpu_before = cpu_time(ticks);
    let started = Instant::now();
    let mut done = 0usize;
    let mut owed = 0.0f64;
    while started.elapsed() < window {
        interval.tick().await;
        owed += rate * tick.as_secs_f64();
        let batch = owed.floor() as usize;
        owed -= batch as f64;
        let offset = done;
        let op = op.clone();
        for_each(batch, move |i| op(offset + i)).await;
        done += batch;
    }
    (done, cpu_time(ticks) - cpu_before)
}

/// Deployments given a history, and as many without, for the history comparison.
const HISTORY_DEPLOYMENTS: usize = 200;
/// Ended jobs and completed savepoints given to each of them.
const HISTORY: usize = 20;
const HISTORY_SWEEPS: usize = 10;

/// A steady pass reads every job and savepoint row of its deployment: the cost of a steady pass for
/// deployments with `HISTORY` ended jobs and completed savepoints each, against ones without.
async fn history(store: &Store, engine: &Arc<Engine>, ids: &Arc<Vec<String>>) {
    println!();
    println!(
        "A steady pass vs the deployment's history ({HISTORY_DEPLOYMENTS} deployments with {HISTORY} ended jobs and {HISTORY} completed savepoints each, {HISTORY_DEPLOYMENTS} without):"
    );
    let started = Instant::now();
    for id in &ids[..HISTORY_DEPLOYMENTS] {
        let jobs = store.all_jobs_of_deployment(&namespace(), id).await.expect("jobs");
        let running = jobs.first().expect("the running job").clone();
        for k in 0..HISTORY {
            let at = format!("2025-01-01T00:{:02}:{:02}Z", k / 60, k % 60);
            let mut ended = running.clone();
            ended.metadata.id = uuid::Uuid::new_v4().to_string();
            ended.metadata.created_at.clone_from(&at);
            ended.metadata.modified_at.clone_from(&at);
            ended.metadata.terminated_at = Some(at.clone());
            ended.status.state = domain::JobState::Terminated;
            store.insert_job(&ended).await.expect("an ended job");
            let savepoint = domain::Savepoint {
                api_version: domain::API_VERSION.into(),
                kind: domain::Savepoint::KIND.into(),
                metadata: domain::SavepointMetadata {
                    id: uuid::Uuid::new_v4().to_string(),
                    namespace: NAMESPACE.into(),
                    deployment_id: id.clone(),
                    job_id: Some(ended.metadata.id.clone()),
                    origin: domain::SavepointOrigin::SuspendAndUpgrade,
                    annotations: Default::default(),
                    created_at: at.clone(),
                    modified_at: at,
                    resource_version: 1,
                },
                spec: domain::SavepointSpec {
                    savepoint_location: Some(format!("file:///fake/savepoints/{id}/savepoint-{k}")),
                    flink_savepoint_id: None,
                    job_fingerprint: ended.metadata.annotations.get(engine::observe::FINGERPRINT_ANNOTATION).cloned(),
                    format_type: None,
                },
                status: domain::SavepointStatus { state: domain::SavepointState::Completed, failure: None },
            };
            store.insert_savepoint(&savepoint).await.expect("a savepoint");
        }
    }
    println!("  (history written in {:.1} s)", started.elapsed().as_secs_f64());
    let mut rates = Vec::new();
    for (label, range) in [
        ("without history", HISTORY_DEPLOYMENTS..2 * HISTORY_DEPLOYMENTS),
        ("with history", 0..HISTORY_DEPLOYMENTS),
        ("without history (again)", HISTORY_DEPLOYMENTS..2 * HISTORY_DEPLOYMENTS),
    ] {
        let ids: Arc<Vec<String>> = Arc::new(ids[range].to_vec());
        let n = ids.len() * HISTORY_SWEEPS;
        let not_steady = Arc::new(AtomicUsize::new(0));
        let took = {
            let (engine, ids, not_steady) = (engine.clone(), ids.clone(), not_steady.clone());
            for_each(n, move |i| {
                let (engine, ids, not_steady) = (engine.clone(), ids.clone(), not_steady.clone());
                async move {
                    let report = engine.reconcile(&namespace(), &ids[i % ids.len()]).await.expect("a pass");
                    if report.step != Step::Steady {
                        not_steady.fetch_add(1, Ordering::Relaxed);
                    }
                }
            })
            .await
        };
        let rate = n as f64 / took.as_secs_f64();
        rates.push(rate);
        println!("  {label:<26} {rate:>8.0} passes/s   ({} not steady)", not_steady.load(Ordering::Relaxed));
    }
    let without = (rates[0] + rates[2]) / 2.0;
    println!("  ratio: a pass with history takes {:.2}× as long", without / rates[1]);
}

#[tokio::main]
async fn main() {
    let ticks = clock_ticks();
    let bench_started = Instant::now();
    let (rss0, _) = memory();
    println!(
        "Engine throughput: {DEPLOYMENTS} deployments, one SQLite store, FakeFlink, {CONCURRENCY} passes at a time"
    );
    println!("process RSS at start: {rss0:.1} MB");

    let (store, _db) = fresh_store().await;
    store.ensure_namespace(&namespace()).await.expect("namespace");
    let flink = Arc::new(FakeFlink::new());
    let mut settings = Settings::new("/jobs/sql-runner.jar".into());
    settings.observe_every = OBSERVE_EVERY;
    let engine =
        Arc::new(Engine::new(store.clone(), Arc::new(OneCluster(flink.clone())), Arc::new(SystemClock), settings));

    // --- Setup: insert, start, bring to steady RUNNING.
    let now = engine::time::rfc3339(engine::Clock::now_ms(&SystemClock));
    let ids: Arc<Vec<String>> = Arc::new((0..DEPLOYMENTS).map(|_| uuid::Uuid::new_v4().to_string()).collect());
    let failures = Arc::new(Failures::default());
    let inserted = {
        let (store, ids, now, failures) = (store.clone(), ids.clone(), now.clone(), failures.clone());
        for_each(DEPLOYMENTS, move |i| {
            let (store, ids, now, failures) = (store.clone(), ids.clone(), now.clone(), failures.clone());
            async move {
                let deployment = deployment(&ids[i], i, &now);
                for _ in 0..RETRIES {
                    match store.insert_deployment(&deployment).await {
                        Ok(()) => return,
                        Err(err) => failures.note(err.to_string()).await,
                    }
                }
                panic!("deployment {} could not be inserted: {}", ids[i], failures.first());
            }
        })
        .await
    };
    println!(
        "setup: inserted {DEPLOYMENTS} deployments (desired RUNNING) in {:.1} s ({:.0}/s){}",
        inserted.as_secs_f64(),
        DEPLOYMENTS as f64 / inserted.as_secs_f64(),
        failures.describe()
    );
    let passes_to_steady = Arc::new(AtomicUsize::new(0));
    let started = {
        failures.reset();
        let (engine, ids, passes, failures) = (engine.clone(), ids.clone(), passes_to_steady.clone(), failures.clone());
        for_each(DEPLOYMENTS, move |i| {
            let (engine, ids, passes, failures) = (engine.clone(), ids.clone(), passes.clone(), failures.clone());
            async move {
                for _ in 0..RETRIES {
                    match engine.reconcile(&namespace(), &ids[i]).await {
                        Ok(report) => {
                            passes.fetch_add(1, Ordering::Relaxed);
                            if report.step == Step::Steady {
                                return;
                            }
                        }
                        Err(err) => failures.note(err.to_string()).await,
                    }
                }
                panic!("deployment {} is not steady after {RETRIES} passes: {}", ids[i], failures.first());
            }
        })
        .await
    };
    let passes = passes_to_steady.load(Ordering::Relaxed);
    println!(
        "setup: started all and brought them to steady RUNNING in {:.1} s ({passes} passes, {:.0} passes/s, each deployment: start, started, steady){}",
        started.as_secs_f64(),
        passes as f64 / started.as_secs_f64(),
        failures.describe()
    );
    let running = store.all_deployments_of_namespace(&namespace()).await.expect("list");
    let running = running.iter().filter(|d| d.status.state == DeploymentState::Running).count();
    println!("        {running} deployments RUNNING, {} Flink jobs running", flink.active_jobs().len());
    let (rss, hwm) = memory();
    println!("        RSS {rss:.1} MB (peak {hwm:.1} MB), {} threads", threads());
    // One Flink job per deployment, in any order: the bare reads need some id and some job.
    let jobs: Arc<Vec<JobId>> = Arc::new(flink.active_jobs());

    // --- Passes per second, as fast as possible.
    println!();
    println!("Re-observing every deployment as fast as possible ({SWEEPS} sweeps, {CONCURRENCY} at a time):");
    let n = DEPLOYMENTS * SWEEPS;
    let not_steady = Arc::new(AtomicUsize::new(0));
    let cpu_before = cpu_time(ticks);
    let engine_took = {
        let (engine, ids, not_steady) = (engine.clone(), ids.clone(), not_steady.clone());
        for_each(n, move |i| {
            let (engine, ids, not_steady) = (engine.clone(), ids.clone(), not_steady.clone());
            async move {
                let report = engine.reconcile(&namespace(), &ids[i % DEPLOYMENTS]).await.expect("a pass");
                if report.step != Step::Steady {
                    not_steady.fetch_add(1, Ordering::Relaxed);
                }
            }
        })
        .await
    };
    let engine_cpu = cpu_time(ticks) - cpu_before;
    let cpu_before = cpu_time(ticks);
    let bare_took = {
        let (store, flink, ids, jobs) = (store.clone(), flink.clone(), ids.clone(), jobs.clone());
        for_each(n, move |i| {
            let (store, flink, ids, jobs) = (store.clone(), flink.clone(), ids.clone(), jobs.clone());
            async move { bare_read(&store, &flink, &ids[i % DEPLOYMENTS], &jobs[i % DEPLOYMENTS]).await }
        })
        .await
    };
    let bare_cpu = cpu_time(ticks) - cpu_before;
    let cpu_before = cpu_time(ticks);
    let reads_took = {
        let (store, flink, ids, jobs) = (store.clone(), flink.clone(), ids.clone(), jobs.clone());
        for_each(n, move |i| {
            let (store, flink, ids, jobs) = (store.clone(), flink.clone(), ids.clone(), jobs.clone());
            async move { all_reads(&store, &flink, &ids[i % DEPLOYMENTS], &jobs[i % DEPLOYMENTS]).await }
        })
        .await
    };
    let reads_cpu = cpu_time(ticks) - cpu_before;
    let rate = |took: Duration| n as f64 / took.as_secs_f64();
    let per_op = |cpu: Duration| cpu.as_secs_f64() * 1e6 / n as f64;
    println!(
        "  engine passes (steady)                         {:>8.0} /s   CPU {:>6.0} µs per pass   ({} not steady)",
        rate(engine_took),
        per_op(engine_cpu),
        not_steady.load(Ordering::Relaxed)
    );
    println!(
        "  baseline: engine_row + job_state               {:>8.0} /s   CPU {:>6.0} µs per op",
        rate(bare_took),
        per_op(bare_cpu)
    );
    println!(
        "  baseline: every read of a pass, no planning    {:>8.0} /s   CPU {:>6.0} µs per op",
        rate(reads_took),
        per_op(reads_cpu)
    );
    println!(
        "  ratio engine / (engine_row + job_state): {:.2}× the time, {:.2}× the CPU; engine / every read: {:.2}× the time",
        rate(bare_took) / rate(engine_took),
        per_op(engine_cpu) / per_op(bare_cpu),
        rate(reads_took) / rate(engine_took)
    );
    let needed = DEPLOYMENTS as f64 / OBSERVE_EVERY.as_secs_f64();
    println!(
        "  observing every deployment every {} s needs {needed:.0} passes/s: {:.0}% of this machine's maximum",
        OBSERVE_EVERY.as_secs(),
        needed / rate(engine_took) * 100.0
    );

    // --- The real controller at steady state.
    println!();
    println!(
        "The controller (default settings, observe_every {} s) over {} s, after a {} s warm-up in which every deployment is nudged once:",
        OBSERVE_EVERY.as_secs(),
        CONTROLLER_WINDOW.as_secs(),
        CONTROLLER_WARMUP.as_secs()
    );
    let (shutdown, shutdown_rx) = tokio::sync::watch::channel(false);
    let nudger = engine::spawn_controller(engine.clone(), ControllerSettings::default(), shutdown_rx);
    for id in ids.iter() {
        nudger.nudge(NAMESPACE, id);
    }
    tokio::time::sleep(CONTROLLER_WARMUP).await;
    let calls_before = flink.calls().job_state;
    let cpu_before = cpu_time(ticks);
    let split_before = cpu_split(ticks);
    let started = Instant::now();
    let mut rss_max = 0.0f64;
    let mut per_second = Vec::new();
    let mut last_calls = calls_before;
    while started.elapsed() < CONTROLLER_WINDOW {
        tokio::time::sleep(Duration::from_secs(1)).await;
        rss_max = rss_max.max(memory().0);
        let calls = flink.calls().job_state;
        per_second.push(calls - last_calls);
        last_calls = calls;
    }
    let wall = started.elapsed();
    let controller_cpu = cpu_time(ticks) - cpu_before;
    let split_after = cpu_split(ticks);
    let controller_passes = f64::from(flink.calls().job_state - calls_before);
    let (rss, hwm) = memory();
    let thread_count = threads();
    let _ = shutdown.send(true);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let controller_rate = controller_passes / wall.as_secs_f64();
    let controller_pct = controller_cpu.as_secs_f64() / wall.as_secs_f64() * 100.0;
    println!(
        "  passes {controller_passes:.0} = {controller_rate:.0}/s (every deployment every {} s needs {needed:.0}/s: {:.0}% of that)",
        OBSERVE_EVERY.as_secs(),
        controller_rate / needed * 100.0
    );
    println!("  passes per second, each second: {per_second:?}");
    println!(
        "  CPU {controller_pct:.1}% of one core ({:.0} µs per pass; user {:.1} s, system {:.1} s)",
        controller_cpu.as_secs_f64() * 1e6 / controller_passes.max(1.0),
        (split_after.0 - split_before.0).as_secs_f64(),
        (split_after.1 - split_before.1).as_secs_f64()
    );
    println!("  RSS {rss:.1} MB now, {rss_max:.1} MB at most in the window, peak since start (VmHWM) {hwm:.1} MB; {thread_count} threads");

    // Baseline: the same rate of bare reads, paced, measured the same way.
    let (done, bare_cpu) = {
        let (store, flink, ids, jobs) = (store.clone(), flink.clone(), ids.clone(), jobs.clone());
        paced(controller_rate, BASELINE_WINDOW, ticks, move |i| {
            let (store, flink, ids, jobs) = (store.clone(), flink.clone(), ids.clone(), jobs.clone());
            async move { bare_read(&store, &flink, &ids[i % DEPLOYMENTS], &jobs[i % DEPLOYMENTS]).await }
        })
        .await
    };
    let bare_pct = bare_cpu.as_secs_f64() / BASELINE_WINDOW.as_secs_f64() * 100.0;
    println!(
        "  baseline: engine_row + job_state paced at {controller_rate:.0}/s for {} s ({done} done): CPU {bare_pct:.1}% of one core ({:.0} µs per op)",
        BASELINE_WINDOW.as_secs(),
        bare_cpu.as_secs_f64() * 1e6 / (done.max(1) as f64)
    );
    println!("  ratio CPU controller / baseline: {:.2}×", controller_pct / bare_pct.max(1e-9));
    let (rss, hwm) = memory();
    println!("  after the baseline: RSS {rss:.1} MB, peak {hwm:.1} MB");

    history(&store, &engine, &ids).await;
    println!();
    println!("(bench took {:.0} s)", bench_started.elapsed().as_secs_f64());
}
