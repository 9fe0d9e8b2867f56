//! Which addresses a session-cluster URL may lead the console to: the shape of such a URL, the
//! addresses inside the console's own network (loopback, link-local, private, …), and the host
//! patterns an admin allows there anyway. Pure; resolving names and connecting is the Flink
//! client's job, and this module must never do either.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::input::{kind_of, FieldError, InvalidInput};

/// The settings table's name for the allowed session-cluster hosts.
pub const NETWORK_SETTING: &str = "network.allowedSessionClusterHosts";

/// At most this many patterns: the list is checked on every connection.
pub const MAX_ALLOWED_HOSTS: usize = 256;

/// The console-wide network settings an admin changes (`/api/v1/settings/network`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct NetworkSettings {
    /// Hosts a session cluster may be registered at and reached on although they are inside the
    /// console's network: exact names (`flink.internal`), wildcards (`*.example.com`), addresses
    /// (`10.0.0.5`, `::1`) or CIDR ranges (`10.0.0.0/8`). Empty: none.
    #[serde(default)]
    pub allowed_session_cluster_hosts: Vec<String>,
}

/// A session cluster's REST URL, taken apart: `scheme://host[:port]` and nothing else.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionUrl {
    /// `http` or `https`.
    pub scheme: &'static str,
    /// The host name or address as typed (an IPv6 address without its brackets), lowercase.
    pub host: String,
    /// The port, or the scheme's default.
    pub port: u16,
}

impl SessionUrl {
    /// Parses `raw` (surrounding blanks and one trailing `/` allowed). Refuses user info, a path,
    /// a query or a fragment, and hosts a URL parser would read differently than they look (`127.1`,
    /// `0x7f.0.0.1`, `2130706433` are all 127.0.0.1 to a browser's parser).
    pub fn parse(raw: &str) -> Result<Self, String> {
        let given = raw.trim();
        let (scheme, rest) = match (given.strip_prefix("http://"), given.strip_prefix("https://")) {
            (Some(rest), _) => ("http", rest),
            (None, Some(rest)) => ("https", rest),
            (None, None) => return Err(format!("{raw:?} must start with http:// or https://")),
        };
        let shape = || format!("{raw:?} must be scheme://host:port, without user, path, query or fragment");
        let authority = rest.strip_suffix('/').unwrap_or(rest);
        if authority.contains(['/', '?', '#', '@', '\\']) || authority.chars().any(|c| c.is_whitespace()) {
            return Err(shape());
        }
        let (host, port) = match authority.strip_prefix('[') {
            Some(bracketed) => {
                let (address, after) = bracketed.split_once(']').ok_or_else(shape)?;
                let address: Ipv6Addr =
                    address.parse().map_err(|_| format!("{raw:?}: [{address}] is not an IPv6 address"))?;
                let port = match after {
                    "" => None,
                    _ => Some(after.strip_prefix(':').ok_or_else(shape)?),
                };
                (address.to_string(), port)
            }
            None => match authority.split_once(':') {
                Some((host, port)) => (host.to_ascii_lowercase(), Some(port)),
                None => (authority.to_ascii_lowercase(), None),
            },
        };
        let port = match port {
            None if scheme == "https" => 443,
            None => 80,
            Some(digits) if !digits.is_empty() && digits.len() <= 5 && digits.bytes().all(|b| b.is_ascii_digit()) => {
                digits
                    .parse::<u16>()
                    .ok()
                    .filter(|p| *p > 0)
                    .ok_or_else(|| format!("{raw:?}: port {digits} is not 1 to 65535"))?
            }
            Some(_) => return Err(shape()),
        };
        if host.is_empty() {
            return Err(format!("{raw:?} is not a URL with a host"));
        }
        if !authority.starts_with('[') {
            check_host_name(&host).map_err(|why| format!("{raw:?}: {why}"))?;
        }
        Ok(Self { scheme, host, port })
    }
}

impl fmt::Display for SessionUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.host.parse::<Ipv6Addr>() {
            Ok(_) => write!(f, "{}://[{}]:{}", self.scheme, self.host, self.port),
            Err(_) => write!(f, "{}://{}:{}", self.scheme, self.host, self.port),
        }
    }
}

/// A DNS name of letters, digits and hyphens, or a dotted-quad IPv4 address; nothing a URL parser
/// would turn into another address.
fn check_host_name(host: &str) -> Result<(), String> {
    if host.is_empty() {
        return Err("the URL has no host".into());
    }
    if host.len() > 253 {
        return Err("the host name is longer than 253 characters".into());
    }
    let labels: Vec<&str> = host.split('.').collect();
    if labels.iter().any(|l| l.is_empty() || l.len() > 63) {
        return Err(format!("{host:?} is not a host name"));
    }
    if !host.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.') {
        return Err(format!("{host:?} may contain only letters, digits, '-' and '.'"));
    }
    // WHATWG URL parsing reads a host whose last label is a number as an IPv4 address, in decimal,
    // octal or hex, with fewer than four parts: only the plain dotted-quad form is accepted.
    let last = labels.last().copied().unwrap_or_default();
    let numeric = last.bytes().all(|b| b.is_ascii_digit())
        || (last.len() > 1 && (last.starts_with("0x")) && last[2..].bytes().all(|b| b.is_ascii_hexdigit()));
    if numeric && host.parse::<Ipv4Addr>().is_err() {
        return Err(format!("{host:?} is not an IPv4 address in dotted-quad form (e.g. 10.0.0.5)"));
    }
    Ok(())
}

/// Why an address is inside the console's network, or `None` for an address on the internet.
pub fn internal_range(address: IpAddr) -> Option<&'static str> {
    match address {
        IpAddr::V4(v4) => internal_v4(v4),
        IpAddr::V6(v6) => internal_v6(v6),
    }
}

/// Whether `address` is inside the console's network (see `internal_range`).
pub fn is_internal(address: IpAddr) -> bool {
    internal_range(address).is_some()
}

fn internal_v4(address: Ipv4Addr) -> Option<&'static str> {
    let [a, b, c, _] = address.octets();
    match (a, b, c) {
        (0, _, _) => Some("unspecified"),
        (127, _, _) => Some("loopback"),
        (10, _, _) | (192, 168, _) => Some("private"),
        (172, 16..=31, _) => Some("private"),
        (169, 254, _) => Some("link-local"),
        (100, 64..=127, _) => Some("carrier-grade NAT"),
        (192, 0, 0) => Some("IETF protocol assignments"),
        (198, 18..=19, _) => Some("benchmarking"),
        (224..=239, _, _) => Some("multicast"),
        (240..=255, _, _) => Some(if address.is_broadcast() { "broadcast" } else { "reserved" }),
        _ => None,
    }
}

fn internal_v6(address: Ipv6Addr) -> Option<&'static str> {
    let segments = address.segments();
    if address.is_unspecified() {
        return Some("unspecified");
    }
    if address.is_loopback() {
        return Some("loopback");
    }
    // IPv4-mapped (::ffff:a.b.c.d), IPv4-compatible (::a.b.c.d) and NAT64 (64:ff9b::a.b.c.d)
    // addresses reach the IPv4 address they carry.
    let embedded = match segments {
        [0, 0, 0, 0, 0, 0xffff, _, _] | [0, 0, 0, 0, 0, 0, _, _] | [0x64, 0xff9b, 0, 0, 0, 0, _, _] => {
            let [.., high, low] = segments;
            Some(Ipv4Addr::from((u32::from(high) << 16) | u32::from(low)))
        }
        _ => None,
    };
    if let Some(v4) = embedded {
        return internal_v4(v4);
    }
    match segments[0] {
        0xfc00..=0xfdff => Some("private (unique local)"),
        0xfe80..=0xfebf => Some("link-local"),
        0xfec0..=0xfeff => Some("site-local"),
        0xff00..=0xffff => Some("multicast"),
        _ => None,
    }
}

/// A host an admin allows although it is inside the console's network.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostPattern {
    /// Exactly this host name (lowercase).
    Name(String),
    /// Any host name ending in this suffix, which starts with `.` (`*.example.com`).
    Subdomains(String),
    /// Exactly this address.
    Address(IpAddr),
    /// Every address in `network/prefix`.
    Range {
        /// The range's first address (host bits zero).
        network: IpAddr,
        /// How many leading bits are fixed.
        prefix: u8,
    },
}

impl HostPattern {
    /// Parses `flink.internal`, `*.example.com`, `10.0.0.5`, `::1` or `10.0.0.0/8`.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let text = raw.trim();
        if text.is_empty() {
            return Err("is empty".into());
        }
        if let Some((network, prefix)) = text.split_once('/') {
            let network: IpAddr = network.parse().map_err(|_| format!("{text:?}: {network:?} is not an IP address"))?;
            let max = if network.is_ipv4() { 32 } else { 128 };
            let prefix = prefix
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= max)
                .ok_or_else(|| format!("{text:?}: the prefix length must be 0 to {max}"))?;
            if masked(network, prefix) != network {
                return Err(format!(
                    "{text:?} has bits set after the first {prefix}; did you mean {}/{prefix}?",
                    masked(network, prefix)
                ));
            }
            return Ok(Self::Range { network, prefix });
        }
        if let Ok(address) = text.trim_start_matches('[').trim_end_matches(']').parse::<IpAddr>() {
            return Ok(Self::Address(address));
        }
        let lower = text.to_ascii_lowercase();
        let why = |_| format!("{text:?} is not a host name, *.domain, IP address or CIDR range (e.g. 10.0.0.0/8)");
        match lower.strip_prefix("*.") {
            Some(domain) => {
                check_host_name(domain).map_err(why)?;
                Ok(Self::Subdomains(format!(".{domain}")))
            }
            None => {
                check_host_name(&lower).map_err(why)?;
                Ok(Self::Name(lower))
            }
        }
    }

    /// Whether a connection to `address`, found for `host` (a name, or the address itself), is allowed.
    pub fn matches(&self, host: &str, address: IpAddr) -> bool {
        let address = canonical(address);
        match self {
            Self::Name(name) => host.eq_ignore_ascii_case(name),
            Self::Subdomains(suffix) => {
                host.len() > suffix.len() && host.to_ascii_lowercase().ends_with(suffix.as_str())
            }
            Self::Address(allowed) => canonical(*allowed) == address,
            Self::Range { network, prefix } => match (canonical(*network), address) {
                (IpAddr::V4(_), IpAddr::V4(_)) | (IpAddr::V6(_), IpAddr::V6(_)) => masked(address, *prefix) == *network,
                _ => false,
            },
        }
    }
}

impl fmt::Display for HostPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Name(name) => f.write_str(name),
            Self::Subdomains(suffix) => write!(f, "*{suffix}"),
            Self::Address(address) => write!(f, "{address}"),
            Self::Range { network, prefix } => write!(f, "{network}/{prefix}"),
        }
    }
}

/// An IPv4-mapped IPv6 address as the IPv4 address it is.
fn canonical(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(address, IpAddr::V4),
        v4 => v4,
    }
}

/// `address` with every bit after the first `prefix` cleared.
fn masked(address: IpAddr, prefix: u8) -> IpAddr {
    match address {
        IpAddr::V4(v4) => {
            let mask = u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0);
            IpAddr::V4(Ipv4Addr::from(u32::from(v4) & mask))
        }
        IpAddr::V6(v6) => {
            let mask = u128::MAX.checked_shl(128 - u32::from(prefix)).unwrap_or(0);
            IpAddr::V6(Ipv6Addr::from(u128::from(v6) & mask))
        }
    }
}

/// The hosts an admin allows inside the console's network; empty by default.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AllowedHosts(Vec<HostPattern>);

impl AllowedHosts {
    /// Parses the patterns of `settings`, one field error per bad one.
    pub fn parse(settings: &NetworkSettings) -> Result<Self, InvalidInput> {
        let patterns = &settings.allowed_session_cluster_hosts;
        if patterns.len() > MAX_ALLOWED_HOSTS {
            return Err(InvalidInput::one(
                "allowedSessionClusterHosts",
                format!("at most {MAX_ALLOWED_HOSTS} patterns, got {}; use wildcards or CIDR ranges", patterns.len()),
            ));
        }
        let mut parsed = Vec::new();
        let mut errors = Vec::new();
        for (index, raw) in patterns.iter().enumerate() {
            match HostPattern::parse(raw) {
                Ok(pattern) if !parsed.contains(&pattern) => parsed.push(pattern),
                Ok(_) => {}
                Err(why) => errors.push(FieldError::new(format!("allowedSessionClusterHosts[{index}]"), why)),
            }
        }
        if errors.is_empty() {
            Ok(Self(parsed))
        } else {
            Err(InvalidInput(errors))
        }
    }

    /// The patterns, each in its canonical text.
    pub fn to_settings(&self) -> NetworkSettings {
        NetworkSettings { allowed_session_cluster_hosts: self.0.iter().map(ToString::to_string).collect() }
    }

    /// Whether the console may connect to `address`, found for `host`: any address on the
    /// internet, and addresses inside its network that a pattern allows.
    pub fn permits(&self, host: &str, address: IpAddr) -> bool {
        !is_internal(address) || self.0.iter().any(|pattern| pattern.matches(host, address))
    }
}

/// Reads `{"allowedSessionClusterHosts": [...]}`, as stored or as sent.
pub fn network_settings(document: &Value) -> Result<NetworkSettings, InvalidInput> {
    let Some(object) = document.as_object() else {
        return Err(InvalidInput::one(
            "",
            format!("the network settings must be an object, got {}", kind_of(document)),
        ));
    };
    if let Some(unknown) = object.keys().find(|k| k.as_str() != "allowedSessionClusterHosts") {
        return Err(InvalidInput::one(unknown.as_str(), "is not a network setting (only allowedSessionClusterHosts)"));
    }
    let hosts = match object.get("allowedSessionClusterHosts") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => {
            let mut hosts = Vec::new();
            let mut errors = Vec::new();
            for (index, item) in items.iter().enumerate() {
                match item {
                    Value::String(text) => hosts.push(text.trim().to_owned()),
                    other => errors.push(FieldError::new(
                        format!("allowedSessionClusterHosts[{index}]"),
                        format!("must be a string, got {}", kind_of(other)),
                    )),
                }
            }
            if !errors.is_empty() {
                return Err(InvalidInput(errors));
            }
            hosts
        }
        Some(other) => {
            return Err(InvalidInput::one(
                "allowedSessionClusterHosts",
                format!("must be a list of strings, got {}", kind_of(other)),
            ))
        }
    };
    Ok(NetworkSettings { allowed_session_cluster_hosts: hosts })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().expect("an address")
    }

    #[test]
    fn addresses_inside_the_consoles_network_are_internal_and_public_ones_are_not() {
        let table = [
            ("127.0.0.1", Some("loopback")),
            ("127.255.0.9", Some("loopback")),
            ("::1", Some("loopback")),
            ("10.1.2.3", Some("private")),
            ("172.16.0.1", Some("private")),
            ("172.31.255.255", Some("private")),
            ("192.168.1.1", Some("private")),
            ("169.254.169.254", Some("link-local")),
            ("100.64.0.1", Some("carrier-grade NAT")),
            ("100.127.255.255", Some("carrier-grade NAT")),
            ("::ffff:127.0.0.1", Some("loopback")),
            ("::ffff:169.254.169.254", Some("link-local")),
            ("::127.0.0.1", Some("loopback")),
            ("64:ff9b::a00:1", Some("private")),
            ("fe80::1", Some("link-local")),
            ("fc00::1", Some("private (unique local)")),
            ("fd12:3456::1", Some("private (unique local)")),
            ("0.0.0.0", Some("unspecified")),
            ("::", Some("unspecified")),
            ("224.0.0.1", Some("multicast")),
            ("ff02::1", Some("multicast")),
            ("255.255.255.255", Some("broadcast")),
            ("8.8.8.8", None),
            ("172.32.0.1", None),
            ("100.128.0.1", None),
            ("2606:4700::1111", None),
            ("::ffff:8.8.8.8", None),
            ("64:ff9b::808:808", None),
        ];
        for (address, expected) in table {
            assert_eq!(internal_range(ip(address)), expected, "{address}");
        }
    }

    #[test]
    fn only_scheme_host_and_port_make_a_session_url() {
        let good = [
            ("http://flink:8081", "http://flink:8081"),
            ("http://flink:8081/", "http://flink:8081"),
            (" https://Flink.Example.com ", "https://flink.example.com:443"),
            ("http://10.0.0.5:8081", "http://10.0.0.5:8081"),
            ("http://[::1]:8081", "http://[::1]:8081"),
        ];
        for (raw, expected) in good {
            assert_eq!(SessionUrl::parse(raw).map(|u| u.to_string()), Ok(expected.to_owned()), "{raw}");
        }
        let bad = [
            "flink:8081",
            "ftp://flink:21",
            "http://user:pw@flink:8081",
            "http://flink:8081/path",
            "http://flink:8081?x",
            "http://flink:8081/#top",
            "http://flink:8081/path?x",
            "http://:8081",
            "http://flink:0",
            "http://flink:99999",
            "http://flink:",
            "http://flink:80a",
            "http://127.1:8081",
            "http://2130706433:8081",
            "http://0x7f.0.0.1:8081",
            "http://fl_ink:8081",
            "http://[::1:8081",
            "http://flink\\@evil:8081",
        ];
        for raw in bad {
            assert!(SessionUrl::parse(raw).is_err(), "{raw} was accepted");
        }
        assert_eq!(
            SessionUrl::parse("http://user:pw@flink:8081"),
            Err("\"http://user:pw@flink:8081\" must be scheme://host:port, without user, path, query or fragment"
                .into())
        );
    }

    fn allowed(patterns: &[&str]) -> AllowedHosts {
        let settings =
            NetworkSettings { allowed_session_cluster_hosts: patterns.iter().map(|p| (*p).to_owned()).collect() };
        AllowedHosts::parse(&settings).expect("patterns")
    }

    #[test]
    fn nothing_inside_the_network_is_permitted_by_default_and_everything_outside_is() {
        let none = AllowedHosts::default();
        assert!(!none.permits("127.0.0.1", ip("127.0.0.1")));
        assert!(!none.permits("metadata", ip("169.254.169.254")));
        assert!(!none.permits("::ffff:127.0.0.1", ip("::ffff:127.0.0.1")));
        assert!(none.permits("flink.example.com", ip("93.184.216.34")));
    }

    #[test]
    fn patterns_allow_exactly_the_hosts_and_ranges_they_name() {
        let hosts = allowed(&["10.0.0.0/8", "flink.internal", "*.corp.example", "192.168.1.7", "fd00::/8"]);
        assert!(hosts.permits("10.9.8.7", ip("10.9.8.7")));
        assert!(hosts.permits("x", ip("::ffff:10.9.8.7")), "an IPv4-mapped address is its IPv4 address");
        assert!(!hosts.permits("11.0.0.1", ip("127.0.0.1")));
        assert!(hosts.permits("FLINK.internal", ip("172.20.0.3")));
        assert!(!hosts.permits("other.internal", ip("172.20.0.3")));
        assert!(hosts.permits("jm.corp.example", ip("192.168.9.9")));
        assert!(!hosts.permits("corp.example", ip("192.168.9.9")), "*.domain is its subdomains only");
        assert!(!hosts.permits("evilcorp.example", ip("192.168.9.9")));
        assert!(hosts.permits("192.168.1.7", ip("192.168.1.7")));
        assert!(!hosts.permits("192.168.1.8", ip("192.168.1.8")));
        assert!(hosts.permits("fd00::5", ip("fd00::5")));
        assert!(!hosts.permits("fe80::1", ip("fe80::1")));
        assert!(allowed(&["127.0.0.0/8"]).permits("localhost", ip("127.0.0.1")));
        assert!(allowed(&["::1"]).permits("localhost", ip("::1")));
    }

    #[test]
    fn bad_patterns_are_field_errors_naming_their_place() {
        let settings = NetworkSettings {
            allowed_session_cluster_hosts: vec![
                "10.0.0.0/8".into(),
                "10.0.0.1/8".into(),
                "10.0.0.0/33".into(),
                "not a host".into(),
                "".into(),
                "*.".into(),
                "http://flink:8081".into(),
            ],
        };
        let errors = AllowedHosts::parse(&settings).expect_err("bad patterns").0;
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "allowedSessionClusterHosts[1]",
                "allowedSessionClusterHosts[2]",
                "allowedSessionClusterHosts[3]",
                "allowedSessionClusterHosts[4]",
                "allowedSessionClusterHosts[5]",
                "allowedSessionClusterHosts[6]",
            ]
        );
        assert!(errors[0].message.contains("did you mean 10.0.0.0/8"), "{}", errors[0].message);
    }

    #[test]
    fn allowed_hosts_read_back_in_canonical_form() {
        let hosts = allowed(&["10.0.0.0/8", "Flink.Internal", "*.Example.com", "[::1]", "10.0.0.0/8"]);
        assert_eq!(
            hosts.to_settings().allowed_session_cluster_hosts,
            ["10.0.0.0/8", "flink.internal", "*.example.com", "::1"]
        );
    }

    #[test]
    fn network_settings_are_an_object_with_a_list_of_strings() {
        let read = network_settings(&serde_json::json!({"allowedSessionClusterHosts": [" 10.0.0.0/8 "]}));
        assert_eq!(read.map(|s| s.allowed_session_cluster_hosts), Ok(vec!["10.0.0.0/8".to_owned()]));
        assert!(network_settings(&serde_json::json!({"allowedSessionClusterHosts": "10.0.0.0/8"})).is_err());
        assert!(network_settings(&serde_json::json!({"allowedSessionClusterHosts": [1]})).is_err());
        assert!(network_settings(&serde_json::json!({"allowed": []})).is_err());
        assert!(network_settings(&serde_json::json!([])).is_err());
    }
}
