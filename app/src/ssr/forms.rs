//! The deployment form on the server: what it shows, and saving it through the services (create,
//! or a merge patch with the version the person saw; a concurrent change says who changed it when).

use domain::{DesiredState, NamespaceName, PageRequest};
use services::{ServiceError, Services};

use super::caller;
use crate::error::AppError;
use crate::view_model::deployment_form::{DefaultsHint, DeploymentForm, DeploymentFormData, Editing};

/// What the deployment form shows for a new deployment or deployment `id`.
pub async fn deployment_form_data(
    services: &Services,
    namespace: &NamespaceName,
    id: Option<&str>,
) -> Result<DeploymentFormData, AppError> {
    let editing = match id {
        Some(id) => {
            let deployment = services.deployment(namespace, id).await?;
            Some(Editing {
                id: deployment.metadata.id.clone(),
                name: deployment.metadata.name.clone(),
                form: DeploymentForm::of(&deployment),
                running: deployment.spec.state == DesiredState::Running,
                upgrade_strategy: deployment.spec.upgrade_strategy.kind.as_str().to_owned(),
            })
        }
        None => None,
    };
    let defaults = DefaultsHint::of(&services.effective_defaults(namespace).await?);
    let targets = services
        .deployment_targets(namespace, &PageRequest::first(Services::MAX_PAGE_SIZE))
        .await?
        .items
        .into_iter()
        .map(|target| target.metadata.name)
        .collect();
    let jars = services.known_jars(namespace).await?;
    Ok(DeploymentFormData { namespace: namespace.as_str().to_owned(), editing, defaults, targets, jars })
}

/// Saves the form: creates a deployment, or patches deployment `id`. Answers the deployment's id.
pub async fn save_deployment_form(
    services: &Services,
    namespace: &NamespaceName,
    id: Option<&str>,
    form: &DeploymentForm,
) -> Result<String, AppError> {
    let problem = |(field, why): (&str, String)| AppError::BadRequest(format!("{field}: {why}"));
    match id {
        None => {
            let document = form.to_document().map_err(problem)?;
            let created = services.create_deployment(&caller(), namespace, &document).await?;
            Ok(created.metadata.id)
        }
        Some(id) => {
            let current = services.deployment(namespace, id).await?;
            let patch = form.to_patch(&current).map_err(problem)?;
            match services.patch_deployment(&caller(), namespace, id, &patch).await {
                Ok(saved) => Ok(saved.metadata.id),
                Err(ServiceError::Conflict(_)) => Err(changed_meanwhile(services, namespace, id).await),
                Err(other) => Err(other.into()),
            }
        }
    }
}

/// "Changed by X at T — reload": who changed the deployment since the form was opened.
async fn changed_meanwhile(services: &Services, namespace: &NamespaceName, id: &str) -> AppError {
    let Ok(current) = services.deployment(namespace, id).await else {
        return AppError::Conflict("the deployment was deleted meanwhile".into());
    };
    let by = services
        .last_change_by(namespace, &current.metadata.name)
        .await
        .ok()
        .flatten()
        .map(|actor| format!(" by {actor}"))
        .unwrap_or_default();
    AppError::Conflict(format!(
        "resource_version: {} was changed{by} at {} (now version {}) after you opened this form — reload to see \
         the change, then edit again",
        current.metadata.name,
        crate::view_model::short_time(&current.metadata.modified_at),
        current.metadata.resource_version
    ))
}
