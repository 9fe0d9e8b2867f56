//! Seed 004's worked example, whole: Deployment Default + new Deployment → the merged result.

use domain::defaults::merge_defaults;
use serde_json::Value;

/// This package's folder as cargo or nextest give it when the test runs: a test binary reused from
/// another checkout that shares the target folder would carry that checkout's path in `env!`.
fn manifest_dir() -> String {
    std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").to_owned())
}

fn fixture(name: &str) -> Value {
    let path = format!("{}/tests/fixtures/seed004/{name}", manifest_dir());
    let text = std::fs::read_to_string(&path).unwrap_or_else(|err| panic!("{path}: {err}"));
    serde_yaml_ng::from_str(&text).unwrap_or_else(|err| panic!("{path} is not YAML: {err}"))
}

#[test]
fn seed_004s_defaults_and_deployment_merge_into_its_result() {
    let merged = merge_defaults(&fixture("defaults.yaml"), &fixture("deployment.yaml"));
    assert_eq!(merged, fixture("merged.yaml"));
}
