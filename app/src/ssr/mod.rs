//! Server-side services for server functions: the store, and the one authorisation entry point
//! every server function and REST handler goes through, and the operations on resources both of
//! them use. Compiled only with `ssr`.

mod deployments;
mod targets;

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use domain::{DeploymentTarget, DeploymentTargetStatus, NamespaceName, TargetHealth};
use leptos::prelude::*;
use storage::Store;

use crate::error::AppError;

/// What server functions may use; provided as Leptos context by the server for every request.
#[derive(Clone)]
pub struct Services {
    pub store: Store,
    pub health: HealthBoard,
    /// Tells the lifecycle engine that a deployment changed, so it acts at once.
    pub nudger: engine::Nudger,
}

/// The last observed health of every deployment target, written by the server's prober.
#[derive(Clone, Default)]
pub struct HealthBoard(Arc<RwLock<HashMap<(String, String), TargetHealth>>>);

impl HealthBoard {
    pub fn set(&self, namespace: &str, target: &str, health: TargetHealth) {
        let mut board = self.0.write().unwrap_or_else(|poisoned| poisoned.into_inner());
        board.insert((namespace.to_owned(), target.to_owned()), health);
    }

    pub fn get(&self, namespace: &str, target: &str) -> TargetHealth {
        let board = self.0.read().unwrap_or_else(|poisoned| poisoned.into_inner());
        board
            .get(&(namespace.to_owned(), target.to_owned()))
            .cloned()
            .unwrap_or_else(|| TargetHealth::unknown("not checked yet"))
    }

    /// The target with its observed health as `status`.
    pub fn with_status(&self, mut target: DeploymentTarget) -> DeploymentTarget {
        let health = self.get(&target.metadata.namespace, &target.metadata.name);
        target.status = Some(DeploymentTargetStatus { health });
        target
    }
}

/// What a caller wants to do; `require` decides whether they may.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    /// Read deployments, jobs, savepoints, events, targets and defaults (viewer).
    ViewDeployments,
    /// Create, change, delete, start, suspend and cancel deployments; take savepoints (editor).
    EditDeployments,
    /// Change the namespace's deployment defaults and targets (owner).
    ManageNamespace,
    /// See the console's status and global settings (anyone signed in).
    ViewSystem,
    /// Change what holds for every namespace, e.g. the global deployment defaults (admin).
    ManageSystem,
}

impl Permission {
    fn describe(self) -> &'static str {
        match self {
            Self::ViewDeployments => "view deployments",
            Self::EditDeployments => "edit deployments",
            Self::ManageNamespace => "manage the namespace",
            Self::ViewSystem => "view the console's status",
            Self::ManageSystem => "manage the console",
        }
    }
}

impl Services {
    /// The one authorisation entry point. A namespace that does not exist (or, once users exist,
    /// that the caller does not belong to) is reported as not found; nothing is written either way.
    pub async fn require(&self, permission: Permission, namespace: &NamespaceName) -> Result<(), AppError> {
        self.authorise(permission, Some(namespace)).await
    }

    /// The entry point for what belongs to no namespace (`ManageSystem`).
    pub async fn require_system(&self, permission: Permission) -> Result<(), AppError> {
        self.authorise(permission, None).await
    }

    async fn authorise(&self, permission: Permission, namespace: Option<&NamespaceName>) -> Result<(), AppError> {
        if let Some(namespace) = namespace {
            if !self.store.namespace_exists(namespace).await? {
                return Err(AppError::NotFound(format!("namespace {namespace}")));
            }
        }
        tracing::debug!(permission = permission.describe(), namespace = ?namespace.map(NamespaceName::as_str), "authorised");
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
