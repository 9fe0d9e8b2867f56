//! The `Authorization` header of a signed request, read part by part:
//! `ACS3-HMAC-SHA256 Credential=<access key id>,SignedHeaders=<a;b;c>,Signature=<hex>`. Each
//! malformed part is named in the refusal; nothing is checked against a key here.

use http::HeaderMap;

use crate::{Refusal, ALGORITHM};

/// What a request's `Authorization` header claims: who signed, which headers, the signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authorization {
    /// The access key id of `Credential=`.
    pub access_key_id: String,
    /// The names of `SignedHeaders=`, lower case, sorted, each once.
    pub signed_headers: Vec<String>,
    /// The 32 bytes of `Signature=` (hex on the wire).
    pub signature: Vec<u8>,
}

/// The longest access key id read (the console's are 28 characters).
const MAX_ACCESS_KEY_ID: usize = 128;

impl Authorization {
    /// The signature a request claims, if it is signed the ACS3 way: `None` when its
    /// `Authorization` header is absent or another scheme (`Bearer`, …), a refusal when it is an
    /// ACS3 header that cannot be read or names another algorithm of the family.
    pub fn from_headers(headers: &HeaderMap) -> Option<Result<Self, Refusal>> {
        let value = headers.get(http::header::AUTHORIZATION)?;
        let Ok(value) = value.to_str() else {
            return value
                .as_bytes()
                .starts_with(b"ACS3-")
                .then(|| Err(Refusal::Incomplete("the Authorization header is not visible ASCII text".into())));
        };
        let value = value.trim();
        if !value.starts_with("ACS3-") {
            return None;
        }
        Some(Self::parse(value))
    }

    /// Reads `ACS3-HMAC-SHA256 Credential=…,SignedHeaders=…,Signature=…`.
    pub fn parse(value: &str) -> Result<Self, Refusal> {
        let (algorithm, parts) = value.split_once(' ').unwrap_or((value, ""));
        if algorithm != ALGORITHM {
            return Err(Refusal::UnsupportedAlgorithm(algorithm.chars().take(40).collect()));
        }
        let (mut credential, mut signed_headers, mut signature) = (None, None, None);
        for part in parts.split(',').map(str::trim).filter(|part| !part.is_empty()) {
            let Some((name, value)) = part.split_once('=') else {
                return Err(incomplete(format!("{:?} in the Authorization header is not name=value", shorten(part))));
            };
            let slot = match name.trim() {
                "Credential" => &mut credential,
                "SignedHeaders" => &mut signed_headers,
                "Signature" => &mut signature,
                other => {
                    return Err(incomplete(format!(
                        "unknown part {:?} in the Authorization header (expected Credential, SignedHeaders, Signature)",
                        shorten(other)
                    )))
                }
            };
            if slot.replace(value.trim()).is_some() {
                return Err(incomplete(format!("{name} appears twice in the Authorization header")));
            }
        }
        let credential = credential.ok_or_else(|| incomplete("the Authorization header has no Credential".into()))?;
        let signed_headers =
            signed_headers.ok_or_else(|| incomplete("the Authorization header has no SignedHeaders".into()))?;
        let signature = signature.ok_or_else(|| incomplete("the Authorization header has no Signature".into()))?;
        Ok(Self {
            access_key_id: access_key_id(credential)?,
            signed_headers: header_names(signed_headers)?,
            signature: signature_bytes(signature)?,
        })
    }
}

fn incomplete(why: String) -> Refusal {
    Refusal::Incomplete(why)
}

/// At most 40 characters of what a client sent, for a message.
fn shorten(text: &str) -> String {
    text.chars().take(40).collect()
}

fn access_key_id(credential: &str) -> Result<String, Refusal> {
    let readable = credential.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
    if credential.is_empty() || credential.len() > MAX_ACCESS_KEY_ID || !readable {
        return Err(incomplete(format!(
            "Credential {:?} is not an access key id (1 to {MAX_ACCESS_KEY_ID} of A-Z, a-z, 0-9, '-', '_', '.')",
            shorten(credential)
        )));
    }
    Ok(credential.to_owned())
}

/// `a;b;c`: lower case, sorted and each once, as the algorithm writes them.
fn header_names(list: &str) -> Result<Vec<String>, Refusal> {
    let names: Vec<String> = list.split(';').map(str::to_owned).collect();
    if let Some(bad) = names.iter().find(|name| {
        name.is_empty() || !name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    }) {
        return Err(incomplete(format!(
            "SignedHeaders names {:?}, which is not a lower-case header name",
            shorten(bad)
        )));
    }
    if names.windows(2).any(|pair| pair[0] >= pair[1]) {
        return Err(incomplete(format!("SignedHeaders {:?} is not sorted with each name once", shorten(list))));
    }
    Ok(names)
}

fn signature_bytes(hex_signature: &str) -> Result<Vec<u8>, Refusal> {
    match hex::decode(hex_signature) {
        Ok(bytes) if bytes.len() == 32 => Ok(bytes),
        _ => Err(incomplete(format!(
            "Signature {:?} is not 64 hexadecimal digits (an HMAC-SHA256)",
            shorten(hex_signature)
        ))),
    }
}

#[cfg(test)]
mod tests {
    use http::HeaderValue;

    use super::*;

    const SIGNATURE: &str = "d639c67d26231cda2cb5cbc045d42073451d8fff859ac8250db4aca8dbef06d6";

    #[test]
    fn the_sdks_header_is_read_part_by_part() {
        let header =
            format!("ACS3-HMAC-SHA256 Credential=FCAKexample,SignedHeaders=host;x-acs-date,Signature={SIGNATURE}");
        let read = Authorization::parse(&header).expect("the SDK's header");
        assert_eq!(read.access_key_id, "FCAKexample");
        assert_eq!(read.signed_headers, ["host", "x-acs-date"]);
        assert_eq!(hex::encode(&read.signature), SIGNATURE);
        let spaced = format!("ACS3-HMAC-SHA256 Credential=k, SignedHeaders=host, Signature={SIGNATURE}");
        assert!(Authorization::parse(&spaced).is_ok(), "spaces after commas are allowed");
    }

    #[test]
    fn each_malformed_part_is_named() {
        let cases = [
            ("ACS3-HMAC-SM3 Credential=k,SignedHeaders=host,Signature=00", "ACS3-HMAC-SM3"),
            ("ACS3-HMAC-SHA256 SignedHeaders=host,Signature=00", "no Credential"),
            ("ACS3-HMAC-SHA256 Credential=k,Signature=00", "no SignedHeaders"),
            ("ACS3-HMAC-SHA256 Credential=k,SignedHeaders=host", "no Signature"),
            ("ACS3-HMAC-SHA256 Credential=k,SignedHeaders=host,Signature=00", "64 hexadecimal"),
            ("ACS3-HMAC-SHA256 Credential=,SignedHeaders=host,Signature=00", "not an access key id"),
            ("ACS3-HMAC-SHA256 Credential=a/b,SignedHeaders=host,Signature=00", "not an access key id"),
            ("ACS3-HMAC-SHA256 Credential=k,SignedHeaders=Host,Signature=00", "lower-case"),
            ("ACS3-HMAC-SHA256 Credential=k,SignedHeaders=x;host,Signature=00", "not sorted"),
            ("ACS3-HMAC-SHA256 Credential=k,SignedHeaders=host;host,Signature=00", "not sorted"),
            ("ACS3-HMAC-SHA256 Credential=k,Credential=k,SignedHeaders=host,Signature=00", "twice"),
            ("ACS3-HMAC-SHA256 Credential=k,Region=x,SignedHeaders=host,Signature=00", "unknown part"),
            ("ACS3-HMAC-SHA256 Credential", "not name=value"),
        ];
        for (header, expected) in cases {
            let refusal = Authorization::parse(header).expect_err(header);
            assert!(refusal.to_string().contains(expected), "{header}: {refusal}");
        }
    }

    #[test]
    fn other_schemes_are_not_acs3() {
        let mut headers = HeaderMap::new();
        assert!(Authorization::from_headers(&headers).is_none());
        headers.insert(http::header::AUTHORIZATION, HeaderValue::from_static("Bearer abc"));
        assert!(Authorization::from_headers(&headers).is_none());
        headers.insert(http::header::AUTHORIZATION, HeaderValue::from_static("ACS3-RSA-SHA256 Credential=k"));
        assert_eq!(
            Authorization::from_headers(&headers),
            Some(Err(Refusal::UnsupportedAlgorithm("ACS3-RSA-SHA256".into())))
        );
    }
}
