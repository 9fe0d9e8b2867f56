//! Server functions of the deployment form: what it shows (the namespace's defaults as
//! placeholders, its targets, the deployment being edited) and saving it (create, or a merge
//! patch carrying the version the person saw). A plain form post (no JavaScript) is sent on to the
//! deployment's page when saved, and back to the form with the error and the fields when refused.

use leptos::prelude::*;

use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::view_model::deployment_form::DeploymentForm;
use crate::view_model::deployment_form::DeploymentFormData;

/// What the form shows for a new deployment (`deployment_id` absent) or for editing one.
#[server(endpoint = "get_deployment_form")]
pub async fn get_deployment_form(
    namespace: String,
    deployment_id: Option<String>,
) -> Result<DeploymentFormData, AppError> {
    use crate::ssr::{answer, caller, parse_namespace, services, Permission};

    answer(async {
        let services = services()?;
        let namespace = parse_namespace(&namespace)?;
        services.require(&caller(), Permission::EditDeployments, &namespace).await?;
        crate::ssr::deployment_form_data(&services, &namespace, deployment_id.as_deref()).await
    })
    .await
}

/// Creates a deployment from the form (no `deployment_id`) or saves the form over one; answers the
/// deployment's id.
#[server(endpoint = "save_deployment")]
#[allow(clippy::too_many_arguments)]
pub async fn save_deployment(
    namespace: String,
    deployment_id: Option<String>,
    name: Option<String>,
    display_name: Option<String>,
    mode: Option<String>,
    kind: Option<String>,
    jar_uri: Option<String>,
    entry_class: Option<String>,
    main_args: Option<String>,
    sql_script: Option<String>,
    parallelism: Option<String>,
    upgrade_strategy: Option<String>,
    restore_strategy: Option<String>,
    target: Option<String>,
    flink_configuration: Option<String>,
    labels: Option<String>,
    resource_version: Option<String>,
) -> Result<String, AppError> {
    use crate::ssr::{answer, caller, parse_namespace, plain_form_post, services, Permission};
    use crate::view_model::start::encode;

    let form = DeploymentForm {
        name,
        display_name,
        mode,
        kind,
        jar_uri,
        entry_class,
        main_args,
        sql_script,
        parallelism,
        upgrade_strategy,
        restore_strategy,
        target,
        flink_configuration,
        labels,
        resource_version,
    };
    let id = deployment_id.filter(|id| !id.trim().is_empty());
    let result = answer(async {
        let services = services()?;
        let namespace = parse_namespace(&namespace)?;
        services.require(&caller(), Permission::EditDeployments, &namespace).await?;
        crate::ssr::save_deployment_form(&services, &namespace, id.as_deref(), &form).await
    })
    .await;
    if plain_form_post() {
        let base = format!("/namespaces/{}/deployments", encode(&namespace));
        match (&result, &id) {
            (Ok(saved), _) => leptos_axum::redirect(&format!("{base}/{}", encode(saved))),
            (Err(err), Some(id)) => leptos_axum::redirect(&format!(
                "{base}/{}/edit?{}&error={}",
                encode(id),
                form.to_query(),
                encode(&err.to_string())
            )),
            (Err(err), None) => {
                leptos_axum::redirect(&format!("{base}/new?{}&error={}", form.to_query(), encode(&err.to_string())))
            }
        }
    }
    result
}
