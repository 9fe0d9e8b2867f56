//! Which Flink the console uses and how it is doing: a supervised local cluster, a cluster at a
//! URL, or none (no Java, no FLINK_HOME), said plainly.

use std::path::Path;
use std::sync::Arc;

use flink::local::{Health, LocalCluster, LocalClusterConfig};
use flink::FlinkClient;
use serde_json::{json, Value};

use crate::config::LocalFlinkArgs;

pub enum FlinkSupervision {
    Local(Arc<LocalCluster>),
    Remote(FlinkClient),
    Unavailable(String),
}

impl FlinkSupervision {
    pub fn describe(&self) -> Value {
        match self {
            Self::Local(cluster) => {
                let url = cluster.config().rest_url();
                match cluster.health() {
                    Health::Starting => json!({"kind": "local", "url": url, "health": "starting"}),
                    Health::Healthy { taskmanagers, slots_available, flink_version } => json!({
                        "kind": "local", "url": url, "health": "healthy", "taskmanagers": taskmanagers,
                        "slotsAvailable": slots_available, "flinkVersion": flink_version,
                    }),
                    Health::Unhealthy { reason } => {
                        json!({"kind": "local", "url": url, "health": "unhealthy", "reason": reason})
                    }
                    Health::Stopped => json!({"kind": "local", "url": url, "health": "stopped"}),
                }
            }
            Self::Remote(client) => json!({"kind": "session", "url": client.base_url()}),
            Self::Unavailable(reason) => json!({"kind": "none", "reason": reason}),
        }
    }
}

/// Whether a `java` that runs is on PATH.
pub fn java_available() -> bool {
    std::process::Command::new("java")
        .arg("-version")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .map(|status| status.success())
        .unwrap_or(false)
}

/// The local cluster described by the command line, or why there is none.
pub fn local_cluster(args: &LocalFlinkArgs, data_dir: &Path) -> Result<Arc<LocalCluster>, String> {
    let Some(flink_home) = args.flink_home.clone() else {
        return Err("no FLINK_HOME given: the local Flink cluster is not started".into());
    };
    if !flink_home.join("bin").join("jobmanager.sh").exists() {
        return Err(format!("{} is not a Flink distribution (no bin/jobmanager.sh)", flink_home.display()));
    }
    if !java_available() {
        return Err("Java was not found on PATH: the local Flink cluster cannot start (install a JDK 17)".into());
    }
    let config = LocalClusterConfig {
        flink_home,
        work_dir: args.flink_work_dir.clone().unwrap_or_else(|| data_dir.join("flink")),
        rest_port: args.flink_rest_port,
        rpc_port: args.flink_rpc_port,
        task_slots: args.flink_task_slots,
        adaptive_scheduler: args.flink_adaptive_scheduler,
        extra_settings: Default::default(),
    };
    LocalCluster::new(config).map_err(|err| err.to_string())
}
