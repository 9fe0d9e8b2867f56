//! The replay check: the nonces each access key signed with, remembered until their request's date
//! leaves the window (a replay after that is refused as stale). Bounded: at most
//! `MAX_NONCES_PER_KEY` per key, and only requests whose signature held are remembered, so only a
//! key's holder can fill its share; past the bound that key is refused (never an old nonce
//! forgotten early, which would let it be replayed).
//!
//! In memory, per process: consoles that share one database do not share what they remember, so
//! a request captured on the way to one replica can be replayed once to each other replica within
//! the window. `docs/security.md` says so.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::Mutex;

use time::OffsetDateTime;

use crate::{Refusal, Verified};

/// The most nonces remembered for one key: 100,000 within a window of 15 minutes either way is more
/// than 50 signed requests a second, sustained.
pub const MAX_NONCES_PER_KEY: usize = 100_000;

/// The nonces seen, per access key.
#[derive(Debug)]
pub struct Nonces {
    per_key: Mutex<HashMap<String, Seen>>,
    max_per_key: usize,
}

#[derive(Debug, Default)]
struct Seen {
    nonces: HashSet<String>,
    /// The same nonces by when they may be forgotten, oldest first.
    by_expiry: BTreeSet<(OffsetDateTime, String)>,
}

impl Default for Nonces {
    fn default() -> Self {
        Self::with_capacity(MAX_NONCES_PER_KEY)
    }
}

impl Nonces {
    /// A memory of at most `max_per_key` nonces per key.
    pub fn with_capacity(max_per_key: usize) -> Self {
        Self { per_key: Mutex::new(HashMap::new()), max_per_key }
    }

    /// Accepts the first use of `verified.nonce` by `access_key_id` and remembers it; refuses a
    /// nonce it remembers, and any nonce of a key that has `max_per_key` of them within the window.
    pub fn first_use(&self, access_key_id: &str, verified: &Verified, now: OffsetDateTime) -> Result<(), Refusal> {
        // A poisoned lock only means another request panicked while holding it; the sets stay
        // consistent (each change is one insert or removal pair).
        let mut per_key = self.per_key.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let seen = per_key.entry(access_key_id.to_owned()).or_default();
        while let Some((expiry, _)) = seen.by_expiry.first() {
            if *expiry >= now {
                break;
            }
            if let Some((_, nonce)) = seen.by_expiry.pop_first() {
                seen.nonces.remove(&nonce);
            }
        }
        if seen.nonces.contains(&verified.nonce) {
            return Err(Refusal::NonceUsed(verified.nonce.clone()));
        }
        if seen.nonces.len() >= self.max_per_key {
            return Err(Refusal::TooManyRequests(access_key_id.to_owned()));
        }
        seen.nonces.insert(verified.nonce.clone());
        seen.by_expiry.insert((verified.remember_until, verified.nonce.clone()));
        Ok(())
    }

    /// How many nonces are remembered in all (for tests and metrics).
    pub fn len(&self) -> usize {
        self.per_key.lock().unwrap_or_else(std::sync::PoisonError::into_inner).values().map(|s| s.nonces.len()).sum()
    }

    /// Whether no nonce is remembered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;
    use time::Duration;

    use super::*;

    fn verified(nonce: &str, until: OffsetDateTime) -> Verified {
        Verified { nonce: nonce.to_owned(), remember_until: until }
    }

    #[test]
    fn a_nonce_is_accepted_once_per_key_until_its_date_leaves_the_window() {
        let now = datetime!(2026-12-01 16:00 UTC);
        let nonces = Nonces::default();
        let until = now + Duration::minutes(15);
        assert_eq!(nonces.first_use("k1", &verified("n", until), now), Ok(()));
        assert_eq!(nonces.first_use("k1", &verified("n", until), now), Err(Refusal::NonceUsed("n".into())));
        assert_eq!(nonces.first_use("k2", &verified("n", until), now), Ok(()), "another key's nonces are its own");
        let later = until + Duration::seconds(1);
        assert_eq!(nonces.first_use("k1", &verified("other", later + Duration::minutes(15)), later), Ok(()));
        assert_eq!(nonces.len(), 2, "k1's first nonce is forgotten once its request is stale: {nonces:?}");
    }

    #[test]
    fn a_key_past_its_bound_is_refused_rather_than_old_nonces_forgotten() {
        let now = datetime!(2026-12-01 16:00 UTC);
        let nonces = Nonces::with_capacity(2);
        let until = now + Duration::minutes(15);
        assert_eq!(nonces.first_use("k", &verified("a", until), now), Ok(()));
        assert_eq!(nonces.first_use("k", &verified("b", until), now), Ok(()));
        assert_eq!(nonces.first_use("k", &verified("c", until), now), Err(Refusal::TooManyRequests("k".into())));
        assert_eq!(nonces.first_use("k", &verified("a", until), now), Err(Refusal::NonceUsed("a".into())));
        assert_eq!(nonces.first_use("other", &verified("c", until), now), Ok(()), "other keys go on");
        let later = until + Duration::seconds(1);
        assert_eq!(nonces.first_use("k", &verified("c", later + Duration::minutes(15)), later), Ok(()));
    }
}
