//! Flink SQL for the console, through Flink's own parser and planner: the helper JVM
//! `console.tools.SqlService` (`jobs/src/console/tools/SqlService.java`, run warm by
//! `jvm::JvmHelper`) answers `validate`, `execute` and `suggest` for a namespace's catalog, which
//! every request brings as its stored DDL statements (replayed into a fresh in-memory catalog, so
//! nothing one request does reaches another).
//!
//! It must never run a job or read a table's data: the helper runs only DDL and commands (SHOW,
//! DESCRIBE, EXPLAIN); INSERT and SELECT are validated and planned, never executed. Statements are
//! capped at `domain::sql::MAX_STATEMENT_BYTES` by the caller.

#![warn(missing_docs)]

mod answer;
#[cfg(feature = "testing")]
pub mod testing;

use std::path::PathBuf;
use std::time::Duration;

use domain::sql::{ErrorDetails, Execution, Suggestions, Validation, ValidationResult};
pub use jvm::HelperConfig;
use jvm::{HelperError, JvmHelper};
use serde::Serialize;

pub use answer::Answer;

/// The helper's main class, in `sql-service.jar`.
pub const MAIN_CLASS: &str = "console.tools.SqlService";

/// Why the helper gave no answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SqlError {
    /// The helper cannot run here (no Java, no Flink distribution, no `sql-service.jar`).
    #[error("Flink SQL is not available on this console: {0}")]
    Unavailable(String),
    /// The statement took longer than allowed; the helper was stopped.
    #[error("Flink took longer than {} s over the statement and was stopped", .0.as_secs())]
    Timeout(Duration),
    /// The helper failed over the request (it died, or Flink threw where no statement error was
    /// expected); the message says how.
    #[error("Flink SQL failed: {0}")]
    Failed(String),
}

impl From<HelperError> for SqlError {
    fn from(err: HelperError) -> Self {
        match err {
            HelperError::Unavailable(why) => Self::Unavailable(why),
            HelperError::Timeout(after) => Self::Timeout(after),
            HelperError::Refused(why) | HelperError::Exited(why) | HelperError::Protocol(why) => Self::Failed(why),
        }
    }
}

/// What `execute` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Executed {
    /// A command ran: its result, nothing changed.
    Command(Execution),
    /// A DDL statement ran against the request's copy of the catalog: its result and the catalog's
    /// statements as they are after it (what the console stores).
    Ddl {
        /// Flink's result (`OK`).
        execution: Execution,
        /// The catalog after the statement, in replay order.
        catalog: Vec<String>,
    },
    /// The statement was not run: why (an INSERT runs as a deployment, a SELECT is never run, an
    /// invalid or unsupported statement), in `:validate`'s shape.
    Refused(Validation),
}

/// The SQL helper JVM, shared (clones share one JVM; requests wait for one another).
#[derive(Clone)]
pub struct SqlHelper {
    helper: JvmHelper,
}

#[derive(Serialize)]
#[serde(tag = "op", rename_all = "camelCase")]
enum Request<'a> {
    Validate {
        catalog: &'a [String],
        statement: &'a str,
    },
    Execute {
        catalog: &'a [String],
        statement: &'a str,
    },
    #[serde(rename_all = "camelCase")]
    Suggest {
        catalog: &'a [String],
        sql_script: &'a str,
        position: u32,
    },
}

impl SqlHelper {
    /// The helper's configuration for a distribution, `sql-service.jar` and a work directory: 512 MB
    /// heap, 60 s per request (the first of a JVM unpacks the planner, about 5–10 s), stopped after
    /// 10 idle minutes.
    pub fn config(
        flink_home: impl Into<PathBuf>,
        jar: impl Into<PathBuf>,
        work_dir: impl Into<PathBuf>,
    ) -> HelperConfig {
        HelperConfig::new(flink_home, jar, MAIN_CLASS, work_dir)
    }

    /// A helper run with `config`; no JVM starts until the first request.
    pub fn new(config: HelperConfig) -> Self {
        Self { helper: JvmHelper::new(config) }
    }

    /// What Flink makes of `statement` against `catalog`. DDL and commands run against a throwaway
    /// copy of the catalog ("already exists" is found); INSERT and SELECT are planned, not run.
    pub async fn validate(&self, catalog: &[String], statement: &str) -> Result<Validation, SqlError> {
        if let Some(empty) = empty(statement) {
            return Ok(empty);
        }
        let answer: Answer = self.helper.ask(&Request::Validate { catalog, statement }).await?;
        answer.warn_of_broken_catalog();
        answer.validation()
    }

    /// Runs a DDL statement or a command against a copy of `catalog`; any other statement is
    /// refused with its validation.
    pub async fn execute(&self, catalog: &[String], statement: &str) -> Result<Executed, SqlError> {
        if let Some(empty) = empty(statement) {
            return Ok(Executed::Refused(empty));
        }
        let answer: Answer = self.helper.ask(&Request::Execute { catalog, statement }).await?;
        answer.warn_of_broken_catalog();
        answer.executed()
    }

    /// Flink's completion hints for `script` at character `position`.
    pub async fn suggest(&self, catalog: &[String], script: &str, position: u32) -> Result<Suggestions, SqlError> {
        Ok(self.helper.ask(&Request::Suggest { catalog, sql_script: script, position }).await?)
    }

    /// Stops the helper JVM now (the next request starts another).
    pub async fn shutdown(&self) {
        self.helper.shutdown().await;
    }
}

/// `VALIDATION_RESULT_INVALID` for a statement with nothing in it.
fn empty(statement: &str) -> Option<Validation> {
    let blank = statement.trim().trim_end_matches(';').trim().is_empty();
    blank.then(|| Validation {
        validation_result: ValidationResult::Invalid,
        error_details: Some(ErrorDetails { message: "statement: is empty".into(), ..Default::default() }),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_statement_is_invalid_without_asking_flink() {
        for blank in ["", "  \n", ";", " ; "] {
            let answer = empty(blank).expect("invalid");
            assert_eq!(answer.validation_result, ValidationResult::Invalid);
        }
        assert!(empty("SHOW TABLES").is_none());
    }

    #[test]
    fn requests_are_the_helpers_json() {
        let catalog = vec!["CREATE TABLE t (k INT)".to_owned()];
        assert_eq!(
            serde_json::to_value(Request::Suggest { catalog: &catalog, sql_script: "SELECT", position: 6 })
                .expect("json"),
            serde_json::json!({"op": "suggest", "catalog": ["CREATE TABLE t (k INT)"], "sqlScript": "SELECT", "position": 6})
        );
        assert_eq!(
            serde_json::to_value(Request::Execute { catalog: &[], statement: "SHOW TABLES" }).expect("json"),
            serde_json::json!({"op": "execute", "catalog": [], "statement": "SHOW TABLES"})
        );
    }
}
