//! The console's pages, one file each.

pub mod deployment;
pub mod deployments;
pub mod not_found;
