//! A namespace's artifacts: JARs its editors upload, kept as `<uploads>/<namespace>/<name>` or as
//! objects of an S3-compatible bucket (`engine::uploads`), listed with their size, SHA-256 and
//! uploader, and run by the namespace's deployments as `artifact:///<name>`. Callers authorise
//! first (`Services::require`). An upload is streamed to a temporary file (never held in memory
//! whole) and only takes an artifact's name once it is complete, within the size limit, stored
//! (a bucket's object is put before the namespace is locked), and recorded with its audit line.
//! An artifact a deployment names is never replaced or deleted.

use domain::artifact::artifact_of;
use domain::{ArtifactName, Deployment, ListPage, NamespaceName, PageRequest, UploadedArtifact};
use serde_json::json;
use sha2::{Digest, Sha256};
use storage::{now_rfc3339, Tx};
use tokio::io::AsyncWriteExt;

use crate::access::{audit_entry, commit_audited};
use crate::reads::{list_page, store_page};
use crate::{Caller, ServiceError, Services};

/// The largest artifact the console accepts unless configured otherwise (`--max-artifact-bytes`).
pub const DEFAULT_MAX_ARTIFACT_BYTES: u64 = 256 * 1024 * 1024;

/// Every JAR (a zip file) starts with these bytes.
const ZIP_MAGIC: &[u8] = b"PK\x03\x04";

/// An upload under way: its bytes go to a temporary file in the namespace's directory, counted and
/// hashed as they come. Dropped unfinished, the file goes with it.
pub struct ArtifactUpload {
    namespace: NamespaceName,
    name: ArtifactName,
    file: tokio::fs::File,
    temporary: tempfile::TempPath,
    size: u64,
    max: u64,
    hasher: Sha256,
    /// The first bytes, to tell a JAR from anything else.
    head: Vec<u8>,
}

impl ArtifactUpload {
    /// The artifact's name.
    pub fn name(&self) -> &ArtifactName {
        &self.name
    }

    /// Appends `chunk`; more bytes than the limit in all is **413** (and the upload is over).
    pub async fn write(&mut self, chunk: &[u8]) -> Result<(), ServiceError> {
        self.size += chunk.len() as u64;
        if self.size > self.max {
            return Err(too_large(self.max));
        }
        if self.head.len() < ZIP_MAGIC.len() {
            let wanted = ZIP_MAGIC.len() - self.head.len();
            self.head.extend_from_slice(&chunk[..wanted.min(chunk.len())]);
        }
        self.hasher.update(chunk);
        self.file.write_all(chunk).await.map_err(|err| storage_failed("writing an upload", &err))
    }
}

/// What an upload did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UploadOutcome {
    /// A new artifact.
    Created(UploadedArtifact),
    /// The artifact had these very bytes already: nothing changed.
    Unchanged(UploadedArtifact),
    /// The artifact's bytes were replaced, as asked (`overwrite`).
    Replaced(UploadedArtifact),
}

impl UploadOutcome {
    /// The artifact as it is now.
    pub fn artifact(&self) -> &UploadedArtifact {
        match self {
            Self::Created(artifact) | Self::Unchanged(artifact) | Self::Replaced(artifact) => artifact,
        }
    }
}

/// The refusal of an upload over `max` bytes.
pub fn too_large(max: u64) -> ServiceError {
    ServiceError::PayloadTooLarge(format!(
        "file: an artifact may have at most {max} bytes ({}); nothing was stored",
        human_bytes(max)
    ))
}

/// `n` bytes in the largest binary unit that keeps a whole number (`256 MiB`), for messages.
pub fn human_bytes(n: u64) -> String {
    for (unit, size) in [("GiB", 1u64 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)] {
        if n >= size && n.is_multiple_of(size) {
            return format!("{} {unit}", n / size);
        }
    }
    format!("{n} bytes")
}

fn storage_failed(what: &str, err: &dyn std::fmt::Display) -> ServiceError {
    tracing::error!(error = %err, "{what} failed");
    ServiceError::Internal
}

/// The error for a failure of the artifact storage while `what` (`storing job.jar`): the bucket's
/// refusals and outages name the object and answer 503; a local file's failure is logged.
fn uploads_failed(what: &str, err: engine::artifact::UploadsError) -> ServiceError {
    use engine::artifact::UploadsError::*;
    match err {
        NotKept => ServiceError::Conflict("this console keeps no uploaded artifacts".into()),
        Vanished(why) => ServiceError::Conflict(why),
        Bucket { .. } => {
            tracing::error!(error = %err, "{what} failed");
            ServiceError::Unavailable(format!("{what} failed: {err}; nothing was changed"))
        }
        File(_) => storage_failed(what, &err),
    }
}

/// The parsed name of an artifact, or 400 naming `field`.
pub fn parse_artifact_name(field: &str, raw: &str) -> Result<ArtifactName, ServiceError> {
    ArtifactName::parse(raw).map_err(|why| ServiceError::BadRequest(format!("{field}: {raw:?} {why}")))
}

/// The names of `deployments` whose JAR is `name`.
fn users_of(deployments: &[Deployment], name: &ArtifactName) -> Vec<String> {
    deployments
        .iter()
        .filter(|d| {
            let uri = d.spec.template.spec.artifact.as_ref().and_then(|a| a.jar_uri.as_deref());
            uri.and_then(artifact_of).is_some_and(|named| named.as_ref() == Ok(name))
        })
        .map(|d| d.metadata.name.clone())
        .collect()
}

/// Why an upload of `artifact` may not take the name of `existing` (other bytes): without
/// `overwrite`, or while deployments (`users`, when known) name it.
fn refuse_upload(
    existing: &UploadedArtifact,
    artifact: &UploadedArtifact,
    overwrite: bool,
    users: Option<&[String]>,
) -> Result<(), ServiceError> {
    let (name, namespace) = (&artifact.name, &artifact.namespace);
    if existing.sha256 == artifact.sha256 {
        return Ok(());
    }
    if !overwrite {
        return Err(ServiceError::Conflict(format!(
            "artifact {name} already exists in namespace {namespace} with other bytes (sha256 {}); upload it under \
             another name, or replace it with overwrite=true",
            existing.sha256
        )));
    }
    match users {
        Some(users) if !users.is_empty() => Err(ServiceError::Conflict(format!(
            "artifact {name} is used by deployment(s) {}; upload the new JAR under another name and point them at it",
            users.join(", ")
        ))),
        _ => Ok(()),
    }
}

impl Services {
    /// The largest artifact an upload may have, in bytes.
    pub fn max_artifact_bytes(&self) -> u64 {
        self.max_artifact_bytes
    }

    /// The same services, accepting artifacts of at most `max` bytes.
    pub fn with_max_artifact_bytes(mut self, max: u64) -> Self {
        self.max_artifact_bytes = max;
        self
    }

    /// A page of the namespace's artifacts, by name.
    pub async fn artifacts(
        &self,
        namespace: &NamespaceName,
        request: &PageRequest,
    ) -> Result<ListPage<UploadedArtifact>, ServiceError> {
        Ok(list_page(self.store.list_artifacts(namespace, &store_page(request)?).await?))
    }

    /// The namespace's artifact called `name`, or NotFound.
    pub async fn artifact(&self, namespace: &NamespaceName, name: &str) -> Result<UploadedArtifact, ServiceError> {
        let name = parse_artifact_name("name", name)?;
        let found = self.store.artifact(namespace, &name).await?;
        found.ok_or_else(|| ServiceError::NotFound(format!("artifact {name} in namespace {namespace}")))
    }

    /// The bytes of the namespace's artifact `name`, to hand back as they were uploaded: its record
    /// and an open file holding exactly the recorded bytes (from the namespace's directory, or
    /// fetched from the bucket and checked against the recorded SHA-256). NotFound for no such
    /// artifact; 503 with the reason when the storage cannot give them (an artifact replaced while
    /// it was being opened is one: asking again gets the new bytes).
    pub async fn open_artifact(
        &self,
        namespace: &NamespaceName,
        name: &str,
    ) -> Result<(UploadedArtifact, tokio::fs::File), ServiceError> {
        let recorded = self.artifact(namespace, name).await?;
        let path = self.artifacts.fetch(namespace, &recorded.name.uri()).await.map_err(ServiceError::Unavailable)?;
        let gone = || ServiceError::NotFound(format!("artifact {} in namespace {namespace}", recorded.name));
        let file = tokio::fs::File::open(&path).await.map_err(|_| gone())?;
        let size = file.metadata().await.map_err(|err| storage_failed("reading an artifact", &err))?.len();
        // The file stays the bytes it was when opened; the record must still describe them.
        let now = self.artifact(namespace, name).await.map_err(|_| gone())?;
        if now.sha256 != recorded.sha256 || size != now.size_bytes {
            return Err(ServiceError::Unavailable(format!(
                "artifact {} was replaced while it was being read; ask again for the new bytes",
                recorded.name
            )));
        }
        Ok((now, file))
    }

    /// Starts an upload of the artifact `name` (a plain file name ending in `.jar`) to the
    /// namespace: its bytes follow through `ArtifactUpload::write`, then `finish_artifact_upload`.
    pub async fn begin_artifact_upload(
        &self,
        namespace: &NamespaceName,
        name: &str,
    ) -> Result<ArtifactUpload, ServiceError> {
        let name = parse_artifact_name("file", name)?;
        if !self.store.namespace_exists(namespace).await? {
            return Err(ServiceError::NotFound(format!("namespace {namespace}")));
        }
        let dir =
            self.artifacts.staging_dir(namespace).await.map_err(|err| uploads_failed("receiving an upload", err))?;
        let temporary = tempfile::Builder::new()
            .prefix(".upload-")
            .tempfile_in(&dir)
            .map_err(|err| storage_failed("creating an upload's file", &err))?;
        let (file, temporary) = temporary.into_parts();
        Ok(ArtifactUpload {
            namespace: namespace.clone(),
            name,
            file: tokio::fs::File::from_std(file),
            temporary,
            size: 0,
            max: self.max_artifact_bytes,
            hasher: Sha256::new(),
            head: Vec::new(),
        })
    }

    /// Makes a complete upload the namespace's artifact, with its audit line. The same name with
    /// the same bytes changes nothing; with other bytes it is a conflict unless `overwrite` — and
    /// even then while a deployment of the namespace names it.
    pub async fn finish_artifact_upload(
        &self,
        caller: &Caller,
        upload: ArtifactUpload,
        overwrite: bool,
    ) -> Result<UploadOutcome, ServiceError> {
        let ArtifactUpload { namespace, name, mut file, temporary, size, hasher, head, .. } = upload;
        if size == 0 {
            return Err(ServiceError::BadRequest(format!("file: {name} is empty; nothing was stored")));
        }
        if head != ZIP_MAGIC {
            return Err(ServiceError::BadRequest(format!(
                "file: {name} is not a JAR (a JAR is a zip file, starting with PK); nothing was stored"
            )));
        }
        file.flush().await.map_err(|err| storage_failed("writing an upload", &err))?;
        file.sync_all().await.map_err(|err| storage_failed("writing an upload", &err))?;
        drop(file);
        let sha256 = hex::encode(hasher.finalize());
        let artifact = UploadedArtifact {
            namespace: namespace.as_str().to_owned(),
            uri: name.uri(),
            name: name.clone(),
            size_bytes: size,
            sha256,
            uploaded_by: caller.actor(),
            created_at: now_rfc3339(),
        };
        // Answered before the bytes are stored (a bucket's put may take long); decided again below
        // with the namespace locked.
        if let Some(existing) = self.store.artifact(&namespace, &name).await? {
            refuse_upload(&existing, &artifact, overwrite, None)?;
            if existing.sha256 == artifact.sha256 {
                return Ok(UploadOutcome::Unchanged(existing));
            }
        }
        let staged = self
            .artifacts
            .stage(&namespace, &name, &artifact.sha256, size, temporary)
            .await
            .map_err(|err| uploads_failed(&format!("storing {name}"), err))?;
        let mut tx = self.store.begin().await?;
        if !tx.lock_namespace(&namespace).await? {
            self.discard(staged).await;
            return Err(ServiceError::NotFound(format!("namespace {namespace}")));
        }
        let before = tx.artifact(&namespace, &name).await?;
        if let Some(existing) = &before {
            if existing.sha256 == artifact.sha256 {
                // The same bytes, the same place: the staged copy is the recorded one's.
                return Ok(UploadOutcome::Unchanged(existing.clone()));
            }
            let users = users_of(&tx.all_deployments_of_namespace(&namespace).await?, &name);
            if let Err(refused) = refuse_upload(existing, &artifact, overwrite, Some(&users)) {
                self.discard(staged).await;
                return Err(refused);
            }
        }
        if let Err(err) = self.artifacts.confirm(&staged).await {
            return Err(uploads_failed(&format!("storing {name}"), err));
        }
        tx.put_artifact(&artifact).await?;
        self.artifacts.place(&namespace, &name, staged).map_err(|err| uploads_failed("storing an upload", err))?;
        if let Some(existing) = &before {
            if let Err(err) = self.artifacts.retire(&namespace, &name, &existing.sha256).await {
                tracing::warn!(%namespace, %name, error = %err, "the replaced artifact's old bytes stay");
            }
        }
        let facts = |a: &UploadedArtifact| json!({"sizeBytes": a.size_bytes, "sha256": a.sha256});
        let action = if before.is_some() { "replace" } else { "upload" };
        let entry = audit_entry(
            caller,
            Some(&namespace),
            action,
            ("Artifact", name.as_str()),
            before.as_ref().map(facts),
            Some(facts(&artifact)),
        );
        if let Err(err) = commit_audited(tx, entry).await {
            if before.is_none() {
                if let Err(err) = self.artifacts.remove(&namespace, &name, &artifact.sha256).await {
                    tracing::warn!(%namespace, %name, error = %err, "an unrecorded upload's bytes stay");
                }
            }
            return Err(err);
        }
        tracing::info!(%namespace, %name, size, sha256 = %artifact.sha256, "artifact {action}ed");
        Ok(if before.is_some() { UploadOutcome::Replaced(artifact) } else { UploadOutcome::Created(artifact) })
    }

    /// Drops staged bytes of a refused upload (logged if that fails: the object stays unnamed).
    async fn discard(&self, staged: engine::artifact::Staged) {
        if let Err(err) = self.artifacts.discard(staged).await {
            tracing::warn!(error = %err, "a refused upload's bytes stay");
        }
    }

    /// Deletes an artifact no deployment of the namespace names (409 naming them otherwise).
    pub async fn delete_artifact(
        &self,
        caller: &Caller,
        namespace: &NamespaceName,
        name: &str,
    ) -> Result<UploadedArtifact, ServiceError> {
        let name = parse_artifact_name("name", name)?;
        let mut tx = self.store.begin().await?;
        if !tx.lock_namespace(namespace).await? {
            return Err(ServiceError::NotFound(format!("namespace {namespace}")));
        }
        let existing = tx
            .artifact(namespace, &name)
            .await?
            .ok_or_else(|| ServiceError::NotFound(format!("artifact {name} in namespace {namespace}")))?;
        let users = users_of(&tx.all_deployments_of_namespace(namespace).await?, &name);
        if !users.is_empty() {
            return Err(ServiceError::Conflict(format!(
                "artifact {name} is used by deployment(s) {}; point them at another JAR or delete them first",
                users.join(", ")
            )));
        }
        tx.delete_artifact(namespace, &name).await?;
        // Removed with the namespace locked, so that no upload of the same bytes slips in between;
        // if this fails, nothing is deleted.
        self.artifacts
            .remove(namespace, &name, &existing.sha256)
            .await
            .map_err(|err| uploads_failed(&format!("deleting {name}"), err))?;
        let before = json!({"sizeBytes": existing.size_bytes, "sha256": existing.sha256});
        commit_audited(
            tx,
            audit_entry(caller, Some(namespace), "delete", ("Artifact", name.as_str()), Some(before), None),
        )
        .await?;
        tracing::info!(%namespace, %name, "artifact deleted");
        Ok(existing)
    }

    /// Within a deployment write's transaction: a `jarUri` naming an artifact (new, or changed
    /// from `before`) must name one the namespace has — checked with the namespace locked, so a
    /// concurrent delete cannot slip between.
    pub(crate) async fn check_artifact_in(
        &self,
        tx: &mut Tx,
        namespace: &NamespaceName,
        jar_uri: Option<&str>,
        before: Option<&str>,
    ) -> Result<(), ServiceError> {
        let Some(Ok(name)) = jar_uri.and_then(artifact_of) else { return Ok(()) };
        if before.map(str::trim) == jar_uri.map(str::trim) {
            return Ok(());
        }
        tx.lock_namespace(namespace).await?;
        if tx.artifact(namespace, &name).await?.is_none() {
            return Err(domain::InvalidInput::one(
                "spec.template.spec.artifact.jarUri",
                format!(
                    "namespace {namespace} has no artifact {name}; upload it first (Artifacts page, or POST \
                     /api/v1/namespaces/{namespace}/artifacts)"
                ),
            )
            .into());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::human_bytes;

    #[test]
    fn sizes_read_as_people_write_them() {
        assert_eq!(human_bytes(256 * 1024 * 1024), "256 MiB");
        assert_eq!(human_bytes(2048), "2 KiB");
        assert_eq!(human_bytes(1000), "1000 bytes");
        assert_eq!(human_bytes(1 << 30), "1 GiB");
    }
}
