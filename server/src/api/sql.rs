//! Ververica Platform's SQL family under `/sql/v1beta1/namespaces/{ns}/sqlscripts`: the custom
//! methods `:validate`, `:execute` and `:suggest`, with the `:` as written or percent-encoded
//! (`sqlscripts%3Avalidate`; clients send both). Flink's own parser and planner answer
//! (`services::sql`); viewers validate and suggest, editors execute.

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use domain::sql::{Execution, StatementRequest, SuggestRequest, Suggestions, Validation};
use serde::de::DeserializeOwned;
use services::{parse_namespace, Caller, ServiceError};

use super::error::ErrorBody;
use super::representation::read_body;
use super::ApiError;
use crate::AppState;

/// `POST /sql/v1beta1/namespaces/{namespace}/{method}`: the segment names the custom method
/// (`sqlscripts:validate`, decoded from `sqlscripts%3Avalidate` too).
pub async fn custom_method(
    state: State<AppState>,
    caller: Extension<Caller>,
    Path((namespace, method)): Path<(String, String)>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    match method.as_str() {
        "sqlscripts:validate" => validate(state, caller, Path(namespace), headers, body).await,
        "sqlscripts:execute" => execute(state, caller, Path(namespace), headers, body).await,
        "sqlscripts:suggest" => suggest(state, caller, Path(namespace), headers, body).await,
        _ => {
            Err(ServiceError::NotFound(format!("the operation POST /sql/v1beta1/namespaces/{namespace}/{method}"))
                .into())
        }
    }
}

/// The body as `T`, a wrong field named (`statement: missing field`).
async fn body_as<T: DeserializeOwned>(headers: &HeaderMap, body: Body) -> Result<T, ApiError> {
    let value = read_body(headers, body).await?;
    serde_path_to_error::deserialize(value).map_err(|err| {
        let path = err.path().to_string();
        let field = if path == "." { String::new() } else { format!("{path}: ") };
        ApiError(ServiceError::BadRequest(format!("{field}{}", err.inner())))
    })
}

/// What Flink's parser and planner make of one statement against the namespace's catalog: DDL and
/// commands are tried on a throwaway copy of the catalog, INSERT and SELECT are planned; nothing is
/// stored or run. An invalid statement is still 200, with `errorDetails` (Flink's message; line and
/// column where Flink gives them, else 0). A statement is at most 64 KiB (413).
#[utoipa::path(post, path = "/sql/v1beta1/namespaces/{namespace}/sqlscripts:validate", tag = "sql",
    params(("namespace" = String, Path, description = "The namespace (a DNS label)")),
    request_body(content = StatementRequest, content_type = "application/json"),
    responses((status = 200, body = Validation), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 413, body = ErrorBody, description = "The statement is longer than 64 KiB"),
              (status = 503, body = ErrorBody, description = "Flink SQL is not available (no Java or Flink distribution), or it timed out")))]
pub async fn validate(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(namespace): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let namespace = parse_namespace(&namespace)?;
    let request: StatementRequest = body_as(&headers, body).await?;
    let validation = state.services.validate_sql(&caller, &namespace, &request.statement).await?;
    Ok((StatusCode::OK, Json(validation)).into_response())
}

/// Runs a DDL statement (CREATE/ALTER/DROP TABLE, VIEW, FUNCTION, DATABASE: the namespace's
/// catalog changes and stays across restarts) or a command (SHOW, DESCRIBE, EXPLAIN) and answers
/// Flink's result table. INSERT runs as a deployment and SELECT is never run: both are 400, as is a
/// statement Flink refuses (its message, line and column). A statement is at most 64 KiB (413).
#[utoipa::path(post, path = "/sql/v1beta1/namespaces/{namespace}/sqlscripts:execute", tag = "sql",
    params(("namespace" = String, Path, description = "The namespace (a DNS label)")),
    request_body(content = StatementRequest, content_type = "application/json"),
    responses((status = 200, body = Execution), (status = 400, body = ErrorBody, description = "Flink refused the statement, or it is not DDL or a command"),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody, description = "The catalog changed while the statement ran"),
              (status = 413, body = ErrorBody, description = "The statement is longer than 64 KiB"),
              (status = 503, body = ErrorBody, description = "Flink SQL is not available, or it timed out")))]
pub async fn execute(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(namespace): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let namespace = parse_namespace(&namespace)?;
    let request: StatementRequest = body_as(&headers, body).await?;
    let execution = state.services.execute_sql(&caller, &namespace, &request.statement).await?;
    Ok((StatusCode::OK, Json(execution)).into_response())
}

/// Flink's completion hints (keywords, tables, columns) for `sqlScript` at `position` (characters
/// from its start), against the namespace's catalog.
#[utoipa::path(post, path = "/sql/v1beta1/namespaces/{namespace}/sqlscripts:suggest", tag = "sql",
    params(("namespace" = String, Path, description = "The namespace (a DNS label)")),
    request_body(content = SuggestRequest, content_type = "application/json"),
    responses((status = 200, body = Suggestions), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 413, body = ErrorBody, description = "The script is longer than 64 KiB"),
              (status = 503, body = ErrorBody, description = "Flink SQL is not available, or it timed out")))]
pub async fn suggest(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(namespace): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let namespace = parse_namespace(&namespace)?;
    let request: SuggestRequest = body_as(&headers, body).await?;
    let suggestions = state.services.suggest_sql(&caller, &namespace, &request.sql_script, request.position).await?;
    Ok((StatusCode::OK, Json(suggestions)).into_response())
}
