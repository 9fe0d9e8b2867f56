//! Access-key pairs of API tokens, for clients that sign requests the way Alibaba Cloud's SDKs do
//! (ACS3-HMAC-SHA256): issuing one (owners), and identifying the token behind a signed request.
//!
//! The AccessKey Secret is never stored. It is derived from the AccessKey ID with an HMAC under the
//! console's master key (`AccessKeyMaster`, a file of the data directory, never in the database):
//! the console derives it once to show it, and again for every signed request to verify it. So a
//! copy of the database reveals no secret; the master key file reveals all of them (see
//! `docs/security.md`). A key lives exactly as long as its token: a revoked or expired token's key
//! is refused at once.

use std::path::Path;
use std::sync::Arc;

use argon2::password_hash::rand_core::{OsRng, RngCore};
use domain::{ApiToken, NamespaceName};
use hmac::{Hmac, Mac};
use serde_json::json;
use sha2::Sha256;
use storage::now_rfc3339;

use crate::access::audit_entry;
use crate::access_cache::{AccessChange, Credential};
use crate::auth::{expired, Caller, Secret};
use crate::{ServiceError, Services};

/// What an AccessKey ID of this console starts with (then 24 upper-case hexadecimal digits).
pub const ACCESS_KEY_ID_PREFIX: &str = "FCAK";

/// The domain separator of the derivation: a secret derived for anything else never equals one.
const DERIVATION: &[u8] = b"flink-console access key secret v1\0";

/// The key every AccessKey Secret is derived from. Not `Debug` beyond its name, not `Serialize`.
#[derive(Clone)]
pub struct AccessKeyMaster(Arc<[u8; 32]>);

impl std::fmt::Debug for AccessKeyMaster {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AccessKeyMaster(<redacted>)")
    }
}

impl AccessKeyMaster {
    /// A master key for this process only: keys it issues stop working when the process ends.
    /// For tests, and for services built without a data directory.
    pub fn ephemeral() -> Self {
        let mut bytes = [0u8; 32];
        OsRng.fill_bytes(&mut bytes);
        Self(Arc::new(bytes))
    }

    /// The master key kept in `path` (64 hexadecimal digits), made on first start (readable by the
    /// console's user only). A file that is there but unreadable stops the start: making a new key
    /// would silently end every access key issued.
    pub fn load_or_create(path: &Path) -> Result<Self, String> {
        match std::fs::read_to_string(path) {
            Ok(text) => {
                let bytes = hex::decode(text.trim()).ok().and_then(|bytes| <[u8; 32]>::try_from(bytes).ok());
                bytes.map(|bytes| Self(Arc::new(bytes))).ok_or_else(|| {
                    format!("{} is not an access-key master key (64 hexadecimal digits)", path.display())
                })
            }
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
                let master = Self::ephemeral();
                write_private(path, &hex::encode(*master.0))
                    .map_err(|err| format!("cannot write the access-key master key {}: {err}", path.display()))?;
                tracing::info!(path = %path.display(), "made the access-key master key");
                Ok(master)
            }
            Err(err) => Err(format!("cannot read the access-key master key {}: {err}", path.display())),
        }
    }

    /// The AccessKey Secret of `access_key_id`.
    fn secret_of(&self, access_key_id: &str) -> Secret {
        // HMAC takes a key of any length: `new_from_slice` cannot fail for 32 bytes.
        let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(self.0.as_slice()) else {
            unreachable!("HMAC-SHA256 accepts keys of every length")
        };
        mac.update(DERIVATION);
        mac.update(access_key_id.as_bytes());
        Secret::from_derived(hex::encode(mac.finalize().into_bytes()))
    }
}

/// Writes `text` to a new file only the console's user may read.
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    file.write_all(text.as_bytes())?;
    file.sync_all()
}

/// The access keys' master and the nonces their requests were signed with.
#[derive(Clone, Debug)]
pub(crate) struct AccessKeys {
    pub(crate) master: AccessKeyMaster,
    pub(crate) nonces: Arc<acs3::Nonces>,
}

impl Default for AccessKeys {
    fn default() -> Self {
        Self { master: AccessKeyMaster::ephemeral(), nonces: Arc::new(acs3::Nonces::default()) }
    }
}

/// A new AccessKey ID: the prefix and 96 random bits.
fn new_access_key_id() -> String {
    let mut bytes = [0u8; 12];
    OsRng.fill_bytes(&mut bytes);
    format!("{ACCESS_KEY_ID_PREFIX}{}", hex::encode_upper(bytes))
}

impl Services {
    /// The same services, deriving AccessKey Secrets from `master` (the console's, from its data
    /// directory; without this, keys work for this process's life only).
    pub fn with_access_key_master(mut self, master: AccessKeyMaster) -> Self {
        self.access_keys = AccessKeys { master, nonces: self.access_keys.nonces.clone() };
        self
    }

    /// A new access-key pair for the live API token `token_id` of `namespace`, replacing the one it
    /// had (which stops working at once): the token with its new AccessKey ID, and the AccessKey
    /// Secret, shown this once. The caller must have been authorised to manage the namespace.
    pub async fn create_access_key(
        &self,
        caller: &Caller,
        namespace: &NamespaceName,
        token_id: &str,
    ) -> Result<(ApiToken, Secret), ServiceError> {
        let access_key_id = new_access_key_id();
        let mut tx = self.store.begin().await?;
        let (token, replaced) = tx
            .replace_access_key(namespace, token_id, &access_key_id, &now_rfc3339(), &caller.actor())
            .await?
            .ok_or_else(|| ServiceError::NotFound(format!("live API token {token_id}")))?;
        if expired(token.expires_at.as_deref(), &now_rfc3339()) {
            return Err(ServiceError::Conflict(format!(
                "API token {} has expired: make a new token, then its access key",
                token.name
            )));
        }
        let before = replaced.map(|id| json!({"accessKeyId": id}));
        let after = json!({"accessKeyId": access_key_id});
        let entry =
            audit_entry(caller, Some(namespace), "create-access-key", ("ApiToken", &token.name), before, Some(after));
        self.commit_access_change(tx, entry, AccessChange::AccessKeyReplaced).await?;
        let secret = self.access_keys.master.secret_of(&access_key_id);
        Ok((token, secret))
    }

    /// The live token whose access key is `access_key_id`, if `secret` is that key's AccessKey
    /// Secret (compared in constant time): to show a pair just made once more, after a plain form
    /// post, from what the browser was handed (`None` otherwise).
    pub async fn live_access_key(&self, access_key_id: &str, secret: &str) -> Result<Option<ApiToken>, ServiceError> {
        let derived = self.access_keys.master.secret_of(access_key_id);
        let (derived, given) = (derived.expose().as_bytes(), secret.as_bytes());
        let same =
            derived.len() == given.len() && derived.iter().zip(given).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0;
        if !same {
            return Ok(None);
        }
        let token = self.store.api_token_by_access_key(access_key_id).await?;
        Ok(token.filter(|t| t.revoked_at.is_none()))
    }

    /// The caller behind a request signed with ACS3-HMAC-SHA256: the API token whose access key
    /// signed it, if the signature holds for what arrived, its date is within
    /// `acs3::DEFAULT_WINDOW` of now and its nonce is new. The inner error says why a request is
    /// refused (Alibaba Cloud's code and a message); the outer one is the store failing.
    pub async fn identify_signed(
        &self,
        request: &acs3::Request<'_>,
        authorization: &acs3::Authorization,
    ) -> Result<Result<Caller, acs3::Refusal>, ServiceError> {
        let key = &authorization.access_key_id;
        let credential = Credential::AccessKey(key.clone());
        let token = match self.access_cache.identity(&credential) {
            Some(Caller::Token(token)) => token,
            // Only tokens are kept under an access key.
            Some(Caller::User(_) | Caller::Anonymous | Caller::System(_)) | None => {
                let ticket = self.access_cache.ticket();
                let Some(token) = self.store.api_token_by_access_key(key).await? else {
                    return Ok(Err(acs3::Refusal::UnknownAccessKey(key.clone())));
                };
                match self.keep_live_token(ticket, credential, token) {
                    Some(token) => token,
                    None => return Ok(Err(acs3::Refusal::InactiveAccessKey(key.clone()))),
                }
            }
        };
        let secret = self.access_keys.master.secret_of(key);
        let now = time::OffsetDateTime::now_utc();
        let verified = match acs3::verify(request, authorization, secret.expose().as_bytes(), now, acs3::DEFAULT_WINDOW)
        {
            Ok(verified) => verified,
            Err(refusal) => return Ok(Err(refusal)),
        };
        if let Err(refusal) = self.access_keys.nonces.first_use(key, &verified, now) {
            return Ok(Err(refusal));
        }
        Ok(Ok(Caller::Token(token)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_derived_per_key_and_master_and_the_master_is_kept_in_a_private_file() {
        let dir = tempfile::tempdir().expect("a directory");
        let path = dir.path().join("access-key-master.key");
        let master = AccessKeyMaster::load_or_create(&path).expect("made");
        let again = AccessKeyMaster::load_or_create(&path).expect("read back");
        assert_eq!(master.secret_of("FCAK1").expose(), again.secret_of("FCAK1").expose(), "the same after a restart");
        assert_ne!(master.secret_of("FCAK1").expose(), master.secret_of("FCAK2").expose());
        assert_ne!(master.secret_of("FCAK1").expose(), AccessKeyMaster::ephemeral().secret_of("FCAK1").expose());
        assert_eq!(master.secret_of("FCAK1").expose().len(), 64);
        assert_eq!(format!("{master:?}"), "AccessKeyMaster(<redacted>)");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).expect("there").permissions().mode();
            assert_eq!(mode & 0o077, 0, "readable by the console's user only: {mode:o}");
        }
        std::fs::write(&path, "not hex").expect("spoiled");
        let err = AccessKeyMaster::load_or_create(&path).expect_err("a spoiled file stops the start");
        assert!(err.contains("64 hexadecimal digits"), "{err}");
    }

    #[test]
    fn access_key_ids_are_random_and_recognisable() {
        let (a, b) = (new_access_key_id(), new_access_key_id());
        assert_ne!(a, b);
        assert!(a.starts_with(ACCESS_KEY_ID_PREFIX) && a.len() == 28, "{a}");
        assert!(acs3::Authorization::parse(&format!(
            "ACS3-HMAC-SHA256 Credential={a},SignedHeaders=host,Signature={}",
            "0".repeat(64)
        ))
        .is_ok());
    }
}
