//! Which console replica runs the lifecycle engine. Every replica tries to take the engine lease
//! (`storage::lease`) every third of its TTL — and at once when the holder says it released it —
//! and the holder renews it on the same beat. Only while this replica holds the lease do its
//! controller (with the Autopilot's sampler), the nudges it hears on the bus and the tuning-plan
//! scheduler run, through an engine fenced with the term's epoch: once the term is over, the
//! database refuses that engine's writes, whatever this process's timers believe. It never
//! decides anything about deployments, and never runs two terms' controllers at once.
//!
//! docs/engine.md, "Several replicas", tells why a lease with a fencing token.

use std::sync::Arc;
use std::time::Duration;

use engine::{ControllerSettings, Engine, Nudger};
use services::Services;
use storage::bus::{Heard, Nudge};
use storage::{Fence, Lease, Store};
use tokio::sync::watch;
use tokio::time::Instant;

/// The shortest wait between two attempts, so a lease that expires at this very moment is not
/// asked for in a tight loop.
const LEAST_WAIT: Duration = Duration::from_millis(25);

/// A name for this process among the replicas: its pid and a random part (pids repeat across hosts).
pub fn replica_id() -> String {
    let random = uuid::Uuid::new_v4().simple().to_string();
    format!("{}-{}", std::process::id(), &random[..8])
}

/// What a replica runs while it holds the lease.
pub struct Leadership {
    /// This replica's name in the lease (`replica_id`).
    pub replica: String,
    /// The store (unfenced; each term fences its own engine).
    pub store: Store,
    /// The engine, unfenced: each term runs `engine.fenced(…)`.
    pub engine: Arc<Engine>,
    /// How the controller schedules passes.
    pub controller: ControllerSettings,
    /// For the tuning-plan scheduler.
    pub services: Services,
    /// How often the tuning-plan scheduler looks.
    pub plan_check: Duration,
    /// The lease's time to live: a holder that stops renewing loses it this long after its last renewal.
    pub ttl: Duration,
}

/// One term of this replica's leadership.
struct Term {
    fence: Fence,
    /// When the lease runs out unless renewed, by this process's clock (never later than the
    /// database's expiry: measured from before the renewal was sent).
    deadline: Instant,
    /// Stops the term's controller, nudge forwarding and plan scheduler.
    stop: watch::Sender<bool>,
}

impl Leadership {
    /// Runs until `shutdown` turns true; then stops the engine if it runs here and releases the
    /// lease at once, telling the other replicas so they take over without waiting for it to expire.
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        let renew_every = (self.ttl / 3).max(LEAST_WAIT);
        let mut releases = self.store.bus().lease_releases();
        let mut term: Option<Term> = None;
        let mut next_try = Instant::now();
        // A SQLite database is one console's: at start it takes the lease whoever held it last.
        let mut take_over = !self.store.is_postgres();
        // The bus lives as long as the store; should it end, attempts go on at their own pace.
        let mut bus_open = true;
        tracing::info!(replica = %self.replica, ttl_ms = self.ttl.as_millis() as u64, "taking part in the engine lease");
        loop {
            let wake = term.as_ref().map_or(next_try, |term| next_try.min(term.deadline));
            tokio::select! {
                biased;
                changed = shutdown.changed() => {
                    if changed.is_err() || *shutdown.borrow() {
                        break;
                    }
                    continue;
                }
                _ = tokio::time::sleep_until(wake) => {}
                heard = releases.next(), if bus_open => {
                    bus_open = heard.is_some();
                    if term.is_none() && bus_open {
                        next_try = Instant::now();
                    }
                    continue;
                }
            }
            // Past the deadline (renewals failed, or this process was paused): stop before asking.
            if let Some(lost) = term.take_if(|term| Instant::now() >= term.deadline) {
                self.end(lost, "its lease could not be renewed before it expired");
            }
            let sent = Instant::now();
            let current = term.as_ref().map(|term| term.fence.epoch);
            let attempt = if take_over {
                self.store.take_over_engine_lease(&self.replica, current, self.ttl).await
            } else {
                self.store.acquire_engine_lease(&self.replica, current, self.ttl).await
            };
            match attempt {
                Ok(Lease::Held(fence)) => {
                    take_over = false;
                    match &mut term {
                        Some(held) if held.fence == fence => held.deadline = sent + self.ttl,
                        _ => {
                            if let Some(ended) = term.take() {
                                self.end(ended, "its lease ran out and was taken again under a new epoch");
                            }
                            term = Some(self.begin(fence, sent + self.ttl));
                        }
                    }
                    next_try = sent + renew_every;
                }
                Ok(Lease::HeldByOther { holder, epoch, remaining }) => {
                    if let Some(lost) = term.take() {
                        self.end(lost, &format!("replica {holder} holds the lease (epoch {epoch})"));
                    }
                    next_try = Instant::now() + remaining.clamp(LEAST_WAIT, renew_every);
                }
                Err(err) => {
                    tracing::warn!(error = %err, "the engine lease cannot be read or renewed now; trying again");
                    next_try = Instant::now() + renew_every.min(Duration::from_secs(1));
                }
            }
        }
        if let Some(last) = term.take() {
            let fence = last.fence.clone();
            self.end(last, "the console is stopping");
            match self.store.release_engine_lease(&fence).await {
                Ok(true) => tracing::info!(epoch = fence.epoch, "released the engine lease"),
                Ok(false) => tracing::info!(epoch = fence.epoch, "the engine lease had already ended"),
                Err(err) => tracing::warn!(error = %err, "could not release the engine lease; it expires on its own"),
            }
        }
    }

    /// Starts a term: the controller on an engine fenced with `fence`, the bus's nudges forwarded
    /// to it, and the tuning-plan scheduler. The controller's first resync schedules every deployment.
    fn begin(&self, fence: Fence, deadline: Instant) -> Term {
        let (stop, stopped) = watch::channel(false);
        tracing::info!(replica = %fence.holder, epoch = fence.epoch, "this replica holds the engine lease: the engine runs here");
        let engine = Arc::new(self.engine.fenced(fence.clone()));
        // Subscribed before the controller starts: no nudge falls between the two.
        let nudges = self.store.bus().nudges();
        let nudger = engine::spawn_controller(engine, self.controller.clone(), stopped.clone());
        tokio::spawn(forward_nudges(nudges, nudger, self.store.clone(), stopped.clone()));
        tokio::spawn(crate::plans::carry_out_forever(self.services.clone(), self.plan_check, stopped));
        engine::metrics::set_leader(true);
        Term { fence, deadline, stop }
    }

    /// Ends a term: its controller, forwarding and scheduler stop; passes still under way finish,
    /// and the fence refuses their writes.
    fn end(&self, term: Term, why: &str) {
        let _ = term.stop.send(true);
        engine::metrics::set_leader(false);
        tracing::warn!(
            epoch = term.fence.epoch,
            refused_writes = storage::lease::refused_writes(),
            "this replica no longer runs the engine: {why}"
        );
    }
}

/// Hands the nudges heard on the bus (from any replica) to this term's controller; after the bus
/// may have lost some, nudges every deployment (a full resync).
async fn forward_nudges(
    mut nudges: storage::bus::Subscription<Nudge>,
    nudger: Nudger,
    store: Store,
    mut stopped: watch::Receiver<bool>,
) {
    loop {
        let heard = tokio::select! {
            heard = nudges.next() => heard,
            changed = stopped.changed() => {
                if changed.is_err() || *stopped.borrow() {
                    return;
                }
                continue;
            }
        };
        match heard {
            Some(Heard::Message(nudge)) => nudger.nudge(&nudge.namespace, &nudge.deployment_id),
            Some(Heard::MayHaveMissed) => match store.deployment_keys().await {
                Ok(keys) => {
                    tracing::info!(
                        deployments = keys.len(),
                        "nudges may have been missed: looking at every deployment"
                    );
                    for (namespace, id) in keys {
                        nudger.nudge(&namespace, &id);
                    }
                }
                Err(err) => tracing::warn!(error = %err, "cannot list the deployments to look at them again"),
            },
            None => return,
        }
    }
}
