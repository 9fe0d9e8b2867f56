//! Capped exponential backoff: how long to wait after failures in a row. The one rule for every
//! retry of the engine (job creation, the controller's failed passes); it never sleeps itself.

use std::time::Duration;

/// Waits that double after each failure in a row, from `first` up to `max`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    /// The wait after one failure.
    pub first: Duration,
    /// The longest wait, however many failures.
    pub max: Duration,
}

impl Backoff {
    /// Waits from `first`, doubling, up to `max`.
    pub const fn new(first: Duration, max: Duration) -> Self {
        Self { first, max }
    }

    /// The wait after `failures` failures in a row: none after none, `first` after one, then
    /// twice the previous wait, never more than `max`.
    pub fn after(&self, failures: u32) -> Duration {
        let Some(doublings) = failures.checked_sub(1) else {
            return Duration::ZERO;
        };
        let factor = 2u32.checked_pow(doublings).unwrap_or(u32::MAX);
        self.first.checked_mul(factor).unwrap_or(self.max).min(self.max)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wait_doubles_per_failure_up_to_the_cap() {
        let backoff = Backoff::new(Duration::from_secs(2), Duration::from_secs(30));
        let waits: Vec<u64> = (0..7).map(|n| backoff.after(n).as_secs()).collect();
        assert_eq!(waits, [0, 2, 4, 8, 16, 30, 30]);
        assert_eq!(backoff.after(u32::MAX), Duration::from_secs(30), "no overflow");
    }
}
