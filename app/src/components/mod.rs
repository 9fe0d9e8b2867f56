//! Reusable pieces of the console's pages.

pub mod audit_table;
pub mod deployment_actions;
#[cfg(feature = "hydrate")]
pub mod dom;
pub mod error_panel;
pub mod form;
pub mod form_rules;
pub mod layout;
pub mod live_region;
pub mod page_forms;
pub mod pager;
pub mod start_dialog;
pub mod start_modal;
pub mod status_badge;
pub mod table;
