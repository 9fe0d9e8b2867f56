//! Plain, unit-tested types the pages render: what a row shows and how a status looks. Decisions
//! with a branch live here, not in components.

use domain::{
    permits, ApiToken, Deployment, DeploymentState, DeploymentTarget, DesiredState, Event, EventLevel, ExecutionMode,
    Job, JobState, Permission, Role, Savepoint, SavepointState, TargetHealth, TargetHealthState,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;

pub mod deployment_form;
pub mod deployment_page;
pub mod deployments;
pub mod sql;
pub mod start;

/// The signed-in person, as the top bar shows them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionView {
    pub name: String,
    pub admin: bool,
    /// The namespaces they may pick, by name.
    pub namespaces: Vec<NamespaceChoice>,
    /// They signed in with a password the console generated and may do nothing until they choose
    /// their own.
    pub must_change_password: bool,
}

/// A namespace in the picker and the person's role there (`None` for the system admin).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NamespaceChoice {
    pub name: String,
    pub role: Option<Role>,
}

impl SessionView {
    /// Whether the person may do `permission` in `namespace` — to show or hide a control. The
    /// server decides every request itself with the same table.
    pub fn may(&self, namespace: &str, permission: Permission) -> bool {
        if self.admin {
            return true;
        }
        self.namespaces
            .iter()
            .find(|n| n.name == namespace)
            .and_then(|n| n.role)
            .is_some_and(|role| permits(role, permission))
    }

    /// How the top bar names the person's role in `namespace`.
    pub fn role_label(&self, namespace: &str) -> &'static str {
        if self.admin {
            return "admin";
        }
        match self.namespaces.iter().find(|n| n.name == namespace).and_then(|n| n.role) {
            Some(Role::Viewer) => "viewer",
            Some(Role::Editor) => "editor",
            Some(Role::Owner) => "owner",
            None => "no access",
        }
    }
}

/// One line of the Deployments table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeploymentRow {
    pub id: String,
    pub name: String,
    pub display_name: Option<String>,
    pub desired: DesiredState,
    pub status: DeploymentState,
    pub mode: ExecutionMode,
    pub target: String,
    pub parallelism: Option<u32>,
    pub modified_at: String,
    pub failure: Option<String>,
}

impl From<&Deployment> for DeploymentRow {
    fn from(deployment: &Deployment) -> Self {
        Self {
            id: deployment.metadata.id.clone(),
            name: deployment.metadata.name.clone(),
            display_name: deployment.metadata.display_name.clone(),
            desired: deployment.spec.state,
            status: deployment.status.state,
            mode: deployment.spec.execution_mode,
            target: deployment.spec.deployment_target_name.clone().unwrap_or_else(|| "—".into()),
            parallelism: deployment.spec.template.spec.parallelism,
            modified_at: deployment.metadata.modified_at.clone(),
            failure: deployment.status.failure.as_ref().map(|f| format!("{}: {}", f.reason, f.message)),
        }
    }
}

/// What a person can ask of a deployment from its row or page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Action {
    Start,
    Suspend,
    Cancel,
}

impl Action {
    pub fn label(self) -> &'static str {
        match self {
            Self::Start => "Start",
            Self::Suspend => "Suspend",
            Self::Cancel => "Cancel",
        }
    }

    /// The desired state the action asks for.
    pub fn desired(self) -> DesiredState {
        match self {
            Self::Start => DesiredState::Running,
            Self::Suspend => DesiredState::Suspended,
            Self::Cancel => DesiredState::Cancelled,
        }
    }
}

/// The actions that make sense for a deployment: Start unless it is asked to run (a FINISHED or
/// FAILED one is cancelled first, then started); Suspend while it runs streaming; Cancel unless
/// it is asked to be cancelled already.
pub fn available_actions(desired: DesiredState, status: DeploymentState, mode: ExecutionMode) -> Vec<Action> {
    let mut actions = Vec::new();
    let resting_after_run = matches!(status, DeploymentState::Finished | DeploymentState::Failed);
    if desired != DesiredState::Running && !(resting_after_run && desired != DesiredState::Cancelled) {
        actions.push(Action::Start);
    }
    let runs = matches!(status, DeploymentState::Running | DeploymentState::Transitioning);
    if desired == DesiredState::Running && runs && mode == ExecutionMode::Streaming {
        actions.push(Action::Suspend);
    }
    if desired != DesiredState::Cancelled {
        actions.push(Action::Cancel);
    }
    actions
}

/// One run of a deployment in its job history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobRow {
    pub id: String,
    pub state: JobState,
    pub flink_job_id: Option<String>,
    pub parallelism: Option<u32>,
    pub restored_from: Option<String>,
    pub created_at: String,
    pub terminated_at: Option<String>,
    pub failure: Option<String>,
}

impl From<&Job> for JobRow {
    fn from(job: &Job) -> Self {
        Self {
            id: job.metadata.id.clone(),
            state: job.status.state,
            flink_job_id: job.status.started.as_ref().map(|s| s.flink_job_id.clone()),
            parallelism: job.spec.template.parallelism,
            restored_from: job.spec.savepoint_location.clone(),
            created_at: job.metadata.created_at.clone(),
            terminated_at: job.metadata.terminated_at.clone(),
            failure: job.status.failure.as_ref().map(|f| f.message.clone()),
        }
    }
}

/// One savepoint (or retained checkpoint) of a deployment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SavepointRow {
    pub id: String,
    pub origin: String,
    pub state: SavepointState,
    pub location: Option<String>,
    pub created_at: String,
    pub failure: Option<String>,
}

impl From<&Savepoint> for SavepointRow {
    fn from(savepoint: &Savepoint) -> Self {
        Self {
            id: savepoint.metadata.id.clone(),
            origin: savepoint.metadata.origin.as_str().to_owned(),
            state: savepoint.status.state,
            location: savepoint.spec.savepoint_location.clone(),
            created_at: savepoint.metadata.created_at.clone(),
            failure: savepoint.status.failure.as_ref().map(|f| f.message.clone()),
        }
    }
}

/// One line of a deployment's event log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventRow {
    pub id: String,
    pub name: String,
    pub level: EventLevel,
    pub message: String,
    pub created_at: String,
}

impl From<&Event> for EventRow {
    fn from(event: &Event) -> Self {
        Self {
            id: event.metadata.id.clone(),
            name: event.metadata.name.as_str().to_owned(),
            level: event.metadata.name.level(),
            message: event.spec.message.clone(),
            created_at: event.metadata.created_at.clone(),
        }
    }
}

/// How many deployments the Deployments page shows at once.
pub const DEPLOYMENTS_PAGE: u32 = 100;

/// How many audit entries the audit page shows at once.
pub const AUDIT_PAGE: u32 = 100;

/// How many users, namespaces or audit entries the Admin page shows at once.
pub const ADMIN_PAGE: u32 = 100;

/// Which page of each list the Admin page shows (the `users`, `namespaces` and `audit` query
/// parameters): the first without a token, else the page after it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminPages {
    pub users: Option<String>,
    pub namespaces: Option<String>,
    pub audit: Option<String>,
}

impl AdminPages {
    /// The pages named by a URL's query parameters (`query` reads one).
    pub fn from_query(query: impl Fn(&str) -> Option<String>) -> Self {
        Self {
            users: page_token_from_query(query("users").as_deref()),
            namespaces: page_token_from_query(query("namespaces").as_deref()),
            audit: page_token_from_query(query("audit").as_deref()),
        }
    }

    /// The link to the Admin page showing these pages.
    pub fn href(&self) -> String {
        link_with_query(
            "/admin",
            &[
                ("users", self.users.as_deref()),
                ("namespaces", self.namespaces.as_deref()),
                ("audit", self.audit.as_deref()),
            ],
        )
    }
}

/// A page token from a query parameter (`after=`, `jobs=`, …): absent or empty is the first page.
pub fn page_token_from_query(raw: Option<&str>) -> Option<String> {
    raw.map(str::trim).filter(|token| !token.is_empty()).map(str::to_owned)
}

/// `path` with the query parameters that have a value, percent-encoded.
pub fn link_with_query(path: &str, params: &[(&str, Option<&str>)]) -> String {
    let mut link = path.to_owned();
    let mut separator = '?';
    for (name, value) in params {
        let Some(value) = value else { continue };
        link.push(separator);
        link.push_str(name);
        link.push('=');
        for byte in value.bytes() {
            if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
                link.push(char::from(byte));
            } else {
                link.push_str(&format!("%{byte:02X}"));
            }
        }
        separator = '&';
    }
    link
}

/// Whether a savepoint can be asked for now: the deployment runs and none is under way.
pub fn can_take_savepoint(detail: &deployment_page::DeploymentDetail) -> bool {
    detail.row.status == DeploymentState::Running && !detail.savepoint_under_way
}

/// A deployment target as the console shows it: name, kind, where, and how its cluster is doing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TargetRow {
    pub name: String,
    pub display_name: Option<String>,
    pub kind: String,
    pub url: Option<String>,
    pub health: TargetHealth,
    /// The version a change of the target is based on.
    pub resource_version: i64,
}

impl TargetRow {
    /// Whether people may change or delete it: session clusters; the console's own cluster comes
    /// from its configuration.
    pub fn editable(&self) -> bool {
        self.kind == "session"
    }
}

/// A namespace's settings page: its deployment defaults as YAML, the global ones beneath them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NamespaceSettings {
    /// The namespace's defaults (a partial deployment spec) as YAML; empty when it has none.
    pub defaults_yaml: String,
    /// Their version (0: never saved); saving sends it back.
    pub resource_version: i64,
    /// When they were last saved.
    pub modified_at: Option<String>,
    /// The global defaults beneath them (set by admins), as YAML.
    pub global_yaml: String,
    /// Whether the caller may change them (owners).
    pub may_manage: bool,
}

impl From<&DeploymentTarget> for TargetRow {
    fn from(target: &DeploymentTarget) -> Self {
        Self {
            name: target.metadata.name.clone(),
            display_name: target.metadata.display_name.clone(),
            kind: target.spec.kind().to_owned(),
            url: target.spec.rest_url().map(str::to_owned),
            health: target
                .status
                .as_ref()
                .map(|s| s.health.clone())
                .unwrap_or_else(|| TargetHealth::unknown("not checked yet")),
            resource_version: target.metadata.resource_version,
        }
    }
}

/// One line about a target's health: its colour class and words.
pub fn target_health_summary(health: &TargetHealth) -> (&'static str, String) {
    match health.state {
        TargetHealthState::Healthy => {
            let version = health.flink_version.as_deref().unwrap_or("?");
            let slots = match (health.slots_available, health.slots_total) {
                (Some(free), Some(total)) => format!(", {free} of {total} slots free"),
                _ => String::new(),
            };
            ("bg-emerald-500", format!("healthy — Flink {version}{slots}"))
        }
        TargetHealthState::Starting => ("bg-sky-500", "starting…".to_owned()),
        TargetHealthState::Unhealthy => {
            ("bg-rose-500", format!("unhealthy — {}", health.message.as_deref().unwrap_or("no answer")))
        }
        TargetHealthState::Unknown => {
            ("bg-slate-400", format!("unknown — {}", health.message.as_deref().unwrap_or("not checked")))
        }
    }
}

/// How a status badge looks: its label and Tailwind classes.
pub fn status_badge(state: DeploymentState) -> (&'static str, &'static str) {
    let classes = match state {
        DeploymentState::Running => "bg-emerald-100 text-emerald-800 ring-emerald-600/20",
        DeploymentState::Transitioning => "bg-sky-100 text-sky-800 ring-sky-600/20",
        DeploymentState::Failed => "bg-rose-100 text-rose-800 ring-rose-600/20",
        DeploymentState::Finished => "bg-indigo-100 text-indigo-800 ring-indigo-600/20",
        DeploymentState::Suspended => "bg-amber-100 text-amber-800 ring-amber-600/20",
        DeploymentState::Cancelled => "bg-slate-100 text-slate-700 ring-slate-500/20",
    };
    (state.as_str(), classes)
}

/// The Deployments page's tab, from the `mode` query parameter (`streaming` unless `batch`).
pub fn mode_from_query(raw: Option<&str>) -> ExecutionMode {
    match raw {
        Some(value) if value.eq_ignore_ascii_case("batch") => ExecutionMode::Batch,
        _ => ExecutionMode::Streaming,
    }
}

/// Short form of an RFC 3339 timestamp for tables: `2026-11-23 10:04:05`.
pub fn short_time(rfc3339: &str) -> String {
    let trimmed = rfc3339.split('.').next().unwrap_or(rfc3339).trim_end_matches('Z');
    trimmed.replacen('T', " ", 1)
}

/// A user on the admin page, with the namespaces they belong to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UserRow {
    pub name: String,
    pub admin: bool,
    pub created_at: String,
    /// (namespace, role), by namespace.
    pub memberships: Vec<(String, Role)>,
}

/// A namespace on the admin page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NamespaceRow {
    pub name: String,
    pub created_at: String,
    pub deployments: u64,
    /// (user, role) of its owners, by name.
    pub owners: Vec<String>,
    pub members: usize,
}

/// A member of a namespace and their role there.
pub use domain::Member as MemberRow;

/// A namespace's API tokens, and the one just made by a plain form post with its secret.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TokenList {
    pub tokens: Vec<ApiToken>,
    pub just_created: Option<CreatedToken>,
    /// The access key just made by a plain form post, with its secret.
    pub just_created_key: Option<CreatedAccessKey>,
}

/// A token's new access-key pair (its id is `token.access_key_id`) with the AccessKey Secret, which
/// is shown this once.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CreatedAccessKey {
    pub token: ApiToken,
    pub access_key_secret: String,
}

/// A new API token with its secret, which is shown this once.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CreatedToken {
    pub token: ApiToken,
    pub secret: String,
}

/// One changed leaf between an audit entry's `before` and `after`, at a dotted `path`
/// (`spec.template.spec.parallelism`); `None` where the side has no value there.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldChange {
    pub path: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

/// What an audit entry changed, leaf by leaf, in path order: objects are compared key by key,
/// anything else (numbers, text, lists) as a whole.
pub fn changed_fields(before: Option<&Value>, after: Option<&Value>) -> Vec<FieldChange> {
    fn walk(path: &str, before: Option<&Value>, after: Option<&Value>, out: &mut Vec<FieldChange>) {
        match (before, after) {
            (Some(Value::Object(b)), Some(Value::Object(a))) => {
                let keys: std::collections::BTreeSet<&String> = b.keys().chain(a.keys()).collect();
                for key in keys {
                    let path = if path.is_empty() { key.clone() } else { format!("{path}.{key}") };
                    walk(&path, b.get(key), a.get(key), out);
                }
            }
            (Some(Value::Object(b)), None) => {
                for (key, value) in b {
                    walk(&join(path, key), Some(value), None, out);
                }
            }
            (None, Some(Value::Object(a))) => {
                for (key, value) in a {
                    walk(&join(path, key), None, Some(value), out);
                }
            }
            (b, a) if b == a => {}
            (b, a) => out.push(FieldChange {
                path: path.to_owned(),
                before: b.map(Value::to_string),
                after: a.map(Value::to_string),
            }),
        }
    }
    fn join(path: &str, key: &str) -> String {
        if path.is_empty() {
            key.to_owned()
        } else {
            format!("{path}.{key}")
        }
    }
    let mut out = Vec::new();
    walk("", before, after, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mode_is_streaming_unless_batch_is_asked_for() {
        assert_eq!(mode_from_query(None), ExecutionMode::Streaming);
        assert_eq!(mode_from_query(Some("batch")), ExecutionMode::Batch);
        assert_eq!(mode_from_query(Some("BATCH")), ExecutionMode::Batch);
        assert_eq!(mode_from_query(Some("nonsense")), ExecutionMode::Streaming);
    }

    #[test]
    fn a_page_link_encodes_what_it_carries_and_blank_tokens_are_the_first_page() {
        let query = |name: &str| match name {
            "jobs" => Some("t.3230.6964".to_owned()),
            "events" => Some(" ".to_owned()),
            _ => None,
        };
        assert_eq!(page_token_from_query(query("jobs").as_deref()).as_deref(), Some("t.3230.6964"));
        assert_eq!(page_token_from_query(query("events").as_deref()), None, "blank is the first page");
        assert_eq!(
            link_with_query("/d", &[("jobs", Some("t.1")), ("events", Some("a b&c"))]),
            "/d?jobs=t.1&events=a%20b%26c"
        );
        assert_eq!(link_with_query("/x", &[("mode", Some("batch")), ("after", None)]), "/x?mode=batch");
    }

    #[test]
    fn every_status_has_its_own_badge() {
        let all = [
            DeploymentState::Running,
            DeploymentState::Transitioning,
            DeploymentState::Failed,
            DeploymentState::Finished,
            DeploymentState::Suspended,
            DeploymentState::Cancelled,
        ];
        let classes: std::collections::HashSet<_> = all.iter().map(|s| status_badge(*s).1).collect();
        assert_eq!(classes.len(), all.len());
        assert_eq!(status_badge(DeploymentState::Failed).0, "FAILED");
    }

    #[test]
    fn a_healthy_target_shows_its_version_and_free_slots() {
        let health = TargetHealth {
            state: TargetHealthState::Healthy,
            message: None,
            flink_version: Some("2.3.0".into()),
            slots_available: Some(3),
            slots_total: Some(4),
        };
        assert_eq!(target_health_summary(&health).1, "healthy — Flink 2.3.0, 3 of 4 slots free");
        let down =
            TargetHealth { state: TargetHealthState::Unhealthy, message: Some("connection refused".into()), ..health };
        assert_eq!(target_health_summary(&down).1, "unhealthy — connection refused");
    }

    #[test]
    fn actions_follow_the_desired_state_and_status() {
        use Action::*;
        use DeploymentState as S;
        use DesiredState as D;
        let streaming = ExecutionMode::Streaming;
        assert_eq!(available_actions(D::Cancelled, S::Cancelled, streaming), [Start]);
        assert_eq!(available_actions(D::Suspended, S::Suspended, streaming), [Start, Cancel]);
        assert_eq!(available_actions(D::Running, S::Running, streaming), [Suspend, Cancel]);
        assert_eq!(
            available_actions(D::Running, S::Running, ExecutionMode::Batch),
            [Cancel],
            "batch jobs are not suspended"
        );
        assert_eq!(available_actions(D::Running, S::Transitioning, streaming), [Suspend, Cancel]);
        assert_eq!(available_actions(D::Running, S::Finished, streaming), [Cancel], "to run again: cancel first");
        assert_eq!(available_actions(D::Running, S::Failed, streaming), [Cancel]);
        assert_eq!(available_actions(D::Cancelled, S::Failed, streaming), [Start], "cancelling: only Start remains");
    }

    #[test]
    fn what_a_person_may_do_follows_their_role_in_the_namespace() {
        let viewer = SessionView {
            name: "vera".into(),
            admin: false,
            namespaces: vec![NamespaceChoice { name: "default".into(), role: Some(Role::Viewer) }],
            must_change_password: false,
        };
        assert!(viewer.may("default", Permission::ViewDeployments));
        assert!(!viewer.may("default", Permission::EditDeployments));
        assert!(!viewer.may("other", Permission::ViewDeployments));
        assert_eq!(viewer.role_label("default"), "viewer");
        let admin =
            SessionView { name: "admin".into(), admin: true, namespaces: Vec::new(), must_change_password: false };
        assert!(admin.may("anything", Permission::ManageNamespace));
    }

    #[test]
    fn timestamps_are_shortened_for_tables() {
        assert_eq!(short_time("2026-11-23T10:04:05.123456Z"), "2026-11-23 10:04:05");
        assert_eq!(short_time("2026-11-23T10:04:05Z"), "2026-11-23 10:04:05");
    }

    #[test]
    fn an_audit_change_lists_each_changed_leaf_by_its_path() {
        let before = serde_json::json!({"spec": {"state": "SUSPENDED", "template": {"spec": {"parallelism": 1, "flinkConfiguration": {"a": "1"}}}}});
        let after = serde_json::json!({"spec": {"state": "RUNNING", "template": {"spec": {"parallelism": 1, "flinkConfiguration": {"b": "2"}}}}});
        let changes = changed_fields(Some(&before), Some(&after));
        let show: Vec<(&str, Option<&str>, Option<&str>)> =
            changes.iter().map(|c| (c.path.as_str(), c.before.as_deref(), c.after.as_deref())).collect();
        assert_eq!(
            show,
            vec![
                ("spec.state", Some("\"SUSPENDED\""), Some("\"RUNNING\"")),
                ("spec.template.spec.flinkConfiguration.a", Some("\"1\""), None),
                ("spec.template.spec.flinkConfiguration.b", None, Some("\"2\"")),
            ]
        );
        let created = changed_fields(None, Some(&serde_json::json!({"role": "OWNER"})));
        assert_eq!(created, vec![FieldChange { path: "role".into(), before: None, after: Some("\"OWNER\"".into()) }]);
        assert!(changed_fields(None, None).is_empty());
        assert!(changed_fields(Some(&before), Some(&before)).is_empty());
    }
}

/// A size in the unit that fits: "512 B", "2.0 KiB", "5.5 MiB" (whole-number arithmetic, so the
/// browser's upload progress needs no float formatting).
pub fn size_text(bytes: u64) -> String {
    const KIB: u64 = 1024;
    let tenths = |unit: u64| {
        let t = (u128::from(bytes) * 10 + u128::from(unit) / 2) / u128::from(unit);
        format!("{}.{}", t / 10, t % 10)
    };
    if bytes < KIB {
        format!("{bytes} B")
    } else if bytes < KIB * KIB {
        format!("{} KiB", tenths(KIB))
    } else {
        format!("{} MiB", tenths(KIB * KIB))
    }
}

/// The words beside an upload's progress bar: "1.0 MiB of 4.0 MiB, 25 %", then, once every byte
/// is sent, that the console checks the JAR.
pub fn progress_words(sent: u64, total: u64) -> String {
    if total == 0 {
        return "Starting…".into();
    }
    if sent >= total {
        return format!("{} sent; the console checks the JAR…", size_text(total));
    }
    let percent = u128::from(sent) * 100 / u128::from(total);
    format!("{} of {}, {percent} %", size_text(sent), size_text(total))
}

#[cfg(test)]
mod size_tests {
    use super::{progress_words, size_text};

    #[test]
    fn upload_progress_reads_in_sizes_and_percent() {
        assert_eq!(progress_words(0, 0), "Starting…");
        assert_eq!(progress_words(1024 * 1024, 4 * 1024 * 1024), "1.0 MiB of 4.0 MiB, 25 %");
        assert_eq!(progress_words(2048, 2048), "2.0 KiB sent; the console checks the JAR…");
    }

    #[test]
    fn sizes_read_in_the_unit_that_fits() {
        assert_eq!(size_text(512), "512 B");
        assert_eq!(size_text(2048), "2.0 KiB");
        assert_eq!(size_text(5 * 1024 * 1024 + 512 * 1024), "5.5 MiB");
        assert_eq!(size_text(1024 * 1024 - 1), "1024.0 KiB");
    }
}
