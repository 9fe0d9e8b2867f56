//! Reactive state shared by the pages.

pub mod live;
pub mod session;
