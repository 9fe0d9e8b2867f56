//! The `metadata` block shared by every resource.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The `metadata` of every resource: identity, labels, and the version used for optimistic concurrency.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ResourceMetadata {
    pub id: String,
    pub name: String,
    /// Empty only for resources that belong to no namespace (the global deployment defaults).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub namespace: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
    pub created_at: String,
    pub modified_at: String,
    pub resource_version: i64,
}

/// A list of resources in VVP's shape: `{"apiVersion":"v1","kind":"DeploymentList","metadata":{},"items":[…]}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ResourceList<T> {
    pub api_version: String,
    pub kind: String,
    pub metadata: BTreeMap<String, String>,
    pub items: Vec<T>,
}

impl<T> ResourceList<T> {
    /// A list called `kind` (e.g. `DeploymentList`).
    pub fn new(kind: &str, items: Vec<T>) -> Self {
        Self { api_version: crate::API_VERSION.into(), kind: kind.into(), metadata: BTreeMap::new(), items }
    }
}
