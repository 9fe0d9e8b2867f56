//! A deployment, a fresh store and the engine against a REAL local Flink cluster (the one `make
//! test` starts; FLINK_REST_URL and CONSOLE_JOBS_DIR say where it and the example jobs are). The
//! engine runs under the wall clock and is driven pass by pass, as the controller would, until the
//! deployment reaches what a test waits for; a test that does not get there fails with the steps
//! the engine took and the deployment's events.

use std::fmt::Write as _;
use std::future::Future;
use std::path::PathBuf;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use domain::*;
use engine::plan::Step;
use engine::{ClusterError, Clusters, Engine, Requeue, Settings, SystemClock};
use flink::{FlinkClient, FlinkCluster, JobId};
use storage::testing::{fresh_store, TestDatabase};
use storage::Store;

pub const NAMESPACE: &str = "default";
/// The one deployment target the tests use.
pub const TARGET: &str = "local";
/// How long the engine may take to reach what a test waits for.
pub const DEADLINE: Duration = Duration::from_secs(90);
/// The longest sleep between two passes, whatever the engine asks for.
const MAX_SLEEP: Duration = Duration::from_secs(1);

pub fn namespace() -> NamespaceName {
    NamespaceName::parse(NAMESPACE).expect("a namespace name")
}

pub fn flink_url() -> String {
    std::env::var("FLINK_REST_URL")
        .expect("FLINK_REST_URL is not set: run the real-Flink tests through `make test` (scripts/test.sh)")
}

pub fn jobs_dir() -> PathBuf {
    PathBuf::from(
        std::env::var("CONSOLE_JOBS_DIR")
            .expect("CONSOLE_JOBS_DIR is not set: run the real-Flink tests through `make test` (scripts/test.sh)"),
    )
}

/// Target `local` is the real cluster; any other target does not exist.
pub struct LocalCluster(pub Arc<FlinkClient>);

#[async_trait]
impl Clusters for LocalCluster {
    async fn cluster(&self, _namespace: &NamespaceName, target: &str) -> Result<Arc<dyn FlinkCluster>, ClusterError> {
        if target != TARGET {
            return Err(ClusterError::NoTarget(format!("no deployment target {target:?}")));
        }
        Ok(self.0.clone())
    }
}

/// The spec of a deployment of the stateful example job (`StatefulCounter`), desired CANCELLED.
pub fn counter_spec(main_args: &str) -> serde_json::Value {
    let jar = jobs_dir().join("stateful-job.jar");
    serde_json::json!({
        "state": "CANCELLED",
        "deploymentTargetName": TARGET,
        "upgradeStrategy": {"kind": "STATEFUL"},
        "restoreStrategy": {"kind": "LATEST_STATE"},
        "maxSavepointCreationAttempts": 4,
        "maxJobCreationAttempts": 4,
        "template": {"spec": {
            "artifact": {
                "kind": "JAR",
                "jarUri": format!("file://{}", jar.display()),
                "entryClass": "console.examples.StatefulCounter",
                "mainArgs": main_args
            },
            "parallelism": 1
        }}
    })
}

/// What the store holds of the deployment after a pass.
pub struct Snapshot {
    pub deployment: Deployment,
    /// Newest first.
    pub jobs: Vec<Job>,
    /// Newest first.
    pub savepoints: Vec<Savepoint>,
    /// Oldest first.
    pub events: Vec<Event>,
}

impl Snapshot {
    pub fn state(&self) -> DeploymentState {
        self.deployment.status.state
    }

    /// The job the deployment's status says runs.
    pub fn running_job(&self) -> Option<&str> {
        self.deployment.status.running.as_ref().map(|r| r.job_id.as_str())
    }

    pub fn has_event(&self, name: EventName) -> bool {
        self.events.iter().any(|e| e.metadata.name == name)
    }
}

pub struct Harness {
    pub store: Store,
    pub client: Arc<FlinkClient>,
    pub engine: Engine,
    pub id: String,
    version: AtomicI64,
    _db: TestDatabase,
}

impl Harness {
    pub async fn new(name: &str, spec: serde_json::Value) -> Self {
        let client = Arc::new(FlinkClient::new(&flink_url()).expect("a Flink client for FLINK_REST_URL"));
        let (store, db) = fresh_store().await;
        store.ensure_namespace(&namespace()).await.expect("the namespace is created");
        let id = uuid::Uuid::new_v4().to_string();
        let now = engine::time::rfc3339(engine::Clock::now_ms(&SystemClock));
        let deployment: Deployment = serde_json::from_value(serde_json::json!({
            "apiVersion": "v1",
            "kind": "Deployment",
            "metadata": {"id": id, "name": name, "namespace": NAMESPACE, "createdAt": now, "modifiedAt": now, "resourceVersion": 1},
            "spec": spec,
            "status": {"state": "CANCELLED"}
        }))
        .expect("a valid deployment");
        store.insert_deployment(&deployment).await.expect("the deployment is stored");
        let mut settings = Settings::new(jobs_dir().join("sql-runner.jar"));
        settings.poll_every = Duration::from_millis(300);
        settings.observe_every = Duration::from_secs(1);
        // The Autopilot samples every 2 s here (15 s in the product): its tests shrink the window too.
        let engine =
            Engine::new(store.clone(), Arc::new(LocalCluster(client.clone())), Arc::new(SystemClock), settings)
                .with_autopilot_settings(engine::AutopilotSettings {
                    sample_every: Duration::from_secs(2),
                    ..engine::AutopilotSettings::default()
                });
        Self { store, client, engine, id, version: AtomicI64::new(1), _db: db }
    }

    /// Changes the deployment as a person would: edit, then write it with the next resourceVersion.
    pub async fn change(&self, edit: impl FnOnce(&mut DeploymentSpec)) {
        let mut deployment = self.deployment().await;
        let version = self.version.load(Ordering::SeqCst);
        assert_eq!(deployment.metadata.resource_version, version, "only the test changes the deployment");
        edit(&mut deployment.spec);
        deployment.metadata.resource_version = version + 1;
        self.store.update_deployment(&deployment, version).await.expect("a person's change is stored");
        self.version.store(version + 1, Ordering::SeqCst);
    }

    pub async fn desire(&self, state: DesiredState) {
        self.change(|spec| spec.state = state).await;
    }

    /// Changes the JAR's mainArgs.
    pub async fn set_main_args(&self, main_args: &str) {
        self.change(|spec| {
            let artifact = spec.template.spec.artifact.as_mut().expect("the deployment has an artifact");
            artifact.main_args = Some(main_args.to_owned());
        })
        .await;
    }

    pub async fn deployment(&self) -> Deployment {
        self.store.get_deployment(&namespace(), &self.id).await.expect("read").expect("the deployment exists")
    }

    pub async fn snapshot(&self) -> Snapshot {
        let ns = namespace();
        let deployment = self.deployment().await;
        let jobs = self.store.all_jobs_of_deployment(&ns, &self.id).await.expect("the jobs are readable");
        let savepoints = self.store.all_savepoints_of_deployment(&ns, &self.id).await.expect("savepoints readable");
        let mut events = self.store.all_events_of_deployment(&ns, &self.id).await.expect("events readable");
        events.reverse();
        Snapshot { deployment, jobs, savepoints, events }
    }

    /// Runs passes until `done` holds after one, sleeping what the engine asks (at most 1 s)
    /// between them; fails after `DEADLINE`, or at once when the deployment rests in a state
    /// `done` does not accept (nothing would change without a person). Returns the steps taken.
    pub async fn drive_until(&self, what: &str, done: impl Fn(&Snapshot) -> bool) -> (Vec<Step>, Snapshot) {
        let deadline = tokio::time::Instant::now() + DEADLINE;
        let mut steps = Vec::new();
        loop {
            let report = match self.engine.reconcile(&namespace(), &self.id).await {
                Ok(report) => report,
                Err(err) => self.fail(what, &steps, &format!("a pass failed: {err}")).await,
            };
            steps.push(report.step.clone());
            let snapshot = self.snapshot().await;
            if done(&snapshot) {
                return (steps, snapshot);
            }
            let resting = matches!(
                snapshot.state(),
                DeploymentState::Failed
                    | DeploymentState::Finished
                    | DeploymentState::Cancelled
                    | DeploymentState::Suspended
            );
            if report.step == Step::Steady && resting {
                let why = format!("the deployment rests in {} and the engine is steady", snapshot.state());
                self.fail::<()>(what, &steps, &why).await;
            }
            let sleep = match report.requeue {
                Requeue::After(after) => after.min(MAX_SLEEP),
                Requeue::Never => self.fail(what, &steps, "the engine says the deployment is gone").await,
            };
            if tokio::time::Instant::now() + sleep > deadline {
                self.fail::<()>(what, &steps, &format!("not reached within {DEADLINE:?}")).await;
            }
            tokio::time::sleep(sleep).await;
        }
    }

    /// Runs passes until the deployment's status is `state`.
    pub async fn drive_to(&self, state: DeploymentState) -> (Vec<Step>, Snapshot) {
        self.drive_until(&format!("status {state}"), |s| s.state() == state).await
    }

    /// Runs passes until the deployment is RUNNING a job other than `previous` (its job row id).
    pub async fn drive_to_new_running_job(&self, previous: &str) -> (Vec<Step>, Snapshot) {
        self.drive_until(&format!("status RUNNING with a job other than {previous}"), |s| {
            s.state() == DeploymentState::Running && s.running_job().is_some_and(|job| job != previous)
        })
        .await
    }

    /// Runs passes for `period` (as the controller would); returns the steps.
    pub async fn drive_for(&self, period: Duration) -> Vec<Step> {
        let until = tokio::time::Instant::now() + period;
        let mut steps = Vec::new();
        while tokio::time::Instant::now() < until {
            let report = self.engine.reconcile(&namespace(), &self.id).await.expect("a pass");
            steps.push(report.step);
            if let Requeue::After(after) = report.requeue {
                tokio::time::sleep(after.min(MAX_SLEEP)).await;
            }
        }
        steps
    }

    /// Starts the deployment and waits until it is RUNNING and its job processes records (its
    /// counter is past zero, so every task runs and a savepoint can be taken). Returns the
    /// snapshot, the running job row and its Flink job id.
    pub async fn start(&self) -> (Snapshot, Job, JobId) {
        self.desire(DesiredState::Running).await;
        let (_, snapshot) = self.drive_to(DeploymentState::Running).await;
        let job = running_job_row(&snapshot);
        let flink_id = flink_id(&job);
        (snapshot, job, flink_id)
    }

    async fn fail<T>(&self, what: &str, steps: &[Step], why: &str) -> T {
        let snapshot = self.snapshot().await;
        let mut report = format!("waiting for {what}: {why}\nsteps:\n{}", compress(steps));
        let _ = writeln!(report, "status: {:?}", snapshot.deployment.status);
        for job in &snapshot.jobs {
            let _ = writeln!(
                report,
                "job {} {} flink {:?} restored {:?} failure {:?}",
                job.metadata.id,
                job.status.state,
                job.status.started.as_ref().map(|s| s.flink_job_id.as_str()),
                job.spec.savepoint_location,
                job.status.failure
            );
        }
        for savepoint in &snapshot.savepoints {
            let _ = writeln!(
                report,
                "savepoint {} {} {} at {:?} failure {:?}",
                savepoint.metadata.id,
                savepoint.metadata.origin,
                savepoint.status.state,
                savepoint.spec.savepoint_location,
                savepoint.status.failure
            );
        }
        report.push_str("events:\n");
        for event in &snapshot.events {
            let _ = writeln!(report, "  {} {}: {}", event.metadata.created_at, event.metadata.name, event.spec.message);
        }
        panic!("{report}");
    }

    /// Cancels every job of the deployment that Flink still runs (the test's own clean-up, also
    /// after a failed assertion), so the shared cluster's slots are free for the next test.
    pub async fn cancel_flink_jobs(&self) {
        let jobs = self.store.all_jobs_of_deployment(&namespace(), &self.id).await.unwrap_or_default();
        for job in jobs {
            let Some(started) = job.status.started else { continue };
            let id = JobId(started.flink_job_id);
            let state = FlinkCluster::job_state(self.client.as_ref(), &id).await;
            if let Ok(Some(state)) = state {
                if !state.is_terminal() {
                    if let Err(err) = FlinkClient::cancel(&self.client, &id).await {
                        eprintln!("clean-up: cancelling Flink job {id} failed: {err}");
                    }
                }
            }
        }
    }

    /// The Flink state of a job.
    pub async fn flink_state(&self, job: &JobId) -> Option<flink::JobState> {
        FlinkCluster::job_state(self.client.as_ref(), job).await.expect("Flink answers the job's state")
    }

    /// The snapshot a Flink job restored from, as Flink reports it (polled briefly: Flink reports it
    /// once the job's restore has begun).
    pub async fn restored_from(&self, job: &JobId) -> Option<String> {
        for _ in 0..20 {
            let summary = FlinkClient::checkpoints(&self.client, job).await.expect("Flink answers checkpoints");
            if summary.restored_from.is_some() {
                return summary.restored_from;
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
        None
    }

    /// The `maxCount` gauge of the counter operator (the largest per-key count, over all
    /// subtasks), once Flink reports it.
    pub async fn max_count(&self, job: &JobId) -> Option<f64> {
        self.counter_gauge(job, "maxCount").await
    }

    /// The gauge `name` of the counter operator (its largest value over all subtasks), once Flink
    /// reports it.
    pub async fn counter_gauge(&self, job: &JobId, name: &str) -> Option<f64> {
        let client = &self.client;
        let vertices = client.vertices(job).await.ok()?;
        let vertex = vertices.iter().find(|v| v.name.contains("counter"))?;
        let names = client.vertex_metric_names(job, &vertex.id).await.ok()?;
        let metric = names.iter().find(|n| n.ends_with(&format!(".{name}")) || *n == name)?;
        let metrics = client.vertex_metrics(job, &vertex.id, &[metric]).await.ok()?;
        metrics.first()?.max
    }

    /// Waits until Flink reports the counter operator's gauge `name`; returns the reading.
    pub async fn counter_gauge_reported(&self, job: &JobId, name: &str) -> f64 {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
        while tokio::time::Instant::now() < deadline {
            if let Some(value) = self.counter_gauge(job, name).await {
                return value;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("Flink did not report the gauge {name} of job {job} within a minute");
    }

    /// Waits until the counter of `job` reads at least `at_least`; returns the reading.
    pub async fn count_at_least(&self, job: &JobId, at_least: f64) -> f64 {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
        let mut last = None;
        while tokio::time::Instant::now() < deadline {
            last = self.max_count(job).await;
            if let Some(count) = last.filter(|c| *c >= at_least) {
                return count;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("the counter of Flink job {job} did not reach {at_least} within a minute (last read {last:?})");
    }

    /// The counter's first reading past zero: how far the job counted when it first reported.
    pub async fn first_count(&self, job: &JobId) -> f64 {
        self.count_at_least(job, 1.0).await
    }
}

/// The job row the status says runs.
pub fn running_job_row(snapshot: &Snapshot) -> Job {
    let id = snapshot.running_job().expect("a RUNNING deployment names its job");
    snapshot.jobs.iter().find(|job| job.metadata.id == id).cloned().expect("the running job's row exists")
}

/// The Flink job id recorded on a job row.
pub fn flink_id(job: &Job) -> JobId {
    JobId(job.status.started.as_ref().expect("the job was submitted").flink_job_id.clone())
}

/// Completed savepoints of one origin, newest first.
pub fn completed(savepoints: &[Savepoint], origin: SavepointOrigin) -> Vec<&Savepoint> {
    savepoints.iter().filter(|s| s.metadata.origin == origin && s.status.state == SavepointState::Completed).collect()
}

/// Steps, with repeats folded (`Await(..) ×12`).
fn compress(steps: &[Step]) -> String {
    let mut out = String::new();
    let mut i = 0;
    while i < steps.len() {
        let mut n = 1;
        while i + n < steps.len() && steps[i + n] == steps[i] {
            n += 1;
        }
        let _ = if n > 1 { writeln!(out, "  {:?} ×{n}", steps[i]) } else { writeln!(out, "  {:?}", steps[i]) };
        i += n;
    }
    out
}

/// Runs a test body against a fresh deployment of `spec`, then cancels whatever Flink job of it
/// still runs (even when the body failed), then reports the body's failure.
pub async fn with_deployment<F, Fut>(name: &str, spec: serde_json::Value, body: F)
where
    F: FnOnce(Arc<Harness>) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let harness = Arc::new(Harness::new(name, spec).await);
    let outcome = tokio::spawn(body(harness.clone())).await;
    harness.cancel_flink_jobs().await;
    if let Err(err) = outcome {
        match err.try_into_panic() {
            Ok(panic) => std::panic::resume_unwind(panic),
            Err(err) => panic!("the test body did not finish: {err}"),
        }
    }
}
