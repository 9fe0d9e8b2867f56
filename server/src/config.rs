//! The console's command line: where it listens, stores data, finds its site and Flink.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(name = "flink-console", version, about = "A self-hosted console for Apache Flink deployments")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    /// How log lines are written: `text` for people, `json` (one object per line, with the fields
    /// of the spans it happened in) for a log collector. What is written: `RUST_LOG`.
    #[arg(long, env = "CONSOLE_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text, global = true)]
    pub log_format: LogFormat,
    #[command(flatten)]
    pub serve: ServeArgs,
}

/// The format of the console's log lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines (the default).
    Text,
    /// One JSON object per line.
    Json,
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
    #[command(flatten)]
    pub artifacts_s3: ArtifactBucketArgs,
    /// The largest JAR the console accepts, in bytes: an upload (answered 413 beyond it) or a
    /// download of an `http(s)://` jarUri.
    #[arg(long, env = "CONSOLE_MAX_ARTIFACT_BYTES", default_value_t = services::DEFAULT_MAX_ARTIFACT_BYTES)]
    pub max_artifact_bytes: u64,
    /// How often the Autopilot samples the metrics of a running job whose policy is not DISABLED,
    /// in seconds (well below the policy's metrics window).
    #[arg(long, env = "CONSOLE_AUTOPILOT_SAMPLE_SECONDS", default_value_t = 15)]
    pub autopilot_sample_seconds: u64,
    /// How often the applied tuning plans are looked at for a due time point, in seconds (a time
    /// point happens at most this late).
    #[arg(long, env = "CONSOLE_PLAN_CHECK_SECONDS", default_value_t = 15)]
    pub plan_check_seconds: u64,
    /// The engine lease's time to live, in seconds. Console replicas sharing one PostgreSQL
    /// database run the lifecycle engine in one of them, the holder of this lease; it renews it
    /// every third of this, and when it stops renewing (killed, paused, cut off) another replica
    /// takes over at most this long after its last renewal. A graceful stop hands it over at once.
    #[arg(long, env = "CONSOLE_ENGINE_LEASE_SECONDS", default_value_t = 15, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub engine_lease_seconds: u64,
    /// For tests only: the time the services schedule tuning plans by is read from this file
    /// (milliseconds since the epoch, or RFC 3339), so a test moves it; the engine keeps the real
    /// clock. Unset in production.
    #[arg(long, env = "CONSOLE_TEST_CLOCK_FILE", hide = true)]
    pub test_clock_file: Option<std::path::PathBuf>,

    /// A directory where a Flink cluster of the console keeps savepoints or checkpoints (repeat it,
    /// or separate them with commas): a person may register an existing `file:` savepoint only
    /// inside one. The supervised local cluster's own directories are always included.
    #[arg(long = "savepoint-root", env = "CONSOLE_SAVEPOINT_ROOTS", value_delimiter = ',')]
    pub savepoint_roots: Vec<PathBuf>,
    /// The password of the `admin` user created on first start; when not given, one is generated
    /// and printed once. Never logged.
    #[arg(long, env = "CONSOLE_ADMIN_PASSWORD", hide_env_values = true)]
    pub admin_password: Option<String>,
    /// A file holding the token a Prometheus scraper sends to `/metrics` as `Authorization: Bearer
    /// <token>` (its first line, at least 32 characters); or set CONSOLE_METRICS_TOKEN. It reads
    /// the metrics and nothing else. Without one, only system admins read `/metrics`.
    #[arg(long, env = "CONSOLE_METRICS_TOKEN_FILE")]
    pub metrics_token_file: Option<PathBuf>,
    #[command(flatten)]
    pub flink: LocalFlinkArgs,
    /// Use this running Flink cluster (JobManager REST URL) instead of starting a local one; takes
    /// precedence over FLINK_HOME.
    #[arg(long, env = "FLINK_URL")]
    pub flink_url: Option<String>,
}

/// The environment variable that may hold the metrics scrape token itself.
pub const METRICS_TOKEN_VAR: &str = "CONSOLE_METRICS_TOKEN";

impl ServeArgs {
    /// The scrape token of `/metrics`, if one is configured: from `--metrics-token-file` or
    /// `from_env` (CONSOLE_METRICS_TOKEN), never both; the error says what is wrong.
    pub fn scrape_token(&self, from_env: Option<String>) -> Result<Option<services::ScrapeToken>, String> {
        let secret = match (&self.metrics_token_file, from_env.filter(|token| !token.trim().is_empty())) {
            (Some(_), Some(_)) => {
                return Err(format!(
                    "the metrics token is given twice: both {METRICS_TOKEN_VAR} and --metrics-token-file; keep one"
                ))
            }
            (Some(file), None) => {
                let text = std::fs::read_to_string(file)
                    .map_err(|err| format!("the metrics token file {} cannot be read: {err}", file.display()))?;
                text.lines().next().unwrap_or_default().to_owned()
            }
            (None, Some(secret)) => secret,
            (None, None) => return Ok(None),
        };
        services::ScrapeToken::new(&secret).map(Some)
    }
}

/// An S3-compatible bucket for the uploaded artifacts, instead of the artifact directory. The secret
/// key is read only from the environment (`CONSOLE_ARTIFACTS_S3_SECRET_ACCESS_KEY`) or a file
/// (`--artifacts-s3-secret-access-key-file`), never from the command line, where `ps` would show it.
#[derive(Debug, Clone, Default, Args)]
pub struct ArtifactBucketArgs {
    /// The S3-compatible server keeping uploaded artifacts, `http://host[:port]` (path-style
    /// requests; this build has no TLS). Without it, uploads go to the artifact directory.
    #[arg(long = "artifacts-s3-endpoint", env = "CONSOLE_ARTIFACTS_S3_ENDPOINT")]
    pub endpoint: Option<String>,
    /// The bucket (it must exist); objects are `<prefix><namespace>/<sha256>/<name>`.
    #[arg(long = "artifacts-s3-bucket", env = "CONSOLE_ARTIFACTS_S3_BUCKET")]
    pub bucket: Option<String>,
    /// The region requests are signed for.
    #[arg(long = "artifacts-s3-region", env = "CONSOLE_ARTIFACTS_S3_REGION", default_value = "us-east-1")]
    pub region: String,
    /// Prepended to every object key as written (end it with `/` for a folder, e.g. `console/`).
    #[arg(long = "artifacts-s3-prefix", env = "CONSOLE_ARTIFACTS_S3_PREFIX", default_value = "")]
    pub prefix: String,
    /// The access key id.
    #[arg(long = "artifacts-s3-access-key-id", env = "CONSOLE_ARTIFACTS_S3_ACCESS_KEY_ID")]
    pub access_key_id: Option<String>,
    /// A file holding the secret access key (its first line); or set CONSOLE_ARTIFACTS_S3_SECRET_ACCESS_KEY.
    #[arg(long = "artifacts-s3-secret-access-key-file", env = "CONSOLE_ARTIFACTS_S3_SECRET_ACCESS_KEY_FILE")]
    pub secret_access_key_file: Option<PathBuf>,
}

/// The environment variable holding the artifact bucket's secret access key.
pub const S3_SECRET_ACCESS_KEY_VAR: &str = "CONSOLE_ARTIFACTS_S3_SECRET_ACCESS_KEY";

impl ArtifactBucketArgs {
    /// The bucket to keep artifacts in, if one is configured, with its key prefix; `secret_from_env`
    /// is `CONSOLE_ARTIFACTS_S3_SECRET_ACCESS_KEY`. The error says what is missing or wrong.
    pub fn bucket(&self, secret_from_env: Option<String>) -> Result<Option<(s3::Bucket, String)>, String> {
        let (endpoint, bucket) = match (&self.endpoint, &self.bucket) {
            (None, None) => {
                if self.access_key_id.is_some() || self.secret_access_key_file.is_some() || !self.prefix.is_empty() {
                    return Err(
                        "S3 keys or a prefix are set, but no --artifacts-s3-endpoint and --artifacts-s3-bucket; \
                                set both to keep artifacts in a bucket"
                            .into(),
                    );
                }
                return Ok(None);
            }
            (Some(endpoint), Some(bucket)) => (endpoint, bucket),
            (Some(_), None) => return Err("--artifacts-s3-endpoint needs --artifacts-s3-bucket".into()),
            (None, Some(_)) => return Err("--artifacts-s3-bucket needs --artifacts-s3-endpoint".into()),
        };
        let access_key_id =
            self.access_key_id.clone().filter(|id| !id.trim().is_empty()).ok_or(
                "the artifact bucket needs --artifacts-s3-access-key-id (or CONSOLE_ARTIFACTS_S3_ACCESS_KEY_ID)",
            )?;
        let secret = match (&self.secret_access_key_file, secret_from_env.filter(|s| !s.is_empty())) {
            (Some(_), Some(_)) => {
                return Err(format!(
                    "the S3 secret key is given twice: both {S3_SECRET_ACCESS_KEY_VAR} and \
                     --artifacts-s3-secret-access-key-file; keep one"
                ))
            }
            (Some(file), None) => {
                let text = std::fs::read_to_string(file)
                    .map_err(|err| format!("the S3 secret key file {} cannot be read: {err}", file.display()))?;
                text.lines().next().map(str::trim).unwrap_or_default().to_owned()
            }
            (None, Some(secret)) => secret,
            (None, None) => {
                return Err(format!(
                    "the artifact bucket needs its secret key in {S3_SECRET_ACCESS_KEY_VAR} or a file named by \
                     --artifacts-s3-secret-access-key-file (never on the command line)"
                ))
            }
        };
        if secret.is_empty() {
            return Err("the S3 secret key is empty".into());
        }
        let config = s3::BucketConfig {
            endpoint: endpoint.clone(),
            bucket: bucket.clone(),
            region: self.region.clone(),
            credentials: s3::Credentials { access_key_id, secret_access_key: s3::SecretAccessKey::new(secret) },
            timeouts: s3::Timeouts::default(),
        };
        if self.prefix.starts_with('/') {
            return Err(format!("--artifacts-s3-prefix {:?} must not start with '/'", self.prefix));
        }
        Ok(Some((s3::Bucket::new(config)?, self.prefix.clone())))
    }
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

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::Cli;

    fn parse(args: &[&str]) -> Cli {
        Cli::try_parse_from(std::iter::once("flink-console").chain(args.iter().copied())).expect("valid arguments")
    }

    #[test]
    fn an_artifact_bucket_needs_an_endpoint_a_bucket_and_both_keys_and_its_secret_shows_nowhere() {
        let none = parse(&[]);
        assert!(none.serve.artifacts_s3.bucket(None).expect("no bucket").is_none());
        let bucket = parse(&[
            "--artifacts-s3-endpoint",
            "http://127.0.0.1:9000",
            "--artifacts-s3-bucket",
            "artifacts",
            "--artifacts-s3-access-key-id",
            "AKID",
            "--artifacts-s3-prefix",
            "console/",
        ]);
        let args = &bucket.serve.artifacts_s3;
        let (configured, prefix) =
            args.bucket(Some("the-secret-key".into())).expect("valid").expect("a bucket is configured");
        assert_eq!((configured.name(), prefix.as_str()), ("artifacts", "console/"));
        assert!(!format!("{configured:?} {bucket:?}").contains("the-secret-key"));

        let missing = args.bucket(None).expect_err("no secret");
        assert!(missing.contains("CONSOLE_ARTIFACTS_S3_SECRET_ACCESS_KEY"), "{missing}");
        let file = tempfile::NamedTempFile::new().expect("a file");
        std::fs::write(file.path(), "from-a-file\n").expect("the secret");
        let mut from_file = args.clone();
        from_file.secret_access_key_file = Some(file.path().to_path_buf());
        assert!(from_file.bucket(None).expect("valid").is_some());
        assert!(from_file.bucket(Some("x".into())).expect_err("twice").contains("given twice"));

        let https = parse(&["--artifacts-s3-endpoint", "https://s3.example.com", "--artifacts-s3-bucket", "artifacts"]);
        let mut https = https.serve.artifacts_s3;
        https.access_key_id = Some("AKID".into());
        assert!(https.bucket(Some("s".into())).expect_err("no TLS").contains("built without TLS"));
        let half = parse(&["--artifacts-s3-bucket", "artifacts"]);
        assert!(half
            .serve
            .artifacts_s3
            .bucket(None)
            .expect_err("no endpoint")
            .contains("needs --artifacts-s3-endpoint"));
        let cli = Cli::try_parse_from(["flink-console", "--artifacts-s3-secret-access-key", "x"]);
        assert!(cli.is_err(), "the secret key is not a command-line option");
    }

    #[test]
    fn the_metrics_token_comes_from_a_file_or_the_environment_never_the_command_line() {
        let secret = "a-scrape-token-of-at-least-32-characters";
        assert!(parse(&[]).serve.scrape_token(None).expect("valid").is_none(), "none by default");
        assert!(parse(&[]).serve.scrape_token(Some(secret.into())).expect("valid").is_some());
        assert!(parse(&[]).serve.scrape_token(Some("short".into())).is_err(), "too short");
        let file = tempfile::NamedTempFile::new().expect("a file");
        std::fs::write(file.path(), format!("{secret}\n")).expect("the token");
        let path = file.path().display().to_string();
        let from_file = parse(&["--metrics-token-file", &path]);
        assert!(from_file.serve.scrape_token(None).expect("valid").is_some());
        assert!(from_file.serve.scrape_token(Some(secret.into())).err().expect("twice").contains("given twice"));
        assert!(Cli::try_parse_from(["flink-console", "--metrics-token", secret]).is_err());
    }

    #[test]
    fn logs_are_text_unless_json_is_asked_for() {
        use super::LogFormat;
        assert_eq!(parse(&[]).log_format, LogFormat::Text);
        assert_eq!(parse(&["--log-format", "json"]).log_format, LogFormat::Json);
        assert_eq!(
            parse(&["flink-local", "--log-format", "json"]).log_format,
            LogFormat::Json,
            "after a subcommand too"
        );
        assert!(Cli::try_parse_from(["flink-console", "--log-format", "xml"]).is_err());
    }
}
