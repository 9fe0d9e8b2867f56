//! What the SQL page shows of a validation: a headline, and the statement's lines with the ones
//! Flink's error spans marked. Pure.

use domain::sql::{Validation, ValidationResult};

/// A line of the statement as the page shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatementLine {
    /// 1-based, as Flink counts.
    pub number: u32,
    pub text: String,
    /// Flink's error lies (partly) on this line.
    pub marked: bool,
}

/// Whether the statement is valid, and the headline saying what it is or what is wrong
/// ("Line 2, column 11: Column 'w' not found in any table").
pub fn headline(validation: &Validation) -> (bool, String) {
    let kind = match validation.validation_result {
        ValidationResult::ValidDdlStatement => "Valid DDL: Execute changes the namespace's catalog.",
        ValidationResult::ValidCommandStatement => "Valid command: Execute shows its result.",
        ValidationResult::ValidInsertQuery => "Valid INSERT: Deploy runs it as a SQL deployment.",
        ValidationResult::ValidSelectQuery => {
            "Valid SELECT: the console does not run queries; INSERT its rows into a table."
        }
        ValidationResult::Invalid | ValidationResult::InvalidQuery | ValidationResult::UnsupportedQuery => "",
    };
    if validation.validation_result.is_valid() {
        return (true, kind.to_owned());
    }
    let Some(details) = &validation.error_details else {
        return (false, "Not valid.".to_owned());
    };
    let prefix = match validation.validation_result {
        ValidationResult::UnsupportedQuery => "Not supported: ",
        _ => "",
    };
    let at = if details.line_number > 0 {
        format!("Line {}, column {}: ", details.line_number, details.column_number)
    } else {
        String::new()
    };
    (false, format!("{prefix}{at}{}", details.message))
}

/// The statement's lines, those between Flink's error start and end line marked.
pub fn statement_lines(statement: &str, validation: &Validation) -> Vec<StatementLine> {
    let span = validation.error_details.as_ref().filter(|d| d.line_number > 0).map(|d| {
        let end = if d.end_line_number >= d.line_number { d.end_line_number } else { d.line_number };
        d.line_number..=end
    });
    statement
        .lines()
        .enumerate()
        .map(|(index, text)| {
            let number = u32::try_from(index + 1).unwrap_or(u32::MAX);
            StatementLine { number, text: text.to_owned(), marked: span.as_ref().is_some_and(|s| s.contains(&number)) }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use domain::sql::ErrorDetails;

    use super::*;

    fn invalid(line: u32, end_line: u32) -> Validation {
        Validation {
            validation_result: ValidationResult::InvalidQuery,
            error_details: Some(ErrorDetails {
                message: "Column 'w' not found in any table".into(),
                line_number: line,
                column_number: 11,
                end_line_number: end_line,
                end_column_number: 11,
                cause: String::new(),
            }),
        }
    }

    #[test]
    fn an_error_is_shown_at_its_line() {
        let statement = "INSERT INTO snk\nSELECT k, w\nFROM src";
        let (ok, words) = headline(&invalid(2, 2));
        assert!(!ok);
        assert_eq!(words, "Line 2, column 11: Column 'w' not found in any table");
        let marked: Vec<u32> =
            statement_lines(statement, &invalid(2, 2)).into_iter().filter(|l| l.marked).map(|l| l.number).collect();
        assert_eq!(marked, [2]);
        let spanning: Vec<u32> =
            statement_lines(statement, &invalid(2, 3)).into_iter().filter(|l| l.marked).map(|l| l.number).collect();
        assert_eq!(spanning, [2, 3]);
    }

    #[test]
    fn without_a_position_nothing_is_marked_and_valid_statements_say_what_they_are() {
        let no_position = invalid(0, 0);
        assert_eq!(headline(&no_position).1, "Column 'w' not found in any table");
        assert!(statement_lines("SELECT 1", &no_position).iter().all(|l| !l.marked));
        let insert = Validation { validation_result: ValidationResult::ValidInsertQuery, error_details: None };
        assert_eq!(headline(&insert), (true, "Valid INSERT: Deploy runs it as a SQL deployment.".to_owned()));
        let unsupported = Validation {
            validation_result: ValidationResult::UnsupportedQuery,
            error_details: Some(ErrorDetails {
                message: "temporary objects are not kept".into(),
                ..Default::default()
            }),
        };
        assert_eq!(headline(&unsupported).1, "Not supported: temporary objects are not kept");
    }
}
