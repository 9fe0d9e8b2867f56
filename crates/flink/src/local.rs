//! Supervises a local Flink session cluster on loopback: writes its configuration under a work
//! directory, starts a JobManager and a TaskManager from FLINK_HOME as child processes, waits until
//! they serve, restarts them when they die, and stops them (no JVM left behind). It never binds
//! beyond 127.0.0.1.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;
use tokio::process::{Child, Command};
use tokio::sync::{watch, Mutex};

use crate::{FlinkClient, FlinkError};

/// Where and how the local cluster runs.
#[derive(Debug, Clone)]
pub struct LocalClusterConfig {
    /// A Flink distribution (bin/, lib/, conf/).
    pub flink_home: PathBuf,
    /// Holds the generated conf/, logs, pid files, checkpoints and savepoints.
    pub work_dir: PathBuf,
    /// The JobManager's REST port (on 127.0.0.1).
    pub rest_port: u16,
    /// The JobManager's RPC port, for the TaskManager to register.
    pub rpc_port: u16,
    /// Task slots of the one TaskManager: how many jobs (of parallelism 1) can run at once.
    pub task_slots: u32,
    /// Run jobs under Flink's adaptive scheduler (`jobmanager.scheduler: adaptive`), which can
    /// rescale a running job in place (`PUT /jobs/:id/resource-requirements`); otherwise Flink's
    /// default scheduler.
    pub adaptive_scheduler: bool,
    /// More `config.yaml` settings, over the console's own (a test's cluster with another
    /// `pipeline.max-parallelism`, say).
    pub extra_settings: std::collections::BTreeMap<String, String>,
}

impl LocalClusterConfig {
    /// The JobManager's REST URL.
    pub fn rest_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.rest_port)
    }

    /// Where savepoints go unless a job says otherwise (`execution.checkpointing.savepoint-dir`).
    pub fn savepoint_dir(&self) -> PathBuf {
        self.work_dir.join("savepoints")
    }

    /// Where jobs' checkpoints go (`execution.checkpointing.dir`).
    pub fn checkpoint_dir(&self) -> PathBuf {
        self.work_dir.join("checkpoints")
    }
}

/// What the supervisor last saw of the cluster.
#[derive(Debug, Clone, PartialEq)]
pub enum Health {
    /// The processes are starting; no TaskManager has registered yet.
    Starting,
    /// The cluster answers and a TaskManager has registered: jobs can run.
    Healthy {
        /// Registered TaskManagers.
        taskmanagers: u32,
        /// Task slots no job holds.
        slots_available: u32,
        /// The cluster's Flink version.
        flink_version: String,
    },
    /// The cluster failed to start or stopped answering; the supervisor restarts it if it stays so.
    Unhealthy {
        /// What went wrong, for a person to read.
        reason: String,
    },
    /// Not running: not started yet, or shut down.
    Stopped,
}

struct Processes {
    jobmanager: Child,
    taskmanager: Child,
}

/// A local session cluster the console owns.
pub struct LocalCluster {
    config: LocalClusterConfig,
    client: FlinkClient,
    processes: Mutex<Option<Processes>>,
    health: watch::Sender<Health>,
}

/// How long a cold start may take before we call it failed (a cold JVM on a busy 2-core machine).
const START_TIMEOUT: Duration = Duration::from_secs(120);
/// Health failures in a row, with both processes alive, before the supervisor restarts the cluster.
const UNHEALTHY_LIMIT: u32 = 5;
const WATCH_PERIOD: Duration = Duration::from_secs(2);

impl LocalCluster {
    /// A supervisor for the cluster `config` describes; nothing starts until `start`.
    pub fn new(config: LocalClusterConfig) -> Result<Arc<Self>, FlinkError> {
        let client = FlinkClient::new(&config.rest_url())?;
        let (health, _) = watch::channel(Health::Stopped);
        Ok(Arc::new(Self { config, client, processes: Mutex::new(None), health }))
    }

    /// How the cluster is set up.
    pub fn config(&self) -> &LocalClusterConfig {
        &self.config
    }

    /// A REST client for the cluster.
    pub fn client(&self) -> &FlinkClient {
        &self.client
    }

    /// What the supervisor last saw of the cluster.
    pub fn health(&self) -> Health {
        self.health.borrow().clone()
    }

    /// Every change of the cluster's health, as it is seen.
    pub fn watch_health(&self) -> watch::Receiver<Health> {
        self.health.subscribe()
    }

    /// Starts the JobManager and TaskManager and waits until a TaskManager has registered.
    pub async fn start(&self) -> Result<(), FlinkError> {
        let mut processes = self.processes.lock().await;
        if processes.is_some() {
            return Ok(());
        }
        self.health.send_replace(Health::Starting);
        write_configuration(&self.config)?;
        kill_leftovers(&self.config.work_dir.join("pid")).await;
        let started =
            Processes { jobmanager: self.spawn("jobmanager.sh")?, taskmanager: self.spawn("taskmanager.sh")? };
        *processes = Some(started);
        drop(processes);
        match self.wait_until_serving().await {
            Ok(()) => Ok(()),
            Err(err) => {
                self.stop().await;
                self.health.send_replace(Health::Unhealthy { reason: err.to_string() });
                Err(err)
            }
        }
    }

    fn spawn(&self, script: &str) -> Result<Child, FlinkError> {
        Command::new(self.config.flink_home.join("bin").join(script))
            .arg("start-foreground")
            .env_clear()
            .envs(flink_environment(&self.config, std::env::vars_os()))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .map_err(|err| FlinkError::Unavailable(format!("cannot start {script}: {err}")))
    }

    async fn wait_until_serving(&self) -> Result<(), FlinkError> {
        let deadline = tokio::time::Instant::now() + START_TIMEOUT;
        loop {
            if let Some(reason) = self.exited_process().await {
                return Err(FlinkError::Unavailable(format!(
                    "{reason}; see the logs in {}",
                    self.config.work_dir.join("log").display()
                )));
            }
            if let Ok(overview) = self.client.overview().await {
                if overview.taskmanagers > 0 {
                    self.health.send_replace(Health::Healthy {
                        taskmanagers: overview.taskmanagers,
                        slots_available: overview.slots_available,
                        flink_version: overview.flink_version,
                    });
                    return Ok(());
                }
            }
            if tokio::time::Instant::now() > deadline {
                return Err(FlinkError::Unavailable(format!(
                    "the local Flink cluster did not serve within {} s; see the logs in {}",
                    START_TIMEOUT.as_secs(),
                    self.config.work_dir.join("log").display()
                )));
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }

    /// Names a process that has exited, if one has.
    async fn exited_process(&self) -> Option<String> {
        let mut processes = self.processes.lock().await;
        let processes = processes.as_mut()?;
        for (name, child) in [("JobManager", &mut processes.jobmanager), ("TaskManager", &mut processes.taskmanager)] {
            if let Ok(Some(status)) = child.try_wait() {
                return Some(format!("the local Flink {name} exited ({status})"));
            }
        }
        None
    }

    /// Stops both processes: SIGTERM, then SIGKILL after 15 s.
    pub async fn stop(&self) {
        let taken = self.processes.lock().await.take();
        if let Some(mut processes) = taken {
            for child in [&mut processes.taskmanager, &mut processes.jobmanager] {
                terminate(child).await;
            }
        }
        self.health.send_replace(Health::Stopped);
    }

    /// Watches the cluster until `shutdown` turns true: records its health and restarts it when a
    /// process exits or it stops answering.
    pub async fn supervise(self: Arc<Self>, mut shutdown: watch::Receiver<bool>) {
        let mut failures = 0u32;
        loop {
            tokio::select! {
                _ = shutdown.changed() => {}
                _ = tokio::time::sleep(WATCH_PERIOD) => {}
            }
            if *shutdown.borrow() {
                return;
            }
            let restart_reason = if let Some(reason) = self.exited_process().await {
                Some(reason)
            } else {
                match self.client.overview().await {
                    Ok(overview) => {
                        failures = 0;
                        self.health.send_replace(Health::Healthy {
                            taskmanagers: overview.taskmanagers,
                            slots_available: overview.slots_available,
                            flink_version: overview.flink_version,
                        });
                        None
                    }
                    Err(err) => {
                        failures += 1;
                        self.health.send_replace(Health::Unhealthy { reason: err.to_string() });
                        (failures >= UNHEALTHY_LIMIT).then(|| format!("no answer {failures} times in a row: {err}"))
                    }
                }
            };
            if let Some(reason) = restart_reason {
                tracing::warn!(%reason, "restarting the local Flink cluster");
                failures = 0;
                self.stop().await;
                if let Err(err) = self.start().await {
                    tracing::error!(error = %err, "the local Flink cluster did not come back");
                }
            }
        }
    }
}

/// What a Flink process inherits from the console's environment: what the JVM and `bin/*.sh` need
/// to run (the shell's and Java's paths, the home directory, locale, time zone, temporary
/// directory). Nothing else: the console's own settings and secrets (`CONSOLE_ADMIN_PASSWORD`,
/// `DATABASE_URL`, cloud credentials) must never reach Flink, whose jobs run arbitrary code.
const INHERITED: &[&str] = &["PATH", "JAVA_HOME", "HOME", "LANG", "LANGUAGE", "TZ", "TMPDIR"];

/// The variables of `parent` a JVM running Flink's code may inherit (see `INHERITED`, plus
/// `LC_*`): for every process that runs a job's code on the console's behalf (the cluster, the
/// state compatibility check), started with an emptied environment.
pub fn inherited_environment(parent: impl IntoIterator<Item = (OsString, OsString)>) -> Vec<(OsString, OsString)> {
    let inherited =
        |name: &OsString| name.to_str().is_some_and(|name| INHERITED.contains(&name) || name.starts_with("LC_"));
    parent.into_iter().filter(|(name, _)| inherited(name)).collect()
}

/// The whole environment of a local Flink process: the inherited variables of `parent` and the
/// `FLINK_*` ones the console sets for its cluster.
fn flink_environment(
    config: &LocalClusterConfig,
    parent: impl IntoIterator<Item = (OsString, OsString)>,
) -> Vec<(OsString, OsString)> {
    let work = &config.work_dir;
    let ours: [(&str, OsString); 5] = [
        ("FLINK_CONF_DIR", work.join("conf").into()),
        ("FLINK_LOG_DIR", work.join("log").into()),
        ("FLINK_PID_DIR", work.join("pid").into()),
        // `$USER` may be empty; the scripts name logs and pid files after this.
        ("FLINK_IDENT_STRING", "console".into()),
        ("STD_REDIRECT_TO_FILE", "true".into()),
    ];
    inherited_environment(parent)
        .into_iter()
        .chain(ours.into_iter().map(|(name, value)| (OsString::from(name), value)))
        .collect()
}

async fn terminate(child: &mut Child) {
    if let Some(pid) = child.id().and_then(|id| i32::try_from(id).ok()) {
        let _ = kill(Pid::from_raw(pid), Signal::SIGTERM);
        if tokio::time::timeout(Duration::from_secs(15), child.wait()).await.is_ok() {
            return;
        }
    }
    let _ = child.kill().await;
}

/// Kills the Flink JVMs a previous, killed console left behind (their pids are in our pid files).
async fn kill_leftovers(pid_dir: &Path) {
    let Ok(entries) = std::fs::read_dir(pid_dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        for pid in text.lines().filter_map(|line| line.trim().parse::<i32>().ok()) {
            let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
            if String::from_utf8_lossy(&cmdline).contains("org.apache.flink") {
                tracing::warn!(pid, "stopping a Flink process left behind by an earlier run");
                let _ = kill(Pid::from_raw(pid), Signal::SIGKILL);
                for _ in 0..50 {
                    if kill(Pid::from_raw(pid), None).is_err() {
                        break;
                    }
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            }
        }
        let _ = std::fs::remove_file(&path);
    }
}

/// Writes `work_dir/conf`: Flink's shipped files with a loopback-only, small `config.yaml`.
pub fn write_configuration(config: &LocalClusterConfig) -> Result<(), FlinkError> {
    let io = |what: &str, err: std::io::Error| FlinkError::Unavailable(format!("{what}: {err}"));
    let work = &config.work_dir;
    for dir in ["conf", "log", "pid", "tmp", "uploads", "checkpoints", "savepoints"] {
        std::fs::create_dir_all(work.join(dir))
            .map_err(|e| io(&format!("cannot create {}", work.join(dir).display()), e))?;
    }
    let shipped = config.flink_home.join("conf");
    let entries = std::fs::read_dir(&shipped).map_err(|e| io(&format!("cannot read {}", shipped.display()), e))?;
    for entry in entries.flatten() {
        let name = entry.file_name();
        if name != "config.yaml" && entry.path().is_file() {
            std::fs::copy(entry.path(), work.join("conf").join(&name))
                .map_err(|e| io(&format!("cannot copy {}", entry.path().display()), e))?;
        }
    }
    let java_opts = shipped_java_opts(&shipped.join("config.yaml"))?;
    let yaml = render_config(config, &java_opts);
    std::fs::write(work.join("conf").join("config.yaml"), yaml).map_err(|e| io("cannot write config.yaml", e))?;
    std::fs::write(work.join("conf").join("masters"), format!("127.0.0.1:{}\n", config.rest_port))
        .map_err(|e| io("cannot write masters", e))?;
    std::fs::write(work.join("conf").join("workers"), "127.0.0.1\n").map_err(|e| io("cannot write workers", e))?;
    Ok(())
}

/// The JVM flags Flink ships (`env.java.opts.all`, the `--add-opens` list Java 17 needs), read
/// from a distribution's `conf/config.yaml`.
pub fn shipped_java_opts(path: &Path) -> Result<String, FlinkError> {
    let text = std::fs::read_to_string(path)
        .map_err(|err| FlinkError::Unavailable(format!("cannot read {}: {err}", path.display())))?;
    let yaml: serde_yaml_ng::Value = serde_yaml_ng::from_str(&text)
        .map_err(|err| FlinkError::Unavailable(format!("{} is not YAML: {err}", path.display())))?;
    let nested = yaml.get("env").and_then(|v| v.get("java")).and_then(|v| v.get("opts")).and_then(|v| v.get("all"));
    let flat = yaml.get("env.java.opts.all");
    Ok(nested.or(flat).and_then(|v| v.as_str()).unwrap_or_default().to_owned())
}

fn render_config(config: &LocalClusterConfig, java_opts: &str) -> String {
    let work = config.work_dir.display();
    let mut settings: Vec<(&str, String)> = vec![
        ("env.java.opts.all", java_opts.to_owned()),
        ("jobmanager.bind-host", "127.0.0.1".into()),
        ("jobmanager.rpc.address", "127.0.0.1".into()),
        ("jobmanager.rpc.port", config.rpc_port.to_string()),
        ("jobmanager.memory.process.size", "1024m".into()),
        ("jobmanager.execution.failover-strategy", "region".into()),
        ("taskmanager.bind-host", "127.0.0.1".into()),
        ("taskmanager.host", "127.0.0.1".into()),
        ("taskmanager.numberOfTaskSlots", config.task_slots.to_string()),
        ("taskmanager.memory.process.size", "1536m".into()),
        ("parallelism.default", "1".into()),
        ("jobmanager.scheduler", if config.adaptive_scheduler { "adaptive".into() } else { String::new() }),
        // Fresh metrics through REST every second (the default is 10 s).
        ("metrics.fetcher.update-interval", "1000".into()),
        ("rest.address", "127.0.0.1".into()),
        ("rest.bind-address", "127.0.0.1".into()),
        ("rest.port", config.rest_port.to_string()),
        ("blob.server.port", "0".into()),
        ("taskmanager.rpc.port", "0".into()),
        ("taskmanager.data.port", "0".into()),
        ("env.pid.dir", format!("{work}/pid")),
        ("io.tmp.dirs", format!("{work}/tmp")),
        ("web.upload.dir", format!("{work}/uploads")),
        ("web.submit.enable", "true".into()),
        ("web.cancel.enable", "true".into()),
        ("execution.checkpointing.dir", format!("file://{work}/checkpoints")),
        ("execution.checkpointing.savepoint-dir", format!("file://{work}/savepoints")),
        ("execution.checkpointing.externalized-checkpoint-retention", "RETAIN_ON_CANCELLATION".into()),
        ("execution.checkpointing.num-retained", "3".into()),
        // Checkpoint statistics fresher than the 3 s default, so the console sees the newest.
        ("rest.cache.checkpoint-statistics.timeout", "500 ms".into()),
        // A failing job must end FAILED after a few tries, not restart forever.
        ("restart-strategy.type", "fixed-delay".into()),
        ("restart-strategy.fixed-delay.attempts", "3".into()),
        ("restart-strategy.fixed-delay.delay", "1 s".into()),
    ];
    settings.retain(|(key, value)| !value.is_empty() && !config.extra_settings.contains_key(*key));
    settings.extend(config.extra_settings.iter().map(|(key, value)| (key.as_str(), value.clone())));
    let mut yaml = String::from("# Written by the console for its local session cluster; edits are overwritten.\n");
    for (key, value) in settings {
        yaml.push_str(&format!("{key}: {}\n", yaml_string(&value)));
    }
    yaml
}

fn yaml_string(value: &str) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| String::from("\"\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flink_processes_get_what_they_need_and_none_of_the_consoles_secrets() {
        let config = LocalClusterConfig {
            flink_home: "/opt/flink".into(),
            work_dir: "/var/lib/console/flink".into(),
            rest_port: 8081,
            rpc_port: 6123,
            task_slots: 4,
            adaptive_scheduler: false,
            extra_settings: Default::default(),
        };
        let parent = [
            ("PATH", "/usr/bin:/bin"),
            ("JAVA_HOME", "/usr/lib/jvm/java-17"),
            ("HOME", "/root"),
            ("LC_ALL", "C.UTF-8"),
            ("CONSOLE_ADMIN_PASSWORD", "hunter2"),
            ("DATABASE_URL", "postgres://console:secret@db/console"),
            ("AWS_SECRET_ACCESS_KEY", "abc"),
            ("FLINK_CONF_DIR", "/somewhere/else"),
        ]
        .map(|(name, value)| (OsString::from(name), OsString::from(value)));
        let child: std::collections::BTreeMap<String, String> = flink_environment(&config, parent)
            .into_iter()
            .map(|(name, value)| (name.to_string_lossy().into_owned(), value.to_string_lossy().into_owned()))
            .collect();
        for secret in ["CONSOLE_ADMIN_PASSWORD", "DATABASE_URL", "AWS_SECRET_ACCESS_KEY"] {
            assert!(!child.contains_key(secret), "{secret} reached Flink: {child:?}");
        }
        for needed in ["PATH", "JAVA_HOME", "HOME", "LC_ALL"] {
            assert!(child.contains_key(needed), "{needed} is missing: {child:?}");
        }
        assert_eq!(child["FLINK_CONF_DIR"], "/var/lib/console/flink/conf", "the console's, not the inherited one");
        assert_eq!(child.len(), 9, "{child:?}");
    }

    #[test]
    fn the_configuration_binds_to_loopback_and_keeps_the_shipped_java_flags() {
        let home = tempfile::tempdir().expect("dir");
        let work = tempfile::tempdir().expect("dir");
        std::fs::create_dir_all(home.path().join("conf")).expect("conf");
        std::fs::write(
            home.path().join("conf/config.yaml"),
            "env:\n  java:\n    opts:\n      all: --add-opens=java.base/java.lang=ALL-UNNAMED\n",
        )
        .expect("write");
        std::fs::write(home.path().join("conf/log4j-console.properties"), "x=1\n").expect("write");
        let config = LocalClusterConfig {
            flink_home: home.path().to_owned(),
            work_dir: work.path().to_owned(),
            rest_port: 18081,
            rpc_port: 16123,
            task_slots: 4,
            adaptive_scheduler: false,
            extra_settings: Default::default(),
        };
        write_configuration(&config).expect("written");
        let written = std::fs::read_to_string(work.path().join("conf/config.yaml")).expect("read");
        let parsed: serde_yaml_ng::Value = serde_yaml_ng::from_str(&written).expect("valid YAML");
        assert_eq!(parsed["env.java.opts.all"], "--add-opens=java.base/java.lang=ALL-UNNAMED");
        assert_eq!(parsed["rest.bind-address"], "127.0.0.1");
        assert!(parsed.get("jobmanager.scheduler").is_none(), "Flink's default scheduler unless asked");
        let extra = [("pipeline.max-parallelism", "64"), ("parallelism.default", "2")];
        let extra_settings = extra.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        write_configuration(&LocalClusterConfig { adaptive_scheduler: true, extra_settings, ..config.clone() })
            .expect("written");
        let written = std::fs::read_to_string(work.path().join("conf/config.yaml")).expect("read");
        let parsed: serde_yaml_ng::Value = serde_yaml_ng::from_str(&written).expect("valid YAML");
        assert_eq!(parsed["jobmanager.scheduler"], "adaptive");
        assert_eq!((&parsed["pipeline.max-parallelism"], &parsed["parallelism.default"]), (&"64".into(), &"2".into()));
        assert_eq!(written.matches("parallelism.default").count(), 1, "a setting given replaces the console's");
        assert_eq!(parsed["rest.port"], "18081");
        assert!(work.path().join("conf/log4j-console.properties").exists());
    }
}
