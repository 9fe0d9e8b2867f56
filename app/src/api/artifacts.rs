//! Server functions for a namespace's artifacts (the JARs its deployments run). Uploading is not
//! one: a file is posted as multipart to the REST API's upload, which streams it to disk.

use domain::UploadedArtifact;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// How many artifacts one page of the Artifacts page lists.
pub const ARTIFACTS_PAGE: u32 = 50;

/// What an upload from the page's form did, shown once on the page it returns to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UploadResult {
    /// Whether the artifact is stored.
    pub ok: bool,
    /// What happened, in words.
    pub message: String,
}

/// One page of the Artifacts page: the artifacts, the token of the next page, the largest upload
/// allowed, and the outcome of the upload the person just made (after a form post).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ArtifactPage {
    pub items: Vec<UploadedArtifact>,
    pub continue_token: Option<String>,
    /// The largest upload, in words (`256 MiB`).
    pub max_upload: String,
    pub just_uploaded: Option<UploadResult>,
}

/// A page of the namespace's artifacts, by name: the first, or the one after `after` (viewers).
#[server(endpoint = "list_artifacts")]
pub async fn list_artifacts(namespace: String, after: Option<String>) -> Result<ArtifactPage, AppError> {
    use crate::ssr::{answer, caller, parse_namespace, services, take_upload_result, Permission};

    answer(async {
        let services = services()?;
        let namespace = parse_namespace(&namespace)?;
        services.require(&caller(), Permission::ViewDeployments, &namespace).await?;
        let request = domain::PageRequest::after(ARTIFACTS_PAGE, after);
        let page = services.artifacts(&namespace, &request).await?;
        Ok(ArtifactPage {
            items: page.items,
            continue_token: page.continue_token,
            max_upload: ::services::human_bytes(services.max_artifact_bytes()),
            just_uploaded: take_upload_result(&namespace)?,
        })
    })
    .await
}

/// Deletes an artifact no deployment of the namespace names (editors).
#[server(endpoint = "delete_artifact")]
pub async fn delete_artifact(namespace: String, name: String) -> Result<String, AppError> {
    use crate::ssr::{answer, caller, parse_namespace, services, Permission};

    answer(async {
        let services = services()?;
        let namespace = parse_namespace(&namespace)?;
        services.require(&caller(), Permission::EditDeployments, &namespace).await?;
        let deleted = services.delete_artifact(&caller(), &namespace, &name).await?;
        Ok(deleted.name.to_string())
    })
    .await
}
