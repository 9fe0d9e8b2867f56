//! Where a session cluster's URL may lead: the console's network policy, applied when a URL is
//! registered and again on every connection (a name may resolve elsewhere tomorrow). Addresses
//! inside the console's network are refused unless an admin allows them (`AllowedHosts`). It
//! must never let a connection through on an address it did not check.

use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use domain::network::{internal_range, AllowedHosts};
use reqwest::dns::{Addrs, Name, Resolve, Resolving};

/// How long resolving a name at registration may take before it is given up.
const RESOLVE_TIMEOUT: Duration = Duration::from_secs(3);

/// Why the console will not connect to a host: it is, or resolves to, an address inside the
/// console's network that no admin allowed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.describe())]
pub struct NetworkRefusal {
    /// The host as given.
    pub host: String,
    /// The refused address.
    pub address: IpAddr,
    /// Which kind of range it is in (loopback, private, …).
    pub range: &'static str,
}

impl NetworkRefusal {
    fn describe(&self) -> String {
        let Self { host, address, range } = self;
        let what = match host.parse::<IpAddr>() {
            Ok(_) => format!("{address} is"),
            Err(_) => format!("{host} resolves to {address},"),
        };
        format!("{what} a {range} address inside the console's network; an admin can allow it under Admin → Network")
    }
}

/// The console's network policy for session clusters: cheap to clone, every clone sees the admin's
/// latest change.
#[derive(Clone, Default)]
pub struct NetworkPolicy(Arc<RwLock<AllowedHosts>>);

impl NetworkPolicy {
    /// A policy allowing `allowed` inside the console's network.
    pub fn new(allowed: AllowedHosts) -> Self {
        Self(Arc::new(RwLock::new(allowed)))
    }

    /// Replaces what is allowed, for every connection from now on.
    pub fn allow(&self, allowed: AllowedHosts) {
        *self.0.write().unwrap_or_else(|poisoned| poisoned.into_inner()) = allowed;
    }

    /// What is allowed now.
    pub fn allowed(&self) -> AllowedHosts {
        self.0.read().unwrap_or_else(|poisoned| poisoned.into_inner()).clone()
    }

    /// Whether the console may connect to `address`, found for `host`.
    pub fn check(&self, host: &str, address: IpAddr) -> Result<(), NetworkRefusal> {
        let allowed = self.0.read().unwrap_or_else(|poisoned| poisoned.into_inner());
        match internal_range(address) {
            Some(range) if !allowed.permits(host, address) => {
                Err(NetworkRefusal { host: host.to_owned(), address, range })
            }
            _ => Ok(()),
        }
    }

    /// Checks every address `host` resolves to now (an address is checked as itself). A name that
    /// does not resolve (yet) passes: every connection is checked again when it is made.
    pub async fn check_host(&self, host: &str, port: u16) -> Result<(), NetworkRefusal> {
        if let Ok(address) = host.parse::<IpAddr>() {
            return self.check(host, address);
        }
        let resolved = match tokio::time::timeout(RESOLVE_TIMEOUT, tokio::net::lookup_host((host, port))).await {
            Ok(Ok(addresses)) => addresses,
            Ok(Err(err)) => {
                tracing::info!(%host, error = %err, "a session cluster's host does not resolve at registration");
                return Ok(());
            }
            Err(_) => {
                tracing::info!(%host, "resolving a session cluster's host timed out at registration");
                return Ok(());
            }
        };
        for address in resolved {
            self.check(host, address.ip())?;
        }
        Ok(())
    }

    /// A resolver for reqwest that drops the addresses this policy refuses, and fails when none is left.
    pub(crate) fn resolver(&self) -> PolicedResolver {
        PolicedResolver(self.clone())
    }
}

/// The system resolver, filtered by a `NetworkPolicy` on every lookup reqwest makes.
pub(crate) struct PolicedResolver(NetworkPolicy);

impl Resolve for PolicedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let policy = self.0.clone();
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let resolved: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let mut refusal = None;
            let permitted: Vec<SocketAddr> = resolved
                .into_iter()
                .filter(|address| match policy.check(&host, address.ip()) {
                    Ok(()) => true,
                    Err(refused) => {
                        refusal.get_or_insert(refused);
                        false
                    }
                })
                .collect();
            match (permitted.is_empty(), refusal) {
                (true, Some(refused)) => Err(Box::new(refused) as Box<dyn std::error::Error + Send + Sync>),
                _ => Ok(Box::new(permitted.into_iter()) as Addrs),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::NetworkSettings;

    fn allowing(patterns: &[&str]) -> NetworkPolicy {
        let settings =
            NetworkSettings { allowed_session_cluster_hosts: patterns.iter().map(|p| (*p).to_owned()).collect() };
        NetworkPolicy::new(AllowedHosts::parse(&settings).expect("patterns"))
    }

    #[tokio::test]
    async fn a_name_resolving_to_loopback_is_refused_until_an_admin_allows_it() {
        let policy = NetworkPolicy::default();
        let refused = policy.check_host("localhost", 8081).await.expect_err("localhost is loopback");
        assert!(refused.to_string().starts_with("localhost resolves to "), "{refused}");
        assert!(refused.to_string().contains("loopback"), "{refused}");
        policy.allow(allowing(&["127.0.0.0/8", "::1"]).allowed());
        assert_eq!(policy.check_host("localhost", 8081).await, Ok(()));
    }

    #[tokio::test]
    async fn an_address_is_checked_as_itself() {
        let policy = allowing(&["10.0.0.0/8"]);
        assert_eq!(policy.check_host("10.1.1.1", 80).await, Ok(()));
        let refused = policy.check_host("169.254.169.254", 80).await.expect_err("link-local");
        assert_eq!(
            refused.to_string(),
            "169.254.169.254 is a link-local address inside the console's network; an admin can allow it under Admin → Network"
        );
    }

    #[tokio::test]
    async fn the_resolver_refuses_a_name_with_only_internal_addresses() {
        let resolver = NetworkPolicy::default().resolver();
        let name: Name = "localhost".parse().expect("a name");
        let refused = resolver.resolve(name).await.err().expect("refused");
        assert!(refused.to_string().contains("loopback"), "{refused}");
        let allowed = allowing(&["localhost"]).resolver();
        let addresses: Vec<SocketAddr> =
            allowed.resolve("localhost".parse().expect("a name")).await.expect("allowed").collect();
        assert!(addresses.iter().all(|a| a.ip().is_loopback()) && !addresses.is_empty(), "{addresses:?}");
    }
}
