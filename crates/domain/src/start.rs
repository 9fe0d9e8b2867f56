//! Starting a deployment (seed 000's Start dialog and `POST …/deployments/{id}:start`): the
//! person's choice of state, and the state compatibility check's answer for the state chosen.

use serde::{Deserialize, Serialize};

use crate::wire::wire_enum;

wire_enum!(
    /// Initial mode (no state) or resume mode (restore a savepoint or retained checkpoint).
    StartMode {
        /// No state; optionally a source start time.
        Initial = "INITIAL",
        /// Restore state: the latest, or a chosen savepoint of this or another deployment.
        Resume = "RESUME",
    }
);

wire_enum!(
    /// Which state a resume restores.
    RestoreKind {
        /// The newest savepoint or retained checkpoint of the deployment (what `LATEST_STATE` picks).
        Latest = "LATEST",
        /// The savepoint `restore.savepointId` (of this deployment or another of the namespace).
        Savepoint = "SAVEPOINT",
    }
);

/// Which state a resume restores (`{"kind": "LATEST"}` or `{"kind": "SAVEPOINT", "savepointId": …}`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct RestoreSelection {
    /// LATEST or SAVEPOINT.
    pub kind: RestoreKind,
    /// The Savepoint resource's id (SAVEPOINT only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub savepoint_id: Option<String>,
}

/// How a person asks a deployment to start: the body of `POST …/deployments/{id}:start`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct StartOptions {
    /// INITIAL (no state) or RESUME.
    pub mode: StartMode,
    /// RESUME only: which state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restore: Option<RestoreSelection>,
    /// RESUME of a JAR deployment only: Flink may skip state that maps to no operator.
    #[serde(default)]
    pub allow_non_restored_state: bool,
    /// INITIAL only: where sources start reading (ms since the epoch).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_start_time_ms: Option<i64>,
    /// Start even though the compatibility check answers INCOMPATIBLE.
    #[serde(default)]
    pub confirm_incompatible: bool,
}

wire_enum!(
    /// The state compatibility check's verdict.
    Compatibility {
        /// Every piece of state maps to an unchanged operator: the job continues where it stopped.
        FullyCompatible = "FULLY_COMPATIBLE",
        /// Some state is dropped or some stateful operators start empty; the rest continues.
        PartiallyCompatible = "PARTIALLY_COMPATIBLE",
        /// Flink refuses the restore, or the restored state would be read by a different computation.
        Incompatible = "INCOMPATIBLE",
        /// The check cannot decide (another Flink version, a savepoint it cannot read, …).
        Unknown = "UNKNOWN",
    }
);

impl Compatibility {
    /// How serious the verdict is, for combining reasons: the worst one wins.
    pub fn severity(self) -> u8 {
        match self {
            Self::FullyCompatible => 0,
            Self::PartiallyCompatible => 1,
            Self::Unknown => 2,
            Self::Incompatible => 3,
        }
    }

    /// The words the console shows ("Fully compatible", …).
    pub fn label(self) -> &'static str {
        match self {
            Self::FullyCompatible => "Fully compatible",
            Self::PartiallyCompatible => "Partially compatible",
            Self::Incompatible => "Incompatible",
            Self::Unknown => "Unknown",
        }
    }
}

wire_enum!(
    /// What the check suggests doing next.
    SuggestedAction {
        /// Start with the chosen state.
        Start = "START",
        /// Start with "Allow non-restored state" (JAR deployments).
        AllowNonRestoredState = "ALLOW_NON_RESTORED_STATE",
        /// Choose another savepoint or checkpoint.
        ChooseAnotherState = "CHOOSE_ANOTHER_STATE",
        /// Start in initial mode, without state.
        StartWithoutState = "START_WITHOUT_STATE",
    }
);

/// One finding of the check: its own verdict and what it concerns.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct CompatibilityReason {
    /// What this finding alone would make the verdict.
    pub compatibility: Compatibility,
    /// What was found, in words a person acts on.
    pub message: String,
    /// The operator it concerns: its uid or name, and its id (hex).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operator: Option<String>,
}

/// The state compatibility check's answer for one state and the deployment's current spec.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct CompatibilityReport {
    /// The verdict: the worst of the reasons'.
    pub compatibility: Compatibility,
    /// Every finding, the most serious first.
    pub reasons: Vec<CompatibilityReason>,
    /// What to do next, the most fitting first.
    pub suggested_actions: Vec<SuggestedAction>,
    /// The Savepoint resource checked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub savepoint_id: Option<String>,
    /// Where its state is.
    pub savepoint_location: String,
    /// The deployment version (`metadata.resourceVersion`) whose spec was checked.
    pub deployment_version: i64,
    /// When the check ran (RFC 3339).
    pub checked_at: String,
    /// How long it took, in milliseconds.
    pub took_ms: u64,
}

impl CompatibilityReport {
    /// The verdict of `reasons` (the worst; FULLY_COMPATIBLE when there are none).
    pub fn verdict_of(reasons: &[CompatibilityReason]) -> Compatibility {
        reasons.iter().map(|r| r.compatibility).max_by_key(|c| c.severity()).unwrap_or(Compatibility::FullyCompatible)
    }
}

/// The answer to a start request: the choice the engine will carry out.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct AcceptedStart {
    /// INITIAL or RESUME.
    pub mode: StartMode,
    /// The id of the Job resource this start creates (the engine writes the job as it submits it).
    pub job_id: String,
    /// The savepoint the job restores (RESUME), resolved from LATEST when that was asked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub savepoint_id: Option<String>,
    /// Where its state is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub savepoint_location: Option<String>,
    /// The deployment the savepoint belongs to (another one when starting from its state).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub savepoint_deployment_id: Option<String>,
    /// Whether Flink may skip state that maps to no operator.
    pub allow_non_restored_state: bool,
    /// Where sources start reading (INITIAL), ms since the epoch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_start_time_ms: Option<i64>,
    /// The check run before the start was accepted (RESUME).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compatibility: Option<CompatibilityReport>,
}

impl StartOptions {
    /// Reads a start request (JSON already parsed); an error names the field (`restore.kind: …`).
    pub fn parse(document: &serde_json::Value) -> Result<Self, crate::InvalidInput> {
        serde_path_to_error::deserialize(document).map_err(|err| {
            let path = err.path().to_string();
            let message = err.into_inner().to_string();
            // A missing field is reported at its parent: name the field itself.
            let missing = message.strip_prefix("missing field `").and_then(|rest| rest.split('`').next());
            let field = match (path.as_str(), missing) {
                (".", Some(name)) => name.to_owned(),
                (parent, Some(name)) => format!("{parent}.{name}"),
                (".", None) => "body".to_owned(),
                (path, None) => path.to_owned(),
            };
            crate::InvalidInput::one(field, message)
        })
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_start_request_reads_as_the_api_documents_it() {
        let options = StartOptions::parse(&json!({
            "mode": "RESUME", "restore": {"kind": "SAVEPOINT", "savepointId": "s1"},
            "allowNonRestoredState": true, "confirmIncompatible": true
        }))
        .expect("valid");
        assert_eq!(options.mode, StartMode::Resume);
        assert_eq!(options.restore.and_then(|r| r.savepoint_id).as_deref(), Some("s1"));
        assert!(options.allow_non_restored_state && options.confirm_incompatible);
        let initial = StartOptions::parse(&json!({"mode": "initial", "sourceStartTimeMs": 1_700_000_000_000_i64}))
            .expect("valid");
        assert_eq!(initial.source_start_time_ms, Some(1_700_000_000_000));
    }

    #[test]
    fn a_bad_start_request_names_its_field() {
        let cases = [
            (json!({}), "mode"),
            (json!({"mode": "LATER"}), "mode"),
            (json!({"mode": "RESUME", "restore": {"kind": "NEWEST"}}), "restore.kind"),
            (json!({"mode": "INITIAL", "sourceStartTimeMs": "yesterday"}), "sourceStartTimeMs"),
            (json!({"mode": "INITIAL", "allowNonRestored": true}), "allowNonRestored"),
        ];
        for (body, field) in cases {
            let err = StartOptions::parse(&body).expect_err("refused");
            assert!(err.to_string().starts_with(&format!("{field}: ")), "{body}: {err}");
        }
    }
}
