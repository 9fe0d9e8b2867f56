//! The deployment form's model (create and edit): its fields as text (the same names in a plain
//! form post, a query and the hydrated form), how they become the API's Deployment document or
//! merge patch, and which field an API error (`<field>: <what is wrong>`) belongs to. Pure and
//! unit-tested; the services check everything again.

use std::collections::BTreeMap;

use domain::{ArtifactKind, Deployment};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

/// The form's fields, all text as a browser sends them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DeploymentForm {
    pub name: Option<String>,
    pub display_name: Option<String>,
    /// STREAMING or BATCH.
    pub mode: Option<String>,
    /// JAR or SQLSCRIPT.
    pub kind: Option<String>,
    pub jar_uri: Option<String>,
    pub entry_class: Option<String>,
    pub main_args: Option<String>,
    pub sql_script: Option<String>,
    pub parallelism: Option<String>,
    /// STATEFUL, STATELESS or NONE.
    pub upgrade_strategy: Option<String>,
    /// LATEST_STATE, LATEST_SAVEPOINT or NONE.
    pub restore_strategy: Option<String>,
    pub target: Option<String>,
    /// One `key: value` per line.
    pub flink_configuration: Option<String>,
    /// One `key=value` per line.
    pub labels: Option<String>,
    /// Edit only: the version the person saw.
    pub resource_version: Option<String>,
}

/// The query keys of the form, in the order `to_query` writes them.
pub const FORM_KEYS: [&str; 15] = [
    "name",
    "display_name",
    "mode",
    "kind",
    "jar_uri",
    "entry_class",
    "main_args",
    "sql_script",
    "parallelism",
    "upgrade_strategy",
    "restore_strategy",
    "target",
    "flink_configuration",
    "labels",
    "resource_version",
];

/// A form field and what is wrong with it.
pub type FieldProblem = (&'static str, String);

fn text(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

impl DeploymentForm {
    /// The form as read from a query or a post (`get` of each key).
    pub fn from_query(get: impl Fn(&str) -> Option<String>) -> Self {
        let field = |key: &str| get(key);
        Self {
            name: field("name"),
            display_name: field("display_name"),
            mode: field("mode"),
            kind: field("kind"),
            jar_uri: field("jar_uri"),
            entry_class: field("entry_class"),
            main_args: field("main_args"),
            sql_script: field("sql_script"),
            parallelism: field("parallelism"),
            upgrade_strategy: field("upgrade_strategy"),
            restore_strategy: field("restore_strategy"),
            target: field("target"),
            flink_configuration: field("flink_configuration"),
            labels: field("labels"),
            resource_version: field("resource_version"),
        }
    }

    fn values(&self) -> [&Option<String>; 15] {
        [
            &self.name,
            &self.display_name,
            &self.mode,
            &self.kind,
            &self.jar_uri,
            &self.entry_class,
            &self.main_args,
            &self.sql_script,
            &self.parallelism,
            &self.upgrade_strategy,
            &self.restore_strategy,
            &self.target,
            &self.flink_configuration,
            &self.labels,
            &self.resource_version,
        ]
    }

    /// Whether nothing was filled in (a fresh form).
    pub fn is_empty(&self) -> bool {
        self == &Self::default()
    }

    /// The fields as a query string (without `?`).
    pub fn to_query(&self) -> String {
        FORM_KEYS
            .iter()
            .zip(self.values())
            .filter_map(|(key, value)| value.as_deref().map(|v| format!("{key}={}", super::start::encode(v))))
            .collect::<Vec<_>>()
            .join("&")
    }

    /// The form of an existing deployment (to edit it).
    pub fn of(deployment: &Deployment) -> Self {
        let spec = &deployment.spec;
        let template = &spec.template.spec;
        let artifact = template.artifact.as_ref();
        let lines = |map: &BTreeMap<String, String>, separator: &str| {
            map.iter().map(|(k, v)| format!("{k}{separator}{v}")).collect::<Vec<_>>().join("\n")
        };
        Self {
            name: Some(deployment.metadata.name.clone()),
            display_name: deployment.metadata.display_name.clone(),
            mode: Some(spec.execution_mode.as_str().into()),
            kind: artifact.map(|a| a.kind.as_str().into()),
            jar_uri: artifact.and_then(|a| a.jar_uri.clone()),
            entry_class: artifact.and_then(|a| a.entry_class.clone()),
            main_args: artifact.and_then(|a| a.main_args.clone()),
            sql_script: artifact.and_then(|a| a.sql_script.clone()),
            parallelism: template.parallelism.map(|p| p.to_string()),
            upgrade_strategy: Some(spec.upgrade_strategy.kind.as_str().into()),
            restore_strategy: Some(spec.restore_strategy.kind.as_str().into()),
            target: spec.deployment_target_name.clone(),
            flink_configuration: Some(lines(&template.flink_configuration, ": ")),
            labels: Some(lines(&deployment.metadata.labels, "=")),
            resource_version: Some(deployment.metadata.resource_version.to_string()),
        }
    }

    fn kind(&self) -> Result<ArtifactKind, FieldProblem> {
        match text(&self.kind) {
            None => Ok(ArtifactKind::Jar),
            Some(raw) => ArtifactKind::parse(raw).ok_or(("kind", format!("{raw:?} is not JAR or SQLSCRIPT"))),
        }
    }

    /// The Deployment document for `POST …/deployments`: only what was filled in, so the
    /// namespace's defaults fill the rest.
    pub fn to_document(&self) -> Result<Value, FieldProblem> {
        let mut metadata = Map::new();
        metadata.insert("name".into(), json!(text(&self.name).ok_or(("name", "a name is required".to_owned()))?));
        if let Some(display) = text(&self.display_name) {
            metadata.insert("displayName".into(), json!(display));
        }
        let labels = pairs(self.labels.as_deref().unwrap_or_default(), '=', "labels")?;
        if !labels.is_empty() {
            metadata.insert("labels".into(), json!(labels));
        }
        Ok(json!({"metadata": metadata, "spec": self.spec()?}))
    }

    /// The JSON merge patch for `PATCH …/deployments/{id}` that makes `current` what the form says,
    /// with the version the person saw (a concurrent change is then a conflict). Cleared fields and
    /// removed labels or configuration keys are sent as `null`.
    pub fn to_patch(&self, current: &Deployment) -> Result<Value, FieldProblem> {
        let version = text(&self.resource_version)
            .ok_or(("resource_version", "the form lost the version it edits; reload".to_owned()))?
            .parse::<i64>()
            .map_err(|_| ("resource_version", "not a version number; reload".to_owned()))?;
        let name = text(&self.name).ok_or(("name", "a name is required".to_owned()))?;
        let mut labels: Map<String, Value> = current.metadata.labels.keys().map(|k| (k.clone(), Value::Null)).collect();
        for (k, v) in pairs(self.labels.as_deref().unwrap_or_default(), '=', "labels")? {
            labels.insert(k, json!(v));
        }
        let mut spec = self.spec()?;
        let mut configuration: Map<String, Value> =
            current.spec.template.spec.flink_configuration.keys().map(|k| (k.clone(), Value::Null)).collect();
        for (k, v) in pairs(self.flink_configuration.as_deref().unwrap_or_default(), ':', "flink_configuration")? {
            configuration.insert(k, json!(v));
        }
        spec["template"]["spec"]["flinkConfiguration"] = Value::Object(configuration);
        // Cleared optional fields go away rather than stay as they were.
        let artifact = &mut spec["template"]["spec"]["artifact"];
        for (field, key) in [
            (&self.jar_uri, "jarUri"),
            (&self.entry_class, "entryClass"),
            (&self.main_args, "mainArgs"),
            (&self.sql_script, "sqlScript"),
        ] {
            if text(field).is_none() {
                artifact[key] = Value::Null;
            }
        }
        if text(&self.parallelism).is_none() {
            spec["template"]["spec"]["parallelism"] = Value::Null;
        }
        Ok(json!({
            "metadata": {
                "name": name,
                "displayName": text(&self.display_name),
                "labels": labels,
                "resourceVersion": version,
            },
            "spec": spec,
        }))
    }

    fn spec(&self) -> Result<Value, FieldProblem> {
        let kind = self.kind()?;
        let mut artifact = Map::new();
        artifact.insert("kind".into(), json!(kind.as_str()));
        match kind {
            ArtifactKind::Jar => {
                let uri =
                    text(&self.jar_uri).ok_or(("jar_uri", "choose an artifact or enter the JAR's URI".to_owned()))?;
                artifact.insert("jarUri".into(), json!(uri));
                if let Some(class) = text(&self.entry_class) {
                    artifact.insert("entryClass".into(), json!(class));
                }
                if let Some(args) = text(&self.main_args) {
                    artifact.insert("mainArgs".into(), json!(args));
                }
            }
            ArtifactKind::Sqlscript => {
                let script =
                    text(&self.sql_script).ok_or(("sql_script", "a SQL deployment needs its script".to_owned()))?;
                artifact.insert("sqlScript".into(), json!(script));
            }
        }
        let mut template = Map::new();
        template.insert("artifact".into(), Value::Object(artifact));
        if let Some(raw) = text(&self.parallelism) {
            let parallelism = raw
                .parse::<u32>()
                .ok()
                .filter(|p| *p >= 1)
                .ok_or(("parallelism", format!("{raw:?} is not a whole number of at least 1")))?;
            template.insert("parallelism".into(), json!(parallelism));
        }
        let configuration = pairs(self.flink_configuration.as_deref().unwrap_or_default(), ':', "flink_configuration")?;
        if !configuration.is_empty() {
            template.insert("flinkConfiguration".into(), json!(configuration));
        }
        let mut spec = Map::new();
        spec.insert("template".into(), json!({"spec": template}));
        if let Some(mode) = text(&self.mode) {
            spec.insert("executionMode".into(), json!(mode));
        }
        if let Some(kind) = text(&self.upgrade_strategy) {
            spec.insert("upgradeStrategy".into(), json!({"kind": kind}));
        }
        if let Some(kind) = text(&self.restore_strategy) {
            spec.insert("restoreStrategy".into(), json!({"kind": kind}));
        }
        if let Some(target) = text(&self.target) {
            spec.insert("deploymentTargetName".into(), json!(target));
        }
        Ok(Value::Object(spec))
    }
}

/// `key<separator>value` lines (blank lines and `#` comments skipped) as a map; a line without the
/// separator or with an empty key names `field` and the line.
fn pairs(text: &str, separator: char, field: &'static str) -> Result<BTreeMap<String, String>, FieldProblem> {
    let mut map = BTreeMap::new();
    for (number, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let Some((key, value)) = line.split_once(separator) else {
            return Err((field, format!("line {}: write key{separator}value", number + 1)));
        };
        let key = key.trim();
        if key.is_empty() {
            return Err((field, format!("line {}: the key is empty", number + 1)));
        }
        map.insert(key.to_owned(), value.trim().to_owned());
    }
    Ok(map)
}

/// The form field an API error concerns (`spec.template.spec.artifact.jarUri: …` → `jar_uri`), or
/// `None` when it concerns the whole form.
pub fn field_of_error(message: &str) -> Option<&'static str> {
    let path = message.split_once(": ").map(|(path, _)| path)?;
    let field = match path {
        p if p.starts_with("metadata.name") => "name",
        p if p.starts_with("metadata.displayName") => "display_name",
        p if p.starts_with("metadata.labels") => "labels",
        p if p.starts_with("metadata.resourceVersion") => "resource_version",
        p if p.starts_with("spec.executionMode") => "mode",
        p if p.starts_with("spec.template.spec.artifact.kind") => "kind",
        p if p.starts_with("spec.template.spec.artifact.jarUri") => "jar_uri",
        p if p.starts_with("spec.template.spec.artifact.entryClass") => "entry_class",
        p if p.starts_with("spec.template.spec.artifact.mainArgs") => "main_args",
        p if p.starts_with("spec.template.spec.artifact.sqlScript") => "sql_script",
        p if p.starts_with("spec.template.spec.artifact") => "kind",
        p if p.starts_with("spec.template.spec.parallelism") => "parallelism",
        p if p.starts_with("spec.template.spec.flinkConfiguration") => "flink_configuration",
        p if p.starts_with("spec.upgradeStrategy") => "upgrade_strategy",
        p if p.starts_with("spec.restoreStrategy") => "restore_strategy",
        p if p.starts_with("spec.deploymentTarget") => "target",
        p if FORM_KEYS.contains(&p) => FORM_KEYS.iter().copied().find(|k| *k == p)?,
        _ => return None,
    };
    Some(field)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(pairs: &[(&str, &str)]) -> DeploymentForm {
        DeploymentForm::from_query(|key| pairs.iter().find(|(k, _)| *k == key).map(|(_, v)| (*v).to_owned()))
    }

    #[test]
    fn a_filled_form_becomes_a_deployment_document_with_only_what_was_given() {
        let document = form(&[
            ("name", "orders"),
            ("mode", "STREAMING"),
            ("kind", "JAR"),
            ("jar_uri", "artifact:///job.jar"),
            ("entry_class", "com.example.Job"),
            ("main_args", "--rate 5"),
            ("parallelism", "2"),
            ("upgrade_strategy", "STATEFUL"),
            ("flink_configuration", "# comment\nstate.backend.type: rocksdb\n\npipeline.max-parallelism: 64"),
            ("labels", "team=data\nenv = prod"),
        ])
        .to_document()
        .expect("valid");
        assert_eq!(document["metadata"]["name"], "orders");
        assert_eq!(document["metadata"]["labels"], json!({"team": "data", "env": "prod"}));
        let template = &document["spec"]["template"]["spec"];
        assert_eq!(
            template["artifact"],
            json!({"kind": "JAR", "jarUri": "artifact:///job.jar", "entryClass": "com.example.Job", "mainArgs": "--rate 5"})
        );
        assert_eq!(template["parallelism"], 2);
        assert_eq!(template["flinkConfiguration"]["state.backend.type"], "rocksdb");
        assert_eq!(document["spec"]["upgradeStrategy"], json!({"kind": "STATEFUL"}));
        assert!(document["spec"].get("restoreStrategy").is_none(), "left to the defaults");
        let sql = form(&[("name", "q"), ("kind", "SQLSCRIPT"), ("sql_script", "INSERT INTO a SELECT 1;")])
            .to_document()
            .expect("valid");
        assert_eq!(sql["spec"]["template"]["spec"]["artifact"]["sqlScript"], "INSERT INTO a SELECT 1;");
    }

    #[test]
    fn a_wrong_form_names_its_field() {
        let cases: [(&[(&str, &str)], &str); 6] = [
            (&[("kind", "JAR"), ("jar_uri", "x.jar")], "name"),
            (&[("name", "a"), ("kind", "JAR")], "jar_uri"),
            (&[("name", "a"), ("kind", "SQLSCRIPT")], "sql_script"),
            (&[("name", "a"), ("kind", "PYTHON")], "kind"),
            (&[("name", "a"), ("jar_uri", "x.jar"), ("parallelism", "0")], "parallelism"),
            (&[("name", "a"), ("jar_uri", "x.jar"), ("flink_configuration", "no separator")], "flink_configuration"),
        ];
        for (pairs, field) in cases {
            assert_eq!(form(pairs).to_document().map_err(|(f, _)| f), Err(field), "{pairs:?}");
        }
    }

    #[test]
    fn api_errors_find_their_field() {
        assert_eq!(field_of_error("spec.template.spec.artifact.jarUri: file:/etc/passwd is outside"), Some("jar_uri"));
        assert_eq!(field_of_error("metadata.name: must not be only white space"), Some("name"));
        assert_eq!(field_of_error("spec.template.spec.parallelism: must be positive"), Some("parallelism"));
        assert_eq!(field_of_error("parallelism: not a number"), Some("parallelism"));
        assert_eq!(field_of_error("deployment x was changed by someone else"), None);
    }
}

/// What the form shows around its fields.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeploymentFormData {
    pub namespace: String,
    /// Editing an existing deployment; `None` for a new one.
    pub editing: Option<Editing>,
    /// The namespace's defaults, shown as placeholders (what an empty field becomes).
    pub defaults: DefaultsHint,
    /// The namespace's deployment targets, by name.
    pub targets: Vec<String>,
    /// JAR URIs the person may pick (the console's example jobs and the namespace's artifacts).
    pub jars: Vec<String>,
}

/// The deployment being edited.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Editing {
    pub id: String,
    pub name: String,
    pub form: DeploymentForm,
    /// A job runs (or is asked to): saving a change to it upgrades the job.
    pub running: bool,
    /// The upgrade strategy that applies (STATEFUL, STATELESS, NONE).
    pub upgrade_strategy: String,
}

/// The defaults an empty field falls back to.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DefaultsHint {
    pub mode: Option<String>,
    pub parallelism: Option<String>,
    pub upgrade_strategy: Option<String>,
    pub restore_strategy: Option<String>,
    pub target: Option<String>,
    pub flink_configuration: Option<String>,
}

impl DefaultsHint {
    /// The hint of merged defaults (a partial DeploymentSpec as JSON).
    pub fn of(spec: &Value) -> Self {
        let text = |value: &Value| match value {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        };
        let configuration = spec["template"]["spec"]["flinkConfiguration"].as_object().map(|map| {
            map.iter().map(|(k, v)| format!("{k}: {}", text(v).unwrap_or_default())).collect::<Vec<_>>().join("\n")
        });
        Self {
            mode: text(&spec["executionMode"]),
            parallelism: text(&spec["template"]["spec"]["parallelism"]),
            upgrade_strategy: text(&spec["upgradeStrategy"]["kind"]),
            restore_strategy: text(&spec["restoreStrategy"]["kind"]),
            target: text(&spec["deploymentTargetName"]),
            flink_configuration: configuration.filter(|c| !c.is_empty()),
        }
    }
}
