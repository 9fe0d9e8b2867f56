//! The helper JVM (`console.tools.StateInspector`) that reads savepoints and builds job graphs with
//! Flink's own classes, run by `jvm::JvmHelper`: started on first use, kept warm, stopped after an
//! idle period, one request at a time, killed and started afresh when it hangs or dies. It runs a job's `main()` (plan mode)
//! and so a person's code: it gets no console secret, only the environment the local Flink cluster
//! gets.

use std::path::PathBuf;
use std::time::Duration;

use jvm::{HelperConfig, HelperError, JvmHelper};
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::facts::{GraphFacts, SavepointFacts};
use crate::program::Program;

pub use jvm::MAX_ANSWER_BYTES;
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
        let java = jvm::default_java();
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

/// The helper JVM, shared: `savepoint` and `graph` wait for one another, and clones share one JVM
/// (the process management is `jvm::JvmHelper`'s).
#[derive(Clone)]
pub struct Inspector {
    config: InspectorConfig,
    helper: JvmHelper,
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
        let helper = JvmHelper::new(HelperConfig {
            flink_home: config.flink_home.clone(),
            jar: config.jar.clone(),
            main_class: MAIN_CLASS.to_owned(),
            work_dir: config.work_dir.clone(),
            java: config.java.clone(),
            max_heap: config.max_heap.clone(),
            request_timeout: config.request_timeout,
            idle_timeout: config.idle_timeout,
        });
        Self { config, helper }
    }

    /// How the helper is run.
    pub fn config(&self) -> &InspectorConfig {
        &self.config
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
        self.helper.shutdown().await;
    }

    async fn ask<T: DeserializeOwned>(&self, request: &Request<'_>) -> Result<T, InspectorError> {
        self.helper.ask(request).await.map_err(InspectorError::from)
    }
}

impl From<HelperError> for InspectorError {
    fn from(err: HelperError) -> Self {
        match err {
            HelperError::Unavailable(why) => Self::Unavailable(why),
            HelperError::Refused(why) => Self::Refused(why),
            HelperError::Timeout(after) => Self::Timeout(after),
            HelperError::Exited(why) => Self::Exited(why),
            HelperError::Protocol(why) => Self::Protocol(why),
        }
    }
}

/// The facts of an `{"ok":true,…}` answer, or Flink's message of an `{"ok":false,…}` one.
#[cfg(test)]
fn decode<T: DeserializeOwned>(answer: &[u8]) -> Result<T, InspectorError> {
    jvm::decode(answer).map_err(InspectorError::from)
}

#[cfg(test)]
#[path = "inspector_tests.rs"]
mod tests;
