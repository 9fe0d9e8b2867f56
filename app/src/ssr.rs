//! Server-side services for server functions: the store, and the one authorisation entry point
//! every server function and REST handler goes through. Compiled only with `ssr`.

use domain::NamespaceName;
use leptos::prelude::*;
use storage::Store;

use crate::error::AppError;

/// What server functions may use; provided as Leptos context by the server for every request.
#[derive(Clone)]
pub struct Services {
    pub store: Store,
}

/// What a caller wants to do; `require` decides whether they may.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    ViewDeployments,
}

impl Permission {
    fn describe(self) -> &'static str {
        match self {
            Self::ViewDeployments => "view deployments",
        }
    }
}

impl Services {
    /// The one authorisation entry point. A namespace that does not exist (or, once users exist,
    /// that the caller does not belong to) is reported as not found; nothing is written either way.
    pub async fn require(&self, permission: Permission, namespace: &NamespaceName) -> Result<(), AppError> {
        if !self.store.namespace_exists(namespace).await? {
            return Err(AppError::NotFound(format!("namespace {namespace}")));
        }
        tracing::debug!(permission = permission.describe(), %namespace, "authorised");
        Ok(())
    }
}

/// The services of the current request; absent only if the server forgot to provide them.
pub fn services() -> Result<Services, AppError> {
    use_context::<Services>().ok_or_else(|| {
        tracing::error!("server functions called without Services in context");
        AppError::Internal
    })
}

/// Parses a namespace from a request, reporting a bad one as the user's mistake.
pub fn parse_namespace(raw: &str) -> Result<NamespaceName, AppError> {
    NamespaceName::parse(raw).map_err(|err| AppError::BadRequest(format!("namespace {raw:?}: {err}")))
}

/// Sets the HTTP status of the current server-function or page response from an error.
pub fn set_status_for(err: &AppError) {
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        if let Ok(status) = http::StatusCode::from_u16(err.status_code()) {
            response.set_status(status);
        }
    }
}
