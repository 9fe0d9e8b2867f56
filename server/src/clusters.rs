//! How the engine finds a deployment's cluster: the target's REST URL (the supervised local
//! cluster's, or a session cluster's), one Flink client per URL, built once and kept.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use domain::NamespaceName;
use engine::ClusterError;
use flink::{FlinkClient, FlinkCluster};
use storage::Store;

pub struct TargetClusters {
    store: Store,
    clients: Mutex<HashMap<String, Arc<FlinkClient>>>,
}

impl TargetClusters {
    pub fn new(store: Store) -> Self {
        Self { store, clients: Mutex::new(HashMap::new()) }
    }

    fn client(&self, url: &str) -> Result<Arc<FlinkClient>, ClusterError> {
        let mut clients = self.clients.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(client) = clients.get(url) {
            return Ok(client.clone());
        }
        // Building a client fails only when the system cannot make one (TLS setup); try again later.
        let client = Arc::new(FlinkClient::new(url).map_err(|err| ClusterError::Lookup(err.to_string()))?);
        clients.insert(url.to_owned(), client.clone());
        Ok(client)
    }
}

#[async_trait]
impl engine::Clusters for TargetClusters {
    async fn cluster(&self, namespace: &NamespaceName, target: &str) -> Result<Arc<dyn FlinkCluster>, ClusterError> {
        // A store that fails says nothing about the target: the engine retries, it does not fail the deployment.
        let targets = self
            .store
            .all_deployment_targets_of_namespace(namespace)
            .await
            .map_err(|err| ClusterError::Lookup(err.to_string()))?;
        let found = targets.iter().find(|t| t.metadata.name == target).ok_or_else(|| {
            ClusterError::NoTarget(format!(
                "no deployment target {target:?} in namespace {namespace}; the deployment cannot run until it names one"
            ))
        })?;
        let url = found.spec.rest_url().ok_or_else(|| {
            ClusterError::NoTarget(format!("deployment target {target:?} has no Flink REST URL the console can reach"))
        })?;
        Ok(self.client(url)?)
    }
}
