//! A deployment, a store and a fake Flink cluster under a hand-moved clock, for the engine's
//! scenario and crash tests. The fake is the stand-in for unit and fault tests only; the real-Flink
//! tests live in `real_flink.rs`.

#![allow(dead_code, reason = "each test binary uses a different part of the harness")]

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use domain::*;
use engine::plan::Step;
use engine::{ClusterError, Clusters, Engine, ManualClock, Requeue, Settings};
use flink::testing::FakeFlink;
use flink::FlinkCluster;
use storage::testing::{fresh_store, TestDatabase};
use storage::Store;

pub const NAMESPACE: &str = "default";

/// Every target name resolves to one cluster, except `gone`.
pub struct OneCluster(pub Arc<dyn FlinkCluster>);

#[async_trait]
impl Clusters for OneCluster {
    async fn cluster(&self, _namespace: &NamespaceName, target: &str) -> Result<Arc<dyn FlinkCluster>, ClusterError> {
        if target == "gone" {
            return Err(ClusterError::NoTarget(format!("no deployment target {target:?}")));
        }
        Ok(self.0.clone())
    }
}

pub struct Harness {
    pub store: Store,
    pub flink: Arc<FakeFlink>,
    pub clock: Arc<ManualClock>,
    pub engine: Engine,
    pub id: String,
    pub db: TestDatabase,
    version: AtomicI64,
}

pub fn namespace() -> NamespaceName {
    NamespaceName::parse(NAMESPACE).expect("a namespace name")
}

pub fn spec_json() -> serde_json::Value {
    serde_json::json!({
        "state": "CANCELLED",
        "deploymentTargetName": "local",
        "upgradeStrategy": {"kind": "STATEFUL"},
        "restoreStrategy": {"kind": "LATEST_STATE"},
        "maxSavepointCreationAttempts": 4,
        "maxJobCreationAttempts": 4,
        "template": {"spec": {
            "artifact": {"kind": "JAR", "jarUri": "file:///jobs/stateful-job.jar", "entryClass": "console.examples.StatefulCounter"},
            "parallelism": 1
        }}
    })
}

/// The engine's settings in these tests.
pub fn settings() -> Settings {
    let mut settings = Settings::new("/jobs/sql-runner.jar".into());
    settings.poll_every = Duration::from_millis(500);
    settings.observe_every = Duration::from_secs(3);
    settings
}

pub fn engine_on(store: Store, flink: Arc<dyn FlinkCluster>, clock: Arc<ManualClock>) -> Engine {
    Engine::new(store, Arc::new(OneCluster(flink)), clock, settings())
}

impl Harness {
    pub async fn new() -> Self {
        Self::with_spec(spec_json()).await
    }

    pub async fn with_spec(spec: serde_json::Value) -> Self {
        let (store, db) = fresh_store().await;
        store.ensure_namespace(&namespace()).await.expect("namespace");
        let id = uuid::Uuid::new_v4().to_string();
        let now = "2026-01-01T00:00:00Z";
        let deployment: Deployment = serde_json::from_value(serde_json::json!({
            "apiVersion": "v1",
            "kind": "Deployment",
            "metadata": {"id": id, "name": "counter", "namespace": NAMESPACE, "createdAt": now, "modifiedAt": now, "resourceVersion": 1},
            "spec": spec,
            "status": {"state": "CANCELLED"}
        }))
        .expect("a deployment");
        store.insert_deployment(&deployment).await.expect("insert");
        let flink = Arc::new(FakeFlink::new());
        let clock = Arc::new(ManualClock::starting_at(1_767_225_600_000));
        let engine = engine_on(store.clone(), flink.clone(), clock.clone());
        Self { store, flink, clock, engine, id, db, version: AtomicI64::new(1) }
    }

    /// Changes the spec as a person would (a new resourceVersion).
    pub async fn change(&self, edit: impl FnOnce(&mut DeploymentSpec)) {
        let mut deployment = self.deployment().await;
        let version = self.version.load(Ordering::SeqCst);
        edit(&mut deployment.spec);
        deployment.metadata.resource_version = version + 1;
        self.store.update_deployment(&deployment, version).await.expect("a person's change");
        self.version.store(version + 1, Ordering::SeqCst);
    }

    pub async fn desire(&self, state: DesiredState) {
        self.change(|spec| spec.state = state).await;
    }

    pub async fn deployment(&self) -> Deployment {
        self.store.get_deployment(&namespace(), &self.id).await.expect("read").expect("the deployment exists")
    }

    pub async fn state(&self) -> DeploymentState {
        self.deployment().await.status.state
    }

    pub async fn jobs(&self) -> Vec<Job> {
        self.store.all_jobs_of_deployment(&namespace(), &self.id).await.expect("jobs")
    }

    pub async fn savepoints(&self) -> Vec<Savepoint> {
        self.store.all_savepoints_of_deployment(&namespace(), &self.id).await.expect("savepoints")
    }

    pub async fn events(&self) -> Vec<EventName> {
        let mut events = self.store.all_events_of_deployment(&namespace(), &self.id).await.expect("events");
        events.reverse();
        events.into_iter().map(|e| e.metadata.name).collect()
    }

    /// The Flink job id of the deployment's newest job.
    pub async fn flink_job(&self) -> flink::JobId {
        let job = self.jobs().await.into_iter().next().expect("a job");
        flink::JobId(job.status.started.expect("submitted").flink_job_id)
    }

    /// Runs passes (moving the clock by each requeue) until the engine is steady; returns the steps.
    pub async fn settle(&self) -> Vec<Step> {
        settle(&self.engine, &self.clock, &self.id).await
    }
}

pub async fn settle(engine: &Engine, clock: &ManualClock, id: &str) -> Vec<Step> {
    let mut steps = Vec::new();
    for _ in 0..60 {
        let report = engine.reconcile(&namespace(), id).await.expect("a pass");
        steps.push(report.step.clone());
        match (report.step, report.requeue) {
            (Step::Steady, _) | (_, Requeue::Never) => return steps,
            (_, Requeue::After(after)) => clock.advance(after),
        }
    }
    panic!("the engine did not settle: {steps:?}");
}

/// The harness's spec with an Autopilot policy: `mode`, no cool-down or stabilisation, a one-minute
/// window (a recorded series decides within minutes); scale-downs wait the operator's hour.
pub fn autopilot_spec(mode: &str) -> serde_json::Value {
    let mut spec = spec_json();
    spec["autopilot"] = serde_json::json!({
        "mode": mode,
        "limits": {"coolDownMinutes": 0},
        "tuning": {"stabilizationSeconds": 0, "metricsWindowSeconds": 60}
    });
    spec
}

/// Vertex ids of the modelled job: a source feeding a keyed counter.
pub const SOURCE: &str = "ca88eee0095684d687a1b6495617f957";
pub const COUNTER: &str = "0da08f51eaa85fc298e176a139b3649a";

/// A recorded load: the source is asked for `demand` records/s, each counter subtask manages
/// `per_subtask` records/s. Below the demand the counter is 100 % busy, the source back-pressured
/// and its backlog (`pendingRecords`, as a Kafka source reports it) grows. A run starts when the
/// job (or an in-place rescale of it) is first sampled; counters count from there.
pub fn back_pressured_job(demand: f64, per_subtask: f64) -> flink::testing::MetricsModel {
    use domain::job_metrics::{JobEdge, JobMetricsSample, ShipStrategy, VertexMetrics};
    let runs: Arc<std::sync::Mutex<std::collections::HashMap<String, i64>>> = Arc::default();
    Arc::new(move |job, taken_at_ms| {
        let run = format!("{:?}/{}", job.submission.job_id, job.rescales);
        let since = *runs.lock().ok()?.entry(run).or_insert(taken_at_ms);
        let seconds = (taken_at_ms - since) as f64 / 1000.0;
        let counter_p = job.parallelism_of(COUNTER);
        let processed = demand.min(per_subtask * f64::from(counter_p));
        let busy = processed / (per_subtask * f64::from(counter_p));
        let vertex = |id: &str, name: &str, source: bool| VertexMetrics {
            id: id.into(),
            name: name.into(),
            parallelism: job.parallelism_of(id),
            max_parallelism: 128,
            is_source: source,
            busy_time_ms_per_second_max: Some(if source { 50.0 } else { busy * 1000.0 }),
            back_pressured_time_ms_per_second_avg: Some(if source { (1.0 - processed / demand) * 1000.0 } else { 0.0 }),
            records_in_per_second: Some(processed),
            records_in_total: Some((processed * seconds) as u64),
            records_out_total: Some((processed * seconds) as u64),
            pending_records: source.then_some((demand - processed) * seconds),
            accumulated_busy_ms: None,
            accumulated_back_pressured_ms: None,
        };
        Some(JobMetricsSample {
            taken_at_ms,
            running_since_ms: since,
            vertices: vec![
                vertex(SOURCE, "Source: numbers", true),
                vertex(COUNTER, "counter -> discard: Writer", false),
            ],
            edges: vec![JobEdge { from: SOURCE.into(), to: COUNTER.into(), ship_strategy: ShipStrategy::Hash }],
        })
    })
}

/// Every 15 s for `duration`: one Autopilot sample, then passes until the engine is steady.
pub async fn sample_for(engine: &Engine, clock: &ManualClock, id: &str, duration: Duration) -> Vec<Step> {
    let mut steps = Vec::new();
    let mut elapsed = Duration::ZERO;
    while elapsed < duration {
        clock.advance(Duration::from_secs(15));
        elapsed += Duration::from_secs(15);
        engine.sample_autopilot(&namespace(), id).await.expect("a sample");
        steps.extend(settle(engine, clock, id).await);
    }
    steps
}
