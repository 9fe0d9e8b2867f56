//! Scheduled tuning plans as pure functions: `check` says what is wrong with a plan (each error
//! names its field), `due` says which time point to carry out at an instant — at most one, the
//! newest occurrence not yet carried out, so time points missed while the console was down are
//! applied once, not replayed — and `next` when the next one comes. Daily times follow their IANA
//! time zone's daylight-saving changes (a time skipped by a spring-forward gap happens just after
//! it; one repeated in autumn happens the first time). No IO and no clock: the caller passes `now`.

use domain::tuning_plan::{ResourceSetting, TimePoint, Trigger, TuningPlanSpec, MAX_TIME_POINTS};
use domain::FieldError;
use jiff::civil::{Date, Time};
use jiff::tz::TimeZone;
use jiff::Timestamp;

/// The largest parallelism a plan may set (Flink's maximum max-parallelism).
pub const MAX_PARALLELISM: u32 = 32_768;

/// A time point to carry out now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Due {
    /// Its position in the plan.
    pub index: usize,
    /// The occurrence being carried out, in milliseconds since the epoch.
    pub scheduled_ms: i64,
}

/// What is wrong with `spec`, each error naming its field (`spec.timePoints[1].trigger.timeZone`).
pub fn check(spec: &TuningPlanSpec) -> Result<(), Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut error = |field: String, message: String| errors.push(FieldError { field, message });
    if spec.time_points.is_empty() {
        error("spec.timePoints".into(), "a plan needs at least one time point".into());
    }
    if spec.time_points.len() > MAX_TIME_POINTS {
        error(
            "spec.timePoints".into(),
            format!("at most {MAX_TIME_POINTS} time points, got {}", spec.time_points.len()),
        );
    }
    let mut seen: Vec<(usize, &Trigger)> = Vec::new();
    for (i, point) in spec.time_points.iter().enumerate() {
        let at = format!("spec.timePoints[{i}]");
        if let Err(message) = read_trigger(&point.trigger) {
            let field = match (&point.trigger, &message) {
                (Trigger::Once { .. }, _) => format!("{at}.trigger.at"),
                (Trigger::Daily { .. }, TriggerError::Time(_)) => format!("{at}.trigger.time"),
                (Trigger::Daily { .. }, TriggerError::Zone(_)) => format!("{at}.trigger.timeZone"),
            };
            error(field, message.to_string());
        } else if let Some((first, _)) = seen.iter().find(|(_, other)| same_moment(other, &point.trigger)) {
            error(format!("{at}.trigger"), format!("the same moment as time point {first}"));
        } else {
            seen.push((i, &point.trigger));
        }
        check_setting(&point.setting, &format!("{at}.setting"), &mut error);
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

fn check_setting(setting: &ResourceSetting, at: &str, error: &mut impl FnMut(String, String)) {
    if setting.is_empty() {
        error(at.to_owned(), "sets nothing: give a parallelism, resources or Flink configuration".into());
    }
    if let Some(p) = setting.parallelism {
        if p == 0 || p > MAX_PARALLELISM {
            error(format!("{at}.parallelism"), format!("must be 1 to {MAX_PARALLELISM}, got {p}"));
        }
    }
    for (name, resources) in [("jobManager", &setting.job_manager), ("taskManager", &setting.task_manager)] {
        let Some(resources) = resources else { continue };
        if resources.cpu.is_none() && resources.memory.is_none() {
            error(format!("{at}.{name}"), "give cpu, memory or both".into());
        }
        if let Some(cpu) = resources.cpu {
            if !(cpu.is_finite() && cpu > 0.0 && cpu <= 1024.0) {
                error(format!("{at}.{name}.cpu"), format!("must be more than 0 and at most 1024 cores, got {cpu}"));
            }
        }
        if let Some(memory) = &resources.memory {
            if domain::tuning_plan::memory_bytes(memory).is_none() {
                error(
                    format!("{at}.{name}.memory"),
                    format!("{memory:?} is not a memory size such as 1g, 1536m or 2048mb"),
                );
            }
        }
    }
    for (key, value) in &setting.flink_configuration {
        if key.trim().is_empty() || key.len() > 256 || key.chars().any(|c| c.is_whitespace() || c.is_control()) {
            error(format!("{at}.flinkConfiguration"), format!("{key:?} is not a Flink configuration key"));
        } else if value.len() > 4096 || value.chars().any(char::is_control) {
            error(format!("{at}.flinkConfiguration.{key}"), "at most 4096 characters, no control characters".into());
        }
    }
}

/// Why a trigger cannot be read.
#[derive(Debug, Clone, PartialEq, Eq)]
enum TriggerError {
    /// The instant or the time of day.
    Time(String),
    /// The time zone.
    Zone(String),
}

impl std::fmt::Display for TriggerError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Time(text) | Self::Zone(text) => f.write_str(text),
        }
    }
}

/// A trigger, read.
enum Moment {
    Once(Timestamp),
    Daily(Time, TimeZone),
}

fn read_trigger(trigger: &Trigger) -> Result<Moment, TriggerError> {
    match trigger {
        Trigger::Once { at } => at.trim().parse::<Timestamp>().map(Moment::Once).map_err(|_| {
            TriggerError::Time(format!(
                "{at:?} is not an instant with its offset, such as 2026-12-24T18:00:00+01:00 or 2026-12-24T17:00:00Z"
            ))
        }),
        Trigger::Daily { time, time_zone } => {
            let time = read_time_of_day(time)?;
            let zone = TimeZone::get(time_zone.trim()).map_err(|_| {
                TriggerError::Zone(format!("{time_zone:?} is not an IANA time zone such as Europe/Berlin or UTC"))
            })?;
            Ok(Moment::Daily(time, zone))
        }
    }
}

fn read_time_of_day(text: &str) -> Result<Time, TriggerError> {
    let bad = || TriggerError::Time(format!("{text:?} is not a time of day HH:MM (24-hour, e.g. 08:30)"));
    let (hour, minute) = text.trim().split_once(':').ok_or_else(bad)?;
    if hour.len() != 2 || minute.len() != 2 {
        return Err(bad());
    }
    let hour: i8 = hour.parse().map_err(|_| bad())?;
    let minute: i8 = minute.parse().map_err(|_| bad())?;
    Time::new(hour, minute, 0, 0).map_err(|_| bad())
}

fn same_moment(a: &Trigger, b: &Trigger) -> bool {
    match (read_trigger(a), read_trigger(b)) {
        (Ok(Moment::Once(x)), Ok(Moment::Once(y))) => x == y,
        (Ok(Moment::Daily(t1, z1)), Ok(Moment::Daily(t2, z2))) => t1 == t2 && z1.iana_name() == z2.iana_name(),
        _ => false,
    }
}

/// The newest occurrence of `point` at or before `now_ms`, if any.
fn latest_occurrence(moment: &Moment, now_ms: i64) -> Option<i64> {
    let now = Timestamp::from_millisecond(now_ms).ok()?;
    match moment {
        Moment::Once(at) => (at.as_millisecond() <= now_ms).then(|| at.as_millisecond()),
        Moment::Daily(time, zone) => {
            let today = now.to_zoned_datetime(zone.clone()).date();
            let on = |date: Date| date.to_datetime(*time).to_zoned_datetime(zone.clone()).ok();
            let occurrence = on(today).filter(|z| z.timestamp() <= now).or_else(|| on(today.yesterday().ok()?))?;
            Some(occurrence.timestamp().as_millisecond())
        }
    }
}

/// The first occurrence of `point` after `now_ms`, if any.
fn next_occurrence(moment: &Moment, now_ms: i64) -> Option<i64> {
    let now = Timestamp::from_millisecond(now_ms).ok()?;
    match moment {
        Moment::Once(at) => (at.as_millisecond() > now_ms).then(|| at.as_millisecond()),
        Moment::Daily(time, zone) => {
            let today = now.to_zoned_datetime(zone.clone()).date();
            let on = |date: Date| date.to_datetime(*time).to_zoned_datetime(zone.clone()).ok();
            let occurrence = on(today).filter(|z| z.timestamp() > now).or_else(|| on(today.tomorrow().ok()?))?;
            Some(occurrence.timestamp().as_millisecond())
        }
    }
}

/// The time point to carry out at `now_ms`: of the occurrences after `after_ms` (when the plan was
/// applied, or the occurrence carried out last, whichever is later) and at or before `now_ms`, the
/// newest — one, however many were missed. `None`: nothing is due. Points that cannot be read are
/// skipped (`check` refuses them when the plan is written).
pub fn due(spec: &TuningPlanSpec, after_ms: i64, now_ms: i64) -> Option<Due> {
    spec.time_points
        .iter()
        .enumerate()
        .filter_map(|(index, point)| {
            let moment = read_trigger(&point.trigger).ok()?;
            let scheduled_ms = latest_occurrence(&moment, now_ms)?;
            (scheduled_ms > after_ms).then_some(Due { index, scheduled_ms })
        })
        // The newest; of two at the same instant, the later in the plan.
        .max_by_key(|due| (due.scheduled_ms, due.index))
}

/// When the plan's next time point comes after `now_ms`, and which: for the page's "next: …".
pub fn next(spec: &TuningPlanSpec, now_ms: i64) -> Option<Due> {
    spec.time_points
        .iter()
        .enumerate()
        .filter_map(|(index, point)| {
            let moment = read_trigger(&point.trigger).ok()?;
            Some(Due { index, scheduled_ms: next_occurrence(&moment, now_ms)? })
        })
        .min_by_key(|due| (due.scheduled_ms, due.index))
}

/// How a time point reads in lists: `daily 08:00 Europe/Berlin` or `once 2026-12-24T17:00:00Z`.
pub fn describe(point: &TimePoint) -> String {
    match &point.trigger {
        Trigger::Once { at } => format!("once {}", at.trim()),
        Trigger::Daily { time, time_zone } => format!("daily {} {}", time.trim(), time_zone.trim()),
    }
}

#[cfg(test)]
mod tests {
    use domain::tuning_plan::ProcessResources;

    use super::*;

    fn ms(text: &str) -> i64 {
        text.parse::<Timestamp>().expect("a test instant").as_millisecond()
    }

    fn daily(time: &str, zone: &str, parallelism: u32) -> TimePoint {
        TimePoint {
            trigger: Trigger::Daily { time: time.into(), time_zone: zone.into() },
            setting: ResourceSetting { parallelism: Some(parallelism), ..Default::default() },
        }
    }

    fn once(at: &str, parallelism: u32) -> TimePoint {
        TimePoint {
            trigger: Trigger::Once { at: at.into() },
            setting: ResourceSetting { parallelism: Some(parallelism), ..Default::default() },
        }
    }

    fn plan(points: Vec<TimePoint>) -> TuningPlanSpec {
        TuningPlanSpec { time_points: points }
    }

    #[test]
    fn a_daily_point_is_due_once_per_day_in_its_time_zone() {
        // 08:00 in Berlin is 07:00 UTC in winter.
        let spec = plan(vec![daily("08:00", "Europe/Berlin", 4), daily("20:00", "Europe/Berlin", 1)]);
        let applied = ms("2026-12-01T06:00:00Z");
        assert_eq!(due(&spec, applied, ms("2026-12-01T06:59:59Z")), None);
        let morning = due(&spec, applied, ms("2026-12-01T07:00:00Z")).expect("due at 08:00 Berlin");
        assert_eq!(morning, Due { index: 0, scheduled_ms: ms("2026-12-01T07:00:00Z") });
        // Carried out: not again the same day.
        assert_eq!(due(&spec, morning.scheduled_ms, ms("2026-12-01T12:00:00Z")), None);
        let evening = due(&spec, morning.scheduled_ms, ms("2026-12-01T19:00:30Z")).expect("due at 20:00 Berlin");
        assert_eq!(evening.index, 1);
        // The next morning again.
        assert_eq!(due(&spec, evening.scheduled_ms, ms("2026-12-02T07:00:00Z")).map(|d| d.index), Some(0));
    }

    #[test]
    fn points_missed_while_the_console_was_down_are_applied_once_the_newest() {
        let spec = plan(vec![daily("08:00", "UTC", 4), daily("12:00", "UTC", 2), daily("20:00", "UTC", 1)]);
        let last = ms("2026-12-01T08:00:00Z");
        // Down from 09:00 to 21:00: both 12:00 and 20:00 were missed; only 20:00 is carried out.
        let now = ms("2026-12-01T21:00:00Z");
        assert_eq!(due(&spec, last, now), Some(Due { index: 2, scheduled_ms: ms("2026-12-01T20:00:00Z") }));
        // Down for three days: still one, the newest.
        let later = ms("2026-12-04T13:00:00Z");
        assert_eq!(due(&spec, last, later), Some(Due { index: 1, scheduled_ms: ms("2026-12-04T12:00:00Z") }));
    }

    #[test]
    fn a_once_point_happens_once_and_not_before_the_plan_was_applied() {
        let spec = plan(vec![once("2026-12-24T18:00:00+01:00", 8)]);
        assert_eq!(due(&spec, ms("2026-12-01T00:00:00Z"), ms("2026-12-24T16:59:59Z")), None);
        let at = ms("2026-12-24T17:00:00Z");
        assert_eq!(due(&spec, ms("2026-12-01T00:00:00Z"), at), Some(Due { index: 0, scheduled_ms: at }));
        assert_eq!(due(&spec, at, ms("2026-12-25T00:00:00Z")), None, "carried out already");
        // Applied after the instant: it is in the past and never carried out.
        assert_eq!(due(&spec, ms("2026-12-26T00:00:00Z"), ms("2026-12-27T00:00:00Z")), None);
    }

    #[test]
    fn daylight_saving_changes_are_followed() {
        // Berlin springs forward on 2027-03-28 at 02:00 → 03:00; 08:00 is then 06:00 UTC.
        let spec = plan(vec![daily("08:00", "Europe/Berlin", 2)]);
        let before = ms("2027-03-27T07:00:00Z");
        assert_eq!(
            due(&spec, before, ms("2027-03-28T06:00:00Z")).map(|d| d.scheduled_ms),
            Some(ms("2027-03-28T06:00:00Z"))
        );
        // 02:30 does not exist that night: it happens at 03:30 local (01:30 UTC).
        let gap = plan(vec![daily("02:30", "Europe/Berlin", 2)]);
        assert_eq!(next(&gap, ms("2027-03-27T23:00:00Z")).map(|d| d.scheduled_ms), Some(ms("2027-03-28T01:30:00Z")));
    }

    #[test]
    fn next_says_when_the_following_point_comes() {
        let spec = plan(vec![daily("08:00", "UTC", 4), once("2026-12-01T10:00:00Z", 2)]);
        assert_eq!(
            next(&spec, ms("2026-12-01T09:00:00Z")),
            Some(Due { index: 1, scheduled_ms: ms("2026-12-01T10:00:00Z") })
        );
        assert_eq!(
            next(&spec, ms("2026-12-01T11:00:00Z")),
            Some(Due { index: 0, scheduled_ms: ms("2026-12-02T08:00:00Z") })
        );
    }

    #[test]
    fn every_error_names_its_field() {
        let mut bad = plan(vec![
            daily("8:00", "Europe/Berlin", 2),
            daily("08:00", "Mars/Olympus", 0),
            once("tomorrow", 2),
            daily("09:00", "UTC", 3),
            daily("09:00", "UTC", 4),
        ]);
        bad.time_points[3].setting.task_manager =
            Some(ProcessResources { cpu: Some(-1.0), memory: Some("lots".into()) });
        bad.time_points[4].setting = ResourceSetting::default();
        let errors = check(&bad).expect_err("refused");
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "spec.timePoints[0].trigger.time",
                "spec.timePoints[1].trigger.timeZone",
                "spec.timePoints[1].setting.parallelism",
                "spec.timePoints[2].trigger.at",
                "spec.timePoints[3].setting.taskManager.cpu",
                "spec.timePoints[3].setting.taskManager.memory",
                "spec.timePoints[4].trigger",
                "spec.timePoints[4].setting",
            ]
        );
        assert!(errors[1].message.contains("Mars/Olympus"));
        assert!(errors[6].message.contains("time point 3"));
        assert!(check(&plan(vec![])).is_err());
        assert!(check(&plan(vec![daily("23:59", "America/New_York", 1), once("2026-12-24T17:00:00Z", 3)])).is_ok());
    }
}
