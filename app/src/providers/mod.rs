//! Reactive state shared by the pages.

pub mod session;
