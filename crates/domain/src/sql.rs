//! The SQL family's wire shapes (`/sql/v1beta1/namespaces/{ns}/sqlscripts:validate|execute|suggest`),
//! as Ververica Platform sends them and its clients (jupyter-vvp) read them: `validationResult`,
//! `errorDetails`, `resultTable {headers:[{name}], rows:[{cells:[{value}]}]}`, `completions:[{text}]`.
//! Pure data; what a statement is, Flink's parser decides (the `flinksql` crate).

use serde::{Deserialize, Serialize};

/// The longest statement or script the console reads, in bytes (64 KiB): statements come from
/// people and each one is parsed in a helper JVM.
pub const MAX_STATEMENT_BYTES: usize = 64 * 1024;

/// What Flink's parser and planner make of a statement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum ValidationResult {
    /// CREATE, ALTER or DROP of a table, view, function or database: `:execute` changes the catalog.
    #[serde(rename = "VALIDATION_RESULT_VALID_DDL_STATEMENT")]
    ValidDdlStatement,
    /// SHOW, DESCRIBE, EXPLAIN: `:execute` answers a result table and changes nothing.
    #[serde(rename = "VALIDATION_RESULT_VALID_COMMAND_STATEMENT")]
    ValidCommandStatement,
    /// An INSERT that plans against the catalog: it runs as a SQLSCRIPT deployment.
    #[serde(rename = "VALIDATION_RESULT_VALID_INSERT_QUERY")]
    ValidInsertQuery,
    /// A SELECT that plans against the catalog; the console never runs one.
    #[serde(rename = "VALIDATION_RESULT_VALID_SELECT_QUERY")]
    ValidSelectQuery,
    /// Not a statement at all (empty).
    #[serde(rename = "VALIDATION_RESULT_INVALID")]
    Invalid,
    /// Flink refused it: a syntax error, an unknown table or column, a missing connector.
    #[serde(rename = "VALIDATION_RESULT_INVALID_QUERY")]
    InvalidQuery,
    /// A statement Flink reads but the console does not run (USE, SET, ADD JAR, temporary objects…).
    #[serde(rename = "VALIDATION_RESULT_UNSUPPORTED_QUERY")]
    UnsupportedQuery,
}

impl ValidationResult {
    /// Whether `:execute` runs a statement of this kind (DDL and commands).
    pub fn is_executable(self) -> bool {
        matches!(self, Self::ValidDdlStatement | Self::ValidCommandStatement)
    }

    /// Whether the statement is valid (whatever its kind).
    pub fn is_valid(self) -> bool {
        matches!(
            self,
            Self::ValidDdlStatement | Self::ValidCommandStatement | Self::ValidInsertQuery | Self::ValidSelectQuery
        )
    }
}

/// Why a statement is not valid, and where (1-based lines and columns; 0 where Flink gives none, as
/// Ververica Platform answers).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ErrorDetails {
    /// Flink's message.
    pub message: String,
    /// The line the error starts on.
    #[serde(default)]
    pub line_number: u32,
    /// The column the error starts at.
    #[serde(default)]
    pub column_number: u32,
    /// The line the error ends on.
    #[serde(default)]
    pub end_line_number: u32,
    /// The column the error ends at.
    #[serde(default)]
    pub end_column_number: u32,
    /// Ververica Platform's `cause` (always empty here: the message holds Flink's causes).
    #[serde(default)]
    pub cause: String,
}

/// The answer of `:validate`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Validation {
    /// What the statement is.
    pub validation_result: ValidationResult,
    /// Present when the statement is not valid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_details: Option<ErrorDetails>,
}

/// A column of a result table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ResultHeader {
    /// The column's name (`table name` for SHOW TABLES, `result` for DDL).
    pub name: String,
}

/// A cell of a result table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ResultCell {
    /// The value as text; absent for SQL NULL.
    #[serde(default)]
    pub value: Option<String>,
}

/// A row of a result table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ResultRow {
    /// One cell per header.
    pub cells: Vec<ResultCell>,
}

/// What a statement answered: Flink's result as a table.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ResultTable {
    /// The columns.
    pub headers: Vec<ResultHeader>,
    /// The rows (at most 10 000).
    pub rows: Vec<ResultRow>,
}

impl ResultTable {
    /// The values of the column called `name`, row by row (absent cells as empty text).
    pub fn column(&self, name: &str) -> Vec<String> {
        let Some(index) = self.headers.iter().position(|h| h.name == name) else {
            return Vec::new();
        };
        self.rows.iter().map(|row| row.cells.get(index).and_then(|c| c.value.clone()).unwrap_or_default()).collect()
    }
}

/// The answer of a successful `:execute`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Execution {
    /// `RESULT_SUCCESS` (DDL) or `RESULT_SUCCESS_WITH_ROWS` (a command's rows), as Flink's result
    /// kind says.
    pub result: String,
    /// Flink's result.
    pub result_table: ResultTable,
}

/// A completion of `:suggest`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Completion {
    /// The text to insert (a keyword, a table, a column).
    pub text: String,
}

/// The answer of `:suggest`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Suggestions {
    /// Flink's completion hints at the position.
    pub completions: Vec<Completion>,
}

/// The body of `:validate` and `:execute`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StatementRequest {
    /// One SQL statement.
    pub statement: String,
}

/// The body of `:suggest`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct SuggestRequest {
    /// The script being written.
    pub sql_script: String,
    /// The cursor's position in the script, in characters from its start.
    #[serde(default)]
    pub position: u32,
}

/// A namespace's catalog as the console keeps it: the DDL statements that rebuild it, in order
/// (databases, functions, tables, views), as Flink wrote them down after the last change.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct SqlCatalog {
    /// The statements.
    pub statements: Vec<String>,
    /// Counts the catalog's changes (0: never changed).
    pub version: i64,
}

/// One object of a namespace's catalog, read from the statement the console stored for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatalogObject {
    /// `TABLE`, `VIEW`, `FUNCTION` or `DATABASE`.
    pub kind: String,
    /// Its name (the last part of its path, unquoted).
    pub name: String,
    /// The statement that creates it.
    pub ddl: String,
}

/// The objects of a catalog, in the order of its statements. The statements are the ones the SQL
/// helper writes down (`CREATE TABLE `cat`.`db`.`name` …`, Flink's SHOW CREATE text); this reads
/// their head only, never a person's SQL. A statement of another shape is skipped.
pub fn catalog_objects(statements: &[String]) -> Vec<CatalogObject> {
    statements.iter().filter_map(|ddl| catalog_object(ddl)).collect()
}

fn catalog_object(ddl: &str) -> Option<CatalogObject> {
    let rest = ddl.trim_start().strip_prefix("CREATE ")?;
    let (kind, rest) = rest.split_once(' ')?;
    if !matches!(kind, "TABLE" | "VIEW" | "FUNCTION" | "DATABASE") {
        return None;
    }
    let name = last_identifier(rest.trim_start())?;
    Some(CatalogObject { kind: kind.to_owned(), name, ddl: ddl.to_owned() })
}

/// The last part of a dotted path of backtick-quoted identifiers at the start of `text`.
fn last_identifier(text: &str) -> Option<String> {
    let mut chars = text.chars().peekable();
    let mut last = None;
    loop {
        if chars.next()? != '`' {
            return last;
        }
        let mut part = String::new();
        loop {
            match chars.next()? {
                '`' if chars.peek() == Some(&'`') => {
                    chars.next();
                    part.push('`');
                }
                '`' => break,
                c => part.push(c),
            }
        }
        last = Some(part);
        if chars.peek() != Some(&'.') {
            return last;
        }
        chars.next();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_catalogs_objects_are_read_from_the_stored_statements() {
        let statements = [
            "CREATE DATABASE `default_catalog`.`d2` COMMENT 'x'".to_owned(),
            "CREATE FUNCTION `default_catalog`.`default_database`.`f` AS 'x.Y' LANGUAGE JAVA".to_owned(),
            "CREATE TABLE `default_catalog`.`default_database`.`src` (\n  `k` INT\n)".to_owned(),
            "CREATE VIEW `default_catalog`.`default_database`.`odd``name` (\n  `k`\n)\nAS SELECT 1".to_owned(),
            "something else".to_owned(),
        ];
        let objects: Vec<(String, String)> =
            catalog_objects(&statements).into_iter().map(|o| (o.kind, o.name)).collect();
        let expected = [("DATABASE", "d2"), ("FUNCTION", "f"), ("TABLE", "src"), ("VIEW", "odd`name")];
        assert_eq!(objects, expected.map(|(k, n)| (k.to_owned(), n.to_owned())));
    }

    #[test]
    fn the_shapes_are_ververicas() {
        let invalid = Validation {
            validation_result: ValidationResult::InvalidQuery,
            error_details: Some(ErrorDetails {
                message: "SQL parse failed.".into(),
                line_number: 1,
                column_number: 1,
                end_line_number: 1,
                end_column_number: 5,
                cause: String::new(),
            }),
        };
        assert_eq!(
            serde_json::to_value(&invalid).expect("json"),
            serde_json::json!({"validationResult": "VALIDATION_RESULT_INVALID_QUERY", "errorDetails": {
                "message": "SQL parse failed.", "lineNumber": 1, "columnNumber": 1, "endLineNumber": 1,
                "endColumnNumber": 5, "cause": ""}})
        );
        let valid = Validation { validation_result: ValidationResult::ValidDdlStatement, error_details: None };
        assert_eq!(
            serde_json::to_value(&valid).expect("json"),
            serde_json::json!({"validationResult": "VALIDATION_RESULT_VALID_DDL_STATEMENT"})
        );
        let table: ResultTable = serde_json::from_value(serde_json::json!(
            {"headers": [{"name": "table name"}], "rows": [{"cells": [{"value": "src"}]}, {"cells": [{"value": null}]}]}
        ))
        .expect("a result table");
        assert_eq!(table.column("table name"), ["src", ""]);
        assert!(table.column("nope").is_empty());
        let request: SuggestRequest =
            serde_json::from_value(serde_json::json!({"sqlScript": "SELECT", "position": 6})).expect("a request");
        assert_eq!(request.position, 6);
    }
}
