//! A SQL helper for other crates' tests that need no Java: a shell script stands in for `java` and
//! answers every request with one fixed line, through the same process management as the real one.

use std::path::Path;

use crate::{HelperConfig, SqlHelper};

/// A helper whose every answer is `answer` (one JSON line), with its fake Flink distribution and
/// script in `dir` (kept by the caller).
pub fn scripted(dir: &Path, answer: &str) -> std::io::Result<SqlHelper> {
    std::fs::create_dir_all(dir.join("flink/lib"))?;
    std::fs::write(dir.join("flink/lib/flink-dist-2.3.0.jar"), b"")?;
    std::fs::write(dir.join("sql-service.jar"), b"")?;
    let quoted = answer.replace('\'', r"'\''");
    let script = format!("#!/bin/sh\nwhile read -r line; do printf '%s\\n' '{quoted}'; done\n");
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
}
