//! Verifies Alibaba Cloud's ACS3-HMAC-SHA256 request signatures (their "signature V3", the default
//! of their SDKs): parses the `Authorization` header, rebuilds the canonical request from what
//! arrived, checks the body's hash, the signature, the date window and that the nonce is new. It
//! never signs, never sees a secret but the one key it is handed for one check, and never logs.
//!
//! The flow, for a request carrying `Authorization: ACS3-HMAC-SHA256 Credential=…`:
//! 1. `Authorization::from_headers` — which access key claims to have signed it (or a refusal
//!    naming the malformed part);
//! 2. the caller looks the key up and derives its secret (unknown or inactive keys are refused by
//!    the caller with `Refusal::UnknownAccessKey` / `Refusal::InactiveAccessKey`);
//! 3. `verify` — the pure check against that secret at a given time;
//! 4. `Nonces::first_use` — the replay check, only for requests that passed `verify`.

mod authorization;
mod canonical;
mod nonces;
mod verify;

pub use authorization::Authorization;
pub use canonical::{canonical_query, canonical_request, percent_encode};
pub use nonces::{Nonces, MAX_NONCES_PER_KEY};
pub use verify::{verify, Request, Verified, DEFAULT_WINDOW};

/// The one algorithm verified. Others of the family (`ACS3-HMAC-SM3`, `ACS3-RSA-SHA256`) are
/// refused by name.
pub const ALGORITHM: &str = "ACS3-HMAC-SHA256";

/// The headers every signature must cover, besides `content-type` when the request has a body type
/// and every other `x-acs-*` header it carries.
pub const REQUIRED_SIGNED_HEADERS: [&str; 4] = ["host", "x-acs-content-sha256", "x-acs-date", "x-acs-signature-nonce"];

/// Why a signed request is refused. `code` is the error code Alibaba Cloud's gateway answers for
/// the same fault, so their SDKs and scripts recognise it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// The `Authorization` header or a header the algorithm needs is missing or malformed.
    #[error("the request signature is incomplete: {0}")]
    Incomplete(String),
    /// Another signature algorithm than ACS3-HMAC-SHA256.
    #[error("signature method {0:?} is not supported; sign with ACS3-HMAC-SHA256")]
    UnsupportedAlgorithm(String),
    /// No access key has this id.
    #[error("access key {0:?} is not found")]
    UnknownAccessKey(String),
    /// The key exists, but its API token is revoked or expired.
    #[error("access key {0:?} is disabled: its API token is revoked or expired")]
    InactiveAccessKey(String),
    /// `x-acs-date` is not a UTC time like `2026-12-01T16:20:00Z`.
    #[error("x-acs-date {0:?} is not a time like 2026-12-01T16:20:00Z")]
    DateFormat(String),
    /// `x-acs-date` lies too far from the console's clock.
    #[error("x-acs-date {date} is more than {minutes} minutes away from the console's time {now}")]
    DateExpired {
        /// The date the request was signed with.
        date: String,
        /// The console's time when it arrived.
        now: String,
        /// The window, in minutes.
        minutes: i64,
    },
    /// `x-acs-content-sha256` is not the SHA-256 of the body that arrived.
    #[error("x-acs-content-sha256 is {claimed} but the body received hashes to {actual}")]
    BodyHashMismatch {
        /// What the header says.
        claimed: String,
        /// What the body hashes to.
        actual: String,
    },
    /// The signature is not the HMAC of what arrived under the key's secret.
    #[error("the signature does not match the one computed from the request; the console's canonical request is:\n{canonical_request}")]
    SignatureMismatch {
        /// The canonical request the console computed (no secret in it: only what was sent), so
        /// a client can compare it with its own.
        canonical_request: String,
    },
    /// The nonce was used already by this key within the date window.
    #[error("signature nonce {0:?} was used already")]
    NonceUsed(String),
    /// This key signed more requests within the window than the console remembers nonces for.
    #[error("too many signed requests with access key {0:?} within the date window; slow down")]
    TooManyRequests(String),
}

impl Refusal {
    /// Alibaba Cloud's error code for this refusal.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Incomplete(_) => "IncompleteSignature",
            Self::UnsupportedAlgorithm(_) => "InvalidSignatureMethod",
            Self::UnknownAccessKey(_) => "InvalidAccessKeyId.NotFound",
            Self::InactiveAccessKey(_) => "InvalidAccessKeyId.Inactive",
            Self::DateFormat(_) => "InvalidTimeStamp.Format",
            Self::DateExpired { .. } => "InvalidTimeStamp.Expired",
            Self::BodyHashMismatch { .. } | Self::SignatureMismatch { .. } => "SignatureDoesNotMatch",
            Self::NonceUsed(_) => "SignatureNonceUsed",
            Self::TooManyRequests(_) => "Throttling.User",
        }
    }
}
