//! A long-lived helper JVM on a Flink distribution's class path (`FLINK_HOME/lib/*` plus the
//! helper's JAR), spoken to one JSON line at a time: started on the first request, kept warm, one
//! request at a time, stopped after an idle period, killed and started afresh when it hangs, dies,
//! answers out of protocol or is abandoned mid-request. The state compatibility check
//! (`compat::Inspector`) and the SQL helper (`flinksql::SqlHelper`) run on it.
//!
//! A helper runs what people give it (a job's `main()`, SQL statements): it must never get a
//! console secret, so it starts with only the environment the local Flink cluster gets
//! (`flink::local::inherited_environment`), its own temporary directory and a heap limit.
//!
//! The protocol: the request is one JSON line on the helper's stdin; the answer one line on its
//! stdout, `{"ok":true,…}` with the facts or `{"ok":false,"error":…}` with the refusal.

#![warn(missing_docs)]

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, Weak};
use std::time::Duration;

use serde::de::DeserializeOwned;
use serde::Serialize;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, ChildStdin, ChildStdout, Command};
use tokio::sync::Mutex;
use tokio::time::Instant;

/// The longest answer read from a helper; a longer line is a protocol error, not an allocation.
pub const MAX_ANSWER_BYTES: usize = 16 * 1024 * 1024;
/// How much of a helper's stderr is kept, for error messages.
const STDERR_TAIL_BYTES: usize = 64 * 1024;

/// Where a helper's pieces are and how it is run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HelperConfig {
    /// A Flink distribution: its `lib/*` is the helper's class path, its `conf/config.yaml` gives
    /// the JVM flags the cluster runs with.
    pub flink_home: PathBuf,
    /// The helper's JAR (built by `scripts/setup.sh` into `jobs/build/`).
    pub jar: PathBuf,
    /// The class whose `main` reads requests.
    pub main_class: String,
    /// The helper's `java.io.tmpdir` and working directory (the SQL planner unpacks itself there,
    /// about 46 MB, once per JVM).
    pub work_dir: PathBuf,
    /// The `java` to run; `JAVA_HOME/bin/java` or `java` on PATH by default.
    pub java: PathBuf,
    /// The JVM's heap limit (`-Xmx`).
    pub max_heap: String,
    /// How long one request may take.
    pub request_timeout: Duration,
    /// How long the helper may sit unused before it is stopped.
    pub idle_timeout: Duration,
}

impl HelperConfig {
    /// The defaults for a distribution, a helper JAR, its main class and a work directory: 512 MB
    /// heap, 60 s per request, stopped after 10 idle minutes.
    pub fn new(
        flink_home: impl Into<PathBuf>,
        jar: impl Into<PathBuf>,
        main_class: &str,
        work_dir: impl Into<PathBuf>,
    ) -> Self {
        Self {
            flink_home: flink_home.into(),
            jar: jar.into(),
            main_class: main_class.to_owned(),
            work_dir: work_dir.into(),
            java: default_java(),
            max_heap: "512m".into(),
            request_timeout: Duration::from_secs(60),
            idle_timeout: Duration::from_secs(600),
        }
    }
}

/// `JAVA_HOME/bin/java` if it exists, else `java` (found on PATH).
pub fn default_java() -> PathBuf {
    std::env::var_os("JAVA_HOME")
        .map(|home| PathBuf::from(home).join("bin").join("java"))
        .filter(|java| java.is_file())
        .unwrap_or_else(|| PathBuf::from("java"))
}

/// Why a helper gave no answer.
#[derive(Debug, thiserror::Error)]
pub enum HelperError {
    /// The helper cannot run here: no `java`, no Flink distribution, or no helper JAR.
    #[error("{0}")]
    Unavailable(String),
    /// The helper refused the request (its `"error"`, Flink's message without stack frames).
    #[error("{0}")]
    Refused(String),
    /// The request took longer than allowed; the helper was stopped.
    #[error("the request took longer than {} s and was stopped", .0.as_secs())]
    Timeout(Duration),
    /// The helper exited while answering (the JVM crashed or ran out of memory).
    #[error("{0}")]
    Exited(String),
    /// The helper answered something that is not the protocol (a bug, or an answer too long).
    #[error("{0}")]
    Protocol(String),
}

/// A helper JVM, shared: requests wait for one another, and clones share one JVM.
#[derive(Clone)]
pub struct JvmHelper {
    inner: Arc<Inner>,
}

struct Inner {
    config: HelperConfig,
    helper: Mutex<Option<Running>>,
}

struct Running {
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

impl JvmHelper {
    /// A helper run with `config`; no JVM starts until the first request.
    pub fn new(config: HelperConfig) -> Self {
        Self { inner: Arc::new(Inner { config, helper: Mutex::new(None) }) }
    }

    /// How the helper is run.
    pub fn config(&self) -> &HelperConfig {
        &self.inner.config
    }

    /// Sends `request` and reads the answer: the facts of an `{"ok":true,…}` line, or the helper's
    /// refusal. Starts the JVM if none runs; kills it on a timeout or a broken answer.
    pub async fn ask<R: Serialize, T: DeserializeOwned>(&self, request: &R) -> Result<T, HelperError> {
        let answer = self.ask_raw(request).await?;
        decode(&answer)
    }

    /// Stops the helper JVM now (the next request starts another).
    pub async fn shutdown(&self) {
        if let Some(helper) = self.inner.helper.lock().await.take() {
            helper.stop().await;
        }
    }

    async fn ask_raw<R: Serialize>(&self, request: &R) -> Result<Vec<u8>, HelperError> {
        let mut line = serde_json::to_vec(request).map_err(|err| HelperError::Protocol(err.to_string()))?;
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
            return Err(HelperError::Protocol("the helper vanished".into()));
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
                return Err(HelperError::Timeout(timeout));
            }
        };
        helper.in_flight = false;
        helper.last_used = Instant::now();
        Ok(answer)
    }
}

impl Inner {
    /// Starts a helper JVM and the task that stops it when it idles.
    async fn spawn(self: &Arc<Self>) -> Result<Running, HelperError> {
        let config = &self.config;
        let lib = config.flink_home.join("lib");
        if !has_flink_dist(&lib) {
            return Err(HelperError::Unavailable(format!("no Flink distribution at {}", config.flink_home.display())));
        }
        if !config.jar.is_file() {
            return Err(HelperError::Unavailable(format!(
                "the helper {} is missing (scripts/setup.sh builds it)",
                config.jar.display()
            )));
        }
        std::fs::create_dir_all(&config.work_dir).map_err(|err| {
            HelperError::Unavailable(format!("cannot create the work directory {}: {err}", config.work_dir.display()))
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
            .arg(&config.main_class)
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
                    HelperError::Unavailable(format!("{} was not found (a Java 17 runtime)", config.java.display()))
                }
                _ => HelperError::Unavailable(format!("cannot start {}: {err}", config.java.display())),
            })?;
        let (Some(stdin), Some(stdout), Some(stderr)) = (child.stdin.take(), child.stdout.take(), child.stderr.take())
        else {
            return Err(HelperError::Unavailable("the helper's pipes were not set up".into()));
        };
        let tail = Arc::new(std::sync::Mutex::new(VecDeque::new()));
        let stderr_drain = tokio::spawn(drain(stderr, Arc::clone(&tail)));
        let generation = next_generation();
        tokio::spawn(stop_when_idle(Arc::downgrade(self), generation, config.idle_timeout));
        tracing::debug!(pid = child.id(), class = %config.main_class, "started a helper JVM");
        Ok(Running {
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

fn has_flink_dist(lib: &Path) -> bool {
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
                tracing::debug!(class = %inner.config.main_class, "stopping an idle helper JVM");
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

impl Running {
    /// Sends one request line and reads one answer line.
    async fn exchange(&mut self, line: &[u8]) -> Result<Vec<u8>, HelperError> {
        let broken = |err: std::io::Error| HelperError::Exited(format!("its pipe broke: {err}"));
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
pub async fn read_line_capped<R: tokio::io::AsyncBufRead + Unpin>(
    reader: &mut R,
    cap: usize,
) -> Result<Vec<u8>, HelperError> {
    let mut line = Vec::new();
    loop {
        let available = reader.fill_buf().await.map_err(|err| HelperError::Exited(err.to_string()))?;
        if available.is_empty() {
            return Err(HelperError::Exited("its output ended".into()));
        }
        let (taken, done) = match available.iter().position(|b| *b == b'\n') {
            Some(end) => (end, true),
            None => (available.len(), false),
        };
        if line.len() + taken > cap {
            return Err(HelperError::Protocol(format!("an answer longer than {} MiB", cap / (1024 * 1024))));
        }
        line.extend_from_slice(&available[..taken]);
        reader.consume(if done { taken + 1 } else { taken });
        if done {
            return Ok(line);
        }
    }
}

/// The facts of an `{"ok":true,…}` answer, or the message of an `{"ok":false,…}` one.
pub fn decode<T: DeserializeOwned>(answer: &[u8]) -> Result<T, HelperError> {
    let value: serde_json::Value =
        serde_json::from_slice(answer).map_err(|err| HelperError::Protocol(format!("not JSON: {err}")))?;
    match value.get("ok").and_then(serde_json::Value::as_bool) {
        Some(true) => serde_json::from_value(value).map_err(|err| HelperError::Protocol(err.to_string())),
        Some(false) => Err(HelperError::Refused(
            value.get("error").and_then(serde_json::Value::as_str).unwrap_or("no message").to_owned(),
        )),
        None => Err(HelperError::Protocol("an answer without \"ok\"".into())),
    }
}

/// An exit's error with the end of what the helper wrote on stderr (the JVM's own complaint).
fn with_stderr(err: HelperError, stderr: &str) -> HelperError {
    let last: Vec<&str> = stderr.lines().filter(|line| !line.trim().is_empty()).collect();
    let last = last[last.len().saturating_sub(5)..].join(" / ");
    match err {
        HelperError::Exited(why) if !last.is_empty() => HelperError::Exited(format!("{why}; stderr: {last}")),
        other => other,
    }
}

#[cfg(test)]
mod tests;
