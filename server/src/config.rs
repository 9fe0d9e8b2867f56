//! The console's command line: where it listens, stores data, finds its site and Flink.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(name = "flink-console", version, about = "A self-hosted console for Apache Flink deployments")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub serve: ServeArgs,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run only a supervised local Flink cluster until interrupted (used by the test command).
    FlinkLocal(LocalFlinkArgs),
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address the console listens on.
    #[arg(long, env = "CONSOLE_LISTEN", default_value = "127.0.0.1:3000")]
    pub listen: SocketAddr,
    /// Directory for the console's own state (database, local Flink cluster files).
    #[arg(long, env = "CONSOLE_DATA_DIR", default_value = ".console")]
    pub data_dir: PathBuf,
    /// Database URL; defaults to a SQLite file in the data directory.
    /// Never printed: `--help` hides its value, messages hide its password.
    #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,
    /// Directory with the built site (the bundle in pkg/ with the hash.txt naming it, the favicon).
    #[arg(long, env = "CONSOLE_SITE_ROOT", default_value = "target/site")]
    pub site_root: String,
    /// Directory with the example job jars, referenced by the example deployments (JARs here may be
    /// run, like those of the artifact directory).
    #[arg(long, env = "CONSOLE_JOBS_DIR", default_value = "jobs/build")]
    pub jobs_dir: PathBuf,
    /// Reverse proxies in front of the console (IP addresses, comma-separated): for requests from
    /// them, the client is the address they add to `X-Forwarded-For`. Without this, every request
    /// through a proxy counts as the proxy's for sign-in limits.
    #[arg(long = "trusted-proxy", env = "CONSOLE_TRUSTED_PROXIES", value_delimiter = ',')]
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// The artifact directory: the JARs deployments may run (besides the example jobs). Defaults to
    /// `artifacts/` in the data directory. A `jarUri` naming any other file is refused.
    /// Uploaded artifacts are kept here too, one directory per namespace (`<dir>/<namespace>/`).
    #[arg(long, env = "CONSOLE_ARTIFACTS_DIR")]
    pub artifacts_dir: Option<PathBuf>,
    /// The largest JAR the console accepts, in bytes: an upload (answered 413 beyond it) or a
    /// download of an `http(s)://` jarUri.
    #[arg(long, env = "CONSOLE_MAX_ARTIFACT_BYTES", default_value_t = services::DEFAULT_MAX_ARTIFACT_BYTES)]
    pub max_artifact_bytes: u64,
    /// How often the Autopilot samples the metrics of a running job whose policy is not DISABLED,
    /// in seconds (well below the policy's metrics window).
    #[arg(long, env = "CONSOLE_AUTOPILOT_SAMPLE_SECONDS", default_value_t = 15)]
    pub autopilot_sample_seconds: u64,

    /// A directory where a Flink cluster of the console keeps savepoints or checkpoints (repeat it,
    /// or separate them with commas): a person may register an existing `file:` savepoint only
    /// inside one. The supervised local cluster's own directories are always included.
    #[arg(long = "savepoint-root", env = "CONSOLE_SAVEPOINT_ROOTS", value_delimiter = ',')]
    pub savepoint_roots: Vec<PathBuf>,
    /// The password of the `admin` user created on first start; when not given, one is generated
    /// and printed once. Never logged.
    #[arg(long, env = "CONSOLE_ADMIN_PASSWORD", hide_env_values = true)]
    pub admin_password: Option<String>,
    #[command(flatten)]
    pub flink: LocalFlinkArgs,
    /// Use this running Flink cluster (JobManager REST URL) instead of starting a local one; takes
    /// precedence over FLINK_HOME.
    #[arg(long, env = "FLINK_URL")]
    pub flink_url: Option<String>,
}

#[derive(Debug, Clone, Args)]
pub struct LocalFlinkArgs {
    /// A Flink distribution; when given, the console starts and supervises a local session cluster.
    #[arg(long, env = "FLINK_HOME")]
    pub flink_home: Option<PathBuf>,
    /// Work directory of the local cluster (config, logs, checkpoints, savepoints).
    #[arg(long, env = "FLINK_WORK_DIR")]
    pub flink_work_dir: Option<PathBuf>,
    #[arg(long, env = "FLINK_REST_PORT", default_value_t = 8081)]
    pub flink_rest_port: u16,
    #[arg(long, env = "FLINK_RPC_PORT", default_value_t = 6123)]
    pub flink_rpc_port: u16,
    #[arg(long, env = "FLINK_TASK_SLOTS", default_value_t = 4)]
    pub flink_task_slots: u32,
    /// Run the local cluster's jobs under Flink's adaptive scheduler, which can rescale a running
    /// job in place (the Autopilot's fast path); the default scheduler otherwise.
    #[arg(long, env = "FLINK_ADAPTIVE_SCHEDULER")]
    pub flink_adaptive_scheduler: bool,
}
