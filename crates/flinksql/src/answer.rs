//! The helper's answers and what they mean: a validation, an execution (with the catalog after a
//! DDL statement) or a refusal. Pure.

use domain::sql::{ErrorDetails, Execution, ResultTable, Validation, ValidationResult};
use serde::Deserialize;

use crate::{Executed, SqlError};

/// One answer of `console.tools.SqlService` (`{"ok":true,…}`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Answer {
    /// What the statement is.
    pub validation_result: Option<ValidationResult>,
    /// Why it is not valid or was not run.
    pub error_details: Option<ErrorDetails>,
    /// Flink's result kind, when the statement ran.
    pub result: Option<String>,
    /// Flink's result, when the statement ran.
    pub result_table: Option<ResultTable>,
    /// The catalog after a DDL statement ran.
    pub catalog: Option<Vec<String>>,
    /// Stored statements that no longer replay (a view whose table was dropped).
    #[serde(default)]
    pub catalog_warnings: Vec<String>,
}

impl Answer {
    fn kind(&self) -> Result<ValidationResult, SqlError> {
        self.validation_result.ok_or_else(|| SqlError::Failed("the helper answered without a validationResult".into()))
    }

    /// The answer as `:validate`'s: an invalid statement always carries a message.
    pub fn validation(&self) -> Result<Validation, SqlError> {
        let kind = self.kind()?;
        let error_details = match (kind.is_valid(), &self.error_details) {
            (true, _) => None,
            (false, Some(details)) => Some(details.clone()),
            (false, None) => Some(ErrorDetails { message: "Flink gave no reason".into(), ..Default::default() }),
        };
        Ok(Validation { validation_result: kind, error_details })
    }

    /// The answer as `:execute`'s: what ran (a DDL statement must bring the catalog after it), or
    /// why nothing did.
    pub fn executed(self) -> Result<Executed, SqlError> {
        let kind = self.kind()?;
        let ran = kind.is_executable() && self.error_details.is_none();
        let (true, Some(result), Some(result_table)) = (ran, self.result.clone(), self.result_table.clone()) else {
            let refusal = Validation {
                validation_result: kind,
                error_details: Some(self.error_details.clone().unwrap_or_else(|| ErrorDetails {
                    message: "the statement was not run".into(),
                    ..Default::default()
                })),
            };
            return Ok(Executed::Refused(refusal));
        };
        let execution = Execution { result, result_table };
        match (kind, self.catalog) {
            (ValidationResult::ValidDdlStatement, Some(catalog)) => Ok(Executed::Ddl { execution, catalog }),
            (ValidationResult::ValidDdlStatement, None) => {
                Err(SqlError::Failed("the helper ran a DDL statement but gave no catalog".into()))
            }
            _ => Ok(Executed::Command(execution)),
        }
    }

    /// Logs stored statements that no longer replay (once per request that met them).
    pub(crate) fn warn_of_broken_catalog(&self) {
        for warning in &self.catalog_warnings {
            tracing::warn!(%warning, "a statement of the namespace's SQL catalog no longer replays");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(json: &str) -> Answer {
        serde_json::from_str(json).expect("an answer")
    }

    #[test]
    fn a_refusal_keeps_flinks_message_and_position() {
        let refused = answer(
            r#"{"ok":true,"validationResult":"VALIDATION_RESULT_INVALID_QUERY","errorDetails":{"message":"SQL validation failed. From line 2, column 6 to line 2, column 12: Object 'missing' not found","lineNumber":2,"columnNumber":6,"endLineNumber":2,"endColumnNumber":12}}"#,
        );
        let validation = refused.validation().expect("a validation");
        assert_eq!(validation.validation_result, ValidationResult::InvalidQuery);
        let details = validation.error_details.expect("details");
        assert_eq!((details.line_number, details.column_number, details.end_column_number), (2, 6, 12));
        assert!(details.message.contains("Object 'missing' not found"));
        assert!(
            matches!(refused.executed(), Ok(Executed::Refused(v)) if v.validation_result == ValidationResult::InvalidQuery)
        );
    }

    #[test]
    fn an_invalid_answer_without_details_still_says_something() {
        let validation =
            answer(r#"{"validationResult":"VALIDATION_RESULT_UNSUPPORTED_QUERY"}"#).validation().expect("ok");
        assert_eq!(validation.error_details.expect("details").message, "Flink gave no reason");
        let valid = answer(r#"{"validationResult":"VALIDATION_RESULT_VALID_SELECT_QUERY"}"#).validation().expect("ok");
        assert_eq!(valid.error_details, None);
        assert!(matches!(answer("{}").validation(), Err(SqlError::Failed(_))));
    }

    #[test]
    fn ddl_brings_the_catalog_and_commands_do_not() {
        let ddl = answer(
            r#"{"validationResult":"VALIDATION_RESULT_VALID_DDL_STATEMENT","result":"RESULT_SUCCESS","resultTable":{"headers":[{"name":"result"}],"rows":[{"cells":[{"value":"OK"}]}]},"catalog":["CREATE TABLE `default_catalog`.`default_database`.`src` (\n  `k` INT\n)"]}"#,
        );
        match ddl.executed().expect("executed") {
            Executed::Ddl { execution, catalog } => {
                assert_eq!(execution.result, "RESULT_SUCCESS");
                assert_eq!(execution.result_table.column("result"), ["OK"]);
                assert_eq!(catalog.len(), 1);
            }
            other => panic!("not DDL: {other:?}"),
        }
        let command = answer(
            r#"{"validationResult":"VALIDATION_RESULT_VALID_COMMAND_STATEMENT","result":"RESULT_SUCCESS_WITH_ROWS","resultTable":{"headers":[{"name":"table name"}],"rows":[{"cells":[{"value":"src"}]}]}}"#,
        );
        assert!(
            matches!(command.executed(), Ok(Executed::Command(e)) if e.result_table.column("table name") == ["src"])
        );
        let lost = answer(
            r#"{"validationResult":"VALIDATION_RESULT_VALID_DDL_STATEMENT","result":"RESULT_SUCCESS","resultTable":{"headers":[],"rows":[]}}"#,
        );
        assert!(matches!(lost.executed(), Err(SqlError::Failed(_))), "a DDL answer without the catalog is a failure");
    }

    #[test]
    fn an_insert_is_refused_by_execute_with_its_reason() {
        let insert = answer(
            r#"{"validationResult":"VALIDATION_RESULT_VALID_INSERT_QUERY","errorDetails":{"message":"an INSERT runs as a deployment: create one with a SQLSCRIPT artifact"}}"#,
        );
        match insert.executed().expect("answered") {
            Executed::Refused(validation) => {
                assert_eq!(validation.validation_result, ValidationResult::ValidInsertQuery);
                assert!(validation.error_details.expect("why").message.contains("deployment"));
            }
            other => panic!("not refused: {other:?}"),
        }
    }
}
