//! How long the lifecycle engine is away when its replica dies (issue 18): three `flink-console`
//! processes (this package's binary) on one fresh PostgreSQL database. Each round SIGKILLs the
//! holder of the engine lease, asks at once (through a surviving replica) for a change only the
//! engine carries out — a deployment without a job toggled between CANCELLED and SUSPENDED, a step
//! that writes its status and never calls Flink — and measures from the kill to the new holder
//! taking the lease and to that step's commit (the new engine's first step), then starts the killed
//! replica again so three remain. Prints the lease TTL, the median and the maximum; asserts nothing.
//!
//! Needs CONSOLE_TEST_POSTGRES_URL (a server where it may `CREATE DATABASE`) and CONSOLE_JOBS_DIR;
//! FLINK_REST_URL if set (the replicas never need it here). `BENCH_KILLS` (20),
//! `BENCH_LEASE_SECONDS` (15, the product's default).

#[path = "../tests/real_console/mod.rs"]
mod real_console;

use std::time::{Duration, Instant};

use domain::{DeploymentState, NamespaceName};
use real_console::{free_port, get, signed_in, until, Console};
use serde_json::json;
use storage::Store;

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

struct Replica {
    console: Console,
    port: u16,
}

fn start(dir: &std::path::Path, url: &str, flink: &str, lease: u64, index: usize, round: usize) -> Replica {
    let port = free_port();
    let log = dir.join(format!("replica-{index}-{round}.log"));
    let lease = lease.to_string();
    let env = [("DATABASE_URL", url), ("CONSOLE_ENGINE_LEASE_SECONDS", lease.as_str()), ("RUST_LOG", "warn")];
    Replica { console: Console::start_replica(dir, &log, port, flink, &env), port }
}

/// The pid of the replica holding an unexpired lease.
async fn holder(store: &Store) -> Option<u32> {
    let lease = store.engine_lease().await.ok()?;
    (lease.expires_in_ms > 0).then_some(())?;
    lease.holder.split('-').next()?.parse().ok()
}

async fn ready(http: &reqwest::Client, port: u16) {
    let url = format!("http://127.0.0.1:{port}/readyz");
    until("a replica to be ready", Duration::from_secs(60), async || {
        http.get(&url).send().await.ok().filter(|reply| reply.status().is_success())
    })
    .await;
}

fn summary(label: &str, mut figures: Vec<Duration>) {
    figures.sort();
    let median = figures.get(figures.len() / 2).copied().unwrap_or_default();
    let max = figures.last().copied().unwrap_or_default();
    println!("{label:<46} median {:>6.2} s   max {:>6.2} s", median.as_secs_f64(), max.as_secs_f64());
}

#[tokio::main]
async fn main() {
    let (Ok(_), Ok(_)) = (std::env::var("CONSOLE_TEST_POSTGRES_URL"), std::env::var("CONSOLE_JOBS_DIR")) else {
        println!("skipped: CONSOLE_TEST_POSTGRES_URL and CONSOLE_JOBS_DIR must be set (scripts/bench.sh sets them)");
        return;
    };
    let kills = env_number("BENCH_KILLS", 20) as usize;
    let lease = env_number("BENCH_LEASE_SECONDS", 15);
    // The replicas never call Flink here; an address nothing answers on will do without one.
    let flink = std::env::var("FLINK_REST_URL").unwrap_or_else(|_| "http://127.0.0.1:9".into());
    let database = storage::testing::fresh_postgres_database().await;
    let store = Store::connect(database.url()).await.expect("the bench's view of the database");
    let dir = tempfile::tempdir().expect("a shared data directory");
    println!("engine lease TTL {lease} s (renewed every {:.1} s), {kills} kills, 3 replicas", lease as f64 / 3.0);

    let mut replicas = vec![start(dir.path(), database.url(), &flink, lease, 0, 0)];
    until("the first replica to hold the lease", Duration::from_secs(60), async || holder(&store).await).await;
    for index in 1..3 {
        replicas.push(start(dir.path(), database.url(), &flink, lease, index, 0));
    }
    // Sessions live in the database: one sign-in serves every replica.
    let http = signed_in(replicas[1].port).await;
    for replica in &replicas {
        ready(&http, replica.port).await;
    }
    let base = replicas[1].console.base.clone();
    let list = get(&http, &format!("{base}/deployments")).await.expect("the seeded deployments");
    let toggled = list["items"]
        .as_array()
        .and_then(|items| items.iter().find(|d| d["metadata"]["name"] == "stateful-counter"))
        .and_then(|d| d["metadata"]["id"].as_str())
        .expect("the seeded counter")
        .to_owned();
    let default = NamespaceName::parse("default").expect("a namespace");

    let (mut to_takeover, mut to_first_step) = (Vec::new(), Vec::new());
    for round in 1..=kills {
        // Kills land anywhere in the holder's renewal period.
        let phase = u64::try_from(uuid::Uuid::new_v4().as_u128() % u128::from(lease * 1000 / 3)).unwrap_or(0);
        tokio::time::sleep(Duration::from_millis(phase)).await;
        let pid = until("a holder", Duration::from_secs(lease * 3), async || holder(&store).await).await;
        let Some(index) = replicas.iter().position(|r| r.console.pid() == pid) else {
            panic!("the lease is held by pid {pid}, none of the replicas")
        };
        let row = store.engine_row(&default, &toggled).await.expect("read").expect("the deployment");
        let (want, state) = match row.deployment.status.state {
            DeploymentState::Suspended => ("CANCELLED", DeploymentState::Cancelled),
            _ => ("SUSPENDED", DeploymentState::Suspended),
        };
        let killed = replicas.remove(index);
        killed.console.kill();
        let killed_at = Instant::now();
        let survivor = &replicas[round % replicas.len()];
        let patched = http
            .patch(format!("{}/deployments/{toggled}", survivor.console.base))
            .json(&json!({"spec": {"state": want}}))
            .send()
            .await
            .expect("PATCH");
        assert!(patched.status().is_success(), "PATCH: {}", patched.status());
        let (mut took, mut stepped) = (None, None);
        while took.is_none() || stepped.is_none() {
            if took.is_none() && holder(&store).await.is_some_and(|now| now != pid) {
                took = Some(killed_at.elapsed());
            }
            if stepped.is_none() {
                let row = store.engine_row(&default, &toggled).await.expect("read").expect("the deployment");
                if row.deployment.status.state == state {
                    stepped = Some(killed_at.elapsed());
                }
            }
            assert!(killed_at.elapsed() < Duration::from_secs(lease * 4), "no new engine after {lease} s × 4");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        let (took, stepped) = (took.unwrap_or_default(), stepped.unwrap_or_default());
        println!(
            "kill {round:>2}: lease taken after {:>6.2} s, first engine step after {:>6.2} s",
            took.as_secs_f64(),
            stepped.as_secs_f64()
        );
        to_takeover.push(took);
        to_first_step.push(stepped);
        let restarted = start(dir.path(), database.url(), &flink, lease, index, round);
        ready(&http, restarted.port).await;
        replicas.push(restarted);
    }
    println!("--- {kills} kills of the lease holder, lease TTL {lease} s");
    summary("kill → another replica holds the lease", to_takeover);
    summary("kill → the new holder's first engine step", to_first_step);
}
