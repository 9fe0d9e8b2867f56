//! Names parsed at the edge: once a `DeploymentName` or `NamespaceName` exists, it is valid.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Why a name was refused; the message is shown to the user as is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    /// The name is empty.
    #[error("must not be empty")]
    Empty,
    /// The name has more than 63 characters (it has this many).
    #[error("must be at most 63 characters, got {0}")]
    TooLong(usize),
    /// The name holds a character other than `a-z`, `0-9` and `-`.
    #[error("may contain only lowercase letters, digits and '-', found {0:?}")]
    InvalidCharacter(char),
    /// The name starts or ends with `-`.
    #[error("must start and end with a lowercase letter or digit")]
    BadEdge,
}

/// Checks an RFC 1123 DNS label: 1-63 of `[a-z0-9-]`, not starting or ending with `-`.
fn check_dns_label(raw: &str) -> Result<(), NameError> {
    if raw.is_empty() {
        return Err(NameError::Empty);
    }
    if raw.len() > 63 {
        return Err(NameError::TooLong(raw.len()));
    }
    if let Some(bad) = raw.chars().find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-')) {
        return Err(NameError::InvalidCharacter(bad));
    }
    if raw.starts_with('-') || raw.ends_with('-') {
        return Err(NameError::BadEdge);
    }
    Ok(())
}

macro_rules! dns_label_name {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            /// Reads a name; refuses anything but an RFC 1123 DNS label.
            pub fn parse(raw: &str) -> Result<Self, NameError> {
                check_dns_label(raw)?;
                Ok(Self(raw.to_owned()))
            }

            /// The name as written.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = NameError;
            fn try_from(raw: String) -> Result<Self, NameError> {
                check_dns_label(&raw)?;
                Ok(Self(raw))
            }
        }

        impl From<$name> for String {
            fn from(name: $name) -> String {
                name.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

dns_label_name!(
    /// A deployment's name: a DNS label, unique within its namespace.
    DeploymentName
);
dns_label_name!(
    /// A namespace's name: a DNS label.
    NamespaceName
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_dns_labels() {
        for ok in ["a", "top-speed", "job1", "0abc", &"x".repeat(63)] {
            assert!(DeploymentName::parse(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn refuses_what_is_not_a_dns_label_with_the_reason() {
        assert_eq!(DeploymentName::parse(""), Err(NameError::Empty));
        assert_eq!(DeploymentName::parse("Top"), Err(NameError::InvalidCharacter('T')));
        assert_eq!(DeploymentName::parse("a_b"), Err(NameError::InvalidCharacter('_')));
        assert_eq!(DeploymentName::parse("-a"), Err(NameError::BadEdge));
        assert_eq!(DeploymentName::parse("a-"), Err(NameError::BadEdge));
        assert_eq!(DeploymentName::parse(&"x".repeat(64)), Err(NameError::TooLong(64)));
    }

    #[test]
    fn deserialising_checks_the_name() {
        assert!(serde_json::from_str::<NamespaceName>("\"Bad Name\"").is_err());
        let ok: NamespaceName = serde_json::from_str("\"default\"").expect("valid name");
        assert_eq!(ok.as_str(), "default");
    }
}
