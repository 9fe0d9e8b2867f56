//! Runs the engine's passes for every deployment: at most one pass per deployment at a time, at
//! most `max_concurrent_passes` at once, each deployment again when its pass asks (`Requeue`), at
//! once when the console nudges it (a person changed it) or when its cluster's job overview shows
//! its job at rest changed (`board`: one Flink call per cluster and period), and every deployment
//! on a periodic resync so none is forgotten. It never decides anything: `plan` does.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use domain::NamespaceName;
use tokio::sync::{mpsc, watch, Semaphore};
use tokio::time::Instant;

use crate::backoff::Backoff;
use crate::board::{Board, ClusterId, Key};
use crate::reconcile::Requeue;
use crate::{Engine, Watch};

/// Tells the engine that a deployment changed; cheap to clone. Without an engine (tests of the
/// API alone) nudges go nowhere.
#[derive(Clone)]
pub struct Nudger(Route);

/// Where a nudge goes.
#[derive(Clone)]
enum Route {
    Nowhere,
    /// The controller of this process.
    Controller(mpsc::UnboundedSender<Key>),
    /// The store's bus: whichever replica runs the engine hears it (this one included).
    Bus(storage::bus::Bus),
}

impl std::fmt::Debug for Nudger {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let route = match &self.0 {
            Route::Nowhere => "nowhere",
            Route::Controller(_) => "controller",
            Route::Bus(_) => "bus",
        };
        f.debug_tuple("Nudger").field(&route).finish()
    }
}

impl Nudger {
    /// A nudger that reaches no engine, for the API without one (its tests).
    pub fn disconnected() -> Self {
        Self(Route::Nowhere)
    }

    /// A nudger that speaks through the bus (`storage::bus`), for console replicas: the engine
    /// runs in one of them, which hears it (`Bus::nudges`) and nudges its controller.
    pub fn through(bus: storage::bus::Bus) -> Self {
        Self(Route::Bus(bus))
    }

    /// Asks for a pass over the deployment as soon as possible.
    pub fn nudge(&self, namespace: &str, deployment_id: &str) {
        match &self.0 {
            Route::Nowhere => {}
            Route::Controller(sender) => {
                // The controller only stops at shutdown; a nudge then has nothing left to do.
                let _ = sender.send((namespace.to_owned(), deployment_id.to_owned()));
            }
            Route::Bus(bus) => bus.nudge(namespace, deployment_id),
        }
    }
}

/// How the controller schedules passes.
#[derive(Debug, Clone)]
pub struct ControllerSettings {
    /// Passes running at once, over all deployments.
    pub max_concurrent_passes: usize,
    /// How often every deployment of the store is scheduled, whatever its last pass asked.
    pub resync_every: Duration,
    /// The wait after a pass that failed (store unavailable, a conflict), per deployment: it
    /// doubles with each failed pass in a row, up to its cap, and a pass that succeeds resets it.
    pub error_backoff: Backoff,
}

impl Default for ControllerSettings {
    fn default() -> Self {
        Self {
            max_concurrent_passes: 16,
            resync_every: Duration::from_secs(30),
            error_backoff: Backoff::new(Duration::from_secs(2), Duration::from_secs(60)),
        }
    }
}

/// Starts the controller on the current runtime; it stops when `shutdown` turns true.
/// The Autopilot's sampler runs beside it, sharing its limit on concurrent passes.
pub fn spawn_controller(engine: Arc<Engine>, settings: ControllerSettings, shutdown: watch::Receiver<bool>) -> Nudger {
    let (sender, nudges) = mpsc::unbounded_channel();
    let permits = Arc::new(Semaphore::new(settings.max_concurrent_passes.max(1)));
    let nudger = Nudger(Route::Controller(sender));
    tokio::spawn(crate::autopilot::run_sampler(engine.clone(), nudger.clone(), permits.clone(), shutdown.clone()));
    tokio::spawn(run(engine, settings, permits, nudges, shutdown));
    nudger
}

/// When each deployment is due, ordered by time.
#[derive(Default)]
struct Schedule {
    by_time: BTreeSet<(Instant, Key)>,
    due: HashMap<Key, Instant>,
}

impl Schedule {
    /// Schedules `key` at `at`, or earlier if it already is.
    fn at(&mut self, key: Key, at: Instant) {
        if let Some(current) = self.due.get(&key) {
            if *current <= at {
                return;
            }
            self.by_time.remove(&(*current, key.clone()));
        }
        self.due.insert(key.clone(), at);
        self.by_time.insert((at, key));
    }

    fn pop_due(&mut self, now: Instant) -> Option<Key> {
        let first = self.by_time.first().filter(|(at, _)| *at <= now).cloned()?;
        self.by_time.remove(&first);
        self.due.remove(&first.1);
        Some(first.1)
    }

    fn next(&self) -> Option<Instant> {
        self.by_time.first().map(|(at, _)| *at)
    }
}

async fn run(
    engine: Arc<Engine>,
    settings: ControllerSettings,
    permits: Arc<Semaphore>,
    mut nudges: mpsc::UnboundedReceiver<Key>,
    mut shutdown: watch::Receiver<bool>,
) {
    let (done_sender, mut done) = mpsc::unbounded_channel::<(Key, Option<(Requeue, Option<Watch>)>)>();
    type Overview = Result<Vec<flink::JobOverview>, flink::FlinkError>;
    let (overview_sender, mut overviews) = mpsc::unbounded_channel::<(ClusterId, Overview)>();
    let mut board = Board::default();
    // Clusters whose overview is being read (never two reads of one cluster at once).
    let mut asking: HashSet<ClusterId> = HashSet::new();
    let mut watch_tick = tokio::time::interval(engine.settings().observe_every);
    watch_tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut schedule = Schedule::default();
    let mut running: HashSet<Key> = HashSet::new();
    let mut nudged_while_running: HashSet<Key> = HashSet::new();
    // Failed passes in a row, per deployment; absent after a pass that succeeded.
    let mut failures: HashMap<Key, u32> = HashMap::new();
    let mut resync = tokio::time::interval(settings.resync_every);
    loop {
        let now = Instant::now();
        while permits.available_permits() > 0 {
            let Some(key) = schedule.pop_due(now) else { break };
            if running.contains(&key) {
                nudged_while_running.insert(key);
                continue;
            }
            let Ok(permit) = permits.clone().try_acquire_owned() else { break };
            running.insert(key.clone());
            let engine = engine.clone();
            let done_sender = done_sender.clone();
            tokio::spawn(async move {
                let requeue = pass(&engine, &key).await;
                drop(permit);
                let _ = done_sender.send((key, requeue));
            });
        }
        crate::metrics::set_queue_depth(schedule.by_time.iter().take_while(|(at, _)| *at <= now).count());
        let next_due = schedule.next().filter(|_| permits.available_permits() > 0);
        let sleep = tokio::time::sleep_until(next_due.unwrap_or_else(|| now + Duration::from_secs(3600)));
        tokio::select! {
            Some(key) = nudges.recv() => schedule.at(key, Instant::now()),
            Some((key, outcome)) = done.recv() => {
                running.remove(&key);
                let now = Instant::now();
                match outcome.as_ref().and_then(|(_, watch)| watch.clone()) {
                    Some(watch) => board.watch(key.clone(), watch),
                    None => board.forget(&key),
                }
                let next = match outcome.map(|(requeue, _)| requeue) {
                    Some(Requeue::After(after)) => {
                        failures.remove(&key);
                        Some(now + spread(after))
                    }
                    Some(Requeue::Never) => {
                        failures.remove(&key);
                        None
                    }
                    None => {
                        let in_a_row = failures.entry(key.clone()).or_default();
                        *in_a_row = in_a_row.saturating_add(1);
                        Some(now + settings.error_backoff.after(*in_a_row))
                    }
                };
                if nudged_while_running.remove(&key) {
                    schedule.at(key, now);
                } else if let Some(next) = next {
                    schedule.at(key, next);
                }
            }
            _ = watch_tick.tick() => {
                for (id, cluster) in board.clusters() {
                    if asking.insert(id) {
                        let sender = overview_sender.clone();
                        tokio::spawn(async move {
                            let _ = sender.send((id, cluster.jobs().await));
                        });
                    }
                }
            }
            Some((id, overview)) = overviews.recv() => {
                asking.remove(&id);
                let now = Instant::now();
                for key in board.changed(id, &overview) {
                    schedule.at(key, now);
                }
            }
            _ = resync.tick() => match engine.store().deployment_keys().await {
                Ok(keys) => {
                    board.retain(&keys.iter().cloned().collect());
                    let now = Instant::now();
                    // Deployments not yet scheduled (at start, or created behind the console's back)
                    // are due now; the others keep their own, earlier time.
                    for key in keys {
                        if !running.contains(&key) && !schedule.due.contains_key(&key) {
                            schedule.at(key, now);
                        }
                    }
                }
                Err(err) => tracing::warn!(error = %err, "the engine cannot list the deployments"),
            },
            _ = sleep => {}
            _ = shutdown.changed() => {
                if *shutdown.borrow() {
                    break;
                }
            }
        }
    }
    tracing::info!("the lifecycle engine stopped");
}

/// Long waits get up to 20% added at random, so deployments observed on the same period do not
/// all fall due in the same instant.
fn spread(after: Duration) -> Duration {
    if after < Duration::from_secs(1) {
        return after;
    }
    let percent = u32::try_from(uuid::Uuid::new_v4().as_u128() % 21).unwrap_or_default();
    after + after * percent / 100
}

/// One pass: when to look again and the job to watch meanwhile; `None` if it failed (logged).
async fn pass(engine: &Engine, (namespace, id): &Key) -> Option<(Requeue, Option<Watch>)> {
    let _timer = crate::metrics::PassTimer::start();
    let Ok(namespace) = NamespaceName::parse(namespace) else {
        tracing::error!(%namespace, "a stored deployment has an invalid namespace name");
        return Some((Requeue::Never, None));
    };
    let span = crate::metrics::pass_span(&namespace, id);
    match tracing::Instrument::instrument(engine.reconcile(&namespace, id), span).await {
        Ok(report) => Some((report.requeue, report.watch)),
        Err(err) => {
            tracing::warn!(%namespace, deployment = %id, error = %err, "engine pass failed; will try again");
            None
        }
    }
}
