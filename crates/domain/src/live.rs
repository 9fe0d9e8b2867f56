//! What the live change stream of a namespace (`GET /api/v1/namespaces/{ns}/deployments:watch`,
//! server-sent events) tells a client: one event per changed deployment or deployment target, a
//! `ready` event once the stream has caught up, a `resync` event when changes were missed. Pure
//! data shared by the server and the browser; see `docs/live.md` for the protocol.

use serde::{Deserialize, Serialize};

use crate::{DeploymentState, DesiredState, ExecutionMode};

/// The SSE event name of a `DeploymentChange`.
pub const EVENT_DEPLOYMENT: &str = "deployment";
/// The SSE event name of a `TargetChange`.
pub const EVENT_TARGET: &str = "target";
/// The SSE event name saying the stream is live (data: `Ready`).
pub const EVENT_READY: &str = "ready";
/// The SSE event name saying changes were missed: read the lists again (data: `Resync`).
pub const EVENT_RESYNC: &str = "resync";
/// The SSE event name the server sends before it ends a stream for good (data: `End`).
pub const EVENT_END: &str = "end";

crate::wire::wire_enum!(
    /// What happened to a resource.
    ChangeKind {
        /// It was created.
        Created = "CREATED",
        /// Its metadata, spec or status changed.
        Updated = "UPDATED",
        /// It was deleted.
        Deleted = "DELETED",
    }
);

/// A deployment changed: what a list row needs to know (the whole resource is one GET away).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeploymentChange {
    /// Created, updated or deleted.
    pub change: ChangeKind,
    /// The deployment's namespace.
    pub namespace: String,
    /// Its id.
    pub id: String,
    /// Its name (after the change).
    pub name: String,
    /// STREAMING or BATCH.
    pub execution_mode: ExecutionMode,
    /// `status.state` after the change.
    pub state: DeploymentState,
    /// `spec.state` after the change.
    pub desired_state: DesiredState,
    /// `metadata.modifiedAt` (changes of metadata or spec; status changes keep it).
    pub modified_at: String,
    /// `metadata.resourceVersion` (moves with metadata and spec).
    pub resource_version: i64,
    /// The engine's status version (moves with every status write).
    pub status_version: i64,
}

/// A deployment target was registered, changed, deleted, or its observed health changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TargetChange {
    /// Created, updated (health included) or deleted.
    pub change: ChangeKind,
    /// The target's namespace.
    pub namespace: String,
    /// Its name.
    pub name: String,
}

/// One change, of a deployment or of a deployment target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// A deployment changed.
    Deployment(DeploymentChange),
    /// A deployment target changed.
    Target(TargetChange),
}

impl Change {
    /// The namespace the change happened in.
    pub fn namespace(&self) -> &str {
        match self {
            Change::Deployment(change) => &change.namespace,
            Change::Target(change) => &change.namespace,
        }
    }
}

/// The data of a `ready` event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Ready {
    /// The stream's position: send it back (`Last-Event-ID` or `since=`) to resume from here.
    pub position: String,
}

/// The data of a `resync` event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Resync {
    /// Why changes may have been missed, in words.
    pub reason: String,
}

/// The data of an `end` event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct End {
    /// Why the server ends the stream (access revoked, signed out, the requested time is up).
    pub reason: String,
}
