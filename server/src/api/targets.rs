//! `/api/v1/namespaces/{ns}/deployment-targets`.

use app::ssr::{parse_namespace, Permission};
use axum::extract::{Path, State};
use axum::Json;
use serde_json::{json, Value};

use super::ApiError;
use crate::AppState;

/// Lists the namespace's targets, each with its cluster's observed health as `status.health`.
pub async fn list(State(state): State<AppState>, Path(namespace): Path<String>) -> Result<Json<Value>, ApiError> {
    let namespace = parse_namespace(&namespace)?;
    state.services.require(Permission::ViewDeployments, &namespace).await?;
    let targets = state.services.store.list_deployment_targets(&namespace).await?;
    let items: Vec<_> = targets.into_iter().map(|t| state.services.health.with_status(t)).collect();
    Ok(Json(json!({"apiVersion": "v1", "kind": "DeploymentTargetList", "metadata": {}, "items": items})))
}
