//! What Flink is asked to run for a job: its artifact (a JAR on this machine, or a SQL script run by
//! the bundled SQL runner), arguments, parallelism and configuration. Pure, apart from nothing: the
//! caller checks the files.

use std::path::{Path, PathBuf};

use base64::Engine as _;
use domain::{ArtifactKind, ExecutionMode, JobSpec};
use flink::{JobId, Submission};

/// The entry class of the bundled SQL runner (`jobs/src/console/examples/SqlRunner.java`).
pub const SQL_RUNNER_CLASS: &str = "console.examples.SqlRunner";

/// The submission of a job as recorded on its row, or why it cannot be run (a permanent failure
/// the person must fix in the deployment).
pub fn submission(
    job: &JobSpec,
    mode: ExecutionMode,
    flink_job_id: &JobId,
    sql_runner_jar: &Path,
) -> Result<Submission, String> {
    let artifact =
        job.template.artifact.as_ref().ok_or("the deployment has no artifact (spec.template.spec.artifact)")?;
    let (jar, entry_class, args) = match artifact.kind {
        ArtifactKind::Jar => {
            let uri = artifact.jar_uri.as_deref().ok_or("a JAR artifact needs spec.template.spec.artifact.jarUri")?;
            let args = split_args(artifact.main_args.as_deref().unwrap_or(""))?;
            (local_jar(uri)?, artifact.entry_class.clone(), args)
        }
        ArtifactKind::Sqlscript => {
            let script = artifact
                .sql_script
                .as_deref()
                .ok_or("a SQLSCRIPT artifact needs spec.template.spec.artifact.sqlScript")?;
            let mut args =
                vec!["--script-base64".to_owned(), base64::engine::general_purpose::STANDARD.encode(script.as_bytes())];
            if mode == ExecutionMode::Batch {
                args.push("--batch".to_owned());
            }
            (sql_runner_jar.to_path_buf(), Some(SQL_RUNNER_CLASS.to_owned()), args)
        }
    };
    let mut flink_configuration = job.template.flink_configuration.clone();
    if mode == ExecutionMode::Batch {
        flink_configuration.entry("execution.runtime-mode".into()).or_insert_with(|| "BATCH".into());
    }
    Ok(Submission {
        jar,
        entry_class,
        args,
        parallelism: job.template.parallelism,
        restore_from: job.savepoint_location.clone(),
        allow_non_restored_state: job.allow_non_restored_state,
        claim_mode: None,
        flink_configuration,
        job_id: Some(flink_job_id.clone()),
    })
}

/// Where the cluster should write savepoints: the deployment's own directory if its Flink
/// configuration names one, else the cluster's default.
pub fn savepoint_directory(job: &JobSpec) -> Option<String> {
    let config = &job.template.flink_configuration;
    config.get("execution.checkpointing.savepoint-dir").or_else(|| config.get("state.savepoints.dir")).cloned()
}

/// A `file:` URI or a plain absolute path of a JAR on the console's machine.
fn local_jar(uri: &str) -> Result<PathBuf, String> {
    let path = uri.strip_prefix("file://").or_else(|| uri.strip_prefix("file:")).unwrap_or(uri);
    if !path.starts_with('/') {
        return Err(format!(
            "jarUri {uri:?}: only JARs on the console's machine can be run (a file:// URI or an absolute path)"
        ));
    }
    Ok(PathBuf::from(path))
}

/// Splits `mainArgs` like a shell would for plain words, single and double quotes.
pub fn split_args(raw: &str) -> Result<Vec<String>, String> {
    let mut args = Vec::new();
    let mut current = String::new();
    let mut in_word = false;
    let mut quote: Option<char> = None;
    for c in raw.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => current.push(c),
            (None, '\'' | '"') => {
                quote = Some(c);
                in_word = true;
            }
            (None, c) if c.is_whitespace() => {
                if in_word {
                    args.push(std::mem::take(&mut current));
                    in_word = false;
                }
            }
            (None, c) => {
                current.push(c);
                in_word = true;
            }
        }
    }
    if let Some(q) = quote {
        return Err(format!("mainArgs {raw:?}: the quote {q} is never closed"));
    }
    if in_word {
        args.push(current);
    }
    Ok(args)
}

#[cfg(test)]
mod tests {
    use super::split_args;

    #[test]
    fn main_args_split_on_whitespace_outside_quotes() {
        assert_eq!(
            split_args("--rate 50  --name 'a b' --x \"c d\"").expect("splits"),
            ["--rate", "50", "--name", "a b", "--x", "c d"]
        );
        assert_eq!(split_args("").expect("empty"), Vec::<String>::new());
        assert_eq!(split_args("''").expect("an empty word"), [""]);
        assert!(split_args("--name 'open").expect_err("unclosed").contains("never closed"));
    }
}
