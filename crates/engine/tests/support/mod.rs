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
