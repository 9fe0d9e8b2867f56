//! The Event resource: one line of a deployment's append-only log, in Ververica Platform's wire
//! shape (`EventMetadata` with the event's `name`, `EventSpec` with its `message`). An event is
//! never changed after it is written.

use serde::{Deserialize, Serialize};

use crate::wire::wire_enum;

wire_enum!(
    /// What happened (`metadata.name`): Ververica Platform's event names; the console's own
    /// (autopilot decisions, tuning changes) join them where none of these fits.
    EventName {
        /// VVP: the desired state changed and a transition begins. Not written by the console.
        StateTransitionIsNeeded = "STATE_TRANSITION_IS_NEEDED",
        /// The engine is cancelling the job (a cancel, a STATELESS upgrade, or a checkpoint fallback).
        FoundAJobToTerminate = "FOUND_A_JOB_TO_TERMINATE",
        /// VVP: a job is ending and is waited for. Not written by the console.
        FoundAJobToWaitForItsTermination = "FOUND_A_JOB_TO_WAIT_FOR_ITS_TERMINATION",
        /// VVP: a suspension waits for its savepoint. Not written by the console.
        AwaitingSavepointCompletionToTransitionToSuspended = "AWAITING_SAVEPOINT_COMPLETION_TO_TRANSITION_TO_SUSPENDED",
        /// The engine is stopping the job with a savepoint to suspend the deployment.
        CreatingASavepointBeforeSuspension = "CREATING_A_SAVEPOINT_BEFORE_SUSPENSION",
        /// The suspension's savepoint completed; the job ends with it.
        FoundACompletedSavepointReadyForSuspension = "FOUND_A_COMPLETED_SAVEPOINT_READY_FOR_SUSPENSION",
        /// The spec changed and the upgrade strategy decides what happens (or, for NONE, that nothing does).
        UsingAnUpgradeStrategy = "USING_AN_UPGRADE_STRATEGY",
        /// The engine created a job and is submitting it to Flink.
        CreatingANewJob = "CREATING_A_NEW_JOB",
        /// Flink refused the submission, or the artifact is unusable; the message has Flink's words.
        FailedCreatingANewJob = "FAILED_CREATING_A_NEW_JOB",
        /// VVP: a submitted job is awaited. Not written by the console.
        AwaitingAJobToStart = "AWAITING_A_JOB_TO_START",
        /// The job was cancelled outside the console (Flink's UI or REST API).
        FoundAStoppedJobAndWillTerminateIt = "FOUND_A_STOPPED_JOB_AND_WILL_TERMINATE_IT",
        /// The deployment reached the state it was moving to.
        StateTransitionIsCompleted = "STATE_TRANSITION_IS_COMPLETED",
        /// The job completed, so the deployment is FINISHED.
        TransitionedToFinishedState = "TRANSITIONED_TO_FINISHED_STATE",
        /// VVP: a terminating job is awaited. Not written by the console.
        AwaitingAJobToTerminate = "AWAITING_A_JOB_TO_TERMINATE",
        /// Every savepoint attempt of a stop failed (`maxSavepointCreationAttempts`): the deployment FAILED,
        /// the job keeps running.
        TooManyFailedSuspensionAttempts = "TOO_MANY_FAILED_SUSPENSION_ATTEMPTS",
        /// Job creation failed `maxJobCreationAttempts` times; the deployment FAILED until a person changes it.
        TooManyFailedJobCreationAttempts = "TOO_MANY_FAILED_JOB_CREATION_ATTEMPTS",
        /// VVP: a per-job cluster is being created. Not written by the console.
        SpinningUpAClusterForAJob = "SPINNING_UP_A_CLUSTER_FOR_A_JOB",
        /// The job runs in Flink; the deployment is RUNNING.
        JobSuccessfullyStarted = "JOB_SUCCESSFULLY_STARTED",
        /// A finite job completed in Flink.
        JobSuccessfullyFinished = "JOB_SUCCESSFULLY_FINISHED",
        /// VVP: a per-job cluster is awaited. Not written by the console.
        AwaitingForAClusterToSpinUp = "AWAITING_FOR_A_CLUSTER_TO_SPIN_UP",
        /// A job that could not take a savepoint was cancelled; its retained checkpoint holds its state.
        TerminatingAJobDueToAnUnrecoverableFailure = "TERMINATING_A_JOB_DUE_TO_AN_UNRECOVERABLE_FAILURE",
        /// VVP: a per-job cluster is being torn down. Not written by the console.
        AwaitForAClusterToTeardown = "AWAIT_FOR_A_CLUSTER_TO_TEARDOWN",
        /// VVP: the namespace's resource quota refused a job. Not written by the console.
        ResourceQuotaExceeded = "RESOURCE_QUOTA_EXCEEDED",
        /// Flink no longer knows the job (its cluster restarted without HA, or the job was removed).
        TransitioningToFailedStateBecauseOfAMissingJob = "TRANSITIONING_TO_FAILED_STATE_BECAUSE_OF_A_MISSING_JOB",
        /// VVP: a job never started. Not written by the console.
        TransitioningToFailedStateBecauseJobNotStarted = "TRANSITIONING_TO_FAILED_STATE_BECAUSE_JOB_NOT_STARTED",
        /// VVP: a savepoint failure failed the deployment. Not written by the console.
        TransitioningToFailedStateBecauseSavepointFailedInFlink =
            "TRANSITIONING_TO_FAILED_STATE_BECAUSE_SAVEPOINT_FAILED_IN_FLINK",
        /// A savepoint (other than a suspension's) completed.
        TransitionedToCompleted = "TRANSITIONED_TO_COMPLETED",
        /// VVP: a savepoint is awaited. Not written by the console.
        AwaitingForASavepointToComplete = "AWAITING_FOR_A_SAVEPOINT_TO_COMPLETE",
        /// VVP's spelling of a failed savepoint trigger. Not written by the console.
        AnUnRecoverableFailureWhileTriggeringASavepoint = "AN_UN_RECOVERABLE_FAILURE_WHILE_TRIGGERING_A_SAVEPOINT",
        /// A savepoint failed or the job was not ready for it; it is tried again.
        RecoverableFailureWhileTriggeringASavepoint = "RECOVERABLE_FAILURE_WHILE_TRIGGERING_A_SAVEPOINT",
        /// VVP: Flink accepted a savepoint trigger. Not written by the console.
        SuccessfullyTriggeredASavepoint = "SUCCESSFULLY_TRIGGERED_A_SAVEPOINT",
        /// The engine is taking a savepoint of the running job (asked for, or periodic).
        NeedToTriggerASavepoint = "NEED_TO_TRIGGER_A_SAVEPOINT",
        /// A savepoint (not a stop's) failed in Flink; it is not retried.
        AnUnrecoverableFailureWhileTakingASavepoint = "AN_UNRECOVERABLE_FAILURE_WHILE_TAKING_A_SAVEPOINT",
        /// VVP: a savepoint's progress could not be read. Not written by the console.
        RecoverableFailureWhileCheckingASavepointStatus = "RECOVERABLE_FAILURE_WHILE_CHECKING_A_SAVEPOINT_STATUS",
        /// VVP: a job of an older spec is cancelled. Not written by the console.
        FoundAnOldJobAndWillTerminateIt = "FOUND_AN_OLD_JOB_AND_WILL_TERMINATE_IT",
        /// VVP: a suspension found no job. Not written by the console.
        CouldNotFindAJobToSuspend = "COULD_NOT_FIND_A_JOB_TO_SUSPEND",
        /// VVP: the job has no savepoint directory. Not written by the console.
        JobIsNotConfiguredWithSavepointSupport = "JOB_IS_NOT_CONFIGURED_WITH_SAVEPOINT_SUPPORT",
        /// The deployment names a target that does not exist; it FAILED until a person changes it.
        ReferencedDeploymentTargetDoesNotExist = "REFERENCED_DEPLOYMENT_TARGET_DOES_NOT_EXIST",
        /// Something went wrong that no other name covers: Flink unreachable, or the job failed in Flink.
        GeneralFailure = "GENERAL_FAILURE",
        /// VVP: a per-job cluster could not be created. Not written by the console.
        FailedToCreateClusterForJob = "FAILED_TO_CREATE_CLUSTER_FOR_JOB",
        /// Ours: retention forgot a savepoint and disposed its files.
        SavepointDisposed = "SAVEPOINT_DISPOSED",
        /// Ours: where a new job's sources start reading (the Start dialog's source start time), or
        /// why the time chosen is ignored (the job restores state).
        SourceStartTime = "SOURCE_START_TIME",
        /// Ours: the engine refused a start as asked, because the state compatibility check answered
        /// INCOMPATIBLE without a person's confirmation, or the deployment changed after the check;
        /// the deployment FAILED until it is started again.
        StartRefused = "START_REFUSED",
        /// Ours: a scheduled tuning plan's time point set the deployment's resources (what, and
        /// which occurrence).
        TuningPlanApplied = "TUNING_PLAN_APPLIED",
        /// Ours: a scheduled tuning plan's time point could not be carried out, and why.
        TuningPlanFailed = "TUNING_PLAN_FAILED",
        /// Ours: the Autopilot's recommendation changed (MONITORING, or ACTIVE held back by its
        /// policy); the message has the numbers behind it per vertex.
        AutopilotRecommendation = "AUTOPILOT_RECOMMENDATION",
        /// Ours: the Autopilot (ACTIVE) rescales the job, in place or by a stateful upgrade; the
        /// message has old → new parallelism and the numbers behind it per vertex.
        AutopilotRescale = "AUTOPILOT_RESCALE",
        /// Ours: an in-place rescale did not finish in time; the change is applied by a stateful
        /// upgrade instead.
        AutopilotRescaleFailed = "AUTOPILOT_RESCALE_FAILED",
    }
);

wire_enum!(
    /// How much an event matters, for filtering a log: VVP's events carry none, so it follows from
    /// the event's name (`EventName::level`).
    EventLevel {
        /// Progress as planned: transitions, jobs started, savepoints taken.
        Info = "INFO",
        /// Something went wrong and is being handled: a retry, a fallback, a job stopped outside.
        Warning = "WARNING",
        /// Something failed and needs a person: the deployment FAILED, or a request was refused.
        Error = "ERROR",
    }
);

impl EventName {
    /// How much this event matters (`EventLevel`).
    pub fn level(self) -> EventLevel {
        use EventLevel::{Error, Info, Warning};
        match self {
            Self::StateTransitionIsNeeded
            | Self::FoundAJobToTerminate
            | Self::FoundAJobToWaitForItsTermination
            | Self::AwaitingSavepointCompletionToTransitionToSuspended
            | Self::CreatingASavepointBeforeSuspension
            | Self::FoundACompletedSavepointReadyForSuspension
            | Self::UsingAnUpgradeStrategy
            | Self::CreatingANewJob
            | Self::AwaitingAJobToStart
            | Self::StateTransitionIsCompleted
            | Self::TransitionedToFinishedState
            | Self::AwaitingAJobToTerminate
            | Self::SpinningUpAClusterForAJob
            | Self::JobSuccessfullyStarted
            | Self::JobSuccessfullyFinished
            | Self::AwaitingForAClusterToSpinUp
            | Self::AwaitForAClusterToTeardown
            | Self::TransitionedToCompleted
            | Self::AwaitingForASavepointToComplete
            | Self::SuccessfullyTriggeredASavepoint
            | Self::NeedToTriggerASavepoint
            | Self::FoundAnOldJobAndWillTerminateIt
            | Self::SavepointDisposed
            | Self::SourceStartTime
            | Self::TuningPlanApplied
            | Self::AutopilotRecommendation
            | Self::AutopilotRescale => Info,
            Self::FoundAStoppedJobAndWillTerminateIt
            | Self::TerminatingAJobDueToAnUnrecoverableFailure
            | Self::RecoverableFailureWhileTriggeringASavepoint
            | Self::RecoverableFailureWhileCheckingASavepointStatus
            | Self::CouldNotFindAJobToSuspend
            | Self::JobIsNotConfiguredWithSavepointSupport
            | Self::TuningPlanFailed
            | Self::AutopilotRescaleFailed => Warning,
            Self::FailedCreatingANewJob
            | Self::TooManyFailedSuspensionAttempts
            | Self::TooManyFailedJobCreationAttempts
            | Self::ResourceQuotaExceeded
            | Self::TransitioningToFailedStateBecauseOfAMissingJob
            | Self::TransitioningToFailedStateBecauseJobNotStarted
            | Self::TransitioningToFailedStateBecauseSavepointFailedInFlink
            | Self::AnUnRecoverableFailureWhileTriggeringASavepoint
            | Self::AnUnrecoverableFailureWhileTakingASavepoint
            | Self::ReferencedDeploymentTargetDoesNotExist
            | Self::GeneralFailure
            | Self::FailedToCreateClusterForJob
            | Self::StartRefused => Error,
        }
    }
}

impl EventLevel {
    /// The event names of this level.
    pub fn names(self) -> Vec<EventName> {
        EventName::ALL.iter().copied().filter(|name| name.level() == self).collect()
    }
}

/// An event's `metadata`: what happened, to which deployment (and job), when.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct EventMetadata {
    /// The event's id (a UUID).
    pub id: String,
    /// The namespace of the deployment.
    pub namespace: String,
    /// What happened.
    pub name: EventName,
    /// The deployment the event is about.
    pub deployment_id: String,
    /// The job the event is about, if it is about one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job_id: Option<String>,
    /// When it happened.
    pub created_at: String,
    /// Always 1: events never change.
    pub resource_version: i64,
}

/// An event's `spec`: its message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct EventSpec {
    /// What happened, in words for a person (Flink's own words included where it refused something).
    pub message: String,
}

/// An Event resource: one entry of a deployment's log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Event {
    /// Always `v1`.
    pub api_version: String,
    /// Always `Event`.
    pub kind: String,
    /// What happened, to which deployment, when.
    pub metadata: EventMetadata,
    /// The message.
    pub spec: EventSpec,
}

impl Event {
    /// The `kind` of every event.
    pub const KIND: &'static str = "Event";

    /// A new event `name` of a deployment (and one of its jobs), happened `now`.
    pub fn new(
        id: String,
        namespace: &str,
        deployment_id: &str,
        job_id: Option<&str>,
        name: EventName,
        message: impl Into<String>,
        now: &str,
    ) -> Self {
        Self {
            api_version: crate::API_VERSION.into(),
            kind: Self::KIND.into(),
            metadata: EventMetadata {
                id,
                namespace: namespace.into(),
                name,
                deployment_id: deployment_id.into(),
                job_id: job_id.map(Into::into),
                created_at: now.into(),
                resource_version: 1,
            },
            spec: EventSpec { message: message.into() },
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn vvp_event() -> serde_json::Value {
        json!({
            "apiVersion": "v1",
            "kind": "Event",
            "metadata": {
                "id": "8d3c1f5e-0a9b-4c7d-8e6f-5a4b3c2d1e0f",
                "namespace": "default",
                "name": "JOB_SUCCESSFULLY_STARTED",
                "deploymentId": "19570815-2528-4bda-a6ba-733cc29282c4",
                "jobId": "5b2f8a64-53a4-4bd2-9bd4-1e7ff1a1f6a9",
                "createdAt": "2021-03-01T10:00:05Z",
                "resourceVersion": 1
            },
            "spec": {"message": "Job 5b2f8a64 was successfully started."}
        })
    }

    #[test]
    fn a_vvp_event_reads_and_writes_back_unchanged() {
        let event: Event = serde_json::from_value(vvp_event()).expect("a VVP event parses");
        assert_eq!(event.metadata.name, EventName::JobSuccessfullyStarted);
        assert_eq!(serde_json::to_value(&event).expect("serialises"), vvp_event());
    }

    #[test]
    fn every_vvp_event_name_is_known() {
        assert_eq!(EventName::ALL.len(), 48, "the reference's EventMetadata.name enum has 40 values, plus ours");
        for name in EventName::ALL {
            assert_eq!(EventName::parse(name.as_str()), Some(*name));
        }
        let err = serde_json::from_str::<EventName>("\"SOMETHING_HAPPENED\"").expect_err("not an event name");
        assert!(err.to_string().starts_with("unknown value \"SOMETHING_HAPPENED\""), "{err}");
    }

    #[test]
    fn every_event_name_has_one_level_and_failures_are_errors() {
        let total: usize = EventLevel::ALL.iter().map(|level| level.names().len()).sum();
        assert_eq!(total, EventName::ALL.len(), "the levels split the names");
        assert_eq!(EventName::GeneralFailure.level(), EventLevel::Error);
        assert_eq!(EventName::TooManyFailedJobCreationAttempts.level(), EventLevel::Error);
        assert_eq!(EventName::RecoverableFailureWhileTriggeringASavepoint.level(), EventLevel::Warning);
        assert_eq!(EventName::JobSuccessfullyStarted.level(), EventLevel::Info);
        assert!(EventLevel::Warning.names().contains(&EventName::FoundAStoppedJobAndWillTerminateIt));
        assert_eq!(EventLevel::parse("warning"), Some(EventLevel::Warning));
        assert_eq!(EventLevel::parse("DEBUG"), None);
    }

    #[test]
    fn a_new_event_is_a_first_version_without_a_job_if_none_is_named() {
        let event = Event::new(
            "e1".into(),
            "default",
            "d1",
            None,
            EventName::StateTransitionIsNeeded,
            "RUNNING wanted",
            "2021-03-01T10:00:00Z",
        );
        let json = serde_json::to_value(&event).expect("serialises");
        assert_eq!(json["kind"], "Event");
        assert_eq!(json["metadata"]["resourceVersion"], 1);
        assert!(json["metadata"].get("jobId").is_none());
        assert_eq!(json["spec"]["message"], "RUNNING wanted");
    }
}
