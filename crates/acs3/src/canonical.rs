//! The canonical request of signature V3, rebuilt from what arrived:
//!
//! ```text
//! METHOD \n raw path \n sorted encoded query \n canonical headers \n signed header names \n body hash
//! ```
//!
//! The path is taken exactly as sent (the SDK encodes it itself, `jobs%3Astart` included). The
//! query is decoded as it travels (`+` is a space, the way the SDK's `urlencode` writes it) and
//! re-encoded the algorithm's way: every byte but `A-Z a-z 0-9 - _ . ~` as `%XX`, pairs sorted by
//! name, `name=value` joined with `&`. Each signed header is `name:value\n`, its values trimmed,
//! sorted and joined with `,` when it came more than once.

use http::HeaderMap;

use crate::Refusal;

/// Percent-encodes every byte but the unreserved ones (`A-Z a-z 0-9 - _ . ~`), upper-case hex.
pub fn percent_encode(raw: &[u8]) -> String {
    let mut encoded = String::with_capacity(raw.len());
    for &byte in raw {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    encoded
}

/// The canonical query of a raw query string (what follows `?`, possibly empty).
pub fn canonical_query(raw: &str) -> String {
    let mut pairs: Vec<(String, String)> = form_urlencoded::parse(raw.as_bytes())
        .map(|(name, value)| (percent_encode(name.as_bytes()), percent_encode(value.as_bytes())))
        .collect();
    pairs.sort();
    pairs.into_iter().map(|(name, value)| format!("{name}={value}")).collect::<Vec<_>>().join("&")
}

/// The canonical request. `authority` stands in for a `host` header HTTP/2 does not send.
pub fn canonical_request(
    method: &str,
    path: &str,
    query: &str,
    headers: &HeaderMap,
    authority: Option<&str>,
    signed_headers: &[String],
    payload_sha256: &str,
) -> Result<String, Refusal> {
    let mut canonical_headers = String::new();
    for name in signed_headers {
        canonical_headers.push_str(name);
        canonical_headers.push(':');
        canonical_headers.push_str(&header_value(headers, authority, name)?);
        canonical_headers.push('\n');
    }
    Ok(format!(
        "{method}\n{path}\n{}\n{canonical_headers}\n{}\n{payload_sha256}",
        canonical_query(query),
        signed_headers.join(";"),
    ))
}

/// A signed header's canonical value: its values trimmed, sorted, joined with `,`.
fn header_value(headers: &HeaderMap, authority: Option<&str>, name: &str) -> Result<String, Refusal> {
    let mut values = Vec::new();
    for value in headers.get_all(name) {
        let text = std::str::from_utf8(value.as_bytes())
            .map_err(|_| Refusal::Incomplete(format!("the signed header {name} is not UTF-8 text")))?;
        values.push(text.trim());
    }
    if values.is_empty() {
        match (name, authority) {
            ("host", Some(authority)) => values.push(authority),
            _ => return Err(Refusal::Incomplete(format!("the signed header {name} is not in the request"))),
        }
    }
    values.sort_unstable();
    Ok(values.join(","))
}

#[cfg(test)]
mod tests {
    use http::HeaderValue;

    use super::*;

    #[test]
    fn only_unreserved_bytes_stay_as_they_are() {
        assert_eq!(percent_encode(b"AZaz09-_.~"), "AZaz09-_.~");
        assert_eq!(percent_encode(b"a b+c/d:e*f"), "a%20b%2Bc%2Fd%3Ae%2Af");
        assert_eq!(percent_encode("é".as_bytes()), "%C3%A9");
    }

    #[test]
    fn the_query_is_decoded_as_sent_then_sorted_and_encoded_the_algorithms_way() {
        assert_eq!(canonical_query(""), "");
        assert_eq!(
            canonical_query("pageIndex=1&deploymentName=my+job~%2F%2Bx&empty="),
            "deploymentName=my%20job~%2F%2Bx&empty=&pageIndex=1"
        );
        assert_eq!(canonical_query("b=2&a&a=1"), "a=&a=1&b=2", "a name without a value has an empty one");
        assert_eq!(canonical_query("x=%7e"), "x=~", "the same bytes however they were encoded");
    }

    #[test]
    fn signed_headers_are_trimmed_sorted_and_joined() {
        let mut headers = HeaderMap::new();
        headers.append("x-acs-b", HeaderValue::from_static("  two "));
        headers.append("x-acs-b", HeaderValue::from_static("one"));
        headers.append("x-acs-a", HeaderValue::from_static("a"));
        let names = ["host".to_owned(), "x-acs-a".to_owned(), "x-acs-b".to_owned()];
        let canonical = canonical_request("GET", "/p%3Aq", "", &headers, Some("h:1"), &names, "00")
            .expect("every signed header is there");
        assert_eq!(canonical, "GET\n/p%3Aq\n\nhost:h:1\nx-acs-a:a\nx-acs-b:one,two\n\nhost;x-acs-a;x-acs-b\n00");
        let missing = canonical_request("GET", "/", "", &headers, None, &names, "00").expect_err("no host");
        assert!(missing.to_string().contains("host is not in the request"), "{missing}");
    }
}
