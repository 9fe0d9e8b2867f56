//! What the engine costs when nobody asks anything of it: the real controller (`spawn_controller`,
//! the product's default settings) over many deployments at rest, with the in-process `FakeFlink`
//! (so only the engine and the store are measured), on SQLite and — when `CONSOLE_TEST_POSTGRES_URL`
//! is set (`make bench` starts one) — on PostgreSQL:
//! - 10,000 and 100,000 CANCELLED deployments (no jobs at all: the case of issue 18);
//! - 10,000 RUNNING deployments (a job each on one cluster).
//!
//! For each: the first sweep (every deployment passed once after the controller starts), then a
//! window at rest: CPU (% of one core), RSS, and Flink calls per observation period, by kind. The
//! baseline is the same process idle before the deployments exist, measured in the same run.
//! Prints figures; asserts nothing.

use std::sync::Arc;
use std::time::{Duration, Instant};

use domain::{Deployment, NamespaceName};
use engine::plan::Step;
use engine::{ControllerSettings, Engine, Settings, SystemClock};
use flink::testing::{Calls, FakeFlink};
use storage::testing::{fresh_store, TestDatabase};
use storage::Store;
use tokio::task::JoinSet;

mod process;
use process::{clock_ticks, cpu_time, memory, OneCluster};

const NAMESPACE: &str = "default";
/// Longer than `checkpoint_refresh` with its spread (30 s + 20 %): every running job is read once.
const WINDOW: Duration = Duration::from_secs(45);
/// The first sweep is over once a second of the process uses less than this share of a core.
const SWEEP_DONE_BELOW: f64 = 0.25;
const SWEEP_LIMIT: Duration = Duration::from_secs(600);

fn namespace() -> NamespaceName {
    NamespaceName::parse(NAMESPACE).expect("a namespace name")
}

/// VmRSS in MB.
fn rss_mb() -> f64 {
    memory().0
}

fn deployment(index: usize, running: bool, now: &str) -> Deployment {
    let state = if running { "RUNNING" } else { "CANCELLED" };
    serde_json::from_value(serde_json::json!({
        "apiVersion": "v1",
        "kind": "Deployment",
        "metadata": {"id": uuid::Uuid::new_v4().to_string(), "name": format!("pipeline-{index:06}"), "namespace": NAMESPACE, "createdAt": now, "modifiedAt": now, "resourceVersion": 1},
        "spec": {
            "state": state,
            "deploymentTargetName": "local",
            "upgradeStrategy": {"kind": "STATEFUL"},
            "restoreStrategy": {"kind": "LATEST_STATE"},
            "template": {"spec": {
                "artifact": {"kind": "JAR", "jarUri": "file:///jobs/stateful-job.jar", "entryClass": "console.examples.StatefulCounter"},
                "parallelism": 1
            }}
        },
        "status": {"state": "CANCELLED"}
    }))
    .expect("a deployment")
}

async fn insert(store: &Store, count: usize, running: bool) -> Vec<String> {
    let now = engine::time::rfc3339(engine::Clock::now_ms(&SystemClock));
    let mut ids = Vec::with_capacity(count);
    for chunk in (0..count).collect::<Vec<_>>().chunks(2000) {
        let mut tx = store.begin().await.expect("a transaction");
        for &i in chunk {
            let d = deployment(i, running, &now);
            ids.push(d.metadata.id.clone());
            tx.insert_deployment(&d).await.expect("a deployment");
        }
        tx.commit().await.expect("commit");
    }
    ids
}

/// Brings every deployment to its desired state with passes, 16 at a time (the controller's limit).
async fn settle(engine: &Arc<Engine>, ids: &[String]) {
    let ids = Arc::new(ids.to_vec());
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut workers = JoinSet::new();
    for _ in 0..16 {
        let (engine, ids, next) = (engine.clone(), ids.clone(), next.clone());
        workers.spawn(async move {
            loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some(id) = ids.get(i) else { break };
                for _ in 0..20 {
                    match engine.reconcile(&namespace(), id).await {
                        Ok(report) if report.step == Step::Steady => break,
                        Ok(_) => {}
                        Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
                    }
                }
            }
        });
    }
    while workers.join_next().await.is_some() {}
}

fn per_period(calls: u32, window: Duration, period: Duration) -> f64 {
    f64::from(calls) * period.as_secs_f64() / window.as_secs_f64()
}

fn since(now: &Calls, then: &Calls) -> (u32, u32, u32, u32) {
    (
        now.jobs_overview - then.jobs_overview,
        now.job_state - then.job_state,
        now.checkpoints - then.checkpoints,
        now.submit + now.cancel + now.stop_with_savepoint + now.trigger_savepoint + now.savepoint_polls
            - (then.submit + then.cancel + then.stop_with_savepoint + then.trigger_savepoint + then.savepoint_polls),
    )
}

async fn case(backend: &str, count: usize, running: bool, ticks: f64) {
    std::env::set_var(storage::testing::DATABASE_VAR, backend);
    let (store, db): (Store, TestDatabase) = fresh_store().await;
    store.ensure_namespace(&namespace()).await.expect("namespace");
    let flink = Arc::new(FakeFlink::new());
    let settings = Settings::new("/jobs/sql-runner.jar".into());
    let period = settings.observe_every;
    let (checkpoint_refresh, idle_recheck) = (settings.checkpoint_refresh, settings.idle_recheck);
    let engine =
        Arc::new(Engine::new(store.clone(), Arc::new(OneCluster(flink.clone())), Arc::new(SystemClock), settings));
    let state = if running { "RUNNING" } else { "CANCELLED" };
    println!();
    println!("{count} deployments {state} on {backend}:");
    let started = Instant::now();
    let ids = insert(&store, count, running).await;
    print!("  setup: inserted in {:.1} s", started.elapsed().as_secs_f64());
    if running {
        let started = Instant::now();
        settle(&engine, &ids).await;
        print!("; started {} jobs in {:.1} s", flink.active_jobs().len(), started.elapsed().as_secs_f64());
    }
    println!();

    let rss_before = rss_mb();
    let (shutdown, shutdown_rx) = tokio::sync::watch::channel(false);
    let sweep_started = Instant::now();
    let cpu_sweep = cpu_time(ticks);
    let _nudger = engine::spawn_controller(engine.clone(), ControllerSettings::default(), shutdown_rx);
    // The first resync (at once) schedules every deployment: the sweep.
    let mut last = cpu_time(ticks);
    loop {
        tokio::time::sleep(Duration::from_secs(1)).await;
        let now = cpu_time(ticks);
        let share = (now - last).as_secs_f64();
        last = now;
        if share < SWEEP_DONE_BELOW && sweep_started.elapsed() > Duration::from_secs(3) {
            break;
        }
        if sweep_started.elapsed() > SWEEP_LIMIT {
            println!("  (the first sweep did not end within {} s)", SWEEP_LIMIT.as_secs());
            break;
        }
    }
    let sweep = sweep_started.elapsed();
    println!(
        "  first sweep (every deployment passed once): {:.1} s, {:.1} s of CPU",
        sweep.as_secs_f64(),
        (cpu_time(ticks) - cpu_sweep).as_secs_f64()
    );

    let calls_before = flink.calls();
    let cpu_before = cpu_time(ticks);
    let window_started = Instant::now();
    let mut rss_max = 0.0f64;
    while window_started.elapsed() < WINDOW {
        tokio::time::sleep(Duration::from_secs(1)).await;
        rss_max = rss_max.max(rss_mb());
    }
    let wall = window_started.elapsed();
    let cpu = (cpu_time(ticks) - cpu_before).as_secs_f64() / wall.as_secs_f64() * 100.0;
    let (overviews, states, checkpoints, acting) = since(&flink.calls(), &calls_before);
    println!("  at rest over {} s: CPU {cpu:.1}% of one core; RSS {rss_max:.0} MB (before the controller started: {rss_before:.0} MB)", wall.as_secs());
    println!(
        "  Flink calls per {} s period: {:.1} job overviews, {:.1} job states, {:.1} checkpoint reads, {:.1} others",
        period.as_secs(),
        per_period(overviews, wall, period),
        per_period(states, wall, period),
        per_period(checkpoints, wall, period),
        per_period(acting, wall, period),
    );
    if running {
        println!(
            "  (a running job's newest checkpoint is recorded every {} s: {:.0} checkpoint reads per period expected)",
            checkpoint_refresh.as_secs(),
            count as f64 * period.as_secs_f64() / checkpoint_refresh.as_secs_f64()
        );
    } else {
        println!(
            "  (a deployment at rest with nothing due is passed again every {} s: {:.0} passes per period expected)",
            idle_recheck.as_secs(),
            count as f64 * period.as_secs_f64() / idle_recheck.as_secs_f64()
        );
    }
    let _ = shutdown.send(true);
    tokio::time::sleep(Duration::from_millis(300)).await;
    drop(engine);
    drop(store);
    drop(db);
}

#[tokio::main]
async fn main() {
    let ticks = clock_ticks();
    let bench_started = Instant::now();
    println!("Steady state: the real controller with default settings over deployments at rest, FakeFlink");
    // Baseline: this process, idle, in the same run.
    let cpu_before = cpu_time(ticks);
    tokio::time::sleep(Duration::from_secs(5)).await;
    let idle = (cpu_time(ticks) - cpu_before).as_secs_f64() / 5.0 * 100.0;
    println!("baseline: this process idle, without deployments: CPU {idle:.1}% of one core, RSS {:.0} MB", rss_mb());

    let mut backends = vec!["sqlite"];
    if std::env::var(storage::testing::POSTGRES_URL_VAR).is_ok() {
        backends.push("postgres");
    } else {
        println!("(PostgreSQL skipped: {} is not set; `make bench` starts one)", storage::testing::POSTGRES_URL_VAR);
    }
    for backend in backends {
        case(backend, 10_000, false, ticks).await;
        case(backend, 10_000, true, ticks).await;
        case(backend, 100_000, false, ticks).await;
    }
    println!();
    println!("(bench took {:.0} s)", bench_started.elapsed().as_secs_f64());
}
