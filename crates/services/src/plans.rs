//! Scheduled tuning plans of deployments, for the REST API and the server functions alike: create,
//! change, delete, apply and stop them (callers authorise first, `Services::require`), and carry
//! out the time points that are due (`carry_out_due_plans`, called by the server's scheduler; the
//! time is the services' clock, which tests move). A time point's setting is written to
//! the deployment's spec through the same path as a person's edit, so the engine upgrades a
//! running job with the deployment's upgrade strategy and never loses its state.

use domain::tuning_plan::{MAX_PLANS_PER_DEPLOYMENT, MAX_TIME_POINTS};
use domain::{
    DeploymentSpec, Event, EventName, InvalidInput, NamespaceName, PlanExecution, PlanExecutionOutcome,
    ResourceSetting, TuningPlan, TuningPlanMetadata, TuningPlanSpec, TuningPlanStatus, API_VERSION,
};
use engine::time::{parse_ms, rfc3339};
use serde_json::{json, Map, Value};

use crate::access::{audit_entry, commit_audited};
use crate::{Caller, ServiceError, Services};

/// What "Configure Autopilot" sets with a start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TuningSetup {
    /// Neither the Autopilot nor a plan.
    Off,
    /// The Autopilot in this mode (MONITORING or ACTIVE).
    Autopilot(domain::autopilot::Mode),
    /// This plan of the deployment applied.
    Scheduled(String),
}

/// How many rows of the executed history a page shows.
pub const PLAN_HISTORY_SHOWN: u32 = 50;

/// Who the audit log names for a time point carried out.
const PLAN_ACTOR: Caller = Caller::System("tuning-plan");

/// How a time point reads in lists: `daily 08:00 Europe/Berlin → parallelism 4`.
pub fn describe_time_point(point: &domain::TimePoint) -> String {
    format!("{} → {}", plans::describe(point), point.setting.summary())
}

/// A plan's name and spec as a request gives them, read with field-named errors.
fn read_plan(document: &Value) -> Result<(String, TuningPlanSpec, Option<i64>), ServiceError> {
    let Some(object) = document.as_object() else {
        return Err(InvalidInput::one("", "a tuning plan is a JSON object with metadata.name and spec").into());
    };
    let metadata = object.get("metadata").cloned().unwrap_or(Value::Null);
    let name = metadata.get("name").and_then(Value::as_str).map(str::trim).unwrap_or_default();
    if name.is_empty() || name.chars().count() > 64 || name.chars().any(char::is_control) {
        return Err(
            InvalidInput::one("metadata.name", "must be 1 to 64 characters, none of them control characters").into()
        );
    }
    let version = match metadata.get("resourceVersion") {
        None | Some(Value::Null) => None,
        Some(value) => Some(value.as_i64().ok_or_else(|| {
            InvalidInput::one("metadata.resourceVersion", format!("must be a whole number, got {value}"))
        })?),
    };
    let spec_value = object.get("spec").cloned().unwrap_or_else(|| json!({}));
    if spec_value.get("timePoints").and_then(Value::as_array).is_some_and(|points| points.len() > MAX_TIME_POINTS) {
        return Err(InvalidInput::one("spec.timePoints", format!("at most {MAX_TIME_POINTS} time points")).into());
    }
    let spec: TuningPlanSpec = serde_path_to_error::deserialize(spec_value).map_err(|err| {
        let path = err.path().to_string();
        let field = if path == "." { "spec".to_owned() } else { format!("spec.{path}") };
        InvalidInput::one(field, err.inner().to_string())
    })?;
    plans::check(&spec).map_err(InvalidInput)?;
    Ok((name.to_owned(), spec, version))
}

/// Whether the deployment's Autopilot is on (`spec.autopilot.mode` other than DISABLED).
pub(crate) fn autopilot_on(spec: &DeploymentSpec) -> bool {
    spec.autopilot.as_ref().is_some_and(|policy| policy.mode != domain::autopilot::Mode::Disabled)
}

/// The merge patch that writes `setting` into a deployment (VVP's `template.spec.resources`).
fn setting_patch(setting: &ResourceSetting) -> Value {
    let mut template = Map::new();
    if let Some(parallelism) = setting.parallelism {
        template.insert("parallelism".into(), json!(parallelism));
    }
    if !setting.flink_configuration.is_empty() {
        template.insert("flinkConfiguration".into(), json!(setting.flink_configuration));
    }
    let mut resources = Map::new();
    for (key, process) in [("jobmanager", &setting.job_manager), ("taskmanager", &setting.task_manager)] {
        if let Some(process) = process {
            let mut entry = Map::new();
            if let Some(cpu) = process.cpu {
                entry.insert("cpu".into(), json!(cpu));
            }
            if let Some(memory) = &process.memory {
                entry.insert("memory".into(), json!(memory.trim()));
            }
            resources.insert(key.into(), Value::Object(entry));
        }
    }
    if !resources.is_empty() {
        template.insert("resources".into(), Value::Object(resources));
    }
    json!({"spec": {"template": {"spec": template}}})
}

impl Services {
    /// The plans of a deployment of the namespace, by name.
    pub async fn tuning_plans(
        &self,
        namespace: &NamespaceName,
        deployment_id: &str,
    ) -> Result<Vec<TuningPlan>, ServiceError> {
        self.deployment(namespace, deployment_id).await?;
        Ok(self.store.tuning_plans(namespace, deployment_id).await?)
    }

    /// The namespace's plan `id`.
    pub async fn tuning_plan(&self, namespace: &NamespaceName, id: &str) -> Result<TuningPlan, ServiceError> {
        self.store.tuning_plan(namespace, id).await?.ok_or_else(|| ServiceError::NotFound(format!("tuning plan {id}")))
    }

    /// The newest rows of the executed history of a deployment's plans.
    pub async fn plan_executions(
        &self,
        namespace: &NamespaceName,
        deployment_id: &str,
    ) -> Result<Vec<PlanExecution>, ServiceError> {
        self.deployment(namespace, deployment_id).await?;
        Ok(self.store.plan_executions(namespace, deployment_id, PLAN_HISTORY_SHOWN).await?)
    }

    /// Creates a plan for a deployment (not applied). At most `MAX_PLANS_PER_DEPLOYMENT`; the name
    /// is unique among the deployment's plans.
    pub async fn create_tuning_plan(
        &self,
        caller: &Caller,
        namespace: &NamespaceName,
        deployment_id: &str,
        document: &Value,
    ) -> Result<TuningPlan, ServiceError> {
        let now_ms = self.now_ms();
        let (name, spec, _) = read_plan(document)?;
        let now = rfc3339(now_ms);
        let plan = TuningPlan {
            api_version: API_VERSION.into(),
            kind: "TuningPlan".into(),
            metadata: TuningPlanMetadata {
                id: uuid::Uuid::new_v4().to_string(),
                name,
                namespace: namespace.as_str().to_owned(),
                deployment_id: deployment_id.to_owned(),
                created_at: now.clone(),
                modified_at: now,
                resource_version: 1,
            },
            spec,
            status: TuningPlanStatus::default(),
        };
        let mut tx = self.store.begin().await?;
        if !tx.lock_namespace(namespace).await? {
            return Err(ServiceError::NotFound(format!("namespace {namespace}")));
        }
        let deployment = tx
            .engine_row(namespace, deployment_id)
            .await?
            .map(|row| row.deployment)
            .ok_or_else(|| ServiceError::NotFound(format!("deployment {deployment_id}")))?;
        let existing = tx.tuning_plans(namespace, deployment_id).await?;
        if existing.len() >= MAX_PLANS_PER_DEPLOYMENT {
            return Err(ServiceError::Conflict(format!(
                "deployment {} has {MAX_PLANS_PER_DEPLOYMENT} tuning plans, the most it may have: delete one first",
                deployment.metadata.name
            )));
        }
        if existing.iter().any(|other| other.metadata.name == plan.metadata.name) {
            return Err(ServiceError::Conflict(format!(
                "deployment {} already has a tuning plan called {:?}",
                deployment.metadata.name, plan.metadata.name
            )));
        }
        tx.insert_tuning_plan(&plan).await?;
        let after = Some(json!({"deployment": deployment.metadata.name, "spec": plan.spec}));
        commit_audited(
            tx,
            audit_entry(caller, Some(namespace), "create", ("TuningPlan", &plan.metadata.name), None, after),
        )
        .await?;
        tracing::info!(%namespace, deployment = %deployment.metadata.name, plan = %plan.metadata.name, "tuning plan created");
        Ok(plan)
    }

    /// Replaces a plan's name and time points. If the document names `metadata.resourceVersion` it
    /// must be the stored one. An applied plan stays applied; what it already carried out stands.
    pub async fn update_tuning_plan(
        &self,
        caller: &Caller,
        namespace: &NamespaceName,
        id: &str,
        document: &Value,
    ) -> Result<TuningPlan, ServiceError> {
        let now_ms = self.now_ms();
        let (name, spec, version) = read_plan(document)?;
        let current = self.tuning_plan(namespace, id).await?;
        if let Some(version) = version.filter(|v| *v != current.metadata.resource_version) {
            return Err(ServiceError::Conflict(format!(
                "tuning plan {:?} was changed since you read it (version {version}, now {}): reload it",
                current.metadata.name, current.metadata.resource_version
            )));
        }
        let mut updated = current.clone();
        updated.metadata.name = name;
        updated.spec = spec;
        if updated == current {
            return Ok(current);
        }
        updated.metadata.resource_version += 1;
        updated.metadata.modified_at = rfc3339(now_ms);
        let mut tx = self.store.begin().await?;
        if !tx.lock_namespace(namespace).await? {
            return Err(ServiceError::NotFound(format!("namespace {namespace}")));
        }
        let siblings = tx.tuning_plans(namespace, &current.metadata.deployment_id).await?;
        if siblings.iter().any(|other| other.metadata.id != id && other.metadata.name == updated.metadata.name) {
            return Err(ServiceError::Conflict(format!(
                "the deployment already has a tuning plan called {:?}",
                updated.metadata.name
            )));
        }
        tx.update_tuning_plan(&updated, current.metadata.resource_version).await?;
        let (before, after) = (Some(json!({"spec": current.spec})), Some(json!({"spec": updated.spec})));
        commit_audited(
            tx,
            audit_entry(caller, Some(namespace), "update", ("TuningPlan", &updated.metadata.name), before, after),
        )
        .await?;
        Ok(updated)
    }

    /// Deletes a plan (an applied one too: nothing more is carried out); its history stays.
    pub async fn delete_tuning_plan(
        &self,
        caller: &Caller,
        namespace: &NamespaceName,
        id: &str,
    ) -> Result<TuningPlan, ServiceError> {
        let current = self.tuning_plan(namespace, id).await?;
        let mut tx = self.store.begin().await?;
        if !tx.delete_tuning_plan(namespace, id).await? {
            return Err(ServiceError::NotFound(format!("tuning plan {id}")));
        }
        let before = Some(json!({"spec": current.spec, "applied": current.status.applied}));
        commit_audited(
            tx,
            audit_entry(caller, Some(namespace), "delete", ("TuningPlan", &current.metadata.name), before, None),
        )
        .await?;
        Ok(current)
    }

    /// Applies a plan: from `now_ms` on, its time points are carried out as they come (one already
    /// past is not). Refused while another plan of the deployment is applied, or while its
    /// Autopilot is on — they would fight over the same resources.
    pub async fn apply_tuning_plan(
        &self,
        caller: &Caller,
        namespace: &NamespaceName,
        id: &str,
    ) -> Result<TuningPlan, ServiceError> {
        let now_ms = self.now_ms();
        let mut tx = self.store.begin().await?;
        if !tx.lock_namespace(namespace).await? {
            return Err(ServiceError::NotFound(format!("namespace {namespace}")));
        }
        let current = self.tuning_plan(namespace, id).await?;
        if current.status.applied {
            return Ok(current);
        }
        let deployment_id = &current.metadata.deployment_id;
        let deployment = tx
            .engine_row(namespace, deployment_id)
            .await?
            .map(|row| row.deployment)
            .ok_or_else(|| ServiceError::NotFound(format!("deployment {deployment_id}")))?;
        if autopilot_on(&deployment.spec) {
            return Err(ServiceError::Conflict(format!(
                "the Autopilot of deployment {} is on: turn it off (mode DISABLED) before applying a tuning plan",
                deployment.metadata.name
            )));
        }
        if let Some(other) = tx.tuning_plans(namespace, deployment_id).await?.into_iter().find(|p| p.status.applied) {
            return Err(ServiceError::Conflict(format!(
                "tuning plan {:?} of deployment {} is applied: stop it first (one plan is applied at a time)",
                other.metadata.name, deployment.metadata.name
            )));
        }
        let mut updated = current.clone();
        updated.status = TuningPlanStatus { applied: true, applied_at: Some(rfc3339(now_ms)), last_executed_for: None };
        updated.metadata.resource_version += 1;
        updated.metadata.modified_at = rfc3339(now_ms);
        tx.update_tuning_plan(&updated, current.metadata.resource_version).await?;
        let after = Some(json!({"applied": true}));
        commit_audited(
            tx,
            audit_entry(caller, Some(namespace), "apply", ("TuningPlan", &updated.metadata.name), None, after),
        )
        .await?;
        tracing::info!(%namespace, deployment = %deployment.metadata.name, plan = %updated.metadata.name, "tuning plan applied");
        Ok(updated)
    }

    /// Stops applying a plan; what it set stays as it is.
    pub async fn stop_tuning_plan(
        &self,
        caller: &Caller,
        namespace: &NamespaceName,
        id: &str,
    ) -> Result<TuningPlan, ServiceError> {
        let now_ms = self.now_ms();
        let current = self.tuning_plan(namespace, id).await?;
        if !current.status.applied {
            return Ok(current);
        }
        let mut updated = current.clone();
        updated.status.applied = false;
        updated.metadata.resource_version += 1;
        updated.metadata.modified_at = rfc3339(now_ms);
        let mut tx = self.store.begin().await?;
        tx.update_tuning_plan(&updated, current.metadata.resource_version).await?;
        let after = Some(json!({"applied": false}));
        commit_audited(
            tx,
            audit_entry(caller, Some(namespace), "stop", ("TuningPlan", &updated.metadata.name), None, after),
        )
        .await?;
        Ok(updated)
    }

    /// "Configure Autopilot" of the Start dialog, done before the start (so a refusal stops it): the
    /// Autopilot in a mode (its other settings kept) with any applied plan stopped, or one plan
    /// applied with the Autopilot DISABLED, or neither. Each change goes through the same path
    /// (checks, audit) as on its own.
    pub async fn configure_tuning(
        &self,
        caller: &Caller,
        namespace: &NamespaceName,
        deployment_id: &str,
        setup: &TuningSetup,
    ) -> Result<(), ServiceError> {
        let deployment = self.deployment(namespace, deployment_id).await?;
        let plans = self.store.tuning_plans(namespace, deployment_id).await?;
        let applied = plans.iter().find(|plan| plan.status.applied);
        let mode = deployment.spec.autopilot.as_ref().map(|policy| policy.mode).unwrap_or_default();
        let set_mode = |wanted: domain::autopilot::Mode| async move {
            let mut policy = serde_json::to_value(deployment.spec.autopilot.clone().unwrap_or_default())
                .map_err(|_| ServiceError::Internal)?;
            policy["mode"] = serde_json::to_value(wanted).map_err(|_| ServiceError::Internal)?;
            self.set_autopilot_policy(caller, namespace, deployment_id, &policy).await.map(|_| ())
        };
        match setup {
            TuningSetup::Off | TuningSetup::Autopilot(_) => {
                if let Some(plan) = applied {
                    self.stop_tuning_plan(caller, namespace, &plan.metadata.id).await?;
                }
                let wanted = match setup {
                    TuningSetup::Autopilot(wanted) => *wanted,
                    _ => domain::autopilot::Mode::Disabled,
                };
                if wanted != mode {
                    set_mode(wanted).await?;
                }
            }
            TuningSetup::Scheduled(plan_id) => {
                if !plans.iter().any(|plan| &plan.metadata.id == plan_id) {
                    return Err(ServiceError::BadRequest(format!(
                        "tuning_plan: deployment {} has no tuning plan {plan_id}",
                        deployment.metadata.name
                    )));
                }
                if mode != domain::autopilot::Mode::Disabled {
                    set_mode(domain::autopilot::Mode::Disabled).await?;
                }
                if let Some(other) = applied.filter(|plan| &plan.metadata.id != plan_id) {
                    self.stop_tuning_plan(caller, namespace, &other.metadata.id).await?;
                }
                self.apply_tuning_plan(caller, namespace, plan_id).await?;
            }
        }
        Ok(())
    }

    /// When an applied plan's next time point comes (RFC 3339) and which (0-based), by the
    /// services' clock; `None` for a plan not applied or with nothing ahead.
    pub fn next_time_point(&self, plan: &TuningPlan) -> Option<(usize, String)> {
        if !plan.status.applied {
            return None;
        }
        plans::next(&plan.spec, self.now_ms()).map(|due| (due.index, rfc3339(due.scheduled_ms)))
    }

    /// Carries out, for every applied plan, the time point due at `now_ms` (at most one per plan:
    /// the newest occurrence not yet carried out, so points missed while the console was down are
    /// applied once). Each writes its setting to the deployment (a running job is upgraded by the
    /// engine), an event and a row of history. Answers what was carried out. A failure of the
    /// store is left for the next call; a setting the deployment refuses is recorded as FAILED.
    pub async fn carry_out_due_plans(&self) -> Result<Vec<PlanExecution>, ServiceError> {
        let now_ms = self.now_ms();
        let mut done = Vec::new();
        for plan in self.store.applied_tuning_plans().await? {
            let after_ms = [&plan.status.applied_at, &plan.status.last_executed_for]
                .into_iter()
                .flatten()
                .filter_map(|at| parse_ms(at))
                .max()
                .unwrap_or(now_ms);
            let Some(due) = plans::due(&plan.spec, after_ms, now_ms) else { continue };
            match self.carry_out(&plan, due, now_ms).await {
                Ok(execution) => done.push(execution),
                Err(err) => {
                    tracing::warn!(plan = %plan.metadata.name, error = %err, "a tuning plan's time point waits for the next look");
                }
            }
        }
        Ok(done)
    }

    async fn carry_out(&self, plan: &TuningPlan, due: plans::Due, now_ms: i64) -> Result<PlanExecution, ServiceError> {
        let namespace = NamespaceName::parse(&plan.metadata.namespace)
            .map_err(|err| ServiceError::BadRequest(format!("namespace: {err}")))?;
        let point = plan
            .spec
            .time_points
            .get(due.index)
            .ok_or_else(|| ServiceError::BadRequest(format!("spec.timePoints[{}]: gone", due.index)))?;
        let when =
            format!("time point {} ({}) of {}", due.index + 1, plans::describe(point), rfc3339(due.scheduled_ms));
        let written = self
            .patch_deployment(&PLAN_ACTOR, &namespace, &plan.metadata.deployment_id, &setting_patch(&point.setting))
            .await;
        let (outcome, event_name, message) = match &written {
            Ok(deployment) => {
                let upgrade = if deployment.status.state == domain::DeploymentState::Running {
                    format!(
                        "; the running job is upgraded ({} upgrade strategy)",
                        deployment.spec.upgrade_strategy.kind.as_str()
                    )
                } else {
                    String::new()
                };
                let not_honoured = if point.setting.job_manager.is_some() || point.setting.task_manager.is_some() {
                    "; CPU and memory are recorded in spec.template.spec.resources — a session cluster does not apply them"
                } else {
                    ""
                };
                (
                    PlanExecutionOutcome::Applied,
                    EventName::TuningPlanApplied,
                    format!(
                        "Tuning plan {:?}, {when}: set {}{upgrade}{not_honoured}.",
                        plan.metadata.name,
                        point.setting.summary()
                    ),
                )
            }
            // The store failed, or someone changed the deployment meanwhile: try again next time.
            Err(err @ (ServiceError::Internal | ServiceError::Conflict(_))) => return Err(err.clone()),
            Err(err) => (
                PlanExecutionOutcome::Failed,
                EventName::TuningPlanFailed,
                format!(
                    "Tuning plan {:?}, {when}: could not set {}: {err}",
                    plan.metadata.name,
                    point.setting.summary()
                ),
            ),
        };
        let now = rfc3339(now_ms);
        let execution = PlanExecution {
            id: uuid::Uuid::new_v4().to_string(),
            plan_id: plan.metadata.id.clone(),
            plan_name: plan.metadata.name.clone(),
            deployment_id: plan.metadata.deployment_id.clone(),
            time_point: u32::try_from(due.index).unwrap_or(u32::MAX),
            scheduled_for: rfc3339(due.scheduled_ms),
            executed_at: now.clone(),
            outcome,
            message: message.clone(),
        };
        let mut updated = plan.clone();
        updated.status.last_executed_for = Some(execution.scheduled_for.clone());
        updated.metadata.resource_version += 1;
        let event = Event::new(
            uuid::Uuid::new_v4().to_string(),
            namespace.as_str(),
            &plan.metadata.deployment_id,
            None,
            event_name,
            message,
            &now,
        );
        let mut tx = self.store.begin().await?;
        // A person may have stopped or changed the plan meanwhile: then this is not recorded as
        // the plan's (the deployment was written already, as the time point said).
        tx.update_tuning_plan(&updated, plan.metadata.resource_version).await?;
        tx.insert_plan_execution(&namespace, &execution).await?;
        tx.append_event(&event).await?;
        tx.commit().await?;
        tracing::info!(%namespace, plan = %plan.metadata.name, outcome = %execution.outcome, "tuning plan time point carried out");
        Ok(execution)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_setting_becomes_a_merge_patch_of_the_template() {
        let setting: ResourceSetting = serde_json::from_value(json!({
            "parallelism": 3,
            "taskManager": {"cpu": 2.0, "memory": " 4g "},
            "flinkConfiguration": {"taskmanager.numberOfTaskSlots": "2"}
        }))
        .expect("a setting");
        assert_eq!(
            setting_patch(&setting),
            json!({"spec": {"template": {"spec": {
                "parallelism": 3,
                "flinkConfiguration": {"taskmanager.numberOfTaskSlots": "2"},
                "resources": {"taskmanager": {"cpu": 2.0, "memory": "4g"}}
            }}}})
        );
    }

    #[test]
    fn a_plan_document_is_read_with_field_named_errors() {
        let ok = json!({"metadata": {"name": " peak "}, "spec": {"timePoints": [
            {"trigger": {"kind": "DAILY", "time": "08:00", "timeZone": "UTC"}, "setting": {"parallelism": 2}}
        ]}});
        let (name, spec, version) = read_plan(&ok).expect("reads");
        assert_eq!((name.as_str(), spec.time_points.len(), version), ("peak", 1, None));

        let unknown = json!({"metadata": {"name": "x"}, "spec": {"timePoints": [
            {"trigger": {"kind": "HOURLY"}, "setting": {"parallelism": 2}}
        ]}});
        let err = read_plan(&unknown).expect_err("refused").to_string();
        assert!(err.starts_with("spec.timePoints[0].trigger.kind: unknown variant `HOURLY`"), "{err}");
        let bad_zone = json!({"metadata": {"name": "x"}, "spec": {"timePoints": [
            {"trigger": {"kind": "DAILY", "time": "08:00", "timeZone": "Nowhere/Else"}, "setting": {"parallelism": 2}}
        ]}});
        let err = read_plan(&bad_zone).expect_err("refused").to_string();
        assert!(err.starts_with("spec.timePoints[0].trigger.timeZone: "), "{err}");
        let err = read_plan(&json!({"spec": {}})).expect_err("refused").to_string();
        assert!(err.starts_with("metadata.name: "), "{err}");
        let err = read_plan(&json!({"metadata": {"name": "x"}, "spec": {}})).expect_err("refused").to_string();
        assert!(err.starts_with("spec"), "{err}");
    }
}
