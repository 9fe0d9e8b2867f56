//! The helper JVM (`console.tools.StateInspector`) that reads savepoints and builds job graphs with
//! Flink's own classes: started on first use, kept warm, stopped after an idle period, one request
//! at a time, killed and started afresh when it hangs or dies. It runs a job's `main()` (plan mode)
//! and so a person's code: it gets no console secret, only the environment the local Flink cluster
//! gets.

use std::collections::VecDeque;
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::{Arc, Weak};
use std::time::Duration;

use serde::de::DeserializeOwned;
use serde::Serialize;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, ChildStdin, ChildStdout, Command};
use tokio::sync::Mutex;
use tokio::time::Instant;

use crate::facts::{GraphFacts, SavepointFacts};
use crate::program::Program;

/// The longest answer read from the helper; a longer line is a protocol error, not an allocation.
pub const MAX_ANSWER_BYTES: usize = 16 * 1024 * 1024;
/// How much of the helper's stderr is kept, for error messages.
const STDERR_TAIL_BYTES: usize = 64 * 1024;
/// The helper's main class, in `state-inspector.jar`.
const MAIN_CLASS: &str = "console.tools.StateInspector";

/// Where the helper's pieces are and how it is run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InspectorConfig {
    /// A Flink distribution: its `lib/*` is the helper's class path, its `conf/config.yaml` gives
    /// the JVM flags the cluster runs with.
    pub flink_home: PathBuf,
    /// `state-inspector.jar` (built by `scripts/setup.sh` into `jobs/build/`).
    pub jar: PathBuf,
    /// The helper's `java.io.tmpdir` and working directory: the SQL planner unpacks itself there
    /// (about 46 MB, once per JVM) and programs may write files.
    pub work_dir: PathBuf,
    /// The `java` to run; `JAVA_HOME/bin/java` or `java` on PATH by default.
    pub java: PathBuf,
    /// The JVM's heap limit (`-Xmx`).
    pub max_heap: String,
    /// How long one request may take (the first SQL graph of a JVM takes about 5 s).
    pub request_timeout: Duration,
    /// How long the helper may sit unused before it is stopped.
    pub idle_timeout: Duration,
}

impl InspectorConfig {
    /// The defaults for a distribution, the helper's JAR and a work directory: 512 MB heap, 60 s
    /// per request, stopped after 10 idle minutes.
    pub fn new(flink_home: impl Into<PathBuf>, jar: impl Into<PathBuf>, work_dir: impl Into<PathBuf>) -> Self {
        let java = std::env::var_os("JAVA_HOME")
            .map(|home| PathBuf::from(home).join("bin").join("java"))
            .filter(|java| java.is_file())
            .unwrap_or_else(|| PathBuf::from("java"));
        Self {
            flink_home: flink_home.into(),
            jar: jar.into(),
            work_dir: work_dir.into(),
            java,
            max_heap: "512m".into(),
            request_timeout: Duration::from_secs(60),
            idle_timeout: Duration::from_secs(600),
        }
    }
}

/// Why the helper gave no facts.
#[derive(Debug, thiserror::Error)]
pub enum InspectorError {
    /// The helper cannot run here: no `java`, no Flink distribution, or no `state-inspector.jar`.
    #[error("the state compatibility check is not available: {0}")]
    Unavailable(String),
    /// Flink's classes refused the request: the savepoint cannot be read, or the program builds no
    /// job (its `main()` failed, a connector is missing, …). Flink's message, without stack frames.
    #[error("{0}")]
    Refused(String),
    /// The request took longer than allowed; the helper was stopped.
    #[error("the state compatibility check took longer than {} s and was stopped", .0.as_secs())]
    Timeout(Duration),
    /// The helper exited while answering (the JVM crashed or ran out of memory, or a program's
    /// `main()` called `System.exit` on a Java that refuses Flink's interception, 18 and later).
    #[error("the state compatibility helper exited while answering ({0})")]
    Exited(String),
    /// The helper answered something that is not the protocol (a bug, or an answer too long).
    #[error("the state compatibility helper answered out of protocol: {0}")]
    Protocol(String),
}

/// The helper JVM, shared: `savepoint` and `graph` wait for one another, and clones share one JVM.
#[derive(Clone)]
pub struct Inspector {
    inner: Arc<Inner>,
}

struct Inner {
    config: InspectorConfig,
    helper: Mutex<Option<Helper>>,
}

struct Helper {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
    stderr: Arc<std::sync::Mutex<VecDeque<u8>>>,
    stderr_drain: tokio::task::JoinHandle<()>,
    last_used: Instant,
    generation: u64,
    /// A request was sent and its answer not read: the caller gave up waiting (its future was
    /// dropped), so the next line on stdout is not the next request's answer.
    in_flight: bool,
}

#[derive(Serialize)]
#[serde(tag = "op", rename_all = "camelCase")]
enum Request<'a> {
    Savepoint {
        location: &'a str,
    },
    #[serde(rename_all = "camelCase")]
    Graph {
        jar: String,
        entry_class: Option<&'a str>,
        args: &'a [String],
        parallelism: Option<u32>,
        configuration: &'a std::collections::BTreeMap<String, String>,
    },
}

impl Inspector {
    /// An inspector with `config`; no JVM starts until the first request.
    pub fn new(config: InspectorConfig) -> Self {
        Self { inner: Arc::new(Inner { config, helper: Mutex::new(None) }) }
    }

    /// How the helper is run.
    pub fn config(&self) -> &InspectorConfig {
        &self.inner.config
    }

    /// The operators of the savepoint (or retained checkpoint) at `location`: a `file:` URI or an
    /// absolute path, of its directory or its `_metadata` file.
    pub async fn savepoint(&self, location: &str) -> Result<SavepointFacts, InspectorError> {
        self.ask(&Request::Savepoint { location }).await
    }

    /// The job graph `program` builds: its `main()` runs in the helper in plan mode (the first
    /// `execute()` is captured, nothing is submitted), side effects included.
    pub async fn graph(&self, program: &Program) -> Result<GraphFacts, InspectorError> {
        let jar = std::path::absolute(&program.jar)
            .map_err(|err| InspectorError::Refused(format!("the JAR path {}: {err}", program.jar.display())))?;
        self.ask(&Request::Graph {
            jar: jar.to_string_lossy().into_owned(),
            entry_class: program.entry_class.as_deref(),
            args: &program.args,
            parallelism: program.parallelism,
            configuration: &program.configuration,
        })
        .await
    }

    /// Stops the helper JVM now (the next request starts another).
    pub async fn shutdown(&self) {
        if let Some(helper) = self.inner.helper.lock().await.take() {
            helper.stop().await;
        }
    }

    async fn ask<T: DeserializeOwned>(&self, request: &Request<'_>) -> Result<T, InspectorError> {
        let mut line = serde_json::to_vec(request).map_err(|err| InspectorError::Protocol(err.to_string()))?;
        line.push(b'\n');
        let timeout = self.inner.config.request_timeout;
        let mut slot = self.inner.helper.lock().await;
        let reusable = match slot.as_mut() {
            Some(helper) => !helper.in_flight && matches!(helper.child.try_wait(), Ok(None)),
            None => false,
        };
        if !reusable {
            if let Some(stale) = slot.take() {
                stale.kill().await;
            }
            *slot = Some(self.inner.spawn().await?);
        }
        let Some(helper) = slot.as_mut() else {
            return Err(InspectorError::Protocol("the helper vanished".into()));
        };
        helper.in_flight = true;
        let answer = tokio::time::timeout(timeout, helper.exchange(&line)).await;
        let answer = match answer {
            Ok(Ok(answer)) => answer,
            Ok(Err(err)) => {
                let stderr = match slot.take() {
                    Some(helper) => helper.kill().await,
                    None => String::new(),
                };
                return Err(with_stderr(err, &stderr));
            }
            Err(_) => {
                if let Some(helper) = slot.take() {
                    helper.kill().await;
                }
                return Err(InspectorError::Timeout(timeout));
            }
        };
        helper.in_flight = false;
        helper.last_used = Instant::now();
        drop(slot);
        decode(&answer)
    }
}

impl Inner {
    /// Starts a helper JVM and the task that stops it when it idles.
    async fn spawn(self: &Arc<Self>) -> Result<Helper, InspectorError> {
        let config = &self.config;
        let lib = config.flink_home.join("lib");
        if !has_flink_dist(&lib) {
            return Err(InspectorError::Unavailable(format!(
                "no Flink distribution at {}",
                config.flink_home.display()
            )));
        }
        if !config.jar.is_file() {
            return Err(InspectorError::Unavailable(format!(
                "the helper {} is missing (scripts/setup.sh builds it)",
                config.jar.display()
            )));
        }
        std::fs::create_dir_all(&config.work_dir).map_err(|err| {
            InspectorError::Unavailable(format!(
                "cannot create the work directory {}: {err}",
                config.work_dir.display()
            ))
        })?;
        let java_opts =
            flink::local::shipped_java_opts(&config.flink_home.join("conf").join("config.yaml")).unwrap_or_default();
        let class_path = format!("{}/*:{}", lib.display(), config.jar.display());
        let mut child = Command::new(&config.java)
            .arg(format!("-Xmx{}", config.max_heap))
            .arg(format!("-Djava.io.tmpdir={}", config.work_dir.display()))
            // As Flink's scripts start its JVMs: its flags for newer Java pass on older ones.
            .arg("-XX:+IgnoreUnrecognizedVMOptions")
            .args(java_opts.split_whitespace())
            .arg("-cp")
            .arg(class_path)
            .arg(MAIN_CLASS)
            .current_dir(&config.work_dir)
            .env_clear()
            .envs(flink::local::inherited_environment(std::env::vars_os()))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .map_err(|err| match err.kind() {
                std::io::ErrorKind::NotFound => {
                    InspectorError::Unavailable(format!("{} was not found (a Java 17 runtime)", config.java.display()))
                }
                _ => InspectorError::Unavailable(format!("cannot start {}: {err}", config.java.display())),
            })?;
        let (Some(stdin), Some(stdout), Some(stderr)) = (child.stdin.take(), child.stdout.take(), child.stderr.take())
        else {
            return Err(InspectorError::Unavailable("the helper's pipes were not set up".into()));
        };
        let tail = Arc::new(std::sync::Mutex::new(VecDeque::new()));
        let stderr_drain = tokio::spawn(drain(stderr, Arc::clone(&tail)));
        let generation = next_generation();
        tokio::spawn(stop_when_idle(Arc::downgrade(self), generation, config.idle_timeout));
        tracing::debug!(pid = child.id(), "started the state compatibility helper");
        Ok(Helper {
            child,
            stdin,
            stdout: BufReader::with_capacity(64 * 1024, stdout),
            stderr: tail,
            stderr_drain,
            last_used: Instant::now(),
            generation,
            in_flight: false,
        })
    }
}

fn has_flink_dist(lib: &std::path::Path) -> bool {
    std::fs::read_dir(lib).is_ok_and(|entries| {
        entries.flatten().any(|entry| entry.file_name().to_string_lossy().starts_with("flink-dist"))
    })
}

fn next_generation() -> u64 {
    static GENERATION: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    GENERATION.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

/// Stops helper `generation` once it has been idle for `idle`; ends when that helper is gone.
async fn stop_when_idle(inner: Weak<Inner>, generation: u64, idle: Duration) {
    let mut wait = idle;
    loop {
        tokio::time::sleep(wait).await;
        let Some(inner) = inner.upgrade() else { return };
        let mut slot = inner.helper.lock().await;
        let Some(helper) = slot.as_ref().filter(|helper| helper.generation == generation) else { return };
        let idle_for = helper.last_used.elapsed();
        if idle_for >= idle {
            if let Some(helper) = slot.take() {
                tracing::debug!("stopping the idle state compatibility helper");
                helper.stop().await;
            }
            return;
        }
        wait = idle - idle_for;
    }
}

/// Keeps the last `STDERR_TAIL_BYTES` of the helper's stderr.
async fn drain(mut stderr: tokio::process::ChildStderr, tail: Arc<std::sync::Mutex<VecDeque<u8>>>) {
    let mut buffer = [0u8; 8192];
    while let Ok(read) = stderr.read(&mut buffer).await {
        if read == 0 {
            return;
        }
        if let Ok(mut tail) = tail.lock() {
            tail.extend(&buffer[..read]);
            let excess = tail.len().saturating_sub(STDERR_TAIL_BYTES);
            tail.drain(..excess);
        }
    }
}

impl Helper {
    /// Sends one request line and reads one answer line.
    async fn exchange(&mut self, line: &[u8]) -> Result<Vec<u8>, InspectorError> {
        let broken = |err: std::io::Error| InspectorError::Exited(format!("its pipe broke: {err}"));
        self.stdin.write_all(line).await.map_err(broken)?;
        self.stdin.flush().await.map_err(broken)?;
        read_line_capped(&mut self.stdout, MAX_ANSWER_BYTES).await
    }

    /// Ends the JVM: it exits when its input closes; killed if it has not after 2 s.
    async fn stop(mut self) {
        drop(self.stdin);
        if tokio::time::timeout(Duration::from_secs(2), self.child.wait()).await.is_err() {
            let _ = self.child.kill().await;
        }
    }

    /// Kills the JVM (it hangs or broke the protocol) and returns the end of its stderr.
    async fn kill(mut self) -> String {
        let _ = self.child.kill().await;
        let _ = tokio::time::timeout(Duration::from_secs(1), &mut self.stderr_drain).await;
        let bytes: Vec<u8> = self.stderr.lock().map(|tail| tail.iter().copied().collect()).unwrap_or_default();
        String::from_utf8_lossy(&bytes).into_owned()
    }
}

/// One line (without its newline), or an error if it is longer than `cap` or the stream ends.
async fn read_line_capped<R: tokio::io::AsyncBufRead + Unpin>(
    reader: &mut R,
    cap: usize,
) -> Result<Vec<u8>, InspectorError> {
    let mut line = Vec::new();
    loop {
        let available = reader.fill_buf().await.map_err(|err| InspectorError::Exited(err.to_string()))?;
        if available.is_empty() {
            return Err(InspectorError::Exited("its output ended".into()));
        }
        let (taken, done) = match available.iter().position(|b| *b == b'\n') {
            Some(end) => (end, true),
            None => (available.len(), false),
        };
        if line.len() + taken > cap {
            return Err(InspectorError::Protocol(format!("an answer longer than {} MiB", cap / (1024 * 1024))));
        }
        line.extend_from_slice(&available[..taken]);
        reader.consume(if done { taken + 1 } else { taken });
        if done {
            return Ok(line);
        }
    }
}

/// The facts of an `{"ok":true,…}` answer, or Flink's message of an `{"ok":false,…}` one.
fn decode<T: DeserializeOwned>(answer: &[u8]) -> Result<T, InspectorError> {
    let value: serde_json::Value =
        serde_json::from_slice(answer).map_err(|err| InspectorError::Protocol(format!("not JSON: {err}")))?;
    match value.get("ok").and_then(serde_json::Value::as_bool) {
        Some(true) => serde_json::from_value(value).map_err(|err| InspectorError::Protocol(err.to_string())),
        Some(false) => Err(InspectorError::Refused(
            value.get("error").and_then(serde_json::Value::as_str).unwrap_or("no message").to_owned(),
        )),
        None => Err(InspectorError::Protocol("an answer without \"ok\"".into())),
    }
}

/// An exit's error with the end of what the helper wrote on stderr (the JVM's own complaint).
fn with_stderr(err: InspectorError, stderr: &str) -> InspectorError {
    let last: Vec<&str> = stderr.lines().filter(|line| !line.trim().is_empty()).collect();
    let last = last[last.len().saturating_sub(5)..].join(" / ");
    match err {
        InspectorError::Exited(why) if !last.is_empty() => InspectorError::Exited(format!("{why}; stderr: {last}")),
        other => other,
    }
}

#[cfg(test)]
#[path = "inspector_tests.rs"]
mod tests;
