//! Silent periods: times of day or of the week when the Autopilot changes nothing (Alibaba's
//! `silentPeriodConfig`). Calendar arithmetic on a fixed UTC offset; it never reads a clock.

use serde::{Deserialize, Serialize};

const MINUTES_PER_DAY: i64 = 24 * 60;

/// When nothing may be changed.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase", default)]
pub struct SilentPeriods {
    /// Whether the periods apply at all (they can be kept while switched off).
    pub enabled: bool,
    /// The offset from UTC, in minutes, the periods' times are written in (e.g. 60 for UTC+1).
    /// A fixed offset: daylight-saving changes are not followed.
    pub utc_offset_minutes: i32,
    /// The periods; a time inside any of them is silent.
    pub periods: Vec<SilentPeriod>,
}

/// One recurring period, half-open (`begin` inside, `end` outside). An end before the begin wraps
/// past midnight (DAY) or past Sunday (WEEK).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "level", rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SilentPeriod {
    /// Every day between two times of day.
    #[serde(rename_all = "camelCase")]
    Day {
        /// Minute of the day it begins (0–1439).
        begin_minute: u32,
        /// Minute of the day it ends (0–1439).
        end_minute: u32,
    },
    /// Every week between two times of the week.
    #[serde(rename_all = "camelCase")]
    Week {
        /// ISO day of the week it begins (1 = Monday … 7 = Sunday).
        begin_day: u8,
        /// Minute of that day it begins (0–1439).
        begin_minute: u32,
        /// ISO day of the week it ends (1 = Monday … 7 = Sunday).
        end_day: u8,
        /// Minute of that day it ends (0–1439).
        end_minute: u32,
    },
}

impl SilentPeriods {
    /// The period `at_ms` (ms since the epoch) falls in, if the periods are enabled.
    pub fn containing(&self, at_ms: i64) -> Option<SilentPeriod> {
        if !self.enabled {
            return None;
        }
        let local_minutes = at_ms.div_euclid(60_000) + i64::from(self.utc_offset_minutes);
        let minute_of_day = local_minutes.rem_euclid(MINUTES_PER_DAY);
        let days_since_epoch = local_minutes.div_euclid(MINUTES_PER_DAY);
        // 1970-01-01 was a Thursday (ISO day 4).
        let iso_day = (days_since_epoch + 3).rem_euclid(7) + 1;
        let minute_of_week = (iso_day - 1) * MINUTES_PER_DAY + minute_of_day;
        self.periods.iter().copied().find(|period| match *period {
            SilentPeriod::Day { begin_minute, end_minute } => {
                within(minute_of_day, i64::from(begin_minute), i64::from(end_minute))
            }
            SilentPeriod::Week { begin_day, begin_minute, end_day, end_minute } => {
                within(minute_of_week, week_minute(begin_day, begin_minute), week_minute(end_day, end_minute))
            }
        })
    }

    /// What is wrong with the periods, for `AutopilotPolicy::validate`.
    pub(crate) fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        if self.utc_offset_minutes.abs() > 18 * 60 {
            problems.push(format!("utcOffsetMinutes {} is beyond ±18 h", self.utc_offset_minutes));
        }
        for (index, period) in self.periods.iter().enumerate() {
            let (minutes, days, begin, end) = match *period {
                SilentPeriod::Day { begin_minute, end_minute } => {
                    (vec![begin_minute, end_minute], vec![], i64::from(begin_minute), i64::from(end_minute))
                }
                SilentPeriod::Week { begin_day, begin_minute, end_day, end_minute } => (
                    vec![begin_minute, end_minute],
                    vec![begin_day, end_day],
                    week_minute(begin_day, begin_minute),
                    week_minute(end_day, end_minute),
                ),
            };
            if minutes.iter().any(|m| i64::from(*m) >= MINUTES_PER_DAY) {
                problems.push(format!("period {index}: a minute of the day is 0–1439"));
            }
            if days.iter().any(|d| !(1..=7).contains(d)) {
                problems.push(format!("period {index}: a day of the week is 1 (Monday) – 7 (Sunday)"));
            }
            if begin == end {
                problems.push(format!("period {index}: begins where it ends, so it is empty"));
            }
        }
        problems
    }
}

fn week_minute(iso_day: u8, minute: u32) -> i64 {
    (i64::from(iso_day) - 1) * MINUTES_PER_DAY + i64::from(minute)
}

/// `at` in `[begin, end)`, wrapping when `end < begin`.
fn within(at: i64, begin: i64, end: i64) -> bool {
    if begin <= end {
        begin <= at && at < end
    } else {
        at >= begin || at < end
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Monday 2026-11-02 00:00 UTC, in ms since the epoch.
    const MONDAY: i64 = 1_793_577_600_000;
    const MINUTE: i64 = 60_000;

    fn periods(periods: Vec<SilentPeriod>) -> SilentPeriods {
        SilentPeriods { enabled: true, utc_offset_minutes: 0, periods }
    }

    #[test]
    fn the_reference_instant_is_a_monday_at_midnight() {
        let week = periods(vec![SilentPeriod::Week { begin_day: 1, begin_minute: 0, end_day: 1, end_minute: 1 }]);
        assert!(week.containing(MONDAY).is_some());
        assert!(week.containing(MONDAY - MINUTE).is_none(), "Sunday 23:59");
    }

    #[test]
    fn a_daily_period_wraps_past_midnight() {
        let night = periods(vec![SilentPeriod::Day { begin_minute: 22 * 60, end_minute: 6 * 60 }]);
        assert!(night.containing(MONDAY + 23 * 60 * MINUTE).is_some(), "23:00");
        assert!(night.containing(MONDAY + 5 * 60 * MINUTE).is_some(), "05:00");
        assert!(night.containing(MONDAY + 6 * 60 * MINUTE).is_none(), "06:00 is the end, outside");
        assert!(night.containing(MONDAY + 12 * 60 * MINUTE).is_none(), "noon");
    }

    #[test]
    fn a_weekly_period_wraps_past_sunday() {
        // Friday 20:00 to Monday 08:00.
        let weekend =
            periods(vec![SilentPeriod::Week { begin_day: 5, begin_minute: 20 * 60, end_day: 1, end_minute: 8 * 60 }]);
        let day = 24 * 60 * MINUTE;
        assert!(weekend.containing(MONDAY + 4 * day + 21 * 60 * MINUTE).is_some(), "Friday 21:00");
        assert!(weekend.containing(MONDAY + 6 * day).is_some(), "Sunday 00:00");
        assert!(weekend.containing(MONDAY + 7 * 60 * MINUTE).is_some(), "Monday 07:00");
        assert!(weekend.containing(MONDAY + 9 * 60 * MINUTE).is_none(), "Monday 09:00");
        assert!(weekend.containing(MONDAY + 2 * day).is_none(), "Wednesday");
    }

    #[test]
    fn the_offset_moves_the_periods_into_local_time() {
        let morning = SilentPeriods {
            enabled: true,
            utc_offset_minutes: 120,
            periods: vec![SilentPeriod::Day { begin_minute: 8 * 60, end_minute: 9 * 60 }],
        };
        assert!(morning.containing(MONDAY + 6 * 60 * MINUTE + 30 * MINUTE).is_some(), "06:30 UTC = 08:30 UTC+2");
        assert!(morning.containing(MONDAY + 8 * 60 * MINUTE + 30 * MINUTE).is_none(), "08:30 UTC = 10:30 UTC+2");
    }

    #[test]
    fn disabled_periods_silence_nothing() {
        let mut all_day = periods(vec![SilentPeriod::Day { begin_minute: 0, end_minute: 1439 }]);
        all_day.enabled = false;
        assert!(all_day.containing(MONDAY + MINUTE).is_none());
    }

    #[test]
    fn impossible_periods_are_refused() {
        let bad = periods(vec![
            SilentPeriod::Day { begin_minute: 1440, end_minute: 0 },
            SilentPeriod::Week { begin_day: 0, begin_minute: 0, end_day: 8, end_minute: 0 },
            SilentPeriod::Day { begin_minute: 5, end_minute: 5 },
        ]);
        assert_eq!(bad.problems().len(), 3, "{:?}", bad.problems());
    }
}
