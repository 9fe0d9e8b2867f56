//! AWS Signature Version 4 for S3 requests: the canonical request, the string to sign, the signing
//! key and the `Authorization` header, as AWS's "Authenticating Requests (AWS Signature Version 4)"
//! describes them for S3 (paths encoded once, never normalised). Pure: no IO, no clock. The secret
//! key goes into the HMAC and nowhere else.

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

/// The SHA-256 of an empty body (a GET, HEAD or DELETE).
pub const EMPTY_SHA256: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

/// The payload hash of a request whose body is not hashed.
pub const UNSIGNED_PAYLOAD: &str = "UNSIGNED-PAYLOAD";

const ALGORITHM: &str = "AWS4-HMAC-SHA256";

/// What of a request is signed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request<'a> {
    /// `GET`, `PUT`, …
    pub method: &'a str,
    /// The path exactly as sent, already URI-encoded (`uri_encode_path`).
    pub path: &'a str,
    /// The query parameters, not yet encoded.
    pub query: &'a [(&'a str, &'a str)],
    /// The headers to sign (name, value); `host`, `x-amz-date` and `x-amz-content-sha256` among them.
    pub headers: &'a [(&'a str, &'a str)],
    /// `x-amz-content-sha256`: the body's hex SHA-256, or `UNSIGNED_PAYLOAD`.
    pub payload_sha256: &'a str,
}

/// Who signs, where, when.
#[derive(Clone, Copy)]
pub struct Signer<'a> {
    pub access_key_id: &'a str,
    pub secret_access_key: &'a str,
    pub region: &'a str,
    pub service: &'a str,
    /// `x-amz-date`: `YYYYMMDDTHHMMSSZ`, UTC.
    pub amz_date: &'a str,
}

impl std::fmt::Debug for Signer<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Signer")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"<redacted>")
            .field("region", &self.region)
            .field("service", &self.service)
            .field("amz_date", &self.amz_date)
            .finish()
    }
}

impl Signer<'_> {
    /// `YYYYMMDD/region/service/aws4_request`.
    pub fn scope(&self) -> String {
        format!("{}/{}/{}/aws4_request", self.date(), self.region, self.service)
    }

    fn date(&self) -> &str {
        self.amz_date.get(..8).unwrap_or(self.amz_date)
    }

    /// The string to sign for `canonical_request`.
    pub fn string_to_sign(&self, canonical_request: &str) -> String {
        let hashed = hex::encode(Sha256::digest(canonical_request.as_bytes()));
        format!("{ALGORITHM}\n{}\n{}\n{hashed}", self.amz_date, self.scope())
    }

    /// The signing key: the secret, HMAC'd with the date, region, service and `aws4_request`.
    pub fn signing_key(&self) -> [u8; 32] {
        let secret = format!("AWS4{}", self.secret_access_key);
        let date = hmac(secret.as_bytes(), self.date().as_bytes());
        let region = hmac(&date, self.region.as_bytes());
        let service = hmac(&region, self.service.as_bytes());
        hmac(&service, b"aws4_request")
    }

    /// The hex signature of `request`.
    pub fn signature(&self, request: &Request<'_>) -> String {
        let to_sign = self.string_to_sign(&canonical_request(request));
        hex::encode(hmac(&self.signing_key(), to_sign.as_bytes()))
    }

    /// The `Authorization` header's value for `request`.
    pub fn authorization(&self, request: &Request<'_>) -> String {
        format!(
            "{ALGORITHM} Credential={}/{},SignedHeaders={},Signature={}",
            self.access_key_id,
            self.scope(),
            signed_headers(request.headers),
            self.signature(request)
        )
    }
}

fn hmac(key: &[u8], data: &[u8]) -> [u8; 32] {
    // HMAC takes a key of any length: `new_from_slice` cannot fail for it.
    let mut mac = match Hmac::<Sha256>::new_from_slice(key) {
        Ok(mac) => mac,
        Err(_) => unreachable!("HMAC-SHA256 accepts keys of every length"),
    };
    mac.update(data);
    mac.finalize().into_bytes().into()
}

/// The canonical request: method, path, sorted encoded query, sorted lower-cased headers with
/// trimmed values, the signed header names, the payload hash.
pub fn canonical_request(request: &Request<'_>) -> String {
    let mut query: Vec<(String, String)> =
        request.query.iter().map(|(name, value)| (uri_encode(name, true), uri_encode(value, true))).collect();
    query.sort();
    let query: Vec<String> = query.into_iter().map(|(name, value)| format!("{name}={value}")).collect();
    let mut headers: Vec<(String, String)> = request
        .headers
        .iter()
        .map(|(name, value)| (name.to_ascii_lowercase(), value.split_whitespace().collect::<Vec<_>>().join(" ")))
        .collect();
    headers.sort();
    let canonical_headers: String = headers.iter().map(|(name, value)| format!("{name}:{value}\n")).collect();
    format!(
        "{}\n{}\n{}\n{canonical_headers}\n{}\n{}",
        request.method,
        request.path,
        query.join("&"),
        signed_headers(request.headers),
        request.payload_sha256
    )
}

/// The signed headers' names, lower-cased, sorted, joined by `;`.
fn signed_headers(headers: &[(&str, &str)]) -> String {
    let mut names: Vec<String> = headers.iter().map(|(name, _)| name.to_ascii_lowercase()).collect();
    names.sort();
    names.join(";")
}

/// Percent-encodes every byte but the unreserved characters (`A–Z a–z 0–9 - . _ ~`), and `/` too
/// when `encode_slash`, with upper-case hex — SigV4's `UriEncode`.
pub fn uri_encode(raw: &str, encode_slash: bool) -> String {
    let mut out = String::with_capacity(raw.len());
    for byte in raw.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => out.push(char::from(byte)),
            b'/' if !encode_slash => out.push('/'),
            other => out.push_str(&format!("%{other:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// AWS's example "GET Object" of "Authenticating Requests: Using the Authorization Header (AWS
    /// Signature Version 4)" in the Amazon S3 API reference: the first 10 bytes of `test.txt` from
    /// `examplebucket`, signed with the documentation's example credentials on 2013-05-24.
    #[test]
    fn the_documented_s3_get_object_example_signs_as_aws_says() {
        let signer = Signer {
            access_key_id: "AKIAIOSFODNN7EXAMPLE",
            secret_access_key: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            region: "us-east-1",
            service: "s3",
            amz_date: "20130524T000000Z",
        };
        let request = Request {
            method: "GET",
            path: "/test.txt",
            query: &[],
            headers: &[
                ("Host", "examplebucket.s3.amazonaws.com"),
                ("Range", "bytes=0-9"),
                ("x-amz-content-sha256", EMPTY_SHA256),
                ("x-amz-date", "20130524T000000Z"),
            ],
            payload_sha256: EMPTY_SHA256,
        };
        let canonical = canonical_request(&request);
        assert_eq!(
            canonical,
            "GET\n/test.txt\n\nhost:examplebucket.s3.amazonaws.com\nrange:bytes=0-9\n\
             x-amz-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n\
             x-amz-date:20130524T000000Z\n\nhost;range;x-amz-content-sha256;x-amz-date\n\
             e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(
            signer.string_to_sign(&canonical),
            "AWS4-HMAC-SHA256\n20130524T000000Z\n20130524/us-east-1/s3/aws4_request\n\
             7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972"
        );
        assert_eq!(signer.signature(&request), "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
        assert_eq!(
            signer.authorization(&request),
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,\
             SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,\
             Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"
        );
    }

    #[test]
    fn only_unreserved_characters_stay_unencoded() {
        assert_eq!(uri_encode("default/my job+1 ü.jar", false), "default/my%20job%2B1%20%C3%BC.jar");
        assert_eq!(uri_encode("a/b", true), "a%2Fb");
        assert_eq!(uri_encode("A-z_0.9~", true), "A-z_0.9~");
    }

    #[test]
    fn query_parameters_are_encoded_then_sorted() {
        let request = Request {
            method: "GET",
            path: "/",
            query: &[("prefix", "a b/"), ("list-type", "2")],
            headers: &[("host", "h")],
            payload_sha256: UNSIGNED_PAYLOAD,
        };
        let canonical = canonical_request(&request);
        assert_eq!(canonical.lines().nth(2), Some("list-type=2&prefix=a%20b%2F"), "{canonical}");
    }

    #[test]
    fn the_signers_debug_output_hides_the_secret() {
        let signer = Signer {
            access_key_id: "AKID",
            secret_access_key: "very-secret-key",
            region: "us-east-1",
            service: "s3",
            amz_date: "20130524T000000Z",
        };
        let shown = format!("{signer:?}");
        assert!(!shown.contains("very-secret-key") && shown.contains("AKID"), "{shown}");
    }
}
