//! The state compatibility check: reads a savepoint's `_metadata` and a job's graph through Flink's
//! own classes (a helper JVM, `Inspector`) and judges, in the pure `judge`, whether the job restores
//! the state. It never submits, restores or changes a job.
//!
//! The rules are Flink 2.3's (`Checkpoints.loadAndValidateCheckpoint`, `StateAssignmentOperation`)
//! plus stricter ones for SQL, whose operator ids do not change when a query's meaning does; see
//! `docs/compatibility.md`.

#![warn(missing_docs)]

mod facts;
mod inspector;
mod judge;
mod program;
mod sql;

pub use facts::{GraphFacts, GraphOperator, GraphVertex, SavepointFacts, SavepointOperator};
pub use inspector::{Inspector, InspectorConfig, InspectorError, MAX_ANSWER_BYTES};
pub use judge::{judge, JudgeInput, Judgement};
pub use program::Program;
pub use sql::{keeps_state, normalize_description, operator_kind, STATEFUL_SQL_OPERATORS};
