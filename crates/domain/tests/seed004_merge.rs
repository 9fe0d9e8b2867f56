//! Seed 004's worked example, whole: Deployment Default + new Deployment → the merged result.

use domain::defaults::merge_defaults;
use serde_json::Value;

fn fixture(name: &str) -> Value {
    let path = format!("{}/tests/fixtures/seed004/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|err| panic!("{path}: {err}"));
    serde_yaml_ng::from_str(&text).unwrap_or_else(|err| panic!("{path} is not YAML: {err}"))
}

#[test]
fn seed_004s_defaults_and_deployment_merge_into_its_result() {
    let merged = merge_defaults(&fixture("defaults.yaml"), &fixture("deployment.yaml"));
    assert_eq!(merged, fixture("merged.yaml"));
}
