//! Deployment targets on the server side: registers the console's own cluster as the `local`
//! target of the default namespace, and probes every target's cluster so the UI and API can show
//! its health. A probe's message says what happened (a status, a refused connection), never what
//! the other side answered: a session cluster's URL may lead anywhere.

use std::sync::Arc;
use std::time::Duration;

use domain::*;
use flink::local::Health;
use flink::FlinkClient;
use services::HealthBoard;

use crate::clusters::TargetClusters;
use storage::{now_rfc3339, StorageError, Store};
use tokio::sync::watch;

use crate::local_flink::FlinkSupervision;
use crate::seed::DEFAULT_NAMESPACE;

pub const LOCAL_TARGET: &str = "local";
const PROBE_EVERY: Duration = Duration::from_secs(3);

/// Registers (or updates) the `local` target for the cluster this console uses. It is `spec.local`
/// also when the cluster is remote (`--flink-url`): the console's own configuration chose it, so the
/// network policy for URLs people type does not apply to it.
pub async fn register_console_cluster(
    store: &Store,
    flink: &FlinkSupervision,
    local_url: &str,
) -> Result<(), StorageError> {
    let spec = match flink {
        FlinkSupervision::Remote(client) => DeploymentTargetSpec {
            local: Some(LocalTarget { rest_url: client.base_url().to_owned() }),
            ..Default::default()
        },
        FlinkSupervision::Local(cluster) => DeploymentTargetSpec {
            local: Some(LocalTarget { rest_url: cluster.config().rest_url() }),
            ..Default::default()
        },
        FlinkSupervision::Unavailable(_) => {
            DeploymentTargetSpec { local: Some(LocalTarget { rest_url: local_url.to_owned() }), ..Default::default() }
        }
    };
    let now = now_rfc3339();
    let target = DeploymentTarget {
        api_version: API_VERSION.into(),
        kind: "DeploymentTarget".into(),
        metadata: ResourceMetadata {
            display_name: None,
            id: uuid::Uuid::new_v4().to_string(),
            name: LOCAL_TARGET.into(),
            namespace: DEFAULT_NAMESPACE.into(),
            labels: Default::default(),
            annotations: Default::default(),
            created_at: now.clone(),
            modified_at: now,
            resource_version: 1,
        },
        spec,
        status: None,
    };
    store.upsert_deployment_target(&target).await.map(|_| ())
}

/// Health of the console's own local cluster, from its supervisor.
fn supervised_health(flink: &FlinkSupervision) -> Option<TargetHealth> {
    let health = |state, message: Option<String>| TargetHealth {
        state,
        message,
        flink_version: None,
        slots_available: None,
        slots_total: None,
    };
    match flink {
        FlinkSupervision::Local(cluster) => Some(match cluster.health() {
            Health::Starting => health(TargetHealthState::Starting, None),
            Health::Healthy { slots_available, flink_version, .. } => TargetHealth {
                flink_version: Some(flink_version),
                slots_available: Some(slots_available),
                ..health(TargetHealthState::Healthy, None)
            },
            Health::Unhealthy { reason } => health(TargetHealthState::Unhealthy, Some(reason)),
            Health::Stopped => health(TargetHealthState::Unhealthy, Some("stopped".into())),
        }),
        FlinkSupervision::Unavailable(reason) => Some(health(TargetHealthState::Unhealthy, Some(reason.clone()))),
        FlinkSupervision::Remote(_) => None,
    }
}

async fn probe(client: &FlinkClient) -> TargetHealth {
    match tokio::time::timeout(Duration::from_secs(3), client.overview()).await {
        Ok(Ok(overview)) => TargetHealth {
            state: if overview.taskmanagers > 0 { TargetHealthState::Healthy } else { TargetHealthState::Starting },
            message: (overview.taskmanagers == 0).then(|| "no TaskManager registered".to_owned()),
            flink_version: Some(overview.flink_version),
            slots_available: Some(overview.slots_available),
            slots_total: Some(overview.slots_total),
        },
        Ok(Err(err)) => {
            TargetHealth { state: TargetHealthState::Unhealthy, ..TargetHealth::unknown(err.summary("/overview")) }
        }
        Err(_) => TargetHealth { state: TargetHealthState::Unhealthy, ..TargetHealth::unknown("no answer within 3 s") },
    }
}

/// Probes every target until `shutdown` turns true, writing what it sees to `board`, through the
/// console's one cache of Flink clients.
pub async fn probe_forever(
    store: Store,
    board: HealthBoard,
    flink: Arc<FlinkSupervision>,
    clusters: Arc<TargetClusters>,
    mut shutdown: watch::Receiver<bool>,
) {
    loop {
        match store.all_deployment_targets().await {
            Ok(targets) => {
                for target in targets {
                    let (namespace, name) = (&target.metadata.namespace, &target.metadata.name);
                    let own = target.spec.local.is_some().then(|| supervised_health(&flink)).flatten();
                    let health = match (own, clusters.client_for(&target)) {
                        (Some(health), _) => health,
                        (None, Some(Ok(client))) => probe(&client).await,
                        (None, Some(Err(err))) => TargetHealth::unknown(err.summary("/overview")),
                        (None, None) => TargetHealth::unknown("the console cannot reach this kind of target yet"),
                    };
                    board.set(namespace, name, health);
                }
            }
            Err(err) => tracing::warn!(error = %err, "cannot read deployment targets to probe them"),
        }
        tokio::select! {
            _ = shutdown.changed() => {}
            _ = tokio::time::sleep(PROBE_EVERY) => {}
        }
        if *shutdown.borrow() {
            return;
        }
    }
}
