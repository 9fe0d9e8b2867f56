//! Starting a deployment with the Start dialog's choice (seed 000): initial mode (no state, an
//! optional source start time) or resume mode (the latest state or a chosen savepoint of this or
//! another deployment), with the state compatibility check run before the start is accepted. The
//! choice is written with the desired state RUNNING, its audit line and an event, in one
//! transaction; the engine carries it out (and refuses an unconfirmed INCOMPATIBLE start itself).

use domain::{
    AcceptedStart, ArtifactKind, Compatibility, CompatibilityReport, Deployment, DesiredState, Event, EventName,
    ExecutionMode, InvalidInput, NamespaceName, RestoreKind, Savepoint, SavepointOrigin, SavepointState, StartMode,
    StartOptions,
};
use engine::{CheckedStart, EngineRecord, RestoreChoice, StartRequest};
use serde_json::json;
use storage::now_rfc3339;

use crate::access::{audit_entry, commit_audited};
use crate::{Caller, ServiceError, Services};

/// How many of a deployment's states the Start dialog lists (newest first).
pub const RESTORABLE_LISTED: u32 = 100;

/// The latest time a source start time may name (9999-12-31T23:59:59.999Z).
const LATEST_START_TIME_MS: i64 = 253_402_300_799_999;

/// A start request checked against the deployment: what the engine is to restore.
struct Resolved {
    /// The savepoint to restore (resume mode).
    savepoint: Option<Savepoint>,
    allow_non_restored_state: bool,
    source_start_time_ms: Option<i64>,
}

impl Services {
    /// The states a resume of `deployment_id` may restore: its completed savepoints and retained
    /// checkpoints that have a location, newest first (the first is what LATEST restores).
    pub async fn restorable_states(
        &self,
        namespace: &NamespaceName,
        deployment_id: &str,
    ) -> Result<Vec<Savepoint>, ServiceError> {
        let live = self.store.live_savepoints(namespace, deployment_id, RESTORABLE_LISTED).await?;
        Ok(live
            .into_iter()
            .filter(|s| s.status.state == SavepointState::Completed && s.spec.savepoint_location.is_some())
            .collect())
    }

    /// The state compatibility check for a resume of deployment `id` as `options` asks, without
    /// starting anything.
    pub async fn check_compatibility(
        &self,
        namespace: &NamespaceName,
        id: &str,
        options: &StartOptions,
    ) -> Result<CompatibilityReport, ServiceError> {
        let deployment = self.deployment(namespace, id).await?;
        if options.mode != StartMode::Resume {
            return Err(field_error("mode", "the compatibility check compares state: it needs RESUME"));
        }
        let resolved = self.resolve_start(namespace, &deployment, options).await?;
        let Some(savepoint) = resolved.savepoint else {
            return Err(ServiceError::Internal);
        };
        Ok(self.judge_state(&deployment, &savepoint, resolved.allow_non_restored_state).await)
    }

    /// Starts deployment `id` as `options` asks: checks the choice, runs the compatibility check
    /// for a resume (an INCOMPATIBLE answer needs `confirmIncompatible`), then writes the choice,
    /// the desired state RUNNING, the audit line and an event together and nudges the engine.
    pub async fn start_deployment(
        &self,
        caller: &Caller,
        namespace: &NamespaceName,
        id: &str,
        options: &StartOptions,
    ) -> Result<AcceptedStart, ServiceError> {
        let deployment = self.deployment(namespace, id).await?;
        if deployment.spec.state == DesiredState::Running {
            return Err(ServiceError::Conflict(format!(
                "deployment {} is already asked to run (its status is {}); suspend or cancel it before starting it \
                 again",
                deployment.metadata.name, deployment.status.state
            )));
        }
        let resolved = self.resolve_start(namespace, &deployment, options).await?;
        let report = match &resolved.savepoint {
            Some(savepoint) => Some(self.judge_state(&deployment, savepoint, resolved.allow_non_restored_state).await),
            None => None,
        };
        if let Some(report) = report.as_ref().filter(|r| r.compatibility == Compatibility::Incompatible) {
            if !options.confirm_incompatible {
                let first = report.reasons.first().map(|r| r.message.as_str()).unwrap_or("no reason given");
                return Err(ServiceError::Conflict(format!(
                    "confirmIncompatible: the state compatibility check answered INCOMPATIBLE ({first}); choose \
                     another state, start without state, or confirm to start anyway"
                )));
            }
        }
        let job_id = uuid::Uuid::new_v4().to_string();
        let mut attempts = 0;
        loop {
            let written =
                self.write_start(caller, namespace, &deployment, &resolved, report.as_ref(), options, &job_id).await;
            match written {
                Err(ServiceError::Conflict(_)) if attempts < 5 => attempts += 1,
                Err(err) => return Err(err),
                Ok(()) => break,
            }
        }
        self.nudger.nudge(namespace.as_str(), &deployment.metadata.id);
        tracing::info!(%namespace, name = %deployment.metadata.name, mode = %options.mode, "deployment started");
        let savepoint = resolved.savepoint.as_ref();
        Ok(AcceptedStart {
            mode: options.mode,
            job_id,
            savepoint_id: savepoint.map(|s| s.metadata.id.clone()),
            savepoint_location: savepoint.and_then(|s| s.spec.savepoint_location.clone()),
            savepoint_deployment_id: savepoint.map(|s| s.metadata.deployment_id.clone()),
            allow_non_restored_state: resolved.allow_non_restored_state,
            source_start_time_ms: resolved.source_start_time_ms,
            compatibility: report,
        })
    }

    /// One attempt at writing an accepted start; a concurrent change of the deployment or of its
    /// engine record is a `Conflict` (the caller tries again).
    #[allow(clippy::too_many_arguments, reason = "one transaction's inputs, all needed together")]
    async fn write_start(
        &self,
        caller: &Caller,
        namespace: &NamespaceName,
        checked: &Deployment,
        resolved: &Resolved,
        report: Option<&CompatibilityReport>,
        options: &StartOptions,
        job_id: &str,
    ) -> Result<(), ServiceError> {
        let id = checked.metadata.id.as_str();
        let mut tx = self.store.begin().await?;
        let row =
            tx.engine_row(namespace, id).await?.ok_or_else(|| ServiceError::NotFound(format!("deployment {id}")))?;
        let current = row.deployment;
        if current.spec != checked.spec {
            // The spec the check judged is gone: the person must look again.
            return Err(ServiceError::Conflict(format!(
                "deployment {} was changed while it was being started; open the Start dialog again",
                current.metadata.name
            )));
        }
        if current.spec.state == DesiredState::Running {
            return Err(ServiceError::Conflict(format!(
                "deployment {} was started by someone else meanwhile",
                current.metadata.name
            )));
        }
        let mut updated = current.clone();
        updated.spec.state = DesiredState::Running;
        updated.metadata.resource_version = current.metadata.resource_version + 1;
        updated.metadata.modified_at = now_rfc3339();
        tx.update_deployment(&updated, current.metadata.resource_version).await?;

        let restore = match &resolved.savepoint {
            Some(savepoint) => RestoreChoice::Savepoint {
                savepoint_id: savepoint.metadata.id.clone(),
                location: savepoint.spec.savepoint_location.clone().unwrap_or_default(),
            },
            None => RestoreChoice::Nothing,
        };
        let request = StartRequest {
            allow_non_restored_state: Some(resolved.allow_non_restored_state),
            source_start_time_ms: resolved.source_start_time_ms,
            checked: report.map(|report| CheckedStart {
                compatibility: report.compatibility,
                confirmed: options.confirm_incompatible,
                deployment_version: updated.metadata.resource_version,
            }),
            job_id: Some(job_id.to_owned()),
            ..StartRequest::restoring(restore)
        };
        let mut record = EngineRecord::read(row.engine.as_deref()).map_err(|err| {
            tracing::error!(%namespace, deployment = id, error = %err, "the engine's record is not readable");
            ServiceError::Internal
        })?;
        record.next_start = Some(request);
        // A person asked to start: a deployment that gave up tries afresh.
        record.gave_up_at_version = None;
        record.failures_at_version = None;
        record.job_failures_ms.clear();
        let engine = record.to_json().map_err(|_| ServiceError::Internal)?;
        tx.save_engine_state(namespace, id, &current.status, &engine, row.status_version).await?;

        let now = now_rfc3339();
        let message = self.start_message(caller, namespace, checked, resolved, report).await;
        let event = Event::new(
            uuid::Uuid::new_v4().to_string(),
            namespace.as_str(),
            id,
            None,
            EventName::StateTransitionIsNeeded,
            message,
            &now,
        );
        tx.append_event(&event).await?;
        let after = json!({
            "spec": {"state": DesiredState::Running},
            "start": {
                "mode": options.mode,
                "savepointId": resolved.savepoint.as_ref().map(|s| s.metadata.id.clone()),
                "savepointDeploymentId": resolved.savepoint.as_ref().map(|s| s.metadata.deployment_id.clone()),
                "allowNonRestoredState": resolved.allow_non_restored_state,
                "sourceStartTimeMs": resolved.source_start_time_ms,
                "compatibility": report.map(|r| r.compatibility),
                "confirmIncompatible": options.confirm_incompatible,
            }
        });
        let before = json!({"spec": {"state": current.spec.state}});
        let kind_name = ("Deployment", current.metadata.name.as_str());
        commit_audited(tx, audit_entry(caller, Some(namespace), "start", kind_name, Some(before), Some(after))).await?;
        Ok(())
    }

    /// The event that says how the person asked the deployment to start.
    async fn start_message(
        &self,
        caller: &Caller,
        namespace: &NamespaceName,
        deployment: &Deployment,
        resolved: &Resolved,
        report: Option<&CompatibilityReport>,
    ) -> String {
        let who = caller.actor();
        let mut message = match &resolved.savepoint {
            None => format!("Start requested by {who}: starting without state"),
            Some(savepoint) => {
                let location = savepoint.spec.savepoint_location.as_deref().unwrap_or("?");
                let kind = if savepoint.metadata.origin == SavepointOrigin::RetainedCheckpoint {
                    "retained checkpoint"
                } else {
                    "savepoint"
                };
                let of = if savepoint.metadata.deployment_id == deployment.metadata.id {
                    String::new()
                } else {
                    let name = match self.store.get_deployment(namespace, &savepoint.metadata.deployment_id).await {
                        Ok(Some(other)) => other.metadata.name,
                        _ => savepoint.metadata.deployment_id.clone(),
                    };
                    format!(" of deployment {name}")
                };
                format!("Start requested by {who}: starting from {kind} {}{of} ({location})", savepoint.metadata.id)
            }
        };
        if resolved.allow_non_restored_state && resolved.savepoint.is_some() {
            message.push_str("; state that maps to no operator is skipped (allowNonRestoredState)");
        }
        if let Some(ms) = resolved.source_start_time_ms {
            message.push_str(&format!("; source start time {} ({ms} ms)", engine::time::rfc3339(ms)));
        }
        if let Some(report) = report {
            message.push_str(&format!("; state compatibility: {}", report.compatibility.label()));
            if report.compatibility == Compatibility::Incompatible {
                message.push_str(" (started anyway, as confirmed)");
            }
        }
        message
    }

    /// Checks a start request against the deployment and finds the state it restores. Every
    /// refusal names the field of `StartOptions` it concerns.
    async fn resolve_start(
        &self,
        namespace: &NamespaceName,
        deployment: &Deployment,
        options: &StartOptions,
    ) -> Result<Resolved, ServiceError> {
        let name = &deployment.metadata.name;
        let is_jar = deployment.spec.template.spec.artifact.as_ref().is_some_and(|a| a.kind == ArtifactKind::Jar);
        if deployment.spec.execution_mode == ExecutionMode::Batch {
            let plain = options.mode == StartMode::Initial
                && options.restore.is_none()
                && !options.allow_non_restored_state
                && options.source_start_time_ms.is_none();
            if !plain {
                return Err(field_error(
                    "mode",
                    &format!("{name} is a batch deployment: it starts without options (INITIAL, nothing else)"),
                ));
            }
        }
        if let Some(ms) = options.source_start_time_ms {
            if !(0..=LATEST_START_TIME_MS).contains(&ms) {
                return Err(field_error(
                    "sourceStartTimeMs",
                    "must be milliseconds since 1970-01-01T00:00:00Z, not negative and before the year 10000",
                ));
            }
        }
        match options.mode {
            StartMode::Initial => {
                if options.restore.is_some() {
                    return Err(field_error("restore", "only resume mode restores state; initial mode starts without"));
                }
                if options.allow_non_restored_state {
                    return Err(field_error("allowNonRestoredState", "only a resume restores state to skip"));
                }
                Ok(Resolved {
                    savepoint: None,
                    allow_non_restored_state: false,
                    source_start_time_ms: options.source_start_time_ms,
                })
            }
            StartMode::Resume => {
                if options.allow_non_restored_state && !is_jar {
                    return Err(field_error(
                        "allowNonRestoredState",
                        "only JAR deployments may skip state: a SQL job's operators have no stable uids, so \
                         skipped state would be lost silently",
                    ));
                }
                let Some(restore) = &options.restore else {
                    return Err(field_error("restore", "resume mode needs {\"kind\": \"LATEST\"} or a SAVEPOINT"));
                };
                let savepoint = match restore.kind {
                    RestoreKind::Latest => {
                        if restore.savepoint_id.is_some() {
                            return Err(field_error("restore.savepointId", "only a SAVEPOINT restore names one"));
                        }
                        let states = self.restorable_states(namespace, &deployment.metadata.id).await?;
                        states.into_iter().next().ok_or_else(|| {
                            field_error(
                                "restore",
                                &format!(
                                    "{name} has no completed savepoint or retained checkpoint to resume from; start \
                                     it in initial mode or choose another deployment's savepoint"
                                ),
                            )
                        })?
                    }
                    RestoreKind::Savepoint => {
                        let Some(id) = restore.savepoint_id.as_deref().filter(|id| !id.trim().is_empty()) else {
                            return Err(field_error("restore.savepointId", "a SAVEPOINT restore names the savepoint"));
                        };
                        let savepoint = self.store.get_savepoint(namespace, id).await?.ok_or_else(|| {
                            field_error("restore.savepointId", &format!("no savepoint {id:?} in namespace {namespace}"))
                        })?;
                        if savepoint.status.state != SavepointState::Completed {
                            return Err(field_error(
                                "restore.savepointId",
                                &format!("savepoint {id} is {}, not COMPLETED", savepoint.status.state),
                            ));
                        }
                        if savepoint.spec.savepoint_location.is_none() {
                            return Err(field_error("restore.savepointId", &format!("savepoint {id} has no location")));
                        }
                        savepoint
                    }
                };
                Ok(Resolved {
                    savepoint: Some(savepoint),
                    allow_non_restored_state: options.allow_non_restored_state,
                    // Seed 000: a start time only applies to a start without state; the engine
                    // says so in an event when it ignores it.
                    source_start_time_ms: options.source_start_time_ms,
                })
            }
        }
    }

    /// The compatibility check of `savepoint` against the deployment's current spec.
    async fn judge_state(
        &self,
        deployment: &Deployment,
        savepoint: &Savepoint,
        allow_non_restored_state: bool,
    ) -> CompatibilityReport {
        crate::compatibility::check(self, deployment, savepoint, allow_non_restored_state).await
    }
}

/// A refusal of one field of the start request.
fn field_error(field: &str, what: &str) -> ServiceError {
    ServiceError::from(InvalidInput::one(field, what))
}
