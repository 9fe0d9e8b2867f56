//! Names parsed at the edge: once a `DeploymentName` or `NamespaceName` exists, it is valid. A
//! namespace's name is a DNS label (it is part of every path); a deployment's name is a display
//! name — any text a person or a notebook gives it (a notebook names a deployment by its whole SQL
//! statement), since a deployment is addressed by its id.

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
    /// A display name has more than `MAX_DEPLOYMENT_NAME_CHARS` characters (it has this many).
    #[error("must be at most {max} characters, got {0}", max = MAX_DEPLOYMENT_NAME_CHARS)]
    TooLongText(usize),
    /// A display name holds only white space.
    #[error("must not be only white space")]
    Blank,
    /// A display name holds a control character other than a line break or a tab.
    #[error("must not contain the control character {0:?}")]
    ControlCharacter(char),
}

/// The longest deployment name, in characters: a whole SQL statement fits, a book does not.
pub const MAX_DEPLOYMENT_NAME_CHARS: usize = 4096;

/// Checks a display name: 1 to `MAX_DEPLOYMENT_NAME_CHARS` characters, not only white space, no
/// control characters but line breaks and tabs.
fn check_display_name(raw: &str) -> Result<(), NameError> {
    if raw.is_empty() {
        return Err(NameError::Empty);
    }
    let count = raw.chars().count();
    if count > MAX_DEPLOYMENT_NAME_CHARS {
        return Err(NameError::TooLongText(count));
    }
    if raw.trim().is_empty() {
        return Err(NameError::Blank);
    }
    if let Some(bad) = raw.chars().find(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t')) {
        return Err(NameError::ControlCharacter(bad));
    }
    Ok(())
}

/// Checks an RFC 1123 DNS label: 1-63 of `[a-z0-9-]`, not starting or ending with `-`.
pub(crate) fn check_dns_label(raw: &str) -> Result<(), NameError> {
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

macro_rules! checked_name {
    ($(#[$doc:meta])* $name:ident, $check:ident, $what:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            #[doc = concat!("Reads a name; refuses anything but ", $what, ".")]
            pub fn parse(raw: &str) -> Result<Self, NameError> {
                $check(raw)?;
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
                $check(&raw)?;
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

checked_name!(
    /// A deployment's name: a display name, unique within its namespace (any text of 1 to
    /// `MAX_DEPLOYMENT_NAME_CHARS` characters without control characters but line breaks and tabs).
    DeploymentName,
    check_display_name,
    "a display name"
);
checked_name!(
    /// A namespace's name: a DNS label.
    NamespaceName,
    check_dns_label,
    "an RFC 1123 DNS label"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_namespace_name_is_a_dns_label() {
        for ok in ["a", "top-speed", "job1", "0abc", &"x".repeat(63)] {
            assert!(NamespaceName::parse(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn refuses_a_namespace_name_that_is_not_a_dns_label_with_the_reason() {
        assert_eq!(NamespaceName::parse(""), Err(NameError::Empty));
        assert_eq!(NamespaceName::parse("Top"), Err(NameError::InvalidCharacter('T')));
        assert_eq!(NamespaceName::parse("a_b"), Err(NameError::InvalidCharacter('_')));
        assert_eq!(NamespaceName::parse("-a"), Err(NameError::BadEdge));
        assert_eq!(NamespaceName::parse("a-"), Err(NameError::BadEdge));
        assert_eq!(NamespaceName::parse(&"x".repeat(64)), Err(NameError::TooLong(64)));
    }

    #[test]
    fn a_deployment_name_is_any_display_text() {
        let statement = "INSERT INTO sink\n  SELECT word, COUNT(*)\tFROM src GROUP BY word";
        for ok in ["top-speed", "Top Speed", "Zählwerk 1", statement, "\u{1F680}", &"x".repeat(4096)] {
            assert_eq!(DeploymentName::parse(ok).map(|name| name.to_string()), Ok(ok.to_owned()), "{ok}");
        }
    }

    #[test]
    fn refuses_a_deployment_name_that_is_empty_blank_huge_or_holds_control_characters() {
        assert_eq!(DeploymentName::parse(""), Err(NameError::Empty));
        assert_eq!(DeploymentName::parse(" \n\t"), Err(NameError::Blank));
        assert_eq!(DeploymentName::parse(&"é".repeat(4097)), Err(NameError::TooLongText(4097)));
        assert_eq!(DeploymentName::parse("a\u{0}b"), Err(NameError::ControlCharacter('\u{0}')));
        assert_eq!(DeploymentName::parse("bell\u{7}"), Err(NameError::ControlCharacter('\u{7}')));
        assert_eq!(DeploymentName::parse("esc\u{1b}[31m"), Err(NameError::ControlCharacter('\u{1b}')));
    }

    #[test]
    fn deserialising_checks_the_name() {
        assert!(serde_json::from_str::<NamespaceName>("\"Bad Name\"").is_err());
        let ok: NamespaceName = serde_json::from_str("\"default\"").expect("valid name");
        assert_eq!(ok.as_str(), "default");
    }
}
