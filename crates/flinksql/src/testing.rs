//! A SQL helper for other crates' tests that need no Java: a shell script stands in for `java` and
//! answers every request with one fixed line, through the same process management as the real one.

use std::path::Path;

use crate::{HelperConfig, SqlHelper};

/// A helper whose every answer is `answer` (one JSON line), with its fake Flink distribution and
/// script in `dir` (kept by the caller).
pub fn scripted(dir: &Path, answer: &str) -> std::io::Result<SqlHelper> {
    scripted_by_op(dir, &[], answer)
}

/// A helper that answers a request of op `op` (`validate`, `execute`, `suggest`) with its line in
/// `answers`, and any other with `otherwise`.
pub fn scripted_by_op(dir: &Path, answers: &[(&str, &str)], otherwise: &str) -> std::io::Result<SqlHelper> {
    std::fs::create_dir_all(dir.join("flink/lib"))?;
    std::fs::write(dir.join("flink/lib/flink-dist-2.3.0.jar"), b"")?;
    std::fs::write(dir.join("sql-service.jar"), b"")?;
    let quoted = |text: &str| format!("'{}'", text.replace('\'', r"'\''"));
    let mut cases = String::new();
    for (op, answer) in answers {
        cases.push_str(&format!("    *'\"op\":\"{op}\"'*) printf '%s\\n' {};;\n", quoted(answer)));
    }
    cases.push_str(&format!("    *) printf '%s\\n' {};;\n", quoted(otherwise)));
    let script = format!("#!/bin/sh\nwhile read -r line; do\n  case \"$line\" in\n{cases}  esac\ndone\n");
    let java = dir.join("java");
    std::fs::write(&java, script)?;
    std::fs::set_permissions(&java, std::os::unix::fs::PermissionsExt::from_mode(0o755))?;
    let config =
        HelperConfig { java, ..SqlHelper::config(dir.join("flink"), dir.join("sql-service.jar"), dir.join("work")) };
    Ok(SqlHelper::new(config))
}

#[cfg(test)]
mod tests {
    use domain::sql::ValidationResult;

    use super::*;

    #[tokio::test]
    async fn the_scripted_helper_answers_through_the_real_process_management() {
        let dir = tempfile::tempdir().expect("a directory");
        let helper = scripted(dir.path(), r#"{"ok":true,"validationResult":"VALIDATION_RESULT_VALID_SELECT_QUERY"}"#)
            .expect("a helper");
        let validation = helper.validate(&[], "SELECT 'it''s'").await.expect("an answer");
        assert_eq!(validation.validation_result, ValidationResult::ValidSelectQuery);
        helper.shutdown().await;
    }

    #[tokio::test]
    async fn a_scripted_helper_answers_each_op_its_own_way() {
        let dir = tempfile::tempdir().expect("a directory");
        let insert = r#"{"ok":true,"validationResult":"VALIDATION_RESULT_VALID_INSERT_QUERY"}"#;
        let helper =
            scripted_by_op(dir.path(), &[("validate", insert)], r#"{"ok":true,"completions":[{"text":"src"}]}"#)
                .expect("a helper");
        let validation = helper.validate(&[], "INSERT INTO a SELECT 1").await.expect("an answer");
        assert_eq!(validation.validation_result, ValidationResult::ValidInsertQuery);
        let suggestions = helper.suggest(&[], "SELECT * FROM ", 14).await.expect("an answer");
        assert_eq!(suggestions.completions[0].text, "src");
        helper.shutdown().await;
    }
}
