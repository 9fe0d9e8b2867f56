//! What a person sends, made into a fully specified deployment: the body's fields are read and
//! checked (each error names its field), the defaults are expanded beneath it (built-in ← global ←
//! namespace ← the body, seed 004's merge semantics), and a change is applied as a JSON merge patch
//! (RFC 7386). Pure: the caller looks up the defaults and the deployment targets.

use std::collections::BTreeMap;
use std::fmt;

use serde::de::DeserializeOwned;
use serde_json::{json, Map, Value};

use crate::defaults::merge_defaults;
use crate::{DeploymentName, DeploymentSpec, NamespaceName};

/// One thing wrong with the input, at a field path like `spec.template.spec.parallelism`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// The field's path in the document (e.g. `spec.template.spec.parallelism`); empty for the whole input.
    pub field: String,
    /// What is wrong with it, for a person to read.
    pub message: String,
}

impl FieldError {
    /// The error `message` at `field`.
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self { field: field.into(), message: message.into() }
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.field.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.field, self.message)
        }
    }
}

/// Everything wrong with one input; never empty.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidInput(pub Vec<FieldError>);

impl InvalidInput {
    /// Just the error `message` at `field`.
    pub fn one(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self(vec![FieldError::new(field, message)])
    }
}

impl fmt::Display for InvalidInput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self.0.iter().map(ToString::to_string).collect();
        f.write_str(&parts.join("; "))
    }
}

impl std::error::Error for InvalidInput {}

/// The console's own defaults, beneath every global and namespace default.
pub fn builtin_defaults() -> Value {
    json!({
        "state": "CANCELLED",
        "executionMode": "STREAMING",
        "upgradeStrategy": {"kind": "STATEFUL"},
        "restoreStrategy": {"kind": "LATEST_STATE", "allowNonRestoredState": false},
        "maxSavepointCreationAttempts": 4,
        "maxJobCreationAttempts": 4,
        "template": {"spec": {"parallelism": 1}}
    })
}

/// The identity and spec of a deployment as a person asked for it, fully specified.
#[derive(Debug, Clone, PartialEq)]
pub struct DeploymentDraft {
    /// The deployment's name, unique in its namespace (a DNS label).
    pub name: DeploymentName,
    /// A longer name for people; the name is shown without one.
    pub display_name: Option<String>,
    /// Labels to select deployments by (`labelSelector`).
    pub labels: BTreeMap<String, String>,
    /// Annotations kept as given.
    pub annotations: BTreeMap<String, String>,
    /// The spec, with the namespace's and global defaults merged beneath it.
    pub spec: DeploymentSpec,
}

/// Reads a Deployment document (`metadata` + `spec`; `status` is the engine's and ignored) for
/// `namespace`, expanding `defaults` (each a DeploymentDefaults `spec`, lowest first) beneath it.
pub fn draft(
    document: &Value,
    namespace: &NamespaceName,
    defaults: &[&Value],
) -> Result<DeploymentDraft, InvalidInput> {
    let Some(object) = document.as_object() else {
        return Err(InvalidInput::one("", format!("a Deployment must be an object, got {}", kind_of(document))));
    };
    let mut errors = Vec::new();
    let Identity { name, display_name, labels, annotations } =
        read_identity(object, "Deployment", namespace, &mut errors);
    let spec = match object.get("spec") {
        Some(spec @ Value::Object(_)) => expand_spec(spec, defaults, &mut errors),
        None | Some(Value::Null) => {
            errors.push(FieldError::new("spec", "is required"));
            None
        }
        Some(other) => {
            errors.push(FieldError::new("spec", format!("must be an object, got {}", kind_of(other))));
            None
        }
    };
    match (name, spec) {
        (Some(name), Some(spec)) if errors.is_empty() => {
            Ok(DeploymentDraft { name, display_name, labels, annotations, spec })
        }
        _ => Err(InvalidInput(errors)),
    }
}

/// The defaults alone, merged as they would be beneath a deployment that sets nothing: what each
/// field a person leaves empty becomes (a partial DeploymentSpec).
pub fn effective_defaults(defaults: &[&Value]) -> Value {
    expanded(&Value::Object(serde_json::Map::new()), defaults)
}

/// A deployment target as a person registers it: a name and a Flink session cluster's REST URL.
#[derive(Debug, Clone, PartialEq)]
pub struct TargetDraft {
    /// The target's name, unique in its namespace (a DNS label); deployments name it.
    pub name: DeploymentName,
    /// A longer name for people.
    pub display_name: Option<String>,
    /// Labels kept as given.
    pub labels: BTreeMap<String, String>,
    /// The Flink session cluster's REST URL.
    pub session: crate::SessionTarget,
}

/// Reads a DeploymentTarget document naming a Flink session cluster (`spec.flinkSession.url`, an
/// `http://` or `https://` URL of a JobManager's REST endpoint).
pub fn target_draft(document: &Value, namespace: &NamespaceName) -> Result<TargetDraft, InvalidInput> {
    let Some(object) = document.as_object() else {
        return Err(InvalidInput::one("", format!("a DeploymentTarget must be an object, got {}", kind_of(document))));
    };
    let mut errors = Vec::new();
    let Identity { name, display_name, labels, .. } = read_identity(object, "DeploymentTarget", namespace, &mut errors);
    // Unlike a deployment's, a target's name is a DNS label: paths and deployments name it.
    if let Some(Err(err)) = name.as_ref().map(|name| crate::names::check_dns_label(name.as_str())) {
        errors.push(FieldError::new("metadata.name", format!("{err} (a deployment target's name is a DNS label)")));
    }
    let spec = object.get("spec").cloned().unwrap_or(Value::Null);
    if !spec["local"].is_null() {
        errors.push(FieldError::new("spec.local", "only the console registers its own local cluster; register a Flink session cluster with spec.flinkSession.url"));
    }
    if !spec["kubernetes"].is_null() {
        errors.push(FieldError::new(
            "spec.kubernetes",
            "Kubernetes targets are not supported yet; register a Flink session cluster with spec.flinkSession.url",
        ));
    }
    let url = match &spec["flinkSession"]["url"] {
        Value::String(url) => match check_rest_url(url) {
            Ok(url) => Some(url),
            Err(message) => {
                errors.push(FieldError::new("spec.flinkSession.url", message));
                None
            }
        },
        Value::Null => {
            errors.push(FieldError::new(
                "spec.flinkSession.url",
                "is required: the REST URL of the Flink JobManager, e.g. http://flink:8081",
            ));
            None
        }
        other => {
            errors.push(FieldError::new("spec.flinkSession.url", format!("must be a string, got {}", kind_of(other))));
            None
        }
    };
    match (name, url) {
        (Some(name), Some(url)) if errors.is_empty() => {
            Ok(TargetDraft { name, display_name, labels, session: crate::SessionTarget { url } })
        }
        _ => Err(InvalidInput(errors)),
    }
}

/// `scheme://host:port` (see `SessionUrl`), written back in that form: what the console may
/// connect to is decided on the host and port alone, so nothing else may ride along.
fn check_rest_url(raw: &str) -> Result<String, String> {
    crate::network::SessionUrl::parse(raw).map(|url| url.to_string())
}

/// The defaults, lowest first, with `spec` merged on top: what a stored deployment's spec is.
pub fn expanded(spec: &Value, defaults: &[&Value]) -> Value {
    let base = defaults.iter().fold(builtin_defaults(), |merged, layer| merge_defaults(&merged, layer));
    merge_defaults(&base, spec)
}

/// Checks defaults (lowest first, the last one being changed): each is an object, and together
/// with the built-in ones they read as a deployment spec, apart from the artifact.
pub fn check_defaults(defaults: &[&Value]) -> Result<(), InvalidInput> {
    let mut errors = Vec::new();
    if let Some(last) = defaults.last().filter(|spec| !spec.is_object()) {
        errors.push(FieldError::new("spec", format!("must be an object, got {}", kind_of(last))));
        return Err(InvalidInput(errors));
    }
    let merged = expanded(&Value::Object(Map::new()), defaults);
    check_counts(&merged, &mut errors);
    if errors.is_empty() {
        if let Err(err) = typed::<DeploymentSpec>(&merged, "spec") {
            errors.push(err);
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(InvalidInput(errors))
    }
}

fn expand_spec(spec: &Value, defaults: &[&Value], errors: &mut Vec<FieldError>) -> Option<DeploymentSpec> {
    let merged = expanded(spec, defaults);
    let before = errors.len();
    check_counts(&merged, errors);
    if errors.len() > before {
        return None;
    }
    let spec: DeploymentSpec = match typed(&merged, "spec") {
        Ok(spec) => spec,
        Err(err) => {
            errors.push(err);
            return None;
        }
    };
    check_artifact(&spec, errors);
    check_autopilot(&spec, errors);
    (errors.len() == before).then_some(spec)
}

/// `spec.autopilot`, checked on every write of a deployment: each problem of the policy under its
/// field (`spec.autopilot.tuning.targetUtilization: …`), and ACTIVE only where a rescale keeps the
/// job's state — the Autopilot applies a change by a STATEFUL upgrade where Flink cannot rescale
/// in place.
pub fn check_autopilot(spec: &DeploymentSpec, errors: &mut Vec<FieldError>) {
    let Some(policy) = &spec.autopilot else {
        return;
    };
    for problem in policy.validate() {
        errors.push(FieldError::new(format!("spec.autopilot.{}", problem.field), problem.problem));
    }
    if policy.mode == crate::autopilot::Mode::Active
        && spec.upgrade_strategy.kind != crate::UpgradeStrategyKind::Stateful
    {
        errors.push(FieldError::new(
            "spec.autopilot.mode",
            format!(
                "ACTIVE rescales the job by a stateful upgrade, which needs spec.upgradeStrategy.kind STATEFUL (it is {})",
                spec.upgrade_strategy.kind
            ),
        ));
    }
}

/// The whole numbers a spec counts with: at least 1, where they are given.
fn check_counts(spec: &Value, errors: &mut Vec<FieldError>) {
    let counts = [
        ("maxSavepointCreationAttempts", &spec["maxSavepointCreationAttempts"]),
        ("maxJobCreationAttempts", &spec["maxJobCreationAttempts"]),
        ("template.spec.parallelism", &spec["template"]["spec"]["parallelism"]),
        ("template.spec.numberOfTaskManagers", &spec["template"]["spec"]["numberOfTaskManagers"]),
    ];
    for (path, value) in counts {
        if value.is_null() {
            continue;
        }
        let fits = value.as_u64().is_some_and(|n| (1..=u64::from(u32::MAX)).contains(&n));
        if !fits {
            errors.push(FieldError::new(
                format!("spec.{path}"),
                format!("must be a whole number of at least 1, got {value}"),
            ));
        }
    }
}

fn check_artifact(spec: &DeploymentSpec, errors: &mut Vec<FieldError>) {
    let field = "spec.template.spec.artifact";
    let Some(artifact) = &spec.template.spec.artifact else {
        errors.push(FieldError::new(
            field,
            "is required: a deployment runs a JAR (kind JAR, jarUri) or a SQL script (kind SQLSCRIPT, sqlScript)",
        ));
        return;
    };
    let blank = |value: &Option<String>| value.as_deref().is_none_or(|text| text.trim().is_empty());
    match artifact.kind {
        crate::ArtifactKind::Jar if blank(&artifact.jar_uri) => {
            errors.push(FieldError::new(format!("{field}.jarUri"), "is required for a JAR artifact"));
        }
        crate::ArtifactKind::Sqlscript if blank(&artifact.sql_script) => {
            errors.push(FieldError::new(format!("{field}.sqlScript"), "is required for a SQLSCRIPT artifact"));
        }
        _ => {}
    }
}

/// What a resource's envelope says: `kind`, `apiVersion` and the person-given `metadata`.
struct Identity {
    name: Option<DeploymentName>,
    display_name: Option<String>,
    labels: BTreeMap<String, String>,
    annotations: BTreeMap<String, String>,
}

/// Reads and checks a resource's `kind`, `apiVersion` and `metadata` (name, namespace, displayName,
/// labels, annotations), recording what is wrong in `errors`.
fn read_identity(
    object: &Map<String, Value>,
    kind: &str,
    namespace: &NamespaceName,
    errors: &mut Vec<FieldError>,
) -> Identity {
    check_constant(object, "kind", kind, errors);
    check_constant(object, "apiVersion", crate::API_VERSION, errors);
    let empty = Map::new();
    let metadata = match object.get("metadata") {
        Some(Value::Object(metadata)) => metadata,
        None | Some(Value::Null) => &empty,
        Some(other) => {
            errors.push(FieldError::new("metadata", format!("must be an object, got {}", kind_of(other))));
            &empty
        }
    };
    let name = read_name(metadata, errors);
    if let Some(given) = metadata.get("namespace").filter(|v| !v.is_null()) {
        if given.as_str() != Some(namespace.as_str()) {
            errors.push(FieldError::new(
                "metadata.namespace",
                format!("is {given}, but the request is for namespace {namespace:?}"),
            ));
        }
    }
    let display_name = read_field::<Option<String>>(metadata, "displayName", "metadata", errors).flatten();
    let labels = read_field::<BTreeMap<String, String>>(metadata, "labels", "metadata", errors).unwrap_or_default();
    let annotations =
        read_field::<BTreeMap<String, String>>(metadata, "annotations", "metadata", errors).unwrap_or_default();
    for key in labels.keys() {
        if key.is_empty() || key.len() > 63 {
            errors.push(FieldError::new(format!("metadata.labels.{key}"), "a label key has 1 to 63 characters"));
        }
    }
    Identity { name, display_name, labels, annotations }
}

fn read_name(metadata: &Map<String, Value>, errors: &mut Vec<FieldError>) -> Option<DeploymentName> {
    match metadata.get("name") {
        Some(Value::String(raw)) => match DeploymentName::parse(raw) {
            Ok(name) => Some(name),
            Err(err) => {
                errors.push(FieldError::new("metadata.name", err.to_string()));
                None
            }
        },
        None | Some(Value::Null) => {
            errors.push(FieldError::new("metadata.name", "is required"));
            None
        }
        Some(other) => {
            errors.push(FieldError::new("metadata.name", format!("must be a string, got {}", kind_of(other))));
            None
        }
    }
}

fn check_constant(object: &Map<String, Value>, key: &str, expected: &str, errors: &mut Vec<FieldError>) {
    match object.get(key) {
        None | Some(Value::Null) => {}
        Some(Value::String(given)) if given == expected => {}
        Some(other) => errors.push(FieldError::new(key, format!("must be {expected:?}, got {other}"))),
    }
}

fn read_field<T: DeserializeOwned>(
    object: &Map<String, Value>,
    key: &str,
    parent: &str,
    errors: &mut Vec<FieldError>,
) -> Option<T> {
    let value = object.get(key).filter(|v| !v.is_null())?;
    match typed(value, &format!("{parent}.{key}")) {
        Ok(read) => Some(read),
        Err(err) => {
            errors.push(err);
            None
        }
    }
}

/// Reads `value` as `T`, naming the exact field that does not fit (`prefix.a.b[2].c`).
pub fn typed<T: DeserializeOwned>(value: &Value, prefix: &str) -> Result<T, FieldError> {
    serde_path_to_error::deserialize(value).map_err(|err| {
        let path = err.path().to_string();
        let field = match (prefix.is_empty(), path.as_str()) {
            (_, ".") => prefix.to_owned(),
            (true, path) => path.to_owned(),
            (false, path) if path.starts_with('[') => format!("{prefix}{path}"),
            (false, path) => format!("{prefix}.{path}"),
        };
        FieldError::new(field, err.into_inner().to_string())
    })
}

/// Applies an RFC 7386 JSON merge patch: objects merge key by key, `null` removes a key, anything
/// else replaces the target.
pub fn merge_patch(target: &mut Value, patch: &Value) {
    let Value::Object(patch) = patch else {
        *target = patch.clone();
        return;
    };
    if !target.is_object() {
        *target = Value::Object(Map::new());
    }
    if let Value::Object(target) = target {
        for (key, value) in patch {
            if value.is_null() {
                target.remove(key);
            } else {
                merge_patch(target.entry(key.clone()).or_insert(Value::Null), value);
            }
        }
    }
}

/// The RFC 7386 merge patch that turns `from` into `to`: changed keys with their new value
/// (objects compared key by key), removed keys as `null`. `merge_patch(from, diff)` gives `to`
/// whenever `to` holds no `null` (a merge patch cannot set one).
pub fn merge_patch_between(from: &Value, to: &Value) -> Value {
    let (Value::Object(from), Value::Object(to)) = (from, to) else {
        return to.clone();
    };
    let mut patch = Map::new();
    for key in from.keys().filter(|key| !to.contains_key(*key)) {
        patch.insert(key.clone(), Value::Null);
    }
    for (key, value) in to {
        match from.get(key) {
            Some(old) if old == value => {}
            Some(old @ Value::Object(_)) if value.is_object() => {
                patch.insert(key.clone(), merge_patch_between(old, value));
            }
            _ => {
                patch.insert(key.clone(), value.clone());
            }
        }
    }
    Value::Object(patch)
}

/// How a JSON value is called in an error message.
pub fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::{DesiredState, RestoreStrategyKind};

    fn namespace() -> NamespaceName {
        NamespaceName::parse("default").expect("a name")
    }

    fn minimal() -> Value {
        json!({
            "metadata": {"name": "orders", "labels": {"team": "a"}},
            "spec": {"template": {"spec": {"artifact": {"kind": "JAR", "jarUri": "file:///x.jar"}}}}
        })
    }

    #[test]
    fn a_minimal_body_is_completed_by_the_defaults() {
        let namespace_defaults =
            json!({"deploymentTargetName": "local", "restoreStrategy": {"kind": "LATEST_SAVEPOINT"}});
        let draft = draft(&minimal(), &namespace(), &[&namespace_defaults]).expect("valid");
        assert_eq!(draft.name.as_str(), "orders");
        assert_eq!(draft.labels["team"], "a");
        assert_eq!(draft.spec.state, DesiredState::Cancelled);
        assert_eq!(draft.spec.deployment_target_name.as_deref(), Some("local"));
        assert_eq!(draft.spec.restore_strategy.kind, RestoreStrategyKind::LatestSavepoint);
        assert!(!draft.spec.restore_strategy.allow_non_restored_state, "built-in value kept beneath");
        assert_eq!(draft.spec.template.spec.parallelism, Some(1));
        assert_eq!(draft.spec.max_job_creation_attempts, 4);
    }

    #[test]
    fn later_layers_win() {
        let global = json!({"template": {"spec": {"parallelism": 2}}, "maxJobCreationAttempts": 7});
        let ns = json!({"template": {"spec": {"parallelism": 3}}});
        let draft = draft(&minimal(), &namespace(), &[&global, &ns]).expect("valid");
        assert_eq!(draft.spec.template.spec.parallelism, Some(3));
        assert_eq!(draft.spec.max_job_creation_attempts, 7);
    }

    fn errors_of(body: Value) -> Vec<String> {
        match draft(&body, &namespace(), &[]) {
            Ok(draft) => panic!("accepted: {draft:?}"),
            Err(InvalidInput(errors)) => errors.iter().map(ToString::to_string).collect(),
        }
    }

    #[test]
    fn each_bad_field_is_named() {
        let mut body = minimal();
        body["spec"]["template"]["spec"]["parallelism"] = json!(-1);
        assert_eq!(errors_of(body), ["spec.template.spec.parallelism: must be a whole number of at least 1, got -1"]);

        let mut body = minimal();
        body["spec"]["upgradeStrategy"] = json!({"kind": "SOMETIMES"});
        let errors = errors_of(body);
        assert_eq!(errors.len(), 1);
        assert!(errors[0].starts_with("spec.upgradeStrategy.kind: "), "{errors:?}");
        assert!(errors[0].contains("STATELESS, STATEFUL, NONE"), "{errors:?}");

        let mut body = minimal();
        body["metadata"]["name"] = json!("TopSpeedWindowing\u{0}Example");
        body["metadata"]["namespace"] = json!("elsewhere");
        let errors = errors_of(body);
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert_eq!(errors[0], "metadata.name: must not contain the control character '\\0'", "{errors:?}");
        assert!(errors[1].starts_with("metadata.namespace: "), "{errors:?}");

        let mut body = minimal();
        body["spec"]["template"]["spec"]["artifact"] = json!({"kind": "SQLSCRIPT"});
        assert_eq!(errors_of(body), ["spec.template.spec.artifact.sqlScript: is required for a SQLSCRIPT artifact"]);

        assert_eq!(errors_of(json!({"metadata": {"name": "x"}})), ["spec: is required"]);
        assert_eq!(errors_of(json!([1])), ["a Deployment must be an object, got a list"]);
        let errors = errors_of(json!({"kind": "Job", "metadata": {}, "spec": {}}));
        assert_eq!(errors[0], "kind: must be \"Deployment\", got \"Job\"");
        assert_eq!(errors[1], "metadata.name: is required");
    }

    #[test]
    fn an_autopilot_policy_is_checked_field_by_field_and_active_needs_a_stateful_upgrade() {
        let mut body = minimal();
        body["spec"]["autopilot"] = json!({"mode": "MONITORING", "tuning": {"metricsWindowSeconds": 0}});
        assert_eq!(errors_of(body), ["spec.autopilot.tuning.metricsWindowSeconds: must be more than 0"]);

        let mut body = minimal();
        body["spec"]["autopilot"] = json!({"mode": "NOW"});
        let errors = errors_of(body);
        assert!(errors[0].starts_with("spec.autopilot.mode: "), "{errors:?}");

        let mut body = minimal();
        body["spec"]["upgradeStrategy"] = json!({"kind": "STATELESS"});
        body["spec"]["autopilot"] = json!({"mode": "ACTIVE"});
        let errors = errors_of(body);
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(
            errors[0].starts_with("spec.autopilot.mode: ACTIVE rescales the job by a stateful upgrade"),
            "{errors:?}"
        );

        let mut body = minimal();
        body["spec"]["autopilot"] = json!({"mode": "ACTIVE", "strategy": "STABLE"});
        let draft = draft(&body, &namespace(), &[]).expect("a valid policy");
        let policy = draft.spec.autopilot.expect("kept");
        assert_eq!(policy.mode, crate::autopilot::Mode::Active);
        assert_eq!(policy.tuning.metrics_window_seconds, 900, "the rest defaults");
    }

    #[test]
    fn defaults_are_checked_like_a_spec_without_an_artifact() {
        assert_eq!(check_defaults(&[&json!({"deploymentTargetName": "local"})]), Ok(()));
        let err = check_defaults(&[&json!({}), &json!({"restoreStrategy": {"kind": "SOMETIMES"}})]).expect_err("bad");
        assert!(err.to_string().starts_with("spec.restoreStrategy.kind: "), "{err}");
        let err = check_defaults(&[&json!({"maxJobCreationAttempts": 0})]).expect_err("bad");
        assert_eq!(err.to_string(), "spec.maxJobCreationAttempts: must be a whole number of at least 1, got 0");
        let err = check_defaults(&[&json!([])]).expect_err("bad");
        assert_eq!(err.to_string(), "spec: must be an object, got a list");
    }

    #[test]
    fn a_session_target_needs_a_name_and_an_http_url() {
        let ok = target_draft(
            &json!({"metadata": {"name": "prod"}, "spec": {"flinkSession": {"url": "http://jm:8081/"}}}),
            &namespace(),
        )
        .expect("valid");
        assert_eq!(ok.session.url, "http://jm:8081");
        let bad = |doc: Value| target_draft(&doc, &namespace()).expect_err("invalid").to_string();
        assert_eq!(
            bad(json!({"metadata": {"name": "p"}, "spec": {"flinkSession": {"url": "ftp://x"}}})),
            "spec.flinkSession.url: \"ftp://x\" must start with http:// or https://"
        );
        assert_eq!(
            bad(json!({"metadata": {"name": "p"}, "spec": {"flinkSession": {"url": "http://"}}})),
            "spec.flinkSession.url: \"http://\" is not a URL with a host"
        );
        assert!(bad(json!({"metadata": {"name": "p"}, "spec": {"local": {"restUrl": "http://x"}}}))
            .starts_with("spec.local: only the console"));
        assert!(bad(json!({"spec": {"flinkSession": {"url": "http://x"}}})).starts_with("metadata.name: is required"));
        assert_eq!(
            bad(json!({"metadata": {"name": "Not A Name"}, "spec": {"flinkSession": {"url": "http://x"}}})),
            "metadata.name: may contain only lowercase letters, digits and '-', found 'N' (a deployment target's name is a DNS label)"
        );
    }

    #[test]
    fn merge_patch_follows_rfc_7386() {
        let mut target = json!({"a": "b", "c": {"d": "e", "f": "g"}, "list": [1, 2]});
        merge_patch(&mut target, &json!({"a": "z", "c": {"f": null}, "list": [3], "new": {"x": 1}}));
        assert_eq!(target, json!({"a": "z", "c": {"d": "e"}, "list": [3], "new": {"x": 1}}));
        let mut scalar = json!("text");
        merge_patch(&mut scalar, &json!({"a": 1}));
        assert_eq!(scalar, json!({"a": 1}));
    }

    #[test]
    fn the_patch_between_two_documents_turns_one_into_the_other() {
        let cases = [
            (json!({}), json!({"a": 1})),
            (json!({"a": 1, "b": {"c": 2, "d": [1]}}), json!({"b": {"c": 3, "d": [2]}, "e": "x"})),
            (json!({"a": {"b": {"c": 1}}}), json!({"a": {"b": {}}})),
            (json!({"a": {"b": 1}}), json!({"a": "scalar now"})),
            (json!({"a": 1}), json!({})),
        ];
        for (from, to) in cases {
            let patch = merge_patch_between(&from, &to);
            let mut patched = from.clone();
            merge_patch(&mut patched, &patch);
            assert_eq!(patched, to, "patch {patch} from {from}");
        }
        assert_eq!(
            merge_patch_between(
                &json!({"keep": 1, "gone": 2, "o": {"x": 1, "y": 2}}),
                &json!({"keep": 1, "o": {"x": 1}})
            ),
            json!({"gone": null, "o": {"y": null}})
        );
    }
}
