//! The DeploymentDefaults resource, and merging it into a deployment (seed 004's semantics). Objects merge key by key,
//! the deployment's values winning; an array in the deployment replaces the default array unless
//! it carries the directive element `{"$patch": "merge", "mergeKey": "<field>"}`, which merges it
//! into the default array instead:
//! - elements of both arrays with equal `<field>` values are merged (recursively, same rules);
//! - default elements without `<field>`, or without a counterpart, are kept in their order;
//! - deployment elements without `<field>`, or without a counterpart, are appended;
//! - a directive without `mergeKey` appends every deployment element to the default array.
//!
//! The directive element never appears in the result.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::{NamespaceName, ResourceMetadata};

/// Whose defaults: every namespace's (set by an admin) or one namespace's (set by its owners).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DefaultsScope {
    /// Every namespace's defaults, set by an admin.
    Global,
    /// One namespace's defaults, set by its owners; they apply over the global ones.
    Namespace(NamespaceName),
}

impl DefaultsScope {
    /// The namespace name, or `""` for the global defaults (`metadata.namespace` is then absent).
    pub fn namespace(&self) -> &str {
        match self {
            Self::Global => "",
            Self::Namespace(name) => name.as_str(),
        }
    }
}

/// Partial deployment `spec` merged beneath every deployment created or changed in its scope.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct DeploymentDefaults {
    /// Always `v1`.
    pub api_version: String,
    /// Always `DeploymentDefaults`.
    pub kind: String,
    /// The namespace (absent for the global defaults) and the version for optimistic concurrency.
    pub metadata: ResourceMetadata,
    /// A partial DeploymentSpec; may carry `$patch: merge` directives for arrays.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub spec: Value,
}

const PATCH: &str = "$patch";
const MERGE_KEY: &str = "mergeKey";

/// `defaults` with `deployment` merged on top.
pub fn merge_defaults(defaults: &Value, deployment: &Value) -> Value {
    match (defaults, deployment) {
        (Value::Object(base), Value::Object(patch)) => Value::Object(merge_objects(base, patch)),
        (Value::Array(base), Value::Array(patch)) => merge_arrays(base, patch),
        (base, Value::Null) => base.clone(),
        (_, patch) => strip_directives(patch),
    }
}

fn merge_objects(base: &Map<String, Value>, patch: &Map<String, Value>) -> Map<String, Value> {
    let mut merged = base.clone();
    for (key, value) in patch {
        let combined = match base.get(key) {
            Some(default) => merge_defaults(default, value),
            None => strip_directives(value),
        };
        merged.insert(key.clone(), combined);
    }
    merged
}

/// What a directive element asks for: `None` if the array has none.
fn directive(patch: &[Value]) -> Option<Option<&str>> {
    patch.iter().find_map(|element| {
        let object = element.as_object()?;
        (object.get(PATCH)?.as_str()? == "merge").then(|| object.get(MERGE_KEY).and_then(Value::as_str))
    })
}

fn is_directive(element: &Value) -> bool {
    element.as_object().is_some_and(|object| object.contains_key(PATCH))
}

fn merge_arrays(base: &[Value], patch: &[Value]) -> Value {
    let Some(merge_key) = directive(patch) else {
        return strip_directives(&Value::Array(patch.to_vec()));
    };
    let mut merged: Vec<Value> = base.to_vec();
    for element in patch.iter().filter(|e| !is_directive(e)) {
        let key_value = merge_key.and_then(|key| element.get(key));
        let counterpart = key_value.and_then(|wanted| {
            let key = merge_key?;
            merged.iter().position(|existing| existing.get(key) == Some(wanted))
        });
        match counterpart {
            Some(index) => merged[index] = merge_defaults(&merged[index], element),
            None => merged.push(strip_directives(element)),
        }
    }
    Value::Array(merged)
}

/// A value with every directive element removed (a deployment's own arrays, when no default exists).
fn strip_directives(value: &Value) -> Value {
    match value {
        Value::Array(items) => Value::Array(items.iter().filter(|e| !is_directive(e)).map(strip_directives).collect()),
        Value::Object(object) => Value::Object(object.iter().map(|(k, v)| (k.clone(), strip_directives(v))).collect()),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::merge_defaults;

    #[test]
    fn objects_merge_and_the_deployment_wins() {
        let defaults = json!({"spec": {"maxJobCreationAttempts": 4, "restoreStrategy": {"kind": "LATEST_STATE", "allowNonRestoredState": false}}});
        let deployment = json!({"spec": {"restoreStrategy": {"kind": "NONE"}, "state": "RUNNING"}});
        assert_eq!(
            merge_defaults(&defaults, &deployment),
            json!({"spec": {"maxJobCreationAttempts": 4, "state": "RUNNING",
                            "restoreStrategy": {"kind": "NONE", "allowNonRestoredState": false}}})
        );
    }

    #[test]
    fn an_array_without_a_directive_replaces_the_default() {
        let defaults = json!({"volumes": [{"name": "a"}, {"name": "b"}]});
        let deployment = json!({"volumes": [{"name": "c"}]});
        assert_eq!(merge_defaults(&defaults, &deployment), json!({"volumes": [{"name": "c"}]}));
    }

    #[test]
    fn a_merge_directive_merges_by_key_keeps_unmatched_defaults_and_appends_the_rest() {
        let defaults = json!({"env": [
            {"name": "a", "value": "1"},
            {"value": "no key, kept"},
            {"name": "b", "value": "2"}
        ]});
        let deployment = json!({"env": [
            {"$patch": "merge", "mergeKey": "name"},
            {"name": "b", "value": "changed"},
            {"name": "c", "value": "new"},
            {"value": "no key, appended"}
        ]});
        assert_eq!(
            merge_defaults(&defaults, &deployment),
            json!({"env": [
                {"name": "a", "value": "1"},
                {"value": "no key, kept"},
                {"name": "b", "value": "changed"},
                {"name": "c", "value": "new"},
                {"value": "no key, appended"}
            ]})
        );
    }

    #[test]
    fn a_directive_without_merge_key_appends() {
        let defaults = json!({"mounts": [{"path": "/a"}]});
        let deployment = json!({"mounts": [{"$patch": "merge"}, {"path": "/a"}]});
        assert_eq!(merge_defaults(&defaults, &deployment), json!({"mounts": [{"path": "/a"}, {"path": "/a"}]}));
    }

    #[test]
    fn nested_arrays_follow_their_own_directives() {
        let defaults = json!({"containers": [
            {"name": "c1", "env": [{"name": "x", "value": "1"}], "volumeMounts": [{"mountPath": "/v1"}]}
        ]});
        let deployment = json!({"containers": [
            {"$patch": "merge", "mergeKey": "name"},
            {"name": "c1", "env": [{"$patch": "merge", "mergeKey": "name"}, {"name": "y", "value": "2"}],
             "volumeMounts": [{"mountPath": "/v9"}]}
        ]});
        assert_eq!(
            merge_defaults(&defaults, &deployment),
            json!({"containers": [
                {"name": "c1", "env": [{"name": "x", "value": "1"}, {"name": "y", "value": "2"}],
                 "volumeMounts": [{"mountPath": "/v9"}]}
            ]})
        );
    }

    #[test]
    fn directives_never_reach_the_result_even_without_defaults() {
        let deployment = json!({"env": [{"$patch": "merge", "mergeKey": "name"}, {"name": "a"}]});
        assert_eq!(merge_defaults(&json!({}), &deployment), json!({"env": [{"name": "a"}]}));
    }
}
