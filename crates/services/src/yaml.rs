//! Reading YAML a person sent (a REST body, the deployment form's YAML tab) without letting it cost
//! more than its size: refused before it is built if it holds aliases, nests too deep or holds too
//! many values, and read off the async workers, a few at a time. Writing YAML is plain
//! `serde_yaml_ng`.

use saphyr_parser::{Event, Parser};
use serde_json::Value;

use crate::ServiceError;

/// The largest YAML text: reading YAML costs up to ~150 bytes of memory per byte of body (the
/// checking parser buffers a flow collection whole), so YAML gets a quarter of JSON's limit.
pub const MAX_YAML_BYTES: usize = 512 * 1024;

/// How many YAML texts are read at once, off the async workers.
const YAML_AT_ONCE: usize = 2;

/// The deepest a YAML text may nest lists and maps: serde_json's limit for JSON bodies (a
/// deployment nests about eight deep).
const MAX_YAML_DEPTH: usize = 128;

/// The most values (scalars, lists and maps) a YAML text may hold; a deployment holds a few hundred.
const MAX_YAML_VALUES: usize = 100_000;

/// Reads a YAML document (at most `MAX_YAML_BYTES`; larger is PayloadTooLarge) off the async
/// workers, at most `YAML_AT_ONCE` at a time. Errors say what is wrong and where (line, column),
/// calling the text `what` ("body", "document").
pub async fn read(bytes: Vec<u8>, what: &'static str) -> Result<Value, ServiceError> {
    if bytes.len() > MAX_YAML_BYTES {
        return Err(ServiceError::PayloadTooLarge(format!(
            "a YAML {what} may have at most {} KiB; send larger documents as JSON",
            MAX_YAML_BYTES / 1024
        )));
    }
    static READING: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(YAML_AT_ONCE);
    let _permit = READING.acquire().await.map_err(|_| ServiceError::Internal)?;
    let reading = tokio::task::spawn_blocking(move || {
        let text = std::str::from_utf8(&bytes)
            .map_err(|err| ServiceError::BadRequest(format!("the {what} is not UTF-8 text: {err}")))?;
        refuse_costly_yaml(text, what)?;
        serde_yaml_ng::from_str(text)
            .map_err(|err| ServiceError::BadRequest(format!("the {what} is not valid YAML: {err}")))
    });
    reading.await.map_err(|err| {
        tracing::error!(error = %err, "reading a YAML text stopped");
        ServiceError::Internal
    })?
}

/// Reads a YAML text's events (without building anything) and refuses what would make building it
/// cost far more than its size: an alias (`*name` repeats the node anchored as `&name`, so ten
/// KiB of aliases to aliases expand to gigabytes), nesting deeper than `MAX_YAML_DEPTH` (the YAML
/// parser's work per token grows with the depth, so a deep body takes minutes), or more than
/// `MAX_YAML_VALUES` values. Deployments in Ververica Platform's YAML need none of these.
fn refuse_costly_yaml(text: &str, what: &str) -> Result<(), ServiceError> {
    let mut depth = 0_usize;
    let mut values = 0_usize;
    for event in Parser::new_from_str(text) {
        let (event, span) = event.map_err(|err| {
            let at = err.marker();
            ServiceError::BadRequest(format!(
                "the {what} is not valid YAML: {} at line {} column {}",
                err.info(),
                at.line(),
                at.col() + 1
            ))
        })?;
        let at = || format!("line {} column {}", span.start.line(), span.start.col() + 1);
        match event {
            Event::Alias(_) => {
                return Err(ServiceError::BadRequest(format!(
                    "YAML aliases (*name) are not accepted: write the value out (at {})",
                    at()
                )));
            }
            Event::SequenceStart(..) | Event::MappingStart(..) => {
                depth += 1;
                values += 1;
                if depth > MAX_YAML_DEPTH {
                    return Err(ServiceError::BadRequest(format!(
                        "the {what} is not valid YAML: recursion limit exceeded (lists and maps nest deeper than \
                         {MAX_YAML_DEPTH}) at {}",
                        at()
                    )));
                }
            }
            Event::SequenceEnd | Event::MappingEnd => depth = depth.saturating_sub(1),
            Event::Scalar(..) => values += 1,
            Event::Nothing | Event::StreamStart | Event::StreamEnd | Event::DocumentStart(_) | Event::DocumentEnd => {}
        }
        if values > MAX_YAML_VALUES {
            return Err(ServiceError::BadRequest(format!(
                "the YAML {what} holds more than {MAX_YAML_VALUES} values (at {})",
                at()
            )));
        }
    }
    Ok(())
}

/// `value` as YAML text.
pub fn to_yaml(value: &impl serde::Serialize) -> Result<String, ServiceError> {
    serde_yaml_ng::to_string(value).map_err(|err| {
        tracing::error!(error = %err, "cannot write YAML");
        ServiceError::Internal
    })
}

/// Reads a YAML text a person typed into a form field (`what` names it in errors: "defaults");
/// an empty text reads as `null`.
pub async fn read_text(text: &str, what: &'static str) -> Result<Value, ServiceError> {
    if text.trim().is_empty() {
        return Ok(Value::Null);
    }
    read(text.as_bytes().to_vec(), what).await
}
