//! Alibaba's resource shapes (the SDK's `models/`: camelCase, absent fields left out) and their
//! mapping onto the console's one model: an Alibaba deployment is a console deployment seen through
//! Alibaba's fields; its jobs carry its state, as Alibaba's do.

use std::collections::BTreeMap;

use domain::{
    Artifact, ArtifactKind, Deployment, Event, ExecutionMode, Job, JobState, Savepoint, SavepointState, TemplateSpec,
};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use services::ServiceError;

use super::AliError;

/// The annotation that keeps an Alibaba deployment's `description`.
pub const DESCRIPTION_ANNOTATION: &str = "alibaba.com/description";

/// `Deployment`: what a deployment runs and where; it has no state of its own (its jobs do).
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AliDeployment {
    /// The deployment's id (a UUID); the console chooses it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deployment_id: Option<String>,
    /// Its name: for now a DNS label (lowercase letters, digits and `-`), unique in the namespace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The namespace (answers only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// Free text, kept as the annotation `alibaba.com/description`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The engine the artifact was built for, kept as `artifact.flinkVersion` (informational: the
    /// console runs its target's Flink).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub engine_version: Option<String>,
    /// STREAMING (the default) or BATCH.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub execution_mode: Option<String>,
    /// What the jobs run: JAR or SQLSCRIPT.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub artifact: Option<AliArtifact>,
    /// STREAMING: parallelism and JobManager/TaskManager sizes (BASIC mode only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub streaming_resource_setting: Option<StreamingResourceSetting>,
    /// BATCH: the same, for a batch deployment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batch_resource_setting: Option<BatchResourceSetting>,
    /// Flink configuration of the jobs (values as strings).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub flink_conf: Option<BTreeMap<String, Value>>,
    /// Where the jobs run: a deployment target of the namespace (`mode` is answered SESSION).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deployment_target: Option<BriefDeploymentTarget>,
    /// Labels (values as strings).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub labels: Option<BTreeMap<String, Value>>,
    /// Alibaba's SQL variables: only an empty list is accepted (the console does not substitute them).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub local_variables: Option<Vec<LocalVariable>>,
    /// How many of its jobs are in each state (answers only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job_summary: Option<JobSummary>,
    /// Who last changed it, by the audit log (answers only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modifier: Option<String>,
    /// When it was created (RFC 3339; answers only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
    /// When it last changed (RFC 3339; answers only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modified_at: Option<String>,
}

/// `Artifact`: a JAR or a SQL script (Python and CDC YAML artifacts are refused).
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AliArtifact {
    /// JAR or SQLSCRIPT.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// JAR: the jar, its entry class and arguments.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jar_artifact: Option<JarArtifact>,
    /// SQLSCRIPT: the statements.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sql_artifact: Option<SqlArtifact>,
    /// Refused when present: this console runs no Python jobs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub python_artifact: Option<Value>,
    /// Refused when present: this console runs no CDC YAML jobs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub cdc_yaml_artifact: Option<Value>,
}

/// `JarArtifact`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct JarArtifact {
    /// Where the JAR is (`artifact:///<name>`, a `file:` path in the artifact directories, `http(s)://`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jar_uri: Option<String>,
    /// The class whose `main` builds the job.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entry_class: Option<String>,
    /// The program arguments, one string split as a shell would.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub main_args: Option<String>,
    /// Further JARs on the job's class path.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub additional_dependencies: Option<Vec<String>>,
}

/// `SqlArtifact`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SqlArtifact {
    /// The SQL statements, run by the console's SQL runner.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sql_script: Option<String>,
    /// Further JARs on the job's class path.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub additional_dependencies: Option<Vec<String>>,
}

/// `StreamingResourceSetting` (BASIC mode only; EXPERT is refused).
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct StreamingResourceSetting {
    /// BASIC (the default); EXPERT is refused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_setting_mode: Option<String>,
    /// Parallelism and process sizes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub basic_resource_setting: Option<BasicResourceSetting>,
    /// Refused when present (per-operator resources).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub expert_resource_setting: Option<Value>,
}

/// `BatchResourceSetting`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct BatchResourceSetting {
    /// Parallelism and process sizes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub basic_resource_setting: Option<BasicResourceSetting>,
    /// Accepted and ignored (the console does not bound a batch job's slots).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_slot: Option<i64>,
}

/// `BasicResourceSetting`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct BasicResourceSetting {
    /// The job's default parallelism.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parallelism: Option<u32>,
    /// The JobManager's CPU and memory (recorded; a session cluster does not apply them).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jobmanager_resource_setting_spec: Option<ResourceSpec>,
    /// A TaskManager's CPU and memory (recorded; a session cluster does not apply them).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub taskmanager_resource_setting_spec: Option<ResourceSpec>,
}

/// `BasicResourceSettingSpec`: CPU cores and memory (`4Gi`, `1024m`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ResourceSpec {
    /// CPU cores.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu: Option<f64>,
    /// Memory, as Flink writes sizes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory: Option<String>,
}

/// `BriefDeploymentTarget`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct BriefDeploymentTarget {
    /// PER_JOB or SESSION; accepted and ignored (every console target is a session cluster), answered SESSION.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<String>,
    /// The deployment target's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// `LocalVariable`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LocalVariable {
    /// The variable's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Its value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
}

/// `JobSummary`: how many of a deployment's jobs are in each state.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct JobSummary {
    pub starting: u32,
    pub running: u32,
    pub cancelling: u32,
    pub cancelled: u32,
    pub finished: u32,
    pub failed: u32,
}

impl JobSummary {
    /// The summary of `jobs`.
    pub fn of<'a>(jobs: impl IntoIterator<Item = &'a Job>) -> Self {
        let mut summary = Self::default();
        for job in jobs {
            match job_status(job) {
                "STARTING" => summary.starting += 1,
                "RUNNING" => summary.running += 1,
                "CANCELLING" => summary.cancelling += 1,
                "CANCELLED" => summary.cancelled += 1,
                "FINISHED" => summary.finished += 1,
                _ => summary.failed += 1,
            }
        }
        summary
    }
}

/// `Job`: one run of a deployment.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AliJob {
    /// The job's id (a UUID; not Flink's job id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deployment_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deployment_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// Where the job is: `currentJobStatus` STARTING, RUNNING, CANCELLING, CANCELLED, FINISHED or FAILED.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<AliJobStatus>,
    /// Which state the job restored: NONE, or FROM_SAVEPOINT with the savepoint's id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restore_strategy: Option<AliRestoreStrategy>,
    /// When it started (ms since the epoch).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_time: Option<i64>,
    /// When it ended (ms since the epoch).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_time: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub artifact: Option<AliArtifact>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub execution_mode: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub engine_version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub streaming_resource_setting: Option<StreamingResourceSetting>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batch_resource_setting: Option<BatchResourceSetting>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub flink_conf: Option<BTreeMap<String, Value>>,
    /// The deployment target (session cluster) it runs on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_cluster_name: Option<String>,
    /// RFC 3339.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
    /// RFC 3339.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modified_at: Option<String>,
}

/// `JobStatus`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AliJobStatus {
    pub current_job_status: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure: Option<AliJobFailure>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub running: Option<AliJobRunning>,
}

/// `JobFailure`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AliJobFailure {
    pub reason: String,
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failed_at: Option<i64>,
}

/// `JobStatusRunning`: Flink's own view of the job, as last observed.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AliJobRunning {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observed_flink_job_status: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observed_flink_job_restarts: Option<u32>,
}

/// `DeploymentRestoreStrategy`: which state a start restores.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AliRestoreStrategy {
    /// NONE, LATEST_SAVEPOINT, FROM_SAVEPOINT or LATEST_STATE.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// FROM_SAVEPOINT: the savepoint (of this deployment or another of the namespace).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub savepoint_id: Option<String>,
    /// Flink may skip state that maps to no operator (JAR deployments).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allow_non_restored_state: Option<bool>,
    /// NONE: where the sources start reading (ms since the epoch).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job_start_time_in_ms: Option<i64>,
}

/// `Savepoint`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AliSavepoint {
    pub savepoint_id: String,
    pub deployment_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job_id: Option<String>,
    pub namespace: String,
    /// Where Flink wrote it, once it has.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub savepoint_location: Option<String>,
    /// USER_REQUEST, SUSPEND, SUSPEND_AND_UPGRADE, COPIED, RETAINED_CHECKPOINT or PERIODIC (the console's origins).
    pub savepoint_origin: String,
    /// Always false: the console takes savepoints in Flink's canonical format.
    pub native_format: bool,
    pub status: AliSavepointStatus,
    /// ms since the epoch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<i64>,
    /// ms since the epoch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modified_at: Option<i64>,
}

/// `SavepointStatus`: `state` STARTED (Flink is writing it), COMPLETED or FAILED.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AliSavepointStatus {
    pub state: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure: Option<AliJobFailure>,
}

/// `Event`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AliEvent {
    pub event_id: String,
    pub event_name: String,
    pub deployment_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job_id: Option<String>,
    pub namespace: String,
    pub message: String,
    /// RFC 3339.
    pub created_at: String,
}

/// `DeploymentTarget`: a target's name (no quota: the console does not meter resources).
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AliDeploymentTarget {
    pub name: String,
    pub namespace: String,
}

/// Milliseconds of an RFC 3339 time.
pub fn ms(rfc3339: &str) -> Option<i64> {
    engine::time::parse_ms(rfc3339)
}

/// A map of Alibaba's `Dict[str, Any]` as strings; `field` names it in errors.
fn strings(field: &str, map: &BTreeMap<String, Value>) -> Result<Map<String, Value>, AliError> {
    let mut out = Map::new();
    for (key, value) in map {
        let text = match value {
            Value::String(s) => s.clone(),
            Value::Number(n) => n.to_string(),
            Value::Bool(b) => b.to_string(),
            other => {
                return Err(bad(
                    &format!("{field}.{key}"),
                    &format!("must be a string, number or boolean, not {other}"),
                ))
            }
        };
        out.insert(key.clone(), Value::String(text));
    }
    Ok(out)
}

/// A 400 naming `field`.
pub fn bad(field: &str, what: &str) -> AliError {
    AliError(ServiceError::BadRequest(format!("{field}: {what}")))
}

impl AliDeployment {
    /// The console's deployment document for these fields (only those given; `current` is the
    /// deployment they change, whose label and configuration keys that are no longer given are
    /// removed). Fields Alibaba has and the console cannot honour are refused, naming them.
    pub fn to_console(&self, current: Option<&Deployment>) -> Result<Value, AliError> {
        let mut metadata = Map::new();
        let mut spec = Map::new();
        let mut template = Map::new();
        if let Some(name) = &self.name {
            metadata.insert("name".into(), json!(name));
        }
        if let Some(description) = &self.description {
            metadata.insert("annotations".into(), json!({ DESCRIPTION_ANNOTATION: description }));
        }
        if let Some(labels) = &self.labels {
            let mut given = strings("labels", labels)?;
            for key in current.map(|d| d.metadata.labels.keys()).into_iter().flatten() {
                given.entry(key.clone()).or_insert(Value::Null);
            }
            metadata.insert("labels".into(), Value::Object(given));
        }
        if self.local_variables.as_ref().is_some_and(|v| !v.is_empty()) {
            return Err(bad("localVariables", "this console does not substitute variables; send none"));
        }
        let mode = match self.execution_mode.as_deref() {
            None => None,
            Some(raw) => Some(
                ExecutionMode::parse(raw)
                    .ok_or_else(|| bad("executionMode", &format!("{raw:?} is not STREAMING or BATCH")))?,
            ),
        };
        if let Some(mode) = mode {
            spec.insert("executionMode".into(), json!(mode));
        }
        if let Some(target) = self.deployment_target.as_ref().and_then(|t| t.name.as_ref()) {
            spec.insert("deploymentTargetName".into(), json!(target));
        }
        if let Some(artifact) = &self.artifact {
            template.insert("artifact".into(), artifact.to_console(self.engine_version.as_deref())?);
        } else if let Some(version) = &self.engine_version {
            if current.and_then(|d| d.spec.template.spec.artifact.as_ref()).is_some() {
                template.insert("artifact".into(), json!({"flinkVersion": version}));
            }
        }
        let batch = mode.or(current.map(|d| d.spec.execution_mode)) == Some(ExecutionMode::Batch);
        let basic = match (&self.streaming_resource_setting, &self.batch_resource_setting) {
            (Some(streaming), _) if !batch => {
                if streaming.resource_setting_mode.as_deref().is_some_and(|m| !m.eq_ignore_ascii_case("BASIC")) {
                    return Err(bad(
                        "streamingResourceSetting.resourceSettingMode",
                        "only BASIC is supported (one parallelism for the whole job)",
                    ));
                }
                if streaming.expert_resource_setting.as_ref().is_some_and(|v| !v.is_null()) {
                    return Err(bad(
                        "streamingResourceSetting.expertResourceSetting",
                        "per-operator resources are not supported; use basicResourceSetting",
                    ));
                }
                streaming.basic_resource_setting.as_ref()
            }
            (_, Some(batch_setting)) if batch => batch_setting.basic_resource_setting.as_ref(),
            (None, None) => None,
            (Some(_), _) => {
                return Err(bad("streamingResourceSetting", "a BATCH deployment takes batchResourceSetting"));
            }
            (None, Some(_)) => {
                return Err(bad("batchResourceSetting", "a STREAMING deployment takes streamingResourceSetting"));
            }
        };
        if let Some(basic) = basic {
            if let Some(parallelism) = basic.parallelism {
                template.insert("parallelism".into(), json!(parallelism));
            }
            let mut resources = Map::new();
            for (key, given) in [
                ("jobmanager", &basic.jobmanager_resource_setting_spec),
                ("taskmanager", &basic.taskmanager_resource_setting_spec),
            ] {
                if let Some(given) = given {
                    resources.insert(key.into(), json!({"cpu": given.cpu, "memory": given.memory}));
                }
            }
            if !resources.is_empty() {
                template.insert("resources".into(), Value::Object(resources));
            }
        }
        if let Some(conf) = &self.flink_conf {
            let mut given = strings("flinkConf", conf)?;
            let old = current.map(|d| d.spec.template.spec.flink_configuration.keys());
            for key in old.into_iter().flatten() {
                given.entry(key.clone()).or_insert(Value::Null);
            }
            template.insert("flinkConfiguration".into(), Value::Object(given));
        }
        if !template.is_empty() {
            spec.insert("template".into(), json!({ "spec": template }));
        }
        let mut document = Map::new();
        document.insert("metadata".into(), Value::Object(metadata));
        document.insert("spec".into(), Value::Object(spec));
        Ok(Value::Object(document))
    }

    /// The Alibaba view of a console deployment.
    pub fn of(deployment: &Deployment, summary: Option<JobSummary>, modifier: Option<String>) -> Self {
        let template = &deployment.spec.template.spec;
        let (streaming, batch) = resource_settings(deployment.spec.execution_mode, template);
        Self {
            deployment_id: Some(deployment.metadata.id.clone()),
            name: Some(deployment.metadata.name.clone()),
            namespace: Some(deployment.metadata.namespace.clone()),
            description: deployment.metadata.annotations.get(DESCRIPTION_ANNOTATION).cloned(),
            engine_version: template.artifact.as_ref().and_then(|a| a.flink_version.clone()),
            execution_mode: Some(deployment.spec.execution_mode.as_str().to_owned()),
            artifact: template.artifact.as_ref().map(AliArtifact::of),
            streaming_resource_setting: streaming,
            batch_resource_setting: batch,
            flink_conf: Some(conf_of(template)),
            deployment_target: Some(BriefDeploymentTarget {
                mode: Some("SESSION".into()),
                name: deployment.spec.deployment_target_name.clone(),
            }),
            labels: Some(deployment.metadata.labels.iter().map(|(k, v)| (k.clone(), json!(v))).collect()),
            local_variables: None,
            job_summary: summary,
            modifier,
            created_at: Some(deployment.metadata.created_at.clone()),
            modified_at: Some(deployment.metadata.modified_at.clone()),
        }
    }
}

fn conf_of(template: &TemplateSpec) -> BTreeMap<String, Value> {
    template.flink_configuration.iter().map(|(k, v)| (k.clone(), json!(v))).collect()
}

/// The resource setting of a template, as STREAMING or BATCH says.
fn resource_settings(
    mode: ExecutionMode,
    template: &TemplateSpec,
) -> (Option<StreamingResourceSetting>, Option<BatchResourceSetting>) {
    let process = |key: &str| -> Option<ResourceSpec> {
        let given = template.extra.get("resources")?.get(key)?;
        Some(ResourceSpec {
            cpu: given.get("cpu").and_then(Value::as_f64),
            memory: given.get("memory").and_then(Value::as_str).map(str::to_owned),
        })
    };
    let basic = BasicResourceSetting {
        parallelism: template.parallelism,
        jobmanager_resource_setting_spec: process("jobmanager"),
        taskmanager_resource_setting_spec: process("taskmanager"),
    };
    match mode {
        ExecutionMode::Streaming => (
            Some(StreamingResourceSetting {
                resource_setting_mode: Some("BASIC".into()),
                basic_resource_setting: Some(basic),
                expert_resource_setting: None,
            }),
            None,
        ),
        ExecutionMode::Batch => {
            (None, Some(BatchResourceSetting { basic_resource_setting: Some(basic), max_slot: None }))
        }
    }
}

impl AliArtifact {
    /// The console's artifact for this one.
    fn to_console(&self, engine_version: Option<&str>) -> Result<Value, AliError> {
        if self.python_artifact.as_ref().is_some_and(|v| !v.is_null()) {
            return Err(bad("artifact.pythonArtifact", "this console runs no Python jobs"));
        }
        if self.cdc_yaml_artifact.as_ref().is_some_and(|v| !v.is_null()) {
            return Err(bad("artifact.cdcYamlArtifact", "this console runs no CDC YAML jobs"));
        }
        let mut artifact = match self.kind.as_deref().map(str::to_ascii_uppercase).as_deref() {
            Some("JAR") => {
                let jar =
                    self.jar_artifact.clone().ok_or_else(|| bad("artifact.jarArtifact", "a JAR artifact needs it"))?;
                json!({
                    "kind": "JAR",
                    "jarUri": jar.jar_uri,
                    "entryClass": jar.entry_class,
                    "mainArgs": jar.main_args,
                    "additionalDependencies": jar.additional_dependencies.unwrap_or_default(),
                })
            }
            Some("SQLSCRIPT") => {
                let sql = self
                    .sql_artifact
                    .clone()
                    .ok_or_else(|| bad("artifact.sqlArtifact", "a SQLSCRIPT artifact needs it"))?;
                json!({
                    "kind": "SQLSCRIPT",
                    "sqlScript": sql.sql_script,
                    "additionalDependencies": sql.additional_dependencies.unwrap_or_default(),
                })
            }
            Some(other @ ("PYTHON" | "CDCYAML")) => {
                return Err(bad("artifact.kind", &format!("{other}: this console runs JAR and SQLSCRIPT artifacts")));
            }
            Some(other) => return Err(bad("artifact.kind", &format!("{other:?} is not JAR or SQLSCRIPT"))),
            None => return Err(bad("artifact.kind", "is required: JAR or SQLSCRIPT")),
        };
        if let (Some(version), Some(object)) = (engine_version, artifact.as_object_mut()) {
            object.insert("flinkVersion".into(), json!(version));
        }
        // A merge patch: a field not given is removed, as a whole artifact replaces the old one.
        if let Some(object) = artifact.as_object_mut() {
            for field in ["jarUri", "entryClass", "mainArgs", "sqlScript", "flinkVersion"] {
                object.entry(field).or_insert(Value::Null);
            }
        }
        Ok(artifact)
    }

    /// The Alibaba view of a console artifact.
    pub fn of(artifact: &Artifact) -> Self {
        let dependencies =
            (!artifact.additional_dependencies.is_empty()).then(|| artifact.additional_dependencies.clone());
        match artifact.kind {
            ArtifactKind::Jar => Self {
                kind: Some("JAR".into()),
                jar_artifact: Some(JarArtifact {
                    jar_uri: artifact.jar_uri.clone(),
                    entry_class: artifact.entry_class.clone(),
                    main_args: artifact.main_args.clone(),
                    additional_dependencies: dependencies,
                }),
                ..Self::default()
            },
            ArtifactKind::Sqlscript => Self {
                kind: Some("SQLSCRIPT".into()),
                sql_artifact: Some(SqlArtifact {
                    sql_script: artifact.sql_script.clone(),
                    additional_dependencies: dependencies,
                }),
                ..Self::default()
            },
        }
    }
}

/// Alibaba's `currentJobStatus` of a console job: STARTING until Flink runs it, RUNNING, CANCELLING
/// while it stops, then CANCELLED (stopped, with or without a savepoint), FINISHED or FAILED.
pub fn job_status(job: &Job) -> &'static str {
    match job.status.state {
        JobState::Starting | JobState::Standby => "STARTING",
        JobState::Started => match job.status.started.as_ref().and_then(|s| s.observed_flink_job_status.as_deref()) {
            None | Some("INITIALIZING" | "CREATED") => "STARTING",
            Some("FAILING" | "CANCELLING") => "CANCELLING",
            Some(_) => "RUNNING",
        },
        JobState::Terminating => "CANCELLING",
        JobState::Terminated => "CANCELLED",
        JobState::Finished => "FINISHED",
        JobState::Failed => "FAILED",
    }
}

impl AliJob {
    /// The Alibaba view of a console job (`deployment`, if it still exists, gives its execution mode).
    pub fn of(job: &Job, deployment: Option<&Deployment>) -> Self {
        let template = &job.spec.template;
        let mode = deployment.map_or(ExecutionMode::Streaming, |d| d.spec.execution_mode);
        let (streaming, batch) = resource_settings(mode, template);
        let restore = match (&job.spec.savepoint_id, &job.spec.savepoint_location) {
            (Some(id), _) => AliRestoreStrategy {
                kind: Some("FROM_SAVEPOINT".into()),
                savepoint_id: Some(id.clone()),
                allow_non_restored_state: Some(job.spec.allow_non_restored_state),
                job_start_time_in_ms: None,
            },
            (None, Some(_)) => AliRestoreStrategy {
                kind: Some("LATEST_STATE".into()),
                savepoint_id: None,
                allow_non_restored_state: Some(job.spec.allow_non_restored_state),
                job_start_time_in_ms: None,
            },
            (None, None) => AliRestoreStrategy {
                kind: Some("NONE".into()),
                savepoint_id: None,
                allow_non_restored_state: None,
                job_start_time_in_ms: job.spec.source_start_time_ms,
            },
        };
        let started = job.status.started.as_ref();
        let failure = job.status.failure.as_ref().map(|f| AliJobFailure {
            reason: f.reason.clone(),
            message: f.message.clone(),
            failed_at: job.metadata.terminated_at.as_deref().and_then(ms),
        });
        Self {
            job_id: Some(job.metadata.id.clone()),
            deployment_id: Some(job.metadata.deployment_id.clone()),
            deployment_name: job.metadata.deployment_name.clone(),
            namespace: Some(job.metadata.namespace.clone()),
            status: Some(AliJobStatus {
                current_job_status: job_status(job).to_owned(),
                failure,
                running: started.map(|s| AliJobRunning {
                    observed_flink_job_status: s.observed_flink_job_status.clone(),
                    observed_flink_job_restarts: s.observed_flink_job_restarts,
                }),
            }),
            restore_strategy: Some(restore),
            start_time: ms(started.map_or(job.metadata.created_at.as_str(), |s| s.started_at.as_str())),
            end_time: job.metadata.terminated_at.as_deref().and_then(ms),
            artifact: template.artifact.as_ref().map(AliArtifact::of),
            execution_mode: deployment.map(|d| d.spec.execution_mode.as_str().to_owned()),
            engine_version: template.artifact.as_ref().and_then(|a| a.flink_version.clone()),
            streaming_resource_setting: streaming,
            batch_resource_setting: batch,
            flink_conf: Some(conf_of(template)),
            session_cluster_name: job.spec.deployment_target_name.clone(),
            created_at: Some(job.metadata.created_at.clone()),
            modified_at: Some(job.metadata.modified_at.clone()),
        }
    }
}

impl AliSavepoint {
    /// The Alibaba view of a console savepoint.
    pub fn of(savepoint: &Savepoint) -> Self {
        let failed_at =
            (savepoint.status.state == SavepointState::Failed).then(|| ms(&savepoint.metadata.modified_at)).flatten();
        Self {
            savepoint_id: savepoint.metadata.id.clone(),
            deployment_id: savepoint.metadata.deployment_id.clone(),
            job_id: savepoint.metadata.job_id.clone(),
            namespace: savepoint.metadata.namespace.clone(),
            savepoint_location: savepoint.spec.savepoint_location.clone(),
            savepoint_origin: savepoint.metadata.origin.as_str().to_owned(),
            native_format: savepoint.spec.format_type == Some(domain::SavepointFormat::Native),
            status: AliSavepointStatus {
                state: savepoint.status.state.as_str().to_owned(),
                failure: savepoint.status.failure.as_ref().map(|f| AliJobFailure {
                    reason: f.reason.clone(),
                    message: f.message.clone(),
                    failed_at,
                }),
            },
            created_at: ms(&savepoint.metadata.created_at),
            modified_at: ms(&savepoint.metadata.modified_at),
        }
    }
}

impl AliEvent {
    /// The Alibaba view of a console event.
    pub fn of(event: &Event) -> Self {
        Self {
            event_id: event.metadata.id.clone(),
            event_name: event.metadata.name.as_str().to_owned(),
            deployment_id: event.metadata.deployment_id.clone(),
            job_id: event.metadata.job_id.clone(),
            namespace: event.metadata.namespace.clone(),
            message: event.spec.message.clone(),
            created_at: event.metadata.created_at.clone(),
        }
    }
}

/// Maps the console's field names in a refusal of a deployment write to Alibaba's, so the message
/// names the field the caller sent.
pub fn in_alibaba_terms(err: ServiceError) -> ServiceError {
    const NAMES: [(&str, &str); 10] = [
        ("spec.template.spec.artifact.jarUri", "artifact.jarArtifact.jarUri"),
        ("spec.template.spec.artifact.entryClass", "artifact.jarArtifact.entryClass"),
        ("spec.template.spec.artifact.sqlScript", "artifact.sqlArtifact.sqlScript"),
        ("spec.template.spec.artifact", "artifact"),
        ("spec.template.spec.parallelism", "streamingResourceSetting.basicResourceSetting.parallelism"),
        ("spec.template.spec.flinkConfiguration", "flinkConf"),
        ("spec.deploymentTargetName", "deploymentTarget.name"),
        ("spec.executionMode", "executionMode"),
        ("metadata.labels", "labels"),
        ("metadata.name", "name"),
    ];
    match err {
        ServiceError::BadRequest(message) => {
            let mut message = message;
            for (console, alibaba) in NAMES {
                message = message.replace(console, alibaba);
            }
            ServiceError::BadRequest(message)
        }
        other => other,
    }
}
