//! What Flink is asked to run for a job: its artifact (a JAR of the console's artifact store, an
//! artifact uploaded to the deployment's namespace, a JAR downloaded by URL, or a SQL script run by
//! the bundled SQL runner), arguments, parallelism and configuration, with the job's source start
//! time (`start_time`) applied. It must never hand Flink a file outside the artifact store, nor
//! another namespace's artifact.

use std::path::{Path, PathBuf};

use base64::Engine as _;
use domain::artifact::artifact_of;
use domain::{ArtifactKind, ArtifactName, ExecutionMode, JobSpec, NamespaceName};
use flink::download::Downloader;
use flink::{JobId, Submission};
use sha2::{Digest, Sha256};

use crate::start_time::{rewrite_sql, CONFIGURATION_KEY};
pub use crate::uploads::{object_key, Staged, UploadsError};
use crate::uploads::{BucketUploads, Uploads};

/// The entry class of the bundled SQL runner (`jobs/src/console/examples/SqlRunner.java`).
pub const SQL_RUNNER_CLASS: &str = "console.examples.SqlRunner";

/// The submission of a job as recorded on its row, or why it cannot be run (a permanent failure
/// the person must fix in the deployment). A job with a source start time gets it as the Flink
/// configuration entry `start_time::CONFIGURATION_KEY`, and a SQL script's tables start there
/// (`start_time::rewrite_sql`). A SQL script runs with `sql_catalog`, the namespace's SQL catalog
/// (its DDL statements, in order), which the SQL runner replays before the script, as Ververica
/// Platform runs a SQL deployment with its namespace's catalog; its tables start at the source start
/// time too.
pub async fn submission(
    job: &JobSpec,
    mode: ExecutionMode,
    flink_job_id: &JobId,
    sql_runner_jar: &Path,
    artifacts: &ArtifactStore,
    namespace: &NamespaceName,
    sql_catalog: &[String],
) -> Result<Submission, String> {
    let artifact =
        job.template.artifact.as_ref().ok_or("the deployment has no artifact (spec.template.spec.artifact)")?;
    let (jar, entry_class, args) = match artifact.kind {
        ArtifactKind::Jar => {
            let uri = artifact.jar_uri.as_deref().ok_or("a JAR artifact needs spec.template.spec.artifact.jarUri")?;
            let args = split_args(artifact.main_args.as_deref().unwrap_or(""))?;
            (artifacts.fetch(namespace, uri).await?, artifact.entry_class.clone(), args)
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
            if !sql_catalog.is_empty() {
                args.push("--catalog-base64".to_owned());
                args.push(catalog_argument(sql_catalog, job.source_start_time_ms)?);
            }
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

/// The SQL runner's `--catalog-base64`: each statement Base64-encoded (no comma in Base64), joined
/// by commas; with a source start time, each table set to start there.
fn catalog_argument(statements: &[String], source_start_time_ms: Option<i64>) -> Result<String, String> {
    let encoded: Result<Vec<String>, String> = statements
        .iter()
        .map(|statement| {
            let statement = match source_start_time_ms {
                Some(start_ms) => {
                    rewrite_sql(statement, start_ms)
                        .map_err(|why| {
                            format!("the namespace's SQL catalog cannot be read to set its source start time: {why}")
                        })?
                        .script
                }
                None => statement.clone(),
            };
            Ok(base64::engine::general_purpose::STANDARD.encode(statement.as_bytes()))
        })
        .collect();
    Ok(encoded?.join(","))
}

/// Where the cluster should write savepoints: the deployment's own directory if its Flink
/// configuration names one, else the cluster's default.
pub fn savepoint_directory(job: &JobSpec) -> Option<String> {
    let config = &job.template.flink_configuration;
    config.get("execution.checkpointing.savepoint-dir").or_else(|| config.get("state.savepoints.dir")).cloned()
}

/// Where the JARs a deployment may run come from: the console's artifact directories (`file:`
/// URIs, for JARs an operator put there), the artifacts uploaded to the deployment's own namespace
/// (`artifact:///<name>`, kept under `<uploads>/<namespace>/<name>` or in an S3-compatible bucket,
/// see `uploads`), and `http(s)://` URLs the
/// console downloads when a job starts. Nothing outside these may ever be read for a person (not
/// the console's database, not `/proc/self/environ`), however the path is spelled (`..`, symbolic
/// links), and no namespace may run another namespace's uploads.
#[derive(Clone, Default)]
pub struct ArtifactStore {
    roots: Vec<PathBuf>,
    /// Where the uploaded artifacts are kept.
    uploads: Option<Uploads>,
    /// Where downloads are cached, and the downloader (absent: URLs are refused at start).
    downloads: Option<(PathBuf, Downloader)>,
}

impl std::fmt::Debug for ArtifactStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ArtifactStore")
            .field("roots", &self.roots)
            .field("uploads", &self.uploads)
            .field("downloads", &self.downloads.as_ref().map(|(dir, _)| dir))
            .finish()
    }
}

/// What a `jarUri` names.
#[derive(Debug, Clone, PartialEq)]
pub enum JarLocation {
    /// A JAR file in an artifact directory (its canonical path).
    Stored(PathBuf),
    /// An artifact uploaded to the deployment's namespace.
    Uploaded(ArtifactName),
    /// A JAR the console downloads (`http(s)://`, as in Ververica Platform's examples).
    Remote(String),
}

/// The most downloads kept in the cache; beyond it the least recently downloaded go.
const MAX_CACHED_DOWNLOADS: usize = 64;

/// A directory made absolute, and canonical if it exists.
fn absolute(dir: PathBuf) -> PathBuf {
    std::fs::canonicalize(&dir).or_else(|_| std::path::absolute(&dir)).unwrap_or(dir)
}

impl ArtifactStore {
    /// A store of the JARs under `roots` (directories; made absolute, and canonical if they exist).
    pub fn new(roots: impl IntoIterator<Item = PathBuf>) -> Self {
        Self { roots: roots.into_iter().map(absolute).collect(), uploads: None, downloads: None }
    }

    /// The same store, keeping uploaded artifacts under `dir` (`<dir>/<namespace>/<name>`). A
    /// `file:` URI may not name a file there: only `artifact:///<name>` does, from its namespace.
    pub fn with_uploads(mut self, dir: PathBuf) -> Self {
        self.uploads = Some(Uploads::Directory(absolute(dir)));
        self
    }

    /// The same store, keeping uploaded artifacts in `bucket` as objects
    /// `<prefix><namespace>/<sha256>/<name>`, with the local directory `work` for uploads being
    /// received and objects fetched for jobs (no `file:` URI may name a file there), and the
    /// console's database `index`, where each artifact's SHA-256 is recorded.
    pub fn with_bucket(mut self, bucket: s3::Bucket, prefix: &str, work: PathBuf, index: storage::Store) -> Self {
        let uploads = BucketUploads { bucket, prefix: prefix.to_owned(), work: absolute(work), index };
        self.uploads = Some(Uploads::Bucket(std::sync::Arc::new(uploads)));
        self
    }

    /// The same store, downloading `http(s)://` JARs with `downloader` into the cache `dir`.
    pub fn with_downloads(mut self, dir: PathBuf, downloader: Downloader) -> Self {
        self.downloads = Some((absolute(dir), downloader));
        self
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

    /// The directory of a namespace's uploaded artifacts, if the store keeps uploads in a directory.
    pub fn namespace_dir(&self, namespace: &NamespaceName) -> Option<PathBuf> {
        match &self.uploads {
            Some(Uploads::Directory(dir)) => Some(dir.join(namespace.as_str())),
            _ => None,
        }
    }

    fn kept(&self) -> Result<&Uploads, UploadsError> {
        self.uploads.as_ref().ok_or(UploadsError::NotKept)
    }

    /// The directory an upload to `namespace` is received in (created if missing), or why none.
    pub async fn staging_dir(&self, namespace: &NamespaceName) -> Result<PathBuf, UploadsError> {
        let dir = self.kept()?.staging_dir(namespace);
        tokio::fs::create_dir_all(&dir)
            .await
            .map_err(|err| UploadsError::File(format!("{} cannot be created: {err}", dir.display())))?;
        Ok(dir)
    }

    /// Keeps a complete upload where it can be recorded (a bucket gets its object now, before the
    /// namespace is locked); see `uploads::Uploads::stage`.
    pub async fn stage(
        &self,
        namespace: &NamespaceName,
        name: &ArtifactName,
        sha256: &str,
        size: u64,
        temporary: tempfile::TempPath,
    ) -> Result<Staged, UploadsError> {
        self.kept()?.stage(namespace, name, sha256, size, temporary).await
    }

    /// Under the namespace lock: the staged bytes are still there.
    pub async fn confirm(&self, staged: &Staged) -> Result<(), UploadsError> {
        self.kept()?.confirm(staged).await
    }

    /// Under the namespace lock, the upload recorded: its bytes go to their final place.
    pub fn place(&self, namespace: &NamespaceName, name: &ArtifactName, staged: Staged) -> Result<(), UploadsError> {
        self.kept()?.place(namespace, name, staged)
    }

    /// Under the namespace lock: drops staged bytes no recorded artifact names.
    pub async fn discard(&self, staged: Staged) -> Result<(), UploadsError> {
        self.kept()?.discard(staged).await
    }

    /// Under the namespace lock: removes the bytes of `namespace`'s artifact `name` (SHA-256 `sha256`).
    pub async fn remove(
        &self,
        namespace: &NamespaceName,
        name: &ArtifactName,
        sha256: &str,
    ) -> Result<(), UploadsError> {
        self.kept()?.remove(namespace, name, sha256).await
    }

    /// Under the namespace lock, the artifact's bytes replaced: removes the old ones if kept apart.
    pub async fn retire(
        &self,
        namespace: &NamespaceName,
        name: &ArtifactName,
        old_sha256: &str,
    ) -> Result<(), UploadsError> {
        self.kept()?.retire(namespace, name, old_sha256).await
    }

    /// Checks a `jarUri` as a person wrote it, when a deployment is written: an
    /// `artifact:///<name>` (whether the deployment's namespace has it is the caller's to check), a `file:` URI
    /// or an absolute path of an existing regular `.jar` file inside the store, or an `http(s)://`
    /// URL. The error says what is wrong, for the field `jarUri`.
    pub fn check(&self, uri: &str) -> Result<JarLocation, String> {
        let uri = uri.trim();
        if let Some(name) = artifact_of(uri) {
            if self.uploads.is_none() {
                return Err(format!("{uri:?}: this console keeps no uploaded artifacts"));
            }
            return name.map(JarLocation::Uploaded);
        }
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

    /// The local file to upload to Flink for a `jarUri` of a deployment of `namespace`, when a job
    /// starts: the same rules as `check`, again (the file system may have changed since the
    /// deployment was written); an uploaded artifact only from the namespace's own directory; a
    /// URL downloaded now unless the cache has it. A missing `file:` JAR is left for the upload to
    /// report. The error is the reason the job cannot be created.
    pub async fn fetch(&self, namespace: &NamespaceName, uri: &str) -> Result<PathBuf, String> {
        match self.check_at_start(uri)? {
            JarLocation::Stored(path) => Ok(path),
            JarLocation::Uploaded(name) => match &self.uploads {
                Some(Uploads::Bucket(bucket)) => bucket.fetch(namespace, &name).await,
                _ => self.uploaded(namespace, &name),
            },
            JarLocation::Remote(url) => self.downloaded(&url).await,
        }
    }

    /// `check` without requiring a `file:` JAR to exist.
    fn check_at_start(&self, uri: &str) -> Result<JarLocation, String> {
        let trimmed = uri.trim();
        if artifact_of(trimmed).is_some() || trimmed.starts_with("http://") || trimmed.starts_with("https://") {
            return self.check(trimmed).map_err(|why| format!("jarUri {uri:?}: {why}"));
        }
        let path = self.lexical(trimmed).map_err(|why| format!("jarUri {uri:?}: {why}"))?;
        match std::fs::canonicalize(&path) {
            Ok(canonical) => {
                self.inside(&canonical, uri).map_err(|why| format!("jarUri {uri:?}: {why}"))?;
                if !canonical.is_file() {
                    return Err(format!("jarUri {uri:?}: {} is not a file", path.display()));
                }
                Ok(JarLocation::Stored(canonical))
            }
            Err(_) => Ok(JarLocation::Stored(path)),
        }
    }

    /// The file of `namespace`'s artifact `name`: a regular file (not a link) in the namespace's
    /// own directory.
    fn uploaded(&self, namespace: &NamespaceName, name: &ArtifactName) -> Result<PathBuf, String> {
        let dir = self.namespace_dir(namespace).ok_or("this console keeps no uploaded artifacts")?;
        let path = dir.join(name.as_str());
        let missing = || format!("namespace {namespace} has no artifact {name} (was it deleted?); upload it again");
        let metadata = std::fs::symlink_metadata(&path).map_err(|_| missing())?;
        if !metadata.is_file() {
            return Err(format!("the artifact {name} of namespace {namespace} is not a regular file"));
        }
        Ok(path)
    }

    /// The cached download of `url`, downloading it first if the cache lacks it.
    async fn downloaded(&self, url: &str) -> Result<PathBuf, String> {
        let (cache, downloader) = self.downloads.as_ref().ok_or_else(|| {
            format!("jarUri {url:?}: this console does not download JARs; upload the JAR to the namespace's artifacts")
        })?;
        let key = hex::encode(Sha256::digest(url.as_bytes()));
        let dir = cache.join(&key[..32]);
        let path = dir.join(download_file_name(url));
        if tokio::fs::metadata(&path).await.is_ok_and(|m| m.is_file()) {
            return Ok(path);
        }
        tokio::fs::create_dir_all(&dir).await.map_err(|err| {
            format!("jarUri {url:?}: the download cache {} cannot be written: {err}", cache.display())
        })?;
        let downloaded = downloader
            .download(url, &path)
            .await
            .map_err(|err| format!("jarUri {url:?}: downloading it failed: {err}"))?;
        tracing::info!(%url, size = downloaded.size_bytes, sha256 = %downloaded.sha256, "JAR downloaded");
        evict_old_cache_entries(cache, &dir, MAX_CACHED_DOWNLOADS).await;
        Ok(path)
    }

    /// The path a `file:` URI or absolute path names, if it is one of a `.jar` inside a root as
    /// written (no `..`).
    fn lexical(&self, uri: &str) -> Result<PathBuf, String> {
        let raw = uri.strip_prefix("file://").or_else(|| uri.strip_prefix("file:")).unwrap_or(uri);
        let path = Path::new(raw);
        if !path.is_absolute() {
            return Err(format!(
                "{uri:?} is neither artifact:///<name> (an artifact of this namespace), a file: URI of a JAR in the \
                 console's artifact directory, nor an http(s):// URL"
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

    /// Whether `path` may be named by `file:`: inside a root, and not an uploaded artifact's file
    /// (those belong to one namespace and are named `artifact:///<name>` from there).
    fn inside(&self, path: &Path, uri: &str) -> Result<(), String> {
        if self.uploads.as_ref().is_some_and(|uploads| uploads.hides(path)) {
            return Err(format!("{uri:?} is a file of the console's artifact cache, which no deployment may name"));
        }
        let uploads_dir = match &self.uploads {
            Some(Uploads::Directory(dir)) => Some(dir),
            _ => None,
        };
        if let Some(below) = uploads_dir.and_then(|uploads| path.strip_prefix(uploads).ok()) {
            if below.components().count() > 1 {
                return Err(format!(
                    "{uri:?} is a file of the uploaded artifacts; a deployment names its namespace's artifact as \
                     artifact:///<name>"
                ));
            }
        }
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

/// The file name a download is cached as: the URL's last path segment if it is a plain `.jar`
/// name, else `download.jar` (Flink shows it in its list of uploaded JARs).
fn download_file_name(url: &str) -> String {
    let path = url.split(['?', '#']).next().unwrap_or_default();
    let last = path.rsplit('/').next().unwrap_or_default();
    ArtifactName::parse(last).map(String::from).unwrap_or_else(|_| "download.jar".to_owned())
}

/// Keeps a cache directory at `max` entries, the newest ones; never `keep`.
pub(crate) async fn evict_old_cache_entries(cache: &Path, keep: &Path, max: usize) {
    let Ok(mut entries) = tokio::fs::read_dir(cache).await else { return };
    let mut dirs = Vec::new();
    while let Ok(Some(entry)) = entries.next_entry().await {
        let modified = entry.metadata().await.and_then(|m| m.modified()).ok();
        dirs.push((modified, entry.path()));
    }
    if dirs.len() <= max {
        return;
    }
    dirs.sort();
    let excess = dirs.len() - max;
    for (_, dir) in dirs.into_iter().filter(|(_, dir)| dir != keep).take(excess) {
        if let Err(err) = tokio::fs::remove_dir_all(&dir).await {
            tracing::warn!(dir = %dir.display(), error = %err, "an old cache entry cannot be removed");
        }
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
    use domain::{ExecutionMode, JobSpec, NamespaceName};
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

    fn namespace(name: &str) -> NamespaceName {
        NamespaceName::parse(name).expect("a namespace")
    }

    async fn run(job: &JobSpec, store: &ArtifactStore) -> Result<flink::Submission, String> {
        let sql_runner = std::path::Path::new("/jobs/sql.jar");
        submission(job, ExecutionMode::Streaming, &JobId::random(), sql_runner, store, &namespace("default"), &[]).await
    }

    #[tokio::test]
    async fn a_sql_script_runs_with_its_namespaces_catalog_ahead_of_it() {
        let store = ArtifactStore::new([std::path::PathBuf::from("/jobs")]);
        let sql = serde_json::json!({"kind": "SQLSCRIPT", "sqlScript": "INSERT INTO snk SELECT * FROM src"});
        let catalog = [
            "CREATE TABLE `default_catalog`.`default_database`.`src` (\n  `k` INT\n)\nWITH (\n  'connector' = 'kafka'\n)"
                .to_owned(),
            "CREATE VIEW `default_catalog`.`default_database`.`v` AS SELECT 1, 'a,b'".to_owned(),
        ];
        let runner = std::path::Path::new("/jobs/sql.jar");
        let ns = namespace("default");
        let decode = |text: &str| {
            text.split(',')
                .map(|part| {
                    String::from_utf8(base64::engine::general_purpose::STANDARD.decode(part).expect("base64"))
                        .expect("UTF-8")
                })
                .collect::<Vec<String>>()
        };
        let submitted = submission(
            &job(sql.clone(), None),
            ExecutionMode::Streaming,
            &JobId::random(),
            runner,
            &store,
            &ns,
            &catalog,
        )
        .await
        .expect("a submission");
        assert_eq!(submitted.args[2], "--catalog-base64");
        assert_eq!(decode(&submitted.args[3]), catalog, "each statement whole, commas inside kept");
        let started = submission(
            &job(sql.clone(), Some(1_000)),
            ExecutionMode::Streaming,
            &JobId::random(),
            runner,
            &store,
            &ns,
            &catalog,
        )
        .await
        .expect("a submission");
        let replayed = decode(&started.args[3]);
        assert!(replayed[0].contains("'scan.startup.timestamp-millis' = '1000'"), "{}", replayed[0]);
        let alone = submission(&job(sql, None), ExecutionMode::Streaming, &JobId::random(), runner, &store, &ns, &[])
            .await
            .expect("a submission");
        assert_eq!(alone.args.len(), 2, "no catalog, no flag: {:?}", alone.args);
    }

    #[tokio::test]
    async fn a_source_start_time_reaches_the_job_in_its_configuration_and_its_sql_tables() {
        let store = ArtifactStore::new([std::path::PathBuf::from("/jobs")]);
        let jar = serde_json::json!({"kind": "JAR", "jarUri": "file:///jobs/job.jar", "mainArgs": "--rate 5"});
        let submitted = run(&job(jar.clone(), Some(1_767_225_600_000)), &store).await.expect("a submission");
        assert_eq!(
            submitted.flink_configuration.get(CONFIGURATION_KEY).map(String::as_str),
            Some("1767225600000"),
            "the console's entry wins over one the deployment wrote"
        );
        assert_eq!(submitted.args, ["--rate", "5"], "the program's arguments stay as written");
        let without = run(&job(jar, None), &store).await.expect("a submission");
        assert_eq!(without.flink_configuration.get(CONFIGURATION_KEY).map(String::as_str), Some("1"), "as written");

        let script = "CREATE TABLE t (x INT) WITH ('connector' = 'kafka');\nINSERT INTO s SELECT x FROM t;";
        let sql = serde_json::json!({"kind": "SQLSCRIPT", "sqlScript": script});
        let submitted = run(&job(sql.clone(), Some(1_767_225_600_000)), &store).await.expect("a submission");
        let decoded = base64::engine::general_purpose::STANDARD.decode(&submitted.args[1]).expect("base64");
        assert_eq!(
            String::from_utf8(decoded).expect("UTF-8"),
            "CREATE TABLE t (x INT) WITH ('connector' = 'kafka', 'scan.startup.mode' = 'timestamp', \
             'scan.startup.timestamp-millis' = '1767225600000');\nINSERT INTO s SELECT x FROM t;"
        );
        let unchanged = run(&job(sql, None), &store).await.expect("a submission");
        let decoded = base64::engine::general_purpose::STANDARD.decode(&unchanged.args[1]).expect("base64");
        assert_eq!(String::from_utf8(decoded).expect("UTF-8"), script);

        let broken = serde_json::json!({"kind": "SQLSCRIPT", "sqlScript": "SELECT 'open"});
        let refused = run(&job(broken, Some(0)), &store).await;
        assert_eq!(
            refused.map(|_| ()),
            Err("the SQL script cannot be read to set its source start time: the string that starts on line 1 is \
                 never closed"
                .into())
        );
    }

    #[tokio::test]
    async fn only_jars_inside_the_artifact_store_may_be_named() {
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
            "artifact:///job.jar".to_owned(),
        ] {
            assert!(store.check(&hostile).is_err(), "{hostile} must be refused");
        }
        let default = namespace("default");
        assert!(store.fetch(&default, &format!("{root}/link.jar")).await.is_err(), "checked again when a job starts");
        assert!(store.fetch(&default, "/etc/passwd").await.is_err());
        assert_eq!(store.fetch(&default, &format!("{root}/job.jar")).await, Ok(store.roots()[0].join("job.jar")));
        let refused = store.fetch(&default, "https://repo1.maven.org/x.jar").await.expect_err("no downloader");
        assert!(refused.contains("does not download"), "{refused}");
    }

    #[tokio::test]
    async fn a_namespace_runs_its_own_uploads_and_nobody_names_them_by_path() {
        let dir = tempfile::tempdir().expect("a directory");
        let store = ArtifactStore::new([dir.path().to_path_buf()]).with_uploads(dir.path().to_path_buf());
        let (default, other) = (namespace("default"), namespace("other"));
        for ns in [&default, &other] {
            let own = store.namespace_dir(ns).expect("uploads");
            std::fs::create_dir_all(&own).expect("a namespace directory");
        }
        let mine = store.namespace_dir(&default).expect("uploads").join("mine.jar");
        std::fs::write(&mine, b"PK mine").expect("an upload");
        let theirs = store.namespace_dir(&other).expect("uploads").join("theirs.jar");
        std::fs::write(&theirs, b"PK theirs").expect("an upload");
        std::os::unix::fs::symlink(&theirs, store.namespace_dir(&default).expect("uploads").join("link.jar"))
            .expect("a link");
        std::fs::write(dir.path().join("top.jar"), b"PK").expect("an operator's jar");

        assert_eq!(store.fetch(&default, "artifact:///mine.jar").await, Ok(mine.clone()));
        let err = store.fetch(&default, "artifact:///theirs.jar").await.expect_err("another namespace's");
        assert!(err.contains("namespace default has no artifact theirs.jar"), "{err}");
        assert!(store.fetch(&default, "artifact:///link.jar").await.is_err(), "a link is no artifact");
        assert!(store.fetch(&default, "artifact:///../other/theirs.jar").await.is_err());
        for by_path in [theirs.display().to_string(), format!("file://{}", mine.display())] {
            let refused = store.check(&by_path).expect_err("an upload by path");
            assert!(refused.contains("artifact:///<name>"), "{refused}");
            assert!(store.fetch(&other, &by_path).await.is_err(), "{by_path} at start");
        }
        assert!(store.check(&format!("{}/top.jar", store.roots()[0].display())).is_ok(), "top-level JARs stay");
    }

    #[tokio::test]
    async fn a_url_is_downloaded_once_and_a_silent_server_fails_the_start_quickly() {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};

        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a port");
        let base = format!("http://{}", listener.local_addr().expect("an address"));
        let served = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let counter = served.clone();
        tokio::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                let counter = counter.clone();
                tokio::spawn(async move {
                    let mut request = vec![0u8; 2048];
                    let read = stream.read(&mut request).await.unwrap_or(0);
                    if String::from_utf8_lossy(&request[..read]).starts_with("GET /job.jar ") {
                        counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                        let answer = "HTTP/1.1 200 OK\r\nContent-Length: 7\r\nConnection: close\r\n\r\nPK job!";
                        let _ = stream.write_all(answer.as_bytes()).await;
                    }
                    // Anything else is never answered.
                    let _ = stream.read(&mut [0u8; 1]).await;
                });
            }
        });
        let settings = domain::NetworkSettings { allowed_session_cluster_hosts: vec!["127.0.0.1".into()] };
        let policy = flink::network::NetworkPolicy::new(domain::network::AllowedHosts::parse(&settings).expect("ok"));
        let limits = flink::download::DownloadLimits {
            connect: std::time::Duration::from_millis(300),
            total: std::time::Duration::from_millis(500),
            max_bytes: 1024,
        };
        let downloader = flink::download::Downloader::new(policy, limits).expect("a downloader");
        let dir = tempfile::tempdir().expect("a directory");
        let store = ArtifactStore::new([]).with_downloads(dir.path().join("downloads"), downloader);

        let jar = serde_json::json!({"kind": "JAR", "jarUri": format!("{base}/job.jar")});
        let submitted = run(&job(jar.clone(), None), &store).await.expect("downloaded");
        assert_eq!(std::fs::read(&submitted.jar).expect("the download"), b"PK job!");
        assert_eq!(submitted.jar.file_name().and_then(|n| n.to_str()), Some("job.jar"));
        run(&job(jar, None), &store).await.expect("from the cache");
        assert_eq!(served.load(std::sync::atomic::Ordering::SeqCst), 1, "downloaded once");

        let started = std::time::Instant::now();
        let silent = serde_json::json!({"kind": "JAR", "jarUri": format!("{base}/silent.jar")});
        let failed = run(&job(silent, None), &store).await.expect_err("never answered");
        assert!(started.elapsed() < std::time::Duration::from_secs(3), "{:?}", started.elapsed());
        assert!(failed.contains("silent.jar") && failed.contains("did not finish within 0.5 s"), "{failed}");
        let metadata = serde_json::json!({"kind": "JAR", "jarUri": "http://169.254.169.254/latest/x.jar"});
        let refused = run(&job(metadata, None), &store).await.expect_err("inside the console's network");
        assert!(refused.contains("link-local"), "{refused}");
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
