//! Signatures computed by Alibaba Cloud's own Python SDK (`alibabacloud_tea_openapi`, installed by
//! `scripts/setup.sh --with-clients`) are accepted, and what its HTTP layer puts on the wire is what
//! the verifier reads. Runs when `CONSOLE_TEST_CLIENTS_PYTHON` names that SDK's Python; without it
//! the test says so and passes, unless `CONSOLE_TEST_CLIENTS_REQUIRED=1` (as `scripts/test.sh` sets).

use std::process::Command;

use http::{HeaderMap, HeaderName, HeaderValue};
use time::OffsetDateTime;

/// Signs each case with the SDK's `Utils.get_authorization`, exactly as its `do_request` does:
/// every header it sends is signed, the body hashed into `x-acs-content-sha256`, the query written
/// with `urlencode`. Prints one JSON line per case.
const SIGN: &str = r#"
import hashlib, json, sys
from types import SimpleNamespace
from urllib.parse import urlencode
from alibabacloud_tea_openapi.utils import Utils
for case in json.load(sys.stdin):
    body = case["body"].encode("utf-8")
    headers = {"host": "127.0.0.1:8080", "x-acs-version": "2022-07-18", "x-acs-action": "Any",
               "user-agent": "test", "x-acs-date": Utils.get_timestamp(),
               "x-acs-signature-nonce": Utils.get_nonce(), "accept": "application/json"}
    if body:
        headers["content-type"] = "application/json; charset=utf-8"
    digest = hashlib.sha256(body).hexdigest()
    headers["x-acs-content-sha256"] = digest
    request = SimpleNamespace(method=case["method"], pathname=case["path"], query=case["query"], headers=headers)
    headers["Authorization"] = Utils.get_authorization(request, "ACS3-HMAC-SHA256", digest, "FCAKsdk", case["secret"])
    print(json.dumps({"headers": headers, "query": urlencode(case["query"])}))
"#;

fn sdk_python() -> Option<String> {
    match std::env::var("CONSOLE_TEST_CLIENTS_PYTHON") {
        Ok(python) if !python.is_empty() => Some(python),
        _ => {
            assert!(
                std::env::var("CONSOLE_TEST_CLIENTS_REQUIRED").as_deref() != Ok("1"),
                "CONSOLE_TEST_CLIENTS_REQUIRED=1 but CONSOLE_TEST_CLIENTS_PYTHON is not set"
            );
            eprintln!(
                "skipped: CONSOLE_TEST_CLIENTS_PYTHON is not set (scripts/setup.sh --with-clients installs the SDK)"
            );
            None
        }
    }
}

#[test]
fn signatures_the_sdk_computes_are_accepted_and_another_secret_is_not() {
    let Some(python) = sdk_python() else { return };
    let cases = serde_json::json!([
        {"method": "GET", "path": "/api/v1/namespaces/default/deployments", "query": {}, "body": "", "secret": "s1"},
        {"method": "GET", "path": "/api/v2/namespaces/ns-1/jobs", "query": {"deploymentId": "0b7e-11", "pageIndex": "2", "pageSize": "50"}, "body": "", "secret": "s2"},
        {"method": "POST", "path": "/api/v2/namespaces/ns-1/jobs%3Astart", "query": {"note": "ä b+c/d=e&f~g*h'(i)!"}, "body": "{\"deploymentId\": \"x\", \"text\": \"é\"}", "secret": "long secret with spaces and ✓"},
        {"method": "DELETE", "path": "/api/v2/namespaces/ns-1/deployments/abc", "query": {"": "", "z": "", "A": "1"}, "body": "", "secret": "s4"},
    ]);
    let mut child = Command::new(&python)
        .args(["-c", SIGN])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("the SDK's Python starts");
    std::io::Write::write_all(&mut child.stdin.take().expect("stdin"), cases.to_string().as_bytes())
        .expect("cases sent");
    let output = child.wait_with_output().expect("the SDK signs");
    assert!(output.status.success(), "the SDK failed: {output:?}");
    let signed: Vec<serde_json::Value> = String::from_utf8(output.stdout)
        .expect("UTF-8")
        .lines()
        .map(|line| serde_json::from_str(line).expect("one JSON line per case"))
        .collect();
    let cases = cases.as_array().expect("an array");
    assert_eq!(signed.len(), cases.len());
    let nonces = acs3::Nonces::default();
    for (case, signed) in cases.iter().zip(&signed) {
        let mut headers = HeaderMap::new();
        for (name, value) in signed["headers"].as_object().expect("headers") {
            let name = HeaderName::from_bytes(name.to_ascii_lowercase().as_bytes()).expect("a header name");
            headers.insert(name, HeaderValue::from_str(value.as_str().expect("text")).expect("a header value"));
        }
        let authorization = acs3::Authorization::from_headers(&headers).expect("ACS3").expect("readable");
        let request = acs3::Request {
            method: case["method"].as_str().expect("method"),
            path: case["path"].as_str().expect("path"),
            query: signed["query"].as_str().expect("query"),
            headers: &headers,
            authority: None,
            body: case["body"].as_str().expect("body").as_bytes(),
        };
        let secret = case["secret"].as_str().expect("secret").as_bytes();
        let now = OffsetDateTime::now_utc();
        let verified = acs3::verify(&request, &authorization, secret, now, acs3::DEFAULT_WINDOW)
            .unwrap_or_else(|refusal| panic!("{case}: {refusal}"));
        nonces.first_use(&authorization.access_key_id, &verified, now).expect("a fresh nonce");
        assert_eq!(
            nonces.first_use(&authorization.access_key_id, &verified, now).map_err(|r| r.code()),
            Err("SignatureNonceUsed")
        );
        let refusal = acs3::verify(&request, &authorization, b"not the secret", now, acs3::DEFAULT_WINDOW)
            .expect_err("another secret");
        assert_eq!(refusal.code(), "SignatureDoesNotMatch");
    }
}
