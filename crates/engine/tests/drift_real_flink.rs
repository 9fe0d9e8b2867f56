//! Drift at scale on REAL Flink: 200 deployments run on a local cluster of their own (210 task
//! slots, its own ports, started from FLINK_HOME); 10 of their jobs are cancelled in Flink directly,
//! behind the console's back. Under the real controller with the product's periods, all 10 show
//! (an event each, then a new job) within one observation period, and the Flink calls made in that
//! period are counted: one job overview per period for the whole cluster, and per-job questions
//! only for the deployments that changed (and the running jobs whose checkpoint refresh fell due).

#[allow(dead_code, reason = "the harness serves real_flink.rs too")]
mod real_support;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use domain::*;
use engine::{ClusterError, Clusters, ControllerSettings, Engine, Settings, SystemClock};
use flink::local::{Health, LocalCluster, LocalClusterConfig};
use flink::{
    CheckpointSummary, ClusterOverview, FlinkClient, FlinkCluster, FlinkError, GatheredSample, JobDetails,
    JobException, JobId, JobOverview, JobState, Operation, ParallelismBounds, SampleDepth, SavepointRequest,
    SourceMetricNames, Submission, TriggerId,
};
use real_support::{counter_spec, jobs_dir, namespace, NAMESPACE};
use storage::testing::fresh_store;

const DEPLOYMENTS: usize = 200;
const CANCELLED: usize = 10;

/// The real client, counting its calls by kind.
struct Counting {
    client: FlinkClient,
    calls: Mutex<BTreeMap<&'static str, u32>>,
}

impl Counting {
    fn count(&self, kind: &'static str) {
        *self.calls.lock().expect("not poisoned").entry(kind).or_default() += 1;
    }

    fn snapshot(&self) -> BTreeMap<&'static str, u32> {
        self.calls.lock().expect("not poisoned").clone()
    }
}

#[async_trait]
impl FlinkCluster for Counting {
    async fn overview(&self) -> Result<ClusterOverview, FlinkError> {
        self.count("overview");
        FlinkCluster::overview(&self.client).await
    }
    async fn submit(&self, submission: &Submission) -> Result<JobId, FlinkError> {
        self.count("submit");
        FlinkCluster::submit(&self.client, submission).await
    }
    async fn job_state(&self, job: &JobId) -> Result<Option<JobState>, FlinkError> {
        self.count("job state");
        FlinkCluster::job_state(&self.client, job).await
    }
    async fn jobs(&self) -> Result<Vec<JobOverview>, FlinkError> {
        self.count("jobs overview");
        FlinkCluster::jobs(&self.client).await
    }
    async fn cancel(&self, job: &JobId) -> Result<(), FlinkError> {
        self.count("cancel");
        FlinkCluster::cancel(&self.client, job).await
    }
    async fn stop_with_savepoint(&self, job: &JobId, request: &SavepointRequest) -> Result<TriggerId, FlinkError> {
        self.count("stop");
        FlinkCluster::stop_with_savepoint(&self.client, job, request).await
    }
    async fn trigger_savepoint(&self, job: &JobId, request: &SavepointRequest) -> Result<TriggerId, FlinkError> {
        self.count("savepoint");
        FlinkCluster::trigger_savepoint(&self.client, job, request).await
    }
    async fn savepoint_operation(&self, job: &JobId, trigger: &TriggerId) -> Result<Operation, FlinkError> {
        self.count("savepoint operation");
        FlinkCluster::savepoint_operation(&self.client, job, trigger).await
    }
    async fn checkpoints(&self, job: &JobId) -> Result<CheckpointSummary, FlinkError> {
        self.count("checkpoints");
        FlinkCluster::checkpoints(&self.client, job).await
    }
    async fn exceptions(&self, job: &JobId) -> Result<Vec<JobException>, FlinkError> {
        self.count("exceptions");
        FlinkCluster::exceptions(&self.client, job).await
    }
    async fn job_details(&self, job: &JobId) -> Result<JobDetails, FlinkError> {
        self.count("job details");
        FlinkCluster::job_details(&self.client, job).await
    }
    async fn dispose_savepoint(&self, location: &str) -> Result<TriggerId, FlinkError> {
        self.count("dispose");
        FlinkCluster::dispose_savepoint(&self.client, location).await
    }
    async fn disposal_operation(&self, trigger: &TriggerId) -> Result<Operation, FlinkError> {
        self.count("disposal operation");
        FlinkCluster::disposal_operation(&self.client, trigger).await
    }
    async fn job_metrics_sample(
        &self,
        job: &JobId,
        taken_at_ms: i64,
        depth: SampleDepth,
        names: &mut SourceMetricNames,
    ) -> Result<GatheredSample, FlinkError> {
        self.count("metrics");
        FlinkCluster::job_metrics_sample(&self.client, job, taken_at_ms, depth, names).await
    }
    async fn configuration(&self) -> Result<BTreeMap<String, String>, FlinkError> {
        self.count("configuration");
        FlinkCluster::configuration(&self.client).await
    }
    async fn resource_requirements(&self, job: &JobId) -> Result<BTreeMap<String, ParallelismBounds>, FlinkError> {
        self.count("resource requirements");
        FlinkCluster::resource_requirements(&self.client, job).await
    }
    async fn set_resource_requirements(
        &self,
        job: &JobId,
        bounds: &BTreeMap<String, ParallelismBounds>,
    ) -> Result<(), FlinkError> {
        self.count("rescale");
        FlinkCluster::set_resource_requirements(&self.client, job, bounds).await
    }
    async fn vertex_parallelism(&self, job: &JobId) -> Result<BTreeMap<String, u32>, FlinkError> {
        self.count("vertices");
        FlinkCluster::vertex_parallelism(&self.client, job).await
    }
}

struct Only(Arc<Counting>);

#[async_trait]
impl Clusters for Only {
    async fn cluster(&self, _namespace: &NamespaceName, _target: &str) -> Result<Arc<dyn FlinkCluster>, ClusterError> {
        Ok(self.0.clone())
    }
}

fn difference(
    after: &BTreeMap<&'static str, u32>,
    before: &BTreeMap<&'static str, u32>,
) -> BTreeMap<&'static str, u32> {
    after
        .iter()
        .map(|(kind, n)| (*kind, n - before.get(kind).copied().unwrap_or_default()))
        .filter(|(_, n)| *n > 0)
        .collect()
}

async fn wait_healthy(cluster: &LocalCluster) {
    let deadline = Instant::now() + Duration::from_secs(120);
    while Instant::now() < deadline {
        if matches!(cluster.health(), Health::Healthy { .. }) {
            if let Ok(overview) = cluster.client().overview().await {
                if overview.slots_available as usize >= DEPLOYMENTS {
                    return;
                }
            }
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    panic!("the drift test's own cluster did not come up: {:?}", cluster.health());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_jobs_cancelled_behind_the_consoles_back_among_two_hundred_show_within_one_period() {
    let flink_home =
        PathBuf::from(std::env::var("FLINK_HOME").expect("FLINK_HOME is not set: run through `make test`"));
    let work = tempfile::tempdir().expect("work dir");
    let cluster = LocalCluster::new(LocalClusterConfig {
        flink_home,
        work_dir: work.path().to_owned(),
        rest_port: 48081,
        rpc_port: 46123,
        task_slots: 210,
        adaptive_scheduler: false,
        extra_settings: Default::default(),
    })
    .expect("a cluster");
    cluster.start().await.expect("the drift test's own cluster starts");
    wait_healthy(&cluster).await;
    let counting = Arc::new(Counting {
        client: FlinkClient::new(&cluster.config().rest_url()).expect("a client"),
        calls: Mutex::default(),
    });

    let (store, _db) = fresh_store().await;
    store.ensure_namespace(&namespace()).await.expect("namespace");
    let now = engine::time::rfc3339(engine::Clock::now_ms(&SystemClock));
    // A record a second and a checkpoint every ten minutes: 200 jobs on one small TaskManager.
    let mut spec = counter_spec("--rate 1 --keys 1 --checkpoint-interval 600000");
    spec["state"] = serde_json::json!("RUNNING");
    let mut ids = Vec::new();
    for i in 0..DEPLOYMENTS {
        let id = uuid::Uuid::new_v4().to_string();
        let deployment: Deployment = serde_json::from_value(serde_json::json!({
            "apiVersion": "v1",
            "kind": "Deployment",
            "metadata": {"id": id, "name": format!("counter-{i:03}"), "namespace": NAMESPACE, "createdAt": now, "modifiedAt": now, "resourceVersion": 1},
            "spec": spec,
            "status": {"state": "CANCELLED"}
        }))
        .expect("a deployment");
        store.insert_deployment(&deployment).await.expect("stored");
        ids.push(id);
    }
    // The product's periods (observe every 3 s, checkpoints recorded every 30 s).
    let settings = Settings::new(jobs_dir().join("sql-runner.jar"));
    let period = settings.observe_every;
    let engine =
        Arc::new(Engine::new(store.clone(), Arc::new(Only(counting.clone())), Arc::new(SystemClock), settings));
    let (shutdown, shutdown_rx) = tokio::sync::watch::channel(false);
    let _nudger = engine::spawn_controller(engine, ControllerSettings::default(), shutdown_rx);

    let started = Instant::now();
    let running = || async {
        let mut running = 0;
        for id in &ids {
            let d = store.get_deployment(&namespace(), id).await.expect("read").expect("exists");
            running += usize::from(d.status.state == DeploymentState::Running);
        }
        running
    };
    while running().await < DEPLOYMENTS {
        assert!(
            started.elapsed() < Duration::from_secs(300),
            "only {} of {DEPLOYMENTS} run after 5 min",
            running().await
        );
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    println!("{DEPLOYMENTS} deployments RUNNING on real Flink after {:.0} s", started.elapsed().as_secs_f64());
    // At rest: one period with nothing happening.
    tokio::time::sleep(period * 2).await;
    let before = counting.snapshot();
    tokio::time::sleep(period).await;
    let at_rest = difference(&counting.snapshot(), &before);
    let asked = Instant::now();
    let listed = cluster.client().jobs().await.expect("the overview").len();
    println!(
        "Flink calls in one {} s period at rest: {at_rest:?}; one job overview ({listed} jobs) takes {:.0} ms",
        period.as_secs(),
        asked.elapsed().as_secs_f64() * 1000.0
    );
    assert!(at_rest.get("jobs overview").copied().unwrap_or_default() <= 2, "{at_rest:?}");
    assert!(
        at_rest.get("job state").copied().unwrap_or_default() < (DEPLOYMENTS / 4) as u32,
        "not one question per deployment and period: {at_rest:?}"
    );

    // Ten jobs cancelled in Flink directly.
    let jobs: Vec<(String, JobId)> = {
        let mut out = Vec::new();
        for id in ids.iter().take(CANCELLED) {
            let d = store.get_deployment(&namespace(), id).await.expect("read").expect("exists");
            let job_id = d.status.running.expect("a running job").job_id;
            let job = store.get_job(&namespace(), &job_id).await.expect("read").expect("the job row");
            out.push((id.clone(), JobId(job.status.started.expect("submitted").flink_job_id)));
        }
        out
    };
    let before = counting.snapshot();
    let cancelled_at = Instant::now();
    for (_, job) in &jobs {
        FlinkClient::cancel(&counting.client, job).await.expect("cancelled in Flink");
    }
    // When Flink itself shows each job CANCELED (asked by the test's own client, not counted), and
    // when the console reports it.
    let mut canceled: BTreeMap<String, Instant> = BTreeMap::new();
    let mut reported: BTreeMap<String, Instant> = BTreeMap::new();
    while reported.len() < CANCELLED && cancelled_at.elapsed() < period * 5 {
        let overview = cluster.client().jobs().await.unwrap_or_default();
        for (id, job) in &jobs {
            let gone = overview.iter().any(|j| j.jid == *job && j.state == JobState::Canceled);
            if gone && !canceled.contains_key(id) {
                canceled.insert(id.clone(), Instant::now());
            }
            if reported.contains_key(id) {
                continue;
            }
            let events = store.all_events_of_deployment(&namespace(), id).await.expect("events");
            if events.iter().any(|e| e.metadata.name == EventName::FoundAStoppedJobAndWillTerminateIt) {
                reported.insert(id.clone(), Instant::now());
            }
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let during = difference(&counting.snapshot(), &before);
    let lag = |id: &String| {
        let shown = canceled.get(id).copied().unwrap_or(cancelled_at);
        reported.get(id).map(|at| at.saturating_duration_since(shown))
    };
    let slowest = jobs.iter().filter_map(|(id, _)| lag(id)).max().unwrap_or_default();
    println!(
        "{} of {CANCELLED} cancelled jobs reported, the last {:.1} s after Flink showed it cancelled ({:.1} s after the \
         first cancellation); Flink calls meanwhile: {during:?}",
        reported.len(),
        slowest.as_secs_f64(),
        reported.values().max().map(|at| at.duration_since(cancelled_at).as_secs_f64()).unwrap_or_default()
    );
    let lags: Vec<String> = jobs
        .iter()
        .map(|(id, _)| {
            let shown = canceled.get(id).map(|at| at.duration_since(cancelled_at).as_secs_f64());
            let said = reported.get(id).map(|at| at.duration_since(cancelled_at).as_secs_f64());
            format!("cancelled {shown:.1?} s, reported {said:.1?} s")
        })
        .collect();
    println!("per job, after the first cancellation: {lags:#?}");
    assert_eq!(reported.len(), CANCELLED, "every cancelled job shows with an event");
    // The next overview (within one period) shows it; the pass that reports it commits its event.
    // A loaded machine (the whole suite runs beside this test) adds its own delay: allowed up to a
    // second period, and the figure is printed.
    assert!(slowest <= period * 2, "within one period (and a loaded machine's delay): {slowest:?}");
    let per_job = during.get("job state").copied().unwrap_or_default();
    assert!(per_job < (DEPLOYMENTS / 4) as u32, "per-job questions only for what changed: {during:?}");

    // Each comes back (a new job; the desired state is RUNNING).
    let back = Instant::now();
    while running().await < DEPLOYMENTS {
        assert!(back.elapsed() < Duration::from_secs(120), "the cancelled deployments did not run again");
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let _ = shutdown.send(true);
    cluster.stop().await;
}
