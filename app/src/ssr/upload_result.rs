//! What an artifact upload from the Artifacts page's plain form did, handed from the upload's
//! answer (a redirect, written by the server's upload handler) to the page it leads to: a cookie
//! only that namespace's Artifacts page receives, HttpOnly, for a minute, read once. The message
//! never travels in the address, so no link can make the page say what the console did not.

use domain::NamespaceName;

use super::{request_cookie, set_cookie};
use crate::api::artifacts::UploadResult;
use crate::error::AppError;

const UPLOAD_RESULT_COOKIE: &str = "console_upload_result";

/// The longest message handed over (a cookie holds about 4 KB; hex doubles the bytes).
const MAX_MESSAGE_BYTES: usize = 1500;

fn path(namespace: &NamespaceName) -> String {
    format!("Path=/namespaces/{namespace}/artifacts; SameSite=Strict")
}

/// The `Set-Cookie` value that hands `message` (a success if `ok`) to the Artifacts page.
pub fn upload_result_cookie(namespace: &NamespaceName, ok: bool, message: &str, over_tls: bool) -> String {
    let mut end = message.len().min(MAX_MESSAGE_BYTES);
    while !message.is_char_boundary(end) {
        end -= 1;
    }
    let encoded: String = message[..end].bytes().map(|b| format!("{b:02x}")).collect();
    let secure = if over_tls { "; Secure" } else { "" };
    format!("{UPLOAD_RESULT_COOKIE}={}{encoded}; {}; Max-Age=60; HttpOnly{secure}", u8::from(ok), path(namespace))
}

/// The result handed over by `upload_result_cookie`, if this request brings one; cleared either way.
pub fn take_upload_result(namespace: &NamespaceName) -> Result<Option<UploadResult>, AppError> {
    let Some(raw) = request_cookie(UPLOAD_RESULT_COOKIE) else { return Ok(None) };
    set_cookie(UPLOAD_RESULT_COOKIE, "", &format!("{}; Max-Age=0", path(namespace)))?;
    let (ok, hex) = match raw.split_at_checked(1) {
        Some(("1", hex)) => (true, hex),
        Some(("0", hex)) => (false, hex),
        _ => return Ok(None),
    };
    let bytes: Option<Vec<u8>> = (0..hex.len())
        .step_by(2)
        .map(|i| hex.get(i..i + 2).and_then(|pair| u8::from_str_radix(pair, 16).ok()))
        .collect();
    let message = bytes.and_then(|bytes| String::from_utf8(bytes).ok());
    Ok(message.filter(|m| !m.chars().any(char::is_control)).map(|message| UploadResult { ok, message }))
}
