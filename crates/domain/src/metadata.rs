//! The `metadata` block shared by every resource.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The `metadata` of every resource: identity, labels, and the version used for optimistic concurrency.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ResourceMetadata {
    /// The resource's id (a UUID), stable across renames.
    pub id: String,
    /// The resource's name, unique among its kind in its namespace (a DNS label).
    pub name: String,
    /// Empty only for resources that belong to no namespace (the global deployment defaults).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub namespace: String,
    /// A longer name for people.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// Labels to select resources by (`labelSelector`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    /// Annotations kept as given.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
    /// When the resource was created (RFC 3339).
    pub created_at: String,
    /// When a person last changed it (RFC 3339).
    pub modified_at: String,
    /// Moves with every change; a write naming an older one is refused (optimistic concurrency).
    pub resource_version: i64,
}

/// A list of resources in VVP's shape: `{"apiVersion":"v1","kind":"DeploymentList","metadata":{},"items":[…]}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ResourceList<T> {
    /// Always `v1`.
    pub api_version: String,
    /// The list's kind, e.g. `DeploymentList`.
    pub kind: String,
    /// Empty: VVP's lists carry no metadata the console fills in.
    pub metadata: BTreeMap<String, String>,
    /// The resources.
    pub items: Vec<T>,
}

impl<T> ResourceList<T> {
    /// A list called `kind` (e.g. `DeploymentList`).
    pub fn new(kind: &str, items: Vec<T>) -> Self {
        Self { api_version: crate::API_VERSION.into(), kind: kind.into(), metadata: BTreeMap::new(), items }
    }
}
