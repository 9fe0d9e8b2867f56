//! The Start dialog's model: what it offers for one deployment, the fields of its form (the same
//! names in the query of its own page, in a plain form post and in the server functions), and how
//! those fields become the API's `StartOptions`. Pure and unit-tested.

use domain::{
    ArtifactKind, Deployment, DesiredState, ExecutionMode, RestoreKind, RestoreSelection, Savepoint, SavepointOrigin,
    StartMode, StartOptions,
};
use serde::{Deserialize, Serialize};

/// One state a resume may restore, as the dialog lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StateChoice {
    pub id: String,
    /// "Savepoint" or "Retained checkpoint".
    pub kind: String,
    /// The savepoint's origin (SUSPEND, USER_REQUEST, …).
    pub origin: String,
    pub location: String,
    pub created_at: String,
}

impl From<&Savepoint> for StateChoice {
    fn from(savepoint: &Savepoint) -> Self {
        let kind = if savepoint.metadata.origin == SavepointOrigin::RetainedCheckpoint {
            "Retained checkpoint"
        } else {
            "Savepoint"
        };
        Self {
            id: savepoint.metadata.id.clone(),
            kind: kind.into(),
            origin: savepoint.metadata.origin.as_str().into(),
            location: savepoint.spec.savepoint_location.clone().unwrap_or_default(),
            created_at: savepoint.metadata.created_at.clone(),
        }
    }
}

impl StateChoice {
    /// How a list shows it: "2026-12-01 10:00:00 · Savepoint (SUSPEND)".
    pub fn label(&self) -> String {
        format!("{} · {} ({})", super::short_time(&self.created_at), self.kind, self.origin)
    }
}

/// Another deployment of the namespace whose state may be restored, with its states.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OtherDeployment {
    pub id: String,
    pub name: String,
    pub states: Vec<StateChoice>,
}

/// What the Start dialog offers for one deployment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StartDialogData {
    pub namespace: String,
    pub id: String,
    pub name: String,
    pub batch: bool,
    /// A JAR deployment (only those may allow non-restored state).
    pub jar: bool,
    /// Already asked to run: the dialog says so instead of offering a start.
    pub running: bool,
    /// This deployment's states, newest first (the first is what "Latest State" restores).
    pub states: Vec<StateChoice>,
    /// The namespace's other deployments that have states, by name.
    pub others: Vec<OtherDeployment>,
    /// The Autopilot's mode now (DISABLED, MONITORING or ACTIVE).
    pub autopilot_mode: String,
    /// The deployment's tuning plans, by name.
    pub plans: Vec<PlanChoice>,
}

/// A tuning plan "Configure Autopilot" may apply.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanChoice {
    pub id: String,
    pub name: String,
    pub applied: bool,
}

/// What "Configure Autopilot" asks for with the start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TuningChoice {
    /// Neither the Autopilot nor a plan: the policy DISABLED, an applied plan stopped.
    Off,
    /// The Autopilot in this mode (`MONITORING` or `ACTIVE`); an applied plan stopped.
    Autopilot(String),
    /// This tuning plan applied; the Autopilot DISABLED.
    Scheduled(String),
}

impl StartDialogData {
    /// The dialog's model of `deployment` with its `states` and the `others`.
    pub fn new(deployment: &Deployment, states: &[Savepoint], others: Vec<OtherDeployment>) -> Self {
        let artifact = deployment.spec.template.spec.artifact.as_ref();
        Self {
            namespace: deployment.metadata.namespace.clone(),
            id: deployment.metadata.id.clone(),
            name: deployment.metadata.name.clone(),
            batch: deployment.spec.execution_mode == ExecutionMode::Batch,
            jar: artifact.is_some_and(|a| a.kind == ArtifactKind::Jar),
            running: deployment.spec.state == DesiredState::Running,
            states: states.iter().map(StateChoice::from).collect(),
            others,
            autopilot_mode: "DISABLED".into(),
            plans: Vec::new(),
        }
    }

    /// Why "Allow non-restored state" is not offered, if it is not.
    pub fn allow_non_restored_disabled(&self) -> Option<&'static str> {
        (!self.jar).then_some(
            "Only JAR deployments: a SQL job's operators have no stable uids, so skipped state would be lost silently.",
        )
    }

    /// Why resume mode is not offered at all, if it is not.
    pub fn resume_disabled(&self) -> Option<String> {
        (self.states.is_empty() && self.others.is_empty()).then(|| {
            format!(
                "No state to resume from: {} has no completed savepoint or retained checkpoint, and no other \
                 deployment of the namespace has one.",
                self.name
            )
        })
    }

    /// The form a fresh dialog shows: resume from the latest state when there is one (as after a
    /// suspend), else initial mode.
    pub fn default_form(&self) -> StartForm {
        let resume = !self.states.is_empty();
        let applied = self.plans.iter().find(|plan| plan.applied);
        let tuning = match applied {
            Some(_) => "SCHEDULED",
            None if self.autopilot_mode == "MONITORING" || self.autopilot_mode == "ACTIVE" => &self.autopilot_mode,
            None => "OFF",
        };
        StartForm {
            mode: Some(if resume { "RESUME" } else { "INITIAL" }.into()),
            strategy: Some("LATEST".into()),
            tuning: Some(tuning.to_owned()),
            tuning_plan: applied.map(|plan| plan.id.clone()),
            ..StartForm::default()
        }
    }
}

/// The Start dialog's fields as a form or a query sends them (all text; checkboxes send "on").
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StartForm {
    /// INITIAL or RESUME.
    pub mode: Option<String>,
    /// LATEST, SPECIFIC or OTHER.
    pub strategy: Option<String>,
    /// SPECIFIC: one of this deployment's states.
    pub savepoint_id: Option<String>,
    /// OTHER: the deployment, then one of its states.
    pub other_deployment: Option<String>,
    pub other_savepoint: Option<String>,
    pub allow_non_restored_state: Option<String>,
    pub specify_start_time: Option<String>,
    /// `YYYY-MM-DDTHH:MM[:SS]` in the person's time zone.
    pub start_time: Option<String>,
    /// Minutes to add to the local time to get UTC (JavaScript's `getTimezoneOffset`); 0 without it.
    pub tz_offset_minutes: Option<String>,
    pub confirm_incompatible: Option<String>,
    /// "Configure Autopilot": OFF, MONITORING, ACTIVE or SCHEDULED; absent: leave it as it is.
    pub tuning: Option<String>,
    /// SCHEDULED: the tuning plan to apply.
    pub tuning_plan: Option<String>,
}

/// The query keys of the Start page, in the order `StartForm::to_query` writes them.
pub const START_FORM_KEYS: [&str; 12] = [
    "mode",
    "strategy",
    "savepoint_id",
    "other_deployment",
    "other_savepoint",
    "allow_non_restored_state",
    "specify_start_time",
    "start_time",
    "tz_offset_minutes",
    "confirm_incompatible",
    "tuning",
    "tuning_plan",
];

fn on(value: &Option<String>) -> bool {
    value.as_deref().is_some_and(|v| matches!(v, "on" | "true" | "1"))
}

fn text(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

impl StartForm {
    /// The form as read from a query (`get` of each key).
    pub fn from_query(get: impl Fn(&str) -> Option<String>) -> Self {
        Self {
            mode: get("mode"),
            strategy: get("strategy"),
            savepoint_id: get("savepoint_id"),
            other_deployment: get("other_deployment"),
            other_savepoint: get("other_savepoint"),
            allow_non_restored_state: get("allow_non_restored_state"),
            specify_start_time: get("specify_start_time"),
            start_time: get("start_time"),
            tz_offset_minutes: get("tz_offset_minutes"),
            confirm_incompatible: get("confirm_incompatible"),
            tuning: get("tuning"),
            tuning_plan: get("tuning_plan"),
        }
    }

    /// Whether the query named any field (else the dialog shows its defaults).
    pub fn is_empty(&self) -> bool {
        self == &Self::default()
    }

    fn values(&self) -> [&Option<String>; 12] {
        [
            &self.mode,
            &self.strategy,
            &self.savepoint_id,
            &self.other_deployment,
            &self.other_savepoint,
            &self.allow_non_restored_state,
            &self.specify_start_time,
            &self.start_time,
            &self.tz_offset_minutes,
            &self.confirm_incompatible,
            &self.tuning,
            &self.tuning_plan,
        ]
    }

    /// The form as a query string (without `?`), for the Start page's own address.
    pub fn to_query(&self) -> String {
        START_FORM_KEYS
            .iter()
            .zip(self.values())
            .filter_map(|(key, value)| value.as_deref().map(|v| format!("{key}={}", encode(v))))
            .collect::<Vec<_>>()
            .join("&")
    }

    pub fn is_resume(&self) -> bool {
        text(&self.mode).is_some_and(|m| m.eq_ignore_ascii_case("RESUME"))
    }

    pub fn strategy(&self) -> &str {
        text(&self.strategy).unwrap_or("LATEST")
    }

    pub fn allows_non_restored(&self) -> bool {
        on(&self.allow_non_restored_state)
    }

    pub fn specifies_start_time(&self) -> bool {
        on(&self.specify_start_time)
    }

    pub fn confirms_incompatible(&self) -> bool {
        on(&self.confirm_incompatible)
    }

    /// What "Configure Autopilot" asks for: `None` to leave the Autopilot and the plans as they are,
    /// or the field that is wrong and why.
    pub fn tuning_choice(&self) -> Result<Option<TuningChoice>, (&'static str, String)> {
        match text(&self.tuning).map(str::to_ascii_uppercase).as_deref() {
            None => Ok(None),
            Some("OFF") => Ok(Some(TuningChoice::Off)),
            Some(mode @ ("MONITORING" | "ACTIVE")) => Ok(Some(TuningChoice::Autopilot(mode.to_owned()))),
            Some("SCHEDULED") => match text(&self.tuning_plan) {
                Some(plan) => Ok(Some(TuningChoice::Scheduled(plan.to_owned()))),
                None => Err(("tuning_plan", "choose the tuning plan to apply".into())),
            },
            Some(other) => Err(("tuning", format!("{other:?} is not Off, MONITORING, ACTIVE or SCHEDULED"))),
        }
    }

    /// The API's start request for these fields, or the field that is wrong and why
    /// (`("start_time", "…")`).
    pub fn to_options(&self) -> Result<StartOptions, (&'static str, String)> {
        let mode = match text(&self.mode).map(str::to_ascii_uppercase).as_deref() {
            Some("INITIAL") => StartMode::Initial,
            Some("RESUME") => StartMode::Resume,
            _ => return Err(("mode", "choose Initial mode or Resume mode".into())),
        };
        let restore = match mode {
            StartMode::Initial => None,
            StartMode::Resume => Some(match self.strategy() {
                "LATEST" => RestoreSelection { kind: RestoreKind::Latest, savepoint_id: None },
                "SPECIFIC" => {
                    let id = text(&self.savepoint_id).ok_or(("savepoint_id", "choose one of the states".into()))?;
                    RestoreSelection { kind: RestoreKind::Savepoint, savepoint_id: Some(id.to_owned()) }
                }
                "OTHER" => {
                    if text(&self.other_deployment).is_none() {
                        return Err(("other_deployment", "choose the deployment whose state to restore".into()));
                    }
                    let id = text(&self.other_savepoint)
                        .ok_or(("other_savepoint", "choose one of that deployment's states".into()))?;
                    RestoreSelection { kind: RestoreKind::Savepoint, savepoint_id: Some(id.to_owned()) }
                }
                other => return Err(("strategy", format!("unknown strategy {other:?}"))),
            }),
        };
        let source_start_time_ms = match (mode, self.specifies_start_time()) {
            (StartMode::Initial, true) => {
                let local = text(&self.start_time).ok_or(("start_time", "enter the source's start time".into()))?;
                let offset = match text(&self.tz_offset_minutes) {
                    None => 0,
                    Some(raw) => raw
                        .parse::<i64>()
                        .ok()
                        .filter(|m| m.abs() <= 24 * 60)
                        .ok_or(("tz_offset_minutes", format!("{raw:?} is not a time zone offset in minutes")))?,
                };
                let ms = local_to_epoch_ms(local)
                    .ok_or(("start_time", format!("{local:?} is not a date and time (YYYY-MM-DD HH:MM)")))?;
                Some(ms + offset * 60_000)
            }
            _ => None,
        };
        Ok(StartOptions {
            mode,
            restore,
            allow_non_restored_state: mode == StartMode::Resume && self.allows_non_restored(),
            source_start_time_ms,
            confirm_incompatible: self.confirms_incompatible(),
        })
    }
}

/// `YYYY-MM-DDTHH:MM[:SS]` (or with a space) as milliseconds since the epoch, read as UTC.
pub fn local_to_epoch_ms(text: &str) -> Option<i64> {
    let text = text.trim();
    let (date, time) = text.split_once(['T', ' '])?;
    let mut date_parts = date.split('-');
    let year: i64 = date_parts.next()?.parse().ok()?;
    let month: i64 = date_parts.next()?.parse().ok()?;
    let day: i64 = date_parts.next()?.parse().ok()?;
    if date_parts.next().is_some() || !(1970..=9999).contains(&year) || !(1..=12).contains(&month) {
        return None;
    }
    let mut time_parts = time.split(':');
    let hour: i64 = time_parts.next()?.parse().ok()?;
    let minute: i64 = time_parts.next()?.parse().ok()?;
    let second: i64 = match time_parts.next() {
        Some(s) => s.split('.').next()?.parse().ok()?,
        None => 0,
    };
    if time_parts.next().is_some() || hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let days_in_month = [31, if leap { 29 } else { 28 }, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    let month_index = usize::try_from(month - 1).ok()?;
    if day < 1 || day > days_in_month[month_index] {
        return None;
    }
    // Days from 1970-01-01 to the date (civil calendar).
    let (y, m) = if month <= 2 { (year - 1, month + 9) } else { (year, month - 3) };
    let era = y.div_euclid(400);
    let year_of_era = y - era * 400;
    let day_of_year = (153 * m + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    let days = era * 146_097 + day_of_era - 719_468;
    Some(((days * 24 + hour) * 60 + minute) * 60_000 + second * 1000)
}

/// Percent-encodes a query value.
pub fn encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => out.push(char::from(byte)),
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(pairs: &[(&str, &str)]) -> StartForm {
        StartForm::from_query(|key| pairs.iter().find(|(k, _)| *k == key).map(|(_, v)| (*v).to_owned()))
    }

    #[test]
    fn configure_autopilot_reads_its_choice_and_defaults_to_what_is_set() {
        assert_eq!(form(&[]).tuning_choice(), Ok(None), "absent: left as it is");
        assert_eq!(form(&[("tuning", "off")]).tuning_choice(), Ok(Some(TuningChoice::Off)));
        assert_eq!(form(&[("tuning", "ACTIVE")]).tuning_choice(), Ok(Some(TuningChoice::Autopilot("ACTIVE".into()))));
        assert_eq!(
            form(&[("tuning", "SCHEDULED"), ("tuning_plan", "p1")]).tuning_choice(),
            Ok(Some(TuningChoice::Scheduled("p1".into())))
        );
        assert_eq!(form(&[("tuning", "SCHEDULED")]).tuning_choice().map_err(|e| e.0), Err("tuning_plan"));
        assert_eq!(form(&[("tuning", "SOMETIMES")]).tuning_choice().map_err(|e| e.0), Err("tuning"));
        let query = form(&[("mode", "INITIAL"), ("tuning", "SCHEDULED"), ("tuning_plan", "p1")]).to_query();
        assert_eq!(query, "mode=INITIAL&tuning=SCHEDULED&tuning_plan=p1", "kept by the Start page's address");
    }

    #[test]
    fn local_times_read_as_utc_milliseconds() {
        assert_eq!(local_to_epoch_ms("1970-01-01T00:00"), Some(0));
        assert_eq!(local_to_epoch_ms("2025-12-01T00:00"), Some(1_764_547_200_000));
        assert_eq!(local_to_epoch_ms("2024-02-29 12:30:15"), Some(1_709_209_815_000));
        for bad in ["", "2025-13-01T00:00", "2025-02-29T00:00", "2025-01-01T24:00", "yesterday", "2025-01-01"] {
            assert_eq!(local_to_epoch_ms(bad), None, "{bad}");
        }
    }

    #[test]
    fn the_fields_become_the_apis_start_request() {
        let initial = form(&[
            ("mode", "INITIAL"),
            ("specify_start_time", "on"),
            ("start_time", "2025-12-01T01:00"),
            ("tz_offset_minutes", "-60"),
        ])
        .to_options()
        .expect("valid");
        assert_eq!(initial.mode, StartMode::Initial);
        assert_eq!(initial.source_start_time_ms, Some(1_764_547_200_000), "01:00 at UTC+1 is 00:00 UTC");
        assert!(initial.restore.is_none());

        let unticked = form(&[("mode", "INITIAL"), ("start_time", "2025-12-01T01:00")]).to_options().expect("valid");
        assert_eq!(unticked.source_start_time_ms, None, "a start time only counts when ticked");

        let latest = form(&[("mode", "RESUME"), ("strategy", "LATEST"), ("allow_non_restored_state", "on")])
            .to_options()
            .expect("valid");
        assert_eq!(latest.restore, Some(RestoreSelection { kind: RestoreKind::Latest, savepoint_id: None }));
        assert!(latest.allow_non_restored_state);

        let other = form(&[
            ("mode", "RESUME"),
            ("strategy", "OTHER"),
            ("other_deployment", "d2"),
            ("other_savepoint", "s9"),
            ("confirm_incompatible", "on"),
            ("savepoint_id", "ignored"),
        ])
        .to_options()
        .expect("valid");
        assert_eq!(other.restore.and_then(|r| r.savepoint_id).as_deref(), Some("s9"));
        assert!(other.confirm_incompatible);
    }

    #[test]
    fn a_wrong_form_names_its_field() {
        let cases: [(&[(&str, &str)], &str); 6] = [
            (&[], "mode"),
            (&[("mode", "RESUME"), ("strategy", "SPECIFIC")], "savepoint_id"),
            (&[("mode", "RESUME"), ("strategy", "OTHER")], "other_deployment"),
            (&[("mode", "RESUME"), ("strategy", "OTHER"), ("other_deployment", "d")], "other_savepoint"),
            (&[("mode", "INITIAL"), ("specify_start_time", "on")], "start_time"),
            (
                &[
                    ("mode", "INITIAL"),
                    ("specify_start_time", "on"),
                    ("start_time", "2025-12-01T00:00"),
                    ("tz_offset_minutes", "x"),
                ],
                "tz_offset_minutes",
            ),
        ];
        for (pairs, field) in cases {
            assert_eq!(form(pairs).to_options().map_err(|(f, _)| f), Err(field), "{pairs:?}");
        }
    }

    #[test]
    fn the_query_round_trips() {
        let original = form(&[("mode", "RESUME"), ("strategy", "OTHER"), ("other_savepoint", "a b&c")]);
        let query = original.to_query();
        assert_eq!(query, "mode=RESUME&strategy=OTHER&other_savepoint=a%20b%26c");
    }
}
