//! `GET /api/v2/namespaces/{ns}/deployment-targets`: the namespace's deployment targets by name.

use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::Extension;
use services::{parse_namespace, Caller, Permission};

use super::envelope::{self, Empty, Envelope, PageQuery};
use super::{AliDeploymentTarget, AliError};
use crate::AppState;

/// ListDeploymentTargets: a page of the namespace's deployment targets, by name.
#[utoipa::path(get, path = "/api/v2/namespaces/{namespace}/deployment-targets", tag = super::TAG,
    params(("namespace" = String, Path, description = "The namespace"), PageQuery),
    responses((status = 200, body = Envelope<Vec<AliDeploymentTarget>>), (status = 400, body = Envelope<Empty>), (status = 404, body = Envelope<Empty>)))]
pub async fn list(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(namespace): Path<String>,
    Query(query): Query<PageQuery>,
) -> Result<Response, AliError> {
    let namespace = parse_namespace(&namespace)?;
    state.services.require(&caller, Permission::ViewDeployments, &namespace).await?;
    let page = query.params()?;
    let mut pager = envelope::Pager::new(page);
    while let Some(request) = pager.next_request() {
        pager.take(state.services.deployment_targets(&namespace, &request).await?);
    }
    let paged = pager
        .finish()
        .map(|t| AliDeploymentTarget { name: t.metadata.name.clone(), namespace: t.metadata.namespace.clone() });
    Ok(envelope::page(paged))
}
