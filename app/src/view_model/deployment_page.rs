//! What the deployment page shows, tab by tab: which tab and page its address asks for (every tab,
//! event level and history page is a plain link, so the page works without JavaScript), and the
//! facts each tab renders, already in words. Pure and unit-tested; built on the server by
//! `ssr::views`.

use domain::{EventLevel, JobState};
use serde::{Deserialize, Serialize};

use super::start::StartForm;
use super::{link_with_query, page_token_from_query, DeploymentRow, EventRow, JobRow, SavepointRow};

/// The tabs of the deployment page, in order (`?tab=`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Tab {
    #[default]
    Overview,
    Configuration,
    Jobs,
    Savepoints,
    Events,
    Exceptions,
    Tuning,
}

impl Tab {
    pub const ALL: [Tab; 7] =
        [Tab::Overview, Tab::Configuration, Tab::Jobs, Tab::Savepoints, Tab::Events, Tab::Exceptions, Tab::Tuning];

    /// The value of `?tab=`.
    pub fn as_str(self) -> &'static str {
        match self {
            Tab::Overview => "overview",
            Tab::Configuration => "configuration",
            Tab::Jobs => "jobs",
            Tab::Savepoints => "savepoints",
            Tab::Events => "events",
            Tab::Exceptions => "exceptions",
            Tab::Tuning => "tuning",
        }
    }

    /// The tab's name on the page.
    pub fn label(self) -> &'static str {
        match self {
            Tab::Overview => "Overview",
            Tab::Configuration => "Configuration",
            Tab::Jobs => "Jobs",
            Tab::Savepoints => "Savepoints",
            Tab::Events => "Events",
            Tab::Exceptions => "Exceptions",
            Tab::Tuning => "Autopilot & plans",
        }
    }

    /// The tab `?tab=` names; Overview when it names none (or one that does not exist).
    pub fn from_query(raw: Option<&str>) -> Tab {
        let raw = raw.map(|r| r.trim().to_ascii_lowercase()).unwrap_or_default();
        Tab::ALL.into_iter().find(|tab| tab.as_str() == raw).unwrap_or_default()
    }
}

/// What the page's address asks for: a tab, the event level (Events), and the page of the tab's
/// list (the `jobs`, `savepoints` and `events` tokens; each the `next` token of the page before).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PageQuery {
    pub tab: Tab,
    pub level: Option<EventLevel>,
    /// The page of the tab's list after this token; the newest without one.
    pub after: Option<String>,
}

impl PageQuery {
    /// The query of the page's address (`query` reads one parameter).
    pub fn from_query(query: impl Fn(&str) -> Option<String>) -> Self {
        let tab = Tab::from_query(query("tab").as_deref());
        let level = match tab {
            Tab::Events => query("level").as_deref().and_then(EventLevel::parse),
            _ => None,
        };
        let after = match tab {
            Tab::Jobs | Tab::Savepoints | Tab::Events => page_token_from_query(query(tab.as_str()).as_deref()),
            Tab::Overview | Tab::Configuration | Tab::Exceptions | Tab::Tuning => None,
        };
        Self { tab, level, after }
    }

    /// The link to `path` (the deployment's page) showing this.
    pub fn href(&self, path: &str) -> String {
        let tab = (self.tab != Tab::Overview).then_some(self.tab.as_str());
        let level = self.level.map(EventLevel::as_str);
        let list = match self.tab {
            Tab::Jobs | Tab::Savepoints | Tab::Events => self.tab.as_str(),
            Tab::Overview | Tab::Configuration | Tab::Exceptions | Tab::Tuning => "",
        };
        link_with_query(
            path,
            &[("tab", tab), ("level", level), (list, self.after.as_deref().filter(|_| !list.is_empty()))],
        )
    }

    /// The link to another tab (its newest page, every level).
    pub fn tab_href(path: &str, tab: Tab) -> String {
        PageQuery { tab, level: None, after: None }.href(path)
    }

    /// The Events tab narrowed to `level` (every level with `None`), newest first.
    pub fn level_href(path: &str, level: Option<EventLevel>) -> String {
        PageQuery { tab: Tab::Events, level, after: None }.href(path)
    }

    /// The same tab and level, on the page after `token`.
    pub fn next_href(&self, path: &str, token: &str) -> String {
        PageQuery { after: Some(token.to_owned()), ..self.clone() }.href(path)
    }
}

/// Everything the deployment page shows: the heading's facts, and the open tab's content.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeploymentDetail {
    pub row: DeploymentRow,
    pub upgrade_strategy: String,
    pub restore_strategy: String,
    /// Whether a savepoint is under way (read apart from any page of savepoints).
    pub savepoint_under_way: bool,
    pub content: TabContent,
    /// The change-stream position the page was read at (see `providers::live`).
    pub live_from: String,
}

/// The open tab's content; lists come with the token of the page after them, if more follow.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum TabContent {
    Overview(Box<OverviewFacts>),
    Configuration(ConfigurationFacts),
    Jobs { rows: Vec<JobRow>, next: Option<String> },
    Savepoints { rows: Vec<SavepointRow>, next: Option<String>, copy_targets: Vec<CopyTarget> },
    Events { rows: Vec<EventRow>, next: Option<String> },
    Exceptions(ExceptionsFacts),
    Tuning(Box<TuningFacts>),
}

/// A deployment a savepoint can be copied to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CopyTarget {
    pub id: String,
    pub name: String,
}

/// The Overview tab.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OverviewFacts {
    /// The newest job, if the deployment ever ran one.
    pub job: Option<CurrentJobView>,
}

/// The deployment's newest job, and what Flink says about it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CurrentJobView {
    pub id: String,
    pub state: JobState,
    pub flink_job_id: Option<String>,
    pub created_at: String,
    /// The job in its cluster's web UI.
    pub web_ui: Option<String>,
    /// Flink's answer, or why there is none.
    pub live: Result<LiveView, String>,
}

/// What Flink reports about the job now, in words.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LiveView {
    /// Flink's own state (RUNNING, RESTARTING, …).
    pub flink_state: String,
    /// How long it has run ("2 h 5 min").
    pub uptime: String,
    /// Restarts after failures; `None` until Flink reports the metric.
    pub restarts: Option<u64>,
    /// The newest completed checkpoint, or why it could not be read.
    pub checkpoint: Result<Option<CheckpointView>, String>,
}

/// A completed checkpoint (or savepoint) as the Overview shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckpointView {
    pub id: u64,
    /// "checkpoint" or "savepoint".
    pub kind: String,
    pub completed_at: String,
    /// Its size, or "—" when Flink did not say.
    pub size: String,
}

/// The Configuration tab: the resource as the REST API answers it, and its spec with the
/// namespace's current defaults beneath it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConfigurationFacts {
    pub resource_yaml: String,
    pub effective_yaml: String,
    /// Whether the effective spec differs from the stored one (the defaults changed since).
    pub effective_differs: bool,
    /// The defaults alone (what a field left empty becomes).
    pub defaults_yaml: String,
    /// The address that downloads the resource as a YAML file.
    pub download: String,
}

/// The Exceptions tab.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum ExceptionsFacts {
    /// The deployment never ran a job that reached Flink.
    NoJob,
    /// Flink could not be asked, or forgot the job.
    Unavailable { flink_job_id: String, reason: String },
    /// Flink's exception history, newest first (empty: the job never failed).
    Listed { flink_job_id: String, rows: Vec<ExceptionRow> },
}

/// One exception of a job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExceptionRow {
    pub time: String,
    /// The innermost cause's first line.
    pub root_cause: String,
    /// The exception's class.
    pub name: String,
    pub stacktrace: String,
}

/// The address of a job in the Flink web UI at `cluster_url` (Flink 2.x routes running and
/// completed jobs apart).
pub fn flink_job_link(cluster_url: &str, flink_job_id: &str, ended: bool) -> String {
    let list = if ended { "completed" } else { "running" };
    format!("{}/#/job/{list}/{flink_job_id}/overview", cluster_url.trim_end_matches('/'))
}

/// A span of milliseconds in the two largest units ("3 d 4 h", "2 h 5 min", "42 s").
pub fn human_duration(ms: i64) -> String {
    let seconds = ms.max(0) / 1000;
    let (days, hours, minutes, secs) = (seconds / 86_400, seconds / 3600 % 24, seconds / 60 % 60, seconds % 60);
    match (days, hours, minutes) {
        (0, 0, 0) => format!("{secs} s"),
        (0, 0, _) => format!("{minutes} min {secs} s"),
        (0, _, _) => format!("{hours} h {minutes} min"),
        _ => format!("{days} d {hours} h"),
    }
}

/// A byte count for people ("12.3 MiB", "512 bytes").
pub fn human_size(bytes: u64) -> String {
    let units = [("GiB", 1u64 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)];
    for (unit, size) in units {
        if bytes >= size {
            let tenths = bytes * 10 / size;
            return format!("{}.{} {unit}", tenths / 10, tenths % 10);
        }
    }
    format!("{bytes} bytes")
}

/// Milliseconds since the epoch as the page writes times (`2026-11-30 08:00:00`, UTC).
pub fn time_of_ms(ms: i64) -> String {
    let seconds = ms.div_euclid(1000);
    let (days, in_day) = (seconds.div_euclid(86_400), seconds.rem_euclid(86_400));
    // Howard Hinnant's days-to-civil: the proleptic Gregorian date of a day count.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02}", in_day / 3600, in_day / 60 % 60, in_day % 60)
}

/// The Start page (or dialog) with resume mode and this deployment's savepoint `savepoint_id`
/// chosen.
pub fn resume_from(savepoint_id: &str) -> StartForm {
    StartForm {
        mode: Some("RESUME".into()),
        strategy: Some("SPECIFIC".into()),
        savepoint_id: Some(savepoint_id.to_owned()),
        ..StartForm::default()
    }
}

/// How an event level is named on the filter.
pub fn level_label(level: Option<EventLevel>) -> &'static str {
    match level {
        None => "All",
        Some(EventLevel::Info) => "Info",
        Some(EventLevel::Warning) => "Warnings",
        Some(EventLevel::Error) => "Errors",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(pairs: &[(&str, &str)]) -> PageQuery {
        PageQuery::from_query(|key| pairs.iter().find(|(k, _)| *k == key).map(|(_, v)| (*v).to_owned()))
    }

    #[test]
    fn the_address_names_the_tab_its_level_and_page_and_nothing_else() {
        assert_eq!(query(&[]), PageQuery::default());
        assert_eq!(query(&[("tab", "nonsense")]).tab, Tab::Overview);
        let events = query(&[("tab", "Events"), ("level", "error"), ("events", "t.1"), ("jobs", "t.2")]);
        assert_eq!(events, PageQuery { tab: Tab::Events, level: Some(EventLevel::Error), after: Some("t.1".into()) });
        assert_eq!(events.href("/d"), "/d?tab=events&level=ERROR&events=t.1");
        let jobs = query(&[("tab", "jobs"), ("level", "ERROR"), ("jobs", "t.2")]);
        assert_eq!(jobs.level, None, "a level narrows only the events");
        assert_eq!(jobs.href("/d"), "/d?tab=jobs&jobs=t.2");
        assert_eq!(query(&[("tab", "configuration"), ("jobs", "t.2")]).href("/d"), "/d?tab=configuration");
        assert_eq!(PageQuery::default().href("/d"), "/d");
        assert_eq!(PageQuery::tab_href("/d", Tab::Savepoints), "/d?tab=savepoints");
        assert_eq!(PageQuery::level_href("/d", Some(EventLevel::Warning)), "/d?tab=events&level=WARNING");
        assert_eq!(PageQuery::level_href("/d", None), "/d?tab=events");
        assert_eq!(events.next_href("/d", "t.9"), "/d?tab=events&level=ERROR&events=t.9");
        for tab in Tab::ALL {
            assert_eq!(Tab::from_query(Some(tab.as_str())), tab);
        }
    }

    #[test]
    fn a_job_links_to_its_list_in_the_flink_ui() {
        assert_eq!(
            flink_job_link("http://127.0.0.1:8081/", "ab12", false),
            "http://127.0.0.1:8081/#/job/running/ab12/overview"
        );
        assert_eq!(flink_job_link("http://f:1", "ab12", true), "http://f:1/#/job/completed/ab12/overview");
    }

    #[test]
    fn durations_sizes_and_times_read_as_people_write_them() {
        assert_eq!(human_duration(42_000), "42 s");
        assert_eq!(human_duration(-5), "0 s");
        assert_eq!(human_duration(125_000), "2 min 5 s");
        assert_eq!(human_duration(7_500_000), "2 h 5 min");
        assert_eq!(human_duration(3 * 86_400_000 + 4 * 3_600_000), "3 d 4 h");
        assert_eq!(human_size(512), "512 bytes");
        assert_eq!(human_size(1536), "1.5 KiB");
        assert_eq!(human_size(12 * 1024 * 1024 + 300 * 1024), "12.2 MiB");
        assert_eq!(time_of_ms(0), "1970-01-01 00:00:00");
        assert_eq!(time_of_ms(1_796_025_600_000), "2026-11-30 08:00:00");
        assert_eq!(time_of_ms(951_782_400_000), "2000-02-29 00:00:00");
    }

    #[test]
    fn starting_from_a_savepoint_chooses_resume_with_that_state() {
        let form = resume_from("sp-1");
        assert!(form.is_resume());
        assert_eq!(form.strategy(), "SPECIFIC");
        assert_eq!(form.savepoint_id.as_deref(), Some("sp-1"));
        assert_eq!(level_label(Some(EventLevel::Error)), "Errors");
    }
}

/// The Autopilot & plans tab: the Autopilot's policy (as a form), what it is doing and its newest
/// decision with the metrics behind it, then the deployment's tuning plans and what they did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TuningFacts {
    pub policy: PolicyForm,
    /// What the Autopilot is doing, in words.
    pub summary: String,
    pub decision: Option<DecisionView>,
    /// Busy % of the busiest vertex and the sources' input rate per sample of the current run.
    pub chart: Vec<ChartPoint>,
    pub plans: Vec<PlanRow>,
    pub history: Vec<PlanHistoryRow>,
}

/// The policy's common fields, as the form shows them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PolicyForm {
    pub mode: String,
    pub strategy: String,
    pub target_utilization: String,
    pub metrics_window_seconds: String,
    pub stabilization_seconds: String,
    pub cool_down_minutes: String,
    pub min_parallelism: String,
    pub max_parallelism: String,
}

/// The newest decision.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DecisionView {
    /// `SCALE_UP`, `NO_CHANGE (within bounds)`, …
    pub action: String,
    pub at: String,
    pub vertices: Vec<VertexRow>,
}

/// One vertex of a decision, in words.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VertexRow {
    pub name: String,
    pub busy: String,
    pub back_pressured: String,
    pub rate: String,
    pub parallelism: String,
    pub reason: String,
}

/// One sample on the chart.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ChartPoint {
    /// Seconds since the first sample shown.
    pub seconds: f64,
    /// The busiest vertex's busy time, 0–100 %.
    pub busy_percent: f64,
    /// Records per second the sources read.
    pub rate: f64,
}

/// A tuning plan in the list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanRow {
    pub id: String,
    pub name: String,
    /// Each time point: `daily 08:00 Europe/Berlin → parallelism 4`.
    pub points: Vec<String>,
    pub applied: bool,
    /// When the next time point comes, if the plan is applied.
    pub next: Option<String>,
}

/// A row of the executed history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanHistoryRow {
    pub executed_at: String,
    pub plan: String,
    pub scheduled_for: String,
    pub outcome: String,
    pub message: String,
}

/// The chart's two lines as SVG polyline points in a `width`×`height` box: busy % (0–100 scaled to
/// the height) and the rate (scaled to its largest value). Empty with fewer than two samples.
pub fn chart_lines(points: &[ChartPoint], width: f64, height: f64) -> (String, String, f64) {
    if points.len() < 2 {
        return (String::new(), String::new(), 0.0);
    }
    let span = points.iter().map(|p| p.seconds).fold(0.0_f64, f64::max).max(1.0);
    let top_rate = points.iter().map(|p| p.rate).fold(0.0_f64, f64::max);
    let line = |value: &dyn Fn(&ChartPoint) -> f64| {
        points
            .iter()
            .map(|p| format!("{:.1},{:.1}", p.seconds / span * width, height - value(p).clamp(0.0, 1.0) * height))
            .collect::<Vec<_>>()
            .join(" ")
    };
    let busy = line(&|p| p.busy_percent / 100.0);
    let rate = line(&|p| if top_rate > 0.0 { p.rate / top_rate } else { 0.0 });
    (busy, rate, top_rate)
}

#[cfg(test)]
mod tuning_tests {
    use super::*;

    #[test]
    fn the_tuning_tab_has_its_own_address() {
        assert_eq!(Tab::from_query(Some("tuning")), Tab::Tuning);
        assert_eq!(PageQuery::tab_href("/d", Tab::Tuning), "/d?tab=tuning");
    }

    #[test]
    fn the_chart_scales_busy_to_the_height_and_the_rate_to_its_largest() {
        let points = [
            ChartPoint { seconds: 0.0, busy_percent: 100.0, rate: 50.0 },
            ChartPoint { seconds: 30.0, busy_percent: 50.0, rate: 100.0 },
        ];
        let (busy, rate, top) = chart_lines(&points, 300.0, 100.0);
        assert_eq!(busy, "0.0,0.0 300.0,50.0");
        assert_eq!(rate, "0.0,50.0 300.0,0.0");
        assert_eq!(top, 100.0);
        assert_eq!(chart_lines(&points[..1], 300.0, 100.0).0, "", "one sample draws nothing");
    }
}
