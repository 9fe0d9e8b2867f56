//! The Autopilot's runtime: a sampler that, per RUNNING deployment whose policy is not DISABLED,
//! gathers a metrics sample of its job every `sample_every`, keeps the samples of the job's current
//! run in memory (a ring trimmed to the metrics window), runs `autopilot::decide` and writes an
//! event when the recommendation changes. Under ACTIVE a decision to rescale is handed to the
//! engine's next pass (`Observation::autopilot`), which records and applies it like any other
//! step; the sampler itself never changes a deployment or a job.
//!
//! # Guarantees
//! - The sampler asks Flink outside the reconcile pass (a pass makes at most one acting call), and
//!   no more samples run at once than passes may (`spawn_controller` shares its permits).
//! - Samples live in memory only: a console restart starts a fresh window, so the first decision
//!   after it comes a metrics window later. What must survive a restart (the last change, for the
//!   cool-down; STABLE's clocks) is in the engine's record, written with the rescale.
//! - A decision is about one job: a new job (a start, an upgrade) starts a new series.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use autopilot::{decide, Action, AutopilotState, AutopilotStatus, Decision, DecisionInput, NoChangeReason};
use domain::autopilot::Mode;
use domain::job_metrics::JobMetricsSample;
use domain::{DeploymentState, DesiredState, Event, EventName, JobState, NamespaceName};
use flink::{SampleDepth, SourceMetricNames};
use tokio::sync::{watch, Semaphore};

use crate::controller::Nudger;
use crate::observe::{flink_job_id, FINGERPRINT_ANNOTATION};
use crate::plan::{fingerprint, WantedRescale};
use crate::record::EngineRecord;
use crate::time::rfc3339;
use crate::{Engine, EngineError};

/// A deployment: (namespace, id).
type Key = (String, String);

/// How the Autopilot samples and applies.
#[derive(Debug, Clone)]
pub struct AutopilotSettings {
    /// How often a job is sampled; well below the metrics window, so Flink's lazily refreshed
    /// metric store stays fresh (docs/autopilot.md). Default 15 s.
    pub sample_every: Duration,
    /// The most samples kept per deployment, whatever the window (a 15 min window at 15 s is 61).
    pub max_samples: usize,
}

impl Default for AutopilotSettings {
    fn default() -> Self {
        Self { sample_every: Duration::from_secs(15), max_samples: 2_000 }
    }
}

/// What one sampler look at a deployment did.
#[derive(Debug, Clone, PartialEq)]
pub enum Look {
    /// Nothing to sample; the reason, for logs and tests.
    Skipped(&'static str),
    /// A sample was taken and decided on.
    Decided {
        /// The decision.
        decision: Box<Decision>,
        /// Flink calls it cost.
        flink_calls: u32,
        /// ACTIVE and it rescales: the engine's next pass applies it.
        wants_rescale: bool,
    },
}

/// One deployment's Autopilot memory.
struct Tracked {
    /// The Job resource the samples are of.
    job_id: String,
    flink_job_id: String,
    names: SourceMetricNames,
    depth: SampleDepth,
    samples: VecDeque<JobMetricsSample>,
    decision: Option<Decision>,
    flink_calls: Option<u32>,
    in_place: Option<bool>,
    /// The decision's state as the sampler carries it between decisions (waiting scale-downs,
    /// STABLE's start when first chosen); the record's copy wins for what it holds.
    state: AutopilotState,
    /// What the last event said (action and recommended parallelism), so that only changes are written.
    evented: Option<String>,
    wanted: Option<WantedRescale>,
}

impl Tracked {
    fn new(job_id: &str, flink_job_id: &str) -> Self {
        Self {
            job_id: job_id.to_owned(),
            flink_job_id: flink_job_id.to_owned(),
            names: SourceMetricNames::default(),
            // The first samples list the sources' metrics: a backlog (`pendingRecords`) needs the
            // per-vertex calls, anything else is read from the job's details alone.
            depth: SampleDepth::PerVertex,
            samples: VecDeque::new(),
            decision: None,
            flink_calls: None,
            in_place: None,
            state: AutopilotState::default(),
            evented: None,
            wanted: None,
        }
    }
}

/// The Autopilot's memory of every deployment it samples; shared by the sampler, the engine's
/// passes (the rescale they apply) and the API (`status`).
#[derive(Default)]
pub struct Monitor {
    tracked: Mutex<HashMap<Key, Tracked>>,
    /// When the engine last recorded a rescale of each deployment: a wish decided before it (by a
    /// sample that was under way meanwhile) is stale.
    applied_at: Mutex<HashMap<Key, i64>>,
    settings: AutopilotSettings,
}

impl Monitor {
    /// A monitor with these settings.
    pub fn new(settings: AutopilotSettings) -> Self {
        Self { tracked: Mutex::default(), applied_at: Mutex::default(), settings }
    }

    /// Its settings.
    pub fn settings(&self) -> &AutopilotSettings {
        &self.settings
    }

    fn with<T>(&self, f: impl FnOnce(&mut HashMap<Key, Tracked>) -> T) -> T {
        let mut tracked = self.tracked.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        f(&mut tracked)
    }

    /// The rescale the sampler wants applied to the deployment, if it is recent (a few sampling
    /// periods): an old decision is not acted on, the next one replaces it.
    pub fn wanted(&self, namespace: &str, id: &str, now_ms: i64) -> Option<WantedRescale> {
        let fresh_ms = i64::try_from(self.settings.sample_every.as_millis().saturating_mul(3)).unwrap_or(i64::MAX);
        let key = (namespace.to_owned(), id.to_owned());
        let applied_at = self.applied_at.lock().unwrap_or_else(|p| p.into_inner()).get(&key).copied();
        self.with(|tracked| {
            let wanted = tracked.get(&key)?.wanted.clone()?;
            let fresh = now_ms.saturating_sub(wanted.decided_at_ms) <= fresh_ms.max(60_000);
            let after_the_last = applied_at.is_none_or(|at| wanted.decided_at_ms > at);
            (fresh && after_the_last).then_some(wanted)
        })
    }

    /// The engine recorded the rescale: it is no longer wanted, and the samples of the job's old
    /// parallelism say nothing about the new one.
    pub fn applied(&self, namespace: &str, id: &str, now_ms: i64) {
        let key = (namespace.to_owned(), id.to_owned());
        self.applied_at.lock().unwrap_or_else(|p| p.into_inner()).insert(key.clone(), now_ms);
        self.with(|tracked| {
            if let Some(entry) = tracked.get_mut(&key) {
                entry.wanted = None;
                entry.samples.clear();
            }
        });
    }

    /// What the Autopilot knows of the deployment now, for the API; `mode` is the policy's.
    pub fn status(&self, namespace: &str, id: &str, mode: Mode, waiting_for: Option<String>) -> AutopilotStatus {
        let sample_interval_seconds = self.settings.sample_every.as_secs();
        self.with(|tracked| match tracked.get(&(namespace.to_owned(), id.to_owned())) {
            Some(entry) => AutopilotStatus {
                mode,
                waiting_for,
                flink_job_id: Some(entry.flink_job_id.clone()),
                in_place_rescale: entry.in_place,
                sample_interval_seconds,
                decision: entry.decision.clone(),
                flink_calls_per_decision: entry.flink_calls,
                state: entry.decision.as_ref().map(|d| d.next_state.clone()).unwrap_or_else(|| entry.state.clone()),
                samples: entry.samples.iter().cloned().collect(),
            },
            None => AutopilotStatus {
                mode,
                waiting_for: waiting_for.or_else(|| Some("no sample of the job yet".to_owned())),
                flink_job_id: None,
                in_place_rescale: None,
                sample_interval_seconds,
                decision: None,
                flink_calls_per_decision: None,
                state: AutopilotState::default(),
                samples: Vec::new(),
            },
        })
    }

    /// Forgets deployments that are no longer sampled (not running, policy DISABLED, deleted).
    fn retain(&self, keys: &[Key]) {
        self.with(|tracked| tracked.retain(|key, _| keys.contains(key)));
        self.applied_at.lock().unwrap_or_else(|p| p.into_inner()).retain(|key, _| keys.contains(key));
    }

    fn forget(&self, key: &Key) {
        self.with(|tracked| tracked.remove(key));
    }
}

impl Engine {
    /// One sampler look at one deployment: if it runs steadily with a policy that is not DISABLED,
    /// gather a sample of its job, decide, write an event when the recommendation changed, and
    /// under ACTIVE remember the rescale for the next pass. See the module documentation.
    pub async fn sample_autopilot(&self, namespace: &NamespaceName, id: &str) -> Result<Look, EngineError> {
        let key = (namespace.as_str().to_owned(), id.to_owned());
        let Some(row) = self.store.engine_row(namespace, id).await? else {
            self.autopilot.forget(&key);
            return Ok(Look::Skipped("the deployment is gone"));
        };
        let deployment = row.deployment;
        let Some(policy) = deployment.spec.autopilot.clone().filter(|p| p.mode != Mode::Disabled) else {
            self.autopilot.forget(&key);
            return Ok(Look::Skipped("the policy is DISABLED"));
        };
        let record = EngineRecord::read(row.engine.as_deref())?;
        let steady = deployment.status.state == DeploymentState::Running
            && deployment.spec.state == DesiredState::Running
            && record.operation.is_none();
        let job = self.store.active_job(namespace, id).await?;
        let spec_fingerprint = fingerprint(&deployment.spec);
        let job = job.filter(|job| {
            job.status.state == JobState::Started
                && job.metadata.annotations.get(FINGERPRINT_ANNOTATION) == Some(&spec_fingerprint)
        });
        let (Some(job), true) = (job, steady) else {
            self.autopilot.with(|tracked| tracked.get_mut(&key).map(|t| t.wanted = None));
            return Ok(Look::Skipped("the deployment is not running steadily"));
        };
        let Some(flink_id) = flink_job_id(&job) else {
            return Ok(Look::Skipped("the job has no Flink id"));
        };
        let target = deployment.spec.deployment_target_name.clone().unwrap_or_default();
        let Ok(cluster) = self.clusters.cluster(namespace, &target).await else {
            return Ok(Look::Skipped("the deployment target is not found"));
        };

        // Take what the sampler remembers out while Flink is asked (the lock is not held across IO).
        let mut entry = match self.autopilot.with(|tracked| tracked.remove(&key)) {
            Some(entry) if entry.job_id == job.metadata.id => entry,
            _ => Tracked::new(&job.metadata.id, &flink_id.0),
        };
        let mut flink_calls = 0;
        if entry.in_place.is_none() {
            flink_calls += 1;
            entry.in_place = cluster.adaptive_scheduler().await.ok();
        }
        let now_ms = self.clock.now_ms();
        let gathered = cluster.job_metrics_sample(&flink_id, now_ms, entry.depth, &mut entry.names).await;
        let gathered = match gathered {
            Ok(gathered) => gathered,
            Err(err) => {
                tracing::debug!(%namespace, deployment = %deployment.metadata.name, error = %err, "no Autopilot sample");
                self.autopilot.with(|tracked| tracked.insert(key, entry));
                return Ok(Look::Skipped("Flink answered no metrics"));
            }
        };
        flink_calls += gathered.requests;
        self.keep_sample(&mut entry, gathered.sample, &policy.tuning, now_ms);

        let mut state = entry.state.clone();
        if let Some(stored) = &record.autopilot {
            state.last_change_at_ms = stored.last_change_at_ms;
            state.stable_since_ms = stored.stable_since_ms.or(state.stable_since_ms);
        }
        let history: Vec<JobMetricsSample> = entry.samples.iter().cloned().collect();
        let resources = job_resources(&deployment.spec);
        let decision = decide(&DecisionInput {
            policy: &policy,
            history: &history,
            state: &state,
            resources: resources.as_ref(),
            now_ms,
        });
        entry.state = decision.next_state.clone();
        tracing::info!(
            %namespace, deployment = %deployment.metadata.name, flink_calls, samples = history.len(),
            action = %action_name(&decision.action), "Autopilot decision"
        );

        let wants_rescale = policy.mode == Mode::Active && decision.applies();
        if wants_rescale {
            let current: BTreeMap<String, u32> =
                decision.vertices.iter().map(|v| (v.vertex_id.clone(), v.current_parallelism)).collect();
            entry.wanted = Some(WantedRescale {
                decided_at_ms: now_ms,
                job_id: job.metadata.id.clone(),
                current,
                parallelism_by_vertex: decision.parallelism_by_vertex(),
                names: decision.vertices.iter().map(|v| (v.vertex_id.clone(), v.name.clone())).collect(),
                in_place: entry.in_place == Some(true),
                next_state: decision.next_state.clone(),
                explanation: explain(&decision, flink_calls),
            });
            entry.evented = None;
        } else {
            entry.wanted = None;
            if let Some(said) = event_key(&decision).filter(|said| entry.evented.as_ref() != Some(said)) {
                let message = format!("Autopilot ({}) {}", mode_name(policy.mode), explain(&decision, flink_calls));
                let at = rfc3339(now_ms);
                let event = Event::new(
                    uuid::Uuid::new_v4().to_string(),
                    namespace.as_str(),
                    id,
                    Some(&job.metadata.id),
                    EventName::AutopilotRecommendation,
                    message,
                    &at,
                );
                self.store.append_event(&event).await?;
                entry.evented = Some(said);
            }
        }
        entry.decision = Some(decision.clone());
        entry.flink_calls = Some(flink_calls);
        self.autopilot.with(|tracked| tracked.insert(key, entry));
        Ok(Look::Decided { decision: Box::new(decision), flink_calls, wants_rescale })
    }

    /// Adds a sample to the ring: samples of an earlier run go, so do those older than the window
    /// (keeping one before its start, which the decision anchors on), and the ring never exceeds
    /// `max_samples`. The first sample that lists a source's counters settles the depth: per vertex
    /// only where a source reports a backlog.
    fn keep_sample(&self, entry: &mut Tracked, sample: JobMetricsSample, tuning: &autopilot::Tuning, now_ms: i64) {
        if entry.depth == SampleDepth::PerVertex {
            let mut sources = sample.vertices.iter().filter(|v| v.is_source).peekable();
            let listed = sources.peek().is_some() && sources.all(|v| entry.names.listed(&v.id));
            if listed && !entry.names.reports_backlog() {
                entry.depth = SampleDepth::JobDetails;
                // Samples of the two depths aggregate busy time differently: start the series anew.
                entry.samples.clear();
                return;
            }
        }
        entry.samples.retain(|s| s.running_since_ms == sample.running_since_ms);
        entry.samples.push_back(sample);
        let period_ms = i64::try_from(self.autopilot.settings.sample_every.as_millis()).unwrap_or(i64::MAX);
        let keep_ms = i64::try_from(tuning.metrics_window_seconds.saturating_mul(1000))
            .unwrap_or(i64::MAX)
            .saturating_add(period_ms.saturating_mul(2));
        while entry.samples.len() > 2 && entry.samples.front().is_some_and(|s| now_ms - s.taken_at_ms > keep_ms) {
            entry.samples.pop_front();
        }
        while entry.samples.len() > self.autopilot.settings.max_samples.max(2) {
            entry.samples.pop_front();
        }
    }
}

/// What a job of the deployment costs, for the policy's CPU and memory limits: the TaskManager's
/// and JobManager's CPU and memory of `spec.template.spec.resources` (Ververica Platform's shape,
/// also what a tuning plan writes) with `taskmanager.numberOfTaskSlots` of its Flink configuration
/// (1 if unset). `None` unless the TaskManager's CPU and memory are both given: a limit is never
/// judged against a size the console does not know.
pub fn job_resources(spec: &domain::DeploymentSpec) -> Option<autopilot::JobResources> {
    let template = &spec.template.spec;
    let resources = template.extra.get("resources")?;
    let memory_mib = |text: &str| domain::tuning_plan::memory_bytes(text).map(|bytes| bytes >> 20);
    let process = |name: &str| {
        let entry = resources.get(name);
        let cpu = entry.and_then(|e| e.get("cpu")).and_then(|cpu| match cpu {
            serde_json::Value::Number(n) => n.as_f64(),
            serde_json::Value::String(text) => text.trim().parse().ok(),
            _ => None,
        });
        let memory = entry.and_then(|e| e.get("memory")).and_then(serde_json::Value::as_str).and_then(memory_mib);
        (cpu.filter(|c| c.is_finite() && *c > 0.0), memory.filter(|m| *m > 0))
    };
    let (Some(task_manager_cpu), Some(task_manager_memory_mib)) = process("taskmanager") else {
        return None;
    };
    let (job_manager_cpu, job_manager_memory_mib) = process("jobmanager");
    let slots_per_task_manager = template
        .flink_configuration
        .get("taskmanager.numberOfTaskSlots")
        .and_then(|slots| slots.trim().parse::<u32>().ok())
        .filter(|slots| *slots > 0)
        .unwrap_or(1);
    Some(autopilot::JobResources {
        slots_per_task_manager,
        task_manager_cpu,
        task_manager_memory_mib,
        job_manager_cpu: job_manager_cpu.unwrap_or(0.0),
        job_manager_memory_mib: job_manager_memory_mib.unwrap_or(0),
    })
}

/// The action in a word or two (`SCALE_UP`, `NO_CHANGE/WITHIN_BOUNDS`, `NOT_APPLIED/UP/MONITORING`).
pub fn action_name(action: &Action) -> String {
    let tag = |value: serde_json::Value, key: &str| value.get(key).and_then(|v| v.as_str()).unwrap_or("?").to_owned();
    match action {
        Action::ScaleUp => "SCALE_UP".into(),
        Action::ScaleDown => "SCALE_DOWN".into(),
        Action::NoChange { reason } => {
            format!("NO_CHANGE/{}", tag(serde_json::to_value(reason).unwrap_or_default(), "type"))
        }
        Action::Blocked { reason } => {
            format!("BLOCKED/{}", tag(serde_json::to_value(reason).unwrap_or_default(), "type"))
        }
        Action::NotApplied { direction, why } => format!(
            "NOT_APPLIED/{}/{}",
            tag(serde_json::json!({ "d": direction }), "d"),
            tag(serde_json::to_value(why).unwrap_or_default(), "type")
        ),
    }
}

/// What an event about the decision would say, as a key: the action and every vertex's
/// recommended parallelism. `None` while the Autopilot is still waiting (no metrics, stabilising,
/// filling the window): nothing worth an event.
fn event_key(decision: &Decision) -> Option<String> {
    if let Action::NoChange {
        reason:
            NoChangeReason::Disabled
            | NoChangeReason::NoMetrics
            | NoChangeReason::Stabilizing { .. }
            | NoChangeReason::CollectingMetrics { .. },
    } = &decision.action
    {
        return None;
    }
    let parallelism: Vec<String> =
        decision.vertices.iter().map(|v| format!("{}={}", v.vertex_id, v.recommended_parallelism)).collect();
    Some(format!("{} {}", action_name(&decision.action), parallelism.join(",")))
}

/// The decision in words with every vertex's numbers, for events and logs.
pub fn explain(decision: &Decision, flink_calls: u32) -> String {
    let vertices: Vec<String> = decision
        .vertices
        .iter()
        .map(|v| {
            let back_pressure =
                v.back_pressured_percent.map(|b| format!(", back-pressured {b:.0} %")).unwrap_or_default();
            format!("{} [{:?}]: {}{back_pressure}, in {:.1}/s", v.name, v.verdict, v.reason, v.input_rate)
        })
        .collect();
    let window = decision
        .window
        .map(|w| format!(" Window {} samples over {:.0} s;", w.samples, (w.to_ms - w.from_ms) as f64 / 1000.0))
        .unwrap_or_default();
    format!(
        "decided {}: {}.{window} {flink_calls} Flink calls for this decision.",
        action_name(&decision.action),
        vertices.join("; ")
    )
}

/// Samples every deployment the Autopilot may have work for, every `sample_every`, no more at once
/// than `permits` allow (the controller's), and nudges a deployment whose rescale is wanted.
pub(crate) async fn run_sampler(
    engine: Arc<Engine>,
    nudger: Nudger,
    permits: Arc<Semaphore>,
    mut shutdown: watch::Receiver<bool>,
) {
    let mut tick = tokio::time::interval(engine.autopilot.settings.sample_every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = shutdown.changed() => {
                if *shutdown.borrow() {
                    break;
                }
                continue;
            }
        }
        let keys = match engine.store.autopilot_deployment_keys().await {
            Ok(keys) => keys,
            Err(err) => {
                tracing::warn!(error = %err, "the Autopilot cannot list the deployments");
                continue;
            }
        };
        engine.autopilot.retain(&keys);
        let mut looks = tokio::task::JoinSet::new();
        for (namespace, id) in keys {
            let Ok(namespace) = NamespaceName::parse(&namespace) else { continue };
            let Ok(permit) = permits.clone().acquire_owned().await else { return };
            let (engine, nudger) = (engine.clone(), nudger.clone());
            looks.spawn(async move {
                let look = engine.sample_autopilot(&namespace, &id).await;
                drop(permit);
                match look {
                    Ok(Look::Decided { wants_rescale: true, .. }) => nudger.nudge(namespace.as_str(), &id),
                    Ok(_) => {}
                    Err(err) => tracing::warn!(%namespace, deployment = %id, error = %err, "Autopilot sample failed"),
                }
            });
        }
        while looks.join_next().await.is_some() {}
    }
}

/// The mode as written in a policy.
fn mode_name(mode: Mode) -> &'static str {
    match mode {
        Mode::Disabled => "DISABLED",
        Mode::Monitoring => "MONITORING",
        Mode::Active => "ACTIVE",
    }
}

#[cfg(test)]
mod resource_tests {
    use super::*;

    #[test]
    fn a_jobs_size_comes_from_the_deployments_resources_or_is_unknown() {
        let mut document = domain::input::builtin_defaults();
        document["template"]["spec"]["resources"] = serde_json::json!({
            "taskmanager": {"cpu": 2.0, "memory": "4g"}, "jobmanager": {"cpu": "0.5", "memory": "1024m"}
        });
        document["template"]["spec"]["flinkConfiguration"] = serde_json::json!({"taskmanager.numberOfTaskSlots": "2"});
        let mut spec: domain::DeploymentSpec = serde_json::from_value(document).expect("a spec");
        let sizes = job_resources(&spec).expect("known");
        assert_eq!(sizes.slots_per_task_manager, 2);
        assert_eq!((sizes.task_manager_cpu, sizes.task_manager_memory_mib), (2.0, 4096));
        assert_eq!((sizes.job_manager_cpu, sizes.job_manager_memory_mib), (0.5, 1024));
        // 4.5 cores: the JobManager's 0.5 and two TaskManagers of 2 → 4 slots.
        assert_eq!(sizes.slots_within_cpu(4.5), 4);
        spec.template.spec.extra.insert("resources".into(), serde_json::json!({"taskmanager": {"cpu": 2.0}}));
        assert_eq!(job_resources(&spec), None, "no memory: unknown, never guessed");
    }
}
