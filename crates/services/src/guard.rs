//! What stands between a password guesser and an account: failed attempts are counted per client
//! address and per account *before* the password is checked (so parallel guesses cannot slip past
//! the count), and password hashing runs off the async workers, a few at a time. It must never let
//! a stranger lock an account's owner out: the per-account limit only slows addresses the owner has
//! not signed in from.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use tokio::sync::Semaphore;

use crate::auth::{hash_password, password_matches};
use crate::ServiceError;

/// Failed attempts one address may make (over all accounts) within `WINDOW`.
pub const ADDRESS_ATTEMPTS: u32 = 10;
/// Failed attempts on one account (from all addresses) before each further one must wait.
pub const ACCOUNT_FREE_ATTEMPTS: u32 = 20;
/// How long failures are remembered.
pub const WINDOW: Duration = Duration::from_secs(5 * 60);
/// The longest an account's guessers wait between attempts.
const ACCOUNT_MAX_WAIT: Duration = Duration::from_secs(5 * 60);
/// How many addresses, accounts and known (account, address) pairs are remembered at most; the
/// oldest are forgotten first.
const REMEMBERED: usize = 10_000;
/// How many password hashes are computed at once (each takes tens of milliseconds of a core).
const HASHING_AT_ONCE: usize = 2;

/// Failures of one key: how many within the window, since when, and the latest.
#[derive(Debug, Clone, Copy)]
struct Failures {
    count: u32,
    since: Instant,
    last: Instant,
}

#[derive(Default)]
struct Counts {
    by_address: HashMap<String, Failures>,
    by_account: HashMap<String, Failures>,
    /// (account, address) pairs that signed in successfully, with when.
    known: HashMap<(String, String), Instant>,
}

/// The sign-in guard: counts, and the hashing pool. Cheap to clone.
#[derive(Clone)]
pub struct Guard {
    counts: Arc<Mutex<Counts>>,
    hashing: Arc<Semaphore>,
}

impl Default for Guard {
    fn default() -> Self {
        Self { counts: Arc::default(), hashing: Arc::new(Semaphore::new(HASHING_AT_ONCE)) }
    }
}

/// An attempt that was counted as a failure up front; `succeeded` takes that back.
#[must_use = "an attempt is a failure unless `succeeded` is called"]
pub struct Attempt {
    account: String,
    address: String,
}

impl Guard {
    /// Counts an attempt on `account` from `address` as failed, unless one of them must wait first
    /// (then the answer is how long, and nothing is counted).
    pub fn begin(&self, account: &str, address: &str) -> Result<Attempt, Duration> {
        self.begin_at(account, address, Instant::now())
    }

    fn begin_at(&self, account: &str, address: &str, now: Instant) -> Result<Attempt, Duration> {
        let mut counts = self.counts.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let counts = &mut *counts;
        if let Some(failures) = current(&counts.by_address, address, now) {
            if failures.count >= ADDRESS_ATTEMPTS {
                return Err(WINDOW.saturating_sub(now.duration_since(failures.since)));
            }
        }
        let known = counts.known.contains_key(&(account.to_owned(), address.to_owned()));
        if let Some(failures) = current(&counts.by_account, account, now).filter(|_| !known) {
            if failures.count >= ACCOUNT_FREE_ATTEMPTS {
                let wait = account_wait(failures.count);
                let waited = now.duration_since(failures.last);
                if waited < wait {
                    return Err(wait - waited);
                }
            }
        }
        count_failure(&mut counts.by_address, address, now);
        count_failure(&mut counts.by_account, account, now);
        Ok(Attempt { account: account.to_owned(), address: address.to_owned() })
    }

    /// The attempt succeeded: its failure is taken back, the account's failures are forgotten and
    /// the address is known to be its owner's.
    pub fn succeeded(&self, attempt: Attempt) {
        self.succeeded_at(attempt, Instant::now());
    }

    fn succeeded_at(&self, attempt: Attempt, now: Instant) {
        let mut counts = self.counts.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(failures) = counts.by_address.get_mut(&attempt.address) {
            failures.count = failures.count.saturating_sub(1);
        }
        counts.by_account.remove(&attempt.account);
        if counts.known.len() >= REMEMBERED {
            if let Some(oldest) = counts.known.iter().min_by_key(|(_, at)| **at).map(|(key, _)| key.clone()) {
                counts.known.remove(&oldest);
            }
        }
        counts.known.insert((attempt.account, attempt.address), now);
    }

    /// Whether `password` is the one `stored` hashes (`None`: the account does not exist, and a
    /// hash of a password nobody has is checked instead, so that the answer takes as long).
    pub async fn verify(&self, password: &str, stored: Option<&str>) -> Result<bool, ServiceError> {
        let exists = stored.is_some();
        let stored = match stored {
            Some(stored) => stored.to_owned(),
            None => unknown_account_hash()?.to_owned(),
        };
        let password = password.to_owned();
        let matches = self.off_workers(move || password_matches(&password, &stored)).await?;
        Ok(exists && matches)
    }

    /// An argon2id hash of `password`, computed off the async workers.
    pub async fn hash(&self, password: &str) -> Result<String, ServiceError> {
        let password = password.to_owned();
        self.off_workers(move || hash_password(&password)).await?
    }

    async fn off_workers<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, ServiceError> {
        let _permit = self.hashing.acquire().await.map_err(|_| ServiceError::Internal)?;
        tokio::task::spawn_blocking(work).await.map_err(|err| {
            tracing::error!(error = %err, "password hashing stopped");
            ServiceError::Internal
        })
    }
}

/// How long an account's guessers wait after `count` failures: doubling from one second once the
/// free attempts are used, up to `ACCOUNT_MAX_WAIT`.
fn account_wait(count: u32) -> Duration {
    let doublings = count.saturating_sub(ACCOUNT_FREE_ATTEMPTS).min(16);
    Duration::from_secs(1u64 << doublings).min(ACCOUNT_MAX_WAIT)
}

/// The failures of `key` within the window.
fn current<'a>(map: &'a HashMap<String, Failures>, key: &str, now: Instant) -> Option<&'a Failures> {
    map.get(key).filter(|failures| now.duration_since(failures.since) < WINDOW)
}

fn count_failure(map: &mut HashMap<String, Failures>, key: &str, now: Instant) {
    if !map.contains_key(key) && map.len() >= REMEMBERED {
        map.retain(|_, failures| now.duration_since(failures.since) < WINDOW);
        if map.len() >= REMEMBERED {
            if let Some(oldest) = map.iter().min_by_key(|(_, f)| f.last).map(|(key, _)| key.clone()) {
                map.remove(&oldest);
            }
        }
    }
    let failures = map.entry(key.to_owned()).or_insert(Failures { count: 0, since: now, last: now });
    if now.duration_since(failures.since) >= WINDOW {
        *failures = Failures { count: 0, since: now, last: now };
    }
    failures.count += 1;
    failures.last = now;
}

/// The hash checked for names that are nobody's, made once.
fn unknown_account_hash() -> Result<&'static str, ServiceError> {
    static HASH: OnceLock<String> = OnceLock::new();
    if let Some(hash) = HASH.get() {
        return Ok(hash);
    }
    let hash = hash_password("a password of no account")?;
    Ok(HASH.get_or_init(|| hash))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_is_refused_after_its_failures_whatever_the_account() {
        let guard = Guard::default();
        let now = Instant::now();
        for n in 0..ADDRESS_ATTEMPTS {
            let _failed = guard.begin_at(&format!("user{n}"), "10.0.0.1", now).expect("free attempts");
        }
        assert!(guard.begin_at("someone", "10.0.0.1", now).is_err(), "this address waits");
        assert!(guard.begin_at("someone", "10.0.0.2", now).is_ok(), "another address does not");
        assert!(guard.begin_at("someone", "10.0.0.1", now + WINDOW).is_ok(), "after the window it may again");
    }

    #[test]
    fn attempts_count_before_the_password_is_checked() {
        let guard = Guard::default();
        let now = Instant::now();
        let pending: Vec<_> = (0..ADDRESS_ATTEMPTS).map(|_| guard.begin_at("admin", "10.0.0.1", now)).collect();
        assert!(pending.iter().all(Result::is_ok));
        assert!(guard.begin_at("admin", "10.0.0.1", now).is_err(), "unfinished attempts already count");
    }

    #[test]
    fn guessing_one_account_from_many_addresses_is_slowed_but_its_owner_is_not_locked_out() {
        let guard = Guard::default();
        let start = Instant::now();
        let owner = guard.begin_at("admin", "192.168.1.5", start).expect("the owner signs in");
        guard.succeeded_at(owner, start);
        for n in 0..ACCOUNT_FREE_ATTEMPTS {
            let _failed = guard.begin_at("admin", &format!("203.0.113.{n}"), start).expect("free attempts");
        }
        let wait = guard.begin_at("admin", "198.51.100.1", start).err().expect("a new address waits");
        assert_eq!(wait, Duration::from_secs(1));
        let later = start + Duration::from_secs(1);
        let _failed = guard.begin_at("admin", "198.51.100.1", later).expect("after the wait");
        let wait = guard.begin_at("admin", "198.51.100.2", later).err().expect("waits longer");
        assert!(wait >= Duration::from_secs(2), "{wait:?}");
        assert_eq!(account_wait(ACCOUNT_FREE_ATTEMPTS + 40), ACCOUNT_MAX_WAIT);
        let owner = guard.begin_at("admin", "192.168.1.5", later).expect("the owner's address is not slowed");
        guard.succeeded_at(owner, later);
    }

    #[test]
    fn a_success_takes_its_count_back() {
        let guard = Guard::default();
        let now = Instant::now();
        for _ in 0..ADDRESS_ATTEMPTS + 5 {
            let attempt = guard.begin_at("alice", "10.0.0.1", now).expect("successes never lock anyone out");
            guard.succeeded_at(attempt, now);
        }
    }

    #[test]
    fn what_is_remembered_is_bounded() {
        let guard = Guard::default();
        let now = Instant::now();
        for n in 0..REMEMBERED + 50 {
            let _failed = guard.begin_at(&format!("u{n}"), &format!("a{n}"), now);
        }
        let counts = guard.counts.lock().expect("not poisoned");
        assert!(counts.by_address.len() <= REMEMBERED && counts.by_account.len() <= REMEMBERED);
    }

    #[tokio::test]
    async fn an_unknown_account_is_checked_against_a_hash_too() {
        let guard = Guard::default();
        let hash = guard.hash("correct horse").await.expect("a hash");
        assert!(guard.verify("correct horse", Some(&hash)).await.expect("verifies"));
        assert!(!guard.verify("wrong", Some(&hash)).await.expect("verifies"));
        assert!(!guard.verify("a password of no account", None).await.expect("never matches an unknown account"));
    }
}
