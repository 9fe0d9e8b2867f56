//! The Namespace resource: a named group of deployments, targets and defaults. Members and their
//! roles arrive with users (`docs/access.md`).

use serde::{Deserialize, Serialize};

/// `metadata` of a namespace: its name and when it was created.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct NamespaceMetadata {
    /// The namespace's name (a DNS label), unique in the console.
    pub name: String,
    /// When it was created (RFC 3339).
    pub created_at: String,
}

/// A Namespace resource: a named group of deployments, targets, defaults and members.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Namespace {
    /// Always `v1`.
    pub api_version: String,
    /// Always `Namespace`.
    pub kind: String,
    /// Its name and when it was created.
    pub metadata: NamespaceMetadata,
}

impl Namespace {
    /// The namespace `name`, created at `created_at` (RFC 3339).
    pub fn new(name: &str, created_at: &str) -> Self {
        Self {
            api_version: crate::API_VERSION.into(),
            kind: "Namespace".into(),
            metadata: NamespaceMetadata { name: name.into(), created_at: created_at.into() },
        }
    }
}
