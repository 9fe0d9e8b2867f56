//! `GET /api/v2/namespaces/{ns}/events`: a deployment's events, newest first.

use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::Extension;
use domain::{DeploymentQuery, PageRequest};
use serde::Deserialize;
use services::{parse_namespace, Caller, Permission, ServiceError};

use super::envelope::{self, Empty, Envelope, PageQuery};
use super::{bad, uuid_of, AliError, AliEvent};
use crate::AppState;

#[derive(Deserialize, Default, utoipa::IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// The deployment (a UUID); this or `deploymentName` is required.
    deployment_id: Option<String>,
    /// The deployment by name.
    deployment_name: Option<String>,
    #[serde(flatten)]
    #[param(ignore)]
    page: PageQuery,
}

/// GetEvents: a page of a deployment's events, newest first.
#[utoipa::path(get, path = "/api/v2/namespaces/{namespace}/events", tag = super::TAG,
    params(("namespace" = String, Path, description = "The namespace"), ListQuery, PageQuery),
    responses((status = 200, body = Envelope<Vec<AliEvent>>), (status = 400, body = Envelope<Empty>), (status = 404, body = Envelope<Empty>)))]
pub async fn list(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(namespace): Path<String>,
    Query(query): Query<ListQuery>,
) -> Result<Response, AliError> {
    let namespace = parse_namespace(&namespace)?;
    state.services.require(&caller, Permission::ViewDeployments, &namespace).await?;
    let deployment = match (
        query.deployment_id.as_deref().filter(|s| !s.is_empty()),
        query.deployment_name.as_deref().filter(|s| !s.is_empty()),
    ) {
        (Some(raw), _) => uuid_of("deploymentId", raw)?,
        (None, Some(name)) => {
            let search = DeploymentQuery {
                name_contains: DeploymentQuery::name_search(Some(name)).map_err(|why| bad("deploymentName", &why))?,
                ..DeploymentQuery::default()
            };
            let found = state
                .services
                .deployments(&namespace, &search, &PageRequest::first(services::Services::MAX_PAGE_SIZE))
                .await?;
            found
                .items
                .into_iter()
                .find(|d| d.metadata.name == name)
                .map(|d| d.metadata.id)
                .ok_or_else(|| AliError(ServiceError::NotFound(format!("deployment {name:?}"))))?
        }
        (None, None) => return Err(bad("deploymentId", "is required (or deploymentName)")),
    };
    let page = query.page.params()?;
    let mut pager = envelope::Pager::new(page);
    while let Some(request) = pager.next_request() {
        pager.take(state.services.events(&namespace, Some(&deployment), None, None, &request).await?);
    }
    let paged = pager.finish().map(|e| AliEvent::of(&e));
    Ok(envelope::page(paged))
}
