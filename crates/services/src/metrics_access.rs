//! Who may read the console's metrics, and the one figure of them read from the store (deployments
//! per state, cached briefly so that scrapes stay cheap). It records no metric itself and never
//! grants anything but reading `/metrics`.
//!
//! A Prometheus server scrapes with a credential that does not expire every 12 hours, so besides
//! the system admins (console-wide `ManageSystem`), whoever holds the scrape token configured at
//! start (`--metrics-token-file`) may read the metrics — and nothing else: an API token belongs to
//! one namespace and cannot carry console-wide rights, and a scraper should not hold an admin's.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};
use storage::StateCounts;

use crate::auth::Caller;
use crate::{Permission, Scope, ServiceError, Services};

/// How long counts read from the store are served again before the next scrape reads them anew.
pub const COUNTS_FRESH_FOR: Duration = Duration::from_secs(5);

/// The shortest scrape token accepted (e.g. `openssl rand -hex 32` makes 64 characters).
pub const MIN_SCRAPE_TOKEN_CHARS: usize = 32;

/// The scrape token as the console keeps it: its SHA-256 only. Not `Debug`, not `Serialize`.
#[derive(Clone)]
pub struct ScrapeToken([u8; 32]);

impl ScrapeToken {
    /// The token `secret` (surrounding whitespace ignored), or why it is refused: too short.
    pub fn new(secret: &str) -> Result<Self, String> {
        let secret = secret.trim();
        if secret.chars().count() < MIN_SCRAPE_TOKEN_CHARS {
            return Err(format!(
                "the metrics scrape token must have at least {MIN_SCRAPE_TOKEN_CHARS} characters (e.g. `openssl rand -hex 32`)"
            ));
        }
        Ok(Self(Sha256::digest(secret.as_bytes()).into()))
    }

    /// Whether `presented` is the token; the time taken does not depend on where they differ.
    fn matches(&self, presented: &str) -> bool {
        let presented: [u8; 32] = Sha256::digest(presented.trim().as_bytes()).into();
        presented.iter().zip(self.0.iter()).fold(0u8, |differ, (a, b)| differ | (a ^ b)) == 0
    }
}

/// The metrics' part of the services: the scrape token, if one is configured, and the cached counts.
#[derive(Clone, Default)]
pub(crate) struct MetricsAccess {
    token: Option<ScrapeToken>,
    counts: Arc<Mutex<Option<(Instant, StateCounts)>>>,
}

impl Services {
    /// The same services, letting whoever sends `token` as `Authorization: Bearer` read the metrics.
    pub fn with_scrape_token(mut self, token: ScrapeToken) -> Self {
        self.metrics.token = Some(token);
        self
    }

    /// May this request read `/metrics`? The holder of the scrape token (`bearer`, the request's
    /// `Authorization: Bearer` secret) may; anyone else needs the system admin's console-wide
    /// rights, as `require(ManageSystem, Console)` decides: nobody signed in (or an unknown token)
    /// is 401, any other caller 403.
    pub async fn require_metrics_reader(&self, caller: &Caller, bearer: Option<&str>) -> Result<(), ServiceError> {
        if let (Some(token), Some(bearer)) = (&self.metrics.token, bearer) {
            if token.matches(bearer) {
                tracing::debug!("metrics read with the scrape token");
                return Ok(());
            }
        }
        self.require(caller, Permission::ManageSystem, Scope::Console).await
    }

    /// How many deployments of every namespace are in each state: one grouped count, served again
    /// for `COUNTS_FRESH_FOR` so that any number of scrapes costs at most one query per period.
    pub async fn deployment_totals(&self) -> Result<StateCounts, ServiceError> {
        let cached = |slot: &Option<(Instant, StateCounts)>| {
            slot.as_ref().filter(|(at, _)| at.elapsed() < COUNTS_FRESH_FOR).map(|(_, counts)| counts.clone())
        };
        if let Some(counts) = cached(&self.metrics.counts.lock().unwrap_or_else(|poisoned| poisoned.into_inner())) {
            return Ok(counts);
        }
        let counts = self.store.count_all_deployments_by_state().await?;
        *self.metrics.counts.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) =
            Some((Instant::now(), counts.clone()));
        Ok(counts)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_scrape_token_matches_only_itself_and_must_be_long() {
        let secret = "0123456789abcdef0123456789abcdef";
        let token = ScrapeToken::new(&format!(" {secret}\n")).expect("long enough");
        assert!(token.matches(secret));
        assert!(!token.matches("0123456789abcdef0123456789abcdeX"));
        assert!(!token.matches(""));
        assert!(ScrapeToken::new("short").is_err());
        assert!(ScrapeToken::new("                                        ").is_err(), "blank");
    }
}
