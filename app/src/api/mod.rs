//! Server functions, grouped by resource and named verb-first. Each one authorises first
//! (`Services::require`), makes one call into the store, and returns a DTO.

pub mod access;
pub mod artifacts;
pub mod deployment_form;
pub mod deployments;
pub mod session;
pub mod settings;
pub mod sql;
pub mod start;
pub mod targets;
pub mod tuning;
