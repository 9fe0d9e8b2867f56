//! Where the bytes of a namespace's uploaded artifacts are kept: a directory
//! (`<dir>/<namespace>/<name>`, the default) or an S3-compatible bucket (objects
//! `<prefix><namespace>/<sha256>/<name>`, fetched into a local cache when a job starts). It never
//! overwrites or deletes bytes a recorded artifact may name, and never hands out a fetched object
//! whose SHA-256 is not the one recorded.
//!
//! Why the bucket's keys carry the SHA-256: an object is put before the artifact's row is written
//! (a put can take minutes; the namespace lock — on SQLite the database's write lock — must not be
//! held that long), so a new upload must never land on a key a recorded artifact names. Objects are
//! deleted only under the namespace lock, and an upload checks its object is still there under the
//! same lock before it records it.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use domain::{ArtifactName, NamespaceName};
use sha2::{Digest, Sha256};

/// Why the artifact storage failed.
#[derive(Debug, thiserror::Error)]
pub enum UploadsError {
    /// The console was started without a place for uploads.
    #[error("this console keeps no uploaded artifacts")]
    NotKept,
    /// The bucket refused or could not be reached.
    #[error("the artifact bucket at {endpoint}: {source}")]
    Bucket {
        /// The server's base URL.
        endpoint: String,
        /// What failed, for which object.
        #[source]
        source: Box<s3::S3Error>,
    },
    /// A local file could not be written, moved or removed.
    #[error("{0}")]
    File(String),
    /// The staged object is gone (deleted by a concurrent delete of the same bytes).
    #[error("{0}")]
    Vanished(String),
}

/// Where the bytes are kept.
#[derive(Clone)]
pub(crate) enum Uploads {
    /// `<dir>/<namespace>/<name>`.
    Directory(PathBuf),
    /// Objects of a bucket.
    Bucket(Arc<BucketUploads>),
}

/// The bucket, the prefix of its keys, the local work directory (uploads being received in
/// `staging/`, objects fetched for jobs in `cache/`), and the console's database, where each
/// artifact's SHA-256 — and so its key — is recorded.
pub(crate) struct BucketUploads {
    pub(crate) bucket: s3::Bucket,
    pub(crate) prefix: String,
    pub(crate) work: PathBuf,
    pub(crate) index: storage::Store,
}

impl std::fmt::Debug for Uploads {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Directory(dir) => f.debug_tuple("Directory").field(dir).finish(),
            Self::Bucket(b) => f
                .debug_struct("Bucket")
                .field("bucket", &b.bucket)
                .field("prefix", &b.prefix)
                .field("work", &b.work)
                .finish(),
        }
    }
}

/// A complete upload whose bytes are kept where they can be recorded: a temporary file beside its
/// final place, or an object already in the bucket.
#[derive(Debug)]
pub struct Staged {
    sha256: String,
    place: StagedPlace,
}

#[derive(Debug)]
enum StagedPlace {
    File(tempfile::TempPath),
    Object { key: String },
}

impl Staged {
    /// The SHA-256 of the staged bytes.
    pub fn sha256(&self) -> &str {
        &self.sha256
    }
}

/// The key of an artifact's object: `<prefix><namespace>/<sha256>/<name>`.
pub fn object_key(prefix: &str, namespace: &NamespaceName, name: &ArtifactName, sha256: &str) -> String {
    format!("{prefix}{namespace}/{sha256}/{name}")
}

/// The most objects kept in the local cache; beyond it the least recently fetched go.
pub(crate) const MAX_CACHED_OBJECTS: usize = 64;

impl Uploads {
    fn bucket_error(bucket: &s3::Bucket, source: s3::S3Error) -> UploadsError {
        UploadsError::Bucket { endpoint: bucket.endpoint().to_owned(), source: Box::new(source) }
    }

    /// Where an upload's bytes are written as they arrive: the namespace's directory (so keeping
    /// them is a rename), or the bucket's local staging directory.
    pub(crate) fn staging_dir(&self, namespace: &NamespaceName) -> PathBuf {
        match self {
            Self::Directory(dir) => dir.join(namespace.as_str()),
            Self::Bucket(b) => b.work.join("staging"),
        }
    }

    /// Keeps a complete upload (`size` bytes of SHA-256 `sha256` in `temporary`) where it can be
    /// recorded: the bucket gets its object now; a directory keeps the temporary file until `place`.
    pub(crate) async fn stage(
        &self,
        namespace: &NamespaceName,
        name: &ArtifactName,
        sha256: &str,
        size: u64,
        temporary: tempfile::TempPath,
    ) -> Result<Staged, UploadsError> {
        match self {
            Self::Directory(_) => Ok(Staged { sha256: sha256.to_owned(), place: StagedPlace::File(temporary) }),
            Self::Bucket(b) => {
                let key = object_key(&b.prefix, namespace, name, sha256);
                b.bucket
                    .put_file(&key, &temporary, size, sha256)
                    .await
                    .map_err(|e| Self::bucket_error(&b.bucket, e))?;
                Ok(Staged { sha256: sha256.to_owned(), place: StagedPlace::Object { key } })
            }
        }
    }

    /// Under the namespace lock, before the upload is recorded: its bytes are still where they
    /// were staged.
    pub(crate) async fn confirm(&self, staged: &Staged) -> Result<(), UploadsError> {
        let (Self::Bucket(b), StagedPlace::Object { key }) = (self, &staged.place) else { return Ok(()) };
        match b.bucket.head(key).await.map_err(|e| Self::bucket_error(&b.bucket, e))? {
            Some(_) => Ok(()),
            None => Err(UploadsError::Vanished(format!(
                "the uploaded bytes were deleted from s3://{}/{key} while they were recorded (the same artifact was \
                 deleted at that moment); upload it again",
                b.bucket.name()
            ))),
        }
    }

    /// Under the namespace lock, with the upload recorded: puts staged bytes in their final place
    /// (a directory's file is replaced by a rename; a bucket's object is in place already).
    pub(crate) fn place(
        &self,
        namespace: &NamespaceName,
        name: &ArtifactName,
        staged: Staged,
    ) -> Result<(), UploadsError> {
        match (self, staged.place) {
            (Self::Directory(dir), StagedPlace::File(temporary)) => {
                let path = dir.join(namespace.as_str()).join(name.as_str());
                temporary
                    .persist(&path)
                    .map(drop)
                    .map_err(|err| UploadsError::File(format!("{} cannot be written: {err}", path.display())))
            }
            _ => Ok(()),
        }
    }

    /// Under the namespace lock: drops staged bytes no recorded artifact names (a refused upload).
    pub(crate) async fn discard(&self, staged: Staged) -> Result<(), UploadsError> {
        match (self, staged.place) {
            (Self::Bucket(b), StagedPlace::Object { key }) => {
                b.bucket.delete(&key).await.map_err(|e| Self::bucket_error(&b.bucket, e))
            }
            // A temporary file goes when dropped.
            _ => Ok(()),
        }
    }

    /// Under the namespace lock: removes the bytes of the artifact `name` with SHA-256 `sha256`
    /// (deleted, or its upload failed to commit). Bytes already gone are removed too.
    pub(crate) async fn remove(
        &self,
        namespace: &NamespaceName,
        name: &ArtifactName,
        sha256: &str,
    ) -> Result<(), UploadsError> {
        match self {
            Self::Directory(dir) => {
                let path = dir.join(namespace.as_str()).join(name.as_str());
                match tokio::fs::remove_file(&path).await {
                    Ok(()) => Ok(()),
                    Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(()),
                    Err(err) => Err(UploadsError::File(format!("{} cannot be removed: {err}", path.display()))),
                }
            }
            Self::Bucket(b) => {
                let key = object_key(&b.prefix, namespace, name, sha256);
                b.bucket.delete(&key).await.map_err(|e| Self::bucket_error(&b.bucket, e))
            }
        }
    }

    /// Under the namespace lock, once an artifact's bytes were replaced: removes the old bytes if
    /// they are kept apart (a bucket's old object; a directory's file was replaced in place).
    pub(crate) async fn retire(
        &self,
        namespace: &NamespaceName,
        name: &ArtifactName,
        old_sha256: &str,
    ) -> Result<(), UploadsError> {
        match self {
            Self::Directory(_) => Ok(()),
            Self::Bucket(_) => self.remove(namespace, name, old_sha256).await,
        }
    }

    /// Whether `path` lies where `file:` URIs must never reach: below the bucket's work directory.
    pub(crate) fn hides(&self, path: &Path) -> bool {
        match self {
            Self::Directory(_) => false,
            Self::Bucket(b) => path.starts_with(&b.work),
        }
    }
}

impl BucketUploads {
    /// The local copy of `namespace`'s artifact `name` to upload to Flink: from the cache, or
    /// fetched from the bucket now and checked against the SHA-256 recorded at upload.
    pub(crate) async fn fetch(&self, namespace: &NamespaceName, name: &ArtifactName) -> Result<PathBuf, String> {
        let recorded = match self.index.artifact(namespace, name).await {
            Ok(Some(artifact)) => artifact,
            Ok(None) => {
                return Err(format!("namespace {namespace} has no artifact {name} (was it deleted?); upload it again"))
            }
            Err(err) => {
                tracing::error!(%namespace, %name, error = %err, "looking up an artifact failed");
                return Err(format!(
                    "the artifact {name} of namespace {namespace} cannot be looked up (the console's database failed; \
                     its log says why)"
                ));
            }
        };
        let key = object_key(&self.prefix, namespace, name, &recorded.sha256);
        let cache = self.work.join("cache");
        let dir = cache.join(&hex::encode(Sha256::digest(key.as_bytes()))[..32]);
        let path = dir.join(name.as_str());
        if tokio::fs::metadata(&path).await.is_ok_and(|m| m.is_file()) {
            return Ok(path);
        }
        let cache_failed =
            |err: std::io::Error| format!("the artifact cache {} cannot be written: {err}", cache.display());
        tokio::fs::create_dir_all(&dir).await.map_err(cache_failed)?;
        let partial = dir.join(format!(".part-{}", uuid::Uuid::new_v4().simple()));
        let fetched = self.bucket.get_to_file(&key, &partial, recorded.size_bytes).await;
        let checked = match fetched {
            Ok(received) if received.sha256 == recorded.sha256 => Ok(()),
            Ok(received) => Err(format!(
                "s3://{}/{key} does not hold the bytes recorded for the artifact {name} (SHA-256 {} expected, {} \
                 found); upload it again",
                self.bucket.name(),
                recorded.sha256,
                received.sha256
            )),
            Err(err) if err.reason.code() == Some("NoSuchKey") => Err(format!(
                "namespace {namespace} has the artifact {name}, but the artifact bucket has no object s3://{}/{key}; \
                 upload it again",
                self.bucket.name()
            )),
            Err(err) => Err(format!("the artifact {name} cannot be fetched from the artifact bucket: {err}")),
        };
        if let Err(why) = checked {
            let _ = tokio::fs::remove_file(&partial).await;
            return Err(why);
        }
        tokio::fs::rename(&partial, &path).await.map_err(cache_failed)?;
        tracing::info!(%namespace, %name, %key, "artifact fetched from the bucket");
        crate::artifact::evict_old_cache_entries(&cache, &dir, MAX_CACHED_OBJECTS).await;
        Ok(path)
    }
}

#[cfg(test)]
mod tests {
    use super::object_key;

    #[test]
    fn an_objects_key_is_the_prefix_the_namespace_the_hash_and_the_name() {
        let namespace = domain::NamespaceName::parse("team-a").expect("a namespace");
        let name = domain::ArtifactName::parse("job 1.jar").expect("a name");
        assert_eq!(object_key("console/", &namespace, &name, "ab12"), "console/team-a/ab12/job 1.jar");
        assert_eq!(object_key("", &namespace, &name, "ab12"), "team-a/ab12/job 1.jar");
    }
}
