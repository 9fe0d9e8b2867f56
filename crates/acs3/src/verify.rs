//! The check of one signed request against its access key's secret, at a time the caller gives:
//! required headers signed, date within the window, body hash, signature (compared in constant
//! time). Pure; the nonce's first use is `Nonces`' business.

use hmac::{Hmac, Mac};
use http::HeaderMap;
use sha2::{Digest, Sha256};
use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime};

use crate::canonical::canonical_request;
use crate::{Authorization, Refusal, ALGORITHM, REQUIRED_SIGNED_HEADERS};

/// How far `x-acs-date` may lie from the console's clock, either way (Alibaba Cloud's gateway
/// allows the same 15 minutes).
pub const DEFAULT_WINDOW: Duration = Duration::minutes(15);

/// The longest nonce accepted (the SDK's are 32 hexadecimal digits).
const MAX_NONCE: usize = 128;

/// What arrived: everything the signature covers.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    /// `GET`, `POST`, …
    pub method: &'a str,
    /// The path exactly as sent, never decoded (`/api/v2/namespaces/ns/jobs%3Astart`).
    pub path: &'a str,
    /// The raw query string, without `?` (empty when there is none).
    pub query: &'a str,
    /// The request's headers.
    pub headers: &'a HeaderMap,
    /// The authority of the request line (HTTP/2's `:authority`), for a `host` header it lacks.
    pub authority: Option<&'a str>,
    /// The whole body.
    pub body: &'a [u8],
}

/// A request whose signature holds: its nonce, and until when that nonce must be remembered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    /// `x-acs-signature-nonce`.
    pub nonce: String,
    /// When the request's date leaves the window: after that it is refused as stale anyway.
    pub remember_until: OffsetDateTime,
}

/// Checks `request` as signed by `authorization` with `secret`, at `now`, allowing `window` of
/// clock difference. The order: what must be signed is signed, the date is readable and recent,
/// the body is what `x-acs-content-sha256` says, the signature matches.
pub fn verify(
    request: &Request<'_>,
    authorization: &Authorization,
    secret: &[u8],
    now: OffsetDateTime,
    window: Duration,
) -> Result<Verified, Refusal> {
    check_signed_headers(request.headers, &authorization.signed_headers)?;
    let date = header(request.headers, "x-acs-date")?;
    let signed_at = OffsetDateTime::parse(date, &Rfc3339).map_err(|_| Refusal::DateFormat(shorten(date)))?;
    if (now - signed_at).abs() > window {
        return Err(Refusal::DateExpired {
            date: date.to_owned(),
            now: now.format(&Rfc3339).unwrap_or_default(),
            minutes: window.whole_minutes(),
        });
    }
    let nonce = header(request.headers, "x-acs-signature-nonce")?;
    if nonce.is_empty() || nonce.len() > MAX_NONCE || !nonce.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(Refusal::Incomplete(format!(
            "x-acs-signature-nonce {:?} is not 1 to {MAX_NONCE} visible characters",
            shorten(nonce)
        )));
    }
    let claimed = header(request.headers, "x-acs-content-sha256")?;
    let actual = hex::encode(Sha256::digest(request.body));
    if !claimed.eq_ignore_ascii_case(&actual) {
        return Err(Refusal::BodyHashMismatch { claimed: shorten(claimed), actual });
    }
    let canonical = canonical_request(
        request.method,
        request.path,
        request.query,
        request.headers,
        request.authority,
        &authorization.signed_headers,
        claimed,
    )?;
    let string_to_sign = format!("{ALGORITHM}\n{}", hex::encode(Sha256::digest(canonical.as_bytes())));
    // HMAC takes a key of any length: `new_from_slice` cannot fail for it.
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret) else {
        unreachable!("HMAC-SHA256 accepts keys of every length")
    };
    mac.update(string_to_sign.as_bytes());
    // `verify_slice` compares in constant time.
    if mac.verify_slice(&authorization.signature).is_err() {
        return Err(Refusal::SignatureMismatch { canonical_request: canonical });
    }
    Ok(Verified { nonce: nonce.to_owned(), remember_until: signed_at + window })
}

/// The headers that must be signed are: `host`, the date, the nonce and the body hash; the
/// `content-type` when there is one; every other `x-acs-*` header the request carries (one added
/// after signing would otherwise ride along unchecked).
fn check_signed_headers(headers: &HeaderMap, signed: &[String]) -> Result<(), Refusal> {
    let is_signed = |name: &str| signed.iter().any(|s| s == name);
    let present = headers.keys().map(http::HeaderName::as_str);
    let must = REQUIRED_SIGNED_HEADERS
        .into_iter()
        .chain(present.filter(|name| name.starts_with("x-acs-") || *name == http::header::CONTENT_TYPE.as_str()));
    for name in must {
        if !is_signed(name) {
            return Err(Refusal::Incomplete(format!("the header {name} must be signed (listed in SignedHeaders)")));
        }
    }
    Ok(())
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Result<&'a str, Refusal> {
    let value = headers.get(name).ok_or_else(|| Refusal::Incomplete(format!("the header {name} is missing")))?;
    value
        .to_str()
        .map(str::trim)
        .map_err(|_| Refusal::Incomplete(format!("the header {name} is not visible ASCII text")))
}

fn shorten(text: &str) -> String {
    text.chars().take(80).collect()
}

#[cfg(test)]
mod tests {
    use http::{HeaderName, HeaderValue};
    use time::macros::datetime;

    use super::*;

    /// A request Alibaba's Python SDK (`alibabacloud_tea_openapi` 0.4.6, `Utils.get_authorization`)
    /// signed with access key `FCAKexample` and secret `secret-of-the-example`; its query as the
    /// SDK's `urlencode` puts it on the wire. `tests/sdk.rs` signs fresh ones with the SDK itself.
    const SDK_AUTHORIZATION: &str = "ACS3-HMAC-SHA256 Credential=FCAKexample,SignedHeaders=accept;content-type;host;user-agent;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version,Signature=d639c67d26231cda2cb5cbc045d42073451d8fff859ac8250db4aca8dbef06d6";
    const SECRET: &[u8] = b"secret-of-the-example";
    const BODY: &[u8] = br#"{"deploymentId":"a b","restoreStrategy":{"kind":"LATEST_STATE"}}"#;
    const PATH: &str = "/api/v2/namespaces/default/jobs%3Astart";
    const QUERY: &str = "pageIndex=1&deploymentName=my+job~%2F%2Bx&empty=";
    const NOW: OffsetDateTime = datetime!(2026-12-01 16:21:30 UTC);

    fn sdk_headers() -> HeaderMap {
        let mut headers = HeaderMap::new();
        for (name, value) in [
            ("host", "127.0.0.1:3000"),
            ("x-acs-version", "2022-07-18"),
            ("x-acs-action", "StartJobWithParams"),
            ("user-agent", "AlibabaCloud (Linux) Python/3.11"),
            ("x-acs-date", "2026-12-01T16:20:00Z"),
            ("x-acs-signature-nonce", "0f1e2d3c4b5a69788796a5b4c3d2e1f0"),
            ("accept", "application/json"),
            ("content-type", "application/json; charset=utf-8"),
            ("authorization", SDK_AUTHORIZATION),
        ] {
            headers.insert(HeaderName::from_static(name), HeaderValue::from_static(value));
        }
        let body_hash = hex::encode(Sha256::digest(BODY));
        headers.insert("x-acs-content-sha256", HeaderValue::from_str(&body_hash).expect("hex is a header value"));
        headers
    }

    fn check(
        method: &str,
        path: &str,
        query: &str,
        headers: &HeaderMap,
        body: &[u8],
        secret: &[u8],
    ) -> Result<Verified, Refusal> {
        let authorization = Authorization::from_headers(headers).expect("signed").expect("readable");
        let request = Request { method, path, query, headers, authority: None, body };
        verify(&request, &authorization, secret, NOW, DEFAULT_WINDOW)
    }

    #[test]
    fn a_request_the_sdk_signed_is_accepted() {
        let verified = check("POST", PATH, QUERY, &sdk_headers(), BODY, SECRET).expect("the SDK's signature holds");
        assert_eq!(verified.nonce, "0f1e2d3c4b5a69788796a5b4c3d2e1f0");
        assert_eq!(verified.remember_until, datetime!(2026-12-01 16:35:00 UTC));
    }

    #[test]
    fn any_change_to_what_was_signed_is_refused() {
        let headers = sdk_headers();
        let mut flipped = BODY.to_vec();
        flipped[3] ^= 1;
        let refused = |result: Result<Verified, Refusal>| result.expect_err("refused").code();
        assert_eq!(
            refused(check("POST", PATH, QUERY, &headers, &flipped, SECRET)),
            "SignatureDoesNotMatch",
            "a body byte"
        );
        let mut rehashed = headers.clone();
        let flipped_hash = hex::encode(Sha256::digest(&flipped));
        rehashed.insert("x-acs-content-sha256", HeaderValue::from_str(&flipped_hash).expect("hex"));
        assert_eq!(
            refused(check("POST", PATH, QUERY, &rehashed, &flipped, SECRET)),
            "SignatureDoesNotMatch",
            "body and its hash"
        );
        assert_eq!(refused(check("PUT", PATH, QUERY, &headers, BODY, SECRET)), "SignatureDoesNotMatch", "the method");
        assert_eq!(
            refused(check("POST", "/api/v2/namespaces/default/jobs:start", QUERY, &headers, BODY, SECRET)),
            "SignatureDoesNotMatch",
            "the path, decoded"
        );
        assert_eq!(
            refused(check("POST", PATH, "pageIndex=2&deploymentName=my+job~%2F%2Bx&empty=", &headers, BODY, SECRET)),
            "SignatureDoesNotMatch",
            "a query value"
        );
        assert_eq!(
            refused(check("POST", PATH, "pageIndex=1&deploymentName=my+job~%2F%2Bx", &headers, BODY, SECRET)),
            "SignatureDoesNotMatch",
            "a query parameter less"
        );
        assert_eq!(
            refused(check("POST", PATH, QUERY, &headers, BODY, b"another secret")),
            "SignatureDoesNotMatch",
            "the key"
        );
        for (name, value) in [
            ("x-acs-action", "DeleteDeployment"),
            ("host", "evil.example"),
            ("x-acs-signature-nonce", "another"),
            ("x-acs-date", "2026-12-01T16:20:01Z"),
            ("content-type", "text/plain"),
        ] {
            let mut changed = headers.clone();
            changed.insert(HeaderName::from_static(name), HeaderValue::from_static(value));
            assert_eq!(refused(check("POST", PATH, QUERY, &changed, BODY, SECRET)), "SignatureDoesNotMatch", "{name}");
        }
        let mut added = headers.clone();
        added.insert("x-acs-security-token", HeaderValue::from_static("smuggled"));
        assert_eq!(
            refused(check("POST", PATH, QUERY, &added, BODY, SECRET)),
            "IncompleteSignature",
            "an unsigned x-acs header"
        );
    }

    #[test]
    fn a_date_out_of_the_window_or_unreadable_is_refused() {
        let headers = sdk_headers();
        let authorization = Authorization::from_headers(&headers).expect("signed").expect("readable");
        let request =
            Request { method: "POST", path: PATH, query: QUERY, headers: &headers, authority: None, body: BODY };
        for now in [datetime!(2026-12-01 16:35:01 UTC), datetime!(2026-12-01 16:04:59 UTC)] {
            let refusal = verify(&request, &authorization, SECRET, now, DEFAULT_WINDOW).expect_err("stale");
            assert_eq!(refusal.code(), "InvalidTimeStamp.Expired", "{now}");
        }
        for now in [datetime!(2026-12-01 16:35:00 UTC), datetime!(2026-12-01 16:05:00 UTC)] {
            assert!(verify(&request, &authorization, SECRET, now, DEFAULT_WINDOW).is_ok(), "{now} is within");
        }
        let mut unreadable = headers.clone();
        unreadable.insert("x-acs-date", HeaderValue::from_static("Tue, 01 Dec 2026 16:20:00 GMT"));
        let refusal = check("POST", PATH, QUERY, &unreadable, BODY, SECRET).expect_err("not RFC 3339");
        assert_eq!(refusal.code(), "InvalidTimeStamp.Format");
    }

    #[test]
    fn the_date_nonce_host_and_body_hash_must_be_there_and_signed() {
        for name in REQUIRED_SIGNED_HEADERS {
            let mut missing = sdk_headers();
            missing.remove(name);
            let refusal = check("POST", PATH, QUERY, &missing, BODY, SECRET).expect_err(name);
            assert_eq!(refusal.code(), "IncompleteSignature", "{name}: {refusal}");
        }
        let mut headers = sdk_headers();
        let unsigned = SDK_AUTHORIZATION.replace("x-acs-date;", "");
        headers.insert("authorization", HeaderValue::from_str(&unsigned).expect("text"));
        let refusal = check("POST", PATH, QUERY, &headers, BODY, SECRET).expect_err("date unsigned");
        assert!(refusal.to_string().contains("x-acs-date must be signed"), "{refusal}");
    }

    #[test]
    fn http2s_authority_stands_in_for_the_host_header() {
        let mut headers = sdk_headers();
        headers.remove("host");
        let authorization = Authorization::from_headers(&headers).expect("signed").expect("readable");
        let request = Request {
            method: "POST",
            path: PATH,
            query: QUERY,
            headers: &headers,
            authority: Some("127.0.0.1:3000"),
            body: BODY,
        };
        verify(&request, &authorization, SECRET, NOW, DEFAULT_WINDOW).expect("host read from the authority");
    }
}
