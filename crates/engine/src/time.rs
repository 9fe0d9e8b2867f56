//! The engine's clock: real time in the product, a hand-moved one in scenario tests. Times are
//! milliseconds since the epoch inside the engine and RFC 3339 on resources.

use std::sync::atomic::{AtomicI64, Ordering};

use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// Where the engine reads the time.
pub trait Clock: Send + Sync {
    /// Now, in milliseconds since the epoch.
    fn now_ms(&self) -> i64;
}

/// Wall-clock time.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&self) -> i64 {
        i64::try_from(OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX)
    }
}

/// A clock that moves only when told to, for tests.
#[derive(Debug, Default)]
pub struct ManualClock(AtomicI64);

impl ManualClock {
    /// A clock that reads `ms` until advanced.
    pub fn starting_at(ms: i64) -> Self {
        Self(AtomicI64::new(ms))
    }

    /// Moves the clock forward by `by`.
    pub fn advance(&self, by: std::time::Duration) {
        self.0.fetch_add(i64::try_from(by.as_millis()).unwrap_or(i64::MAX), Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now_ms(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }
}

/// `ms` since the epoch as RFC 3339 (UTC).
pub fn rfc3339(ms: i64) -> String {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .ok()
        .and_then(|time| time.format(&Rfc3339).ok())
        .unwrap_or_else(|| "1970-01-01T00:00:00Z".to_owned())
}

/// `ms` since the epoch plus `nanos` nanoseconds, as RFC 3339 (UTC).
pub fn rfc3339_nanos(ms: i64, nanos: usize) -> String {
    let nanos = i128::from(ms) * 1_000_000 + i128::try_from(nanos).unwrap_or_default();
    OffsetDateTime::from_unix_timestamp_nanos(nanos)
        .ok()
        .and_then(|time| time.format(&Rfc3339).ok())
        .unwrap_or_else(|| "1970-01-01T00:00:00Z".to_owned())
}

/// `ms` since the epoch as RFC 3339 (UTC) with exactly three decimals (`2026-01-01T00:00:00.250Z`),
/// for messages that name a time to the millisecond.
pub fn rfc3339_millis(ms: i64) -> String {
    match OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000) {
        Ok(t) => format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
            t.year(),
            u8::from(t.month()),
            t.day(),
            t.hour(),
            t.minute(),
            t.second(),
            t.millisecond()
        ),
        Err(_) => rfc3339(ms),
    }
}

/// An RFC 3339 time as ms since the epoch, if it is one.
pub fn parse_ms(rfc3339: &str) -> Option<i64> {
    let time = OffsetDateTime::parse(rfc3339, &Rfc3339).ok()?;
    i64::try_from(time.unix_timestamp_nanos() / 1_000_000).ok()
}

#[cfg(test)]
mod tests {
    #[test]
    fn times_round_trip_through_rfc3339() {
        let ms = 1_732_950_000_123;
        assert_eq!(super::parse_ms(&super::rfc3339(ms)), Some(ms));
        assert_eq!(super::parse_ms("yesterday"), None);
        assert_eq!(super::rfc3339_millis(1_767_225_600_250), "2026-01-01T00:00:00.250Z");
        assert_eq!(super::rfc3339_millis(1_767_225_600_000), "2026-01-01T00:00:00.000Z");
        assert_eq!(super::parse_ms(&super::rfc3339_millis(ms)), Some(ms));
    }
}
