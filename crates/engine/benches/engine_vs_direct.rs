//! The lifecycle engine against the same Flink REST calls made directly with `FlinkClient`, both
//! measured in one run against a real cluster (FLINK_REST_URL, CONSOLE_JOBS_DIR; `make bench` sets
//! them). Two transitions of the stateful example job, each polled every `POLL`:
//! - start → RUNNING: upload (cached by content hash), run, poll the job's status, vs a deployment
//!   desired RUNNING driven by `Engine::reconcile` passes until its status is RUNNING;
//! - stateful upgrade (parallelism 1 → 2): stop-with-savepoint, poll the operation, run the new job
//!   from the savepoint, poll its status, vs the deployment's parallelism changed until the
//!   deployment is RUNNING a new job.
//!
//! The direct path runs twice per round: looking at a new job right after `run` (a script's poll
//! loop: the baseline), and looking first after one poll interval, as the engine does (a pass ends
//! with the submission and asks to be run again after `poll_every`), to tell the engine's cost
//! from its polling phase. Prints the median (min–max) of `ROUNDS` rounds, the ratios engine /
//! direct, and where the time went (Flink calls, the engine's own work, sleeping between looks).
//! Not a test: it asserts nothing.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use domain::{Deployment, DeploymentState, DesiredState, NamespaceName};
use engine::plan::Step;
use engine::{ClusterError, Clusters, Engine, Requeue, Settings, SystemClock};
use flink::{
    CheckpointSummary, ClusterOverview, FlinkClient, FlinkCluster, FlinkError, JarId, JobException, JobId, JobState,
    Operation, RunJar, SavepointRequest, Submission, TriggerId,
};
use storage::testing::fresh_store;
use storage::Store;

/// Measured rounds (one untimed warm-up round runs first).
const ROUNDS: usize = 5;
/// How often both sides look at Flink while something is under way.
const POLL: Duration = Duration::from_millis(100);
const ENTRY_CLASS: &str = "console.examples.StatefulCounter";
const ARGS: &str = "--rate 100 --keys 10 --checkpoint-interval 1000";
const NAMESPACE: &str = "default";
/// The longest any one transition may take before the bench gives up.
const DEADLINE: Duration = Duration::from_secs(120);

// ---------------------------------------------------------------------------------------------
// Flink calls, timed: the engine's calls go through `Timed` as its `FlinkCluster`, the direct
// path calls `Timed::time` around each `FlinkClient` call.

#[derive(Default, Clone)]
struct CallStats {
    by_call: BTreeMap<&'static str, (u32, Duration)>,
}

impl CallStats {
    fn total(&self) -> Duration {
        self.by_call.values().map(|(_, d)| *d).sum()
    }

    fn calls(&self) -> u32 {
        self.by_call.values().map(|(n, _)| *n).sum()
    }

    /// `self - earlier`, per call.
    fn since(&self, earlier: &CallStats) -> CallStats {
        let mut by_call = BTreeMap::new();
        for (name, (n, d)) in &self.by_call {
            let (n0, d0) = earlier.by_call.get(name).copied().unwrap_or_default();
            if *n > n0 {
                by_call.insert(*name, (n - n0, d.saturating_sub(d0)));
            }
        }
        CallStats { by_call }
    }

    fn describe(&self) -> String {
        self.by_call.iter().map(|(name, (n, d))| format!("{name} {n}× {:.0} ms", ms(*d))).collect::<Vec<_>>().join(", ")
    }
}

struct Timed {
    client: FlinkClient,
    stats: Mutex<CallStats>,
}

impl Timed {
    async fn time<T>(&self, name: &'static str, call: impl std::future::Future<Output = T>) -> T {
        let started = Instant::now();
        let out = call.await;
        let took = started.elapsed();
        let mut stats = self.stats.lock().unwrap_or_else(|p| p.into_inner());
        let entry = stats.by_call.entry(name).or_default();
        entry.0 += 1;
        entry.1 += took;
        out
    }

    fn snapshot(&self) -> CallStats {
        self.stats.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

#[async_trait]
impl FlinkCluster for Timed {
    async fn overview(&self) -> Result<ClusterOverview, FlinkError> {
        self.time("overview", self.client.overview()).await
    }

    /// A known artifact's submission is one call (`POST /jars/:id/run`): the client remembers its
    /// uploads, and uploads again only when Flink lost one.
    async fn submit(&self, submission: &Submission) -> Result<JobId, FlinkError> {
        self.time("run", FlinkCluster::submit(&self.client, submission)).await
    }

    async fn job_state(&self, job: &JobId) -> Result<Option<JobState>, FlinkError> {
        self.time("status", FlinkCluster::job_state(&self.client, job)).await
    }

    async fn jobs(&self) -> Result<Vec<flink::JobOverview>, FlinkError> {
        self.time("jobs overview", FlinkCluster::jobs(&self.client)).await
    }

    async fn cancel(&self, job: &JobId) -> Result<(), FlinkError> {
        self.time("cancel", FlinkCluster::cancel(&self.client, job)).await
    }

    async fn stop_with_savepoint(&self, job: &JobId, request: &SavepointRequest) -> Result<TriggerId, FlinkError> {
        self.time("stop", FlinkCluster::stop_with_savepoint(&self.client, job, request)).await
    }

    async fn trigger_savepoint(&self, job: &JobId, request: &SavepointRequest) -> Result<TriggerId, FlinkError> {
        self.time("savepoint", FlinkCluster::trigger_savepoint(&self.client, job, request)).await
    }

    async fn savepoint_operation(&self, job: &JobId, trigger: &TriggerId) -> Result<Operation, FlinkError> {
        self.time("operation", FlinkCluster::savepoint_operation(&self.client, job, trigger)).await
    }

    async fn checkpoints(&self, job: &JobId) -> Result<CheckpointSummary, FlinkError> {
        self.time("checkpoints", FlinkCluster::checkpoints(&self.client, job)).await
    }

    async fn exceptions(&self, job: &JobId) -> Result<Vec<JobException>, FlinkError> {
        self.time("exceptions", FlinkCluster::exceptions(&self.client, job)).await
    }

    async fn job_details(&self, job: &JobId) -> Result<flink::JobDetails, FlinkError> {
        self.time("job_details", FlinkCluster::job_details(&self.client, job)).await
    }

    async fn dispose_savepoint(&self, location: &str) -> Result<TriggerId, FlinkError> {
        self.time("dispose", FlinkCluster::dispose_savepoint(&self.client, location)).await
    }

    async fn disposal_operation(&self, trigger: &TriggerId) -> Result<Operation, FlinkError> {
        self.time("disposal", FlinkCluster::disposal_operation(&self.client, trigger)).await
    }

    async fn job_metrics_sample(
        &self,
        job: &JobId,
        taken_at_ms: i64,
        depth: flink::SampleDepth,
        names: &mut flink::SourceMetricNames,
    ) -> Result<flink::GatheredSample, FlinkError> {
        self.time("metrics", FlinkCluster::job_metrics_sample(&self.client, job, taken_at_ms, depth, names)).await
    }

    async fn configuration(&self) -> Result<BTreeMap<String, String>, FlinkError> {
        self.time("configuration", FlinkCluster::configuration(&self.client)).await
    }

    async fn resource_requirements(
        &self,
        job: &JobId,
    ) -> Result<BTreeMap<String, flink::ParallelismBounds>, FlinkError> {
        self.time("requirements", FlinkCluster::resource_requirements(&self.client, job)).await
    }

    async fn set_resource_requirements(
        &self,
        job: &JobId,
        bounds: &BTreeMap<String, flink::ParallelismBounds>,
    ) -> Result<(), FlinkError> {
        self.time("rescale", FlinkCluster::set_resource_requirements(&self.client, job, bounds)).await
    }

    async fn vertex_parallelism(&self, job: &JobId) -> Result<BTreeMap<String, u32>, FlinkError> {
        self.time("vertices", FlinkCluster::vertex_parallelism(&self.client, job)).await
    }
}

struct OneCluster(Arc<Timed>);

#[async_trait]
impl Clusters for OneCluster {
    async fn cluster(&self, _namespace: &NamespaceName, _target: &str) -> Result<Arc<dyn FlinkCluster>, ClusterError> {
        Ok(self.0.clone())
    }
}

// ---------------------------------------------------------------------------------------------
// One measured transition and where its time went.

#[derive(Default, Clone)]
struct Sample {
    total: Duration,
    /// Passes of the engine, or looks (status/operation polls) of the direct path.
    looks: u32,
    /// Engine steps that commit to the store.
    commits: u32,
    flink: CallStats,
    sleeping: Duration,
    /// Engine: per step kind, (passes, time in the pass outside Flink calls).
    steps: BTreeMap<String, (u32, Duration)>,
}

impl Sample {
    /// What is neither a Flink call nor sleeping: the engine's store, planning and bookkeeping (or
    /// the direct path's own code, about nothing).
    fn own(&self) -> Duration {
        self.total.saturating_sub(self.flink.total()).saturating_sub(self.sleeping)
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn median(samples: &[Sample], f: impl Fn(&Sample) -> f64) -> f64 {
    let mut values: Vec<f64> = samples.iter().map(f).collect();
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn range(samples: &[Sample]) -> (f64, f64) {
    let values = samples.iter().map(|s| ms(s.total));
    (values.clone().fold(f64::INFINITY, f64::min), values.fold(0.0, f64::max))
}

// ---------------------------------------------------------------------------------------------
// The direct path.

struct Direct {
    timed: Arc<Timed>,
    jar_path: PathBuf,
    /// Whether a new job's status is first looked at right after `run` (a script's loop), or only
    /// after one poll interval, as the engine does (its pass ends with the submission).
    look_first: bool,
}

impl Direct {
    fn args() -> Vec<String> {
        ARGS.split_whitespace().map(str::to_owned).collect()
    }

    /// Polls the job's status every `POLL` until `done` holds (the first look after `wait`);
    /// returns the last state.
    async fn poll_status(
        &self,
        job: &JobId,
        sample: &mut Sample,
        wait: bool,
        done: impl Fn(JobState) -> bool,
    ) -> JobState {
        let deadline = Instant::now() + DEADLINE;
        if wait {
            let slept = Instant::now();
            tokio::time::sleep(POLL).await;
            sample.sleeping += slept.elapsed();
        }
        loop {
            sample.looks += 1;
            let state = self.timed.time("status", self.timed.client.job_state(job)).await;
            match state {
                Ok(state) if done(state) => return state,
                Ok(_) => {}
                Err(err) => eprintln!("direct: status of {job}: {err}"),
            }
            assert!(Instant::now() < deadline, "direct: job {job} did not get there within {DEADLINE:?}");
            let slept = Instant::now();
            tokio::time::sleep(POLL).await;
            sample.sleeping += slept.elapsed();
        }
    }

    /// Upload (cached), run, poll until RUNNING.
    async fn start(&self) -> (Sample, JobId, JarId) {
        let before = self.timed.snapshot();
        let mut sample = Sample::default();
        let started = Instant::now();
        let jar =
            self.timed.time("upload(cached)", self.timed.client.upload_jar(&self.jar_path)).await.expect("upload");
        let request = RunJar {
            job_id: Some(JobId::random()),
            entry_class: Some(ENTRY_CLASS.into()),
            program_args_list: Self::args(),
            parallelism: Some(1),
            ..RunJar::default()
        };
        let job = self.timed.time("run", self.timed.client.run_jar(&jar, &request)).await.expect("run");
        self.poll_status(&job, &mut sample, !self.look_first, |s| s == JobState::Running).await;
        sample.total = started.elapsed();
        sample.flink = self.timed.snapshot().since(&before);
        (sample, job, jar)
    }

    /// Stop-with-savepoint, poll the operation, make sure the old job ended, run the new one from the
    /// savepoint with parallelism 2, poll until RUNNING.
    async fn upgrade(&self, old: &JobId, jar: &JarId) -> (Sample, JobId) {
        let before = self.timed.snapshot();
        let mut sample = Sample::default();
        let started = Instant::now();
        let deadline = started + DEADLINE;
        let mut attempts = 0;
        let location = 'stop: loop {
            attempts += 1;
            let request = SavepointRequest {
                target_directory: None,
                trigger_id: Some(TriggerId::random()),
                drain: false,
                native: false,
            };
            let trigger = self
                .timed
                .time("stop", self.timed.client.stop_with_savepoint(old, &request, false))
                .await
                .expect("stop");
            loop {
                let slept = Instant::now();
                tokio::time::sleep(POLL).await;
                sample.sleeping += slept.elapsed();
                sample.looks += 1;
                match self.timed.time("operation", self.timed.client.savepoint_operation(old, &trigger)).await {
                    Ok(Operation::InProgress) => {}
                    Ok(Operation::Completed { location: Some(location) }) => break 'stop location,
                    Ok(other) => {
                        eprintln!("direct: stop-with-savepoint attempt {attempts} of {old}: {other:?}");
                        assert!(attempts < 4, "direct: the stop failed {attempts} times");
                        continue 'stop;
                    }
                    Err(err) => eprintln!("direct: polling the stop of {old}: {err}"),
                }
                assert!(Instant::now() < deadline, "direct: the stop of {old} did not complete within {DEADLINE:?}");
            }
        };
        // Never two jobs at once: the old job has ended before the new one is run.
        self.poll_status(old, &mut sample, false, JobState::is_terminal).await;
        let request = RunJar {
            job_id: Some(JobId::random()),
            entry_class: Some(ENTRY_CLASS.into()),
            program_args_list: Self::args(),
            parallelism: Some(2),
            savepoint_path: Some(location),
            ..RunJar::default()
        };
        let job = self.timed.time("run", self.timed.client.run_jar(jar, &request)).await.expect("run from savepoint");
        self.poll_status(&job, &mut sample, !self.look_first, |s| s == JobState::Running).await;
        sample.total = started.elapsed();
        sample.flink = self.timed.snapshot().since(&before);
        (sample, job)
    }
}

// ---------------------------------------------------------------------------------------------
// The engine path.

struct EngineRun {
    timed: Arc<Timed>,
    store: Store,
    engine: Engine,
    id: String,
    version: i64,
    _db: storage::testing::TestDatabase,
}

fn namespace() -> NamespaceName {
    NamespaceName::parse(NAMESPACE).expect("a namespace name")
}

/// The name of a step without its fields (`Await`, `StartJob`, …).
fn step_kind(step: &Step) -> String {
    let debug = format!("{step:?}");
    let end = debug.find(|c: char| !c.is_alphanumeric()).unwrap_or(debug.len());
    match step {
        Step::Await(what) => format!("Await({what})"),
        _ => debug[..end].to_owned(),
    }
}

/// Whether a pass with this step committed to the store (see `reconcile.rs`: every step but
/// `Steady` and `Await` commits once; `Unreachable` only the first time).
fn commits(step: &Step) -> bool {
    !matches!(step, Step::Steady | Step::Await(_) | Step::Unreachable(_))
}

impl EngineRun {
    async fn new(timed: Arc<Timed>, jobs: &std::path::Path) -> Self {
        let (store, db) = fresh_store().await;
        store.ensure_namespace(&namespace()).await.expect("namespace");
        let id = uuid::Uuid::new_v4().to_string();
        let now = engine::time::rfc3339(engine::Clock::now_ms(&SystemClock));
        let jar = jobs.join("stateful-job.jar");
        let deployment: Deployment = serde_json::from_value(serde_json::json!({
            "apiVersion": "v1",
            "kind": "Deployment",
            "metadata": {"id": id, "name": "bench", "namespace": NAMESPACE, "createdAt": now, "modifiedAt": now, "resourceVersion": 1},
            "spec": {
                "state": "CANCELLED",
                "deploymentTargetName": "local",
                "upgradeStrategy": {"kind": "STATEFUL"},
                "restoreStrategy": {"kind": "LATEST_STATE"},
                "template": {"spec": {
                    "artifact": {
                        "kind": "JAR",
                        "jarUri": format!("file://{}", jar.display()),
                        "entryClass": ENTRY_CLASS,
                        "mainArgs": ARGS
                    },
                    "parallelism": 1
                }}
            },
            "status": {"state": "CANCELLED"}
        }))
        .expect("a deployment");
        store.insert_deployment(&deployment).await.expect("insert");
        let mut settings = Settings::new(jobs.join("sql-runner.jar"));
        settings.poll_every = POLL;
        let engine = Engine::new(store.clone(), Arc::new(OneCluster(timed.clone())), Arc::new(SystemClock), settings);
        Self { timed, store, engine, id, version: 1, _db: db }
    }

    /// A person's change: read, edit the spec, write with the next resourceVersion.
    async fn change(&mut self, edit: impl FnOnce(&mut domain::DeploymentSpec)) {
        let mut deployment =
            self.store.get_deployment(&namespace(), &self.id).await.expect("read").expect("the deployment exists");
        edit(&mut deployment.spec);
        deployment.metadata.resource_version = self.version + 1;
        self.store.update_deployment(&deployment, self.version).await.expect("a person's change");
        self.version += 1;
    }

    /// Runs passes, sleeping what each asks, until `done(step)`; the sample of the whole drive.
    async fn drive(&self, done: impl Fn(&Step) -> bool) -> Sample {
        let before = self.timed.snapshot();
        let mut sample = Sample::default();
        let started = Instant::now();
        loop {
            let flink_before = self.timed.snapshot();
            let pass_started = Instant::now();
            let report = self.engine.reconcile(&namespace(), &self.id).await.expect("a pass");
            let pass = pass_started.elapsed();
            let flink = self.timed.snapshot().since(&flink_before).total();
            sample.looks += 1;
            sample.commits += u32::from(commits(&report.step));
            let entry = sample.steps.entry(step_kind(&report.step)).or_default();
            entry.0 += 1;
            entry.1 += pass.saturating_sub(flink);
            if done(&report.step) {
                break;
            }
            assert!(started.elapsed() < DEADLINE, "engine: not done within {DEADLINE:?}: {:?}", sample.steps.keys());
            let Requeue::After(after) = report.requeue else { panic!("the deployment vanished") };
            if !after.is_zero() {
                let slept = Instant::now();
                tokio::time::sleep(after).await;
                sample.sleeping += slept.elapsed();
            }
        }
        sample.total = started.elapsed();
        sample.flink = self.timed.snapshot().since(&before);
        sample
    }

    async fn status(&self) -> DeploymentState {
        self.store.get_deployment(&namespace(), &self.id).await.expect("read").expect("exists").status.state
    }

    /// The Flink id of the job the status says runs.
    async fn running_flink_job(&self) -> JobId {
        let deployment = self.store.get_deployment(&namespace(), &self.id).await.expect("read").expect("exists");
        let running = deployment.status.running.expect("a RUNNING deployment names its job");
        let job = self.store.get_job(&namespace(), &running.job_id).await.expect("read").expect("the job row");
        JobId(job.status.started.expect("submitted").flink_job_id)
    }

    /// Desired RUNNING, passes until the status is RUNNING (the step that writes it). The clock
    /// starts at the first pass after the person's change is stored, as the direct path's starts at
    /// its first call.
    async fn start(&mut self) -> (Sample, JobId) {
        self.change(|spec| spec.state = DesiredState::Running).await;
        let sample = self.drive(|step| matches!(step, Step::JobStarted | Step::AdoptRunningJob)).await;
        assert_eq!(self.status().await, DeploymentState::Running);
        (sample, self.running_flink_job().await)
    }

    /// Passes until steady (the latest checkpoint recorded), so the upgrade starts from rest.
    async fn settle(&self) {
        self.drive(|step| *step == Step::Steady).await;
    }

    /// Parallelism 1 → 2, passes until the deployment is RUNNING a new job.
    async fn upgrade(&mut self, old: &JobId) -> (Sample, JobId) {
        self.change(|spec| spec.template.spec.parallelism = Some(2)).await;
        let sample = self.drive(|step| matches!(step, Step::JobStarted)).await;
        assert_eq!(self.status().await, DeploymentState::Running);
        let new = self.running_flink_job().await;
        assert_ne!(&new, old, "a new job runs");
        (sample, new)
    }
}

// ---------------------------------------------------------------------------------------------

/// Waits until the job has completed a checkpoint (every task runs: a savepoint can be taken).
async fn wait_for_checkpoint(client: &FlinkClient, job: &JobId) {
    let deadline = Instant::now() + DEADLINE;
    while client.checkpoints(job).await.ok().and_then(|c| c.latest_completed).is_none() {
        assert!(Instant::now() < deadline, "job {job} completed no checkpoint within {DEADLINE:?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Cancels a job and waits until it ended, so the next measurement has the cluster to itself.
async fn cancel(client: &FlinkClient, job: &JobId) {
    if let Err(err) = client.cancel(job).await {
        eprintln!("cancelling {job}: {err}");
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        match client.job_state(job).await {
            Ok(state) if !state.is_terminal() => tokio::time::sleep(Duration::from_millis(100)).await,
            _ => return,
        }
    }
}

/// Start and upgrade samples of one way of doing it.
#[derive(Default)]
struct Samples {
    start: Vec<Sample>,
    upgrade: Vec<Sample>,
}

#[derive(Default)]
struct Results {
    /// Direct, looking at a new job at once (the baseline).
    direct: Samples,
    /// Direct, first look after one poll interval (the engine's cadence).
    direct_later: Samples,
    engine: Samples,
}

async fn direct_round(direct: &Direct, results: Option<&mut Samples>) {
    let client = &direct.timed.client;
    let (start, job, jar) = direct.start().await;
    wait_for_checkpoint(client, &job).await;
    let (upgrade, new) = direct.upgrade(&job, &jar).await;
    cancel(client, &new).await;
    if let Some(results) = results {
        results.start.push(start);
        results.upgrade.push(upgrade);
    }
}

async fn engine_round(timed: &Arc<Timed>, jobs: &std::path::Path, results: Option<&mut Samples>) {
    let client = &timed.client;
    let mut run = EngineRun::new(timed.clone(), jobs).await;
    let (start, job) = run.start().await;
    wait_for_checkpoint(client, &job).await;
    run.settle().await;
    let (upgrade, new) = run.upgrade(&job).await;
    cancel(client, &new).await;
    if let Some(results) = results {
        results.start.push(start);
        results.upgrade.push(upgrade);
    }
}

fn report(name: &str, direct: &[Sample], later: &[Sample], engine: &[Sample]) {
    let total = |s: &Sample| ms(s.total);
    let (d, l, e) = (median(direct, total), median(later, total), median(engine, total));
    println!();
    println!("{name}");
    for (who, median, samples) in [
        ("direct (look at once)   ", d, direct),
        ("direct (look after poll)", l, later),
        ("engine                  ", e, engine),
    ] {
        let (min, max) = range(samples);
        println!("  {who} median {median:>6.0} ms  (min {min:.0}, max {max:.0})");
    }
    println!("  ratio engine / direct {:.2}  (target ≤ 1.05, issue 18)", e / d.max(1e-9));
    println!("  ratio engine / direct looking after one poll interval, as the engine does {:.2}", e / l.max(1e-9));
    for (who, samples) in [("direct", direct), ("direct (later)", later), ("engine", engine)] {
        println!(
            "  {who:<14} medians: {:.0} looks/passes, {:.0} commits, {:.0} Flink calls {:.0} ms, sleeping {:.0} ms, own work {:.1} ms",
            median(samples, |s| f64::from(s.looks)),
            median(samples, |s| f64::from(s.commits)),
            median(samples, |s| f64::from(s.flink.calls())),
            median(samples, |s| ms(s.flink.total())),
            median(samples, |s| ms(s.sleeping)),
            median(samples, |s| ms(s.own())),
        );
    }
    let (dm, em) = (|f: fn(&Sample) -> f64| median(direct, f), |f: fn(&Sample) -> f64| median(engine, f));
    println!(
        "  the engine's extra {:.0} ms (medians): sleeping {:+.0} ms, Flink calls {:+.0} ms ({:+.0} calls), its own work (store, plan) {:+.1} ms",
        e - d,
        em(|s| ms(s.sleeping)) - dm(|s| ms(s.sleeping)),
        em(|s| ms(s.flink.total())) - dm(|s| ms(s.flink.total())),
        em(|s| f64::from(s.flink.calls())) - dm(|s| f64::from(s.flink.calls())),
        em(|s| ms(s.own())) - dm(|s| ms(s.own())),
    );
    for (i, ((d, l), e)) in direct.iter().zip(later).zip(engine).enumerate() {
        println!("  round {}: direct {:>6.0} ms [{}]", i + 1, ms(d.total), d.flink.describe());
        println!("           later  {:>6.0} ms [{}]", ms(l.total), l.flink.describe());
        println!("           engine {:>6.0} ms [{}]", ms(e.total), e.flink.describe());
        let steps = e
            .steps
            .iter()
            .map(|(kind, (n, own))| format!("{kind} {n}× {:.1} ms", ms(*own)))
            .collect::<Vec<_>>()
            .join(", ");
        println!("           engine passes (own time outside Flink): {steps}");
    }
}

#[tokio::main]
async fn main() {
    let url = std::env::var("FLINK_REST_URL").expect("FLINK_REST_URL: run through `make bench` (scripts/bench.sh)");
    let jobs = PathBuf::from(
        std::env::var("CONSOLE_JOBS_DIR").expect("CONSOLE_JOBS_DIR: run through `make bench` (scripts/bench.sh)"),
    );
    let jar_path = jobs.join("stateful-job.jar");
    assert!(jar_path.is_file(), "{} is missing: build the example jobs first", jar_path.display());
    let client = FlinkClient::new(&url).expect("client");
    let overview = client.overview().await.unwrap_or_else(|err| panic!("no Flink cluster at {url}: {err}"));
    assert!(overview.taskmanagers > 0, "the Flink cluster at {url} has no TaskManager");
    let timed = Arc::new(Timed { client, stats: Mutex::new(CallStats::default()) });
    let direct = Direct { timed: timed.clone(), jar_path: jar_path.clone(), look_first: true };
    let direct_later = Direct { timed: timed.clone(), jar_path: jar_path.clone(), look_first: false };

    println!(
        "Engine vs direct Flink REST calls against {url}: {ROUNDS} rounds (after one warm-up), poll every {} ms",
        POLL.as_millis()
    );
    let bench_started = Instant::now();
    // Warm-up: the jar upload (cached by content hash afterwards), both code paths, the JobManager.
    timed.client.upload_jar(&jar_path).await.expect("upload");
    direct_round(&direct, None).await;
    engine_round(&timed, &jobs, None).await;

    let mut results = Results::default();
    for round in 0..ROUNDS {
        // Rotate which goes first, so drift in the cluster's load does not favour one side.
        for turn in 0..3 {
            match (round + turn) % 3 {
                0 => direct_round(&direct, Some(&mut results.direct)).await,
                1 => direct_round(&direct_later, Some(&mut results.direct_later)).await,
                _ => engine_round(&timed, &jobs, Some(&mut results.engine)).await,
            }
        }
        eprintln!("round {} of {ROUNDS} done ({:.0} s)", round + 1, bench_started.elapsed().as_secs_f64());
    }
    report("Start → RUNNING", &results.direct.start, &results.direct_later.start, &results.engine.start);
    report(
        "Stateful upgrade (parallelism 1 → 2) → RUNNING a new job",
        &results.direct.upgrade,
        &results.direct_later.upgrade,
        &results.engine.upgrade,
    );
    println!();
    println!("(bench took {:.0} s)", bench_started.elapsed().as_secs_f64());
}
