//! The Namespace resource: a named group of deployments, targets and defaults. Members and their
//! roles arrive with users (`docs/access.md`).

use serde::{Deserialize, Serialize};

/// `metadata` of a namespace: its name and when it was created.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct NamespaceMetadata {
    pub name: String,
    pub created_at: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Namespace {
    pub api_version: String,
    pub kind: String,
    pub metadata: NamespaceMetadata,
}

impl Namespace {
    pub fn new(name: &str, created_at: &str) -> Self {
        Self {
            api_version: crate::API_VERSION.into(),
            kind: "Namespace".into(),
            metadata: NamespaceMetadata { name: name.into(), created_at: created_at.into() },
        }
    }
}
