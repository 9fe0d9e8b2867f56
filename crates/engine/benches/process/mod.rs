//! What the engine's benches share: one fake cluster for every target, and this process's CPU time
//! and memory from /proc.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use domain::NamespaceName;
use engine::{ClusterError, Clusters};
use flink::testing::FakeFlink;
use flink::FlinkCluster;

/// Every target is the one fake cluster.
pub struct OneCluster(pub Arc<FakeFlink>);

#[async_trait]
impl Clusters for OneCluster {
    async fn cluster(&self, _namespace: &NamespaceName, _target: &str) -> Result<Arc<dyn FlinkCluster>, ClusterError> {
        Ok(self.0.clone())
    }
}

/// (user, system) CPU time of this process so far.
pub fn cpu_split(ticks_per_second: f64) -> (Duration, Duration) {
    let stat = std::fs::read_to_string("/proc/self/stat").expect("/proc/self/stat");
    // Fields after the command name (which may hold spaces) start at field 3 (state).
    let after = &stat[stat.rfind(')').expect("a command name") + 2..];
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| fields[i].parse::<f64>().expect("a tick count") / ticks_per_second;
    (Duration::from_secs_f64(ticks(11)), Duration::from_secs_f64(ticks(12)))
}

/// User + system CPU time of this process so far.
pub fn cpu_time(ticks_per_second: f64) -> Duration {
    let (user, system) = cpu_split(ticks_per_second);
    user + system
}

pub fn clock_ticks() -> f64 {
    std::process::Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|out| String::from_utf8_lossy(&out.stdout).trim().parse().ok())
        .unwrap_or(100.0)
}

/// (VmRSS, VmHWM) in MB.
pub fn memory() -> (f64, f64) {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    let kb = |key: &str| {
        status
            .lines()
            .find(|l| l.starts_with(key))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or_default()
    };
    (kb("VmRSS:") / 1024.0, kb("VmHWM:") / 1024.0)
}
