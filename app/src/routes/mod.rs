//! The console's pages, one file each.

pub mod access;
pub mod account;
pub mod admin;
pub mod artifacts;
pub mod audit;
pub mod deployment;
pub mod deployment_form;
pub mod deployments;
pub mod login;
pub mod not_found;
pub mod settings;
pub mod sql;
pub mod start;
