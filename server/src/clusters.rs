//! The console's one cache of Flink clients, for the engine and the health prober alike: one
//! client per target URL, built once and kept, at most `MAX_CLIENTS` (the oldest is dropped).
//! A session cluster's client — its URL typed by a person — connects only where the network
//! policy permits; only the console's own cluster (`spec.local`) is reached without it.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use domain::{DeploymentTarget, NamespaceName};
use engine::ClusterError;
use flink::network::NetworkPolicy;
use flink::{FlinkClient, FlinkCluster, FlinkError};
use storage::Store;

/// The most clients kept; beyond it the oldest is dropped (and built again when next needed).
pub const MAX_CLIENTS: usize = 256;

/// Which client a target needs: its URL, and whether the network policy applies.
#[derive(Clone, PartialEq, Eq, Debug)]
struct Key {
    url: String,
    policed: bool,
}

pub struct TargetClusters {
    store: Store,
    policy: NetworkPolicy,
    clients: Mutex<VecDeque<(Key, Arc<FlinkClient>)>>,
}

impl TargetClusters {
    /// Clients for the targets in `store`, session clusters checked against `policy`.
    pub fn new(store: Store, policy: NetworkPolicy) -> Self {
        Self { store, policy, clients: Mutex::new(VecDeque::new()) }
    }

    /// The client for `target`'s cluster, or `None` for a kind of target the console cannot reach.
    pub fn client_for(&self, target: &DeploymentTarget) -> Option<Result<Arc<FlinkClient>, FlinkError>> {
        let (url, policed) = match (&target.spec.local, &target.spec.flink_session) {
            (Some(local), _) => (&local.rest_url, false),
            (None, Some(session)) => (&session.url, true),
            (None, None) => return None,
        };
        Some(self.client(Key { url: url.clone(), policed }))
    }

    fn client(&self, key: Key) -> Result<Arc<FlinkClient>, FlinkError> {
        let mut clients = self.clients.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some((_, client)) = clients.iter().find(|(k, _)| *k == key) {
            return Ok(client.clone());
        }
        let client = Arc::new(match key.policed {
            true => FlinkClient::for_session_cluster(&key.url, &self.policy)?,
            false => FlinkClient::new(&key.url)?,
        });
        clients.push_back((key, client.clone()));
        while clients.len() > MAX_CLIENTS {
            clients.pop_front();
        }
        Ok(client)
    }

    /// How many clients are kept now.
    pub fn cached(&self) -> usize {
        self.clients.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).len()
    }
}

#[async_trait]
impl engine::Clusters for TargetClusters {
    async fn cluster(&self, namespace: &NamespaceName, target: &str) -> Result<Arc<dyn FlinkCluster>, ClusterError> {
        // A store that fails says nothing about the target: the engine retries, it does not fail the deployment.
        let found = self
            .store
            .deployment_target(namespace, target)
            .await
            .map_err(|err| ClusterError::Lookup(err.to_string()))?;
        let found = found.ok_or_else(|| {
            ClusterError::NoTarget(format!(
                "no deployment target {target:?} in namespace {namespace}; the deployment cannot run until it names one"
            ))
        })?;
        let client = self.client_for(&found).ok_or_else(|| {
            ClusterError::NoTarget(format!("deployment target {target:?} has no Flink REST URL the console can reach"))
        })?;
        // Building a client fails only when the system cannot make one (TLS setup); try again later.
        Ok(client.map_err(|err| ClusterError::Lookup(err.to_string()))?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::*;

    fn session(url: &str) -> DeploymentTarget {
        DeploymentTarget {
            api_version: API_VERSION.into(),
            kind: "DeploymentTarget".into(),
            metadata: ResourceMetadata {
                display_name: None,
                id: String::new(),
                name: "t".into(),
                namespace: "default".into(),
                labels: Default::default(),
                annotations: Default::default(),
                created_at: String::new(),
                modified_at: String::new(),
                resource_version: 1,
            },
            spec: DeploymentTargetSpec { flink_session: Some(SessionTarget { url: url.into() }), ..Default::default() },
            status: None,
        }
    }

    #[tokio::test]
    async fn the_client_cache_keeps_at_most_its_bound_and_drops_the_oldest() {
        let (store, _database) = storage::testing::fresh_store().await;
        let clusters = TargetClusters::new(store, NetworkPolicy::default());
        let first = clusters.client_for(&session("http://flink-0.example:8081")).expect("reachable").expect("a client");
        let again = clusters.client_for(&session("http://flink-0.example:8081")).expect("reachable").expect("a client");
        assert!(Arc::ptr_eq(&first, &again), "one client per URL");
        for n in 1..=MAX_CLIENTS {
            clusters
                .client_for(&session(&format!("http://flink-{n}.example:8081")))
                .expect("reachable")
                .expect("a client");
        }
        assert_eq!(clusters.cached(), MAX_CLIENTS);
        let rebuilt =
            clusters.client_for(&session("http://flink-0.example:8081")).expect("reachable").expect("a client");
        assert!(!Arc::ptr_eq(&first, &rebuilt), "the oldest was dropped");
    }
}
