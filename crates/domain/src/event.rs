//! The Event resource: one line of a deployment's append-only log, in Ververica Platform's wire
//! shape (`EventMetadata` with the event's `name`, `EventSpec` with its `message`). An event is
//! never changed after it is written.

use serde::{Deserialize, Serialize};

use crate::wire::wire_enum;

wire_enum!(
    /// What happened (`metadata.name`): Ververica Platform's event names; the console's own
    /// (autopilot decisions, tuning changes) join them where none of these fits.
    EventName {
        StateTransitionIsNeeded = "STATE_TRANSITION_IS_NEEDED",
        FoundAJobToTerminate = "FOUND_A_JOB_TO_TERMINATE",
        FoundAJobToWaitForItsTermination = "FOUND_A_JOB_TO_WAIT_FOR_ITS_TERMINATION",
        AwaitingSavepointCompletionToTransitionToSuspended = "AWAITING_SAVEPOINT_COMPLETION_TO_TRANSITION_TO_SUSPENDED",
        CreatingASavepointBeforeSuspension = "CREATING_A_SAVEPOINT_BEFORE_SUSPENSION",
        FoundACompletedSavepointReadyForSuspension = "FOUND_A_COMPLETED_SAVEPOINT_READY_FOR_SUSPENSION",
        UsingAnUpgradeStrategy = "USING_AN_UPGRADE_STRATEGY",
        CreatingANewJob = "CREATING_A_NEW_JOB",
        FailedCreatingANewJob = "FAILED_CREATING_A_NEW_JOB",
        AwaitingAJobToStart = "AWAITING_A_JOB_TO_START",
        FoundAStoppedJobAndWillTerminateIt = "FOUND_A_STOPPED_JOB_AND_WILL_TERMINATE_IT",
        StateTransitionIsCompleted = "STATE_TRANSITION_IS_COMPLETED",
        TransitionedToFinishedState = "TRANSITIONED_TO_FINISHED_STATE",
        AwaitingAJobToTerminate = "AWAITING_A_JOB_TO_TERMINATE",
        TooManyFailedSuspensionAttempts = "TOO_MANY_FAILED_SUSPENSION_ATTEMPTS",
        TooManyFailedJobCreationAttempts = "TOO_MANY_FAILED_JOB_CREATION_ATTEMPTS",
        SpinningUpAClusterForAJob = "SPINNING_UP_A_CLUSTER_FOR_A_JOB",
        JobSuccessfullyStarted = "JOB_SUCCESSFULLY_STARTED",
        JobSuccessfullyFinished = "JOB_SUCCESSFULLY_FINISHED",
        AwaitingForAClusterToSpinUp = "AWAITING_FOR_A_CLUSTER_TO_SPIN_UP",
        TerminatingAJobDueToAnUnrecoverableFailure = "TERMINATING_A_JOB_DUE_TO_AN_UNRECOVERABLE_FAILURE",
        AwaitForAClusterToTeardown = "AWAIT_FOR_A_CLUSTER_TO_TEARDOWN",
        ResourceQuotaExceeded = "RESOURCE_QUOTA_EXCEEDED",
        TransitioningToFailedStateBecauseOfAMissingJob = "TRANSITIONING_TO_FAILED_STATE_BECAUSE_OF_A_MISSING_JOB",
        TransitioningToFailedStateBecauseJobNotStarted = "TRANSITIONING_TO_FAILED_STATE_BECAUSE_JOB_NOT_STARTED",
        TransitioningToFailedStateBecauseSavepointFailedInFlink =
            "TRANSITIONING_TO_FAILED_STATE_BECAUSE_SAVEPOINT_FAILED_IN_FLINK",
        TransitionedToCompleted = "TRANSITIONED_TO_COMPLETED",
        AwaitingForASavepointToComplete = "AWAITING_FOR_A_SAVEPOINT_TO_COMPLETE",
        AnUnRecoverableFailureWhileTriggeringASavepoint = "AN_UN_RECOVERABLE_FAILURE_WHILE_TRIGGERING_A_SAVEPOINT",
        RecoverableFailureWhileTriggeringASavepoint = "RECOVERABLE_FAILURE_WHILE_TRIGGERING_A_SAVEPOINT",
        SuccessfullyTriggeredASavepoint = "SUCCESSFULLY_TRIGGERED_A_SAVEPOINT",
        NeedToTriggerASavepoint = "NEED_TO_TRIGGER_A_SAVEPOINT",
        AnUnrecoverableFailureWhileTakingASavepoint = "AN_UNRECOVERABLE_FAILURE_WHILE_TAKING_A_SAVEPOINT",
        RecoverableFailureWhileCheckingASavepointStatus = "RECOVERABLE_FAILURE_WHILE_CHECKING_A_SAVEPOINT_STATUS",
        FoundAnOldJobAndWillTerminateIt = "FOUND_AN_OLD_JOB_AND_WILL_TERMINATE_IT",
        CouldNotFindAJobToSuspend = "COULD_NOT_FIND_A_JOB_TO_SUSPEND",
        JobIsNotConfiguredWithSavepointSupport = "JOB_IS_NOT_CONFIGURED_WITH_SAVEPOINT_SUPPORT",
        ReferencedDeploymentTargetDoesNotExist = "REFERENCED_DEPLOYMENT_TARGET_DOES_NOT_EXIST",
        GeneralFailure = "GENERAL_FAILURE",
        FailedToCreateClusterForJob = "FAILED_TO_CREATE_CLUSTER_FOR_JOB",
        /// Ours: retention forgot a savepoint and disposed its files.
        SavepointDisposed = "SAVEPOINT_DISPOSED",
    }
);

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct EventMetadata {
    pub id: String,
    pub namespace: String,
    pub name: EventName,
    pub deployment_id: String,
    /// The job the event is about, if it is about one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job_id: Option<String>,
    /// When it happened.
    pub created_at: String,
    pub resource_version: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct EventSpec {
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Event {
    pub api_version: String,
    pub kind: String,
    pub metadata: EventMetadata,
    pub spec: EventSpec,
}

impl Event {
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
        assert_eq!(EventName::ALL.len(), 41, "the reference's EventMetadata.name enum has 40 values, plus ours");
        for name in EventName::ALL {
            assert_eq!(EventName::parse(name.as_str()), Some(*name));
        }
        let err = serde_json::from_str::<EventName>("\"SOMETHING_HAPPENED\"").expect_err("not an event name");
        assert!(err.to_string().starts_with("unknown value \"SOMETHING_HAPPENED\""), "{err}");
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
