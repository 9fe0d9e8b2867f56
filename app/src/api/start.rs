//! Server functions of the Start dialog (seed 000): what it offers for a deployment, the state
//! compatibility check of the chosen state, and the start itself. The form's fields arrive as
//! text (a plain form post, a query, or the hydrated dialog) and become the API's `StartOptions`
//! in `view_model::start`; the services decide the rest.

use domain::{AcceptedStart, CompatibilityReport};
use leptos::prelude::*;

use crate::error::AppError;
use crate::view_model::start::StartDialogData;
#[cfg(feature = "ssr")]
use crate::view_model::start::StartForm;

/// What the Start dialog offers for deployment `deployment_id`: its states, the namespace's other
/// deployments with states, and which options apply.
#[server(endpoint = "start_dialog")]
pub async fn start_dialog(namespace: String, deployment_id: String) -> Result<StartDialogData, AppError> {
    use crate::ssr::{answer, caller, parse_namespace, services, Permission};

    answer(async {
        let services = services()?;
        let namespace = parse_namespace(&namespace)?;
        services.require(&caller(), Permission::EditDeployments, &namespace).await?;
        crate::ssr::start_dialog_data(&services, &namespace, &deployment_id).await
    })
    .await
}

/// The state compatibility check of the state the dialog's fields choose, against the
/// deployment's current spec; nothing starts.
#[server(endpoint = "check_start_compatibility")]
#[allow(clippy::too_many_arguments)]
pub async fn check_start_compatibility(
    namespace: String,
    deployment_id: String,
    mode: Option<String>,
    strategy: Option<String>,
    savepoint_id: Option<String>,
    other_deployment: Option<String>,
    other_savepoint: Option<String>,
    allow_non_restored_state: Option<String>,
    specify_start_time: Option<String>,
    start_time: Option<String>,
    tz_offset_minutes: Option<String>,
    confirm_incompatible: Option<String>,
) -> Result<CompatibilityReport, AppError> {
    use crate::ssr::{answer, caller, parse_namespace, services, Permission};

    let form = StartForm {
        mode,
        strategy,
        savepoint_id,
        other_deployment,
        other_savepoint,
        allow_non_restored_state,
        specify_start_time,
        start_time,
        tz_offset_minutes,
        confirm_incompatible,
        ..StartForm::default()
    };
    answer(async {
        let services = services()?;
        let namespace = parse_namespace(&namespace)?;
        services.require(&caller(), Permission::EditDeployments, &namespace).await?;
        let options = crate::ssr::start_options(&services, &namespace, &form).await?;
        Ok(services.check_compatibility(&namespace, &deployment_id, &options).await?)
    })
    .await
}

/// Starts the deployment as the dialog's fields say. A plain form post (no JavaScript) is sent on
/// to the deployment's page when the start is accepted, and back to the Start page with the error
/// and the fields as they were when it is refused.
#[server(endpoint = "start_deployment")]
#[allow(clippy::too_many_arguments)]
pub async fn start_deployment(
    namespace: String,
    deployment_id: String,
    mode: Option<String>,
    strategy: Option<String>,
    savepoint_id: Option<String>,
    other_deployment: Option<String>,
    other_savepoint: Option<String>,
    allow_non_restored_state: Option<String>,
    specify_start_time: Option<String>,
    start_time: Option<String>,
    tz_offset_minutes: Option<String>,
    confirm_incompatible: Option<String>,
    tuning: Option<String>,
    tuning_plan: Option<String>,
) -> Result<AcceptedStart, AppError> {
    use crate::ssr::{answer, caller, parse_namespace, plain_form_post, services, Permission};

    let form = StartForm {
        mode,
        strategy,
        savepoint_id,
        other_deployment,
        other_savepoint,
        allow_non_restored_state,
        specify_start_time,
        start_time,
        tz_offset_minutes,
        confirm_incompatible,
        tuning,
        tuning_plan,
    };
    let page = format!(
        "/namespaces/{}/deployments/{}",
        crate::view_model::start::encode(&namespace),
        crate::view_model::start::encode(&deployment_id)
    );
    let result = answer(async {
        let services = services()?;
        let namespace = parse_namespace(&namespace)?;
        services.require(&caller(), Permission::EditDeployments, &namespace).await?;
        let options = crate::ssr::start_options(&services, &namespace, &form).await?;
        // "Configure Autopilot" first: a refusal (e.g. ACTIVE needs a STATEFUL upgrade) stops the start.
        if let Some(setup) = crate::ssr::tuning_setup(&form)? {
            services.configure_tuning(&caller(), &namespace, &deployment_id, &setup).await?;
        }
        Ok(services.start_deployment(&caller(), &namespace, &deployment_id, &options).await?)
    })
    .await;
    if plain_form_post() {
        match &result {
            Ok(_) => leptos_axum::redirect(&page),
            Err(err) => {
                let query = form.to_query();
                let error = crate::view_model::start::encode(&err.to_string());
                leptos_axum::redirect(&format!("{page}/start?{query}&error={error}"));
            }
        }
    }
    result
}
