//! The Savepoint resource in Ververica Platform's wire shape (`SavepointMetadata`, `SavepointSpec`,
//! `SavepointStatus`), and the reading of a `POST …/savepoints` body. Pure: ids and clocks come
//! from the caller.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::input::{kind_of, typed};
use crate::wire::wire_enum;
use crate::{Failure, FieldError, InvalidInput, NamespaceName};

wire_enum!(
    /// Our addition: the format Flink writes a savepoint in (`spec.formatType`; absent: CANONICAL).
    SavepointFormat {
        /// Flink's canonical format, the same for every state backend.
        Canonical = "CANONICAL",
        /// The state backend's own format (Alibaba's `nativeFormat`): faster to take and to restore,
        /// restorable only with the same state backend.
        Native = "NATIVE",
    }
);

wire_enum!(
    /// Why a savepoint exists (`metadata.origin`).
    SavepointOrigin {
        /// Asked for by a person (`POST …/savepoints`, `savepointTriggerNonce`); never deleted by retention.
        UserRequest = "USER_REQUEST",
        /// Taken by a stateful upgrade before the new spec starts from it.
        SuspendAndUpgrade = "SUSPEND_AND_UPGRADE",
        /// Taken when the deployment was suspended.
        Suspend = "SUSPEND",
        /// Registered from an existing location; no job of ours wrote it.
        Copied = "COPIED",
        /// A checkpoint Flink retained on cancellation, recorded as restorable state.
        RetainedCheckpoint = "RETAINED_CHECKPOINT",
        /// Our addition: taken by the periodic savepoint runner.
        Periodic = "PERIODIC",
    }
);

wire_enum!(
    /// Whether a savepoint can be restored yet (`status.state`).
    SavepointState {
        /// Asked for; Flink has not finished it (or has not been asked yet).
        Started = "STARTED",
        /// Written at `spec.savepointLocation`; a job can start from it.
        Completed = "COMPLETED",
        /// Flink could not take it (`status.failure` says why); nothing to restore.
        Failed = "FAILED",
    }
);

/// A savepoint's `metadata`: its identity, deployment, job and origin.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct SavepointMetadata {
    /// The savepoint's id (a UUID).
    pub id: String,
    /// The namespace of its deployment.
    pub namespace: String,
    /// The deployment whose state it holds.
    pub deployment_id: String,
    /// The job that wrote it; absent for COPIED savepoints.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job_id: Option<String>,
    /// Why it exists; retention deletes only the origins the console took.
    pub origin: SavepointOrigin,
    /// Annotations kept as given; the engine counts "job not ready" retries here.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
    /// When it was asked for or registered (RFC 3339).
    pub created_at: String,
    /// When the row last changed (RFC 3339).
    pub modified_at: String,
    /// Moves with every change of the row (optimistic concurrency).
    pub resource_version: i64,
}

/// A savepoint's `spec`: where it is and the Flink operation that writes it.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct SavepointSpec {
    /// Where Flink wrote it (`file:/…`, `s3://…`); absent until Flink reports it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub savepoint_location: Option<String>,
    /// Flink's trigger id of the savepoint operation, polled until it completes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flink_savepoint_id: Option<String>,
    /// Our addition: the fingerprint of the job graph that wrote the savepoint, compared by the
    /// state compatibility check; absent when unknown (COPIED savepoints).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job_fingerprint: Option<String>,
    /// Our addition: the format it was asked in; absent for CANONICAL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format_type: Option<SavepointFormat>,
}

/// A savepoint's `status`: whether it can be restored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct SavepointStatus {
    /// STARTED, COMPLETED or FAILED.
    pub state: SavepointState,
    /// Why it FAILED (Flink's words).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure: Option<Failure>,
}

/// A Savepoint resource: a snapshot of a deployment's state a job can start from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Savepoint {
    /// Always `v1`.
    pub api_version: String,
    /// Always `Savepoint`.
    pub kind: String,
    /// Identity, deployment, job and origin.
    pub metadata: SavepointMetadata,
    /// Where it is.
    pub spec: SavepointSpec,
    /// Whether it can be restored.
    pub status: SavepointStatus,
}

impl Savepoint {
    /// The `kind` of every savepoint.
    pub const KIND: &'static str = "Savepoint";
}

/// What a `POST …/savepoints` body asks for.
#[derive(Debug, Clone, PartialEq)]
pub enum SavepointRequest {
    /// Record a savepoint that already exists (the body names `spec.savepointLocation`).
    Register(SavepointRegistration),
    /// Take a new savepoint of the deployment's running job (no location in the body).
    Trigger {
        /// The deployment whose running job is to take it.
        deployment_id: String,
    },
}

/// An existing savepoint location to record for a deployment: origin COPIED, state COMPLETED.
#[derive(Debug, Clone, PartialEq)]
pub struct SavepointRegistration {
    /// The deployment the savepoint is recorded for.
    pub deployment_id: String,
    /// Where the savepoint is (`file:/…`, `s3://…`).
    pub location: String,
    /// Annotations kept as given.
    pub annotations: BTreeMap<String, String>,
}

/// The fields of a Savepoint body a client may set; everything else is the server's.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SavepointBody {
    api_version: Option<Value>,
    kind: Option<Value>,
    metadata: Option<SavepointBodyMetadata>,
    spec: Option<SavepointBodySpec>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SavepointBodyMetadata {
    deployment_id: Option<String>,
    namespace: Option<String>,
    origin: Option<SavepointOrigin>,
    annotations: Option<BTreeMap<String, String>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SavepointBodySpec {
    savepoint_location: Option<String>,
}

impl SavepointRequest {
    /// Reads a Savepoint body (VVP's `createSavepoint`: `metadata.deploymentId`, and
    /// `spec.savepointLocation` to register an existing savepoint) sent to `namespace`. Every
    /// error names its field.
    pub fn parse(document: &Value, namespace: &NamespaceName) -> Result<Self, InvalidInput> {
        if !document.is_object() {
            return Err(InvalidInput::one("", format!("a Savepoint must be an object, got {}", kind_of(document))));
        }
        let body: SavepointBody = typed(document, "").map_err(|err| InvalidInput(vec![err]))?;
        let mut errors = Vec::new();
        check_constant(body.kind.as_ref(), "kind", Savepoint::KIND, &mut errors);
        check_constant(body.api_version.as_ref(), "apiVersion", crate::API_VERSION, &mut errors);
        let metadata = body.metadata.unwrap_or(SavepointBodyMetadata {
            deployment_id: None,
            namespace: None,
            origin: None,
            annotations: None,
        });
        if let Some(given) = metadata.namespace.as_deref().filter(|given| *given != namespace.as_str()) {
            errors.push(FieldError::new(
                "metadata.namespace",
                format!("is {given:?}, but the request is for namespace {:?}", namespace.as_str()),
            ));
        }
        let deployment_id = match metadata.deployment_id.as_deref() {
            None => {
                errors.push(FieldError::new(
                    "metadata.deploymentId",
                    "is required: the deployment the savepoint belongs to",
                ));
                None
            }
            Some(raw) => {
                let canonical = canonical_uuid(raw);
                if canonical.is_none() {
                    errors.push(FieldError::new("metadata.deploymentId", format!("{raw:?} is not a UUID")));
                }
                canonical
            }
        };
        let location = match body.spec.and_then(|spec| spec.savepoint_location) {
            None => None,
            Some(raw) => match check_location(&raw) {
                Ok(location) => Some(location),
                Err(message) => {
                    errors.push(FieldError::new("spec.savepointLocation", message));
                    None
                }
            },
        };
        let expected_origin = if location.is_some() { SavepointOrigin::Copied } else { SavepointOrigin::UserRequest };
        if let Some(origin) = metadata.origin.filter(|origin| *origin != expected_origin) {
            let why = match expected_origin {
                SavepointOrigin::Copied => "a body with spec.savepointLocation registers a COPIED savepoint",
                _ => "a body without spec.savepointLocation asks for a USER_REQUEST savepoint",
            };
            errors.push(FieldError::new("metadata.origin", format!("is {origin}, but {why}")));
        }
        match deployment_id {
            Some(deployment_id) if errors.is_empty() => Ok(match location {
                Some(location) => Self::Register(SavepointRegistration {
                    deployment_id,
                    location,
                    annotations: metadata.annotations.unwrap_or_default(),
                }),
                None => Self::Trigger { deployment_id },
            }),
            _ => Err(InvalidInput(errors)),
        }
    }

    /// The deployment the savepoint is for.
    pub fn deployment_id(&self) -> &str {
        match self {
            Self::Register(registration) => &registration.deployment_id,
            Self::Trigger { deployment_id } => deployment_id,
        }
    }
}

impl SavepointRegistration {
    /// The Savepoint resource that records this location, created `now` with `id`.
    pub fn into_savepoint(self, id: String, namespace: &NamespaceName, now: &str) -> Savepoint {
        Savepoint {
            api_version: crate::API_VERSION.into(),
            kind: Savepoint::KIND.into(),
            metadata: SavepointMetadata {
                id,
                namespace: namespace.as_str().into(),
                deployment_id: self.deployment_id,
                job_id: None,
                origin: SavepointOrigin::Copied,
                annotations: self.annotations,
                created_at: now.into(),
                modified_at: now.into(),
                resource_version: 1,
            },
            spec: SavepointSpec {
                savepoint_location: Some(self.location),
                flink_savepoint_id: None,
                job_fingerprint: None,
                format_type: None,
            },
            status: SavepointStatus { state: SavepointState::Completed, failure: None },
        }
    }
}

fn check_constant(given: Option<&Value>, field: &str, expected: &str, errors: &mut Vec<FieldError>) {
    match given {
        None | Some(Value::Null) => {}
        Some(Value::String(given)) if given == expected => {}
        Some(other) => errors.push(FieldError::new(field, format!("must be {expected:?}, got {other}"))),
    }
}

/// A savepoint location is a URI with a scheme (`file:///savepoints/savepoint-1a2b`, `s3://…`),
/// which Flink can restore from wherever its cluster runs.
fn check_location(raw: &str) -> Result<String, String> {
    let location = raw.trim();
    if location.is_empty() {
        return Err("must not be empty: give the savepoint's URI, e.g. file:///savepoints/savepoint-1a2b3c".into());
    }
    let has_scheme = location.split_once(':').is_some_and(|(scheme, rest)| {
        let mut chars = scheme.chars();
        chars.next().is_some_and(|first| first.is_ascii_alphabetic())
            && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
            && !rest.is_empty()
    });
    if !has_scheme || location.chars().any(char::is_whitespace) {
        return Err(format!(
            "{raw:?} is not a URI with a scheme, e.g. file:///savepoints/savepoint-1a2b3c or s3://bucket/path"
        ));
    }
    Ok(location.to_owned())
}

/// The file systems Flink restores savepoints from that a registration may name besides `file:`.
pub const REMOTE_SAVEPOINT_SCHEMES: &[&str] =
    &["s3", "s3a", "s3p", "hdfs", "viewfs", "gs", "oss", "abfs", "abfss", "wasb", "wasbs", "cos", "obs"];

/// Whether a savepoint location a person registers (`check_location` read it already) may be
/// restored from and read: a remote file system of `REMOTE_SAVEPOINT_SCHEMES`, or a `file:` path
/// inside one of `file_roots` (absolute directories where this console's clusters keep their
/// savepoints and checkpoints). Anything else could make the console (its state inspector, or its
/// local cluster) read one of its host's own files for the person. Answers why not.
pub fn check_registrable_location(location: &str, file_roots: &[String]) -> Result<(), String> {
    let Some((scheme, rest)) = location.split_once(':') else {
        return Err(format!("{location:?} is not a URI with a scheme"));
    };
    let scheme = scheme.to_ascii_lowercase();
    if REMOTE_SAVEPOINT_SCHEMES.contains(&scheme.as_str()) {
        return Ok(());
    }
    if scheme != "file" {
        return Err(format!(
            "the scheme {scheme:?} is not a file system Flink restores savepoints from; use file: (inside the \
             console's savepoint directories) or one of {}",
            REMOTE_SAVEPOINT_SCHEMES.join(", ")
        ));
    }
    let allowed = || {
        if file_roots.is_empty() {
            "this console accepts no file: locations (it knows no savepoint directory)".to_owned()
        } else {
            format!("a file: location must lie inside one of {}", file_roots.join(", "))
        }
    };
    // `file:/p`, `file:///p` and `file://localhost/p` name the same local path; another host does not.
    let path = match rest.strip_prefix("//") {
        None => rest,
        Some(authority_and_path) => {
            let (authority, path) =
                authority_and_path.split_at(authority_and_path.find('/').unwrap_or(authority_and_path.len()));
            if !authority.is_empty() && !authority.eq_ignore_ascii_case("localhost") {
                return Err(format!("{location:?} names the host {authority:?}; {}", allowed()));
            }
            path
        }
    };
    let odd = !path.starts_with('/')
        || path.contains('%')
        || path.contains('\\')
        || path.chars().any(char::is_control)
        || path[1..].split('/').any(|segment| matches!(segment, "" | "." | ".."));
    if odd {
        return Err(format!(
            "{location:?} is not a plain absolute path (no `..`, `.`, `//`, `%` or backslash); {}",
            allowed()
        ));
    }
    let inside = file_roots.iter().any(|root| {
        let root = root.trim_end_matches('/');
        !root.is_empty() && path.strip_prefix(root).is_some_and(|below| below.len() > 1 && below.starts_with('/'))
    });
    if inside {
        Ok(())
    } else {
        Err(format!("{location:?} is outside the console's savepoint directories; {}", allowed()))
    }
}

/// `raw` in the canonical text of a UUID (lowercase, hyphenated), if it is one.
fn canonical_uuid(raw: &str) -> Option<String> {
    let groups: Vec<&str> = raw.split('-').collect();
    let lengths: Vec<usize> = groups.iter().map(|group| group.len()).collect();
    let hex = groups.iter().all(|group| group.chars().all(|c| c.is_ascii_hexdigit()));
    (lengths == [8, 4, 4, 4, 12] && hex).then(|| raw.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const DEPLOYMENT: &str = "19570815-2528-4bda-a6ba-733cc29282c4";

    fn vvp_savepoint() -> Value {
        json!({
            "apiVersion": "v1",
            "kind": "Savepoint",
            "metadata": {
                "id": "0b9f2c7e-6f0a-4c55-9f7e-3c1d2b4a5e6f",
                "namespace": "default",
                "deploymentId": DEPLOYMENT,
                "jobId": "5b2f8a64-53a4-4bd2-9bd4-1e7ff1a1f6a9",
                "origin": "SUSPEND_AND_UPGRADE",
                "annotations": {"reason": "parallelism 2 -> 4"},
                "createdAt": "2021-03-01T11:00:00Z",
                "modifiedAt": "2021-03-01T11:00:09Z",
                "resourceVersion": 2
            },
            "spec": {
                "savepointLocation": "s3://flink/savepoints/savepoint-5b2f8a-0123456789ab",
                "flinkSavepointId": "7c1e9d0f-2a3b-4c5d-8e9f-a0b1c2d3e4f5",
                "jobFingerprint": "sha256:1f2e3d4c"
            },
            "status": {"state": "COMPLETED"}
        })
    }

    fn namespace() -> NamespaceName {
        NamespaceName::parse("default").expect("a name")
    }

    fn errors_of(body: Value) -> Vec<String> {
        match SavepointRequest::parse(&body, &namespace()) {
            Ok(request) => panic!("accepted: {request:?}"),
            Err(InvalidInput(errors)) => errors.iter().map(ToString::to_string).collect(),
        }
    }

    #[test]
    fn a_vvp_savepoint_reads_and_writes_back_unchanged() {
        let savepoint: Savepoint = serde_json::from_value(vvp_savepoint()).expect("a VVP savepoint parses");
        assert_eq!(savepoint.metadata.origin, SavepointOrigin::SuspendAndUpgrade);
        assert_eq!(savepoint.status.state, SavepointState::Completed);
        assert_eq!(savepoint.spec.job_fingerprint.as_deref(), Some("sha256:1f2e3d4c"));
        assert_eq!(serde_json::to_value(&savepoint).expect("serialises"), vvp_savepoint());
    }

    #[test]
    fn origins_are_vvps_plus_periodic() {
        let origins: Vec<_> = SavepointOrigin::ALL.iter().map(|o| o.as_str()).collect();
        assert_eq!(
            origins,
            ["USER_REQUEST", "SUSPEND_AND_UPGRADE", "SUSPEND", "COPIED", "RETAINED_CHECKPOINT", "PERIODIC"]
        );
        let failed: SavepointStatus =
            serde_json::from_value(json!({"state": "failed", "failure": {"reason": "R", "message": "M"}}))
                .expect("a failed status parses");
        assert_eq!(failed.state, SavepointState::Failed);
    }

    #[test]
    fn a_body_with_a_location_registers_a_copied_completed_savepoint() {
        let body = json!({
            "metadata": {"deploymentId": DEPLOYMENT.to_uppercase(), "annotations": {"from": "prod"}},
            "spec": {"savepointLocation": " file:///savepoints/savepoint-1a2b "}
        });
        let request = SavepointRequest::parse(&body, &namespace()).expect("valid");
        assert_eq!(request.deployment_id(), DEPLOYMENT, "the id is read in its canonical form");
        let SavepointRequest::Register(registration) = request else { panic!("a registration: {request:?}") };
        assert_eq!(registration.location, "file:///savepoints/savepoint-1a2b");
        let savepoint = registration.into_savepoint("id-1".into(), &namespace(), "2021-03-01T11:00:00Z");
        assert_eq!(savepoint.kind, "Savepoint");
        assert_eq!(savepoint.metadata.origin, SavepointOrigin::Copied);
        assert_eq!(savepoint.metadata.job_id, None);
        assert_eq!(savepoint.metadata.annotations["from"], "prod");
        assert_eq!(savepoint.status.state, SavepointState::Completed);
        assert_eq!(savepoint.spec.savepoint_location.as_deref(), Some("file:///savepoints/savepoint-1a2b"));
    }

    #[test]
    fn a_registered_location_is_remote_or_inside_a_savepoint_directory() {
        let roots = vec!["/var/flink/savepoints".to_owned(), "/var/flink/checkpoints/".to_owned()];
        for good in [
            "file:/var/flink/savepoints/savepoint-1a2b",
            "file:///var/flink/savepoints/savepoint-1a2b/_metadata",
            "file://localhost/var/flink/checkpoints/abc/chk-3",
            "FILE:///var/flink/savepoints/x",
            "s3://bucket/savepoints/sp-1",
            "hdfs://namenode:8020/flink/sp",
        ] {
            assert_eq!(check_registrable_location(good, &roots), Ok(()), "{good}");
        }
        for bad in [
            "file:///etc/passwd",
            "File:/proc/self/environ",
            "file:///var/flink/savepoints",
            "file:///var/flink/savepoints/../../../etc/shadow",
            "file:///var/flink/savepoints/./x",
            "file:///var/flink/savepoints//x",
            "file:///var/flink/savepoints/%2e%2e/x",
            "file:///var/flink/savepoints-other/x",
            "file://evil.example/var/flink/savepoints/x",
            "file:var/flink/savepoints/x",
            "http://169.254.169.254/latest",
            "jar:file:///var/flink/savepoints/x!/",
        ] {
            assert!(check_registrable_location(bad, &roots).is_err(), "{bad} must be refused");
        }
        let why = check_registrable_location("file:///etc/passwd", &roots).expect_err("refused");
        assert!(why.contains("outside the console's savepoint directories"), "{why}");
        let none = check_registrable_location("file:///var/flink/savepoints/x", &[]).expect_err("no roots");
        assert!(none.contains("accepts no file: locations"), "{none}");
    }

    #[test]
    fn vvps_example_body_asks_for_a_new_savepoint() {
        let body = json!({"metadata": {"deploymentId": DEPLOYMENT}});
        let request = SavepointRequest::parse(&body, &namespace()).expect("valid");
        assert_eq!(request, SavepointRequest::Trigger { deployment_id: DEPLOYMENT.into() });
        let with_origin =
            json!({"kind": "Savepoint", "metadata": {"deploymentId": DEPLOYMENT, "origin": "user_request"}});
        assert!(matches!(SavepointRequest::parse(&with_origin, &namespace()), Ok(SavepointRequest::Trigger { .. })));
    }

    #[test]
    fn each_bad_field_of_a_savepoint_body_is_named() {
        assert_eq!(
            errors_of(json!({"spec": {"savepointLocation": "file:///x"}})),
            ["metadata.deploymentId: is required: the deployment the savepoint belongs to"]
        );
        assert_eq!(
            errors_of(json!({"metadata": {"deploymentId": "orders"}})),
            ["metadata.deploymentId: \"orders\" is not a UUID"]
        );
        let errors = errors_of(json!({"metadata": {"deploymentId": DEPLOYMENT}, "spec": {"savepointLocation": ""}}));
        assert_eq!(errors.len(), 1);
        assert!(errors[0].starts_with("spec.savepointLocation: must not be empty"), "{errors:?}");
        let errors =
            errors_of(json!({"metadata": {"deploymentId": DEPLOYMENT}, "spec": {"savepointLocation": "savepoints/1"}}));
        assert!(
            errors[0].starts_with("spec.savepointLocation: \"savepoints/1\" is not a URI with a scheme"),
            "{errors:?}"
        );
        let errors = errors_of(json!({"metadata": {"deploymentId": DEPLOYMENT, "origin": "SOMETIMES"}}));
        assert_eq!(errors.len(), 1);
        assert!(errors[0].starts_with("metadata.origin: unknown value \"SOMETIMES\""), "{errors:?}");
        assert!(errors[0].contains("USER_REQUEST, SUSPEND_AND_UPGRADE, SUSPEND, COPIED, RETAINED_CHECKPOINT, PERIODIC"));
        let errors = errors_of(json!({
            "metadata": {"deploymentId": DEPLOYMENT, "origin": "SUSPEND"},
            "spec": {"savepointLocation": "file:///x"}
        }));
        assert_eq!(
            errors,
            ["metadata.origin: is SUSPEND, but a body with spec.savepointLocation registers a COPIED savepoint"]
        );
        let errors = errors_of(json!({"kind": "Job", "metadata": {"deploymentId": DEPLOYMENT, "namespace": "other"}}));
        assert_eq!(
            errors,
            [
                "kind: must be \"Savepoint\", got \"Job\"",
                "metadata.namespace: is \"other\", but the request is for namespace \"default\""
            ]
        );
        let errors = errors_of(json!({"metadata": {"deploymentId": DEPLOYMENT}, "spec": {"savepointLocation": 7}}));
        assert_eq!(errors.len(), 1);
        assert!(errors[0].starts_with("spec.savepointLocation: invalid type: integer `7`"), "{errors:?}");
        assert_eq!(errors_of(json!(["x"])), ["a Savepoint must be an object, got a list"]);
    }
}
