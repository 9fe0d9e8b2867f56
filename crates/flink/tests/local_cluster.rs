//! The supervisor of a local cluster, with real Flink processes from FLINK_HOME (set by `make test`):
//! it comes up, is seen healthy, comes back after its JobManager is killed, and stops cleanly.
//! Uses its own ports, beside the shared test cluster.

use std::path::{Path, PathBuf};
use std::time::Duration;

use flink::local::{Health, LocalCluster, LocalClusterConfig};

fn jobmanager_pid(work_dir: &Path) -> Option<i32> {
    let pid_dir = work_dir.join("pid");
    let entry = std::fs::read_dir(pid_dir)
        .ok()?
        .flatten()
        .find(|e| e.file_name().to_string_lossy().contains("standalonesession"))?;
    std::fs::read_to_string(entry.path()).ok()?.lines().last()?.trim().parse().ok()
}

fn alive(pid: i32) -> bool {
    Path::new(&format!("/proc/{pid}")).exists()
        && !std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default().contains(") Z ")
}

async fn wait_healthy(cluster: &LocalCluster, within: Duration) {
    let deadline = tokio::time::Instant::now() + within;
    while tokio::time::Instant::now() < deadline {
        if matches!(cluster.health(), Health::Healthy { .. }) && cluster.client().overview().await.is_ok() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    panic!("the local cluster was not healthy within {within:?}: {:?}", cluster.health());
}

#[tokio::test]
async fn the_local_cluster_starts_is_restarted_after_its_jobmanager_dies_and_stops_cleanly() {
    let flink_home =
        PathBuf::from(std::env::var("FLINK_HOME").expect("FLINK_HOME is not set: run through `make test`"));
    let work = tempfile::tempdir().expect("work dir");
    let cluster = LocalCluster::new(LocalClusterConfig {
        flink_home,
        work_dir: work.path().to_owned(),
        rest_port: 28081,
        rpc_port: 26123,
        task_slots: 1,
        adaptive_scheduler: false,
        extra_settings: Default::default(),
    })
    .expect("cluster");

    cluster.start().await.expect("the cluster comes up");
    wait_healthy(&cluster, Duration::from_secs(5)).await;
    let first = jobmanager_pid(work.path()).expect("the JobManager wrote its pid");

    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let supervisor = tokio::spawn(cluster.clone().supervise(stop_rx));
    nix::sys::signal::kill(nix::unistd::Pid::from_raw(first), nix::sys::signal::Signal::SIGKILL).expect("kill");

    let deadline = tokio::time::Instant::now() + Duration::from_secs(150);
    let second = loop {
        if let Some(pid) = jobmanager_pid(work.path()).filter(|pid| *pid != first && alive(*pid)) {
            break pid;
        }
        assert!(tokio::time::Instant::now() < deadline, "no new JobManager after the kill");
        tokio::time::sleep(Duration::from_millis(250)).await;
    };
    wait_healthy(&cluster, Duration::from_secs(150)).await;

    stop_tx.send(true).expect("stop the supervisor");
    supervisor.await.expect("supervisor ends");
    cluster.stop().await;
    assert_eq!(cluster.health(), Health::Stopped);
    assert!(!alive(second), "no JobManager is left behind");
    assert!(cluster.client().overview().await.is_err(), "nothing answers on the REST port any more");
}
