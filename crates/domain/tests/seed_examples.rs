//! The complete Deployment examples of seeds 001 and 004 read into the typed spec without losing
//! anything, and what the console writes back reads into the same spec.

use domain::*;
use serde_json::Value;

/// This package's folder as cargo or nextest give it when the test runs: a test binary reused from
/// another checkout that shares the target folder would carry that checkout's path in `env!`.
fn manifest_dir() -> String {
    std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").to_owned())
}

fn fixture(name: &str) -> Value {
    let path = format!("{}/tests/fixtures/{name}", manifest_dir());
    let text = std::fs::read_to_string(&path).unwrap_or_else(|err| panic!("{path}: {err}"));
    serde_yaml_ng::from_str(&text).unwrap_or_else(|err| panic!("{path} is not YAML: {err}"))
}

/// Reads a document's spec, writes it back, and reads that again: the same spec both times.
fn round_trip(document: &Value) -> (DeploymentSpec, Value) {
    let spec: DeploymentSpec = serde_json::from_value(document["spec"].clone()).expect("the spec reads");
    let written = serde_json::to_value(&spec).expect("the spec writes");
    let reread: DeploymentSpec = serde_json::from_value(written.clone()).expect("what we wrote reads");
    assert_eq!(reread, spec, "export then import gives the same spec");
    (spec, written)
}

#[test]
fn seed_001s_example_imports_with_lowercase_enums_and_keeps_unknown_fields() {
    let document = fixture("seed001-full.yaml");
    let (spec, written) = round_trip(&document);
    assert_eq!(spec.state, DesiredState::Running);
    assert_eq!(spec.restore_strategy.kind, RestoreStrategyKind::LatestSavepoint);
    assert_eq!(spec.upgrade_strategy.kind, UpgradeStrategyKind::Stateless);
    assert_eq!(spec.max_job_creation_attempts, 5);
    let artifact = spec.template.spec.artifact.as_ref().expect("an artifact");
    assert_eq!(artifact.kind, ArtifactKind::Jar);
    assert_eq!(artifact.flink_version.as_deref(), Some("1.6"));
    assert_eq!(spec.template.spec.flink_configuration["taskmanager.numberOfTaskSlots"], "1");
    assert_eq!(written["state"], "RUNNING");
    assert_eq!(written["deploymentTargetId"], document["spec"]["deploymentTargetId"]);
    assert_eq!(written["template"]["spec"]["resources"], document["spec"]["template"]["spec"]["resources"]);
    assert_eq!(written["template"]["spec"]["logging"], document["spec"]["template"]["spec"]["logging"]);
}

#[test]
fn seed_004s_example_imports_and_keeps_every_field() {
    let document = fixture("seed004-full.yaml");
    let (spec, written) = round_trip(&document);
    assert_eq!(spec.deployment_target_name.as_deref(), Some("default"));
    assert_eq!(spec.template.spec.parallelism, Some(2));
    assert_eq!(spec.template.spec.artifact.as_ref().map(|a| a.additional_dependencies.len()), Some(2));
    let original = &document["spec"]["template"];
    assert_eq!(written["template"]["metadata"], original["metadata"]);
    for key in ["resources", "logging", "kubernetes"] {
        assert_eq!(written["template"]["spec"][key], original["spec"][key], "{key} is kept");
    }
    for key in ["flinkImageRegistry", "flinkImageRepository", "flinkImageTag"] {
        assert_eq!(written["template"]["spec"]["artifact"][key], original["spec"]["artifact"][key], "{key} is kept");
    }
    assert_eq!(written["template"]["spec"]["flinkConfiguration"], original["spec"]["flinkConfiguration"]);
}
