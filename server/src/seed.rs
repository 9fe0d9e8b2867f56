//! First start: the `default` namespace, its deployment defaults (run on the `local` target) and
//! example deployments of the bundled jobs, so a new console shows what it can do. Runs only when the namespace is created, never over user data.

use std::collections::BTreeMap;
use std::path::Path;

use domain::*;
use storage::{now_rfc3339, StorageError, Store};

pub const DEFAULT_NAMESPACE: &str = "default";

/// Creates the default namespace; if it is new, adds the example deployments.
pub async fn first_start(store: &Store, jobs_dir: &Path) -> Result<(), StorageError> {
    let namespace = NamespaceName::parse(DEFAULT_NAMESPACE)
        .map_err(|err| StorageError::NoSuchNamespace(format!("{DEFAULT_NAMESPACE}: {err}")))?;
    if !store.ensure_namespace(&namespace).await? {
        return Ok(());
    }
    let jar = |name: &str| {
        let path = std::path::absolute(jobs_dir.join(name)).unwrap_or_else(|_| jobs_dir.join(name));
        format!("file://{}", path.display())
    };
    let examples = [
        example(
            "stateful-counter",
            "Stateful counter",
            ExecutionMode::Streaming,
            Artifact {
                kind: ArtifactKind::Jar,
                jar_uri: Some(jar("stateful-job.jar")),
                entry_class: Some("console.examples.StatefulCounter".into()),
                main_args: Some("--rate 50 --keys 100".into()),
                sql_script: None,
                additional_dependencies: Vec::new(),
                flink_version: Some("2.3".into()),
                extra: BTreeMap::new(),
            },
        ),
        example(
            "orders-sql",
            "Orders per minute (SQL)",
            ExecutionMode::Streaming,
            Artifact {
                kind: ArtifactKind::Sqlscript,
                jar_uri: None,
                entry_class: None,
                main_args: None,
                sql_script: Some(
                    "CREATE TEMPORARY TABLE orders (id BIGINT, amount DOUBLE) WITH ('connector' = 'datagen', 'rows-per-second' = '10');\n\
                     CREATE TEMPORARY TABLE sink (id BIGINT, amount DOUBLE) WITH ('connector' = 'blackhole');\n\
                     INSERT INTO sink SELECT id, amount FROM orders;"
                        .into(),
                ),
                additional_dependencies: Vec::new(),
                flink_version: Some("2.3".into()),
                extra: BTreeMap::new(),
            },
        ),
        example(
            "bounded-counter",
            "Bounded counter (batch)",
            ExecutionMode::Batch,
            Artifact {
                kind: ArtifactKind::Jar,
                jar_uri: Some(jar("stateful-job.jar")),
                entry_class: Some("console.examples.StatefulCounter".into()),
                main_args: Some("--count 100000 --rate 0".into()),
                sql_script: None,
                additional_dependencies: Vec::new(),
                flink_version: Some("2.3".into()),
                extra: BTreeMap::new(),
            },
        ),
    ];
    for deployment in &examples {
        store.insert_deployment(deployment).await?;
    }
    let now = now_rfc3339();
    let defaults = DeploymentDefaults {
        api_version: API_VERSION.into(),
        kind: "DeploymentDefaults".into(),
        metadata: ResourceMetadata {
            id: uuid::Uuid::new_v4().to_string(),
            name: "deployment-defaults".into(),
            namespace: DEFAULT_NAMESPACE.into(),
            display_name: None,
            labels: BTreeMap::new(),
            annotations: BTreeMap::new(),
            created_at: now.clone(),
            modified_at: now,
            resource_version: 1,
        },
        spec: serde_json::json!({"deploymentTargetName": "local", "template": {"spec": {"parallelism": 1}}}),
    };
    store.save_deployment_defaults(&DefaultsScope::Namespace(namespace), &defaults, 0).await?;
    tracing::info!(count = examples.len(), "created the default namespace with example deployments");
    Ok(())
}

fn example(name: &str, display_name: &str, mode: ExecutionMode, artifact: Artifact) -> Deployment {
    let now = now_rfc3339();
    Deployment {
        api_version: API_VERSION.into(),
        kind: "Deployment".into(),
        metadata: ResourceMetadata {
            id: uuid::Uuid::new_v4().to_string(),
            name: name.into(),
            namespace: DEFAULT_NAMESPACE.into(),
            display_name: Some(display_name.into()),
            labels: BTreeMap::from([("example".to_owned(), "true".to_owned())]),
            annotations: BTreeMap::new(),
            created_at: now.clone(),
            modified_at: now,
            resource_version: 1,
        },
        spec: DeploymentSpec {
            state: DesiredState::Cancelled,
            execution_mode: mode,
            deployment_target_name: Some("local".into()),
            upgrade_strategy: UpgradeStrategy { kind: UpgradeStrategyKind::Stateful },
            restore_strategy: RestoreStrategy {
                kind: RestoreStrategyKind::LatestState,
                allow_non_restored_state: false,
                max_checkpoint_age: None,
            },
            max_savepoint_creation_attempts: 4,
            max_job_creation_attempts: 4,
            job_failure_expiration_time: None,
            restart_nonce: None,
            savepoint_trigger_nonce: None,
            savepoint_policy: None,
            autopilot: None,
            template: Template {
                spec: TemplateSpec {
                    artifact: Some(artifact),
                    parallelism: Some(1),
                    number_of_task_managers: None,
                    flink_configuration: BTreeMap::new(),
                    extra: BTreeMap::new(),
                },
                extra: BTreeMap::new(),
            },
            extra: BTreeMap::new(),
        },
        status: DeploymentStatus { state: DeploymentState::Cancelled, running: None, failure: None },
    }
}
