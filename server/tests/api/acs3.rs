//! Requests signed the way Alibaba Cloud's SDKs sign them (ACS3-HMAC-SHA256) with an access key the
//! console issued for an API token: made by the SDK itself (`alibabacloud_tea_openapi`, its generic
//! `call_api`) over a real socket, and replayed or altered by hand through the router. Runs when
//! `CONSOLE_TEST_CLIENTS_PYTHON` names the SDK's Python (`scripts/setup.sh --with-clients`); without
//! it the test says so and passes, unless `CONSOLE_TEST_CLIENTS_REQUIRED=1` (`scripts/test.sh`).

use std::net::SocketAddr;
use std::process::{Command, Stdio};

use axum::body::Body;
use serde_json::{json, Value};

use crate::support::{console, Console};

/// Calls the console with the SDK's own client: `call_api` with `Params(pathname=…)` signs any
/// path, exactly as the product clients (`alibabacloud_ververica20220718`) do for theirs. One JSON
/// line per call: the answer, or the SDK's exception with the code and status it read.
const SDK_CALLS: &str = r#"
import json, sys
from alibabacloud_tea_openapi import utils_models as models
from alibabacloud_tea_openapi.client import Client
from darabonba.runtime import RuntimeOptions
job = json.load(sys.stdin)
client = Client(models.Config(access_key_id=job["key"], access_key_secret=job["secret"],
                              endpoint=job["endpoint"], protocol="http"))
for call in job["calls"]:
    params = models.Params(action="Any", version="2022-07-18", protocol="HTTP", pathname=call["pathname"],
                           method=call["method"], auth_type="AK", style="ROA", req_body_type="json", body_type="json")
    request = models.OpenApiRequest(query=call.get("query"), body=call.get("body"),
                                    headers={"workspace": "ignored-by-the-console"})
    try:
        answer = client.call_api(params, request, RuntimeOptions(autoretry=False))
        print(json.dumps({"statusCode": answer.get("statusCode"), "body": answer.get("body")}))
    except Exception as err:
        print(json.dumps({"statusCode": getattr(err, "status_code", None), "code": getattr(err, "code", None),
                          "message": getattr(err, "message", str(err))}))
"#;

/// Signs one request with the SDK's `Utils.get_authorization` the way its `do_request` does, without
/// sending it: the headers (with `Authorization`) and the query string as its HTTP layer writes it.
const SDK_SIGNS: &str = r#"
import hashlib, json, sys
from types import SimpleNamespace
from urllib.parse import urlencode
from alibabacloud_tea_openapi.utils import Utils
job = json.load(sys.stdin)
body = job["body"].encode("utf-8")
headers = {"host": "console.example:8080", "x-acs-version": "2022-07-18", "x-acs-action": "Any",
           "user-agent": "AlibabaCloud test", "x-acs-date": Utils.get_timestamp(),
           "x-acs-signature-nonce": Utils.get_nonce(), "accept": "application/json"}
if body:
    headers["content-type"] = "application/json; charset=utf-8"
digest = hashlib.sha256(body).hexdigest()
headers["x-acs-content-sha256"] = digest
request = SimpleNamespace(method=job["method"], pathname=job["path"], query=job["query"], headers=headers)
headers["authorization"] = Utils.get_authorization(request, "ACS3-HMAC-SHA256", digest, job["key"], job["secret"])
print(json.dumps({"headers": headers, "query": urlencode(job["query"])}))
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

/// Runs `script` with `input` on stdin; its stdout's JSON lines.
async fn run_python(python: &str, script: &'static str, input: Value) -> Vec<Value> {
    let python = python.to_owned();
    tokio::task::spawn_blocking(move || {
        let mut child = Command::new(&python)
            .args(["-c", script])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the SDK's Python starts");
        let mut stdin = child.stdin.take().expect("stdin");
        std::io::Write::write_all(&mut stdin, input.to_string().as_bytes()).expect("input sent");
        drop(stdin);
        let output = child.wait_with_output().expect("Python ends");
        assert!(output.status.success(), "Python failed: {}", String::from_utf8_lossy(&output.stderr));
        String::from_utf8(output.stdout)
            .expect("UTF-8")
            .lines()
            .map(|line| serde_json::from_str(line).expect("a JSON line"))
            .collect()
    })
    .await
    .expect("the Python task ends")
}

/// An API token of `default` with `role`, and an access-key pair made for it: (token id, key id,
/// secret).
async fn token_with_access_key(console: &Console, name: &str, role: &str) -> (String, String, String) {
    let created =
        console.send_json("POST", "/api/v1/namespaces/default/api-tokens", &json!({"name": name, "role": role})).await;
    assert_eq!(created.status, 201, "{}", created.body);
    let token = created.json()["token"]["id"].as_str().expect("a token id").to_owned();
    let key = console
        .send(
            "POST",
            &format!("/api/v1/namespaces/default/api-tokens/{token}/access-key"),
            &[("accept", "application/json")],
            Body::empty(),
        )
        .await;
    assert_eq!(key.status, 201, "{}", key.body);
    let key = key.json();
    let id = key["accessKeyId"].as_str().expect("an access key id").to_owned();
    assert_eq!(key["token"]["accessKeyId"], id.as_str());
    (token, id, key["accessKeySecret"].as_str().expect("a secret").to_owned())
}

/// The console served on a real socket of the loopback interface.
async fn serve(console: &Console) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a port");
    let address = listener.local_addr().expect("its address");
    let app = server::router(console.state.clone()).into_make_service_with_connect_info::<SocketAddr>();
    tokio::spawn(async move { axum::serve(listener, app).await.expect("serves") });
    address
}

#[tokio::test]
async fn the_sdk_signs_with_a_console_issued_key_and_acts_as_its_token() {
    let Some(python) = sdk_python() else { return };
    let console = console().await;
    let (token, key, secret) = token_with_access_key(&console, "sdk", "EDITOR").await;
    let endpoint = serve(&console).await.to_string();
    let deployment = json!({
        "metadata": {"name": "signed-by-the-sdk"},
        "spec": {"template": {"spec": {"artifact": {"kind": "JAR", "jarUri": console.jar("signed.jar")}}}}
    });
    let calls = json!([
        {"method": "GET", "pathname": "/api/v1/namespaces/default/deployments", "query": {"limit": "2"}},
        {"method": "POST", "pathname": "/api/v1/namespaces/default/deployments", "body": deployment},
        {"method": "GET", "pathname": "/api/v1/namespaces/default/api-tokens"},
        {"method": "GET", "pathname": "/api/v1/namespaces/default/jobs%3Anothing"},
    ]);
    let job = json!({"endpoint": endpoint, "key": key, "secret": secret, "calls": calls});
    let answers = run_python(&python, SDK_CALLS, job).await;
    assert_eq!(answers[0]["statusCode"], 200, "a read, with a query: {}", answers[0]);
    assert_eq!(answers[0]["body"]["kind"], "DeploymentList", "{}", answers[0]);
    assert_eq!(answers[1]["statusCode"], 201, "a write with a JSON body: {}", answers[1]);
    let (_, audit) = console.get("/api/v1/namespaces/default/audit-log").await;
    let created = audit["items"]
        .as_array()
        .expect("entries")
        .iter()
        .find(|e| e["action"] == "create" && e["resourceKind"] == "Deployment");
    assert_eq!(created.map(|e| e["actor"].clone()), Some(json!("token:sdk")), "the token is the caller: {audit}");
    assert_eq!(answers[2]["statusCode"], 403, "an EDITOR token's key may not manage tokens: {}", answers[2]);
    assert_eq!(answers[3]["statusCode"], 404, "an encoded path is signed as sent and then routed: {}", answers[3]);

    let revoked =
        console.send("DELETE", &format!("/api/v1/namespaces/default/api-tokens/{token}"), &[], Body::empty()).await;
    assert_eq!(revoked.status, 200, "{}", revoked.body);
    let job = json!({"endpoint": endpoint, "key": key, "secret": secret, "calls": [calls[0]]});
    let answers = run_python(&python, SDK_CALLS, job).await;
    assert_eq!(answers[0]["statusCode"], 401, "{}", answers[0]);
    assert_eq!(answers[0]["code"], "InvalidAccessKeyId.Inactive", "the SDK reads the code: {}", answers[0]);

    let job =
        json!({"endpoint": endpoint, "key": "FCAK000000000000000000000000", "secret": secret, "calls": [calls[0]]});
    let answers = run_python(&python, SDK_CALLS, job).await;
    assert_eq!(
        (answers[0]["statusCode"].clone(), answers[0]["code"].clone()),
        (json!(401), json!("InvalidAccessKeyId.NotFound")),
        "{}",
        answers[0]
    );
}

/// A request the SDK signed for `key`, to send by hand: (path with query, headers).
async fn signed_by_the_sdk(
    python_bin: &str,
    method: &str,
    path: &str,
    query: Value,
    body: &str,
    key: &str,
    secret: &str,
) -> (String, Vec<(String, String)>) {
    let job = json!({"method": method, "path": path, "query": query, "body": body, "key": key, "secret": secret});
    let signed = run_python(python_bin, SDK_SIGNS, job).await.remove(0);
    let query = signed["query"].as_str().expect("a query");
    let uri = if query.is_empty() { path.to_owned() } else { format!("{path}?{query}") };
    let headers = signed["headers"]
        .as_object()
        .expect("headers")
        .iter()
        .map(|(name, value)| (name.clone(), value.as_str().expect("text").to_owned()))
        .collect();
    (uri, headers)
}

async fn send(console: &Console, method: &str, uri: &str, headers: &[(String, String)], body: &str) -> (u16, Value) {
    let headers: Vec<(&str, &str)> = headers.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
    let reply = console.send(method, uri, &headers, body.to_owned()).await;
    (reply.status.as_u16(), reply.json())
}

/// A request altered after signing: what changed, its URI, headers and body, the code refusing it.
type Alteration = (&'static str, String, Vec<(String, String)>, String, &'static str);

/// The `Authorization` header of `headers` with the first digit of its signature changed.
fn other_signature(headers: &[(String, String)]) -> String {
    let authorization = &headers.iter().find(|(name, _)| name == "authorization").expect("signed").1;
    let (head, signature) = authorization.split_once("Signature=").expect("a signature");
    let first = if signature.starts_with('0') { '1' } else { '0' };
    format!("{head}Signature={first}{}", &signature[1..])
}

fn with(headers: &[(String, String)], name: &str, value: &str) -> Vec<(String, String)> {
    let mut changed: Vec<(String, String)> = headers.iter().filter(|(n, _)| n != name).cloned().collect();
    changed.push((name.to_owned(), value.to_owned()));
    changed
}

#[tokio::test]
async fn a_changed_byte_header_or_query_value_a_replay_and_a_stale_date_are_refused_with_alibabas_codes() {
    let Some(python_bin) = sdk_python() else { return };
    let console = console().await;
    let (_, key, secret) = token_with_access_key(&console, "by-hand", "EDITOR").await;
    let fingerprint =
        || async { console.get("/api/v1/namespaces/default/deployments").await.1["items"].as_array().map(Vec::len) };
    let before = fingerprint().await;

    // A POST with a body that would create a deployment, signed by the SDK.
    let body = json!({
        "metadata": {"name": "by-hand"},
        "spec": {"template": {"spec": {"artifact": {"kind": "JAR", "jarUri": console.jar("by-hand.jar")}}}}
    })
    .to_string();
    let path = "/api/v1/namespaces/default/deployments";
    let (uri, headers) =
        signed_by_the_sdk(&python_bin, "POST", path, json!({"note": "a b+c"}), &body, &key, &secret).await;
    let mut flipped = body.clone().into_bytes();
    flipped[10] ^= 1;
    let flipped = String::from_utf8(flipped).expect("still text");
    let flipped_hash = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(flipped.as_bytes()));
    let cases: Vec<Alteration> = vec![
        ("a byte of the body", uri.clone(), headers.clone(), flipped.clone(), "SignatureDoesNotMatch"),
        (
            "a byte of the body and its hash",
            uri.clone(),
            with(&headers, "x-acs-content-sha256", &flipped_hash),
            flipped,
            "SignatureDoesNotMatch",
        ),
        (
            "a signed header",
            uri.clone(),
            with(&headers, "x-acs-action", "DeleteDeployment"),
            body.clone(),
            "SignatureDoesNotMatch",
        ),
        ("the host", uri.clone(), with(&headers, "host", "elsewhere.example"), body.clone(), "SignatureDoesNotMatch"),
        ("a query value", uri.replace("note=a", "note=A"), headers.clone(), body.clone(), "SignatureDoesNotMatch"),
        ("a query parameter added", format!("{uri}&limit=1"), headers.clone(), body.clone(), "SignatureDoesNotMatch"),
        ("the path", uri.replace("/default/", "/other/"), headers.clone(), body.clone(), "SignatureDoesNotMatch"),
        (
            "an unsigned x-acs header added",
            uri.clone(),
            with(&headers, "x-acs-security-token", "x"),
            body.clone(),
            "IncompleteSignature",
        ),
        (
            "a stale date",
            uri.clone(),
            with(&headers, "x-acs-date", "2020-01-01T00:00:00Z"),
            body.clone(),
            "InvalidTimeStamp.Expired",
        ),
        (
            "another signature",
            uri.clone(),
            with(&headers, "authorization", &other_signature(&headers)),
            body.clone(),
            "SignatureDoesNotMatch",
        ),
    ];
    for (case, uri, headers, body, code) in cases {
        let (status, answer) = send(&console, "POST", &uri, &headers, &body).await;
        assert_eq!((status, answer["code"].as_str()), (401, Some(code)), "{case}: {answer}");
        assert!(answer["message"].as_str().is_some_and(|m| !m.is_empty()), "{case}: a message: {answer}");
        assert_eq!(answer["errorCode"], code, "{case}: the OpenAPI envelope too: {answer}");
    }
    assert_eq!(fingerprint().await, before, "nothing refused was written");

    let (status, answer) = send(&console, "POST", &uri, &headers, &body).await;
    assert_eq!(status, 201, "the request as signed: {answer}");
    let (status, answer) = send(&console, "POST", &uri, &headers, &body).await;
    assert_eq!((status, answer["code"].as_str()), (401, Some("SignatureNonceUsed")), "replayed: {answer}");

    let mut other = with(&headers, "authorization", "ACS3-HMAC-SHA256 Credential=x,SignedHeaders=host");
    let (status, answer) = send(&console, "POST", &uri, &other, &body).await;
    assert_eq!((status, answer["code"].as_str()), (401, Some("IncompleteSignature")), "{answer}");
    assert!(answer["message"].as_str().is_some_and(|m| m.contains("no Signature")), "{answer}");
    other = with(&headers, "origin", "https://evil.example");
    let (status, answer) = send(&console, "POST", &uri, &other, &body).await;
    assert_eq!(
        (status, answer["code"].as_str()),
        (401, Some("SignatureNonceUsed")),
        "not refused as cross-site: {answer}"
    );
}

#[tokio::test]
async fn a_signed_body_over_the_limit_is_413_and_a_malformed_header_is_refused_before_the_body_is_read() {
    let console = console().await;
    let headers = [
        ("authorization", "ACS3-HMAC-SHA256 Credential=FCAKx,SignedHeaders=host,Signature=00"),
        ("content-length", "20000000"),
    ];
    let reply = console.send("POST", "/api/v1/namespaces/default/deployments", &headers, Body::empty()).await;
    // The header is read first: a malformed one is refused before the body is looked at.
    assert_eq!(reply.status, 401, "{}", reply.body);
    let signature = "0".repeat(64);
    let authorization = format!("ACS3-HMAC-SHA256 Credential=FCAKx,SignedHeaders=host,Signature={signature}");
    let big = vec![b'x'; server::auth::MAX_SIGNED_BODY_BYTES + 1];
    let reply = console
        .send("POST", "/api/v1/namespaces/default/deployments", &[("authorization", authorization.as_str())], big)
        .await;
    assert_eq!(reply.status, 413, "{}", reply.body);
    assert_eq!(reply.json()["code"], "RequestTooLarge", "{}", reply.body);
}

#[tokio::test]
async fn an_expired_tokens_key_is_refused_and_an_expired_token_gets_no_new_one() {
    let console = console().await;
    let namespace = domain::NamespaceName::parse("default").expect("a namespace");
    let token = domain::ApiToken {
        id: uuid::Uuid::new_v4().to_string(),
        namespace: "default".into(),
        name: "expired".into(),
        role: domain::Role::Editor,
        created_at: "2026-01-01T00:00:00Z".into(),
        created_by: "user:admin".into(),
        revoked_at: None,
        expires_at: Some("2026-01-02T00:00:00Z".into()),
        owner_user_id: None,
        access_key_id: None,
    };
    console.store.create_api_token(&token, "hash-of-an-expired-token").await.expect("stored");
    let reply = console
        .send("POST", &format!("/api/v1/namespaces/default/api-tokens/{}/access-key", token.id), &[], Body::empty())
        .await;
    assert_eq!(reply.status, 409, "{}", reply.body);
    assert!(reply.body.contains("has expired"), "{}", reply.body);
    let (_, tokens) = console.get("/api/v1/namespaces/default/api-tokens").await;
    let expired = tokens["items"].as_array().expect("tokens").iter().find(|t| t["name"] == "expired").cloned();
    assert_eq!(expired.map(|t| t["accessKeyId"].clone()), Some(Value::Null), "nothing written: {tokens}");

    // A key the token got before it expired.
    console
        .store
        .replace_access_key(&namespace, &token.id, "FCAKEXPIRED000000000000000", "2026-01-01T12:00:00Z", "user:admin")
        .await
        .expect("stored")
        .expect("the token is not revoked");
    let authorization = format!(
        "ACS3-HMAC-SHA256 Credential=FCAKEXPIRED000000000000000,SignedHeaders=host;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce,Signature={}",
        "0".repeat(64)
    );
    let reply = console
        .send(
            "GET",
            "/api/v1/namespaces/default/deployments",
            &[("authorization", authorization.as_str())],
            Body::empty(),
        )
        .await;
    assert_eq!(reply.status, 401, "{}", reply.body);
    assert_eq!(reply.json()["code"], "InvalidAccessKeyId.Inactive", "{}", reply.body);
}
