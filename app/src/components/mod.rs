//! Reusable pieces of the console's pages.

pub mod layout;
pub mod status_badge;
