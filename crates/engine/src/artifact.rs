//! What Flink is asked to run for a job: its artifact (a JAR on this machine, or a SQL script run by
//! the bundled SQL runner), arguments, parallelism and configuration, with the job's source start
//! time (`start_time`) applied. Pure, apart from nothing: the caller checks the files.

use std::path::{Path, PathBuf};

use base64::Engine as _;
use domain::{ArtifactKind, ExecutionMode, JobSpec};
use flink::{JobId, Submission};

use crate::start_time::{rewrite_sql, CONFIGURATION_KEY};

/// The entry class of the bundled SQL runner (`jobs/src/console/examples/SqlRunner.java`).
pub const SQL_RUNNER_CLASS: &str = "console.examples.SqlRunner";

/// The submission of a job as recorded on its row, or why it cannot be run (a permanent failure
/// the person must fix in the deployment). A job with a source start time gets it as the Flink
/// configuration entry `start_time::CONFIGURATION_KEY`, and a SQL script's tables start there
/// (`start_time::rewrite_sql`).
pub fn submission(
    job: &JobSpec,
    mode: ExecutionMode,
    flink_job_id: &JobId,
    sql_runner_jar: &Path,
    artifacts: &ArtifactStore,
) -> Result<Submission, String> {
    let artifact =
        job.template.artifact.as_ref().ok_or("the deployment has no artifact (spec.template.spec.artifact)")?;
    let (jar, entry_class, args) = match artifact.kind {
        ArtifactKind::Jar => {
            let uri = artifact.jar_uri.as_deref().ok_or("a JAR artifact needs spec.template.spec.artifact.jarUri")?;
            let args = split_args(artifact.main_args.as_deref().unwrap_or(""))?;
            (artifacts.runnable(uri)?, artifact.entry_class.clone(), args)
        }
        ArtifactKind::Sqlscript => {
            let written = artifact
                .sql_script
                .as_deref()
                .ok_or("a SQLSCRIPT artifact needs spec.template.spec.artifact.sqlScript")?;
            let script = match job.source_start_time_ms {
                Some(start_ms) => {
                    rewrite_sql(written, start_ms)
                        .map_err(|why| format!("the SQL script cannot be read to set its source start time: {why}"))?
                        .script
                }
                None => written.to_owned(),
            };
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
    if let Some(start_ms) = job.source_start_time_ms {
        flink_configuration.insert(CONFIGURATION_KEY.to_owned(), start_ms.to_string());
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

/// Where the JARs a deployment may run live: the console's artifact directories. A person names a
/// JAR by `jarUri`; nothing outside these directories may ever be read for them (not the console's
/// database, not `/proc/self/environ`), however the path is spelled (`..`, symbolic links).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ArtifactStore {
    roots: Vec<PathBuf>,
}

/// What a `jarUri` names.
#[derive(Debug, Clone, PartialEq)]
pub enum JarLocation {
    /// A JAR file in the artifact store (its canonical path).
    Stored(PathBuf),
    /// A JAR the console downloads (`http(s)://`, as in Ververica Platform's examples).
    Remote(String),
}

impl ArtifactStore {
    /// A store of the JARs under `roots` (directories; made absolute, and canonical if they exist).
    pub fn new(roots: impl IntoIterator<Item = PathBuf>) -> Self {
        let roots = roots
            .into_iter()
            .map(|root| std::fs::canonicalize(&root).or_else(|_| std::path::absolute(&root)).unwrap_or(root))
            .collect();
        Self { roots }
    }

    /// The directories JARs may come from.
    pub fn roots(&self) -> &[PathBuf] {
        &self.roots
    }

    /// The `.jar` files directly in the store's directories, as `file://` URIs, sorted.
    pub fn jar_uris(&self) -> Vec<String> {
        let mut uris: Vec<String> = self
            .roots
            .iter()
            .filter_map(|root| std::fs::read_dir(root).ok())
            .flatten()
            .filter_map(Result::ok)
            .map(|entry| entry.path())
            .filter(|path| path.extension().is_some_and(|e| e == "jar") && path.is_file())
            .map(|path| format!("file://{}", path.display()))
            .collect();
        uris.sort();
        uris
    }

    /// Checks a `jarUri` as a person wrote it, when the deployment is written: a `file:` URI or an
    /// absolute path of an existing regular `.jar` file inside the store, or an `http(s)://` URL.
    /// The error says what is wrong, for the field `jarUri`.
    pub fn check(&self, uri: &str) -> Result<JarLocation, String> {
        let uri = uri.trim();
        if let Some(rest) = uri.strip_prefix("https://").or_else(|| uri.strip_prefix("http://")) {
            let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
            if authority.is_empty() || authority.contains('@') {
                return Err(format!("{uri:?} must name a host and no user name or password (http(s)://host/path.jar)"));
            }
            return Ok(JarLocation::Remote(uri.to_owned()));
        }
        let path = self.lexical(uri)?;
        let canonical = std::fs::canonicalize(&path).map_err(|err| match err.kind() {
            std::io::ErrorKind::NotFound => format!("there is no JAR at {}", path.display()),
            _ => format!("{} cannot be read: {err}", path.display()),
        })?;
        self.inside(&canonical, uri)?;
        let metadata =
            std::fs::metadata(&canonical).map_err(|err| format!("{} cannot be read: {err}", path.display()))?;
        if !metadata.is_file() {
            return Err(format!("{} is not a file", path.display()));
        }
        Ok(JarLocation::Stored(canonical))
    }

    /// The local file to upload for a `jarUri`, when a job starts: the same rules as `check`, again
    /// (the file system may have changed since the deployment was written). A missing file is left
    /// for the upload to report.
    pub fn runnable(&self, uri: &str) -> Result<PathBuf, String> {
        if uri.trim().starts_with("http://") || uri.trim().starts_with("https://") {
            return Err(format!(
                "jarUri {uri:?}: the console does not download JARs yet; upload the JAR to the console's artifact \
                 directory and name it by its path"
            ));
        }
        let path = self.lexical(uri).map_err(|why| format!("jarUri {uri:?}: {why}"))?;
        match std::fs::canonicalize(&path) {
            Ok(canonical) => {
                self.inside(&canonical, uri).map_err(|why| format!("jarUri {uri:?}: {why}"))?;
                if !canonical.is_file() {
                    return Err(format!("jarUri {uri:?}: {} is not a file", path.display()));
                }
                Ok(canonical)
            }
            Err(_) => Ok(path),
        }
    }

    /// The path a `file:` URI or absolute path names, if it is one of a `.jar` inside a root as
    /// written (no `..`).
    fn lexical(&self, uri: &str) -> Result<PathBuf, String> {
        let raw = uri.strip_prefix("file://").or_else(|| uri.strip_prefix("file:")).unwrap_or(uri);
        let path = Path::new(raw);
        if !path.is_absolute() {
            return Err(format!(
                "{uri:?} is neither a file: URI of a JAR in the console's artifact store nor an http(s):// URL"
            ));
        }
        if path.components().any(|c| matches!(c, std::path::Component::ParentDir)) {
            return Err(format!("{uri:?} must not contain `..`"));
        }
        if path.extension().and_then(|e| e.to_str()) != Some("jar") {
            return Err(format!("{uri:?} is not a .jar file"));
        }
        self.inside(path, uri)?;
        Ok(path.to_path_buf())
    }

    fn inside(&self, path: &Path, uri: &str) -> Result<(), String> {
        if self.roots.iter().any(|root| path.starts_with(root)) {
            return Ok(());
        }
        let roots: Vec<String> = self.roots.iter().map(|r| r.display().to_string()).collect();
        Err(format!(
            "{uri:?} is outside the console's artifact store; JARs must be under {}",
            if roots.is_empty() { "an artifact directory (none is configured)".to_owned() } else { roots.join(" or ") }
        ))
    }
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
    use base64::Engine as _;
    use domain::{ExecutionMode, JobSpec};
    use flink::JobId;

    use super::{split_args, submission, ArtifactStore, JarLocation};
    use crate::start_time::CONFIGURATION_KEY;

    fn job(artifact: serde_json::Value, source_start_time_ms: Option<i64>) -> JobSpec {
        serde_json::from_value(serde_json::json!({
            "artifact": artifact,
            "parallelism": 1,
            "flinkConfiguration": {CONFIGURATION_KEY: "1"},
            "sourceStartTimeMs": source_start_time_ms,
        }))
        .expect("a job spec")
    }

    #[test]
    fn a_source_start_time_reaches_the_job_in_its_configuration_and_its_sql_tables() {
        let store = ArtifactStore::new([std::path::PathBuf::from("/jobs")]);
        let run = |job: &JobSpec| {
            submission(job, ExecutionMode::Streaming, &JobId::random(), std::path::Path::new("/jobs/sql.jar"), &store)
                .expect("a submission")
        };
        let jar = serde_json::json!({"kind": "JAR", "jarUri": "file:///jobs/job.jar", "mainArgs": "--rate 5"});
        let submitted = run(&job(jar.clone(), Some(1_767_225_600_000)));
        assert_eq!(
            submitted.flink_configuration.get(CONFIGURATION_KEY).map(String::as_str),
            Some("1767225600000"),
            "the console's entry wins over one the deployment wrote"
        );
        assert_eq!(submitted.args, ["--rate", "5"], "the program's arguments stay as written");
        let without = run(&job(jar, None));
        assert_eq!(without.flink_configuration.get(CONFIGURATION_KEY).map(String::as_str), Some("1"), "as written");

        let script = "CREATE TABLE t (x INT) WITH ('connector' = 'kafka');\nINSERT INTO s SELECT x FROM t;";
        let sql = serde_json::json!({"kind": "SQLSCRIPT", "sqlScript": script});
        let submitted = run(&job(sql.clone(), Some(1_767_225_600_000)));
        let decoded = base64::engine::general_purpose::STANDARD.decode(&submitted.args[1]).expect("base64");
        assert_eq!(
            String::from_utf8(decoded).expect("UTF-8"),
            "CREATE TABLE t (x INT) WITH ('connector' = 'kafka', 'scan.startup.mode' = 'timestamp', \
             'scan.startup.timestamp-millis' = '1767225600000');\nINSERT INTO s SELECT x FROM t;"
        );
        let unchanged = run(&job(sql, None));
        let decoded = base64::engine::general_purpose::STANDARD.decode(&unchanged.args[1]).expect("base64");
        assert_eq!(String::from_utf8(decoded).expect("UTF-8"), script);

        let broken = serde_json::json!({"kind": "SQLSCRIPT", "sqlScript": "SELECT 'open"});
        let refused = submission(
            &job(broken, Some(0)),
            ExecutionMode::Streaming,
            &JobId::random(),
            std::path::Path::new("/jobs/sql.jar"),
            &store,
        );
        assert_eq!(
            refused.map(|_| ()),
            Err("the SQL script cannot be read to set its source start time: the string that starts on line 1 is \
                 never closed"
                .into())
        );
    }

    #[test]
    fn only_jars_inside_the_artifact_store_may_be_named() {
        let store_dir = tempfile::tempdir().expect("a directory");
        let outside = tempfile::tempdir().expect("another directory");
        let jar = store_dir.path().join("job.jar");
        std::fs::write(&jar, b"PK").expect("a jar");
        std::fs::write(outside.path().join("secret.jar"), b"PK").expect("a file outside");
        std::fs::write(store_dir.path().join("notes.txt"), b"x").expect("not a jar");
        std::os::unix::fs::symlink(outside.path().join("secret.jar"), store_dir.path().join("link.jar")).expect("link");
        std::os::unix::fs::symlink("/proc/self/environ", store_dir.path().join("environ.jar")).expect("link");
        let store = ArtifactStore::new([store_dir.path().to_path_buf()]);
        let root = store.roots()[0].display().to_string();

        assert_eq!(
            store.check(&format!("file://{root}/job.jar")),
            Ok(JarLocation::Stored(store.roots()[0].join("job.jar")))
        );
        assert!(store.check(&format!("{root}/job.jar")).is_ok(), "a plain absolute path");
        assert!(store.check("https://repo1.maven.org/x.jar").is_ok(), "downloads are named by URL");
        for hostile in [
            "file:///proc/self/environ".to_owned(),
            "/etc/passwd".to_owned(),
            format!("file://{root}/../{}/secret.jar", outside.path().display()),
            format!("{root}/link.jar"),
            format!("{root}/environ.jar"),
            format!("{root}/notes.txt"),
            format!("{root}/missing.jar"),
            format!("{}/secret.jar", outside.path().display()),
            "job.jar".to_owned(),
            "s3://bucket/job.jar".to_owned(),
            "https://user:pw@host/x.jar".to_owned(),
        ] {
            assert!(store.check(&hostile).is_err(), "{hostile} must be refused");
        }
        assert!(store.runnable(&format!("{root}/link.jar")).is_err(), "checked again when a job starts");
        assert!(store.runnable("/etc/passwd").is_err());
        assert_eq!(store.runnable(&format!("{root}/job.jar")), Ok(store.roots()[0].join("job.jar")));
    }

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
