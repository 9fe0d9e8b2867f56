//! Server functions for deployments: list them, read one tab of one, change its desired state, ask
//! for a savepoint, register or copy a savepoint, create one from YAML. Each authorises first; the
//! engine does the rest.

use domain::{DesiredState, EventLevel, ExecutionMode};
use leptos::prelude::*;

use crate::error::AppError;
use crate::view_model::deployment_page::{DeploymentDetail, Tab};
use crate::view_model::deployments::DeploymentsPageData;
use crate::view_model::DeploymentRow;

/// A page of the deployments of `namespace` in one execution mode that the search selects (a name
/// search `q`, a label selector `labels`, a `state`), in the order `sort` names: the first page, or
/// the one after the `after` token of the page before; with the counts by state above the table
/// and the live stream's position. A bad selector, state or order is a 400 saying which and why.
#[server(endpoint = "list_deployments")]
pub async fn list_deployments(
    namespace: String,
    mode: ExecutionMode,
    after: Option<String>,
    q: Option<String>,
    labels: Option<String>,
    state: Option<String>,
    sort: Option<String>,
) -> Result<DeploymentsPageData, AppError> {
    use domain::{DeploymentQuery, DeploymentSort, LabelSelector};

    use crate::ssr::{answer, caller, parse_namespace, services, Permission};
    use crate::view_model::deployments::every_state;
    use crate::view_model::DEPLOYMENTS_PAGE;

    answer(async {
        let services = services()?;
        let namespace = parse_namespace(&namespace)?;
        services.require(&caller(), Permission::ViewDeployments, &namespace).await?;
        let query = DeploymentQuery {
            mode: Some(mode),
            state: DeploymentQuery::state_filter(state.as_deref()).map_err(AppError::BadRequest)?,
            name_contains: DeploymentQuery::name_search(q.as_deref()).map_err(AppError::BadRequest)?,
            labels: LabelSelector::parse(labels.as_deref().unwrap_or_default()).map_err(AppError::BadRequest)?,
            sort: DeploymentSort::parse(sort.as_deref().unwrap_or_default()).map_err(AppError::BadRequest)?,
        };
        // Read before the lists: whatever changes after it reaches the page through the stream.
        let live_from = services.live_position();
        let page = domain::PageRequest::after(DEPLOYMENTS_PAGE, after);
        let deployments = services.deployments(&namespace, &query, &page).await?;
        let counts = services.deployment_counts(&namespace, &query).await?;
        Ok(DeploymentsPageData {
            page: deployments.map(|deployment| DeploymentRow::from(&deployment)),
            counts: every_state(&counts.0),
            live_from,
        })
    })
    .await
}

/// One deployment as its page shows it, with the content of one tab (Overview without `tab`): for
/// Jobs, Savepoints and Events the page after `after` (the `next` token of the page before), the
/// events narrowed to `level` if given.
#[server(endpoint = "get_deployment")]
pub async fn get_deployment(
    namespace: String,
    deployment_id: String,
    tab: Option<Tab>,
    level: Option<EventLevel>,
    after: Option<String>,
) -> Result<DeploymentDetail, AppError> {
    use crate::ssr::{answer, caller, parse_namespace, services, Permission};
    use crate::view_model::deployment_page::PageQuery;

    answer(async {
        let services = services()?;
        let namespace = parse_namespace(&namespace)?;
        services.require(&caller(), Permission::ViewDeployments, &namespace).await?;
        let query = PageQuery { tab: tab.unwrap_or_default(), level, after };
        crate::ssr::deployment_detail(&services, &namespace, &deployment_id, &query).await
    })
    .await
}

/// Asks for a deployment to run, be suspended or be cancelled (its `spec.state`); the engine
/// carries it out and the status shows its progress.
#[server(endpoint = "set_desired_state")]
pub async fn set_desired_state(
    namespace: String,
    deployment_id: String,
    state: DesiredState,
) -> Result<DeploymentRow, AppError> {
    use crate::ssr::{answer, caller, parse_namespace, services, Permission};

    answer(async {
        let services = services()?;
        let namespace = parse_namespace(&namespace)?;
        services.require(&caller(), Permission::EditDeployments, &namespace).await?;
        let deployment = services.set_desired_state(&caller(), &namespace, &deployment_id, state).await?;
        Ok(DeploymentRow::from(&deployment))
    })
    .await
}

/// Asks the engine for a savepoint of a running deployment's job (origin USER_REQUEST).
#[server(endpoint = "take_savepoint")]
pub async fn take_savepoint(namespace: String, deployment_id: String) -> Result<String, AppError> {
    use crate::ssr::{answer, caller, parse_namespace, services, Permission};

    answer(async {
        let services = services()?;
        let namespace = parse_namespace(&namespace)?;
        services.require(&caller(), Permission::EditDeployments, &namespace).await?;
        let deployment = services.deployment(&namespace, &deployment_id).await?;
        let savepoint = services.request_savepoint(&caller(), &deployment).await?;
        Ok(savepoint.metadata.id)
    })
    .await
}

/// Deletes a deployment that is not running (the services refuse a running one, saying why). A
/// plain form post is sent on to the Deployments page when it is deleted, else back to the
/// deployment's page with the reason (`?delete_error=`).
#[server(endpoint = "delete_deployment")]
pub async fn delete_deployment(namespace: String, deployment_id: String) -> Result<String, AppError> {
    use crate::ssr::{answer, caller, parse_namespace, plain_form_post, services, Permission};

    let result = answer(async {
        let services = services()?;
        let ns = parse_namespace(&namespace)?;
        services.require(&caller(), Permission::EditDeployments, &ns).await?;
        let deleted = services.delete_deployment(&caller(), &ns, &deployment_id).await?;
        Ok(deleted.metadata.name)
    })
    .await;
    if plain_form_post() {
        use crate::view_model::start::encode;
        match &result {
            Ok(_) => leptos_axum::redirect(&format!("/namespaces/{}/deployments", encode(&namespace))),
            // Back to the page with the reason, shown in the (open) confirmation.
            Err(err) => leptos_axum::redirect(&format!(
                "/namespaces/{}/deployments/{}?delete_error={}",
                encode(&namespace),
                encode(&deployment_id),
                encode(&err.to_string())
            )),
        }
    }
    result
}

/// Registers an existing savepoint at `location` for a deployment (origin COPIED), through the same
/// path and location policy as `POST …/savepoints`. A plain form post returns to the Savepoints tab.
#[server(endpoint = "register_savepoint")]
pub async fn register_savepoint(
    namespace: String,
    deployment_id: String,
    location: String,
) -> Result<String, AppError> {
    use crate::ssr::{answer, caller, parse_namespace, plain_form_post, services, Permission};

    let result = answer(async {
        let services = services()?;
        let ns = parse_namespace(&namespace)?;
        services.require(&caller(), Permission::EditDeployments, &ns).await?;
        let document = serde_json::json!({
            "metadata": {"deploymentId": deployment_id},
            "spec": {"savepointLocation": location},
        });
        let savepoint = services.create_savepoint(&caller(), &ns, &document).await?;
        Ok(savepoint.metadata.id)
    })
    .await;
    back_to_savepoints(&namespace, &deployment_id, &result, plain_form_post());
    result
}

/// Copies a completed savepoint of the namespace to another of its deployments (a new COPIED
/// savepoint at the same location); answers the copy's id. The services check that the caller may
/// change the target.
#[server(endpoint = "copy_savepoint")]
pub async fn copy_savepoint(
    namespace: String,
    deployment_id: String,
    savepoint_id: String,
    target_deployment_id: String,
) -> Result<String, AppError> {
    use crate::ssr::{answer, caller, parse_namespace, plain_form_post, services, Permission};

    let result = answer(async {
        let services = services()?;
        let ns = parse_namespace(&namespace)?;
        services.require(&caller(), Permission::ViewDeployments, &ns).await?;
        if target_deployment_id.trim().is_empty() {
            return Err(AppError::BadRequest("target_deployment_id: choose the deployment to copy it to".into()));
        }
        let copy = services.copy_savepoint(&caller(), &ns, &savepoint_id, &ns, &target_deployment_id).await?;
        Ok(copy.metadata.id)
    })
    .await;
    back_to_savepoints(&namespace, &deployment_id, &result, plain_form_post());
    result
}

/// A plain form post of the Savepoints tab goes back to it, with the refusal as `error`.
#[cfg(feature = "ssr")]
fn back_to_savepoints(namespace: &str, deployment_id: &str, result: &Result<String, AppError>, plain: bool) {
    back_to_tab(namespace, deployment_id, "savepoints", result, plain);
}

/// Sends a plain form post back to the deployment page's `tab`: with `done` naming the server
/// function when it succeeded, with the error and `failed` naming it when not.
#[cfg(feature = "ssr")]
pub(crate) fn back_to_tab<T>(
    namespace: &str,
    deployment_id: &str,
    tab: &str,
    result: &Result<T, AppError>,
    plain: bool,
) {
    use crate::view_model::start::encode;
    if !plain {
        return;
    }
    let page = format!("/namespaces/{}/deployments/{}?tab={tab}", encode(namespace), encode(deployment_id));
    // Which server function it was, so the tab says it (`done`) or shows the error by its form (`failed`).
    let by = leptos::prelude::use_context::<http::request::Parts>()
        .map(|parts| encode(parts.uri.path()))
        .unwrap_or_default();
    match result {
        Ok(_) => leptos_axum::redirect(&format!("{page}&done={by}")),
        Err(err) => leptos_axum::redirect(&format!("{page}&error={}&failed={by}", encode(&err.to_string()))),
    }
}

/// Creates a deployment from a whole Deployment document in YAML (Ververica Platform's shape), read
/// with the REST API's limits and rules (`POST …/deployments`); answers its id. A plain form post
/// goes on to the new deployment, or back to the form's YAML tab with the error (and the YAML, when
/// it fits in an address).
#[server(endpoint = "create_deployment_from_yaml")]
pub async fn create_deployment_from_yaml(namespace: String, yaml: String) -> Result<String, AppError> {
    use crate::ssr::{answer, caller, parse_namespace, plain_form_post, services, Permission};
    use crate::view_model::start::encode;

    let result = answer(async {
        let services = services()?;
        let ns = parse_namespace(&namespace)?;
        services.require(&caller(), Permission::EditDeployments, &ns).await?;
        if yaml.trim().is_empty() {
            return Err(AppError::BadRequest("yaml: paste a Deployment in YAML".into()));
        }
        let document = services::yaml::read(yaml.clone().into_bytes(), "document").await?;
        let created = services.create_deployment(&caller(), &ns, &document).await?;
        Ok(created.metadata.id)
    })
    .await;
    if plain_form_post() {
        let base = format!("/namespaces/{}/deployments", encode(&namespace));
        match &result {
            Ok(id) => leptos_axum::redirect(&format!("{base}/{}", encode(id))),
            Err(err) => {
                let kept = encode(&yaml);
                let yaml_param =
                    if kept.len() <= MAX_YAML_IN_ADDRESS { format!("&yaml={kept}") } else { String::new() };
                leptos_axum::redirect(&format!("{base}/new?tab=yaml&error={}{yaml_param}", encode(&err.to_string())))
            }
        }
    }
    result
}

/// The longest YAML (percent-encoded) a refused plain form post carries back in the address.
#[cfg(feature = "ssr")]
const MAX_YAML_IN_ADDRESS: usize = 6000;
