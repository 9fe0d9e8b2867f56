//! Hands the result of a statement executed by a plain form post over to the SQL page the browser
//! goes back to: a cookie only that namespace's SQL page receives, HttpOnly, for at most five
//! minutes, read once. A cookie holds about 4 KB, so a long result keeps its first rows and says so.

use base64::Engine;
use domain::sql::Execution;
use domain::NamespaceName;

use super::{request_cookie, set_cookie};
use crate::error::AppError;

const COOKIE: &str = "console_sql_result";
/// What the cookie's value may take (browsers keep at least 4096 bytes per cookie, name included).
const MOST: usize = 3800;

fn path(namespace: &NamespaceName) -> String {
    format!("Path=/namespaces/{namespace}/sql; SameSite=Strict")
}

/// The cookie's value for `execution`: base64url of its JSON, rows dropped from the end until it
/// fits (`cut` says how many were).
fn encode(execution: &Execution) -> Option<(String, usize)> {
    let mut kept = execution.clone();
    let mut cut = 0;
    loop {
        let json = serde_json::to_vec(&kept).ok()?;
        let value = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json);
        if value.len() <= MOST {
            return Some((value, cut));
        }
        kept.result_table.rows.pop()?;
        cut += 1;
    }
}

/// Keeps `execution` for the namespace's SQL page; answers how many rows did not fit.
pub fn hand_over_sql_result(namespace: &NamespaceName, execution: &Execution) -> Result<usize, AppError> {
    let Some((value, cut)) = encode(execution) else { return Ok(0) };
    set_cookie(COOKIE, &value, &format!("{}; Max-Age=300", path(namespace)))?;
    Ok(cut)
}

/// The result handed over by `hand_over_sql_result`, if this request brings one; the cookie is
/// cleared either way.
pub fn take_sql_result(namespace: &NamespaceName) -> Option<Execution> {
    let raw = request_cookie(COOKIE)?;
    let _ = set_cookie(COOKIE, "", &format!("{}; Max-Age=0", path(namespace)));
    let json = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(raw.trim()).ok()?;
    serde_json::from_slice(&json).ok()
}

#[cfg(test)]
mod tests {
    use domain::sql::{ResultRow, ResultTable};

    use super::*;

    #[test]
    fn a_long_result_keeps_the_rows_that_fit() {
        let mut execution =
            Execution { result: "RESULT_SUCCESS_WITH_ROWS".into(), result_table: ResultTable::default() };
        let row: ResultRow =
            serde_json::from_value(serde_json::json!({ "cells": [{ "value": "x".repeat(100) }] })).expect("a row");
        execution.result_table.rows = vec![row; 100];
        let (value, cut) = encode(&execution).expect("encoded");
        assert!(value.len() <= MOST);
        assert!(cut > 0 && cut < 100, "{cut}");
        let json = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(value).expect("base64");
        let back: Execution = serde_json::from_slice(&json).expect("json");
        assert_eq!(back.result_table.rows.len(), 100 - cut);
    }
}
