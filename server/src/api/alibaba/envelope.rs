//! Alibaba's answer shape: every answer, success or error, is the envelope
//! `{success, httpCode, requestId, data, errorCode, errorMessage}` (lists add `pageIndex`,
//! `pageSize`, `totalSize`; errors add `code` and `message`, which the SDK reads), with a fresh
//! `requestId`, also sent as the `x-acs-request-id` header. Also the paging of lists by
//! `pageIndex`/`pageSize` over the services' keyset pages.

use axum::extract::Request;
use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;
use domain::{ListPage, PageRequest};
use serde::{Deserialize, Serialize};
use services::{ServiceError, Services};

/// The header Alibaba's gateway names the request in.
const REQUEST_ID_HEADER: &str = "x-acs-request-id";

/// Every answer's body.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Envelope<T: Serialize> {
    /// Whether the operation happened.
    pub success: bool,
    /// The HTTP status, repeated.
    pub http_code: u16,
    /// A fresh id per request (a UUID), also in the `x-acs-request-id` header.
    pub request_id: String,
    /// The answer; absent for an error and for deletes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data: Option<T>,
    /// Lists: the page answered (from 1).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub page_index: Option<u32>,
    /// Lists: at most this many items per page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub page_size: Option<u32>,
    /// Lists: how many items the whole list has (at most `MAX_SCANNED` are counted).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total_size: Option<u64>,
    /// Errors: `BadRequest`, `Unauthorized`, `Forbidden`, `NotFound`, `Conflict`, …; null on success.
    pub error_code: Option<String>,
    /// Errors: what went wrong, naming the field at fault (`<field>: <what is wrong>`); null on success.
    pub error_message: Option<String>,
    /// Errors: `errorCode` again, where Alibaba's SDK reads it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// Errors: `errorMessage` again, where Alibaba's SDK reads it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// No data (errors, deletes): `data` is absent.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Empty {}

/// A list's items and where they are in the whole list.
pub struct Paged<T> {
    pub items: Vec<T>,
    pub page: PageParams,
    pub total: u64,
}

/// A successful answer with `data`.
pub fn ok<T: Serialize>(data: T) -> Response {
    respond(StatusCode::OK, envelope(Some(data), None))
}

/// A successful answer without data (deletes, as Alibaba's answer them).
pub fn done() -> Response {
    respond(StatusCode::OK, envelope::<Empty>(None, None))
}

/// A successful page of a list.
pub fn page<T: Serialize>(paged: Paged<T>) -> Response {
    let Paged { items, page, total } = paged;
    respond(StatusCode::OK, envelope(Some(items), Some((page, total))))
}

fn envelope<T: Serialize>(data: Option<T>, paging: Option<(PageParams, u64)>) -> Envelope<T> {
    Envelope {
        success: true,
        http_code: 200,
        request_id: new_request_id(),
        data,
        page_index: paging.as_ref().map(|(p, _)| p.index),
        page_size: paging.as_ref().map(|(p, _)| p.size),
        total_size: paging.map(|(_, total)| total),
        error_code: None,
        error_message: None,
        code: None,
        message: None,
    }
}

fn new_request_id() -> String {
    uuid::Uuid::new_v4().to_string().to_uppercase()
}

fn respond<T: Serialize>(status: StatusCode, body: Envelope<T>) -> Response {
    let request_id = HeaderValue::from_str(&body.request_id).ok();
    let mut response = (status, Json(body)).into_response();
    if let Some(request_id) = request_id {
        response.headers_mut().insert(REQUEST_ID_HEADER, request_id);
    }
    response
}

/// An error of this API: the service's error in the envelope, with its HTTP status.
#[derive(Debug)]
pub struct AliError(pub ServiceError);

impl From<ServiceError> for AliError {
    fn from(err: ServiceError) -> Self {
        Self(err)
    }
}

impl IntoResponse for AliError {
    fn into_response(self) -> Response {
        let code = match &self.0 {
            ServiceError::BadRequest(_) => "BadRequest",
            ServiceError::Unauthorized(_) => "Unauthorized",
            ServiceError::TooManyRequests(_) => "Throttling",
            ServiceError::NotFound(_) => "NotFound",
            ServiceError::Forbidden(_) => "Forbidden",
            ServiceError::Conflict(_) => "Conflict",
            ServiceError::PayloadTooLarge(_) => "PayloadTooLarge",
            ServiceError::UnsupportedMediaType(_) => "UnsupportedMediaType",
            ServiceError::Internal => "InternalError",
            ServiceError::Unavailable(_) => "ServiceUnavailable",
        };
        let status = StatusCode::from_u16(self.0.status_code()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        error(status, code, &self.0.to_string())
    }
}

/// The envelope of an error.
pub fn error(status: StatusCode, code: &str, message: &str) -> Response {
    let body = Envelope::<Empty> {
        success: false,
        http_code: status.as_u16(),
        request_id: new_request_id(),
        data: None,
        page_index: None,
        page_size: None,
        total_size: None,
        error_code: Some(code.to_owned()),
        error_message: Some(message.to_owned()),
        code: Some(code.to_owned()),
        message: Some(message.to_owned()),
    };
    respond(status, body)
}

/// Anything under `/api/v2/` or `/autopilot/v2/` that is not an operation here.
pub async fn no_such_operation(request: Request) -> Response {
    let what = format!("{} {}", request.method(), request.uri().path());
    error(StatusCode::NOT_FOUND, "NotFound", &format!("there is no operation {what} in this console's /api/v2"))
}

/// Gives every answer that is not already the envelope (the router's 405, an extractor's
/// rejection, an authentication refusal written as text) the envelope, keeping its status.
pub async fn envelope_bare_errors(request: Request, next: Next) -> Response {
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let response = next.run(request).await;
    let status = response.status();
    let is_json = response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if is_json || status.is_success() {
        return response;
    }
    let code = match status {
        StatusCode::METHOD_NOT_ALLOWED => "MethodNotAllowed",
        StatusCode::NOT_FOUND => "NotFound",
        StatusCode::UNAUTHORIZED => "Unauthorized",
        StatusCode::FORBIDDEN => "Forbidden",
        s if s.is_client_error() => "BadRequest",
        _ => "InternalError",
    };
    let text = match axum::body::to_bytes(response.into_body(), 64 * 1024).await {
        Ok(bytes) if !bytes.is_empty() => String::from_utf8_lossy(&bytes).into_owned(),
        _ => match status {
            StatusCode::METHOD_NOT_ALLOWED => format!("{method} is not supported on {path}"),
            _ => format!("{method} {path}: {}", status.canonical_reason().unwrap_or("failed")),
        },
    };
    error(status, code, &text)
}

/// Paging as Alibaba's lists take it: `pageIndex` from 1 (default 1), `pageSize` from 1 to
/// `MAX_PAGE_SIZE` (default 10).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageParams {
    pub index: u32,
    pub size: u32,
}

/// The paging query parameters as written (checked by `PageParams::parse`).
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// The page, from 1 (the default).
    #[param(value_type = Option<u32>, minimum = 1)]
    pub page_index: Option<String>,
    /// At most this many items, from 1 to 100 (default 10).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 100)]
    pub page_size: Option<String>,
}

/// Alibaba's largest page.
pub const MAX_PAGE_SIZE: u32 = 100;
/// How far into a list paging reaches, and how many items `totalSize` counts at most: a page
/// number is not a cursor, so each page is read from the start of the list.
pub const MAX_SCANNED: u64 = 10_000;

impl PageQuery {
    /// The page asked for; a parameter that is not a number in range is 400 naming it.
    pub fn params(&self) -> Result<PageParams, AliError> {
        let number = |name: &str, raw: Option<&str>, default: u32, max: u32| -> Result<u32, AliError> {
            let Some(raw) = raw else { return Ok(default) };
            match raw.trim().parse::<u32>() {
                Ok(n) if (1..=max).contains(&n) => Ok(n),
                _ => Err(AliError(ServiceError::BadRequest(format!(
                    "{name}: {raw:?} is not a whole number from 1 to {max}"
                )))),
            }
        };
        let size = number("pageSize", self.page_size.as_deref(), 10, MAX_PAGE_SIZE)?;
        let index = number("pageIndex", self.page_index.as_deref(), 1, u32::MAX)?;
        let reach = u64::from(index) * u64::from(size);
        if reach > MAX_SCANNED + u64::from(size) {
            return Err(AliError(ServiceError::BadRequest(format!(
                "pageIndex: {index} pages of {size} reach past the first {MAX_SCANNED} items, as far as this console pages"
            ))));
        }
        Ok(PageParams { index, size })
    }
}

/// Reads the page `page` of a list one keyset page of the services at a time, counting the list
/// up to `MAX_SCANNED`:
///
/// ```ignore
/// let mut pager = Pager::new(page);
/// while let Some(request) = pager.next_request() {
///     pager.take(services.jobs(&namespace, None, &request).await?);
/// }
/// let paged = pager.finish();
/// ```
pub struct Pager<T> {
    page: PageParams,
    skip: u64,
    items: Vec<T>,
    seen: u64,
    token: Option<String>,
    done: bool,
}

impl<T> Pager<T> {
    pub fn new(page: PageParams) -> Self {
        let skip = u64::from(page.index - 1) * u64::from(page.size);
        Self { page, skip, items: Vec::new(), seen: 0, token: None, done: false }
    }

    /// The next read to make, or `None` once the list has ended or enough of it was counted.
    pub fn next_request(&self) -> Option<PageRequest> {
        (!self.done).then(|| PageRequest::after(Services::MAX_PAGE_SIZE, self.token.clone()))
    }

    /// Takes what a read answered (`keep` decides which items belong to the list).
    pub fn take(&mut self, chunk: ListPage<T>) {
        self.take_matching(chunk, |_| true);
    }

    /// Takes the items of a read that `keep` keeps (a filter the services do not have).
    pub fn take_matching(&mut self, chunk: ListPage<T>, keep: impl Fn(&T) -> bool) {
        for item in chunk.items.into_iter().filter(|item| keep(item)) {
            if self.seen >= self.skip && self.items.len() < self.page.size as usize {
                self.items.push(item);
            }
            self.seen += 1;
        }
        self.token = chunk.continue_token;
        self.done = self.token.is_none() || self.seen >= MAX_SCANNED;
    }

    /// The page and the list's length.
    pub fn finish(self) -> Paged<T> {
        Paged { items: self.items, page: self.page, total: self.seen }
    }
}

impl<T> Paged<T> {
    /// The same page with each item changed.
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Paged<U> {
        Paged { items: self.items.into_iter().map(f).collect(), page: self.page, total: self.total }
    }
}
