//! The console's resource model: Deployment, its spec and status, with the wire names and enums of
//! Ververica Platform's Application Manager API. Pure data and parsing; this crate must never do IO,
//! so the browser build can share it.

#![warn(missing_docs)]

pub mod access;
pub mod artifact;
pub mod autopilot;
pub mod defaults;
pub mod deployment;
pub mod duration;
pub mod event;
pub mod input;
pub mod job;
pub mod job_metrics;
pub mod labels;
pub mod live;
pub mod metadata;
pub mod names;
pub mod namespace;
pub mod network;
pub mod page;
pub mod savepoint;
pub mod search;
pub mod sql;
pub mod start;
pub mod target;
pub mod tuning_plan;
mod wire;

pub use access::{permits, ApiToken, AuditEntry, Member, Permission, Role, User};
pub use artifact::{ArtifactName, UploadedArtifact};
pub use defaults::{DefaultsScope, DeploymentDefaults};
pub use deployment::*;
pub use duration::FlinkDuration;
pub use event::*;
pub use input::{DeploymentDraft, FieldError, InvalidInput, TargetDraft};
pub use job::*;
pub use labels::{LabelRequirement, LabelSelector};
pub use metadata::{ResourceList, ResourceMetadata};
pub use names::{DeploymentName, NameError, NamespaceName, MAX_DEPLOYMENT_NAME_CHARS};
pub use namespace::{Namespace, NamespaceMetadata};
pub use network::NetworkSettings;
pub use page::{ListPage, PageRequest};
pub use savepoint::*;
pub use search::{DeploymentQuery, DeploymentSort, SortKey};
pub use start::*;
pub use target::*;
pub use tuning_plan::{
    PlanExecution, PlanExecutionOutcome, ProcessResources, ResourceSetting, TimePoint, Trigger, TuningPlan,
    TuningPlanMetadata, TuningPlanSpec, TuningPlanStatus,
};
