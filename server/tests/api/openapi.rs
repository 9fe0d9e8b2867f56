//! The published OpenAPI document agrees with Ververica Platform's reference
//! (`docs/reference/vvp-appmanager-api-2.1.json`): the same paths and methods for the resources we
//! serve, and every VVP enum value accepted by the matching field of ours.

use std::collections::BTreeSet;

use axum::http::StatusCode;
use serde_json::Value;

use crate::support::console;

fn vvp_reference() -> Value {
    let path = format!("{}/../docs/reference/vvp-appmanager-api-2.1.json", crate::support::manifest_dir());
    let text = std::fs::read_to_string(&path).unwrap_or_else(|err| panic!("{path}: {err}"));
    serde_json::from_str(&text).expect("the reference is JSON")
}

const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

/// VVP's operations this console does not serve (yet), each with why.
const NOT_SERVED: [(&str, &str, &str); 5] = [
    ("/api/v1/namespaces/{namespace}/secret-values", "get", "no secret store"),
    ("/api/v1/namespaces/{namespace}/secret-values", "post", "no secret store"),
    ("/api/v1/namespaces/{namespace}/secret-values/{name}", "get", "no secret store"),
    ("/api/v1/namespaces/{namespace}/secret-values/{name}", "patch", "no secret store"),
    ("/api/v1/namespaces/{namespace}/secret-values/{name}", "delete", "no secret store"),
];

fn operations(document: &Value) -> BTreeSet<(String, String)> {
    let mut found = BTreeSet::new();
    for (path, item) in document["paths"].as_object().into_iter().flatten() {
        for method in METHODS {
            if item.get(method).is_some() {
                found.insert((path.clone(), method.to_owned()));
            }
        }
    }
    found
}

#[tokio::test]
async fn every_vvp_operation_is_served_at_the_same_path_unless_listed_as_not_served() {
    let console = console().await;
    let (status, ours) = console.get("/api/v1/openapi.json").await;
    assert_eq!(status, StatusCode::OK, "{ours}");
    assert!(ours["openapi"].as_str().is_some_and(|v| v.starts_with("3.")), "an OpenAPI 3 document");
    let ours = operations(&ours);
    let not_served: BTreeSet<(String, String)> =
        NOT_SERVED.iter().filter(|(p, _, _)| !p.is_empty()).map(|(p, m, _)| (p.to_string(), m.to_string())).collect();
    let mut missing = Vec::new();
    for operation in operations(&vvp_reference()) {
        let served = ours.contains(&operation);
        if served == not_served.contains(&operation) {
            missing.push(format!("{} {}: served={served}", operation.1.to_uppercase(), operation.0));
        }
    }
    assert!(missing.is_empty(), "served and NOT_SERVED disagree for: {missing:#?}");
}

/// `schema` with `$ref`s into `document` followed.
fn resolve<'a>(document: &'a Value, schema: &'a Value) -> &'a Value {
    match schema.get("$ref").and_then(Value::as_str) {
        Some(reference) => {
            let pointer = reference.trim_start_matches('#');
            resolve(document, document.pointer(pointer).unwrap_or(&Value::Null))
        }
        None => schema,
    }
}

fn enum_values(document: &Value, schema: &Value, property: &str) -> BTreeSet<String> {
    let schema = resolve(document, schema);
    let mut property_schema = resolve(document, &schema["properties"][property]);
    if let Some(first) = property_schema.get("oneOf").and_then(|all| all.get(0)) {
        property_schema = resolve(document, first);
    }
    property_schema["enum"].as_array().into_iter().flatten().filter_map(Value::as_str).map(str::to_owned).collect()
}

#[tokio::test]
async fn every_vvp_enum_value_is_accepted_by_the_matching_field() {
    let console = console().await;
    let (_, ours) = console.get("/api/v1/openapi.json").await;
    let vvp = vvp_reference();
    // (VVP definition, property, our schema, property)
    let pairs = [
        ("DeploymentSpec", "state", "DeploymentSpec", "state"),
        ("DeploymentStatus", "state", "DeploymentStatus", "state"),
        ("JobStatus", "state", "JobStatus", "state"),
        ("SavepointMetadata", "origin", "SavepointMetadata", "origin"),
        ("SavepointStatus", "state", "SavepointStatus", "state"),
        ("EventMetadata", "name", "EventMetadata", "name"),
    ];
    for (vvp_name, vvp_property, our_name, our_property) in pairs {
        let theirs = enum_values(&vvp, &vvp["definitions"][vvp_name], vvp_property);
        let ours = enum_values(&ours, &ours["components"]["schemas"][our_name], our_property);
        assert!(!theirs.is_empty(), "{vvp_name}.{vvp_property} has values in the reference");
        let missing: Vec<_> = theirs.difference(&ours).collect();
        assert!(missing.is_empty(), "{our_name}.{our_property} lacks VVP's {missing:?} (ours: {ours:?})");
    }
}
