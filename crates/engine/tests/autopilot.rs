//! The Autopilot wired into the engine, against the fake Flink under a hand-moved clock: a recorded
//! back-pressured series makes ACTIVE rescale the job (by a stateful upgrade, or in place on an
//! adaptive-scheduler cluster) without losing its state; MONITORING only writes events. (Against
//! real Flink: `real_flink.rs`.)

mod support;

use std::time::Duration;

use domain::*;
use engine::autopilot::Look;
use engine::plan::Step;
use support::{autopilot_spec, back_pressured_job, namespace, sample_for, Harness, COUNTER, SOURCE};

async fn running(mode: &str, adaptive: bool) -> Harness {
    let h = Harness::with_spec(autopilot_spec(mode)).await;
    h.flink.set_adaptive_scheduler(adaptive);
    h.flink.set_metrics(back_pressured_job(1000.0, 400.0));
    h.desire(DesiredState::Running).await;
    h.settle().await;
    assert_eq!(h.state().await, DeploymentState::Running);
    h
}

async fn messages(h: &Harness, name: EventName) -> Vec<String> {
    let events = h.store.all_events_of_deployment(&namespace(), &h.id).await.expect("events");
    events.into_iter().filter(|e| e.metadata.name == name).map(|e| e.spec.message).collect()
}

#[tokio::test]
async fn active_scales_a_back_pressured_job_up_by_a_stateful_upgrade_that_keeps_its_state() {
    let h = running("ACTIVE", false).await;
    let first = h.flink_job().await;
    let steps = sample_for(&h.engine, &h.clock, &h.id, Duration::from_secs(90)).await;
    let rescale = steps.iter().find_map(|s| match s {
        Step::Rescale(wanted) => Some(wanted.clone()),
        _ => None,
    });
    let rescale = rescale.unwrap_or_else(|| panic!("no rescale: {steps:?}"));
    assert!(!rescale.in_place);
    let counter = rescale.parallelism_by_vertex[COUNTER];
    assert!(counter > 1 && 128 % counter == 0, "the counter grows to a divisor of its key groups: {counter}");
    assert_eq!(rescale.parallelism_by_vertex[SOURCE], 1, "the source is not the bottleneck");

    let deployment = h.deployment().await;
    assert_eq!(deployment.spec.template.spec.parallelism, Some(counter), "the spec shows the applied parallelism");
    assert_eq!(deployment.status.state, DeploymentState::Running);
    let jobs = h.jobs().await;
    assert_eq!(jobs.len(), 2, "one stateful upgrade");
    let second = h.flink_job().await;
    assert_ne!(second, first);
    let new_job = h.flink.job(&second).expect("the new job runs");
    assert_eq!(new_job.submission.parallelism, Some(counter));
    let upgrade = completed(&h.savepoints().await, SavepointOrigin::SuspendAndUpgrade);
    assert_eq!(new_job.restored_from, upgrade, "the new job continues from the upgrade's savepoint");
    assert_eq!(h.flink.active_jobs(), [second]);

    let said = messages(&h, EventName::AutopilotRescale).await;
    assert_eq!(said.len(), 1, "{said:?}");
    assert!(said[0].contains(&format!("counter -> discard: Writer 1 → {counter}")), "{}", said[0]);
    assert!(said[0].contains("SATURATED") || said[0].contains("Saturated"), "{}", said[0]);
    assert!(said[0].contains("stateful upgrade"), "{}", said[0]);
    assert!(said[0].contains("Flink calls"), "{}", said[0]);

    // The new parallelism manages the load: nothing more to do.
    let later = sample_for(&h.engine, &h.clock, &h.id, Duration::from_secs(120)).await;
    assert!(!later.iter().any(|s| matches!(s, Step::Rescale(_))), "{later:?}");
    let status = h.engine.autopilot_monitor().status(NAMESPACE_NAME, &h.id, ::autopilot::Mode::Active, None);
    let decision = status.decision.expect("a decision");
    assert!(matches!(decision.action, ::autopilot::Action::NoChange { .. }), "{:?}", decision.action);
    assert!(status.flink_calls_per_decision.is_some_and(|calls| calls <= 3), "1 + V calls per sample");
    assert!(!status.samples.is_empty());
}

const NAMESPACE_NAME: &str = support::NAMESPACE;

fn completed(savepoints: &[Savepoint], origin: SavepointOrigin) -> Option<String> {
    savepoints
        .iter()
        .find(|s| s.metadata.origin == origin && s.status.state == SavepointState::Completed)
        .and_then(|s| s.spec.savepoint_location.clone())
}

#[tokio::test]
async fn monitoring_recommends_in_events_only_and_never_touches_the_job() {
    let h = running("MONITORING", true).await;
    let before = h.deployment().await;
    let steps = sample_for(&h.engine, &h.clock, &h.id, Duration::from_secs(180)).await;
    assert!(!steps.iter().any(|s| matches!(s, Step::Rescale(_))), "{steps:?}");
    assert_eq!(h.deployment().await.spec, before.spec, "the spec is untouched");
    assert_eq!(h.flink.calls().submit, 1);
    assert_eq!(h.flink.calls().set_resource_requirements, 0);
    assert_eq!(h.flink.calls().stop_with_savepoint, 0);
    let said = messages(&h, EventName::AutopilotRecommendation).await;
    assert_eq!(said.len(), 1, "one event while the recommendation stays the same: {said:?}");
    assert!(said[0].starts_with("Autopilot (MONITORING) decided NOT_APPLIED/UP/MONITORING"), "{}", said[0]);
    assert!(said[0].contains("parallelism 1 → "), "{}", said[0]);
    assert!(said[0].contains("busy 100 %"), "{}", said[0]);
}

#[tokio::test]
async fn active_rescales_in_place_on_an_adaptive_scheduler_without_a_new_job() {
    let h = running("ACTIVE", true).await;
    let job = h.flink_job().await;
    // One sample and one pass every 15 s, until the pass rescales.
    let mut rescale = None;
    for _ in 0..10 {
        h.clock.advance(Duration::from_secs(15));
        h.engine.sample_autopilot(&namespace(), &h.id).await.expect("a sample");
        if let Step::Rescale(wanted) = h.engine.reconcile(&namespace(), &h.id).await.expect("a pass").step {
            rescale = Some(wanted);
            break;
        }
    }
    let rescale = rescale.expect("a rescale within 150 s");
    assert!(rescale.in_place);
    assert_eq!(h.flink.calls().set_resource_requirements, 1);
    let requested = h.flink.job(&job).expect("the job").requested_bounds;
    let counter = requested[COUNTER].upper_bound;
    assert_eq!(counter, rescale.parallelism_by_vertex[COUNTER]);
    assert!(counter > 1, "{requested:?}");
    assert_eq!(requested[SOURCE].upper_bound, 1, "only the counter changes: per vertex");
    assert!(matches!(h.engine.reconcile(&namespace(), &h.id).await.expect("a pass").step, Step::Await(_)));
    assert_eq!(h.state().await, DeploymentState::Running, "the deployment stays RUNNING while Flink rescales");

    h.flink.apply_rescales();
    let done = h.settle().await;
    assert!(done.contains(&Step::RescaleDone), "{done:?}");
    assert_eq!(h.flink.active_jobs(), std::slice::from_ref(&job), "the same Flink job, no savepoint, no new job");
    assert_eq!(h.jobs().await.len(), 1);
    assert_eq!(h.flink.calls().stop_with_savepoint, 0);
    assert_eq!(h.flink.job(&job).expect("the job").parallelism_of(COUNTER), counter);
    assert_eq!(h.flink.job(&job).expect("the job").parallelism_of(SOURCE), 1);
    assert_eq!(h.deployment().await.spec.template.spec.parallelism, Some(counter));
    let said = messages(&h, EventName::AutopilotRescale).await;
    assert_eq!(said.len(), 2, "asked, then done: {said:?}");
    assert!(said.iter().any(|m| m.contains("in place")), "{said:?}");
    // The job runs the spec as it now is: no upgrade follows.
    let after = sample_for(&h.engine, &h.clock, &h.id, Duration::from_secs(30)).await;
    assert!(!after.iter().any(|s| matches!(s, Step::StopJob { .. })), "{after:?}");
}

#[tokio::test]
async fn a_disabled_or_stopped_deployment_is_not_sampled() {
    let h = running("DISABLED", false).await;
    h.clock.advance(Duration::from_secs(15));
    let look = h.engine.sample_autopilot(&namespace(), &h.id).await.expect("a look");
    assert_eq!(look, Look::Skipped("the policy is DISABLED"));
    assert_eq!(h.flink.calls().metrics_samples, 0);
}
