//! The program whose graph the check builds: what Flink would be asked to run, without the state.

use std::collections::BTreeMap;
use std::path::PathBuf;

use flink::Submission;
use serde::Serialize;

/// A job's artifact and how it is run: a JAR on this machine, its entry class, arguments,
/// parallelism and the job's **effective** Flink configuration (the cluster's, then the
/// deployment's `flinkConfiguration` over it). Settings the configuration lacks take Flink's
/// defaults, not the cluster's: `pipeline.max-parallelism`, `parallelism.default`,
/// `pipeline.operator-chaining.enabled` and `table.exec.uid.generation` each change operator ids or
/// the verdict.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Program {
    /// The JAR (an absolute path).
    pub jar: PathBuf,
    /// The class whose `main` builds the job; `None`: the JAR manifest's `Main-Class`.
    pub entry_class: Option<String>,
    /// The program's arguments.
    pub args: Vec<String>,
    /// The job's default parallelism; `None`: the configuration's `parallelism.default`.
    pub parallelism: Option<u32>,
    /// The effective Flink configuration.
    pub configuration: BTreeMap<String, String>,
}

impl From<&Submission> for Program {
    /// The program of a submission; its configuration is only the job's own options, so a caller
    /// layers them over the cluster's before checking (see `Program`).
    fn from(submission: &Submission) -> Self {
        Self {
            jar: submission.jar.clone(),
            entry_class: submission.entry_class.clone(),
            args: submission.args.clone(),
            parallelism: submission.parallelism,
            configuration: submission.flink_configuration.clone(),
        }
    }
}

impl Program {
    /// The same program with `cluster` under its configuration: the job's own options win.
    pub fn over_cluster_configuration(mut self, cluster: &BTreeMap<String, String>) -> Self {
        for (key, value) in cluster {
            self.configuration.entry(key.clone()).or_insert_with(|| value.clone());
        }
        self
    }
}
