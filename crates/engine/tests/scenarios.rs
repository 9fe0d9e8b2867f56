//! The engine against the in-process fake Flink, under a hand-moved clock: every transition of
//! `docs/engine.md`'s table and its fault paths. (The same transitions against real Flink:
//! `real_flink.rs`.)

mod support;

use std::time::Duration;

use domain::*;
use engine::plan::Step;
use engine::requests::{savepoint_request, set_next_start};
use engine::{RestoreChoice, StartRequest};
use flink::testing::Refusal;
use flink::JobState as F;
use support::{namespace, Harness};

async fn running() -> Harness {
    let h = Harness::new().await;
    h.desire(DesiredState::Running).await;
    h.settle().await;
    assert_eq!(h.state().await, DeploymentState::Running);
    h
}

fn completed(savepoints: &[Savepoint], origin: SavepointOrigin) -> Vec<&Savepoint> {
    savepoints.iter().filter(|s| s.metadata.origin == origin && s.status.state == SavepointState::Completed).collect()
}

#[tokio::test]
async fn start_submits_one_job_under_the_id_recorded_first_and_reports_running() {
    let h = Harness::new().await;
    h.desire(DesiredState::Running).await;
    h.settle().await;
    let deployment = h.deployment().await;
    assert_eq!(deployment.status.state, DeploymentState::Running);
    let jobs = h.jobs().await;
    assert_eq!(jobs.len(), 1);
    assert_eq!(jobs[0].status.state, JobState::Started);
    assert_eq!(deployment.status.running.as_ref().map(|r| r.job_id.as_str()), Some(jobs[0].metadata.id.as_str()));
    assert_eq!(h.flink.active_jobs(), [h.flink_job().await], "Flink runs the job under the recorded id");
    assert_eq!(h.flink.calls().submit, 1);
    let events = h.events().await;
    assert!(
        events.contains(&EventName::CreatingANewJob) && events.contains(&EventName::JobSuccessfullyStarted),
        "{events:?}"
    );
}

#[tokio::test]
async fn suspend_stops_with_a_savepoint_and_resume_continues_from_it() {
    let h = running().await;
    let first = h.flink_job().await;
    h.desire(DesiredState::Suspended).await;
    h.settle().await;
    assert_eq!(h.state().await, DeploymentState::Suspended);
    let savepoints = h.savepoints().await;
    let suspend = completed(&savepoints, SavepointOrigin::Suspend);
    assert_eq!(suspend.len(), 1, "{savepoints:?}");
    let location = suspend[0].spec.savepoint_location.clone().expect("a location");
    assert!(suspend[0].spec.job_fingerprint.is_some(), "the savepoint records the job that wrote it");
    assert_eq!(h.flink.job(&first).expect("job").state, F::Finished, "stopped with its savepoint");
    assert_eq!(h.flink.calls().cancel, 0, "never cancelled");
    assert_eq!(h.jobs().await[0].status.state, JobState::Terminated);

    h.desire(DesiredState::Running).await;
    h.settle().await;
    assert_eq!(h.state().await, DeploymentState::Running);
    let resumed = h.flink_job().await;
    assert_eq!(h.flink.job(&resumed).expect("job").restored_from, Some(location.clone()), "LATEST_STATE");
    assert_eq!(h.jobs().await[0].spec.savepoint_location, Some(location));
}

#[tokio::test]
async fn a_suspension_asked_with_a_drain_drains_once_and_a_later_one_does_not() {
    let h = running().await;
    h.desire(DesiredState::Suspended).await;
    // What `Services::suspend_draining` writes with the desired state: this version drains.
    let row = h.store.engine_row(&namespace(), &h.id).await.expect("read").expect("the deployment");
    let mut record = engine::EngineRecord::read(row.engine.as_deref()).expect("the record");
    record.drain_at_version = Some(row.deployment.metadata.resource_version);
    let json = record.to_json().expect("json");
    h.store
        .save_engine_state(&namespace(), &h.id, &row.deployment.status, &json, row.status_version)
        .await
        .expect("saved");
    h.settle().await;
    assert_eq!(h.state().await, DeploymentState::Suspended);
    assert_eq!((h.flink.calls().stop_with_savepoint, h.flink.calls().drained_stops), (1, 1), "drained");
    assert!(h.events().await.contains(&EventName::CreatingASavepointBeforeSuspension));
    assert_eq!(completed(&h.savepoints().await, SavepointOrigin::Suspend).len(), 1, "and its savepoint kept");

    // A later suspension (a new version) stops without draining.
    h.desire(DesiredState::Running).await;
    h.settle().await;
    h.desire(DesiredState::Suspended).await;
    h.settle().await;
    assert_eq!(h.state().await, DeploymentState::Suspended);
    assert_eq!((h.flink.calls().stop_with_savepoint, h.flink.calls().drained_stops), (2, 1), "not drained again");
}

#[tokio::test]
async fn a_savepoint_asked_in_the_native_format_is_taken_in_it() {
    let h = running().await;
    let deployment = h.deployment().await;
    let requested =
        engine::requests::savepoint_request_in(&h.store, &deployment, "2026-01-01T00:00:10Z", SavepointFormat::Native)
            .await
            .expect("request");
    assert_eq!(requested.spec.format_type, Some(SavepointFormat::Native));
    h.store.insert_savepoint(&requested).await.expect("the caller inserts it");
    h.settle().await;
    let stored = h.store.get_savepoint(&namespace(), &requested.metadata.id).await.expect("read").expect("exists");
    assert_eq!(stored.status.state, SavepointState::Completed);
    assert_eq!(stored.spec.format_type, Some(SavepointFormat::Native), "the row keeps its format");
    assert_eq!((h.flink.calls().trigger_savepoint, h.flink.calls().native_savepoints), (1, 1));
    // A suspension afterwards takes its savepoint in the canonical format.
    h.desire(DesiredState::Suspended).await;
    h.settle().await;
    assert_eq!(h.flink.calls().native_savepoints, 1);
}

#[tokio::test]
async fn suspend_never_cancels_before_the_savepoint_completes() {
    let h = running().await;
    h.flink.set_faults(|f| {
        f.fail_savepoints = 2;
        f.operation_polls = 3;
    });
    h.desire(DesiredState::Suspended).await;
    let job = h.flink_job().await;
    for _ in 0..12 {
        let report = h.engine.reconcile(&namespace(), &h.id).await.expect("a pass");
        assert_eq!(h.flink.calls().cancel, 0);
        if h.flink.job(&job).expect("job").state != F::Running {
            let savepoints = h.savepoints().await;
            assert_eq!(completed(&savepoints, SavepointOrigin::Suspend).len(), 1, "it ended only with a savepoint");
        }
        if let engine::Requeue::After(after) = report.requeue {
            h.clock.advance(after);
        }
    }
    h.settle().await;
    assert_eq!(h.state().await, DeploymentState::Suspended);
    let savepoints = h.savepoints().await;
    let failed = savepoints.iter().filter(|s| s.status.state == SavepointState::Failed).count();
    assert_eq!(failed, 2, "two failed attempts, then one that completed");
    assert_eq!(h.flink.calls().stop_with_savepoint, 3);
    assert!(h.events().await.contains(&EventName::RecoverableFailureWhileTriggeringASavepoint));
}

#[tokio::test]
async fn too_many_failed_savepoints_fail_the_deployment_and_keep_the_job_running() {
    let h = Harness::with_spec({
        let mut spec = support::spec_json();
        spec["restoreStrategy"]["kind"] = "LATEST_SAVEPOINT".into();
        spec
    })
    .await;
    h.desire(DesiredState::Running).await;
    h.settle().await;
    let job = h.flink_job().await;
    h.flink.complete_checkpoint(&job);
    h.flink.set_faults(|f| f.fail_savepoints = 100);
    h.desire(DesiredState::Suspended).await;
    h.settle().await;
    let deployment = h.deployment().await;
    assert_eq!(deployment.status.state, DeploymentState::Failed);
    let failure = deployment.status.failure.expect("a failure");
    assert!(failure.message.contains("4 savepoint attempts failed"), "{}", failure.message);
    assert_eq!(h.flink.job(&job).expect("job").state, F::Running, "the job was never terminated");
    assert_eq!(h.flink.calls().stop_with_savepoint, 4);
    assert_eq!(h.jobs().await[0].status.state, JobState::Started);
    assert!(h.events().await.contains(&EventName::TooManyFailedSuspensionAttempts));

    // FAILED → CANCELLED: cancel whatever may still run.
    h.desire(DesiredState::Cancelled).await;
    h.settle().await;
    assert_eq!(h.state().await, DeploymentState::Cancelled);
    assert_eq!(h.flink.job(&job).expect("job").state, F::Canceled);
}

#[tokio::test]
async fn a_job_that_cannot_take_a_savepoint_falls_back_to_its_retained_checkpoint() {
    let h = running().await;
    let job = h.flink_job().await;
    let checkpoint = h.flink.complete_checkpoint(&job).expect("a checkpoint");
    h.settle().await;
    h.flink.set_faults(|f| f.fail_savepoints = 100);
    h.desire(DesiredState::Suspended).await;
    h.settle().await;
    assert_eq!(h.state().await, DeploymentState::Suspended);
    let savepoints = h.savepoints().await;
    let retained = completed(&savepoints, SavepointOrigin::RetainedCheckpoint);
    assert_eq!(retained.len(), 1);
    assert_eq!(retained[0].spec.savepoint_location.as_deref(), Some(checkpoint.as_str()));
    assert!(h.events().await.contains(&EventName::TerminatingAJobDueToAnUnrecoverableFailure));

    h.flink.set_faults(|f| f.fail_savepoints = 0);
    h.desire(DesiredState::Running).await;
    h.settle().await;
    let resumed = h.flink_job().await;
    assert_eq!(h.flink.job(&resumed).expect("job").restored_from, Some(checkpoint));
}

#[tokio::test]
async fn a_restarting_job_is_suspended_from_its_checkpoint_without_trying_a_savepoint() {
    let h = running().await;
    let job = h.flink_job().await;
    h.flink.complete_checkpoint(&job).expect("a checkpoint");
    h.settle().await;
    h.flink.set_job_state(&job, F::Restarting);
    h.desire(DesiredState::Suspended).await;
    h.settle().await;
    assert_eq!(h.state().await, DeploymentState::Suspended);
    assert_eq!(h.flink.calls().stop_with_savepoint, 0);
    assert_eq!(completed(&h.savepoints().await, SavepointOrigin::RetainedCheckpoint).len(), 1);
}

#[tokio::test]
async fn a_stateful_upgrade_restarts_the_new_spec_from_an_upgrade_savepoint() {
    let h = running().await;
    let old = h.flink_job().await;
    h.change(|spec| spec.template.spec.parallelism = Some(2)).await;
    h.settle().await;
    assert_eq!(h.state().await, DeploymentState::Running);
    let savepoints = h.savepoints().await;
    let upgrade = completed(&savepoints, SavepointOrigin::SuspendAndUpgrade);
    assert_eq!(upgrade.len(), 1);
    let new = h.flink_job().await;
    assert_ne!(new, old);
    let new_job = h.flink.job(&new).expect("job");
    assert_eq!(new_job.submission.parallelism, Some(2));
    assert_eq!(new_job.restored_from, upgrade[0].spec.savepoint_location);
    assert_eq!(h.flink.active_jobs(), [new], "never two jobs at once");
    let jobs = h.jobs().await;
    assert_eq!(jobs.len(), 2);
    assert_eq!(jobs[0].spec.template.parallelism, Some(2), "each job keeps the spec it ran");
    assert_eq!(jobs[1].spec.template.parallelism, Some(1));
}

#[tokio::test]
async fn a_stateless_upgrade_cancels_and_starts_without_state() {
    let h = running().await;
    let old = h.flink_job().await;
    h.flink.complete_checkpoint(&old).expect("a checkpoint");
    h.change(|spec| {
        spec.upgrade_strategy.kind = UpgradeStrategyKind::Stateless;
        spec.template.spec.parallelism = Some(2);
    })
    .await;
    h.settle().await;
    assert_eq!(h.state().await, DeploymentState::Running);
    let new = h.flink.job(&h.flink_job().await).expect("job");
    assert_eq!(new.restored_from, None);
    assert_eq!(new.submission.parallelism, Some(2));
    assert_eq!(h.flink.calls().stop_with_savepoint, 0);
    assert_eq!(h.flink.calls().cancel, 1);
    let jobs = h.jobs().await;
    let retained = completed(&h.savepoints().await, SavepointOrigin::RetainedCheckpoint)[0].clone();
    assert_eq!(retained.metadata.job_id.as_deref(), Some(jobs[1].metadata.id.as_str()));
    assert_eq!(
        retained.spec.job_fingerprint.as_ref(),
        jobs[1].metadata.annotations.get(engine::observe::FINGERPRINT_ANNOTATION),
        "the fingerprint of the job that wrote the checkpoint, not of the new spec"
    );
    assert_ne!(
        retained.spec.job_fingerprint.as_ref(),
        jobs[0].metadata.annotations.get(engine::observe::FINGERPRINT_ANNOTATION)
    );
}

#[tokio::test]
async fn upgrade_strategy_none_changes_nothing_and_says_why() {
    let h = running().await;
    let job = h.flink_job().await;
    h.change(|spec| {
        spec.upgrade_strategy.kind = UpgradeStrategyKind::None;
        spec.template.spec.parallelism = Some(2);
    })
    .await;
    h.settle().await;
    h.clock.advance(Duration::from_secs(10));
    h.settle().await;
    assert_eq!(h.flink_job().await, job);
    assert_eq!(h.flink.active_jobs(), [job]);
    let said = h.events().await.iter().filter(|e| **e == EventName::UsingAnUpgradeStrategy).count();
    assert_eq!(said, 1, "said once");
}

#[tokio::test]
async fn a_restart_nonce_restarts_the_same_spec() {
    let h = running().await;
    let old = h.flink_job().await;
    h.change(|spec| spec.restart_nonce = Some(1)).await;
    h.settle().await;
    assert_ne!(h.flink_job().await, old);
    assert_eq!(h.state().await, DeploymentState::Running);
}

#[tokio::test]
async fn cancel_takes_no_savepoint_and_keeps_the_retained_checkpoint() {
    let h = running().await;
    let job = h.flink_job().await;
    let checkpoint = h.flink.complete_checkpoint(&job).expect("a checkpoint");
    h.desire(DesiredState::Cancelled).await;
    h.settle().await;
    assert_eq!(h.state().await, DeploymentState::Cancelled);
    assert_eq!(h.flink.job(&job).expect("job").state, F::Canceled);
    assert_eq!(h.flink.calls().stop_with_savepoint + h.flink.calls().trigger_savepoint, 0);
    let savepoints = h.savepoints().await;
    assert_eq!(savepoints.len(), 1);
    assert_eq!(savepoints[0].metadata.origin, SavepointOrigin::RetainedCheckpoint);
    assert_eq!(savepoints[0].spec.savepoint_location, Some(checkpoint));
}

#[tokio::test]
async fn a_finite_job_that_finishes_leaves_the_deployment_finished() {
    let h = running().await;
    h.flink.set_job_state(&h.flink_job().await, F::Finished);
    h.clock.advance(Duration::from_secs(3));
    h.settle().await;
    assert_eq!(h.state().await, DeploymentState::Finished);
    assert_eq!(h.jobs().await[0].status.state, JobState::Finished);
    assert!(h.events().await.contains(&EventName::JobSuccessfullyFinished));
    h.desire(DesiredState::Cancelled).await;
    h.settle().await;
    assert_eq!(h.state().await, DeploymentState::Cancelled, "to run it again: cancel, then start");
}

#[tokio::test]
async fn a_job_that_fails_in_flink_is_recovered_from_its_latest_checkpoint() {
    let h = running().await;
    let job = h.flink_job().await;
    let checkpoint = h.flink.complete_checkpoint(&job).expect("a checkpoint");
    h.settle().await;
    h.flink.set_job_state(&job, F::Failed);
    h.settle().await;
    assert_eq!(h.state().await, DeploymentState::Running);
    let recovered = h.flink_job().await;
    assert_ne!(recovered, job);
    assert_eq!(h.flink.job(&recovered).expect("job").restored_from, Some(checkpoint));
    let jobs = h.jobs().await;
    assert_eq!(jobs[1].status.state, JobState::Failed);
    assert!(jobs[1].status.failure.is_some(), "the failed job says why");
}

#[tokio::test]
async fn job_creation_is_retried_then_the_deployment_fails_with_the_reason() {
    let h = Harness::new().await;
    h.flink.set_faults(|f| f.fail_job_creation = 2);
    h.desire(DesiredState::Running).await;
    h.settle().await;
    assert_eq!(h.state().await, DeploymentState::Running, "the third attempt runs");
    assert_eq!(h.flink.calls().submit, 3);

    let h = Harness::new().await;
    h.flink.set_faults(|f| f.fail_job_creation = 100);
    h.desire(DesiredState::Running).await;
    h.settle().await;
    let deployment = h.deployment().await;
    assert_eq!(deployment.status.state, DeploymentState::Failed);
    assert_eq!(deployment.status.failure.expect("a failure").reason, "TooManyFailedJobCreationAttempts");
    assert_eq!(h.flink.calls().submit, 4, "maxJobCreationAttempts");
    let jobs = h.jobs().await;
    assert!(jobs.iter().all(|job| job.status.state == JobState::Failed));
    assert!(jobs[0].status.failure.as_ref().expect("why").message.contains("NoResourceAvailableException"));
    assert!(h.events().await.contains(&EventName::TooManyFailedJobCreationAttempts));
    h.clock.advance(Duration::from_secs(60));
    h.settle().await;
    assert_eq!(h.flink.calls().submit, 4, "waits for a change");

    h.flink.set_faults(|f| f.fail_job_creation = 0);
    h.desire(DesiredState::Cancelled).await;
    h.settle().await;
    assert_eq!(h.state().await, DeploymentState::Cancelled);
    h.desire(DesiredState::Running).await;
    h.settle().await;
    assert_eq!(h.state().await, DeploymentState::Running, "a person's start tries afresh");
}

#[tokio::test]
async fn a_job_cancelled_behind_the_consoles_back_is_reported_and_started_again() {
    let h = running().await;
    let job = h.flink_job().await;
    h.flink.set_job_state(&job, F::Canceled);
    h.clock.advance(Duration::from_secs(3));
    let steps = h.settle().await;
    assert!(steps.iter().any(|s| matches!(s, Step::JobEnded { .. })), "{steps:?}");
    assert!(h.events().await.contains(&EventName::FoundAStoppedJobAndWillTerminateIt));
    assert_eq!(h.state().await, DeploymentState::Running);
    assert_ne!(h.flink_job().await, job);
}

#[tokio::test]
async fn a_job_that_vanished_with_its_cluster_is_restarted_from_the_latest_state() {
    let h = running().await;
    let job = h.flink_job().await;
    let checkpoint = h.flink.complete_checkpoint(&job).expect("a checkpoint");
    // A running job's newest checkpoint is recorded every `checkpoint_refresh`, not on every look.
    h.settle().await;
    assert_eq!(h.jobs().await[0].status.latest_checkpoint, None, "not yet: the refresh is not due");
    h.clock.advance(support::settings().checkpoint_refresh);
    h.settle().await;
    h.flink.restart_cluster();
    h.clock.advance(Duration::from_secs(3));
    h.settle().await;
    assert!(h.events().await.contains(&EventName::TransitioningToFailedStateBecauseOfAMissingJob));
    assert_eq!(h.state().await, DeploymentState::Running);
    let recovered = h.flink_job().await;
    assert_eq!(h.flink.job(&recovered).expect("job").restored_from, Some(checkpoint));
}

#[tokio::test]
async fn an_unreachable_cluster_changes_nothing_and_is_said_once() {
    let h = running().await;
    h.flink.set_faults(|f| f.unreachable = true);
    for _ in 0..5 {
        h.clock.advance(Duration::from_secs(3));
        let report = h.engine.reconcile(&namespace(), &h.id).await.expect("a pass");
        assert!(matches!(report.step, Step::Unreachable(_)), "{:?}", report.step);
    }
    assert_eq!(h.state().await, DeploymentState::Running, "status is kept while Flink cannot be asked");
    let said = h.events().await.iter().filter(|e| **e == EventName::GeneralFailure).count();
    assert_eq!(said, 1);
    h.flink.set_faults(|f| f.unreachable = false);
    h.settle().await;
    assert_eq!(h.state().await, DeploymentState::Running);
    assert_eq!(h.flink.calls().submit, 1);
}

#[tokio::test]
async fn savepoint_nonce_request_and_period_take_savepoints_of_the_running_job() {
    let h = running().await;
    h.change(|spec| spec.savepoint_trigger_nonce = Some(7)).await;
    h.settle().await;
    assert_eq!(completed(&h.savepoints().await, SavepointOrigin::UserRequest).len(), 1);

    let requested = savepoint_request(&h.store, &h.deployment().await, "2026-01-01T00:00:10Z").await.expect("request");
    assert_eq!(requested.status.state, SavepointState::Started);
    h.store.insert_savepoint(&requested).await.expect("the caller inserts it");
    let refused = savepoint_request(&h.store, &h.deployment().await, "2026-01-01T00:00:10Z").await;
    assert!(refused.is_err(), "one savepoint at a time");
    h.settle().await;
    let stored = h.store.get_savepoint(&namespace(), &requested.metadata.id).await.expect("read").expect("exists");
    assert_eq!(stored.status.state, SavepointState::Completed);
    assert!(stored.spec.savepoint_location.is_some());

    h.change(|spec| {
        spec.savepoint_policy =
            Some(SavepointPolicy { interval: FlinkDuration::parse("1 min").ok(), ..Default::default() })
    })
    .await;
    h.clock.advance(Duration::from_secs(61));
    h.settle().await;
    assert_eq!(completed(&h.savepoints().await, SavepointOrigin::Periodic).len(), 1);
    h.clock.advance(Duration::from_secs(30));
    h.settle().await;
    assert_eq!(completed(&h.savepoints().await, SavepointOrigin::Periodic).len(), 1, "not due yet");
}

#[tokio::test]
async fn a_start_can_restore_a_chosen_savepoint_or_no_state() {
    let h = running().await;
    h.desire(DesiredState::Suspended).await;
    h.settle().await;
    let chosen = completed(&h.savepoints().await, SavepointOrigin::Suspend)[0].clone();
    let location = chosen.spec.savepoint_location.clone().expect("location");

    set_next_start(&h.store, &namespace(), &h.id, StartRequest::restoring(RestoreChoice::Nothing))
        .await
        .expect("initial mode");
    h.desire(DesiredState::Running).await;
    h.settle().await;
    assert_eq!(h.flink.job(&h.flink_job().await).expect("job").restored_from, None, "initial mode");

    h.desire(DesiredState::Suspended).await;
    h.settle().await;
    set_next_start(
        &h.store,
        &namespace(),
        &h.id,
        StartRequest {
            allow_non_restored_state: Some(true),
            ..StartRequest::restoring(RestoreChoice::Savepoint {
                savepoint_id: chosen.metadata.id.clone(),
                location: location.clone(),
            })
        },
    )
    .await
    .expect("a specific savepoint");
    h.desire(DesiredState::Running).await;
    h.settle().await;
    let job = h.flink.job(&h.flink_job().await).expect("job");
    assert_eq!(job.restored_from, Some(location), "the chosen (older) savepoint, not the latest");
    assert!(job.submission.allow_non_restored_state);
    assert_eq!(h.jobs().await[0].spec.savepoint_id, Some(chosen.metadata.id));
}

#[tokio::test]
async fn a_missing_deployment_target_fails_the_start_with_a_clear_reason() {
    let h = Harness::new().await;
    h.change(|spec| {
        spec.deployment_target_name = Some("gone".into());
        spec.state = DesiredState::Running;
    })
    .await;
    h.settle().await;
    let deployment = h.deployment().await;
    assert_eq!(deployment.status.state, DeploymentState::Failed);
    assert!(deployment.status.failure.expect("why").message.contains("gone"));
    assert!(h.events().await.contains(&EventName::ReferencedDeploymentTargetDoesNotExist));
}

#[tokio::test]
async fn a_sql_deployment_runs_through_the_sql_runner() {
    let mut spec = support::spec_json();
    spec["template"]["spec"]["artifact"] =
        serde_json::json!({"kind": "SQLSCRIPT", "sqlScript": "INSERT INTO sink SELECT 1;"});
    spec["executionMode"] = "BATCH".into();
    let h = Harness::with_spec(spec).await;
    h.desire(DesiredState::Running).await;
    h.settle().await;
    let job = h.flink.job(&h.flink_job().await).expect("job");
    assert_eq!(job.submission.jar, std::path::PathBuf::from("/jobs/sql-runner.jar"));
    assert_eq!(job.submission.entry_class.as_deref(), Some("console.examples.SqlRunner"));
    assert_eq!(job.submission.args[0], "--script-base64");
    assert!(job.submission.args.contains(&"--batch".to_owned()));
    assert_eq!(job.submission.flink_configuration.get("execution.runtime-mode").map(String::as_str), Some("BATCH"));
}

#[tokio::test]
async fn retention_keeps_the_newest_savepoints_and_disposes_the_rest_but_never_user_requests() {
    let h = running().await;
    h.change(|spec| spec.savepoint_trigger_nonce = Some(1)).await;
    h.settle().await;
    h.change(|spec| {
        spec.savepoint_policy = Some(SavepointPolicy {
            interval: FlinkDuration::parse("1 min").ok(),
            max_count: Some(2),
            ..Default::default()
        })
    })
    .await;
    for _ in 0..4 {
        h.clock.advance(Duration::from_secs(61));
        h.settle().await;
    }
    let savepoints = h.savepoints().await;
    let periodic: Vec<&Savepoint> = completed(&savepoints, SavepointOrigin::Periodic);
    assert_eq!(periodic.len(), 2, "{savepoints:?}");
    assert_eq!(completed(&savepoints, SavepointOrigin::UserRequest).len(), 1, "never retired");
    assert_eq!(h.flink.calls().dispose, 2);
    let kept: Vec<String> = periodic.iter().filter_map(|s| s.spec.savepoint_location.clone()).collect();
    let other_files: Vec<String> = h.flink.completed_savepoints().into_iter().filter(|l| !kept.contains(l)).collect();
    assert_eq!(other_files.len(), 1, "only the user's savepoint; the retired ones' files are gone: {other_files:?}");
    assert!(h.events().await.contains(&EventName::SavepointDisposed));
}

#[tokio::test]
async fn an_unknown_entry_class_fails_the_deployment_instead_of_retrying_forever() {
    let h = Harness::new().await;
    h.flink.set_faults(|f| f.refuse_submissions = Some(Refusal::unknown_entry_class("console.examples.Missing")));
    h.desire(DesiredState::Running).await;
    h.settle().await;
    let deployment = h.deployment().await;
    assert_eq!(deployment.status.state, DeploymentState::Failed);
    let failure = deployment.status.failure.expect("a failure");
    assert!(failure.message.contains("ClassNotFoundException: console.examples.Missing"), "{}", failure.message);
    assert_eq!(h.flink.calls().submit, 1, "a permanent refusal is not submitted again");
    assert_eq!(h.jobs().await[0].status.state, JobState::Failed);
    assert!(h.events().await.contains(&EventName::FailedCreatingANewJob));
    h.clock.advance(Duration::from_secs(60));
    h.settle().await;
    assert_eq!(h.flink.calls().submit, 1, "it waits for a person's change");
}

#[tokio::test]
async fn job_creation_stops_after_max_job_creation_attempts_with_an_event_each() {
    let h = Harness::new().await;
    h.flink.set_faults(|f| f.refuse_submissions = Some(Refusal::no_resources()));
    h.desire(DesiredState::Running).await;
    let started_ms = engine::Clock::now_ms(h.clock.as_ref());
    let mut submitted_at_ms = Vec::new();
    for _ in 0..200 {
        let before = h.flink.calls().submit;
        let report = h.engine.reconcile(&namespace(), &h.id).await.expect("a pass");
        if h.flink.calls().submit > before {
            submitted_at_ms.push(engine::Clock::now_ms(h.clock.as_ref()) - started_ms);
        }
        if h.state().await == DeploymentState::Failed {
            break;
        }
        if let engine::Requeue::After(after) = report.requeue {
            h.clock.advance(after.max(Duration::from_millis(1)));
        }
    }
    assert_eq!(submitted_at_ms.len(), 4, "maxJobCreationAttempts, then no more: {submitted_at_ms:?}");
    let gaps: Vec<i64> = submitted_at_ms.windows(2).map(|w| w[1] - w[0]).collect();
    assert!(gaps[0] >= 1_000, "no hammering between attempts: {gaps:?}");
    assert!(gaps.windows(2).all(|g| g[1] >= 2 * g[0]), "the wait doubles: {gaps:?}");
    let deployment = h.deployment().await;
    assert_eq!(deployment.status.state, DeploymentState::Failed);
    let failure = deployment.status.failure.expect("a failure");
    assert_eq!(failure.reason, "TooManyFailedJobCreationAttempts");
    assert!(failure.message.contains("NoResourceAvailableException"), "Flink's reason: {}", failure.message);
    let events = h.store.all_events_of_deployment(&namespace(), &h.id).await.expect("events");
    let failed: Vec<&str> = events
        .iter()
        .filter(|e| e.metadata.name == EventName::FailedCreatingANewJob)
        .map(|e| e.spec.message.as_str())
        .collect();
    assert_eq!(failed.len(), 4, "{failed:?}");
    assert!(failed.iter().all(|m| m.contains("NoResourceAvailableException")), "{failed:?}");
    assert!(h.events().await.contains(&EventName::TooManyFailedJobCreationAttempts));
    assert!(h.flink.active_jobs().is_empty());
}
/// Finds the one fake cluster, but the first lookups fail as a store that is down fails them.
struct LookupFailsFirst {
    flink: std::sync::Arc<flink::testing::FakeFlink>,
    failures_left: std::sync::atomic::AtomicU32,
}

#[async_trait::async_trait]
impl engine::Clusters for LookupFailsFirst {
    async fn cluster(
        &self,
        _namespace: &NamespaceName,
        _target: &str,
    ) -> Result<std::sync::Arc<dyn flink::FlinkCluster>, engine::ClusterError> {
        use std::sync::atomic::Ordering;
        if self.failures_left.load(Ordering::SeqCst) > 0 {
            self.failures_left.fetch_sub(1, Ordering::SeqCst);
            return Err(engine::ClusterError::Lookup(
                "error returned from database: (code: 5) database is locked".into(),
            ));
        }
        Ok(self.flink.clone())
    }
}

#[tokio::test]
async fn a_storage_error_while_finding_the_target_is_retried_not_failed() {
    let h = Harness::new().await;
    let clusters = LookupFailsFirst { flink: h.flink.clone(), failures_left: 3.into() };
    let engine =
        engine::Engine::new(h.store.clone(), std::sync::Arc::new(clusters), h.clock.clone(), support::settings());
    h.desire(DesiredState::Running).await;
    for _ in 0..3 {
        let report = engine.reconcile(&namespace(), &h.id).await.expect("a pass");
        assert_ne!(h.state().await, DeploymentState::Failed, "{:?}", report.step);
        let engine::Requeue::After(after) = report.requeue else { panic!("the deployment exists") };
        assert!(after > Duration::ZERO, "a failed lookup is retried after a wait: {:?}", report.step);
        h.clock.advance(after);
    }
    support::settle(&engine, &h.clock, &h.id).await;
    assert_eq!(h.state().await, DeploymentState::Running);
    assert!(!h.events().await.contains(&EventName::ReferencedDeploymentTargetDoesNotExist));
}
/// Finds the one fake cluster; while `conflicts_left` is above zero, each lookup also writes the
/// deployment's status behind the pass's back, so the pass fails on its status version.
struct ConflictingWriter {
    flink: std::sync::Arc<flink::testing::FakeFlink>,
    store: storage::Store,
    id: String,
    conflicts_left: std::sync::atomic::AtomicU32,
    failed_passes: std::sync::Mutex<Vec<std::time::Instant>>,
}

#[async_trait::async_trait]
impl engine::Clusters for ConflictingWriter {
    async fn cluster(
        &self,
        namespace: &NamespaceName,
        _target: &str,
    ) -> Result<std::sync::Arc<dyn flink::FlinkCluster>, engine::ClusterError> {
        use std::sync::atomic::Ordering;
        if self.conflicts_left.load(Ordering::SeqCst) > 0 {
            self.conflicts_left.fetch_sub(1, Ordering::SeqCst);
            let row = self.store.engine_row(namespace, &self.id).await.expect("read").expect("the deployment");
            let engine = row.engine.unwrap_or_else(|| "{}".into());
            self.store
                .save_engine_state(namespace, &self.id, &row.deployment.status, &engine, row.status_version)
                .await
                .expect("a write behind the pass's back");
            self.failed_passes.lock().expect("not poisoned").push(std::time::Instant::now());
        }
        Ok(self.flink.clone())
    }
}

async fn wait_for(h: &Harness, state: DeploymentState) {
    for _ in 0..200 {
        if h.state().await == state {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the deployment did not become {state}");
}

#[tokio::test]
async fn the_controller_backs_off_longer_after_each_failed_pass_and_resets_after_a_success() {
    use std::sync::atomic::Ordering;
    let h = Harness::new().await;
    let clusters = std::sync::Arc::new(ConflictingWriter {
        flink: h.flink.clone(),
        store: h.store.clone(),
        id: h.id.clone(),
        conflicts_left: 6.into(),
        failed_passes: Default::default(),
    });
    let engine = std::sync::Arc::new(engine::Engine::new(
        h.store.clone(),
        clusters.clone(),
        std::sync::Arc::new(engine::SystemClock),
        support::settings(),
    ));
    h.desire(DesiredState::Running).await;
    let (shutdown, shutdown_rx) = tokio::sync::watch::channel(false);
    let settings = engine::ControllerSettings {
        max_concurrent_passes: 2,
        resync_every: Duration::from_secs(3600),
        error_backoff: engine::Backoff::new(Duration::from_millis(50), Duration::from_millis(400)),
    };
    let nudger = engine::spawn_controller(engine, settings, shutdown_rx);
    wait_for(&h, DeploymentState::Running).await;
    let gaps = |passes: &[std::time::Instant]| -> Vec<Duration> { passes.windows(2).map(|w| w[1] - w[0]).collect() };
    let first = gaps(&clusters.failed_passes.lock().expect("not poisoned"));
    assert_eq!(first.len(), 5, "{first:?}");
    let ms = |d: &Duration| d.as_millis();
    assert!(ms(&first[0]) >= 50 && ms(&first[1]) >= 100 && ms(&first[2]) >= 200, "the wait doubles: {first:?}");
    assert!(ms(&first[3]) >= 400 && ms(&first[4]) >= 400, "up to its cap: {first:?}");
    assert!(ms(&first[4]) < 800, "and no further: {first:?}");

    clusters.failed_passes.lock().expect("not poisoned").clear();
    clusters.conflicts_left.store(2, Ordering::SeqCst);
    h.desire(DesiredState::Suspended).await;
    nudger.nudge(support::NAMESPACE, &h.id);
    wait_for(&h, DeploymentState::Suspended).await;
    let again = gaps(&clusters.failed_passes.lock().expect("not poisoned"));
    assert_eq!(again.len(), 1, "{again:?}");
    assert!(ms(&again[0]) < 300, "a success started the wait afresh: {again:?}");
    let _ = shutdown.send(true);
}

/// 2026-01-01T00:00:00.250Z.
const SOURCE_START_MS: i64 = 1_767_225_600_250;

async fn messages(h: &Harness, name: EventName) -> Vec<String> {
    let events = h.store.all_events_of_deployment(&namespace(), &h.id).await.expect("events");
    events.into_iter().filter(|e| e.metadata.name == name).map(|e| e.spec.message).collect()
}

#[tokio::test]
async fn a_source_start_time_reaches_a_job_started_without_state_and_is_ignored_when_restoring() {
    let h = running().await;
    h.desire(DesiredState::Suspended).await;
    h.settle().await;
    let at_start_time =
        |restore| StartRequest { source_start_time_ms: Some(SOURCE_START_MS), ..StartRequest::restoring(restore) };

    set_next_start(&h.store, &namespace(), &h.id, at_start_time(RestoreChoice::Nothing)).await.expect("initial mode");
    h.desire(DesiredState::Running).await;
    h.settle().await;
    let fresh = h.flink.job(&h.flink_job().await).expect("job");
    assert_eq!(fresh.restored_from, None);
    assert_eq!(
        fresh.submission.flink_configuration.get(engine::start_time::CONFIGURATION_KEY).map(String::as_str),
        Some("1767225600250"),
        "the program reads it from its configuration"
    );
    assert_eq!(h.jobs().await[0].spec.source_start_time_ms, Some(SOURCE_START_MS), "recorded on the job");
    let said = messages(&h, EventName::SourceStartTime).await;
    assert_eq!(said.len(), 1, "{said:?}");
    assert!(
        said[0]
            .starts_with("Source start time 2026-01-01T00:00:00.250Z (1767225600250 ms): sources start reading there"),
        "{}",
        said[0]
    );
    assert!(messages(&h, EventName::CreatingANewJob).await.iter().any(|m| m.ends_with("starting without state")));

    h.desire(DesiredState::Suspended).await;
    h.settle().await;
    let suspend = completed(&h.savepoints().await, SavepointOrigin::Suspend)[0].clone();
    let location = suspend.spec.savepoint_location.clone().expect("a location");
    set_next_start(&h.store, &namespace(), &h.id, at_start_time(RestoreChoice::ByStrategy)).await.expect("resume");
    h.desire(DesiredState::Running).await;
    h.settle().await;
    let resumed = h.flink.job(&h.flink_job().await).expect("job");
    assert_eq!(resumed.restored_from, Some(location.clone()));
    assert_eq!(resumed.submission.flink_configuration.get(engine::start_time::CONFIGURATION_KEY), None);
    assert_eq!(h.jobs().await[0].spec.source_start_time_ms, None, "not recorded: the job restored state");
    let said = messages(&h, EventName::SourceStartTime).await;
    let short = &suspend.metadata.id[..8];
    assert!(
        said.iter().any(|m| m.contains(&format!(
            "(1767225600250 ms) is ignored: the job restores state from savepoint {short} ({location})"
        ))),
        "{said:?}"
    );
    assert!(
        messages(&h, EventName::CreatingANewJob)
            .await
            .iter()
            .any(|m| m.ends_with(&format!("starting from savepoint {short} ({location})"))),
        "the start says where it starts from"
    );
}

#[tokio::test]
async fn a_sql_deployment_at_a_source_start_time_submits_its_script_with_its_tables_set_to_start_there() {
    let script = "-- clicks, as in Flink's Kafka connector documentation
CREATE TEMPORARY TABLE clicks (
  `user_id` BIGINT,
  `url` STRING
) WITH (
  'connector' = 'kafka',
  'topic' = 'clicks',
  'properties.bootstrap.servers' = 'localhost:9092',
  'scan.startup.mode' = 'earliest-offset',
  'format' = 'json'
);
CREATE TEMPORARY TABLE gen (id BIGINT) WITH ('connector' = 'datagen');
CREATE TEMPORARY TABLE sink (user_id BIGINT, url STRING) WITH ('connector' = 'blackhole');
INSERT INTO sink SELECT user_id, url FROM clicks;";
    let mut spec = support::spec_json();
    spec["template"]["spec"]["artifact"] = serde_json::json!({"kind": "SQLSCRIPT", "sqlScript": script});
    let h = Harness::with_spec(spec).await;
    let request =
        StartRequest { source_start_time_ms: Some(SOURCE_START_MS), ..StartRequest::restoring(RestoreChoice::Nothing) };
    set_next_start(&h.store, &namespace(), &h.id, request).await.expect("initial mode");
    h.desire(DesiredState::Running).await;
    h.settle().await;
    assert_eq!(h.state().await, DeploymentState::Running);
    let job = h.flink.job(&h.flink_job().await).expect("job");
    assert_eq!(job.submission.args[0], "--script-base64");
    let submitted =
        base64::Engine::decode(&base64::engine::general_purpose::STANDARD, &job.submission.args[1]).expect("base64");
    assert_eq!(
        String::from_utf8(submitted).expect("UTF-8"),
        script.replace(
            "  'properties.bootstrap.servers' = 'localhost:9092',\n  'scan.startup.mode' = 'earliest-offset',\n  'format' = 'json'\n",
            "  'properties.bootstrap.servers' = 'localhost:9092',\n  'format' = 'json', 'scan.startup.mode' = 'timestamp', \
             'scan.startup.timestamp-millis' = '1767225600250'\n"
        ),
        "the rewritten script is what Flink runs"
    );
    assert_eq!(
        h.jobs().await[0].spec.template.artifact.as_ref().and_then(|a| a.sql_script.as_deref()),
        Some(script),
        "the job records the script as the deployment wrote it"
    );
    let said = messages(&h, EventName::SourceStartTime).await;
    assert!(
        said[0].ends_with(
            "Tables that start there: clicks (kafka). Tables whose connector has no start position, read as their DDL \
             says: gen (datagen)."
        ),
        "{said:?}"
    );
}

#[tokio::test]
async fn a_start_on_an_unconfirmed_incompatible_or_outdated_check_is_refused_until_started_again() {
    let h = running().await;
    h.desire(DesiredState::Suspended).await;
    h.settle().await;
    let chosen = completed(&h.savepoints().await, SavepointOrigin::Suspend)[0].clone();
    let location = chosen.spec.savepoint_location.clone().expect("a location");
    let restore = RestoreChoice::Savepoint { savepoint_id: chosen.metadata.id.clone(), location: location.clone() };
    let checked = |compatibility, confirmed, deployment_version| StartRequest {
        checked: Some(engine::record::CheckedStart { compatibility, confirmed, deployment_version }),
        ..StartRequest::restoring(restore.clone())
    };
    let submitted = h.flink.calls().submit;

    // The services check the spec the start runs: the version the deployment has once it is asked to run.
    let running_version = h.deployment().await.metadata.resource_version + 1;
    set_next_start(&h.store, &namespace(), &h.id, checked(Compatibility::Incompatible, false, running_version))
        .await
        .expect("a start");
    h.desire(DesiredState::Running).await;
    h.settle().await;
    let deployment = h.deployment().await;
    assert_eq!(deployment.status.state, DeploymentState::Failed);
    let failure = deployment.status.failure.expect("the status says why");
    assert_eq!(failure.reason, "IncompatibleStateNotConfirmed");
    assert!(failure.message.contains(&format!("INCOMPATIBLE for savepoint {} ({location})", chosen.metadata.id)));
    assert_eq!(h.flink.calls().submit, submitted, "nothing was submitted");
    assert_eq!(messages(&h, EventName::StartRefused).await, [failure.message]);
    let record = h.store.engine_row(&namespace(), &h.id).await.expect("read").expect("row").engine.unwrap_or_default();
    assert!(!record.contains("nextStart"), "the start request is forgotten: {record}");

    h.change(|spec| spec.template.spec.parallelism = Some(2)).await;
    h.settle().await;
    assert_eq!(h.state().await, DeploymentState::Running, "a person's change starts by the restore strategy");
    h.desire(DesiredState::Suspended).await;
    h.settle().await;

    let stale = h.deployment().await.metadata.resource_version;
    set_next_start(&h.store, &namespace(), &h.id, checked(Compatibility::FullyCompatible, false, stale))
        .await
        .expect("a start");
    h.desire(DesiredState::Running).await;
    h.settle().await;
    let failure = h.deployment().await.status.failure.expect("refused");
    assert_eq!(failure.reason, "CompatibilityCheckOutdated", "the spec changed after the check");

    let now = h.deployment().await.metadata.resource_version;
    set_next_start(&h.store, &namespace(), &h.id, checked(Compatibility::Incompatible, true, now))
        .await
        .expect("start anyway");
    h.settle().await;
    assert_eq!(h.state().await, DeploymentState::Running, "confirmed: it starts");
    assert_eq!(h.flink.job(&h.flink_job().await).expect("job").restored_from, Some(location));
}

#[tokio::test]
async fn jobs_at_rest_are_watched_by_cluster_and_only_changed_ones_get_a_pass() {
    use std::sync::Arc;
    let h = Harness::new().await;
    // 40 deployments running on one cluster: the harness's and 39 copies of it.
    let template = h.deployment().await;
    let mut ids = vec![h.id.clone()];
    for n in 1..40 {
        let mut copy = template.clone();
        copy.metadata.id = uuid::Uuid::new_v4().to_string();
        copy.metadata.name = format!("counter {n}");
        h.store.insert_deployment(&copy).await.expect("insert");
        ids.push(copy.metadata.id);
    }
    for id in &ids {
        let mut deployment = h.store.get_deployment(&namespace(), id).await.expect("read").expect("exists");
        deployment.spec.state = DesiredState::Running;
        deployment.metadata.resource_version += 1;
        h.store.update_deployment(&deployment, deployment.metadata.resource_version - 1).await.expect("start");
    }
    let mut settings = support::settings();
    settings.observe_every = Duration::from_millis(200);
    settings.poll_every = Duration::from_millis(50);
    settings.checkpoint_refresh = Duration::from_secs(3600);
    settings.idle_recheck = Duration::from_secs(3600);
    let engine = Arc::new(engine::Engine::new(
        h.store.clone(),
        Arc::new(support::OneCluster(h.flink.clone())),
        Arc::new(engine::SystemClock),
        settings,
    ));
    let (shutdown, shutdown_rx) = tokio::sync::watch::channel(false);
    let controller = engine::ControllerSettings { resync_every: Duration::from_secs(3600), ..Default::default() };
    let _nudger = engine::spawn_controller(engine, controller, shutdown_rx);
    let all_running = || async {
        let mut states = Vec::new();
        for id in &ids {
            states.push(h.store.get_deployment(&namespace(), id).await.expect("read").expect("exists").status.state);
        }
        states.iter().all(|s| *s == DeploymentState::Running)
    };
    for _ in 0..200 {
        if all_running().await {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(all_running().await, "every deployment runs");

    // At rest: one overview per period for the whole cluster, nothing per job.
    tokio::time::sleep(Duration::from_millis(400)).await;
    let before = h.flink.calls();
    tokio::time::sleep(Duration::from_secs(2)).await;
    let idle = h.flink.calls();
    let overviews = idle.jobs_overview - before.jobs_overview;
    assert!((8..=12).contains(&overviews), "one overview per 200 ms period: {overviews} in 2 s");
    assert_eq!(idle.job_state, before.job_state, "no job is asked about on its own while at rest");
    assert_eq!(idle.checkpoints, before.checkpoints, "no checkpoint statistics read before the refresh is due");

    // Five jobs cancelled behind the console's back: those five, and only those, are looked at.
    let jobs = h.flink.jobs();
    let cancelled: Vec<flink::JobId> = jobs.iter().take(5).map(|(id, _)| id.clone()).collect();
    for job in &cancelled {
        h.flink.set_job_state(job, F::Canceled);
    }
    let cancelled_deployments = || async {
        let mut found = 0;
        for id in &ids {
            let events = h.store.all_events_of_deployment(&namespace(), id).await.expect("events");
            found +=
                usize::from(events.iter().any(|e| e.metadata.name == EventName::FoundAStoppedJobAndWillTerminateIt));
        }
        found
    };
    for _ in 0..100 {
        if cancelled_deployments().await == 5 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(cancelled_deployments().await, 5, "each cancelled job is reported");
    for _ in 0..200 {
        if all_running().await && h.flink.jobs().iter().filter(|(_, j)| j.state == F::Running).count() == 40 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(all_running().await, "and its deployment runs again");
    let after = h.flink.calls();
    let asked = after.job_state - idle.job_state;
    assert!(asked <= 5 * 6, "job states read only for the five changed deployments' passes: {asked}");
    let _ = shutdown.send(true);
}
