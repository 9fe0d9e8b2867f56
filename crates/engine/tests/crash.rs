//! Crash safety: the engine is killed at every step of a suspend, a stateful upgrade and a start —
//! between passes, just before each Flink side effect, and just after it (before the engine could
//! record the answer) — then a new engine on a new connection to the same database takes over. It
//! must converge to the desired state with no completed savepoint forgotten and never two active
//! jobs. Killing is modelled by dropping the pass at that point: the database and the (fake) Flink
//! cluster live on, as they would after SIGKILL of the console.

mod support;

use std::future::pending;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use domain::{DeploymentState, DesiredState, Savepoint, SavepointOrigin, SavepointState};
use flink::testing::FakeFlink;
use flink::*;
use storage::Store;
use support::{engine_on, namespace, settle, Harness};

#[derive(Debug, Clone, Copy, PartialEq)]
enum Kill {
    /// After this many passes, between two of them.
    BetweenPasses(u32),
    /// At the n-th side effect in Flink, before Flink sees it.
    BeforeFlinkActs(u32),
    /// At the n-th side effect in Flink, after Flink did it but before the engine hears back.
    AfterFlinkActs(u32),
}

/// The fake cluster, with the console dying around its n-th side effect.
struct Dying {
    flink: Arc<FakeFlink>,
    kill: Kill,
    effects: AtomicU32,
}

impl Dying {
    async fn effect<T>(&self, act: impl std::future::Future<Output = Result<T, FlinkError>>) -> Result<T, FlinkError> {
        let n = self.effects.fetch_add(1, Ordering::SeqCst) + 1;
        match self.kill {
            Kill::BeforeFlinkActs(at) if at == n => pending().await,
            Kill::AfterFlinkActs(at) if at == n => {
                let _ = act.await;
                pending().await
            }
            _ => act.await,
        }
    }
}

#[async_trait]
impl FlinkCluster for Dying {
    async fn overview(&self) -> Result<ClusterOverview, FlinkError> {
        self.flink.overview().await
    }
    async fn submit(&self, submission: &Submission) -> Result<JobId, FlinkError> {
        self.effect(self.flink.submit(submission)).await
    }
    async fn job_state(&self, job: &JobId) -> Result<Option<flink::JobState>, FlinkError> {
        self.flink.job_state(job).await
    }
    async fn jobs(&self) -> Result<Vec<flink::JobOverview>, FlinkError> {
        FlinkCluster::jobs(self.flink.as_ref()).await
    }
    async fn cancel(&self, job: &JobId) -> Result<(), FlinkError> {
        self.effect(self.flink.cancel(job)).await
    }
    async fn stop_with_savepoint(&self, job: &JobId, request: &SavepointRequest) -> Result<TriggerId, FlinkError> {
        self.effect(self.flink.stop_with_savepoint(job, request)).await
    }
    async fn trigger_savepoint(&self, job: &JobId, request: &SavepointRequest) -> Result<TriggerId, FlinkError> {
        self.effect(self.flink.trigger_savepoint(job, request)).await
    }
    async fn savepoint_operation(&self, job: &JobId, trigger: &TriggerId) -> Result<Operation, FlinkError> {
        self.flink.savepoint_operation(job, trigger).await
    }
    async fn checkpoints(&self, job: &JobId) -> Result<CheckpointSummary, FlinkError> {
        self.flink.checkpoints(job).await
    }
    async fn exceptions(&self, job: &JobId) -> Result<Vec<JobException>, FlinkError> {
        self.flink.exceptions(job).await
    }
    async fn job_details(&self, job: &JobId) -> Result<flink::JobDetails, FlinkError> {
        self.flink.job_details(job).await
    }
    async fn dispose_savepoint(&self, location: &str) -> Result<TriggerId, FlinkError> {
        self.effect(self.flink.dispose_savepoint(location)).await
    }
    async fn disposal_operation(&self, trigger: &TriggerId) -> Result<Operation, FlinkError> {
        self.flink.disposal_operation(trigger).await
    }
    async fn job_metrics_sample(
        &self,
        job: &JobId,
        taken_at_ms: i64,
        depth: SampleDepth,
        names: &mut SourceMetricNames,
    ) -> Result<GatheredSample, FlinkError> {
        self.flink.job_metrics_sample(job, taken_at_ms, depth, names).await
    }
    async fn configuration(&self) -> Result<std::collections::BTreeMap<String, String>, FlinkError> {
        self.flink.configuration().await
    }
    async fn resource_requirements(
        &self,
        job: &JobId,
    ) -> Result<std::collections::BTreeMap<String, ParallelismBounds>, FlinkError> {
        self.flink.resource_requirements(job).await
    }
    async fn set_resource_requirements(
        &self,
        job: &JobId,
        bounds: &std::collections::BTreeMap<String, ParallelismBounds>,
    ) -> Result<(), FlinkError> {
        self.effect(self.flink.set_resource_requirements(job, bounds)).await
    }
    async fn vertex_parallelism(&self, job: &JobId) -> Result<std::collections::BTreeMap<String, u32>, FlinkError> {
        self.flink.vertex_parallelism(job).await
    }
}

/// Runs a dying console until it dies (or settles), asserting after every pass that Flink never
/// runs two jobs; then a new console on a new connection takes over and settles.
async fn kill_and_restart(h: &Harness, kill: Kill) -> bool {
    kill_and_restart_after(h, kill, Duration::ZERO).await
}

/// `kill_and_restart`, the dying console first sampling the Autopilot every 15 s for `sampling`
/// (so that its Autopilot wants a rescale when the passes begin).
async fn kill_and_restart_after(h: &Harness, kill: Kill, sampling: Duration) -> bool {
    let dying = Arc::new(Dying { flink: h.flink.clone(), kill, effects: AtomicU32::new(0) });
    let store = Store::connect(h.db.url()).await.expect("the console's database");
    let console = engine_on(store, dying, h.clock.clone());
    let mut sampled = Duration::ZERO;
    while sampled < sampling {
        h.clock.advance(Duration::from_secs(15));
        sampled += Duration::from_secs(15);
        console.sample_autopilot(&namespace(), &h.id).await.expect("a sample");
    }
    let mut died = false;
    for pass in 1..=60u32 {
        if kill == Kill::BetweenPasses(pass - 1) {
            died = true;
            break;
        }
        match tokio::time::timeout(Duration::from_millis(200), console.reconcile(&namespace(), &h.id)).await {
            Err(_) => {
                died = true;
                break;
            }
            Ok(report) => {
                let report = report.expect("a pass");
                assert!(h.flink.active_jobs().len() <= 1, "{kill:?}: two jobs run in Flink");
                match (report.step, report.requeue) {
                    (engine::Step::Steady, _) => break,
                    (_, engine::Requeue::After(after)) => h.clock.advance(after),
                    (_, engine::Requeue::Never) => break,
                }
            }
        }
    }
    drop(console);
    let store = Store::connect(h.db.url()).await.expect("the console's database, after the restart");
    let restarted = engine_on(store, h.flink.clone(), h.clock.clone());
    settle(&restarted, &h.clock, &h.id).await;
    assert!(h.flink.active_jobs().len() <= 1, "{kill:?}: two jobs run in Flink after the restart");
    died
}

/// Every savepoint Flink completed for the deployment is recorded as COMPLETED at its location.
async fn no_savepoint_forgotten(h: &Harness, kill: Kill) {
    let recorded: Vec<String> = h
        .savepoints()
        .await
        .into_iter()
        .filter(|s| s.status.state == SavepointState::Completed)
        .filter_map(|s| s.spec.savepoint_location)
        .collect();
    let taken = h.flink.completed_savepoints();
    for location in taken {
        assert!(recorded.contains(&location), "{kill:?}: Flink's savepoint {location} is not recorded: {recorded:?}");
    }
}

fn kills(effects: u32, passes: u32) -> Vec<Kill> {
    let mut kills: Vec<Kill> = (0..passes).map(Kill::BetweenPasses).collect();
    for n in 1..=effects {
        kills.push(Kill::BeforeFlinkActs(n));
        kills.push(Kill::AfterFlinkActs(n));
    }
    kills
}

async fn running() -> Harness {
    let h = Harness::new().await;
    h.desire(DesiredState::Running).await;
    h.settle().await;
    h.flink.complete_checkpoint(&h.flink_job().await).expect("a checkpoint");
    h.settle().await;
    h
}

#[tokio::test]
async fn a_console_killed_at_any_step_of_a_suspend_converges_with_its_savepoint() {
    let mut died = 0;
    for kill in kills(3, 8) {
        let h = running().await;
        // One failed attempt first, so the kill also lands in a retry.
        h.flink.set_faults(|f| {
            f.fail_savepoints = 1;
            f.operation_polls = 1;
        });
        h.desire(DesiredState::Suspended).await;
        died += u32::from(kill_and_restart(&h, kill).await);
        assert_eq!(h.state().await, DeploymentState::Suspended, "{kill:?}");
        assert!(h.flink.active_jobs().is_empty(), "{kill:?}");
        assert_eq!(h.flink.calls().cancel, 0, "{kill:?}: a suspend never cancels");
        no_savepoint_forgotten(&h, kill).await;
        let savepoints = h.savepoints().await;
        let suspend = savepoints
            .iter()
            .filter(|s| s.metadata.origin == SavepointOrigin::Suspend && s.status.state == SavepointState::Completed)
            .count();
        assert_eq!(suspend, 1, "{kill:?}: {savepoints:?}");
        let jobs = h.jobs().await;
        assert!(jobs.iter().all(|j| j.status.state.is_terminal()), "{kill:?}");
    }
    assert!(died >= 10, "the console died in most runs ({died})");
}

#[tokio::test]
async fn a_console_killed_at_any_step_of_a_stateful_upgrade_converges_on_one_job_from_its_savepoint() {
    for kill in kills(3, 10) {
        let h = running().await;
        h.flink.set_faults(|f| f.operation_polls = 1);
        h.change(|spec| spec.template.spec.parallelism = Some(2)).await;
        kill_and_restart(&h, kill).await;
        assert_eq!(h.state().await, DeploymentState::Running, "{kill:?}");
        no_savepoint_forgotten(&h, kill).await;
        let active = h.flink.active_jobs();
        assert_eq!(active.len(), 1, "{kill:?}");
        let running = h.flink.job(&active[0]).expect("the job");
        assert_eq!(running.submission.parallelism, Some(2), "{kill:?}");
        let upgrade: Vec<Savepoint> = h
            .savepoints()
            .await
            .into_iter()
            .filter(|s| {
                s.metadata.origin == SavepointOrigin::SuspendAndUpgrade && s.status.state == SavepointState::Completed
            })
            .collect();
        assert_eq!(upgrade.len(), 1, "{kill:?}");
        assert_eq!(running.restored_from, upgrade[0].spec.savepoint_location, "{kill:?}: the new spec starts from it");
        let jobs = h.jobs().await;
        assert_eq!(jobs.iter().filter(|j| !j.status.state.is_terminal()).count(), 1, "{kill:?}");
    }
}

#[tokio::test]
async fn a_console_killed_while_starting_a_job_never_starts_two() {
    for kill in kills(1, 4) {
        let h = Harness::new().await;
        h.desire(DesiredState::Running).await;
        kill_and_restart(&h, kill).await;
        assert_eq!(h.state().await, DeploymentState::Running, "{kill:?}");
        assert_eq!(h.flink.jobs().len(), 1, "{kill:?}: exactly one job was ever submitted");
        assert_eq!(h.jobs().await.len(), 1, "{kill:?}");
    }
}

/// A console restarted before the rescale was recorded forgot the decision (samples live in
/// memory): it decides again after a new window. One that recorded it finished it; sampling on
/// changes nothing more (the next change would be a scale-down, delayed by an hour).
async fn resample(h: &Harness) {
    let store = Store::connect(h.db.url()).await.expect("the console's database");
    let console = engine_on(store, h.flink.clone(), h.clock.clone());
    support::sample_for(&console, &h.clock, &h.id, Duration::from_secs(90)).await;
}

async fn autopilot_running(adaptive: bool) -> Harness {
    let h = Harness::with_spec(support::autopilot_spec("ACTIVE")).await;
    h.flink.set_adaptive_scheduler(adaptive);
    h.flink.set_metrics(support::back_pressured_job(1000.0, 400.0));
    h.desire(DesiredState::Running).await;
    h.settle().await;
    h.flink.complete_checkpoint(&h.flink_job().await).expect("a checkpoint");
    h.settle().await;
    h
}

#[tokio::test]
async fn a_console_killed_at_any_step_of_an_autopilot_rescale_in_place_converges_on_the_same_job_rescaled() {
    for kill in kills(1, 4) {
        let h = autopilot_running(true).await;
        h.flink.set_faults(|f| f.rescale_at_once = true);
        let job = h.flink_job().await;
        kill_and_restart_after(&h, kill, Duration::from_secs(90)).await;
        resample(&h).await;
        assert_eq!(h.state().await, DeploymentState::Running, "{kill:?}");
        assert_eq!(h.flink.active_jobs(), std::slice::from_ref(&job), "{kill:?}: the same job, rescaled in place");
        let rescaled = h.flink.job(&job).expect("the job");
        let counter = rescaled.parallelism_of(support::COUNTER);
        assert!(counter > 1, "{kill:?}");
        assert_eq!(h.deployment().await.spec.template.spec.parallelism, Some(counter), "{kill:?}");
        assert_eq!(h.flink.calls().stop_with_savepoint, 0, "{kill:?}: no upgrade");
        assert_eq!(h.jobs().await.len(), 1, "{kill:?}");
        let record = h.store.engine_row(&namespace(), &h.id).await.expect("read").expect("row").engine;
        assert!(!record.unwrap_or_default().contains("\"kind\":\"Rescale\""), "{kill:?}: the rescale is finished");
    }
}

#[tokio::test]
async fn a_console_killed_at_any_step_of_an_autopilot_rescale_by_upgrade_keeps_the_state() {
    for kill in kills(3, 8) {
        let h = autopilot_running(false).await;
        h.flink.set_faults(|f| f.operation_polls = 1);
        kill_and_restart_after(&h, kill, Duration::from_secs(90)).await;
        resample(&h).await;
        assert_eq!(h.state().await, DeploymentState::Running, "{kill:?}");
        no_savepoint_forgotten(&h, kill).await;
        let active = h.flink.active_jobs();
        assert_eq!(active.len(), 1, "{kill:?}");
        let running = h.flink.job(&active[0]).expect("the job");
        let parallelism = h.deployment().await.spec.template.spec.parallelism;
        assert!(parallelism.is_some_and(|p| p > 1), "{kill:?}: the spec shows the new parallelism");
        assert_eq!(running.submission.parallelism, parallelism, "{kill:?}");
        let upgrade: Vec<Savepoint> = h
            .savepoints()
            .await
            .into_iter()
            .filter(|s| {
                s.metadata.origin == SavepointOrigin::SuspendAndUpgrade && s.status.state == SavepointState::Completed
            })
            .collect();
        assert_eq!(upgrade.len(), 1, "{kill:?}");
        assert_eq!(running.restored_from, upgrade[0].spec.savepoint_location, "{kill:?}: no state lost");
    }
}
