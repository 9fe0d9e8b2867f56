//! The state compatibility check behind the Start dialog: builds the program of the deployment's
//! current spec and, for SQL, of the job that took the savepoint, reads both graphs and the
//! savepoint through the `compat` crate's helper JVM, and lets `compat::judge` decide.

use std::collections::BTreeMap;
use std::path::PathBuf;

use compat::{Inspector, JudgeInput, Judgement, Program};
use domain::{
    ArtifactKind, CompatibilityReport, Deployment, ExecutionMode, JobSpec, NamespaceName, Savepoint, TemplateSpec,
};
use flink::JobId;
use storage::now_rfc3339;

use crate::Services;

/// What the check needs besides the services: the helper JVM and the bundled SQL runner.
#[derive(Clone)]
pub struct CompatibilityChecker {
    /// Reads savepoints and job graphs with Flink's classes (one warm helper JVM).
    pub inspector: Inspector,
    /// The SQL runner jar SQLSCRIPT deployments run with (their graph is built through it).
    pub sql_runner_jar: PathBuf,
}

/// Checks `savepoint` against the current spec of `deployment`. Never fails: what cannot be
/// decided is UNKNOWN with the reason.
pub(crate) async fn check(
    services: &Services,
    deployment: &Deployment,
    savepoint: &Savepoint,
    allow_non_restored_state: bool,
) -> CompatibilityReport {
    let started = std::time::Instant::now();
    let location = savepoint.spec.savepoint_location.clone().unwrap_or_default();
    let judgement = match &services.compat {
        None => Judgement::unknown(
            "the state inspector is not available on this console (it needs Java and a Flink distribution, FLINK_HOME)",
        ),
        Some(checker) => judge(services, checker, deployment, savepoint, &location, allow_non_restored_state).await,
    };
    let took_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    tracing::info!(
        namespace = %deployment.metadata.namespace, deployment = %deployment.metadata.name,
        savepoint = %savepoint.metadata.id, verdict = %judgement.compatibility, took_ms, "state compatibility checked"
    );
    CompatibilityReport {
        compatibility: judgement.compatibility,
        reasons: judgement.reasons,
        suggested_actions: judgement.suggested_actions,
        savepoint_id: Some(savepoint.metadata.id.clone()),
        savepoint_location: location,
        deployment_version: deployment.metadata.resource_version,
        checked_at: now_rfc3339(),
        took_ms,
    }
}

async fn judge(
    services: &Services,
    checker: &CompatibilityChecker,
    deployment: &Deployment,
    savepoint: &Savepoint,
    location: &str,
    allow_non_restored_state: bool,
) -> Judgement {
    let template = &deployment.spec.template.spec;
    let Some(kind) = template.artifact.as_ref().map(|a| a.kind) else {
        return Judgement::unknown("the deployment has no artifact to build a job from");
    };
    let facts = match checker.inspector.savepoint(location).await {
        Ok(facts) => facts,
        Err(err) => return Judgement::unknown(format!("the state at {location} could not be read: {err}")),
    };
    let mode = deployment.spec.execution_mode;
    let Ok(namespace) = NamespaceName::parse(&deployment.metadata.namespace) else {
        return Judgement::unknown("the deployment's namespace is not a valid name");
    };
    // The cluster the job would run on: its configuration is what the job's own options layer over.
    let cluster = match cluster_configuration(services, deployment, &namespace).await {
        Ok(configuration) => configuration,
        Err(why) => return Judgement::unknown(why),
    };
    let new_program = match program_of(services, checker, template, mode, &namespace, &cluster).await {
        Ok(program) => program,
        Err(why) => return Judgement::unknown(format!("the deployment's job cannot be built: {why}")),
    };
    let graph = match checker.inspector.graph(&new_program).await {
        Ok(graph) => graph,
        Err(err) => return Judgement::unknown(format!("the deployment's job graph could not be built: {err}")),
    };
    // The job that took the savepoint: its Flink version, and for SQL its graph (an id match alone
    // does not prove a SQL operator computes the same).
    let old_job = match (&savepoint.metadata.job_id, NamespaceName::parse(&savepoint.metadata.namespace)) {
        (Some(job_id), Ok(namespace)) => services.store.get_job(&namespace, job_id).await.ok().flatten(),
        _ => None,
    };
    let old_template = old_job.as_ref().map(|job| &job.spec.template);
    let old_graph = match (kind, old_template) {
        (ArtifactKind::Sqlscript, Some(old)) => {
            match program_of(services, checker, old, mode, &namespace, &cluster).await {
                Ok(old_program) => checker.inspector.graph(&old_program).await.ok(),
                Err(_) => None,
            }
        }
        _ => None,
    };
    let savepoint_flink_version = old_template.and_then(|t| t.artifact.as_ref()).and_then(|a| a.flink_version.clone());
    let target = deployment.spec.deployment_target_name.as_deref().unwrap_or_default();
    let flink_version = services
        .health
        .get(&deployment.metadata.namespace, target)
        .flink_version
        .or_else(|| template.artifact.as_ref().and_then(|a| a.flink_version.clone()));
    compat::judge(&JudgeInput {
        savepoint: &facts,
        graph: &graph,
        old_graph: old_graph.as_ref(),
        kind,
        allow_non_restored_state,
        savepoint_flink_version: savepoint_flink_version.as_deref(),
        flink_version: flink_version.as_deref(),
        parallelism: template.parallelism,
    })
}

/// The configuration of the cluster behind the deployment's target, which a job submitted there
/// runs under, its own options winning: `pipeline.max-parallelism`, `parallelism.default`,
/// chaining and uid settings there shape the graph Flink restores the state into. Nothing when the
/// console reaches no clusters (no Flink) or the deployment names no target; why not when the
/// cluster does not answer (the verdict would be a guess).
async fn cluster_configuration(
    services: &Services,
    deployment: &Deployment,
    namespace: &NamespaceName,
) -> Result<BTreeMap<String, String>, String> {
    let (Some(clusters), Some(target)) = (&services.clusters, deployment.spec.deployment_target_name.as_deref()) else {
        return Ok(BTreeMap::new());
    };
    let cluster = clusters.cluster(namespace, target).await.map_err(|err| {
        format!("the cluster of deployment target {target} cannot be asked for its configuration: {err}")
    })?;
    cluster
        .configuration()
        .await
        .map_err(|err| format!("the configuration of deployment target {target}'s cluster could not be read: {err}"))
}

/// The program a job of `template` runs, as the engine would submit it to a cluster configured
/// as `cluster`.
async fn program_of(
    services: &Services,
    checker: &CompatibilityChecker,
    template: &TemplateSpec,
    mode: ExecutionMode,
    namespace: &NamespaceName,
    cluster: &BTreeMap<String, String>,
) -> Result<Program, String> {
    let spec = JobSpec {
        template: template.clone(),
        deployment_target_name: None,
        savepoint_location: None,
        savepoint_id: None,
        allow_non_restored_state: false,
        source_start_time_ms: None,
    };
    // A SQL job runs with its namespace's catalog (the engine reads it at submission), so its graph
    // is built with it too; for the job that took the savepoint that is the catalog as it is now.
    let sql_catalog = match template.artifact.as_ref().map(|a| a.kind) {
        Some(ArtifactKind::Sqlscript) => {
            services
                .store
                .sql_catalog(namespace)
                .await
                .map_err(|err| format!("the namespace's SQL catalog could not be read: {err}"))?
                .statements
        }
        _ => Vec::new(),
    };
    let submission = engine::artifact::submission(
        &spec,
        mode,
        &JobId::random(),
        &checker.sql_runner_jar,
        &services.artifacts,
        namespace,
        &sql_catalog,
    )
    .await?;
    Ok(Program::from(&submission).over_cluster_configuration(cluster))
}
